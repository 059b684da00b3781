"""Claims ledger: each claim of a paper, the test we ran, and a verdict computed by a stated rule.

Every claim belongs to one of four **sections**, counted apart and never summed (:data:`SECTIONS`):

- ``result``: what the method achieves on data (value and comparative claims): the verdict on the paper;
- ``data``: data and settings checks (cohort and feature counts, the authors' code against the paper's text);
- ``arithmetic``: the paper's own numbers checked against each other (an audit of the paper, no data);
- ``ours``: questions we ask that the paper does not (a split leak, "beats a simple baseline").

Five kinds of claim, one rule each (:data:`RULES`), applied by :func:`ledger`:

- ``value``: a headline number, judged by the four outcomes of an equivalence test combined with a test
  of difference (Lakens 2017, *Soc. Psychol. Personal. Sci.* 8:355; Lakens, Scheel & Isager 2018, *Adv.
  Methods Pract. Psychol. Sci.* 1:259). *Equivalent*: our 90 % CI lies inside the paper's value ± the
  tolerance (two one-sided tests at α = 0.05). *Different*: our 95 % CI excludes the paper's value. Equivalent
  (whether or not different) → *reproduced*; different and not equivalent → *not reproduced*, with its
  direction (lower / higher than the paper, better / worse where the metric has a direction); neither →
  *inconclusive*. The tolerance comes from the reference file, else from the paper's own design
  (:func:`design_tolerance`); a tolerance below the precision of our estimate is reported as such.
- ``exact``: a deterministic quantity (a count, a rank over the same set of methods, a setting):
  reproduced when ``|ours − paper| ≤ tolerance`` (0 unless stated), else not reproduced, with its direction.
- ``text``: the paper's internal consistency, checked by arithmetic on its printed numbers:
  *consistent* when the recomputed number agrees with the printed one within rounding, else *inconsistent*.
- ``better``: "A beats B". Our effect (A − B) with its CI and a p-value from a test that respects the
  resampling design, Holm-adjusted over the superiority claims of the paper's declared ``family``
  (every member counts; one that could not be tested enters with p = 1). *Reproduced* when the
  direction agrees and the adjusted p < α; *not reproduced* when the direction is opposite and the
  adjusted p < α, or when the claim states a margin and the CI's upper bound of the paper's advantage
  lies below it; otherwise *inconclusive*. An undefined test (p is NaN: no information) is inconclusive.
- ``no_difference``: "A and B do not differ". The margin is the stated one, and never below the paper's
  own |Δ| (the paper called that difference none). *Reproduced* when our CI of the difference lies
  within ± the margin (equivalence); *not reproduced* when the Holm-adjusted p (over the family's
  no-difference claims only: superiority and equivalence never share a family) < α and the difference
  exceeds the margin; otherwise *inconclusive*.

Before any rule: a claim tested on **synthetic** data is a *pipeline check* (never a verdict, no delta
against the paper); a claim whose data are absent is *not testable here*; a configuration the profile did
not run is *not run*; a claim with a stated ``blocker`` is *inconclusive* with that reason; a ``value``
claim on **another cohort** is a labelled difference (*other cohort*), not a verdict on the paper. The
verdict words of the data and arithmetic sections differ from the results' (*matches / differs*,
*consistent / inconsistent*), so that they cannot be added to "reproduced".
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from omicslib import stats
from omicslib.book import reference
from omicslib.provenance import KINDS

ALPHA = 0.05
VALUE_CI = 0.90  # TOST at α = 0.05: each one-sided test at 5 % is the 90 % two-sided interval
DIFF_CI = 0.95   # the test of difference: two-sided at α = 0.05

#: The four sections of a ledger, counted apart (the key is the ``section`` column).
SECTIONS = {"result": "Results", "data": "Data and settings", "arithmetic": "The paper's own numbers",
            "ours": "Our questions"}
#: The verdicts of each section, in display order. The data and arithmetic sections use their own words.
SECTION_VERDICTS = {
    "result": ("reproduced", "not reproduced", "inconclusive", "other cohort", "not run", "not testable here",
               "pipeline check"),
    "data": ("matches", "differs", "inconclusive", "not run", "not testable here", "pipeline check"),
    "arithmetic": ("consistent", "inconsistent"),
    "ours": ("supported", "not supported", "inconclusive", "not run", "not testable here", "pipeline check"),
}
VERDICTS = tuple(dict.fromkeys(v for vs in SECTION_VERDICTS.values() for v in vs))
#: What the rules decide, per section; only the results' count as the verdict on the paper.
DECIDED = ("reproduced", "not reproduced")
_WORDS = {"data": {"reproduced": "matches", "not reproduced": "differs"},
          "arithmetic": {"reproduced": "consistent", "not reproduced": "inconsistent"},
          "ours": {"reproduced": "supported", "not reproduced": "not supported"}}
VERDICT_COLOURS = {"reproduced": "#1b7837", "not reproduced": "#b2182b", "inconclusive": "#8c6d1f",
                   "other cohort": "#2c6e8f", "not run": "#5f5f5f", "not testable here": "#5f5f5f",
                   "pipeline check": "#4a4a9c", "matches": "#1b7837", "differs": "#b2182b",
                   "consistent": "#1b7837", "inconsistent": "#b2182b", "supported": "#1b7837",
                   "not supported": "#b2182b"}
#: A "not reproduced" whose estimate is better than the paper's is drawn apart from a shortfall.
BETTER_COLOUR = "#2166ac"
#: Marker shapes per verdict, so that a figure does not rely on colour alone.
VERDICT_MARKERS = {"reproduced": "o", "not reproduced": "X", "inconclusive": "s", "other cohort": "D",
                   "not run": "", "not testable here": "", "pipeline check": "^"}
KINDS_OF_CLAIM = ("value", "exact", "text", "better", "no_difference")
COMPARATIVE = ("better", "no_difference")
ABSENT = "absent"  # provenance of a claim whose data are not available here
PAPER_TEXT = "paper text"  # provenance of a check on the paper's own printed numbers
CODE = "authors' code"  # provenance of a check of the authors' released code against the paper's text
PROVENANCES = (*KINDS, ABSENT, PAPER_TEXT, CODE)

#: Metrics for which a lower value is better (ranks count from the best).
LOWER_IS_BETTER = re.compile(r"davies|bouldin|hubert|\brank\b|\bloss\b|error|brier|rmse|\bmae\b", re.I)
#: Metrics that are counts or settings (data-and-settings checks when judged exactly).
COUNT_LIKE = re.compile(r"count|samples|patients|genes|features|number of|categories|tiles|settings?|size|"
                        r"epochs|batch|learning rate|hyperparameter|optimi[sz]er", re.I)

#: Metrics that are counts or ranks: without a stated tolerance they must agree exactly.
EXACT_METRICS = re.compile(r"\brank\b|count|samples|patients|genes|features|number of", re.I)
#: Metrics bounded to [0, 1]: their CIs are clipped to that range.
BOUNDED = re.compile(r"auc|f1|acc|precision|recall|sens|spec|c-index|cindex|concordance|ari|nmi|rand|proportion|share|rate",
                     re.I)
#: Scores that are proportions of test cases (their sampling SE is binomial on the paper's test size).
BINOMIAL = re.compile(r"auc|f1|acc|precision|recall|sens|spec|concordance|kappa|mcc", re.I)

RULES = {
    "value": f"four outcomes (Lakens 2017; Lakens, Scheel & Isager 2018): equivalent when our {VALUE_CI:.0%} CI lies "
             f"inside the paper's value ± the tolerance (two one-sided tests at α = {ALPHA}); different when our "
             f"{DIFF_CI:.0%} CI excludes the paper's value. Equivalent → reproduced (a difference inside the tolerance is "
             f"reported); different and not equivalent → not reproduced, lower or higher than the paper; neither → "
             f"inconclusive",
    "tolerance": "the reference file's stated tolerance, else what a faithful rerun of the paper's own design "
                 "could resolve: z₀.₉₇₅ · √2 · SE, where SE is the paper's reported spread over its runs divided by "
                 "√(runs), or for a score that is a proportion of n test cases √(p(1 − p)/n) on the paper's test "
                 "size; for a single-run value with neither, the 95 % prediction half-width of one run from our "
                 "seeds' spread. The smallest tolerance our data could confirm is printed for every claim",
    "exact": "a deterministic quantity (count, rank over the same methods, setting): it matches when it equals the "
             "paper's within the stated tolerance (0 unless stated), else it differs (lower or higher)",
    "text": "the paper's own arithmetic, recomputed from its printed numbers: consistent when it agrees within "
            "rounding, else inconsistent",
    "better": f"reproduced when our effect has the paper's direction and the Holm-adjusted p < {ALPHA} (Holm over "
              f"the family's superiority claims, untested members entering with p = 1); not reproduced when the "
              f"direction is opposite and the adjusted p < {ALPHA}, or when the CI's upper bound of the paper's "
              f"advantage lies below the stated margin; otherwise inconclusive (an undefined test too)",
    "no_difference": f"the margin is the stated one and never below the paper's own |Δ|; reproduced when our CI of "
                     f"the difference lies within ± the margin (equivalence); not reproduced when the Holm-adjusted p "
                     f"(over the family's no-difference claims) < {ALPHA} and the difference exceeds the margin; "
                     f"otherwise inconclusive",
    "other cohort": "a value the paper reports for its own cohort, measured by us on another cohort: the difference "
                    "is shown with its direction, and no verdict on the paper is drawn",
    "synthetic": "a claim tested on synthetic data is a pipeline check: no verdict",
    "absent": "a claim whose data are not available here is not testable here",
    "not run": "a configuration this profile does not run (the paper profile runs it) is not run",
    "blocker": "a claim with a stated blocker (a reason the test cannot speak to it) is inconclusive",
}

COLUMNS = ["paper", "id", "section", "statement", "locator", "quote", "kind", "metric", "test", "provenance", "scope",
           "n_seeds", "n_runs", "unit", "family", "paper_value", "paper_sd", "tolerance", "tolerance_reason",
           "min_tolerance", "ours", "ci_low", "ci_high", "ci_level", "delta", "delta_ci_low", "delta_ci_high",
           "direction", "better", "expected_sign", "p", "p_holm", "margin", "margin_reason", "baseline",
           "baseline_value", "baseline_ci_low", "baseline_ci_high", "verdict", "reason", "note", "not_run", "blocker",
           "ref_key"]


@dataclass(frozen=True)
class Claim:
    """One claim of a paper and the evidence we have for it (see the module docstring for the rules).

    For ``value``/``exact``/``text`` claims ``ours``/``ci_low``/``ci_high`` are our estimate and its CI
    (at ``ci_level``); for ``better`` and ``no_difference`` they are the effect A − B and its CI, with
    ``expected_sign`` the paper's direction, and ``p`` the raw two-sided p-value. ``n_runs`` counts
    what the estimate rests on, ``unit`` says what one run is (e.g. ``"seed × fold"``). ``baseline``
    names the strongest simple baseline on the same splits, with its estimate and CI (value claims).
    ``section`` is derived when empty (text → arithmetic; exact counts and settings → data; the rest →
    result); ``ours`` marks a question of our own. ``not_run`` says why the profile did not run it.
    ``seed_sd`` is the spread of our single runs (for the prediction-interval tolerance).
    """

    paper: str
    id: str
    statement: str
    locator: str
    kind: str
    test: str
    provenance: str
    n_seeds: int = 0
    n_runs: int = 0
    family: str = ""
    paper_value: float = math.nan
    paper_sd: float = math.nan
    ours: float = math.nan
    ci_low: float = math.nan
    ci_high: float = math.nan
    p: float = math.nan
    expected_sign: int = 1
    margin: float = math.nan
    blocker: str = ""
    note: str = ""
    tolerance: float = math.nan
    tolerance_reason: str = ""
    ci_level: float = 0.95
    margin_reason: str = ""
    scope: str = ""
    unit: str = ""
    baseline: str = ""
    baseline_value: float = math.nan
    baseline_ci_low: float = math.nan
    baseline_ci_high: float = math.nan
    section: str = ""
    metric: str = ""
    quote: str = ""
    not_run: str = ""
    ref_key: str = ""

    def __post_init__(self):
        if self.kind not in KINDS_OF_CLAIM:
            raise ValueError(f"claim {self.id!r}: kind must be one of {KINDS_OF_CLAIM}, got {self.kind!r}")
        if self.provenance not in PROVENANCES:
            raise ValueError(f"claim {self.id!r}: provenance must be one of {PROVENANCES}, got {self.provenance!r}")
        if self.kind == "text" and self.provenance != PAPER_TEXT:
            raise ValueError(f"claim {self.id!r}: a text claim has provenance {PAPER_TEXT!r}")
        if self.provenance in (PAPER_TEXT, CODE) and self.kind not in ("text", "exact"):
            raise ValueError(f"claim {self.id!r}: provenance {self.provenance!r} holds only text or exact claims")
        if self.provenance == CODE and self.section not in ("", "data"):
            raise ValueError(f"claim {self.id!r}: a check of the authors' code is a data-and-settings check")
        if not self.section:
            object.__setattr__(self, "section", default_section(self.kind, self.metric, self.provenance))
        if self.section not in SECTIONS:
            raise ValueError(f"claim {self.id!r}: section must be one of {tuple(SECTIONS)}, got {self.section!r}")
        if self.kind == "text" and self.section != "arithmetic":
            raise ValueError(f"claim {self.id!r}: a text claim belongs to the arithmetic section")
        if self.expected_sign not in (1, -1):
            raise ValueError(f"claim {self.id!r}: expected_sign must be +1 or -1")
        tested = self.provenance not in ("synthetic", ABSENT) and not self.not_run
        if self.kind == "no_difference" and tested and not self.margin > 0:
            raise ValueError(f"claim {self.id!r}: a no_difference claim needs a positive equivalence margin")
        if self.margin > 0 and not self.margin_reason:
            raise ValueError(f"claim {self.id!r}: margin {self.margin} needs its reason (margin_reason)")
        if not math.isnan(self.tolerance) and (self.tolerance < 0 or not self.tolerance_reason):
            raise ValueError(f"claim {self.id!r}: a tolerance must be >= 0 and carry its reason")
        if not math.isnan(self.p) and not 0 <= self.p <= 1:
            raise ValueError(f"claim {self.id!r}: p must lie in [0, 1], got {self.p}")
        if self.ci_low > self.ci_high:
            raise ValueError(f"claim {self.id!r}: ci_low > ci_high")
        if not 0 < self.ci_level < 1:
            raise ValueError(f"claim {self.id!r}: ci_level must lie in (0, 1), got {self.ci_level}")


def default_section(kind: str, metric: str = "", provenance: str = "") -> str:
    """The section of a claim from its kind, metric and provenance: text → ``arithmetic``; the authors' code or an
    exact count or setting → ``data``; everything else (values, ranks, comparisons) → ``result``."""
    if kind == "text":
        return "arithmetic"
    if provenance == CODE:
        return "data"
    if kind == "exact" and not re.search(r"\brank\b", metric, re.I) and (not metric or COUNT_LIKE.search(metric)):
        return "data"
    return "result"


def lower_is_better(metric: str) -> bool:
    """Whether a lower value of ``metric`` is better (Davies–Bouldin, the Hubert–Levin C-index, ranks, losses)."""
    return bool(LOWER_IS_BETTER.search(str(metric)))


def default_tolerance(metric: str) -> tuple[float, str]:
    """The default tolerance of a metric without a stated one: 0 for counts and ranks; otherwise ``(nan, "")``, to be
    derived from the paper's design (:func:`design_tolerance`)."""
    if EXACT_METRICS.search(str(metric)):
        return 0.0, "a count or rank: exact agreement"
    return math.nan, ""


