"""p1 data: loading (METABRIC or the synthetic adapter), preparation (labels, hold-out, folds, K map)
and the per-fold top-K feature matrices.

Everything fitted from data (ElasticNet ranking, mutation vocabulary) sees only the fold's training
rows (``ranking_scope='fold'``, the default) or the 80 % training part (``'train80'``, the paper's
wording); never hold-out rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from omicslib.data.metabric import SUBTYPES
from omicslib.data.tables import Loaded
from omicslib.papers.p1_crossmodal.config import PAPER_K_GRID, Config, scaled_k_grid
from omicslib.papers.p1_crossmodal.selection import MutationEncoder, Ranking, elasticnet_ranking
from omicslib.splits import HoldoutCV, check_disjoint, holdout_kfold
from omicslib.train import rehearsal_limit


def load_data(data_source: str = "auto", n_synthetic: int = 240, seed: int = 0) -> Loaded:
    """p1's tables (exp, cna, mutations as sample/gene/variant_classification) and labels:
    METABRIC (``auto``/``full``/``real-subset``, see :func:`omicslib.data.metabric.load`) or
    ``synthetic`` (omicslib.data.synthetic, provenance synthetic)."""
    if data_source != "synthetic":
        from omicslib.data import metabric

        return metabric.load(data_source)
    from omicslib.data import synthetic

    syn = synthetic.multiomics(n=n_synthetic, classes=SUBTYPES, n_genes=120, seed=seed)
    m = syn["mutations"].rename(columns={"Tumor_Sample_Barcode": "sample", "Hugo_Symbol": "gene",
                                         "Variant_Classification": "variant_classification"})
    return Loaded({"exp": syn["expression"], "cna": syn["cna"], "mutations": m}, syn.provenance,
                  labels=syn.labels.rename("subtype"), report=["synthetic data: not a reproduction"])


@dataclass
class Prepared:
    """Encoded data and the fixed splits of one run."""

    exp: pd.DataFrame
    cna: pd.DataFrame
    mutations: pd.DataFrame
    y: np.ndarray                                   # class codes 0..3 in SUBTYPES order
    samples: pd.Index
    cv: HoldoutCV
    k_map: dict[int, int]                           # paper K -> our K
    classes: tuple[str, ...] = SUBTYPES
    report: list[str] = field(default_factory=list)

    @property
    def k_note(self) -> str:
        """The K mapping stated on every table."""
        return ("K mapped: " + ", ".join(f"{kp}->{k}" for kp, k in self.k_map.items())
                + f"; CNA K = min(K, {self.cna.shape[1]})")


#: Patients kept under the paper-profile rehearsal's step cap (:func:`omicslib.train.rehearsal_limit`).
REHEARSAL_SAMPLES = 300


def prepare(data: Loaded, cfg: Config) -> Prepared:
    """Encode labels, optionally subsample (smoke; the rehearsal), draw the hold-out and the folds once."""
    y_all = data.labels
    bad = set(y_all.unique()) - set(SUBTYPES)
    if bad:
        raise ValueError(f"labels outside {SUBTYPES}: {sorted(bad)}")
    for name in ("exp", "cna"):
        missing = y_all.index.difference(data[name].index)
        if len(missing):
            raise ValueError(f"{name} table lacks {len(missing)} labelled samples, e.g. {list(missing[:3])}")
    samples = y_all.index
    report = []
    # under the rehearsal's step cap (which checks that a configuration runs, not what it scores) the
    # uncapped inference passes over every patient at the paper's widths would dominate: a subsample
    n_max = rehearsal_limit(cfg.max_samples, keep=REHEARSAL_SAMPLES)
    if n_max and n_max < len(samples):
        from sklearn.model_selection import train_test_split

        samples, _ = train_test_split(samples, train_size=n_max, stratify=y_all.to_numpy(), random_state=cfg.seed)
        samples = pd.Index(sorted(samples))
        why = "smoke" if n_max == cfg.max_samples else "rehearsal (step cap)"
        report.append(f"{why} subsample: {len(samples)} of {len(y_all)} samples")
    y = y_all.loc[samples].map({c: i for i, c in enumerate(SUBTYPES)}).to_numpy()
    cv = holdout_kfold(y, cfg.test_size, cfg.n_folds, cfg.seed)
    for tr, va in cv.folds:
        check_disjoint(tr, va, cv.test)
    exp, cna = data["exp"].loc[samples], data["cna"].loc[samples]
    muts = data["mutations"][data["mutations"]["sample"].isin(samples)]
    k_map = scaled_k_grid(exp.shape[1], cfg.k_grid, cfg.k_max, top=max(max(cfg.k_grid), max(PAPER_K_GRID)))
    return Prepared(exp, cna, muts, y, samples, cv, k_map,
                    report=report)


@dataclass
class FoldFeatures:
    """Top-K features of one (K, fold), selected on ``fit_rows`` only."""

    exp_genes: list[str]
    cna_genes: list[str]
    mut_features: list[str]
    X: dict[str, np.ndarray]                        # 'exp', 'cna', 'mut': all samples, selected columns
    zero_filled: dict[str, int] = field(default_factory=dict)   # zero-coefficient features among the top-K


def rank_modalities(prep: Prepared, rows, cfg: Config) -> dict[str, Ranking]:
    """ElasticNet rankings of EXP and CNA fitted on ``rows`` (positions) only."""
    kw = dict(l1_ratio=cfg.enet_l1_ratio, C=cfg.enet_C, seed=cfg.seed)
    return {"exp": elasticnet_ranking(prep.exp, prep.y, rows, **kw),
            "cna": elasticnet_ranking(prep.cna, prep.y, rows, **kw)}


def fit_rows(prep: Prepared, fold: int, cfg: Config) -> np.ndarray:
    """The rows a fold's ranking and mutation vocabulary are fitted on (see ``ranking_scope``)."""
    return prep.cv.folds[fold][0] if cfg.ranking_scope == "fold" else prep.cv.train


