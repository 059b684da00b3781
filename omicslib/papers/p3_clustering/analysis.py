"""p3 analysis: tables (Table I, paper vs ours, ranks, rank stability, budgets, default K), the log-rank
test, the claims ledger, and the facts the chapter's pages quote.

Ranks: 1 = best; C-index and Davies-Bouldin ascending, silhouette descending; ties share the mean rank.
"Own space" = each method's embedding (what the paper scored); "common space" = the same k-means labels
scored in ``data.common_space`` (the fair comparison; the claims use it).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from omicslib import stats
from omicslib.book import reference
from omicslib.book.claims import ABSENT, CODE, VERDICTS, Claim, interval, ledger, text_claim, value_claim
from omicslib.papers.p3_clustering.autoencoders import METHODS as METHODS_AE
from omicslib.papers.p3_clustering.clustering import INTERNAL, SIMPLE_BASELINES, SIMPLE_NAMES
from omicslib.papers.p3_clustering.config import CODE_SIMULATED, CODE_VALUES, PAPER, TABLE_I_NAMES, TABLE_I_PARAMS, table1

HIGHER_BETTER = {"silhouette", "ari", "nmi"}
SPACES = {"own": "", "common": "_common"}


def record(run, facts: dict) -> None:
    """Write ``{key: (value, fmt)}`` as the run's facts (``{{ pN_NN.key }}`` on the pages), plus ``wall_s``:
    the seconds since the run started (call it in the notebook's last cell)."""
    import time

    run.facts({**facts, "wall_s": (time.perf_counter() - run.started, "{:.0f}")})


def config_table(cfg, fields) -> pd.DataFrame:
    """The configuration ``fields`` a notebook uses, one row each (what the notebook shows first)."""
    from dataclasses import asdict

    values = asdict(cfg)
    unknown = [f for f in fields if f not in values]
    if unknown:
        raise KeyError(f"Config has no fields {unknown}")
    return pd.DataFrame({"value": [values[f] for f in fields]}, index=list(fields))


# ----------------------------------------------------------------------------- Table I

def table1_grid() -> pd.DataFrame:
    """Table I as the paper prints it (from ``reference.csv``) beside the authors' code values."""
    rows = []
    for p, (grid, sel) in table1().items():
        stem = TABLE_I_PARAMS[p][1]
        loc = reference.row(PAPER, f"table1_{stem}_optimal" if stem else "table1_optimizer_adam")["locator"]
        rows.append({"hyperparameter": TABLE_I_NAMES[p], "select range": ", ".join(map(str, grid)),
                     "paper optimal": sel, "authors' code": CODE_VALUES[p], "locator": loc})
    return pd.DataFrame(rows)


def table1_best(sweep: pd.DataFrame) -> dict[str, object]:
    """Per hyperparameter, the value our sweep ranks best: C-index rounded to 3 decimals (it ties near 0
    on this easy simulation), then silhouette, then Davies-Bouldin."""
    ok = sweep[sweep["status"] == "ok"]
    out = {}
    for p in table1():
        sub = ok[ok["parameter"] == p]
        if sub.empty:
            continue
        out[p] = sub.assign(c=sub["c_index"].round(3)).sort_values(
            ["c", "silhouette", "davies_bouldin"], ascending=[True, False, True])["value"].iloc[0]
    return out


def table1_comparison(sweep: pd.DataFrame) -> list[dict]:
    """Comparison rows: the value the paper selected vs the value our sweep ranks best."""
    rows = []
    grid = table1()
    for p, best in table1_best(sweep).items():
        sel = grid[p][1]
        stem = TABLE_I_PARAMS[p][1]
        numeric = not isinstance(sel, str)
        key = f"table1_{stem}_optimal" if stem else "table1_optimizer_adam"
        rows.append({"item": TABLE_I_NAMES[p],
                     "metric": "selected value (best in sweep: C-index, then silhouette, then DB)",
                     "paper": reference.value(PAPER, key) if numeric else None,
                     "ours": float(best) if numeric else float("nan"),
                     "note": "" if numeric else f"paper {sel}, ours {best}",
                     "locator": reference.row(PAPER, key)["locator"]})
    return rows


def table1_claims(sweep: pd.DataFrame, provenance: str, n_seeds: int, epochs_scale: float) -> list[Claim]:
    """Table I as exact claims. (1) Per numeric hyperparameter, the paper's optimal value against the value our
    one-at-a-time sweep ranks best (blocked at reduced epochs). (2) Per hyperparameter, the paper's optimal
    value against the one the authors' released simulation script runs (:data:`config.CODE_SIMULATED`).
    (3) The text's own consistency: usable temperatures in the select range, the hyperparameters the text
    names that Table I has a row for."""
    out = []
    blocker = (f"one seed at {epochs_scale:g} x the epochs on one easy simulation where almost every setting "
               "recovers the truth: the sweep cannot rank settings that all succeed") if epochs_scale < 1 else ""
    for p, best in table1_best(sweep).items():
        stem = TABLE_I_PARAMS[p][1]
        if stem is None:
            continue
        out.append(value_claim(PAPER, f"table1_{stem}", f"Table I: {TABLE_I_NAMES[p]} = "
                               f"{reference.text(PAPER, f'table1_{stem}_optimal')} is the best value of its range",
                               f"table1_{stem}_optimal", provenance=provenance, estimate=float(best), kind="exact",
                               section="result",
                               n_seeds=n_seeds, n_runs=n_seeds, unit="one DMACL run per setting",
                               test="one-at-a-time sweep on InterSIM heterogeneous k=5; best by C-index, then "
                                    "silhouette, then DB", blocker=blocker))
    for p, (_, sel) in table1().items():
        stem = TABLE_I_PARAMS[p][1]
        code = CODE_SIMULATED[p]
        key = f"table1_{stem}_optimal" if stem else f"table1_optimizer_{code}"
        out.append(value_claim(PAPER, f"table1_code_{stem or 'optimizer'}", f"The authors' released simulation "
                               f"script runs Table I's optimal {TABLE_I_NAMES[p]} ({sel})", key, provenance=CODE,
                               estimate=float(code) if stem else 1.0, kind="exact", unit="a setting of the code",
                               test=f"the value in the authors' simulation training script ({code}; "
                                    "p3-protocol-notes.md section 1.6)" + ("" if stem else
                                    ": 1 when the script's optimizer is the one Table I selects")))
    for stem in ("ucl_temperature", "dmacl_temperature"):
        grid = [reference.value(PAPER, f"table1_{stem}_range{i}") for i in (1, 2, 3)]
        out.append(text_claim(PAPER, f"text_table1_{stem}_grid", f"Every value of Table I's {stem.split('_')[0].upper()} "
                              "temperature range is a usable temperature (> 0)", f"table1_{stem}_n_values",
                              sum(v > 0 for v in grid), f"values of the printed range ({', '.join(map(_fmt_g, grid))}) "
                              "that are > 0: a softmax temperature of 0 divides by zero"))
    named = [n for n in TEXT_HYPERPARAMETERS if any(n in t.lower() for t in TABLE_I_NAMES.values())]
    out.append(text_claim(PAPER, "text_table1_hyperparameters", "The six hyperparameters the text says were tuned are "
                          "Table I's rows", "table1_n_hyperparameters_text", len(named),
                          f"of the text's six ({', '.join(TEXT_HYPERPARAMETERS)}), those with a Table I row: "
                          f"{', '.join(named)}"))
    return out


#: the hyperparameters Sec. III-B says were adjusted (the paper's words)
TEXT_HYPERPARAMETERS = ("temperature", "batch size", "epochs", "optimizer", "learning rate", "weight decay")


def _fmt_g(v: float) -> str:
    return f"{v:g}"


def table1_facts(sweep: pd.DataFrame, epochs_scale: float) -> dict:
    """Facts of the sweep; the same keys in every profile (a setting not run reads "not run")."""
    ok = sweep[sweep["status"] == "ok"].set_index(["parameter", "value"])
    best = table1_best(sweep)
    f = {"epochs_pct": (epochs_scale, "{:.0%}"),
         "n_not_run": (int((sweep["status"] != "ok").sum()), "{:d}")}
    for p, (grid, _) in table1().items():
        f[f"best_{p}"] = (str(best[p]) if p in best else "not run", "{}")
        for v in grid:
            tag = f"{p}_{str(v).replace('.', 'p').replace('-', 'm')}"
            hit = (p, v) in ok.index
            f[f"ari_{tag}"] = (ok.loc[(p, v), "ari"] if hit else "not run", "{:.2f}")
            f[f"sil_{tag}"] = (ok.loc[(p, v), "silhouette"] if hit else "not run", "{:.3f}")
    return f


# ----------------------------------------------------------------------------- Figure 2

def fig2_comparison(summary: pd.DataFrame, scores: pd.DataFrame) -> list[dict]:
    """InterSIM C-index: the paper's DMACL values (text), the DL-mo benchmark's k=5 baselines, ours."""
    sd = scores.groupby(["dataset", "method"])["c_index"].std(ddof=1)
    rows = []
    for _, r in summary.iterrows():
        cond, k, m = r["condition"], int(r["k"]), r["method"]
        paper, note, loc = None, "paper shows this only in Fig. 2 (no number)", "Fig. 2 (bars only)"
        dl_key = f"dlmo_cindex_{cond[:3]}_k5_{m.lower()}"
        if m == "DMACL":
            key = f"fig2_dmacl_cindex_{cond[:3]}_k{k}"
            paper, note, loc = reference.value(PAPER, key), "paper text, Sec. IV-A", reference.row(PAPER, key)["locator"]
        elif k == 5 and dl_key in reference.load(PAPER).index:
            paper, loc = reference.value(PAPER, dl_key), reference.row(PAPER, dl_key)["locator"]
            note = "DL-mo benchmark value (Leng 2022), not Pan's figure"
        rows.append({"item": f"{m} · {r['dataset']}", "metric": "C-index (Hubert-Levin)", "paper": paper,
                     "ours": r["c_index"], "ours_sd": sd.get((r["dataset"], m), np.nan), "note": note, "locator": loc})
    return rows


def dmacl_rank(summary: pd.DataFrame) -> pd.DataFrame:
    """DMACL's rank among all methods per simulation (own space, seed means)."""
    rank = summary.assign(
        c_rank=summary.groupby("dataset")["c_index"].rank(),
        sil_rank=summary.groupby("dataset")["silhouette"].rank(ascending=False),
        db_rank=summary.groupby("dataset")["davies_bouldin"].rank())
    return rank[rank.method == "DMACL"][["dataset", "c_rank", "sil_rank", "db_rank", "ari"]]


# ----------------------------------------------------------------------------- ranks in both spaces

def method_ranks(scores: pd.DataFrame, methods=None, metrics=INTERNAL) -> pd.DataFrame:
    """Long table (dataset, seed, k, method, metric, space, value, rank) of every method's rank among
    ``methods`` (default: all) per dataset, seed and k, in the own and (where scored) the common space."""
    df = scores if methods is None else scores[scores["method"].isin(methods)]
    out = []
    for space, suffix in SPACES.items():
        for met in metrics:
            col = met + suffix
            if col not in df:
                continue
            sub = df[["dataset", "seed", "k", "method", col]].rename(columns={col: "value"})
            sub = sub.assign(metric=met, space=space,
                             rank=sub.groupby(["dataset", "seed", "k"])["value"].rank(ascending=met not in HIGHER_BETTER))
            out.append(sub)
    return pd.concat(out, ignore_index=True)[["dataset", "seed", "k", "method", "metric", "space", "value", "rank"]]


def rank_stability(ranks: pd.DataFrame, method: str = "DMACL") -> pd.DataFrame:
    """Per dataset, k, metric and space: ``method``'s rank per seed summarised (min, max, mean, number of
    seeds at rank 1) and its rank on the seed means."""
    mine = ranks[ranks["method"] == method]
    g = mine.groupby(["dataset", "k", "metric", "space"], sort=False)["rank"]
    out = pd.DataFrame({"n_seeds": g.size(), "rank_min": g.min(), "rank_max": g.max(), "rank_mean": g.mean(),
                        "seeds_first": g.apply(lambda r: int((r == 1).sum()))})
    means = ranks.groupby(["dataset", "k", "metric", "space", "method"], sort=False)["value"].mean().reset_index()
    means["rank"] = [np.nan] * len(means)
    for key, idx in means.groupby(["dataset", "k", "metric", "space"]).groups.items():
        asc = key[2] not in HIGHER_BETTER
        means.loc[idx, "rank"] = means.loc[idx, "value"].rank(ascending=asc)
    on_mean = means[means["method"] == method].set_index(["dataset", "k", "metric", "space"])["rank"]
    return out.join(on_mean.rename("rank_of_seed_mean")).reset_index()


def rank_summary(stab: pd.DataFrame) -> pd.DataFrame:
    """One row per metric and space: over datasets (and k), how often ``method`` is first on the seed means,
    its mean rank, and the widest seed-to-seed rank range."""
    g = stab.assign(rank_range=stab["rank_max"] - stab["rank_min"]).groupby(["metric", "space"], sort=False)
    return pd.DataFrame({"cells": g.size(), "first_on_seed_mean": g["rank_of_seed_mean"].apply(lambda r: int((r == 1).sum())),
                         "mean_rank": g["rank_of_seed_mean"].mean(), "max_rank_range": g["rank_range"].max()}
                        ).reset_index()


# ----------------------------------------------------------------------------- claims

#: the eleven methods of the paper's figures (DMACL and the ten DL-mo autoencoders): ranks and "best of
#: the others" are taken among these only, the set the paper ranked
PAPER_METHODS = ("DMACL",) + METHODS_AE
#: the simple baseline of the AML k choice (the value claims show the strongest of all three, :func:`_baseline`)
BASELINE, BASELINE_NAME = "kmeans_pca", SIMPLE_NAMES["kmeans_pca"]
COMPARATIVE_CI = 0.95  # the CI of a comparative effect matches its two-sided test at α = 0.05
QUALITATIVE = "qualitative statement ('low', 'a bit worse', 'good') without a threshold, and Fig. 4 prints no numbers"


def paper_methods(methods) -> list[str]:
    """``methods`` restricted to the paper's eleven (:data:`PAPER_METHODS`), in the given order."""
    return [m for m in methods if m in PAPER_METHODS]


def _best_other_gap(scores: pd.DataFrame, metric: str, method: str, unit, methods=None, vs: str = "best",
                    ks=None) -> pd.DataFrame:
    """Per ``unit`` (columns), the gap between the best (or median) other method and ``method`` on
    ``metric``, oriented so that > 0 favours ``method``; averaged over the rows inside a unit (seeds and k
    within a dataset when ``unit`` is the dataset)."""
    df = scores if methods is None else scores[scores["method"].isin(methods)]
    if ks is not None:
        df = df[df["k"].isin(ks)]
    higher = metric.removesuffix("_common") in HIGHER_BETTER
    wide = df.pivot_table(index=["dataset", "seed", "k"], columns="method", values=metric)
    others = wide.drop(columns=method)
    ref = (others.max(axis=1) if higher else others.min(axis=1)) if vs == "best" else others.median(axis=1)
    gap = (wide[method] - ref) if higher else (ref - wide[method])
    return gap.rename("gap").reset_index().groupby(unit)["gap"].mean().reset_index()


def _pair_gap(scores: pd.DataFrame, metric: str, a: str, b: str, unit) -> pd.DataFrame:
    """Per unit, a − b on ``metric`` oriented so that > 0 means ``a`` is better."""
    higher = metric.removesuffix("_common") in HIGHER_BETTER
    wide = scores.pivot_table(index=["dataset", "seed", "k"], columns="method", values=metric)
    gap = (wide[a] - wide[b]) if higher else (wide[b] - wide[a])
    return gap.rename("gap").reset_index().groupby(unit)["gap"].mean().reset_index()


def _better(id_, statement, locator, gaps: pd.DataFrame, *, provenance, n_seeds, family, test, unit, scope="",
            note="", section="") -> Claim:
    """A ``better`` claim from per-unit gaps (> 0 = the paper's direction): mean, 95 % t-interval and the
    paired t-test against 0 over the units; undefined (NaN) for fewer than two units or gaps without spread."""
    g = _clean(gaps["gap"])
    mean, lo, hi, n = interval(g, COMPARATIVE_CI)
    p = stats.paired_t(g, np.zeros_like(g)).pvalue if not math.isnan(lo) else math.nan
    return Claim(PAPER, id_, statement, locator, "better", test, provenance, n_seeds=n_seeds, n_runs=n, unit=unit,
                 scope=scope, family=family, ours=mean, ci_low=lo, ci_high=hi, ci_level=COMPARATIVE_CI, p=p, note=note,
                 section=section)


def _strongest_simple(means: pd.Series, metric: str) -> str | None:
    """Of the :data:`SIMPLE_BASELINES` with a finite mean in ``means`` (method -> mean on ``metric``), the one whose
    mean is best (ties: the first listed); None when there is none."""
    finite = means.reindex([m for m in SIMPLE_BASELINES if m in means.index]).dropna()
    finite = finite[np.isfinite(finite)]
    if finite.empty:
        return None
    return str(finite.idxmax() if metric.removesuffix("_common") in HIGHER_BETTER else finite.idxmin())


def _vs_simple(id_, scores: pd.DataFrame, locator: str, by, **kw) -> list[Claim]:
    """Our question beside the paper's: does DMACL beat the strongest simple baseline on the common-space C-index?
    The strongest is the simple baseline with the best mean over every cell (chosen on the same data, which can
    only favour the baseline); the gap per unit is oriented so that > 0 favours DMACL. Empty when DMACL or every
    simple baseline is missing."""
    means = scores.groupby("method")["c_index_common"].mean()
    best = _strongest_simple(means, "c_index_common")
    if "DMACL" not in means.index or best is None:
        return []
    note = "; ".join(filter(None, ("our question: the paper compares DMACL only with autoencoders; the strongest of "
                                   "the three simple baselines (k-means, PCA + k-means, consensus clustering) by its "
                                   "mean C-index here", kw.pop("note", ""))))
    return [_better(id_, f"DMACL has a lower (better) C-index than the strongest simple baseline ({SIMPLE_NAMES[best]})",
                    locator, _pair_gap(scores, "c_index_common", "DMACL", best, by), section="ours", note=note,
                    **kw)]


def _clean(values) -> np.ndarray:
    """Values rounded to 12 decimals: a spread below that is floating-point noise (a C-index of 1e-18 is 0), and
    it must not turn a sample without spread into a point-width "interval"."""
    return np.round(np.asarray(values, float), 12)


def _baseline(by_method, metric: str) -> tuple | None:
    """``(name, mean, (lo, hi))`` of the strongest simple baseline at the value claims' 90 % level: of the
    :data:`SIMPLE_BASELINES` in ``by_method`` (method -> values), the one whose mean on ``metric`` is best. The
    choice is made by the index itself on the same data, as an analyst picking among simple methods would; it
    flatters the baseline a little, never DMACL."""
    values = {m: _clean(by_method[m]) for m in SIMPLE_BASELINES if m in by_method}
    means = pd.Series({m: float(np.nanmean(v)) if np.isfinite(v).any() else math.nan for m, v in values.items()},
                      dtype=float)
    best = _strongest_simple(means, metric)
    if best is None:
        return None
    m, lo, hi, _ = interval(values[best])
    return SIMPLE_NAMES[best], m, (lo, hi)


def _rank_of(means: pd.Series, method: str, metric: str) -> float:
    """``method``'s rank (1 = best, ties share the mean rank) among the entries of ``means``."""
    return float(means.rank(ascending=metric not in HIGHER_BETTER)[method])


def _text(key: str) -> str:
    return reference.text(PAPER, key)


def fig2_claims(scores: pd.DataFrame, provenance: str, n_seeds: int) -> list[Claim]:
    """Figure 2 (Sec. IV-A). Comparisons among the paper's eleven methods in the common space: one paired
    t-test over the simulations (the unit of replication; seeds averaged within a simulation first). The
    DMACL C-index values (own space, as the paper) over seeds, with the strongest simple baseline beside them. DMACL's
    ranks among the same eleven methods on the seed means (exact; blocked when the set differs).
    The abstract's method count against the figures' (text)."""
    methods = paper_methods(scores["method"].unique())
    n_sims = scores["dataset"].nunique()
    paired = (f"paired t-test over the {n_sims} simulations (the unit of replication) of the per-simulation gap, "
              f"seeds averaged within a simulation first; labels scored in the common space")
    test = f"{paired}; the paper's {len(methods)} methods"
    unit, unit_text = ["dataset"], f"simulation (mean over {n_seeds} seeds)"
    sub = scores[scores["method"].isin(methods)]
    out = [
        _better("fig2_dmacl_best_cindex", "DMACL has the best (lowest) C-index on the simulations", "Sec. IV-A, Fig. 2",
                _best_other_gap(sub, "c_index_common", "DMACL", unit), provenance=provenance, n_seeds=n_seeds,
                family="fig2", test=test + "; gap = best other method − DMACL", unit=unit_text),
        _better("fig2_efvae_silhouette", "efVAE has a higher silhouette than DMACL on the simulations",
                "Sec. IV-A, Fig. 2", _pair_gap(sub, "silhouette_common", "efVAE", "DMACL", unit),
                provenance=provenance, n_seeds=n_seeds, family="fig2", test=test, unit=unit_text),
        _better("fig2_efvae_db", "efVAE has a lower Davies-Bouldin score than DMACL on the simulations",
                "Sec. IV-A, Fig. 2", _pair_gap(sub, "davies_bouldin_common", "efVAE", "DMACL", unit),
                provenance=provenance, n_seeds=n_seeds, family="fig2", test=test, unit=unit_text),
    ]
    out += _vs_simple("fig2_dmacl_vs_simple", scores, "Sec. IV-A, Fig. 2", unit, provenance=provenance,
                      n_seeds=n_seeds, family="fig2 simple baselines", unit=unit_text,
                      test=paired + "; gap = strongest simple baseline − DMACL")
    dm = scores[scores["method"] == "DMACL"]
    for (ds, k), s in dm.groupby(["dataset", "k"]):
        cond = ds.split(" ")[0]
        out.append(value_claim(
            PAPER, f"fig2_cindex_{cond[:3]}_k{k}", f"DMACL C-index on InterSIM {cond} k={k}",
            f"fig2_dmacl_cindex_{cond[:3]}_k{k}", provenance=provenance, values=_clean(s["c_index"]),
            n_seeds=n_seeds, unit="seed (training and k-means restarts; the 100 subjects are fixed)",
            baseline=_baseline({m: v["c_index"] for m, v in scores[scores["dataset"] == ds].groupby("method")},
                               "c_index"),
            test=f"DMACL's C-index in its own space (as the paper): mean over {s['seed'].nunique()} seeds, "
                 "t-based 90 % CI over seeds"))
    n_paper = int(reference.value(PAPER, "n_methods_figures"))
    blocker = "" if len(methods) == n_paper else \
        f"ranked among {len(methods)} methods here, the paper among {n_paper}: not the same set of methods"
    own = sub.groupby(["dataset", "method"])[list(INTERNAL)].mean()
    per_seed = method_ranks(sub, metrics=INTERNAL)
    per_seed = per_seed[(per_seed["space"] == "own") & (per_seed["method"] == "DMACL")]
    for metric, stem, conds, what in (("c_index", "cindex", ("equal", "heterogeneous"), "C-index"),
                                      ("silhouette", "sil", ("equal",), "silhouette"),
                                      ("davies_bouldin", "db", ("heterogeneous",), "Davies-Bouldin")):
        for cond in conds:
            for k in (5, 10, 15):
                ds = f"{cond} k={k}"
                if ds not in own.index.get_level_values("dataset"):
                    continue
                key = f"fig2_dmacl_{stem}_rank_{cond[:3]}_k{k}"
                seeds_r = per_seed.loc[(per_seed["dataset"] == ds) & (per_seed["metric"] == metric), "rank"]
                out.append(value_claim(
                    PAPER, f"fig2_{stem}_rank_{cond[:3]}_k{k}",
                    f"DMACL ranks {_text(key)} of the {n_paper} methods on {what} ({cond} k={k})", key,
                    provenance=provenance, estimate=_rank_of(own.loc[ds, metric], "DMACL", metric), kind="exact",
                    n_seeds=n_seeds, n_runs=n_seeds, unit="rank of the mean over seeds",
                    test=f"DMACL's rank among the paper's {len(methods)} methods of the mean over {n_seeds} seeds, "
                         "own space (as the paper); ties share the mean rank",
                    blocker=blocker, note=f"rank per seed: {', '.join(f'{r:g}' for r in seeds_r)}"))
    out.append(text_claim(PAPER, "text_n_methods_intro", "The introduction's and conclusion's '16 deep learning "
                          "models' are the models the results compare DMACL with", "n_methods_intro",
                          reference.value(PAPER, "n_methods_figures") - 1,
                          "the results (Figs. 2-4) compare DMACL with the ten DL-mo autoencoders: 11 − 1 = 10; no "
                          "classification experiment is reported"))
    out.append(text_claim(PAPER, "text_n_methods_abstract", "The abstract's 'compared to 11 other deep learning "
                          "models' agrees with the figures' eleven methods", "n_methods_abstract",
                          reference.value(PAPER, "n_methods_figures") - 1,
                          "eleven methods in the captions of Figs. 2-4, DMACL included: 11 − 1 = 10 other models"))
    return out


def fig4_claims(scores: pd.DataFrame, provenance: str, n_seeds: int, methods) -> list[Claim]:
    """Figure 4 (Sec. IV-C) on miRNA only. The unit of replication is the cancer: seeds and k are averaged
    within a cancer first, then a paired t-test across the cancers (few cancers: low power, said in the
    test). Only the paper's methods that are distinct on one omic are compared. The abstract's three
    values against DMACL's mean over k, per cancer, with the strongest simple baseline beside them. The per-cancer
    statements of the text (qualitative) and the paper's k range and cancer list (text)."""
    methods = paper_methods(methods)
    sub = scores[scores["method"].isin(methods)]
    cancers = sorted(scores["dataset"].unique())
    n = len(cancers)
    scope = (f"miRNA only (the paper: expression, miRNA, methylation), {n} of the paper's 10 cancers "
             f"({', '.join(cancers)}), {len(methods)} of the paper's 11 methods (the others coincide on one omic)")
    test = (f"paired t-test over the {n} cancers (the unit of replication: seeds and k averaged within a cancer "
            f"first; {n - 1} degrees of freedom, low power); labels scored in the common space")
    unit, unit_text = ["dataset"], f"cancer (mean over {n_seeds} seeds and k)"
    note = "one omic (miRNA) instead of three"
    kw = dict(provenance=provenance, n_seeds=n_seeds, family="fig4", unit=unit_text, scope=scope, note=note)
    out = [
        _better("fig4_dmacl_best_cindex", "DMACL has the best (lowest) C-index on the cancers (Fig. 4a centre)",
                "Sec. IV-C, Fig. 4a", _best_other_gap(sub, "c_index_common", "DMACL", unit),
                test=test + "; gap = best other − DMACL", **kw),
        _better("fig4_dmacl_high_silhouette", "DMACL's silhouette is generally high (Fig. 4b outer circle)",
                "Sec. IV-C, Fig. 4b", _best_other_gap(sub, "silhouette_common", "DMACL", unit, vs="median"),
                test=test + "; gap = DMACL − median of the other methods", **kw),
        _better("fig4_dmacl_best_db_k23", "At k = 2 and 3 DMACL has the smallest Davies-Bouldin score",
                "Sec. IV-C, Fig. 4c", _best_other_gap(sub, "davies_bouldin_common", "DMACL", unit, ks=(2, 3)),
                test=test.replace("and k averaged", "and k = 2, 3 averaged"), **kw),
    ]
    out += _vs_simple("fig4_dmacl_vs_simple", scores, "Sec. IV-C, Fig. 4a", unit,
                      test=test + "; gap = strongest simple baseline − DMACL",
                      **{**kw, "family": "fig4 simple baselines"})
    per_cancer = scores.groupby(["method", "dataset"])[list(INTERNAL)].mean()
    for met, key in (("c_index", "cancer_dmacl_cindex"), ("silhouette", "cancer_dmacl_silhouette"),
                     ("davies_bouldin", "cancer_dmacl_db")):
        out.append(value_claim(
            PAPER, f"fig4_{key}", f"DMACL {met.replace('_', '-')} on the cancer benchmark (abstract)", key,
            provenance=provenance, values=_clean(per_cancer.loc["DMACL", met]), n_seeds=n_seeds, unit=unit_text,
            scope=scope, baseline=_baseline({m: per_cancer.loc[m, met] for m in SIMPLE_BASELINES
                                             if m in per_cancer.index.get_level_values(0)}, met),
            test=f"DMACL's mean over seeds and k per cancer (own space), t-based 90 % CI over the {n} cancers",
            note="abstract: cancer and k unstated; ours: miRNA only"))
    have = set(cancers)
    for id_, statement, loc, needs in (
            ("fig4_low_silhouette_skcm_lusc_k2", "DMACL's silhouette is low only in the 2-cluster tasks of SKCM and "
             "LUSC", "Sec. IV-C, Fig. 4b", ("melanoma", "lung")),
            ("fig4_db_worse_lusc_lihc_k456", "At k = 4, 5, 6 DMACL's Davies-Bouldin is a bit worse on LUSC and LIHC",
             "Sec. IV-C, Fig. 4c", ("lung", "liver")),
            ("fig4_reference_models", "efmmdVAE, efVAE and lfmmdVAE also cluster the cancers well", "Sec. IV-C, "
             "Fig. 4a", ())):
        missing = [c for c in needs if c not in have]
        why = QUALITATIVE + (f"; {', '.join(missing)} not run in this profile" if missing else "")
        out.append(Claim(PAPER, id_, statement, loc, "value", "none: no threshold to test against", provenance,
                         n_seeds=n_seeds, scope=scope, blocker=why))
    out += [
        text_claim(PAPER, "text_fig4_k_range", "The k range 2..7 of Sec. IV-C agrees with the k the Fig. 4 text "
                   "discusses", "fig4_k_max", reference.value(PAPER, "fig4_k_max_discussed"),
                   "largest k named in the Fig. 4 discussion (Sec. IV-C: 2- to 6-clustering)"),
        text_claim(PAPER, "text_fig4_n_cancers", "The ten cancers listed agree with the cancers Fig. 4's text "
                   "discusses", "fig4_n_cancers",
                   len(set(CANCERS_LISTED) | set(CANCERS_FIG4_TEXT)),
                   f"cancers listed in Sec. III-A ({len(CANCERS_LISTED)}) plus those Fig. 4's text names that the list "
                   f"lacks ({', '.join(sorted(set(CANCERS_FIG4_TEXT) - set(CANCERS_LISTED)))})"),
    ]
    return out


#: the cancers Sec. III-A lists, and those Fig. 4's discussion names (the paper's words, as TCGA codes)
CANCERS_LISTED = ("BRCA", "GBM", "SARC", "LUAD", "STAD", "COAD", "AML", "KIRC", "SKCM", "OV")
CANCERS_FIG4_TEXT = ("SKCM", "LUSC", "LIHC")


def fig3_claims() -> list[Claim]:
    """Figure 3: the single-cell count matrices are absent here; the text's 'one class' against the caption's k."""
    out = [value_claim(PAPER, f"fig3_{key}", f"DMACL {metric} on scCAT-seq (k = 3)", f"sc_dmacl_{key}",
                       provenance=ABSENT, test="k-means k = 3 on the DMACL embedding")
           for key, metric in (("cindex", "C-index"), ("silhouette", "silhouette"), ("db", "Davies-Bouldin"))]
    out.append(Claim(PAPER, "fig3_dmacl_best", "DMACL is the best of the methods on the single-cell data",
                     "Sec. IV-B, Fig. 3", "better", "three indices vs every baseline", ABSENT, family="fig3"))
    out.append(text_claim(PAPER, "text_sc_k", "Sec. IV-B's 'clustering into one class' agrees with the k of "
                          "Fig. 3's caption", "sc_k_text", reference.value(PAPER, "sc_k"),
                          "number of clusters in Fig. 3's caption"))
    return out


def aml_claims(provenance: str, best_k: int, n_seeds: int, baseline_k: int | None = None) -> list[Claim]:
    """AML: K = 6 chosen by the indices (our DMACL miRNA embedding's best k by C-index; ``baseline_k``: the same
    choice on PCA + k-means); GO/GSEA absent."""
    base = None if baseline_k is None else (BASELINE_NAME, float(baseline_k), (math.nan, math.nan))
    return [
        value_claim(PAPER, "aml_k6", "On AML the indices are jointly best at K = 6", "aml_k", provenance=provenance,
                    estimate=float(best_k), kind="exact", n_seeds=n_seeds, n_runs=n_seeds, unit="one DMACL embedding",
                    scope="miRNA only (the paper: three omics)", baseline=base,
                    test="k (2..7) with the lowest C-index of k-means on the DMACL embedding",
                    blocker="one seed, miRNA only (the paper used three omics)"),
        Claim(PAPER, "aml_c1q_subtype0", "C1QA, C1QB and C1QC are up-regulated in AML subtype 0", "Sec. IV-D, Fig. 5A",
              "value", "one-vs-rest DE on the AML transcriptome", ABSENT,
              note="the AML transcriptome with gene symbols is not on this machine"),
        Claim(PAPER, "aml_go_gsea", "AML subtypes show subtype-specific GO terms and GSEA pathways (Figs. 5B, 6)",
              "Sec. IV-D, Figs. 5-6", "value", "clusterProfiler / GSEA on the AML transcriptome", ABSENT,
              note="the AML transcriptome and GO gene sets are not on this machine"),
    ]


#: claim ids of Figure 2 in every profile (the cells a profile does not run read "not run" in the facts)
FIG2_IDS = (("fig2_dmacl_best_cindex", "fig2_efvae_silhouette", "fig2_efvae_db", "fig2_dmacl_vs_simple")
            + tuple(f"fig2_cindex_{c}_k{k}" for c in ("equ", "het") for k in (5, 10, 15))
            + tuple(f"fig2_cindex_rank_{c}_k{k}" for c in ("equ", "het") for k in (5, 10, 15))
            + tuple(f"fig2_sil_rank_equ_k{k}" for k in (5, 10, 15)) + tuple(f"fig2_db_rank_het_k{k}" for k in (5, 10, 15))
            + ("text_n_methods_intro", "text_n_methods_abstract"))


def verdict_facts(claim_list: list[Claim], expected=(), prefix: str = "verdict_") -> dict:
    """``{prefix + id: (verdict, "{}")}`` of every claim, from the ledger, so that pages quote verdicts
    instead of stating them in their own words; ids in ``expected`` that this run has no claim for read
    "not run" (the same keys in every profile); plus ``n_claims`` and ``n_<verdict>`` counts."""
    led = ledger(claim_list)
    out = {f"{prefix}{i}": (NOT_RUN, "{}") for i in expected}
    out |= {f"{prefix}{r.id}": (r.verdict, "{}") for r in led.itertuples()}
    out["n_claims"] = (len(led), "{:d}")
    for v in VERDICTS:
        out[f"n_{v.replace(' ', '_')}"] = (int((led["verdict"] == v).sum()), "{:d}")
    return out


# ----------------------------------------------------------------------------- comparison rows, Fig 3 / Fig 4

def fig3_comparison(summary: pd.DataFrame) -> list[dict]:
    from omicslib.book.report import vs_paper

    dm = summary[summary.method == "DMACL"].iloc[0]
    return [vs_paper(PAPER, f"sc_dmacl_{key}", dm[m], item="DMACL scCAT-seq k=3")
            for key, m in (("cindex", "c_index"), ("silhouette", "silhouette"), ("db", "davies_bouldin"))]


def fig4_comparison(summary: pd.DataFrame) -> list[dict]:
    """The abstract's cancer values vs our DMACL mean over cancers and k; every method's mean for context."""
    dm = summary[summary.method == "DMACL"]
    rows = [{"item": "DMACL, mean over cancers and k", "metric": m, "paper": reference.value(PAPER, key),
             "ours": dm[m].mean(), "ours_sd": dm[m].std(ddof=1),
             "note": "paper: abstract aggregate (unspecified); ours: miRNA only",
             "locator": reference.row(PAPER, key)["locator"]}
            for m, key in (("c_index", "cancer_dmacl_cindex"), ("silhouette", "cancer_dmacl_silhouette"),
                           ("davies_bouldin", "cancer_dmacl_db"))]
    means = method_means(summary)
    rows += [{"item": f"{m}, mean over cancers and k", "metric": met, "paper": None, "ours": means.loc[m, met],
              "note": "not given numerically in the paper", "locator": "Fig. 4 (radar charts only)"}
             for m in means.index if m != "DMACL" for met in INTERNAL]
    return rows


def method_means(summary: pd.DataFrame, metrics=INTERNAL) -> pd.DataFrame:
    """Mean of each index over datasets and k, per method."""
    return summary.groupby("method")[[m for m in metrics if m in summary]].mean()


# ----------------------------------------------------------------------------- survival

def logrank(labels, time_, event) -> dict:
    """Multivariate log-rank test of survival across clusters (lifelines)."""
    from lifelines.statistics import multivariate_logrank_test

    labels, time_, event = map(np.asarray, (labels, time_, event))
    if not len(labels) == len(time_) == len(event):
        raise ValueError(f"labels, time and event lengths differ: {len(labels)}, {len(time_)}, {len(event)}")
    if np.unique(labels).size < 2:
        raise ValueError("log-rank test needs at least 2 clusters")
    r = multivariate_logrank_test(time_, labels, event)
    return {"logrank_chi2": float(r.test_statistic), "logrank_p": float(r.p_value),
            "neg_log10_p": float(-np.log10(max(r.p_value, 1e-300)))}


def tcga_results(scores: pd.DataFrame, labels: dict, ids: pd.Index, survival: pd.DataFrame,
                 common: pd.Index) -> pd.DataFrame:
    """Internal indices, PAM50 ARI/NMI and the OS log-rank test of each method's k-means clusters."""
    from omicslib.papers.p3_clustering.protocol import summarise

    pos = pd.Series(np.arange(len(ids)), index=ids)
    rows = [{"method": m, **logrank(lab[pos.loc[common].to_numpy()], survival.loc[common, "time"],
                                    survival.loc[common, "event"])} for m, lab in labels.items()]
    return summarise(scores).merge(pd.DataFrame(rows), on="method")


# ----------------------------------------------------------------------------- AML helpers

def k_scan(embedding: np.ndarray, ks, n_runs: int = 3, seed: int = 0) -> pd.DataFrame:
    """Internal indices of repeated k-means on ``embedding`` for every k of ``ks``."""
    from omicslib.papers.p3_clustering.clustering import evaluate

    return pd.DataFrame([{"k": k, **{m: v for m, v in evaluate(embedding, k, n_runs, seed=seed).items()
                                      if m in INTERNAL}} for k in ks])


def best_k(kscan: pd.DataFrame) -> int:
    """The k with the lowest C-index (ties: the smaller k)."""
    return int(kscan.sort_values(["c_index", "k"]).iloc[0]["k"])


def top_features(top: dict) -> list[str]:
    """The union of the per-cluster top lists, in cluster order, without repeats."""
    return list(dict.fromkeys(g for s in sorted(top) for g in top[s]))


# ----------------------------------------------------------------------------- facts

NOT_RUN = "not run"


def _f(v, fmt="{:.3f}"):
    return (NOT_RUN, "{}") if v is None or (isinstance(v, float) and not np.isfinite(v)) else (v, fmt)


def _simple_facts(mean: pd.DataFrame, metrics) -> dict:
    """Per ``(metric, tag)``: the strongest simple baseline's name and mean (``simple_<tag>_method``,
    ``simple_<tag>``) and how many of the paper's methods beat it (``n_beat_simple_<tag>``)."""
    f = {}
    for met, s in metrics:
        best = _strongest_simple(mean[met], met) if met in mean else None
        if best is None:
            f |= {f"simple_{s}_method": (NOT_RUN, "{}"), f"simple_{s}": _f(None), f"n_beat_simple_{s}": _f(None)}
            continue
        value = float(mean.loc[best, met])
        paper = mean.loc[[m for m in PAPER_METHODS if m in mean.index], met]
        beat = (paper > value) if met.removesuffix("_common") in HIGHER_BETTER else (paper < value)
        f |= {f"simple_{s}_method": (SIMPLE_NAMES[best], "{}"), f"simple_{s}": _f(value),
              f"n_beat_simple_{s}": (int(beat.sum()), "{:d}")}
    return f


def _rank_facts(stab: pd.DataFrame, prefix: str = "") -> dict:
    out = {}
    short = {"c_index": "c", "silhouette": "sil", "davies_bouldin": "db"}
    for met, s in short.items():
        for space in SPACES:
            sub = stab[(stab["metric"] == met) & (stab["space"] == space)]
            tag = f"{prefix}{s}_{space}"
            out[f"first_{tag}"] = (int((sub["rank_of_seed_mean"] == 1).sum()), "{:d}")
            out[f"meanrank_{tag}"] = _f(float(sub["rank_of_seed_mean"].mean()) if len(sub) else None, "{:.1f}")
            out[f"rankrange_{tag}"] = _f(float((sub["rank_max"] - sub["rank_min"]).max()) if len(sub) else None, "{:g}")
            out[f"worst_{tag}"] = _f(float(sub["rank_max"].max()) if len(sub) else None, "{:g}")
    out[f"{prefix}n_cells"] = (int(stab[["dataset", "k"]].drop_duplicates().shape[0]), "{:d}")
    return out


def _budget_facts(budget: pd.DataFrame) -> dict:
    b = budget.set_index("method")["optimizer_steps"]
    deep = b[b > 0]
    return {"steps_dmacl": _f(float(b.get("DMACL", np.nan)), "{:.0f}"),
            "steps_min": _f(float(deep.min()) if len(deep) else None, "{:.0f}"),
            "steps_max": _f(float(deep.max()) if len(deep) else None, "{:.0f}")}


def fig2_facts(summary: pd.DataFrame, scores: pd.DataFrame, stab: pd.DataFrame, defk: pd.DataFrame,
               budget: pd.DataFrame) -> dict:
    """Facts of Figure 2 (same keys in every profile)."""
    mean = summary.groupby("method")[["c_index", "silhouette", "davies_bouldin", "ari", "c_index_common"]].mean()
    f = {"n_seeds": (int(scores["seed"].nunique()), "{:d}"), "n_sims": (int(summary["dataset"].nunique()), "{:d}"),
         "n_methods": (int(summary["method"].nunique()), "{:d}")}
    for m, tag in (("DMACL", "dmacl"), ("efVAE", "efvae"), ("kmeans_pca", "pca"), ("consensus", "consensus")):
        for met, s in (("c_index", "c"), ("silhouette", "sil"), ("davies_bouldin", "db"), ("ari", "ari"),
                       ("c_index_common", "c_common")):
            f[f"{tag}_{s}"] = _f(float(mean.loc[m, met]) if m in mean.index else None)
    pca = summary[summary["method"] == "kmeans_pca"]
    f["pca_ari_min"] = _f(float(pca["ari"].min()) if len(pca) else None, "{:.2f}")
    f["pca_c_max"] = _f(float(pca["c_index"].max()) if len(pca) else None)
    f["ari_lowest_method"] = (str(mean["ari"].idxmin()), "{}")
    f |= _simple_facts(mean, (("c_index_common", "c_common"), ("ari", "ari")))
    f |= _rank_facts(stab)
    f |= _budget_facts(budget)
    for col, tag in (("ari", "ari"), ("c_index", "c"), ("c_index_common", "c_common")):
        for which in ("true_K", "default_K"):
            key = f"{col}_{which}"
            f[f"defk_{tag}_{which.lower()}"] = _f(float(defk[key].mean()) if len(defk) and key in defk else None)
    f["defk_n"] = (int(len(defk)), "{:d}")
    return f


def fig4_facts(summary: pd.DataFrame, stab: pd.DataFrame, budget: pd.DataFrame, methods, candidates) -> dict:
    """Facts of Figure 4 (same keys in every profile)."""
    mean = method_means(summary, ("c_index", "silhouette", "davies_bouldin", "c_index_common"))
    f = {"n_cancers": (int(summary["dataset"].nunique()), "{:d}"), "n_methods_run": (len(methods), "{:d}"),
         "n_methods_listed": (len(candidates), "{:d}"), "n_seeds": (int(stab["n_seeds"].max()), "{:d}")}
    for met, s in (("c_index", "c"), ("silhouette", "sil"), ("davies_bouldin", "db"), ("c_index_common", "c_common")):
        f[f"dmacl_{s}"] = _f(float(mean.loc["DMACL", met]))
        order = mean[met].sort_values(ascending=met != "silhouette")
        f[f"dmacl_{s}_rank"] = (int(list(order.index).index("DMACL") + 1), "{:d}")
    f |= _simple_facts(mean, (("c_index_common", "c_common"), ("silhouette", "sil")))
    f |= _rank_facts(stab)
    f |= _budget_facts(budget)
    return f


def aml_facts(sizes: pd.DataFrame, lr: dict, n_surv: int, kscan: pd.DataFrame) -> dict:
    return {"size_min": (int(sizes["samples"].min()), "{:d}"), "size_max": (int(sizes["samples"].max()), "{:d}"),
            "logrank_p": (lr["logrank_p"], "{:.2g}"), "n_survival": (n_surv, "{:d}"),
            "best_k": (best_k(kscan), "{:d}")}


def tcga_facts(res: pd.DataFrame) -> dict:
    r = res.set_index("method")
    best_ari = r["ari"].idxmax()
    sig = r[r["logrank_p"] < 0.05]
    return {"ari_min": (r["ari"].min(), "{:.2f}"), "ari_max": (r["ari"].max(), "{:.2f}"),
            "nmi_min": (r["nmi"].min(), "{:.2f}"), "nmi_max": (r["nmi"].max(), "{:.2f}"),
            "best_ari_method": (str(best_ari), "{}"), "dmacl_ari": (r.loc["DMACL", "ari"], "{:.2f}"),
            "dmacl_nmi": (r.loc["DMACL", "nmi"], "{:.2f}"), "dmacl_sil": (r.loc["DMACL", "silhouette"], "{:.2f}"),
            "dmacl_ari_rank": (int(r["ari"].rank(ascending=False)["DMACL"]), "{:.0f}"),
            "dmacl_logrank_p": (r.loc["DMACL", "logrank_p"], "{:.2g}"),
            "n_sig_logrank": (int(len(sig)), "{:d}"), "min_logrank_p": (r["logrank_p"].min(), "{:.2g}"),
            "min_logrank_method": (str(r["logrank_p"].idxmin()), "{}"), "n_methods": (int(len(r)), "{:d}")}
