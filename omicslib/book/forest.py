"""The forest plot of a claims ledger: our estimates against the paper's claims, one metric per panel.

Each panel holds the real-data claims of one metric (its name and units on the axis) and shows, for a value
claim, ours − paper with its CI against the tolerance band, and for a comparative claim the effect oriented
so that the paper's claim is positive, against the margin. Rows are labelled with the paper's words (the
claim's statement), the headline claim is marked, each verdict has a marker shape as well as a colour, and
points beyond the axis are clipped with an arrow and their value. The figure is drawn at the width it is shown
in the book, and records its font size and width in the PNG's metadata so the browser test can check the
size at which its labels render.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from omicslib.book.claims import BETTER_COLOUR, COMPARATIVE, VERDICT_COLOURS, VERDICT_MARKERS

#: Width (inches) and font size (points) of a forest plot: at 110 dpi it is 880 px wide, about the width of the
#: book's content column, so labels render near their nominal size (11 pt at 110 dpi is about 17 px).
WIDTH_IN, FONT_PT, DPI = 8.0, 11.0, 110
#: Metadata keys of the PNG that the browser test reads.
META_FONT, META_WIDTH = "omicslib:fontsize_pt", "omicslib:width_in"
REAL = ("full", "real-subset", "other-cohort")


def metric_family(metric: str) -> str:
    """The panel a metric belongs to: its plain name (differences share their metric's panel)."""
    m = str(metric).lower().replace("_", " ").replace(" difference", "")
    for pattern, name in ((r"hubert", "Hubert–Levin C-index (lower is better)"),
                          (r"davies|bouldin|\bdb\b", "Davies–Bouldin index (lower is better)"),
                          (r"silhouette", "silhouette"), (r"harrell|c-index|c index|concordance", "Harrell's C-index"),
                          (r"pr.?auc|average precision", "PR-AUC"), (r"auc", "ROC AUC"),
                          (r"f1 ?macro|macro.?f1", "macro-F1"), (r"f1 ?weighted|weighted", "weighted F1"),
                          (r"\bf1\b", "F1"), (r"acc", "accuracy"), (r"precision", "precision"),
                          (r"recall|sens", "recall"), (r"rank", "rank among the methods (1 = best)")):
        if re.search(pattern, m):
            return name
    return m or "other"


def _label(statement: str, width: int = 34, lines: int = 2) -> str:
    """The claim's words wrapped to at most ``lines`` lines of ``width`` characters (cut with … beyond)."""
    import textwrap

    s = re.sub(r"\s+", " ", str(statement)).strip()
    parts = textwrap.wrap(s, width)
    if len(parts) > lines:
        parts = parts[:lines]
        parts[-1] = parts[-1][:width - 1].rstrip() + "…"
    return "\n".join(parts)


def _rows(ledger: pd.DataFrame) -> pd.DataFrame:
    real = ledger[ledger["provenance"].isin(REAL) & ledger["section"].isin(("result", "ours"))]
    val = real[(real["kind"] == "value") & real["ours"].notna() & real["paper_value"].notna()].copy()
    val["x"], val["lo"], val["hi"] = (val[c] - val["paper_value"] for c in ("ours", "ci_low", "ci_high"))
    val["band"] = val["tolerance"]
    val["base"] = val["baseline_value"] - val["paper_value"]
    comp = real[real["kind"].isin(COMPARATIVE) & real["ours"].notna()].copy()
    s = comp["expected_sign"].astype(float)
    comp["x"] = s * comp["ours"]
    lo, hi = s * comp["ci_low"], s * comp["ci_high"]
    comp["lo"], comp["hi"] = np.fmin(lo, hi), np.fmax(lo, hi)
    comp["band"] = comp["margin"]
    comp["base"] = np.nan
    out = pd.concat([val.assign(panel_kind="value"), comp.assign(panel_kind="comparative")], ignore_index=True)
    if out.empty:
        return out
    out["family"] = out["metric"].map(metric_family)
    return out


def _outliers(d: pd.DataFrame) -> np.ndarray:
    """Rows whose estimate lies far from the others (more than 6 median absolute deviations, and at least 0.05, from
    the median): drawn as an arrow with their value so they do not squeeze every other row."""
    x = d["x"].to_numpy(float)
    if len(x) < 4:
        return np.zeros(len(x), bool)
    med = np.nanmedian(x)
    mad = np.nanmedian(np.abs(x - med))
    return np.abs(x - med) > max(6 * mad, 0.05)


def _axis_limits(d: pd.DataFrame) -> tuple[float, float]:
    """Limits that hold the bands and every interval except the outliers' (:func:`_outliers`)."""
    keep = d[~_outliers(d)]
    ends = np.concatenate([keep[c].to_numpy(float) for c in ("x", "lo", "hi")] + [keep["band"].to_numpy(float),
                                                                                  -keep["band"].to_numpy(float)])
    ends = ends[np.isfinite(ends)]
    if ends.size == 0:
        return -1.0, 1.0
    lo, hi = min(ends.min(), 0.0), max(ends.max(), 0.0)
    pad = 0.06 * (hi - lo or 1.0)
    return lo - pad, hi + pad


def verdict_forest(ledger: pd.DataFrame, title: str = "", headline: str = ""):
    """The forest plot of a ledger (:func:`omicslib.book.claims.ledger`), or ``None`` when it has no real-data
    interval claim. ``headline`` is the id of the paper's headline claim (marked with ★)."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    d = _rows(ledger)
    if d.empty:
        return None
    panels = [(fam, kind, part) for (fam, kind), part in d.groupby(["family", "panel_kind"], sort=False)]
    heights = [0.5 * len(p) + 1.0 for _, _, p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(WIDTH_IN, sum(heights) + 1.3), squeeze=False,
                             gridspec_kw={"height_ratios": heights})
    drawn = set()
    for ax, (fam, kind, part) in zip(axes[:, 0], panels):
        y = np.arange(len(part))[::-1]
        x0, x1 = _axis_limits(part)
        for yi, b in zip(y, part["band"].to_numpy(float)):
            if np.isfinite(b):
                ax.plot([max(-b, x0), min(b, x1)], [yi, yi], color="0.85", lw=9, solid_capstyle="butt", zorder=0)
        for yi, r in zip(y, part.itertuples()):
            colour = BETTER_COLOUR if (r.better == "better" and r.verdict == "not reproduced") else \
                VERDICT_COLOURS.get(r.verdict, "0.4")
            marker = VERDICT_MARKERS.get(r.verdict) or "o"
            key = f"{r.verdict}: {r.better}" if r.verdict == "not reproduced" and r.better else r.verdict
            drawn.add((key, colour, marker))
            lo, hi = np.clip([r.lo, r.hi], x0, x1) if np.isfinite(r.lo) else (np.nan, np.nan)
            ax.hlines(yi, lo, hi, colors=colour, lw=2)
            if x0 <= r.x <= x1:
                ax.scatter([r.x], [yi], marker=marker, c=colour, s=60, zorder=3)
            else:  # an outlier: an arrow at the edge of the axis with its value
                right = r.x > x1
                ax.annotate(f"{r.x:+.2f}", xy=(x1 if right else x0, yi), xycoords="data",
                            xytext=(-8 if right else 8, 0), textcoords="offset points", fontsize=FONT_PT - 1,
                            va="center", ha="right" if right else "left", color=colour, zorder=4,
                            arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.5))
            if np.isfinite(r.base) and x0 <= r.base <= x1:
                ax.scatter([r.base], [yi], marker="D", facecolors="none", edgecolors="black", s=40, zorder=3)
                drawn.add(("strongest simple baseline", "black", "D"))
        labels = [("★ " if r.id == headline else "") + _label(r.statement) for r in part.itertuples()]
        ax.set_yticks(y, labels, fontsize=FONT_PT)
        for tick, r in zip(ax.get_yticklabels(), part.itertuples()):
            if r.id == headline:
                tick.set_fontweight("bold")
        ax.set_xlim(x0, x1)
        ax.set_ylim(-0.7, len(part) - 0.3)
        ax.axvline(0, color="black", lw=0.8)
        what = "ours − paper" if kind == "value" else "effect in the paper's direction"
        ax.set_xlabel(f"{fam}: {what}", fontsize=FONT_PT)
        ax.tick_params(axis="x", labelsize=FONT_PT - 1)
        ax.grid(axis="y", visible=False)
    handles = [Line2D([], [], marker=m, ls="", color=c, mfc=("none" if m == "D" else c), label=k, markersize=8)
               for k, c, m in sorted(drawn)]
    fig.legend(handles=handles, loc="lower center", ncol=min(3, len(handles)), fontsize=FONT_PT - 1, frameon=False)
    total = sum(heights) + 1.6
    if title:  # 0.3 in from the top, clear of the first row's two-line label
        fig.suptitle(title, fontsize=FONT_PT + 1, y=1 - 0.3 / total)
    fig.set_figheight(total)
    axis_h = (total - 1.3 - 0.8) / len(panels)  # mean axis height in inches
    fig.subplots_adjust(left=0.42, right=0.97, top=1 - 0.8 / total, bottom=1.3 / total, hspace=0.75 / axis_h)
    return fig


def save(fig, out) -> None:
    """Save a forest plot as PNG with its font size and width in the metadata."""
    fig.savefig(out, dpi=DPI, metadata={META_FONT: f"{FONT_PT:g}", META_WIDTH: f"{fig.get_figwidth():g}"})