def fold_rankings(prep: Prepared, cfg: Config) -> list[dict[str, Ranking]]:
    """The rankings each fold uses: fitted on that fold's training rows (``ranking_scope='fold'``)
    or once on the 80 % training part (``'train80'``)."""
    if cfg.ranking_scope == "train80":
        return [rank_modalities(prep, prep.cv.train, cfg)] * len(prep.cv.folds)
    return [rank_modalities(prep, tr, cfg) for tr, _ in prep.cv.folds]


def fold_features(prep: Prepared, rankings: dict[str, Ranking], k: int, rows, cfg: Config) -> FoldFeatures:
    """Top-K EXP and CNA columns (CNA capped at its gene count) + the mutation multi-hot whose
    vocabulary comes from ``rows``."""
    eg, cg = rankings["exp"].top(k), rankings["cna"].top(k)
    enc = MutationEncoder(cfg.mut_min_count).fit(prep.mutations, prep.samples[np.asarray(rows)])
    if not enc.features_:
        raise ValueError(f"no Gene+Variant_Classification combination occurs in >= {cfg.mut_min_count} training "
                         "samples; lower mut_min_count")
    mut = enc.transform(prep.mutations, prep.samples)
    X = {"exp": prep.exp[eg].to_numpy(np.float32), "cna": prep.cna[cg].to_numpy(np.float32),
         "mut": mut.to_numpy(np.float32)}
    zero = {m: rankings[m].n_zero_in_top(k) for m in ("exp", "cna")}
    return FoldFeatures(eg, cg, enc.features_, X, zero)


def _count_row(row: dict) -> dict:
    """A comparison row of counts keeps the paper's count an integer (as the paper prints it)."""
    return {**row, "paper": int(row["paper"])}


def table1_rows(data: Loaded) -> list[dict]:
    """Table 1: samples per subtype (ours) beside the paper's counts (reference keys ``t1_*``)."""
    from omicslib.book.report import vs_paper
    from omicslib.data.metabric import SUBTYPE_NAMES

    keys = {"LumA": "t1_luma", "LumB": "t1_lumb", "Her2": "t1_her2", "Basal": "t1_basal"}
    counts = data.labels.value_counts()
    rows = [vs_paper("p1", keys[c], int(counts.get(c, 0)), item=SUBTYPE_NAMES[c]) for c in SUBTYPES]
    rows.append(vs_paper("p1", "t1_total", int(counts.sum())))
    return [_count_row(r) for r in rows]