def _z(level: float) -> float:
    from scipy.stats import norm
    return float(norm.ppf(0.5 + level / 2))


def design_tolerance(paper_value: float, *, n_test: float = math.nan, sd: float = math.nan, runs: float = math.nan,
                     seed_sd: float = math.nan, n_seeds: int = 0, binomial: bool = True) -> tuple[float, str]:
    """What a faithful rerun of the paper's own design could resolve: the 95 % range of the difference between
    two independent runs of that design,

    .. math:: \\delta = z_{0.975} \\sqrt{2}\\, \\mathrm{SE},

    with SE the standard error of the paper's estimate: its reported spread over ``runs`` runs,
    :math:`\\mathrm{SD}/\\sqrt{\\mathrm{runs}}`; else, for a score that is a proportion of ``n_test`` test
    cases, the binomial :math:`\\sqrt{p(1-p)/n}`. For a single run with neither, the tolerance is the
    95 % prediction half-width of one run from our ``n_seeds`` runs' spread ``seed_sd``:
    :math:`t_{0.975, s-1}\\, \\mathrm{SD}\\sqrt{1 + 1/s}`. Returns ``(nan, "")`` when nothing applies.

    References: the repeatability limit :math:`1.96\\sqrt{2}\\,\\sigma` (ISO 5725-6:1994, §4.1.4); Lakens,
    Scheel & Isager (2018) on setting equivalence bounds from what a study can resolve.
    """
    z = _z(0.95)
    if np.isfinite(sd) and sd > 0:
        k = runs if np.isfinite(runs) and runs >= 1 else 1.0
        se = sd / math.sqrt(k)
        return z * math.sqrt(2) * se, (f"a rerun of the paper's design: 1.96 · √2 · SD/√runs = 1.96 · √2 · "
                                       f"{sd:.3g}/√{k:g} (the paper's reported spread over {k:g} runs)")
    if binomial and np.isfinite(n_test) and n_test > 0 and 0 < paper_value < 1:
        se = math.sqrt(paper_value * (1 - paper_value) / n_test)
        return z * math.sqrt(2) * se, (f"a rerun of the paper's design: 1.96 · √2 · √(p(1 − p)/n) with p = "
                                       f"{paper_value:.3g} and the paper's n = {n_test:g} test cases")
    if np.isfinite(seed_sd) and seed_sd > 0 and n_seeds >= 2:
        from scipy.stats import t as t_dist
        half = float(t_dist.ppf(0.975, n_seeds - 1)) * seed_sd * math.sqrt(1 + 1 / n_seeds)
        return half, (f"the paper reports one run and no spread: the 95 % prediction half-width of one run from our "
                      f"{n_seeds} runs (t · SD · √(1 + 1/{n_seeds}), SD = {seed_sd:.3g})")
    return math.nan, ""


