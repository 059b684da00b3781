"""The baselines' regularisation search (omicslib.tuning): edges, widening, refinement, the rehearsal's one value."""

import numpy as np
import pytest

from omicslib import tuning


def test_edge_of():
    assert tuning.edge_of([0.1, 1, 10], 0.1) == "low" and tuning.edge_of([0.1, 1, 10], 10) == "high"
    assert tuning.edge_of([0.1, 1, 10], 1) == "" and tuning.edge_of([1, 10], 1) == "low"


def test_search_1d_widens_at_an_edge_and_refines_an_interior_optimum():
    # a peak at log10 v = 1.3 inside the grid: the half-decade refinement finds 10 ** 1.5 (score -0.04 beats
    # 10 ** 1 at -0.09); 7 values searched (5 + 2 midpoints), interior
    best, rec = tuning.search_1d(lambda v: -(np.log10(v) - 1.3) ** 2, [0.01, 0.1, 1, 10, 100])
    assert best == pytest.approx(10 ** 1.5) and rec["at_edge"] == "" and rec["n_grid"] == 7
    # a score that keeps rising: widened twice by two decades (to 1e6), still at the edge, and it says so
    best, rec = tuning.search_1d(np.log10, [0.01, 0.1, 1, 10, 100])
    assert best == pytest.approx(1e6) and rec["at_edge"] == "high" and rec["n_grid"] == 9
    # an optimum below the grid: widened downwards until interior
    best, rec = tuning.search_1d(lambda v: -(np.log10(v) + 3) ** 2, [0.01, 0.1, 1, 10, 100])
    assert best == pytest.approx(1e-3) and rec["at_edge"] == "" and rec["grid_min"] == pytest.approx(1e-4)


def test_search_1d_ties_go_to_the_smallest_value_and_a_one_value_grid_is_not_scored():
    best, rec = tuning.search_1d(lambda v: 0.0 if v < 0.5 else 1.0, [0.01, 0.1, 1, 10, 100], refine=False)
    assert best == 1 and rec["at_edge"] == ""          # 1, 10, 100 tie: the smallest, interior
    calls = []
    best, rec = tuning.search_1d(calls.append, [3.0])
    assert best == 3.0 and calls == [] and rec["n_grid"] == 1 and rec["at_edge"] == "low"
    with pytest.raises(ValueError, match="one or at least 3 positive"):
        tuning.search_1d(np.log10, [1.0, 10.0])
    with pytest.raises(ValueError, match="one or at least 3 positive"):
        tuning.search_1d(np.log10, [0.0, 1.0, 10.0])
