"""Explorers that work without a kernel: one self-contained Plotly figure per explorer.

The ipywidgets explorers (:mod:`omicslib.book.widgets`) need a live kernel, which the rendered book
does not have. The functions here build, from a precomputed *long table*, a Plotly figure that holds
every choice at once (one trace per choice, only the selected one visible) with one control per
choice column: a drop-down, or a slider for ordered choices (e.g. network depth). A few lines of
JavaScript combine the controls, so two controls (K × modality) select one of all their combinations.

Nothing is fetched from the network in the built book: Plotly's JavaScript is the copy shipped in
the ``plotly`` Python package, which the book's Sphinx extension (:mod:`omicslib.book.site`) copies
to ``_build/html/_static/plotly.min.js`` and every explorer loads from there (see
:func:`plotly_js`). Outside the book (JupyterLab, Colab) the same output loads the same version from
Plotly's CDN; the ipywidgets explorer stays the live tool there.

- :func:`heatmap_explorer`: a heat map per choice (p1: the pooled confusion matrix of every
  K × modality configuration), with an optional per-fold score panel (macro-F1 of each fold model).
- :func:`image_explorer`: an RGB image per choice (p4: the Grad-CAM overlay of every image × layer).

Both return an :class:`Explorer`, which a notebook displays as the last expression of a cell.
"""

from __future__ import annotations

import base64
import html
import io
import json
import uuid
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

#: Name of the bundled file in the book's ``_static`` folder.
JS_NAME = "plotly.min.js"

_PLOT_CONFIG = {"displaylogo": False, "responsive": True,
                "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d"]}


