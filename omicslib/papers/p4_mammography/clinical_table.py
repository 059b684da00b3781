"""A "Table 1" of clinical characteristics by group with the tests of p4 (all from omicslib.stats).

Continuous variables: one-way ANOVA with partial eta² (mean ± SD) or
Kruskal-Wallis with eta²_H (median (P25, P75)). Categorical variables:
Pearson chi-square when every expected count is >= 5, otherwise the
likelihood-ratio chi-square, with Cramér's V (``chi2_independence(lambda_="auto")``).
Variables with p < alpha get Bonferroni-adjusted pairwise post-hoc tests
(t-tests after ANOVA, Mann-Whitney after Kruskal-Wallis, 2 x k chi-square for
categories).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as ss

from omicslib import stats

CONTINUOUS_TESTS = ("anova", "kruskal")


@dataclass
class Table1:
    """``table``: display rows (variable / level x groups, statistic, p); ``tests``: one row per
    variable with the test, statistic, df, effect size, p and assumption checks; ``posthoc``:
    Bonferroni-adjusted pairwise tests of the significant variables."""

    table: pd.DataFrame
    tests: pd.DataFrame
    posthoc: pd.DataFrame


def _fmt_p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def build(df: pd.DataFrame, group: str, continuous: dict[str, tuple[str, str]] | None = None,
          categorical: dict[str, str] | None = None, order=None, alpha: float = 0.05) -> Table1:
    """Table 1 of ``df`` by ``group``.

    ``continuous``: ``{label: (column, "anova" | "kruskal")}``; ``categorical``:
    ``{label: column}``. ``order``: group order (default: categories or sorted).
    Rows with a missing group are an error; missing values of a variable are
    left out of that variable's test and counted in ``tests['n_missing']``.
    """
    if group not in df:
        raise KeyError(f"no group column {group!r}")
    if df[group].isna().any():
        raise ValueError(f"{int(df[group].isna().sum())} rows have no {group!r}")
    continuous, categorical = continuous or {}, categorical or {}
    if order is None:
        order = list(df[group].cat.categories) if isinstance(df[group].dtype, pd.CategoricalDtype) \
            else sorted(df[group].unique())
    order = [g for g in order if (df[group] == g).any()]
    if len(order) < 2:
        raise ValueError(f"need at least 2 non-empty groups, got {order}")
    head = {"variable": "n", "level": ""} | {g: f"(n={int((df[group] == g).sum())})" for g in order}
    rows, tests, post = [head], [], []

    for label, (col, test) in continuous.items():
        if test not in CONTINUOUS_TESTS:
            raise ValueError(f"{label}: test must be one of {CONTINUOUS_TESTS}, got {test!r}")
        vals = {g: pd.to_numeric(df.loc[df[group] == g, col], errors="coerce").dropna().to_numpy() for g in order}
        if test == "anova":
            r = stats.anova_oneway(*vals.values())
            cells = {g: f"{v.mean():.2f} ± {v.std(ddof=1):.2f}" for g, v in vals.items()}
            stat_txt = f"F={r.statistic:.3f}, partial η²={r.extra['eta_sq']:.3f}"
            dof, eff_name, eff, post_test = f"{r.extra['df_between']}, {r.extra['df_within']}", "partial eta²", \
                r.extra["eta_sq"], "t"
            summary = "mean ± SD"
        else:
            r = stats.kruskal(*vals.values())
            cells = {g: f"{np.median(v):.2f} ({np.percentile(v, 25):.2f}, {np.percentile(v, 75):.2f})"
                     for g, v in vals.items()}
            stat_txt = f"H={r.statistic:.3f}, η²_H={r.extra['eta_sq']:.3f}"
            dof, eff_name, eff, post_test = str(r.extra["df"]), "eta² (H)", r.extra["eta_sq"], "mannwhitney"
            summary = "median (P25, P75)"
        levene = ss.levene(*vals.values()).pvalue
        shapiro = min(ss.shapiro(v).pvalue for v in vals.values() if len(v) >= 3)
        rows.append({"variable": f"{label} ({summary})", "level": "", **cells, "statistic": stat_txt,
                     "p": _fmt_p(r.pvalue)})
        tests.append({"variable": label, "test": r.name, "statistic": r.statistic, "df": dof,
                      "effect": eff_name, "effect_size": eff, "p": r.pvalue,
                      "n_missing": int(df[col].isna().sum()), "levene_p": levene, "shapiro_min_p": shapiro})
        if r.pvalue < alpha:
            ph = stats.pairwise_posthoc(vals, test=post_test, method="bonferroni")
            post.append(ph.assign(variable=label))

    for label, col in categorical.items():
        sub = df[[group, col]].dropna()
        tab = pd.crosstab(sub[col], sub[group]).reindex(columns=order, fill_value=0)
        tab = tab.loc[tab.sum(axis=1) > 0]
        r = stats.chi2_independence(tab.to_numpy(), lambda_="auto")
        rows.append({"variable": f"{label} (%)", "level": "", **{g: "" for g in order},
                     "statistic": f"χ²={r.statistic:.3f}, df={r.extra['dof']}, Cramér's V={r.extra['cramers_v']:.3f}"
                                  + (" (LR)" if r.extra["method"] == "log-likelihood" else ""),
                     "p": _fmt_p(r.pvalue)})
        for level, counts in tab.iterrows():
            rows.append({"variable": "", "level": str(level),
                         **{g: f"{int(counts[g])} ({100 * counts[g] / tab[g].sum():.1f})" for g in order},
                         "statistic": "", "p": ""})
        tests.append({"variable": label, "test": r.name, "statistic": r.statistic, "df": str(r.extra["dof"]),
                      "effect": "Cramér's V", "effect_size": r.extra["cramers_v"], "p": r.pvalue,
                      "n_missing": int(df[col].isna().sum()), "levene_p": np.nan, "shapiro_min_p": np.nan})
        if r.pvalue < alpha:
            groups = {g: sub.loc[sub[group] == g, col].astype(str).to_numpy() for g in order}
            ph = stats.pairwise_posthoc(groups, test="chi2", method="bonferroni", lambda_="auto")
            post.append(ph.assign(variable=label))

    table = pd.DataFrame(rows).fillna("")
    posthoc = pd.concat(post, ignore_index=True) if post else pd.DataFrame(
        columns=["group_a", "group_b", "n_a", "n_b", "statistic", "pvalue", "p_adj", "reject", "test_method",
                 "variable"])
    return Table1(table, pd.DataFrame(tests), posthoc)