def _design(paper: str, key: str) -> float:
    """A number of the paper's design from its reference file (``design_n_test``, ``design_runs``), or NaN."""
    try:
        return reference.value(paper, key)
    except reference.ReferenceError:
        return math.nan


def tolerance_of(paper: str, key: str, *, seed_sd: float = math.nan, n_seeds: int = 0) -> tuple[float, str]:
    """Tolerance of a reference value and its reason: the reference file's ``tolerance`` column, else the default
    for its metric (0 for counts and ranks), else what a rerun of the paper's design could resolve
    (:func:`design_tolerance`, from the paper's spread and its ``design_runs``, or its ``design_n_test``, or our
    runs' spread ``seed_sd``)."""
    row = reference.row(paper, key)
    tol, why = reference.tolerance(paper, key)
    if not math.isnan(tol):
        return tol, why
    tol, why = default_tolerance(row["metric"])
    if not math.isnan(tol):
        return tol, why
    return design_tolerance(reference.value(paper, key), n_test=_design(paper, "design_n_test"),
                            sd=reference.sd(paper, key), runs=_design(paper, "design_runs"), seed_sd=seed_sd,
                            n_seeds=n_seeds, binomial=bool(BINOMIAL.search(str(row["metric"]))))


def margin_of(paper: str, key: str) -> tuple[float, str]:
    """The equivalence margin stated for a comparative claim in the reference file (``tolerance`` column)."""
    tol, why = reference.tolerance(paper, key)
    if math.isnan(tol):
        raise reference.ReferenceError(f"{reference.path_of(paper)}: {key!r} states no tolerance (margin) and reason")
    return tol, why