def plotly_js() -> Path:
    """The minified plotly.js shipped inside the installed ``plotly`` package (the one bundled copy)."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / JS_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: the plotly package is incomplete (reinstall plotly)")
    return path


def plotly_version() -> str:
    import plotly.offline

    return plotly.offline.get_plotlyjs_version()


def install_js(static_dir: str | Path) -> Path:
    """Copy the bundled plotly.js into ``static_dir`` (a built site's ``_static``) unless an identical
    copy is there; returns the target path."""
    import shutil

    src, dst = plotly_js(), Path(static_dir) / JS_NAME
    if not dst.is_file() or dst.stat().st_size != src.stat().st_size:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
    return dst


@dataclass
class Explorer:
    """A Plotly figure holding every choice, and which traces each combination of choices shows.

    ``controls``: ``{column: [option, ...]}`` in display order; ``traces``: for every combination
    (a tuple of option indices, one per control) the indices of its traces; ``titles``: the figure
    title for every combination. Display it in a notebook, or call :meth:`html` /
    :meth:`standalone_html`.
    """

    figure: object  # plotly.graph_objects.Figure
    controls: dict[str, list]
    traces: dict[tuple[int, ...], list[int]]
    titles: dict[tuple[int, ...], str]
    caption: str = ""
    provenance: str | None = None
    sliders: tuple[str, ...] = ()
    height: int = 460
    div_id: str = field(default_factory=lambda: "explorer-" + uuid.uuid4().hex[:10])

    def visible(self, choice: dict) -> list[int]:
        """Trace indices shown for ``choice`` (``{column: option}``; missing columns take the first option)."""
        key = tuple(opts.index(choice.get(c, opts[0])) for c, opts in self.controls.items())
        return self.traces[key]

    def _meta(self) -> dict:
        menus, sliders = [], []
        for c in self.controls:
            (sliders if c in self.sliders else menus).append(c)
        return {"controls": [{"name": c, "kind": "slider" if c in self.sliders else "menu",
                              "index": (sliders if c in self.sliders else menus).index(c)} for c in self.controls],
                "n_traces": len(self.figure.data),
                "traces": {"|".join(map(str, k)): v for k, v in self.traces.items()},
                "titles": {"|".join(map(str, k)): t for k, t in self.titles.items()}}

    def figure_json(self) -> str:
        """The figure as JSON, safe to embed in a ``<script>`` element."""
        import plotly.io as pio

        return pio.to_json(self.figure, validate=False).replace("</", "<\\/")

    def html(self) -> str:
        """A ``<figure>`` with the plot, its caption and the script that draws it (plotly.js is loaded
        from the book's ``_static`` folder, or from Plotly's CDN when the page is not part of the book)."""
        from omicslib.provenance import badge_html

        cap = html.escape(self.caption) + (" " + badge_html(self.provenance) if self.provenance else "")
        meta = json.dumps(self._meta()).replace("</", "<\\/")
        cdn = f"https://cdn.plot.ly/plotly-{plotly_version()}.min.js"
        return (
            f'<figure class="omicslib-explorer" style="margin:0 0 1em 0">'
            f'<div id="{self.div_id}" class="omicslib-explorer-plot" style="width:100%;min-height:{self.height}px">'
            f'<p class="omicslib-explorer-fallback">Interactive figure: it needs JavaScript; the static figure '
            f'above shows every choice.</p></div>'
            f'<figcaption>{cap}</figcaption></figure>\n'
            f'<script type="application/json" id="{self.div_id}-figure">{self.figure_json()}</script>\n'
            f'<script type="application/json" id="{self.div_id}-meta">{meta}</script>\n'
            f"<script>{_LOADER_JS % {'id': self.div_id, 'js': JS_NAME, 'cdn': cdn, 'config': json.dumps(_PLOT_CONFIG)}}"
            f"</script>\n")

    def standalone_html(self, title: str = "explorer") -> str:
        """A complete HTML page with plotly.js inlined (works offline, opened from disk)."""
        js = plotly_js().read_text(encoding="utf-8")
        return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
                f"<script>{js}</script></head><body><main>{self.html()}</main></body></html>")

    def _repr_html_(self) -> str:
        return self.html()

    def __repr__(self) -> str:  # never an object repr in a rendered output
        dims = " × ".join(f"{len(v)} {k}" for k, v in self.controls.items())
        return f"Interactive explorer ({dims}; {len(self.figure.data)} traces)"


# Draws the figure once plotly.js is there and wires the controls: each control only records its
# choice (method "skip"); the handler shows the traces of the combination of all current choices.
_LOADER_JS = r"""
(function () {
  var id = "%(id)s", el = document.getElementById(id);
  if (!el || el.dataset.drawn) return;
  var fig = JSON.parse(document.getElementById(id + "-figure").textContent);
  var meta = JSON.parse(document.getElementById(id + "-meta").textContent);
  function choose(gd) {
    var key = meta.controls.map(function (c) {
      var box = c.kind === "slider" ? gd.layout.sliders[c.index] : gd.layout.updatemenus[c.index];
      return (box && box.active) || 0;
    }).join("|");
    var show = meta.traces[key] || [], vis = [];
    for (var i = 0; i < meta.n_traces; i++) vis.push(show.indexOf(i) >= 0);
    el.dataset.choice = key;
    return window.Plotly.update(gd, {visible: vis}, {"title.text": meta.titles[key] || ""});
  }
  function draw(Plotly) {
    if (el.dataset.drawn) return;
    el.dataset.drawn = "1";
    el.innerHTML = "";
    window.Plotly = window.Plotly || Plotly;
    window.Plotly.newPlot(el, fig.data, fig.layout, %(config)s).then(function (gd) {
      gd.on("plotly_buttonclicked", function () { choose(gd); });
      gd.on("plotly_sliderchange", function () { choose(gd); });
      return choose(gd);
    });
  }
  if (window.Plotly) return draw(window.Plotly);
  var root = document.documentElement.dataset.content_root;  // set on every page by Sphinx >= 7.2
  var src = root !== undefined ? root + "_static/%(js)s" : "%(cdn)s";
  if (typeof window.define === "function" && window.define.amd && window.require) {  // a page with RequireJS
    window.require.config({paths: {"omicslib-plotly": src.replace(/\.js$/, "")}});
    window.require(["omicslib-plotly"], draw);
    return;
  }
  var tag = document.querySelector("script[data-omicslib-plotly]");
  if (!tag) {
    tag = document.createElement("script");
    tag.src = src;
    tag.setAttribute("data-omicslib-plotly", "1");
    document.head.appendChild(tag);
  }
  tag.addEventListener("load", function () { draw(window.Plotly); });
})();
"""


def _options(df: pd.DataFrame, col: str, order: Sequence | None) -> list:
    if col not in df:
        raise ValueError(f"explorer: no column {col!r} in the table (columns: {list(df.columns)})")
    present = list(pd.unique(df[col]))
    if order is None:
        try:
            return sorted(present)
        except TypeError:
            return present
    missing = [o for o in present if o not in list(order)]
    if missing:
        raise ValueError(f"explorer: {col!r} values {missing} are not in the given order {list(order)}")
    return [o for o in order if o in present]


def _py(v):
    return v.item() if isinstance(v, np.generic) else v


def _controls(df: pd.DataFrame, controls: Sequence[str], orders: dict | None, sliders: Sequence[str]) -> dict[str, list]:
    if not controls:
        raise ValueError("explorer needs at least one control column")
    bad = [s for s in sliders if s not in controls]
    if bad:
        raise ValueError(f"explorer: sliders {bad} are not among the controls {list(controls)}")
    orders = orders or {}
    return {c: [_py(v) for v in _options(df, c, orders.get(c))] for c in controls}


def _add_controls(fig, controls: dict[str, list], sliders: Sequence[str], labels: dict[str, str]) -> None:
    menus, slides = [], []
    n_menus = sum(c not in sliders for c in controls)
    for c, opts in controls.items():
        name = labels.get(c, c)
        if c in sliders:
            slides.append({"name": name, "active": 0, "currentvalue": {"prefix": f"{name}: "}, "pad": {"t": 75},
                           "steps": [{"label": str(o), "method": "skip", "args": [], "value": str(o)} for o in opts]})
        else:
            i = len(menus)
            menus.append({"name": name, "type": "dropdown", "active": 0, "showactive": True, "direction": "down",
                          "x": i / max(n_menus, 1) * 0.5, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                          "pad": {"b": 30},
                          "buttons": [{"label": f"{name}: {o}", "method": "skip", "args": []} for o in opts]})
    fig.update_layout(updatemenus=menus, sliders=slides)


def _finish(fig, controls, traces, titles, sliders, labels, caption, provenance, height) -> Explorer:
    for i, tr in enumerate(fig.data):
        tr.visible = i in traces[next(iter(traces))]
    first = next(iter(titles))
    fig.update_layout(title={"text": titles[first], "x": 0.5, "y": 0.97, "yanchor": "top"},
                      margin={"t": 160, "b": 170 if sliders else 60, "l": 70, "r": 20}, template="plotly_white",
                      height=height + (90 if sliders else 0), font={"size": 13})
    _add_controls(fig, controls, sliders, labels)
    kind = getattr(provenance, "kind", provenance)
    return Explorer(fig, controls, traces, titles, caption, kind, tuple(sliders), height + (90 if sliders else 0))


def heatmap_explorer(cells: pd.DataFrame, controls: Sequence[str], *, x: str, y: str, value: str,
                     scores: pd.DataFrame | None = None, score: str | None = None, score_by: str | None = None,
                     score_label: str | None = None, orders: dict[str, Sequence] | None = None,
                     sliders: Sequence[str] = (), labels: dict[str, str] | None = None, title: str = "",
                     caption: str = "", provenance=None, colorscale: str = "Blues", value_format: str = "d",
                     height: int = 480) -> Explorer:
    """A heat map of ``value`` over ``x`` × ``y`` for every combination of ``controls``.

    ``cells``: long table with the control columns, ``x``, ``y`` and ``value`` (one row per cell; e.g.
    ``K_paper, variant, true, predicted, count``). ``scores`` (optional): long table with the control
    columns, ``score_by`` (e.g. ``fold``) and ``score`` (e.g. ``f1_macro``): shown beside the heat map,
    one point per row with the mean as a line, and as "mean ± SD (n)" in the title. ``orders``: the
    order of the options of a control or of the ``x``/``y`` categories (default sorted); ``sliders``:
    controls shown as a slider instead of a drop-down; ``labels``: display names of the columns.
    A combination missing from ``cells`` raises, naming it.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    labels, orders = dict(labels or {}), dict(orders or {})
    for c in (x, y, value):
        if c not in cells:
            raise ValueError(f"heatmap_explorer: no column {c!r} in cells (columns: {list(cells.columns)})")
    ctrl = _controls(cells, controls, orders, sliders)
    xs, ys = _options(cells, x, orders.get(x)), _options(cells, y, orders.get(y))
    if scores is not None:
        for c in [*controls, score, score_by]:
            if c is None or c not in scores:
                raise ValueError(f"heatmap_explorer: scores need the control columns, score and score_by; "
                                 f"missing {c!r} (columns: {list(scores.columns)})")
    vmax = float(cells[value].max())
    fig = make_subplots(rows=1, cols=2 if scores is not None else 1, column_widths=[0.68, 0.32] if scores is not None
                        else None, horizontal_spacing=0.14,
                        subplot_titles=(f"{labels.get(value, value)}", score_label or score) if scores is not None else None)
    traces, titles = {}, {}
    for key in product(*(range(len(o)) for o in ctrl.values())):
        choice = {c: ctrl[c][i] for c, i in zip(ctrl, key)}
        mask = np.logical_and.reduce([cells[c] == v for c, v in choice.items()])
        sub = cells[mask]
        if sub.empty:
            raise ValueError(f"heatmap_explorer: no cells for {choice}")
        if sub.duplicated([x, y]).any():
            raise ValueError(f"heatmap_explorer: several rows for one ({x}, {y}) cell at {choice}")
        z = sub.pivot(index=y, columns=x, values=value).reindex(index=ys, columns=xs)
        text = z.map(lambda v: "" if pd.isna(v) else format(_py(v), value_format))
        idx = [len(fig.data)]
        fig.add_trace(go.Heatmap(z=z.to_numpy(dtype=float), x=[str(v) for v in xs], y=[str(v) for v in ys],
                                 text=text.to_numpy(), texttemplate="%{text}", colorscale=colorscale, zmin=0,
                                 zmax=vmax, showscale=False, name="",
                                 hovertemplate=f"{labels.get(y, y)}: %{{y}}<br>{labels.get(x, x)}: %{{x}}<br>"
                                               f"{labels.get(value, value)}: %{{text}}<extra></extra>"), row=1, col=1)
        head = " · ".join(f"{labels.get(c, c)} = {v}" for c, v in choice.items())
        if scores is not None:
            smask = np.logical_and.reduce([scores[c] == v for c, v in choice.items()])
            s = scores[smask]
            vals = s[score].to_numpy(dtype=float)
            if vals.size == 0:
                raise ValueError(f"heatmap_explorer: no scores for {choice}")
            sd = vals.std(ddof=1) if vals.size > 1 else 0.0
            idx.append(len(fig.data))
            fig.add_trace(go.Scatter(x=[str(v) for v in s[score_by]], y=vals, mode="markers+lines",
                                     marker={"size": 9}, line={"dash": "dot"}, name=score_label or score,
                                     hovertemplate=f"{labels.get(score_by, score_by)} %{{x}}: %{{y:.3f}}<extra></extra>",
                                     showlegend=False), row=1, col=2)
            idx.append(len(fig.data))
            fig.add_trace(go.Scatter(x=[str(v) for v in s[score_by]], y=[vals.mean()] * vals.size, mode="lines",
                                     line={"color": "#444"}, name="mean", showlegend=False,
                                     hovertemplate=f"mean {vals.mean():.3f}<extra></extra>"), row=1, col=2)
            head += f"<br>{score_label or score} {vals.mean():.3f} ± {sd:.3f} (n = {vals.size})"
        traces[key], titles[key] = idx, (f"{title}<br>" if title else "") + head
    fig.update_xaxes(title_text=labels.get(x, x), row=1, col=1, type="category")
    fig.update_yaxes(title_text=labels.get(y, y), row=1, col=1, autorange="reversed", type="category")
    if scores is not None:
        lo, hi = float(scores[score].min()), float(scores[score].max())
        pad = max(0.02, (hi - lo) * 0.1)
        fig.update_xaxes(title_text=labels.get(score_by, score_by), row=1, col=2, type="category")
        fig.update_yaxes(title_text=score_label or score, row=1, col=2, range=[lo - pad, hi + pad])
    return _finish(fig, ctrl, traces, titles, sliders, labels, caption, provenance, height)


def png_data_uri(rgb: np.ndarray, max_side: int | None = None) -> str:
    """A ``data:image/png;base64,…`` URI of an (H, W, 3) uint8 image (or (H, W) grey), optionally
    shrunk so its longer side is at most ``max_side`` pixels."""
    from PIL import Image

    arr = np.asarray(rgb)
    if arr.dtype != np.uint8:
        raise ValueError(f"image must be uint8 (H, W, 3) or (H, W), got {arr.dtype} {arr.shape}")
    if arr.ndim not in (2, 3):
        raise ValueError(f"image must be (H, W, 3) or (H, W), got shape {arr.shape}")
    img = Image.fromarray(arr)
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side))
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


