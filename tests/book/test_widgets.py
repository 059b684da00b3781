import matplotlib.pyplot as plt
import pytest

from omicslib.book.widgets import LIVE_NOTE, explorer


def test_explorer_renders_the_selection_and_redraws_on_change():
    calls = []

    def render(k, variant):
        calls.append((k, variant))
        return plt.subplots()[0]

    box = explorer(render, k=[300, 1000], variant=[("EXP only", "EXP"), ("EXP+CNA", "EXP+CNA")])
    assert calls == [(300, "EXP")]
    k_pick, v_pick = box.children[0].children
    v_pick.value = "EXP+CNA"
    k_pick.value = 1000
    assert calls[-2:] == [(300, "EXP+CNA"), (1000, "EXP+CNA")]
    plt.close("all")


def test_explorer_rejects_missing_options():
    with pytest.raises(ValueError, match="no options for 'k'"):
        explorer(lambda k: None, k=[])
    with pytest.raises(ValueError, match="at least one"):
        explorer(lambda: None)


def test_explorer_displays_as_the_widget_or_a_note_never_a_repr():
    box = explorer(lambda k: plt.subplots()[0], k=[1, 2])
    out = box._repr_mimebundle_()
    data = out[0] if isinstance(out, tuple) else out
    assert "application/vnd.jupyter.widget-view+json" in data  # JupyterLab shows the live widget
    assert data["text/plain"] == LIVE_NOTE and "VBox" not in repr(box) and " object at 0x" not in repr(box)
    assert data["text/html"].startswith('<p class="omicslib-live-note">') and "<code>make lab</code>" in data["text/html"]
    plt.close("all")


def test_headless_execution_builds_no_widget_and_shows_the_note(monkeypatch):
    calls = []
    monkeypatch.setenv("OMICSLIB_HEADLESS", "1")
    box = explorer(lambda k: calls.append(k), k=[1, 2])
    data = box._repr_mimebundle_()
    assert calls == [] and box.children == ()
    assert set(data) == {"text/plain", "text/html"} and data["text/plain"] == LIVE_NOTE