def interval(values, level: float = VALUE_CI) -> tuple[float, float, float, int]:
    """``(mean, lo, hi, n)`` of the finite ``values``: t-based CI at ``level``; NaN bounds for fewer than
    two values or no spread (an undefined interval, never a point)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return math.nan, math.nan, math.nan, 0
    if v.size == 1 or np.ptp(v) <= 1e-12 * max(1.0, float(np.abs(v).max())):  # float noise is no spread
        return float(v.mean()), math.nan, math.nan, int(v.size)
    m, lo, hi = stats.mean_ci(v, level)
    return m, lo, hi, int(v.size)


def _clip(metric: str, lo: float, hi: float) -> tuple[float, float]:
    if BOUNDED.search(str(metric)) and not math.isnan(lo):
        return max(lo, 0.0), min(hi, 1.0)
    return lo, hi


def value_claim(paper: str, id: str, statement: str, ref_key: str, *, provenance: str, test: str,
                values=None, estimate: float | None = None, ci: tuple[float, float] | None = None,
                ci_level: float = VALUE_CI, n_seeds: int = 0, n_runs: int | None = None, unit: str = "",
                scope: str = "", baseline: tuple | None = None, kind: str = "value",
                blocker: str = "", note: str = "", section: str = "", not_run: str = "") -> Claim:
    """A headline-number claim; the paper's value, spread, words and tolerance come from its reference file.

    Give either the per-run ``values`` (mean and t-based CI at ``ci_level`` are computed) or
    ``estimate`` and ``ci`` at ``ci_level`` (then say how many runs they summarise with ``n_runs``).
    ``baseline`` is ``(name, estimate, (lo, hi))`` of the strongest simple baseline on the same splits.
    ``kind="exact"`` for a deterministic quantity (no CI needed). ``not_run`` says why the profile did not
    run it (the claim then carries no estimate).
    """
    row = reference.row(paper, ref_key)
    seed_sd = math.nan
    if values is not None:
        ours, lo, hi, n = interval(values, ci_level)
        v = np.asarray(values, float)
        v = v[np.isfinite(v)]
        seed_sd = float(v.std(ddof=1)) if v.size >= 2 else math.nan
    elif estimate is not None:
        ours = float(estimate)
        lo, hi = ci if ci is not None else (math.nan, math.nan)
        n = 1 if n_runs is None else int(n_runs)
    else:
        ours, lo, hi, n = math.nan, math.nan, math.nan, 0
    if n_runs is not None:
        n = int(n_runs)
    lo, hi = _clip(row["metric"], float(lo), float(hi))
    tol, why = tolerance_of(paper, ref_key, seed_sd=seed_sd, n_seeds=n if values is not None else 0)
    if kind == "exact" and math.isnan(tol):
        tol, why = 0.0, "a deterministic quantity: exact agreement"
    b_name, b_val, (b_lo, b_hi) = (baseline[0], float(baseline[1]), _clip(row["metric"], *map(float, baseline[2]))) \
        if baseline is not None else ("", math.nan, (math.nan, math.nan))
    return Claim(paper, id, statement, row["locator"], kind, test, provenance, n_seeds=n_seeds, n_runs=n,
                 paper_value=reference.value(paper, ref_key), paper_sd=reference.sd(paper, ref_key),
                 ours=ours, ci_low=lo, ci_high=hi, ci_level=ci_level, tolerance=tol, tolerance_reason=why,
                 unit=unit, scope=scope, baseline=b_name, baseline_value=b_val, baseline_ci_low=b_lo,
                 baseline_ci_high=b_hi, blocker=blocker, note=note or row["note"], section=section,
                 metric=str(row["metric"]), quote=str(row["quote"]), not_run=not_run, ref_key=ref_key)


def text_claim(paper: str, id: str, statement: str, ref_key: str, recomputed: float, how: str,
               tolerance: float = 0.0, tolerance_reason: str = "exact arithmetic", note: str = "") -> Claim:
    """An internal-consistency claim: ``recomputed`` from the paper's own printed numbers (``how`` says
    the arithmetic) against the value printed at ``ref_key``."""
    row = reference.row(paper, ref_key)
    return Claim(paper, id, statement, row["locator"], "text", how, PAPER_TEXT,
                 paper_value=reference.value(paper, ref_key), ours=float(recomputed), tolerance=tolerance,
                 tolerance_reason=tolerance_reason, note=note or row["note"], metric=str(row["metric"]),
                 quote=str(row["quote"]), ref_key=ref_key)


def code_claim(paper: str, id: str, statement: str, ref_key: str, code_value: float, how: str,
               tolerance: float = 0.0, tolerance_reason: str = "exact agreement", note: str = "") -> Claim:
    """A data-and-settings check of the authors' released code (or its logged output) against the value the
    paper prints at ``ref_key``: ``code_value`` is what the code does, ``how`` says where it was read."""
    row = reference.row(paper, ref_key)
    return Claim(paper, id, statement, row["locator"], "exact", how, CODE, paper_value=reference.value(paper, ref_key),
                 ours=float(code_value), tolerance=tolerance, tolerance_reason=tolerance_reason,
                 note=note or row["note"], metric=str(row["metric"]), quote=str(row["quote"]), section="data",
                 ref_key=ref_key)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _signed(x: float) -> str:
    return f"{x:+.3g}" if abs(x) < 1e-3 and x != 0 else f"{x:+.3f}"


def direction_of(c: Claim) -> tuple[str, str]:
    """``(direction, better)`` of a value claim's estimate against the paper's: ``lower`` / ``higher`` /
    ``equal``, and ``better`` / ``worse`` where the metric has a direction (counts and settings have none)."""
    if math.isnan(c.ours) or math.isnan(c.paper_value) or c.section in ("data", "arithmetic"):
        d = "" if math.isnan(c.ours) or math.isnan(c.paper_value) else \
            ("equal" if c.ours == c.paper_value else "lower" if c.ours < c.paper_value else "higher")
        return d, ""
    if c.ours == c.paper_value:
        return "equal", ""
    d = "lower" if c.ours < c.paper_value else "higher"
    good = (d == "lower") == lower_is_better(c.metric)
    return d, "better" if good else "worse"


def _how_far(c: Claim) -> str:
    d, b = direction_of(c)
    if d in ("", "equal"):
        return "equal to the paper's value" if d else ""
    lower = " (lower is better for this metric)" if lower_is_better(c.metric) else ""
    return f"{abs(c.ours - c.paper_value):.3g} {d} than the paper" + (f", {b}{lower}" if b else "")


def _widen(c: Claim, level: float) -> tuple[float, float]:
    """Our CI at ``level`` from the one at ``c.ci_level``: each side scaled about the estimate by the ratio of the
    normal quantiles (exact for a normal estimate; a stated approximation for a percentile bootstrap). At the
    claim's own level, the stored bounds."""
    if level == c.ci_level:
        return c.ci_low, c.ci_high
    k = _z(level) / _z(c.ci_level)
    return c.ours - k * (c.ours - c.ci_low), c.ours + k * (c.ci_high - c.ours)


