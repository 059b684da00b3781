"""Claims ledger: each claim of a paper, the test we ran, and a verdict computed by a stated rule.

Five kinds of claim, one rule each (:data:`RULES`), applied by :func:`ledger`:

- ``value``: a headline number, judged by two one-sided tests (TOST). The claim carries a
  tolerance (the reference file's, else the paper's own spread, else a stated default per metric,
  :data:`DEFAULT_TOLERANCES`). *Reproduced* when our 90 % CI lies inside paper ± tolerance;
  *not reproduced* when it lies entirely outside; otherwise *inconclusive* ("underpowered" when
  the CI is wider than the band). A wider CI can never make a claim reproduced.
- ``exact``: a deterministic quantity (a count, a rank over the same set of methods, a setting):
  *reproduced* when ``|ours − paper| ≤ tolerance`` (0 unless stated), else *not reproduced*.
- ``text``: the paper's internal consistency, checked by arithmetic on its printed numbers
  (provenance ``paper text``): *reproduced* when the recomputed number agrees with the printed one
  within the tolerance (rounding), else *not reproduced*.
- ``better``: "A beats B". Our effect (A − B) with its CI and a p-value from a test that respects
  the resampling design, Holm-adjusted over the paper's declared ``family`` (every claim of the
  family counts; one that could not be tested enters with p = 1). *Reproduced* when the direction
  agrees and the adjusted p < α; *not reproduced* when the direction is opposite and the adjusted
  p < α, or when the claim states a margin and the CI's upper bound of the paper's advantage lies
  below it; otherwise *inconclusive*.
- ``no_difference``: "A and B do not differ". *Reproduced* when our CI of the difference lies
  within ± the stated margin (equivalence); *not reproduced* when the adjusted p < α and the
  difference exceeds the margin; otherwise *inconclusive*.

Before any rule: a claim tested on **synthetic** data is a *pipeline check* (never a verdict, no
delta against the paper); a claim whose data are absent is *not testable here*; a claim with a
stated ``blocker`` (e.g. "fusion untrained") is *inconclusive* with that reason. A verdict on a
real subset or another cohort says so in its reason (``scope``).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from omicslib import stats
from omicslib.book import reference
from omicslib.book.provenance import KINDS

ALPHA = 0.05
VALUE_CI = 0.90  # TOST at α = 0.05: each one-sided test at 5 % is the 90 % two-sided interval
VERDICTS = ("reproduced", "not reproduced", "inconclusive", "not testable here", "pipeline check")
DECIDED = ("reproduced", "not reproduced")
VERDICT_COLOURS = {"reproduced": "#1b7837", "not reproduced": "#b2182b", "inconclusive": "#8c6d1f",
                   "not testable here": "#5f5f5f", "pipeline check": "#4a4a9c"}
KINDS_OF_CLAIM = ("value", "exact", "text", "better", "no_difference")
COMPARATIVE = ("better", "no_difference")
ABSENT = "absent"  # provenance of a claim whose data are not available here
PAPER_TEXT = "paper text"  # provenance of a check on the paper's own printed numbers
PROVENANCES = (*KINDS, ABSENT, PAPER_TEXT)

#: ``(metric pattern, tolerance, reason)``: the default tolerance of a ``value`` claim whose reference
#: row states none and whose paper gives no spread; the first pattern that matches the row's metric wins.
DEFAULT_TOLERANCES = (
    (r"\brank\b|count|samples|patients|genes|features|number of", 0.0, "a count or rank: exact agreement"),
    (r"ari|nmi|rand|mutual info|silhouette", 0.05,
     "default for a cluster-agreement index without a reported spread: ±0.05 on its 0–1 scale, a convention of this "
     "book (stated, not derived from data)"),
    (r"auc|f1|acc|precision|recall|sens|spec|c-index|cindex|concordance|score|kappa|mcc", 0.03,
     "default for a bounded performance score without a reported spread: ±0.03, about 1.5 × the binomial standard "
     "error of a score near 0.85 on 300 test samples (√(0.85 · 0.15 / 300) = 0.021)"),
)
#: Metrics bounded to [0, 1]: their CIs are clipped to that range.
BOUNDED = re.compile(r"auc|f1|acc|precision|recall|sens|spec|c-index|cindex|concordance|ari|nmi|rand|proportion|share|rate",
                     re.I)

RULES = {
    "value": f"two one-sided tests: reproduced when our {VALUE_CI:.0%} CI lies inside the paper's value ± the stated "
             f"tolerance; not reproduced when it lies entirely outside; otherwise inconclusive (“underpowered” when "
             f"the CI is wider than the band)",
    "exact": "a deterministic quantity (count, rank over the same methods, setting): reproduced when it equals the "
             "paper's within the stated tolerance (0 unless stated), else not reproduced",
    "text": "the paper's own arithmetic, recomputed from its printed numbers: reproduced when it agrees within "
            "rounding, else not reproduced",
    "better": f"reproduced when our effect has the paper's direction and the Holm-adjusted p < {ALPHA} (Holm over the "
              f"paper's declared family, untested members entering with p = 1); not reproduced when the direction is "
              f"opposite and the adjusted p < {ALPHA}, or when the CI's upper bound of the paper's advantage lies "
              f"below the stated margin; otherwise inconclusive",
    "no_difference": f"reproduced when our CI of the difference lies within ± the stated margin (equivalence); not "
                     f"reproduced when the Holm-adjusted p < {ALPHA} and the difference exceeds the margin; otherwise "
                     f"inconclusive",
    "synthetic": "a claim tested on synthetic data is a pipeline check: no verdict",
    "absent": "a claim whose data are not available here is not testable here",
    "blocker": "a claim with a stated blocker (a reason the test cannot speak to it) is inconclusive",
}

COLUMNS = ["paper", "id", "statement", "locator", "kind", "test", "provenance", "scope", "n_seeds", "n_runs", "unit",
           "family", "paper_value", "paper_sd", "tolerance", "tolerance_reason", "ours", "ci_low", "ci_high",
           "ci_level", "expected_sign", "p", "p_holm", "margin", "margin_reason", "baseline", "baseline_value",
           "baseline_ci_low", "baseline_ci_high", "verdict", "reason", "note"]


@dataclass(frozen=True)
class Claim:
    """One claim of a paper and the evidence we have for it (see the module docstring for the rules).

    For ``value``/``exact``/``text`` claims ``ours``/``ci_low``/``ci_high`` are our estimate and its CI
    (at ``ci_level``); for ``better`` and ``no_difference`` they are the effect A − B and its CI, with
    ``expected_sign`` the paper's direction, and ``p`` the raw two-sided p-value. ``n_runs`` counts
    what the estimate rests on, ``unit`` says what one run is (e.g. ``"seed × fold"``). ``baseline``
    names the strongest simple baseline on the same splits, with its estimate and CI (value claims).
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

    def __post_init__(self):
        if self.kind not in KINDS_OF_CLAIM:
            raise ValueError(f"claim {self.id!r}: kind must be one of {KINDS_OF_CLAIM}, got {self.kind!r}")
        if self.provenance not in PROVENANCES:
            raise ValueError(f"claim {self.id!r}: provenance must be one of {PROVENANCES}, got {self.provenance!r}")
        if (self.kind == "text") != (self.provenance == PAPER_TEXT):
            raise ValueError(f"claim {self.id!r}: a text claim, and only a text claim, has provenance {PAPER_TEXT!r}")
        if self.expected_sign not in (1, -1):
            raise ValueError(f"claim {self.id!r}: expected_sign must be +1 or -1")
        tested = self.provenance not in ("synthetic", ABSENT)
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


