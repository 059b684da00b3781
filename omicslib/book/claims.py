"""Claims ledger: each claim of a paper, the test we ran, and a verdict computed by a stated rule.

Three kinds of claim, one rule each (:data:`RULES`), applied by :func:`ledger`:

- ``value``: a headline number. *Reproduced* when the paper's value lies in our 95 % CI, or
  within the paper's own reported spread of our estimate; *not reproduced* otherwise.
- ``better``: "A beats B". Our effect (A − B) and a p-value from a test that respects the
  resampling design (e.g. :func:`omicslib.stats.corrected_resampled_t`), Holm-adjusted across the
  paper's ``family`` of claims. *Reproduced* when the direction agrees and the adjusted p < α;
  *not reproduced* when the direction is opposite and the adjusted p < α; else *inconclusive*.
- ``no_difference``: "A and B do not differ". *Not reproduced* when the adjusted p < α;
  *reproduced* when our 95 % CI of the difference lies within ±``margin`` (an equivalence margin
  stated with the claim); else *inconclusive* (not significant, but too uncertain to show equivalence).

Before any rule: a claim tested on **synthetic** data is a *pipeline check* (never a verdict, no
delta against the paper); a claim whose data are absent is *not testable here*; a claim with a
stated ``blocker`` (e.g. "fusion untrained") is *inconclusive* with that reason.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from omicslib import stats
from omicslib.book import reference
from omicslib.book.provenance import KINDS

ALPHA = 0.05
VERDICTS = ("reproduced", "not reproduced", "inconclusive", "not testable here", "pipeline check")
VERDICT_COLOURS = {"reproduced": "#1b7837", "not reproduced": "#b2182b", "inconclusive": "#8c6d1f",
                   "not testable here": "#5f5f5f", "pipeline check": "#4a4a9c"}
KINDS_OF_CLAIM = ("value", "better", "no_difference")
ABSENT = "absent"  # provenance of a claim whose data are not available here

RULES = {
    "value": "reproduced when the paper's value lies in our 95 % CI or within the paper's reported spread "
             "of our estimate; otherwise not reproduced",
    "better": f"reproduced when our effect has the paper's direction and the Holm-adjusted p < {ALPHA} "
              f"(within the paper's family of comparative claims); not reproduced when the direction is "
              f"opposite and the adjusted p < {ALPHA}; otherwise inconclusive",
    "no_difference": f"not reproduced when the Holm-adjusted p < {ALPHA}; reproduced when our 95 % CI of the "
                     f"difference lies within ± the stated margin; otherwise inconclusive",
    "synthetic": "a claim tested on synthetic data is a pipeline check: no verdict",
    "absent": "a claim whose data are not available here is not testable here",
    "blocker": "a claim with a stated blocker (a reason the test cannot speak to it) is inconclusive",
}

COLUMNS = ["paper", "id", "statement", "locator", "kind", "test", "provenance", "n_seeds", "n_runs", "family",
           "paper_value", "paper_sd", "ours", "ci_low", "ci_high", "p", "p_holm", "margin", "verdict", "reason",
           "note"]


@dataclass(frozen=True)
class Claim:
    """One claim of a paper and the evidence we have for it (see the module docstring for the rules).

    For ``value`` claims ``ours``/``ci_low``/``ci_high`` are our estimate and CI of the quantity; for
    ``better`` and ``no_difference`` they are the effect (A − B, oriented so that the paper's claim
    is ``expected_sign`` > 0) and its CI, and ``p`` the raw two-sided p-value.
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

    def __post_init__(self):
        if self.kind not in KINDS_OF_CLAIM:
            raise ValueError(f"claim {self.id!r}: kind must be one of {KINDS_OF_CLAIM}, got {self.kind!r}")
        if self.provenance not in (*KINDS, ABSENT):
            raise ValueError(f"claim {self.id!r}: provenance must be one of {(*KINDS, ABSENT)}, got {self.provenance!r}")
        if self.expected_sign not in (1, -1):
            raise ValueError(f"claim {self.id!r}: expected_sign must be +1 or -1")
        if self.kind == "no_difference" and not self.margin > 0 and self.provenance not in ("synthetic", ABSENT):
            raise ValueError(f"claim {self.id!r}: a no_difference claim needs a positive equivalence margin")
        if not math.isnan(self.p) and not 0 <= self.p <= 1:
            raise ValueError(f"claim {self.id!r}: p must lie in [0, 1], got {self.p}")
        if self.ci_low > self.ci_high:
            raise ValueError(f"claim {self.id!r}: ci_low > ci_high")


def value_claim(paper: str, id: str, statement: str, ref_key: str, *, provenance: str, test: str,
                values=None, estimate: float | None = None, ci: tuple[float, float] | None = None,
                n_seeds: int = 0, n_runs: int | None = None, blocker: str = "", note: str = "") -> Claim:
    """A headline-number claim; the paper's value and spread come from the paper's reference file.

    Give either the per-run ``values`` (mean and t-based 95 % CI are computed) or ``estimate`` and ``ci``
    (then say how many runs they summarise with ``n_runs``).
    """
    row = reference.row(paper, ref_key)
    ours, lo, hi, n = math.nan, math.nan, math.nan, 0
    if values is not None:
        v = np.asarray(values, float)
        v = v[np.isfinite(v)]
        n = int(v.size)
        if n >= 2:
            ours, lo, hi = stats.mean_ci(v)
        elif n == 1:
            ours = float(v[0])
    elif estimate is not None:
        ours = float(estimate)
        lo, hi = ci if ci is not None else (math.nan, math.nan)
        n = 1 if n_runs is None else int(n_runs)
    return Claim(paper, id, statement, row["locator"], "value", test, provenance, n_seeds=n_seeds, n_runs=n,
                 paper_value=reference.value(paper, ref_key), paper_sd=reference.sd(paper, ref_key),
                 ours=ours, ci_low=lo, ci_high=hi, blocker=blocker, note=note or row["note"])