def min_tolerance(c: Claim) -> float:
    """The smallest tolerance our data could confirm: the largest distance from the paper's value to an end of
    our CI at :data:`VALUE_CI` (an equivalence test with any wider band would succeed)."""
    if c.kind != "value" or any(math.isnan(x) for x in (c.ours, c.ci_low, c.ci_high, c.paper_value)):
        return math.nan
    lo, hi = _widen(c, VALUE_CI)
    return max(abs(lo - c.paper_value), abs(hi - c.paper_value))


def value_verdict(c: Claim) -> tuple[str, str]:
    if math.isnan(c.ours):
        return "not testable here", "no estimate"
    if math.isnan(c.paper_value):
        return "not testable here", "the paper gives no number"
    far = _how_far(c)
    if c.kind in ("exact", "text"):
        tol = 0.0 if math.isnan(c.tolerance) else c.tolerance
        band = f"{_fmt(c.paper_value)} ± {_fmt(tol)}" if tol else _fmt(c.paper_value)
        if abs(c.ours - c.paper_value) <= tol + 1e-9 * max(1.0, abs(c.paper_value)):
            text = " (the printed numbers agree)" if c.kind == "text" else ""
            return "reproduced", f"{_fmt(c.ours)} agrees with {band}{text}"
        return "not reproduced", (f"{_fmt(c.ours)} against {band}: {far}"
                                  + ("; the paper's printed numbers disagree" if c.kind == "text" else ""))
    if math.isnan(c.ci_low) or math.isnan(c.ci_high):
        return "inconclusive", f"no interval (one run, or runs without spread): cannot be decided; {far}"
    lo95, hi95 = _widen(c, DIFF_CI)
    lo90, hi90 = _widen(c, VALUE_CI)
    delta = (f"ours − paper = {_signed(c.ours - c.paper_value)} [{_signed(lo90 - c.paper_value)}, "
             f"{_signed(hi90 - c.paper_value)}] ({VALUE_CI:.0%} CI)")
    different = c.paper_value < lo95 or c.paper_value > hi95
    tol = c.tolerance
    need = min_tolerance(c)
    if math.isnan(tol):
        if different:
            return "not reproduced", f"{far}: {delta}; the {DIFF_CI:.0%} CI excludes the paper's value"
        return "inconclusive", (f"no tolerance can be derived for this metric and the {DIFF_CI:.0%} CI includes the "
                                f"paper's value: {delta}; equivalence would need ±{need:.3g}")
    equivalent = c.paper_value - tol <= lo90 and hi90 <= c.paper_value + tol
    if equivalent:
        extra = f"; a difference inside the tolerance: {far}" if different else ""
        return "reproduced", f"equivalent within ±{_fmt(tol)}: {delta}{extra}"
    if different:
        return "not reproduced", f"{far}: {delta}; the {DIFF_CI:.0%} CI excludes the paper's value"
    precision = (hi90 - lo90) / 2
    if tol < precision:
        return "inconclusive", (f"undetermined: the tolerance ±{_fmt(tol)} is below our data's precision ({VALUE_CI:.0%} "
                                f"CI half-width {precision:.3g}), so equivalence cannot be shown; {delta}; the "
                                f"smallest tolerance these data could confirm is ±{need:.3g}")
    return "inconclusive", (f"undetermined: {delta} neither lies within ±{_fmt(tol)} nor excludes the paper's value; "
                            f"the smallest tolerance these data could confirm is ±{need:.3g}")