def default_tolerance(metric: str) -> tuple[float, str]:
    """The stated default tolerance for a metric (:data:`DEFAULT_TOLERANCES`), or ``(nan, "")``."""
    for pattern, tol, reason in DEFAULT_TOLERANCES:
        if re.search(pattern, str(metric), re.I):
            return tol, reason
    return math.nan, ""


def tolerance_of(paper: str, key: str) -> tuple[float, str]:
    """Tolerance of a reference value and its reason: the reference file's ``tolerance`` column, else the
    paper's own spread (``sd``), else the default for its metric."""
    row = reference.row(paper, key)
    tol, why = reference.tolerance(paper, key)
    if not math.isnan(tol):
        return tol, why
    sd = reference.sd(paper, key)
    if not math.isnan(sd):
        return sd, "the paper's own reported spread (its SD or CI half-width)"
    return default_tolerance(row["metric"])


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
                blocker: str = "", note: str = "") -> Claim:
    """A headline-number claim; the paper's value, spread and tolerance come from its reference file.

    Give either the per-run ``values`` (mean and t-based CI at ``ci_level`` are computed) or
    ``estimate`` and ``ci`` at ``ci_level`` (then say how many runs they summarise with ``n_runs``).
    ``baseline`` is ``(name, estimate, (lo, hi))`` of the strongest simple baseline on the same splits.
    ``kind="exact"`` for a deterministic quantity (no CI needed).
    """
    row = reference.row(paper, ref_key)
    if values is not None:
        ours, lo, hi, n = interval(values, ci_level)
    elif estimate is not None:
        ours = float(estimate)
        lo, hi = ci if ci is not None else (math.nan, math.nan)
        n = 1 if n_runs is None else int(n_runs)
    else:
        ours, lo, hi, n = math.nan, math.nan, math.nan, 0
    if n_runs is not None:
        n = int(n_runs)
    lo, hi = _clip(row["metric"], float(lo), float(hi))
    tol, why = tolerance_of(paper, ref_key)
    if kind == "exact" and math.isnan(tol):
        tol, why = 0.0, "a deterministic quantity: exact agreement"
    b_name, b_val, (b_lo, b_hi) = (baseline[0], float(baseline[1]), _clip(row["metric"], *map(float, baseline[2]))) \
        if baseline is not None else ("", math.nan, (math.nan, math.nan))
    return Claim(paper, id, statement, row["locator"], kind, test, provenance, n_seeds=n_seeds, n_runs=n,
                 paper_value=reference.value(paper, ref_key), paper_sd=reference.sd(paper, ref_key),
                 ours=ours, ci_low=lo, ci_high=hi, ci_level=ci_level, tolerance=tol, tolerance_reason=why,
                 unit=unit, scope=scope, baseline=b_name, baseline_value=b_val, baseline_ci_low=b_lo,
                 baseline_ci_high=b_hi, blocker=blocker, note=note or row["note"])


