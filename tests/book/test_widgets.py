import matplotlib.pyplot as plt
import pytest

from omicslib.book.widgets import explorer


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