def _oriented(c: Claim) -> tuple[float, float, float]:
    s = c.expected_sign
    lo, hi = sorted((s * c.ci_low, s * c.ci_high))
    return s * c.ours, lo, hi


def _effect(c: Claim) -> str:
    if math.isnan(c.ci_low):
        return f"effect {_signed(c.ours)}"
    return f"effect {_signed(c.ours)} [{_signed(c.ci_low)}, {_signed(c.ci_high)}] ({c.ci_level:.0%} CI)"


def better_verdict(c: Claim, p_adj: float) -> tuple[str, str]:
    if math.isnan(c.ours):
        return "not testable here", "no test result"
    if math.isnan(c.p):
        return "inconclusive", f"the test is undefined (no information in the data); {_effect(c)}"
    eff, _, hi = _oriented(c)
    if eff == 0:
        return "inconclusive", "zero effect: no direction"
    agrees = eff > 0
    if p_adj < ALPHA:
        return ("reproduced", f"paper's direction, {_effect(c)}, Holm-adjusted p = {p_adj:.3g} < α") if agrees else \
               ("not reproduced", f"opposite direction, {_effect(c)}, Holm-adjusted p = {p_adj:.3g} < α")
    if c.margin > 0 and not math.isnan(hi) and hi < c.margin:
        return "not reproduced", (f"the paper's advantage is below the stated margin {_fmt(c.margin)}: upper "
                                  f"{c.ci_level:.0%} CI bound {_fmt(hi)}")
    return "inconclusive", (f"Holm-adjusted p = {p_adj:.3g} ≥ α ({'same' if agrees else 'opposite'} direction, "
                            f"{_effect(c)})")


def effective_margin(c: Claim) -> tuple[float, str]:
    """The margin of a no-difference claim: the stated one, widened to the paper's own |Δ| where that is larger
    (the paper called a difference of that size none)."""
    if not math.isnan(c.paper_value) and abs(c.paper_value) > c.margin:
        return abs(c.paper_value), f"the paper's own |Δ| = {abs(c.paper_value):.3g}, which it called no difference"
    return c.margin, c.margin_reason


def no_difference_verdict(c: Claim, p_adj: float) -> tuple[str, str]:
    if math.isnan(c.ours):
        return "not testable here", "no test result"
    m, _ = effective_margin(c)
    if math.isnan(c.ci_low):
        return "inconclusive", "no interval for the difference"
    precision = (c.ci_high - c.ci_low) / 2
    if -m <= c.ci_low and c.ci_high <= m:
        return "reproduced", f"{_effect(c)} lies within ±{_fmt(m)} (equivalence)"
    if not math.isnan(p_adj) and p_adj < ALPHA and abs(c.ours) > m:
        side = "A higher than B" if c.ours > 0 else "A lower than B"
        return "not reproduced", f"a difference beyond ±{_fmt(m)}: {side}, {_effect(c)}, Holm-adjusted p = {p_adj:.3g}"
    if math.isnan(c.p):
        return "inconclusive", f"the test is undefined (no information in the data); {_effect(c)}"
    if m < precision:
        return "inconclusive", (f"the margin ±{_fmt(m)} is below the comparison's precision (CI half-width "
                                f"{precision:.3g}): equivalence cannot be shown; {_effect(c)}")
    return "inconclusive", f"{_effect(c)} is not within ±{_fmt(m)} and no difference is shown"


def verdict(c: Claim, p_adj: float = math.nan) -> tuple[str, str]:
    """``(verdict, reason)`` for one claim; ``p_adj`` is its Holm-adjusted p (comparative claims). The words of
    the data, arithmetic and our-question sections replace "reproduced" / "not reproduced" (:data:`_WORDS`)."""
    if c.provenance == "synthetic":
        return "pipeline check", "synthetic data: a pipeline check, not a reproduction"
    if c.not_run:
        return "not run", c.not_run
    if c.provenance == ABSENT:
        return "not testable here", "the data are not available here"
    if c.blocker:
        return "inconclusive", c.blocker
    if c.kind == "better":
        v, reason = better_verdict(c, p_adj)
    elif c.kind == "no_difference":
        v, reason = no_difference_verdict(c, p_adj)
    else:
        v, reason = value_verdict(c)
    if c.provenance in ("real-subset", "other-cohort") and v in DECIDED + ("inconclusive",):
        where = "a real subset" if c.provenance == "real-subset" else "real data of another cohort"
        reason += f" — on {where}" + (f": {c.scope}" if c.scope else "")
    if c.provenance == "other-cohort" and c.kind == "value" and c.section == "result":
        return "other cohort", f"the paper's value is for its own cohort; {reason}"
    return _WORDS.get(c.section, {}).get(v, v), reason