def value_verdict(c: Claim) -> tuple[str, str]:
    if math.isnan(c.ours):
        return "not testable here", "no estimate"
    if math.isnan(c.paper_value):
        return "not testable here", "the paper gives no number"
    if not math.isnan(c.ci_low) and c.ci_low <= c.paper_value <= c.ci_high:
        return "reproduced", "the paper's value lies in our 95 % CI"
    if not math.isnan(c.paper_sd) and abs(c.ours - c.paper_value) <= c.paper_sd:
        return "reproduced", "our estimate lies within the paper's reported spread"
    if math.isnan(c.ci_low) and math.isnan(c.paper_sd):
        return "inconclusive", "a single run and no reported spread: no interval to judge by"
    return "not reproduced", "the paper's value lies outside our 95 % CI (and outside its own spread)"


def better_verdict(c: Claim, p_adj: float) -> tuple[str, str]:
    if math.isnan(c.ours) or math.isnan(p_adj):
        return "not testable here", "no test result"
    agrees = np.sign(c.ours) == c.expected_sign
    if p_adj < ALPHA:
        return ("reproduced", "paper's direction, Holm-adjusted p < α") if agrees else \
               ("not reproduced", "opposite direction, Holm-adjusted p < α")
    return "inconclusive", f"Holm-adjusted p = {p_adj:.3g} ≥ α ({'same' if agrees else 'opposite'} direction)"


def no_difference_verdict(c: Claim, p_adj: float) -> tuple[str, str]:
    if math.isnan(c.ours) or math.isnan(p_adj):
        return "not testable here", "no test result"
    if p_adj < ALPHA:
        return "not reproduced", "a significant difference (Holm-adjusted p < α)"
    if -c.margin <= c.ci_low and c.ci_high <= c.margin:
        return "reproduced", f"95 % CI of the difference within ±{c.margin:g}"
    return "inconclusive", f"not significant, but the 95 % CI is wider than ±{c.margin:g}"


def verdict(c: Claim, p_adj: float = math.nan) -> tuple[str, str]:
    """``(verdict, reason)`` for one claim; ``p_adj`` is its Holm-adjusted p (comparative claims)."""
    if c.provenance == "synthetic":
        return "pipeline check", "synthetic data: a pipeline check, not a reproduction"
    if c.provenance == ABSENT:
        return "not testable here", "the data are not available here"
    if c.blocker:
        return "inconclusive", c.blocker
    if c.kind == "value":
        return value_verdict(c)
    if c.kind == "better":
        return better_verdict(c, p_adj)
    return no_difference_verdict(c, p_adj)


def ledger(claims: list[Claim]) -> pd.DataFrame:
    """The claims with Holm-adjusted p-values (per paper and family) and computed verdicts.

    Synthetic rows keep their numbers for inspection but carry no paper value and no verdict.
    """
    if not claims:
        raise ValueError("ledger needs at least one claim")
    ids = [(c.paper, c.id) for c in claims]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicated claim ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    p_adj = {}
    tested = [c for c in claims if c.kind != "value" and c.provenance not in ("synthetic", ABSENT)
              and not c.blocker and not math.isnan(c.p)]
    for key in sorted({(c.paper, c.family) for c in tested}):
        fam = [c for c in tested if (c.paper, c.family) == key]
        for c, q in zip(fam, stats.holm([c.p for c in fam])):
            p_adj[(c.paper, c.id)] = float(q)
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


def ledger_html(df: pd.DataFrame) -> str:
    """A ledger as an HTML table: statement, locator, test, provenance, our value, paper value, verdict badge."""
    from omicslib.book.provenance import badge_html as prov_badge

    def num(v, digits=3):
        return "" if pd.isna(v) else f"{v:.{digits}g}" if abs(v) < 1e-3 and v != 0 else f"{v:.{digits}f}"

    rows = []
    for r in df.itertuples():
        ours = num(r.ours)
        if not pd.isna(r.ci_low):
            ours += f" [{num(r.ci_low)}, {num(r.ci_high)}]"
        p = "" if pd.isna(r.p_holm) else f"{r.p_holm:.3g}"
        prov = prov_badge(r.provenance) if r.provenance in KINDS else "data absent"
        rows.append(f"<tr><td>{r.id}</td><td>{r.statement}<br/><small>{r.locator}</small></td><td>{r.test}</td>"
                    f"<td>{prov}</td><td>{r.n_seeds}</td><td>{num(r.paper_value)}</td><td>{ours}</td><td>{p}</td>"
                    f"<td>{badge_html(r.verdict)}<br/><small>{r.reason}</small></td></tr>")
    head = ("<tr><th>claim</th><th>statement (where)</th><th>our test</th><th>data</th><th>seeds</th>"
            "<th>paper</th><th>ours [95 % CI]</th><th>p (Holm)</th><th>verdict</th></tr>")
    return f'<table class="claims"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'
