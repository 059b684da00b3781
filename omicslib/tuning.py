"""The one search of a baseline's regularisation strength: a log-spaced grid widened while its optimum sits at an
edge (so the grid, not the data, never decides the strongest simple baseline unnoticed), and the edge record.

Used by the tuned baselines of p2 (:func:`edge_of`) and p5 (ridge Cox, logistic), and by the nested selection of
:mod:`omicslib.baselines` (:func:`edge_of`, :data:`MAX_WIDEN`).
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

#: How many times a grid may be widened (by two grid steps each) when its optimum sits at an edge.
MAX_WIDEN = 2


def edge_of(values, chosen) -> str:
    """``"low"`` / ``"high"`` when ``chosen`` is the smallest / largest of the searched ``values``, else ``""``
    (interior). A grid of fewer than three values has no interior: ``"low"``."""
    v = np.sort(np.asarray(list(values), float))
    if v.size < 3 or chosen <= v[0]:
        return "low"
    return "high" if chosen >= v[-1] else ""


def search_1d(score: Callable[[float], float], grid: Sequence[float], max_widen: int = MAX_WIDEN,
              refine: bool = True) -> tuple[float, dict]:
    """Maximise ``score`` over a positive log-spaced ``grid``: widen by two grid steps on the side where the
    best value sits (at most ``max_widen`` times), then (``refine``) score the geometric midpoints beside the
    best. Among equal scores the smallest value wins (callers that prefer another add a tiny tie-breaker to
    ``score``). A one-value grid (the rehearsal's token search, :func:`omicslib.train.rehearsal_search`) is
    returned unscored. Returns ``(best value, record)``; the record holds the searched range, the number of
    values, the best score and ``at_edge`` (``""`` when interior)."""
    grid = sorted(float(g) for g in grid)
    if len(grid) == 1 and grid[0] > 0:
        return grid[0], {"at_edge": "low", "grid_min": grid[0], "grid_max": grid[0], "n_grid": 1,
                         "inner_score": np.nan}
    if len(grid) < 3 or min(grid) <= 0:
        raise ValueError(f"search_1d needs one or at least 3 positive grid values, got {grid}")
    step = float(np.mean(np.diff(np.log10(grid))))
    scores: dict[float, float] = {}

    def run(values):
        for v in values:
            if v not in scores:
                scores[v] = float(score(v))

    def best_and_edge():
        best = max(sorted(scores), key=lambda v: scores[v])
        return best, edge_of(list(scores), best)

    run(grid)
    for _ in range(max_widen):
        best, edge = best_and_edge()
        if not edge:
            break
        lo, hi = np.log10(min(scores)), np.log10(max(scores))
        run([10 ** (lo - step * k) for k in (1, 2)] if edge == "low" else [10 ** (hi + step * k) for k in (1, 2)])
    best, edge = best_and_edge()
    if refine and not edge:
        run([best * 10 ** (-step / 2), best * 10 ** (step / 2)])
        best, edge = best_and_edge()
    return best, {"at_edge": edge, "grid_min": min(scores), "grid_max": max(scores), "n_grid": len(scores),
                  "inner_score": scores[best]}