def _family_key(c: Claim) -> tuple[str, str, str]:
    return c.paper, c.family, c.kind


def family_name(family: str, kind: str) -> str:
    """The name of a Holm family: the declared family and the kind of question (superiority or equivalence
    claims never share a family)."""
    return f"{family} ({'superiority' if kind == 'better' else 'no difference'})"


def holm_adjusted(claims: list[Claim]) -> dict[tuple[str, str], float]:
    """Holm-adjusted p per ``(paper, id)`` of the comparative claims, over each declared family and kind of
    claim as a whole: a member without a real-data p (synthetic, absent, not run, blocked, untested) enters with
    p = 1."""
    out = {}
    comp = [c for c in claims if c.kind in COMPARATIVE]
    for key in sorted({_family_key(c) for c in comp}):
        fam = [c for c in comp if _family_key(c) == key]
        ps = [c.p if (c.provenance in ("full", "real-subset", "other-cohort") and not c.blocker and not c.not_run
                      and not math.isnan(c.p)) else 1.0 for c in fam]
        for c, q in zip(fam, stats.holm(ps)):
            if c.provenance not in ("synthetic", ABSENT) and not c.not_run and not math.isnan(c.p):
                out[(c.paper, c.id)] = float(q)
    return out


FAMILY_REASON = ("the claims the paper makes together about one question, of one kind (superiority or no "
                 "difference); untested members count with p = 1")


def families(ledger_df: pd.DataFrame) -> pd.DataFrame:
    """One row per Holm family of a ledger (:func:`ledger`): paper, name, members, tested members (those with a
    Holm-adjusted p) and why they share a correction."""
    comp = ledger_df[ledger_df["kind"].isin(COMPARATIVE) & ledger_df["family"].fillna("").ne("")]
    rows = [{"paper": p, "family": family_name(f, k), "members": len(g), "tested": int(g["p_holm"].notna().sum()),
             "why": FAMILY_REASON} for (p, f, k), g in comp.groupby(["paper", "family", "kind"], sort=True)]
    return pd.DataFrame(rows, columns=["paper", "family", "members", "tested", "why"])