def text_claim(paper: str, id: str, statement: str, ref_key: str, recomputed: float, how: str,
               tolerance: float = 0.0, tolerance_reason: str = "exact arithmetic", note: str = "") -> Claim:
    """An internal-consistency claim: ``recomputed`` from the paper's own printed numbers (``how`` says
    the arithmetic) against the value printed at ``ref_key``."""
    row = reference.row(paper, ref_key)
    return Claim(paper, id, statement, row["locator"], "text", how, PAPER_TEXT,
                 paper_value=reference.value(paper, ref_key), ours=float(recomputed), tolerance=tolerance,
                 tolerance_reason=tolerance_reason, note=note or row["note"])


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def value_verdict(c: Claim) -> tuple[str, str]:
    if math.isnan(c.ours):
        return "not testable here", "no estimate"
    if math.isnan(c.paper_value):
        return "not testable here", "the paper gives no number"
    if math.isnan(c.tolerance):
        return "inconclusive", "no tolerance stated for this metric"
    band_lo, band_hi = c.paper_value - c.tolerance, c.paper_value + c.tolerance
    band = f"{_fmt(c.paper_value)} ± {_fmt(c.tolerance)}"
    if c.kind in ("exact", "text"):
        if abs(c.ours - c.paper_value) <= c.tolerance + 1e-9 * max(1.0, abs(c.paper_value)):
            text = " (the printed numbers agree)" if c.kind == "text" else ""
            return "reproduced", f"{_fmt(c.ours)} agrees with {band}{text}"
        return "not reproduced", (f"{_fmt(c.ours)} differs from {band}"
                                  + (": the paper's printed numbers disagree" if c.kind == "text" else ""))
    if math.isnan(c.ci_low) or math.isnan(c.ci_high):
        return "inconclusive", "no interval (one run, or runs without spread): cannot be decided"
    level = f"{c.ci_level:.0%} CI [{_fmt(c.ci_low)}, {_fmt(c.ci_high)}]"
    if band_lo <= c.ci_low and c.ci_high <= band_hi:
        return "reproduced", f"our {level} lies inside {band}"
    if c.ci_high < band_lo or c.ci_low > band_hi:
        return "not reproduced", f"our {level} lies entirely {'below' if c.ci_high < band_lo else 'above'} {band}"
    if c.ci_high - c.ci_low > 2 * c.tolerance:
        return "inconclusive", f"underpowered: our {level} is wider than the band {band}"
    return "inconclusive", f"our {level} straddles an edge of {band}"