def image_explorer(frames: pd.DataFrame, controls: Sequence[str], *, image: str = "rgb",
                   orders: dict[str, Sequence] | None = None, sliders: Sequence[str] = (),
                   labels: dict[str, str] | None = None, title: str = "", caption: str = "", provenance=None,
                   max_side: int | None = 192, height: int = 520) -> Explorer:
    """An image for every combination of ``controls``.

    ``frames``: long table with the control columns and ``image`` holding one (H, W, 3) uint8 array
    per row (e.g. ``image, layer, rgb`` with the Grad-CAM overlay of each test image at each layer).
    Images are embedded as PNG (shrunk to ``max_side`` pixels). ``orders``/``sliders``/``labels`` as
    in :func:`heatmap_explorer`; give a control's order explicitly where it matters (layers by depth).
    """
    import plotly.graph_objects as go

    labels, orders = dict(labels or {}), dict(orders or {})
    if image not in frames:
        raise ValueError(f"image_explorer: no column {image!r} in frames (columns: {list(frames.columns)})")
    ctrl = _controls(frames, controls, orders, sliders)
    fig = go.Figure()
    traces, titles = {}, {}
    for key in product(*(range(len(o)) for o in ctrl.values())):
        choice = {c: ctrl[c][i] for c, i in zip(ctrl, key)}
        sub = frames[np.logical_and.reduce([frames[c] == v for c, v in choice.items()])]
        if len(sub) != 1:
            raise ValueError(f"image_explorer: {len(sub)} images for {choice} (need exactly one)")
        traces[key] = [len(fig.data)]
        fig.add_trace(go.Image(source=png_data_uri(sub[image].iloc[0], max_side), name="", hoverinfo="skip"))
        titles[key] = (f"{title}<br>" if title else "") + " · ".join(f"{labels.get(c, c)} = {v}" for c, v in choice.items())
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    return _finish(fig, ctrl, traces, titles, sliders, labels, caption, provenance, height)