def modality_sizes(prep: Prepared) -> tuple[list[dict], MutationEncoder]:
    """Modality sizes beside the paper's (mutation vocabulary from the 80 % training part, every
    combination kept); returns the comparison rows and the fitted encoder."""
    from omicslib.book.report import vs_paper

    enc = MutationEncoder(1).fit(prep.mutations, prep.samples[prep.cv.train])
    rows = [vs_paper("p1", "n_exp_genes", prep.exp.shape[1]),
            vs_paper("p1", "n_cna_genes", prep.cna.shape[1]),
            vs_paper("p1", "n_mut_features", len(enc.features_)),
            vs_paper("p1", "n_mut_genes", len({f.split("_")[0] for f in enc.features_})),
            vs_paper("p1", "n_variant_categories", len(enc.categories_))]
    return [_count_row(r) for r in rows], enc


def top20(ranking: Ranking, modality: str, present) -> tuple[pd.DataFrame, list[dict], dict]:
    """Tables 2-3: the paper's top-20 genes (reference keys ``t2_rank01..20`` / ``t3_*``) beside ours.

    ``present`` are the genes of our data. Returns the side-by-side gene table, the comparison rows
    (|coefficient| per rank, non-zero count) and a summary (genes present, overlap, our ranks of
    the paper's genes)."""
    from omicslib.book import reference
    from omicslib.book.report import vs_paper

    t = {"exp": "t2", "cna": "t3"}[modality]
    keys = [f"{t}_rank{i:02d}" for i in range(1, 21)]
    ref = reference.load("p1")
    genes = [ref.loc[k, "item"] for k in keys]
    coef = [reference.value("p1", k) for k in keys]
    present = set(present)
    r = ranking.table.head(20)
    side = pd.DataFrame({"rank": range(1, 21), "paper_gene": genes, "paper_coefficient": coef,
                         "paper_gene_in_our_data": [g in present for g in genes]})
    side = side.merge(r.rename(columns={"feature": "our_gene", "coefficient": "our_coefficient",
                                        "class": "our_class"})[["rank", "our_gene", "our_coefficient", "our_class"]],
                      on="rank", how="left")
    ours_all = ranking.table["feature"].tolist()
    rows = [vs_paper("p1", keys[i], float(abs(r["coefficient"].iloc[i])) if i < len(r) else np.nan,
                     item=f"rank {i + 1}",
                     note=f"paper {genes[i]} / ours {r['feature'].iloc[i] if i < len(r) else '-'}")
            for i in range(20)]
    rows.append(vs_paper("p1", f"n_nonzero_{modality}", ranking.n_nonzero, item="non-zero coefficients",
                         note=f"of {len(ours_all)} genes available"))
    summary = {"n_present": int(side["paper_gene_in_our_data"].sum()),
               "overlap": sorted(set(genes) & set(r["feature"])),
               "our_rank_of_paper_gene": {g: ours_all.index(g) + 1 for g in genes if g in ours_all},
               "n_nonzero": ranking.n_nonzero, "n_features": len(ours_all)}
    return side, rows, summary