def _oriented(c: Claim) -> tuple[float, float, float]:
    s = c.expected_sign
    lo, hi = sorted((s * c.ci_low, s * c.ci_high))
    return s * c.ours, lo, hi


def better_verdict(c: Claim, p_adj: float) -> tuple[str, str]:
    if math.isnan(c.ours) or math.isnan(p_adj):
        return "not testable here", "no test result"
    eff, _, hi = _oriented(c)
    if eff == 0:
        return "inconclusive", "zero effect: no direction"
    agrees = eff > 0
    if p_adj < ALPHA:
        return ("reproduced", f"paper's direction, Holm-adjusted p = {p_adj:.3g} < α") if agrees else \
               ("not reproduced", f"opposite direction, Holm-adjusted p = {p_adj:.3g} < α")
    if c.margin > 0 and not math.isnan(hi) and hi < c.margin:
        return "not reproduced", (f"the paper's advantage is below the stated margin {_fmt(c.margin)}: upper "
                                  f"{c.ci_level:.0%} CI bound {_fmt(hi)}")
    return "inconclusive", f"Holm-adjusted p = {p_adj:.3g} ≥ α ({'same' if agrees else 'opposite'} direction)"


def no_difference_verdict(c: Claim, p_adj: float) -> tuple[str, str]:
    if math.isnan(c.ours) or math.isnan(p_adj):
        return "not testable here", "no test result"
    if -c.margin <= c.ci_low and c.ci_high <= c.margin:
        return "reproduced", f"{c.ci_level:.0%} CI of the difference within ±{_fmt(c.margin)}"
    if p_adj < ALPHA and abs(c.ours) > c.margin:
        return "not reproduced", f"a difference beyond ±{_fmt(c.margin)} (Holm-adjusted p = {p_adj:.3g} < α)"
    if math.isnan(c.ci_low):
        return "inconclusive", "no interval for the difference"
    return "inconclusive", f"the {c.ci_level:.0%} CI of the difference is not within ±{_fmt(c.margin)}"


def verdict(c: Claim, p_adj: float = math.nan) -> tuple[str, str]:
    """``(verdict, reason)`` for one claim; ``p_adj`` is its Holm-adjusted p (comparative claims)."""
    if c.provenance == "synthetic":
        return "pipeline check", "synthetic data: a pipeline check, not a reproduction"
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
    return v, reason


def holm_adjusted(claims: list[Claim]) -> dict[tuple[str, str], float]:
    """Holm-adjusted p per ``(paper, id)`` of the comparative claims, over each declared family as a whole:
    a member without a real-data p (synthetic, absent, blocked, untested) enters with p = 1."""
    out = {}
    comp = [c for c in claims if c.kind in COMPARATIVE]
    for key in sorted({(c.paper, c.family) for c in comp}):
        fam = [c for c in comp if (c.paper, c.family) == key]
        ps = [c.p if (c.provenance in ("full", "real-subset", "other-cohort") and not c.blocker
                      and not math.isnan(c.p)) else 1.0 for c in fam]
        for c, q in zip(fam, stats.holm(ps)):
            if c.provenance not in ("synthetic", ABSENT) and not math.isnan(c.p):
                out[(c.paper, c.id)] = float(q)
    return out