def ledger(claims: list[Claim]) -> pd.DataFrame:
    """The claims with Holm-adjusted p-values (per paper, declared family and kind) and computed verdicts, the
    difference from the paper (``delta`` with its CI at :data:`VALUE_CI`), its ``direction`` and whether it is
    ``better``, and the smallest tolerance our data could confirm.

    Synthetic rows keep their numbers for inspection but carry no paper value and no verdict.
    """
    if not claims:
        raise ValueError("ledger needs at least one claim")
    ids = [(c.paper, c.id) for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicated claim ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    p_adj = holm_adjusted(claims)
    rows = []
    for c in claims:
        q = p_adj.get((c.paper, c.id), math.nan)
        v, reason = verdict(c, q)
        row = asdict(c)
        row.update(p_holm=q, verdict=v, reason=reason, min_tolerance=min_tolerance(c), delta=math.nan,
                   delta_ci_low=math.nan, delta_ci_high=math.nan, direction="", better="")
        if c.kind in ("value", "exact", "text") and not math.isnan(c.ours) and not math.isnan(c.paper_value):
            row["delta"] = c.ours - c.paper_value
            if not math.isnan(c.ci_low):
                lo, hi = _widen(c, VALUE_CI)
                row["delta_ci_low"], row["delta_ci_high"] = lo - c.paper_value, hi - c.paper_value
            row["direction"], row["better"] = direction_of(c)
        elif c.kind in COMPARATIVE and not math.isnan(c.ours) and c.ours != 0:
            row["direction"] = "paper's direction" if c.expected_sign * c.ours > 0 else "opposite"
        if c.kind == "no_difference" and c.margin > 0:
            row["margin"], row["margin_reason"] = effective_margin(c)
        if c.provenance == "synthetic":
            row.update(paper_value=math.nan, paper_sd=math.nan, delta=math.nan, delta_ci_low=math.nan,
                       delta_ci_high=math.nan, direction="", better="", min_tolerance=math.nan)
        rows.append(row)
    return pd.DataFrame(rows)[COLUMNS]


def with_rules(df: pd.DataFrame) -> pd.DataFrame:
    """A stored ledger (e.g. read back from CSV) recomputed by the current rules: the claims are rebuilt from
    their evidence columns, so a page never shows a verdict of an older rule."""
    fields = {f for f in Claim.__dataclass_fields__}
    claims = []
    for r in df.to_dict("records"):
        kw = {k: v for k, v in r.items() if k in fields}
        for k, f in Claim.__dataclass_fields__.items():
            if k in kw and f.type in ("str", str):
                kw[k] = "" if pd.isna(kw[k]) else str(kw[k])
            elif k in kw and f.type in ("int", int):
                kw[k] = 0 if pd.isna(kw[k]) else int(kw[k])
        claims.append(Claim(**kw))
    return ledger(claims)


def counts(ledger_df: pd.DataFrame, section: str = "result") -> pd.DataFrame:
    """Verdict counts per paper (rows) of one section in the order of :data:`SECTION_VERDICTS`; for results,
    "not reproduced" is split into its directions (``worse`` / ``better`` / ``no direction``)."""
    d = ledger_df[ledger_df["section"] == section]
    cols = list(SECTION_VERDICTS[section])
    t = d.groupby(["paper", "verdict"]).size().unstack(fill_value=0) if len(d) else pd.DataFrame()
    t = t.reindex(columns=cols, fill_value=0).astype(int)
    if section in ("result", "ours") and len(d):
        neg = "not reproduced" if section == "result" else "not supported"
        nr = d[d["verdict"] == neg]
        for b in ("worse", "better"):
            t[f"{neg}: {b}"] = nr[nr["better"].fillna("") == b].groupby("paper").size().reindex(t.index, fill_value=0)
    return t


def badge_html(v: str, better: str = "") -> str:
    """A coloured inline badge for a verdict, with the direction where a result differs from the paper."""
    if v not in VERDICT_COLOURS:
        raise ValueError(f"unknown verdict {v!r}")
    colour = BETTER_COLOUR if better == "better" and v in ("not reproduced", "differs") else VERDICT_COLOURS[v]
    label = f"{v}: {better}" if better in ("better", "worse") and v in ("not reproduced",) else v
    return (f'<span class="verdict-badge" style="background:{colour};color:white;padding:1px 6px;'
            f'border-radius:4px;font-size:85%;white-space:nowrap">{label}</span>')


def _num(v, digits=3):
    if pd.isna(v):
        return ""
    v = float(v)
    if v == int(v) and abs(v) >= 1:
        return f"{int(v):,}"
    return f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"


def _s(v) -> str:
    return "" if pd.isna(v) else str(v)


def ledger_html(df: pd.DataFrame) -> str:
    """A ledger as an HTML table, the claim and its verdict first: verdict with its direction, the paper's words
    and locator, the paper's value, ours with its CI, ours − paper with its CI, the strongest baseline; the
    test, data, runs, tolerance and reason fold into a ``<details>`` under the statement."""
    import html

    from omicslib.provenance import badge_html as prov_badge

    rows = []
    for r in df.itertuples():
        ours = _num(r.ours)
        if not pd.isna(r.ci_low):
            ours += f" <small>[{_num(r.ci_low)}, {_num(r.ci_high)}]</small>"
        paper = _num(r.paper_value)
        if paper and not pd.isna(r.tolerance) and r.kind == "value":
            paper += f" <small>± {_num(r.tolerance)}</small>"
        delta = ""
        if not pd.isna(r.delta):
            delta = f"{float(r.delta):+.3f}"
            if not pd.isna(r.delta_ci_low):
                delta += f" <small>[{float(r.delta_ci_low):+.3f}, {float(r.delta_ci_high):+.3f}]</small>"
            if lower_is_better(_s(r.metric)) and r.section == "result":
                delta += "<br/><small>lower is better</small>"
        elif r.kind in COMPARATIVE and not pd.isna(r.ours):
            delta = f"effect {float(r.ours):+.3f}"
        base = "" if not _s(r.baseline) else \
            f"{html.escape(r.baseline)}: {_num(r.baseline_value)}" + (
                f" <small>[{_num(r.baseline_ci_low)}, {_num(r.baseline_ci_high)}]</small>"
                if not pd.isna(r.baseline_ci_low) else "")
        prov = prov_badge(r.provenance) if r.provenance in KINDS else \
            {PAPER_TEXT: "the paper's own numbers", CODE: "the authors' code"}.get(r.provenance, "data absent")
        runs = f"{int(r.n_seeds)} seeds, {int(r.n_runs)} runs" + (f" ({html.escape(_s(r.unit))})" if _s(r.unit) else "")
        more = [f"<b>Our test</b>: {html.escape(_s(r.test))}", f"<b>Data</b>: {prov}; {runs}"]
        if not pd.isna(r.tolerance) and r.kind == "value":
            more.append(f"<b>Tolerance</b> ±{_num(r.tolerance)}: {html.escape(_s(r.tolerance_reason))}")
        if not pd.isna(r.min_tolerance):
            more.append(f"<b>Smallest tolerance these data could confirm</b>: ±{_num(r.min_tolerance)}")
        if r.kind in COMPARATIVE and not pd.isna(r.margin):
            more.append(f"<b>Margin</b> ±{_num(r.margin)}: {html.escape(_s(r.margin_reason))}")
        if not pd.isna(r.p_holm):
            more.append(f"<b>Holm family</b>: {html.escape(family_name(_s(r.family), r.kind))}, adjusted p = "
                        f"{r.p_holm:.3g}")
        if _s(r.note):
            more.append(f"<b>Note</b>: {html.escape(_s(r.note))}")
        quote = f'<br/><q>{html.escape(_s(r.quote))}</q>' if _s(r.quote) else ""
        statement = (f"{html.escape(_s(r.statement))}{quote}<br/><small>{html.escape(_s(r.locator))} · "
                     f"<code>{r.id}</code></small><details><summary>test, data, tolerance</summary>"
                     + "<br/>".join(more) + "</details>")
        verdict_cell = (f"{badge_html(r.verdict, _s(r.better))}<details><summary>why</summary><small>"
                        f"{html.escape(_s(r.reason))}</small></details>")
        rows.append(f'<tr><td class="verdict" data-label="verdict">{verdict_cell}</td>'
                    f'<td class="statement">{statement}</td><td class="num" data-label="paper">{paper}</td>'
                    f'<td class="num" data-label="ours">{ours}</td><td class="num" data-label="ours − paper">{delta}</td>'
                    f'<td data-label="strongest baseline">{base}</td></tr>')
    head = ('<tr><th class="verdict">verdict</th><th>claim (paper\'s words, where)</th><th class="num">paper</th>'
            '<th class="num">ours [CI]</th><th class="num">ours − paper [CI]</th><th>strongest simple baseline</th></tr>')
    return f'<table class="claims"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def unjudged(paper: str, ledger_df: pd.DataFrame) -> pd.DataFrame:
    """The paper's reference values that no claim of the ledger judges (by ``ref_key``, or by a locator shared
    with a claim), excluding the design sizes the rules use: the coverage gap, listed on the claims page."""
    ref = reference.load(paper).reset_index()
    judged = set(ledger_df["ref_key"].dropna().astype(str))
    locs = set(ledger_df["locator"].dropna().astype(str))
    left = ref[~ref["key"].isin(judged) & ~ref["locator"].isin(locs) & ~ref["key"].str.startswith("design_")]
    return left[["key", "item", "metric", "value", "locator"]].reset_index(drop=True)