def data_claims(data: Loaded, prep: Prepared, enc: MutationEncoder, rankings: dict[str, Ranking]) -> list:
    """Tables 1–3 and the Methods' counts as claims: counts we can recount on the real data (``exact``),
    and those that need genes we do not have (provenance ``absent``, with the reason).

    The cohort (labels, three-modality availability) and the mutation table are the full study's, so
    their counts carry provenance ``full``; on synthetic data every claim is a pipeline check."""
    from omicslib.book import reference
    from omicslib.book.claims import ABSENT, value_claim

    def r(key):
        return reference.text("p1", key)

    syn = data.provenance.is_synthetic
    full = "synthetic" if syn else "full"
    counts = data.labels.value_counts()
    cohort_note = (f"the cohort rule (expression, CNA and a mutation call; LumA/LumB/Her2/Basal) gives "
                   f"{int(counts.sum()):,} samples in the full cBioPortal study (data README: metabric/drga_31genes); "
                   f"the paper's {r('t1_total')} reflects a filter it does not state")
    kw = dict(n_seeds=0, unit="one count")
    sub = "a smoke subsample of the cohort: not the cohort's count" if any("subsample" in r for r in prep.report) else ""
    out = []
    for c, key in (("LumA", "t1_luma"), ("LumB", "t1_lumb"), ("Her2", "t1_her2"), ("Basal", "t1_basal")):
        out.append(value_claim("p1", f"table1_{c.lower()}", f"Table 1: {c} samples with all three modalities", key,
                               provenance=full, test="recount of the labelled samples with all three modalities",
                               estimate=int(counts.get(c, 0)), kind="exact", note=cohort_note, **kw))
    out.append(value_claim("p1", "table1_total", "Table 1: samples with all three modalities", "t1_total",
                           provenance=full, test="recount", estimate=int(counts.sum()), kind="exact",
                           note=cohort_note, **kw))
    out.append(value_claim("p1", "holdout_size", "Hold-out samples (20 % stratified; Table 6 caption)", "n_holdout",
                           provenance=full, test="size of our stratified 20 % hold-out", estimate=len(prep.cv.test),
                           kind="exact", note="follows from the cohort size", blocker=sub, **kw))
    mut_note = "the same mutation table (cBioPortal 2018 export); vocabulary from our 80 % training part"
    out.append(value_claim("p1", "mut_genes", f"Mutation data cover {r('n_mut_genes')} genes", "n_mut_genes",
                           provenance=full,
                           test="genes with a mutation call in the cohort",
                           estimate=prep.mutations["gene"].nunique(), kind="exact", note=mut_note, blocker=sub, **kw))
    out.append(value_claim("p1", "mut_features",
                           f"{r('n_mut_features')} Gene + Variant_Classification features (training set)",
                           "n_mut_features", provenance=full, test="multi-hot vocabulary of our 80 % training part",
                           estimate=len(enc.features_), kind="exact",
                           note=mut_note + "; another split or cohort filter changes the count", blocker=sub, **kw))
    out.append(value_claim("p1", "mut_categories",
                           f"{r('n_variant_categories')} Variant_Classification categories in the training set",
                           "n_variant_categories", provenance=full, test="categories in our 80 % training part",
                           estimate=len(enc.categories_), kind="exact", note=mut_note, blocker=sub, **kw))
    gene_note = (f"needs the full matrices: our expression has {prep.exp.shape[1]} of the study's genes (Kaggle "
                 f"METABRIC table) and our CNA {prep.cna.shape[1]} driver genes (data README)")
    absent = [("exp_genes", f"Gene expression of {r('n_exp_genes')} genes", "n_exp_genes"),
              ("cna_genes", f"CNA of {r('n_cna_genes')} genes", "n_cna_genes"),
              ("enet_nonzero_exp", f"ElasticNet sparsity: {r('n_nonzero_exp')} non-zero expression features",
               "n_nonzero_exp"),
              ("enet_nonzero_cna", f"ElasticNet sparsity: about {r('n_nonzero_cna')} non-zero CNA features",
               "n_nonzero_cna"),
              ("table2_top20_exp", "Table 2: the top-20 expression genes by |coefficient|", "t2_rank01"),
              ("table3_top20_cna", "Table 3: the top-20 CNA genes by |coefficient|", "t3_rank01")]
    ours = {"enet_nonzero_exp": f"ours on {prep.exp.shape[1]} genes: {rankings['exp'].n_nonzero} non-zero",
            "enet_nonzero_cna": f"ours on {prep.cna.shape[1]} genes: {rankings['cna'].n_nonzero} non-zero"}
    for cid, stmt, key in absent:
        out.append(value_claim("p1", cid, stmt, key, provenance="synthetic" if syn else ABSENT,
                               test="not run: the genes are not in our data", kind="exact",
                               note=gene_note + (f"; {ours[cid]} (not comparable)" if cid in ours else ""), **kw))
    return out


def subset_scope(prep: Prepared) -> str:
    """The real-subset scope of a verdict: our genes against the paper's (reference file)."""
    from omicslib.book import reference

    n_exp, n_cna = (int(reference.value("p1", k)) for k in ("n_exp_genes", "n_cna_genes"))
    return f"{prep.exp.shape[1]} of {n_exp:,} expression genes, {prep.cna.shape[1]} of {n_cna:,} CNA genes"