def ledger(claims: list[Claim]) -> pd.DataFrame:
    """The claims with Holm-adjusted p-values (per paper and declared family) and computed verdicts.

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
        row.update(p_holm=q, verdict=v, reason=reason)
        if c.provenance == "synthetic":
            row["paper_value"] = row["paper_sd"] = math.nan
        rows.append(row)
    return pd.DataFrame(rows)[COLUMNS]


def counts(ledger_df: pd.DataFrame) -> pd.DataFrame:
    """Verdict counts per paper (rows) in the order of :data:`VERDICTS` (columns)."""
    t = ledger_df.groupby(["paper", "verdict"]).size().unstack(fill_value=0)
    return t.reindex(columns=list(VERDICTS), fill_value=0).astype(int)


def badge_html(v: str) -> str:
    """A coloured inline badge for a verdict."""
    if v not in VERDICT_COLOURS:
        raise ValueError(f"unknown verdict {v!r}")
    return (f'<span class="verdict-badge" style="background:{VERDICT_COLOURS[v]};color:white;padding:1px 6px;'
            f'border-radius:4px;font-size:85%;white-space:nowrap">{v}</span>')


def _num(v, digits=3):
    if pd.isna(v):
        return ""
    v = float(v)
    if v == int(v) and abs(v) >= 1:
        return f"{int(v):,}"
    return f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"


def ledger_html(df: pd.DataFrame) -> str:
    """A ledger as an HTML table: statement, locator, test, data, runs, paper value ± tolerance, ours with
    its CI, the strongest baseline, Holm p and the verdict badge with its reason."""
    from omicslib.book.provenance import badge_html as prov_badge

    rows = []
    for r in df.itertuples():
        ours = _num(r.ours)
        if not pd.isna(r.ci_low):
            ours += f" [{_num(r.ci_low)}, {_num(r.ci_high)}]<br/><small>{float(r.ci_level):.0%} CI</small>"
        paper = _num(r.paper_value)
        if paper and not pd.isna(r.tolerance) and r.kind in ("value", "exact", "text"):
            paper += f" ± {_num(r.tolerance)}<br/><small>{r.tolerance_reason}</small>"
        if r.kind in COMPARATIVE and not pd.isna(r.margin):
            paper += f"<small>margin ±{_num(r.margin)}: {r.margin_reason}</small>"
        base = "" if not isinstance(r.baseline, str) or not r.baseline else \
            f"{r.baseline}: {_num(r.baseline_value)}" + (f" [{_num(r.baseline_ci_low)}, {_num(r.baseline_ci_high)}]"
                                                      if not pd.isna(r.baseline_ci_low) else "")
        p = "" if pd.isna(r.p_holm) else f"{r.p_holm:.3g}"
        prov = prov_badge(r.provenance) if r.provenance in KINDS else \
            ("the paper's own numbers" if r.provenance == PAPER_TEXT else "data absent")
        unit = r.unit if isinstance(r.unit, str) and r.unit else ""
        runs = f"{int(r.n_seeds)} / {int(r.n_runs)}" + (f"<br/><small>{unit}</small>" if unit else "")
        rows.append(f"<tr><td>{r.id}</td><td>{r.statement}<br/><small>{r.locator}</small></td><td>{r.test}</td>"
                    f"<td>{prov}</td><td>{runs}</td><td>{paper}</td><td>{ours}</td><td>{base}</td><td>{p}</td>"
                    f"<td>{badge_html(r.verdict)}<br/><small>{r.reason}</small></td></tr>")
    head = ("<tr><th>claim</th><th>statement (where)</th><th>our test</th><th>data</th><th>seeds / runs</th>"
            "<th>paper ± tolerance</th><th>ours [CI]</th><th>strongest baseline</th><th>p (Holm)</th>"
            "<th>verdict</th></tr>")
    return f'<table class="claims"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
