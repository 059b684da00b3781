"""Verdict rules on constructed cases, the reference-file schema and recorded facts."""

import json
import math

import pandas as pd
import pytest

from omicslib.book import claims as C
from omicslib.book import reference
from omicslib.book.report import FACTS_FILE, Run


def claim(**kw):
    base = dict(paper="p1", id="c", statement="s", locator="Table 1", kind="value", test="t",
                provenance="real-subset", n_seeds=3, n_runs=3, ci_level=0.90)
    return C.Claim(**{**base, **kw})


def test_value_rule_four_outcomes_of_equivalence_and_difference():
    """Lakens' four outcomes, hand-computed. Band 0.85 ± 0.03 = [0.82, 0.88]; the 95 % CI is the 90 % one widened
    about the estimate by z0.975 / z0.95 = 1.959964 / 1.644854 = 1.191573."""
    band = dict(paper_value=0.85, tolerance=0.03, tolerance_reason="stated", ci_level=0.90)
    same = claim(**band, ours=0.85, ci_low=0.84, ci_high=0.86)  # inside the band, 95 % CI includes 0.85
    v, reason = C.verdict(same)
    assert v == "reproduced" and reason.startswith("equivalent within ±0.03")
    near = claim(**band, ours=0.835, ci_low=0.828, ci_high=0.842)  # inside, but 95 % CI [0.8267, 0.8433] excludes 0.85
    v, reason = C.verdict(near)
    assert v == "reproduced" and "a difference inside the tolerance: 0.015 lower than the paper, worse" in reason
    below = claim(**band, ours=0.80, ci_low=0.79, ci_high=0.83)  # straddles 0.82 but excludes 0.85: different
    v, reason = C.verdict(below)
    assert v == "not reproduced" and reason.startswith("0.05 lower than the paper, worse")
    assert "95% CI excludes the paper's value" in reason
    undecided = claim(**band, ours=0.83, ci_low=0.81, ci_high=0.86)  # 95 % CI [0.8062, 0.8638] includes 0.85
    v, reason = C.verdict(undecided)
    assert v == "inconclusive" and reason.startswith("undetermined")
    single = claim(**band, ours=0.85)  # one run: no interval
    assert C.verdict(single)[0] == "inconclusive"


def test_an_estimate_whose_ci_excludes_the_paper_is_directional_not_underpowered():
    """A wide CI entirely below the paper's value was once "underpowered"; it is a shortfall."""
    wide_low = claim(paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.78, ci_low=0.745, ci_high=0.815)
    v, reason = C.verdict(wide_low)
    assert v == "not reproduced" and "lower than the paper, worse" in reason
    df = C.ledger([wide_low])
    assert df.loc[0, "direction"] == "lower" and df.loc[0, "better"] == "worse"
    assert df.loc[0, "delta"] == pytest.approx(-0.07) and df.loc[0, "delta_ci_high"] == pytest.approx(-0.035)
    # lower is better for Davies-Bouldin: a lower value than the paper is "better"
    db = claim(metric="Davies-Bouldin", paper_value=0.46, tolerance=0.05, tolerance_reason="r", ours=0.30,
               ci_low=0.28, ci_high=0.32)
    assert C.ledger([db]).loc[0, "better"] == "better" and "lower is better" in C.verdict(db)[1]


def test_an_equal_but_imprecise_estimate_stays_inconclusive_and_says_the_tolerance_is_below_precision():
    wide = claim(paper_value=0.85, tolerance=0.03, tolerance_reason="stated", ours=0.85, ci_low=0.70, ci_high=0.99)
    v, reason = C.verdict(wide)
    assert v == "inconclusive" and "below our data's precision" in reason
    # the smallest tolerance these data could confirm: max(0.85 - 0.70, 0.99 - 0.85) = 0.15
    assert C.min_tolerance(wide) == pytest.approx(0.15) and "±0.15" in reason


def test_design_tolerance_formulas_by_hand():
    # binomial: 1.959964 * sqrt(2) * sqrt(0.85 * 0.15 / 305) = 0.056668
    tol, why = C.design_tolerance(0.85, n_test=305)
    assert tol == pytest.approx(1.959964 * 2 ** 0.5 * (0.85 * 0.15 / 305) ** 0.5, rel=1e-6)
    assert tol == pytest.approx(0.05667, abs=1e-5) and "n = 305" in why
    # the paper's SD over 5 folds: 1.959964 * sqrt(2) * 0.02 / sqrt(5) = 0.024792
    assert C.design_tolerance(0.85, sd=0.02, runs=5, n_test=305)[0] == pytest.approx(0.024792, abs=1e-6)
    # one run, no spread: t(0.975, 4) = 2.776445 (R: qt(0.975, 4)); 2.776445 * 0.01 * sqrt(1 + 1/5) = 0.030415
    assert C.design_tolerance(0.02, seed_sd=0.01, n_seeds=5, binomial=False)[0] == pytest.approx(0.030415, abs=1e-6)
    assert math.isnan(C.design_tolerance(3.0, binomial=False)[0])
    # the derived band at the paper's own design admits an estimate equal to the paper's on ~300 cases:
    # our 90 % half-width 1.644854 * sqrt(0.85 * 0.15 / 309) = 0.03341 < 0.0567
    half = 1.644854 * (0.85 * 0.15 / 309) ** 0.5
    exact = claim(paper_value=0.85, tolerance=tol, tolerance_reason=why, ours=0.85, ci_low=0.85 - half, ci_high=0.85 + half)
    assert C.verdict(exact)[0] == "reproduced"


def test_text_rows_are_arithmetic_and_never_counted_as_results():
    t = claim(id="t", kind="text", provenance=C.PAPER_TEXT, paper_value=1523, ours=1523, tolerance=0.0,
              tolerance_reason="exact arithmetic")
    n = claim(id="n", kind="exact", metric="samples", paper_value=1523, ours=1543, tolerance=0.0, tolerance_reason="c")
    r = claim(id="r", paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.85, ci_low=0.84, ci_high=0.86)
    q = claim(id="q", section="ours", kind="better", family="f", ours=0.02, ci_low=0.01, ci_high=0.03, p=0.001)
    df = C.ledger([t, n, r, q]).set_index("id")
    assert list(df["section"]) == ["arithmetic", "data", "result", "ours"]
    assert list(df["verdict"]) == ["consistent", "differs", "reproduced", "supported"]
    assert df.loc["n", "direction"] == "higher" and df.loc["n", "better"] == ""  # a count has no better side
    res = C.counts(df.reset_index(), "result")
    assert res.loc["p1"].sum() == 1 and res.loc["p1", "reproduced"] == 1
    assert C.counts(df.reset_index(), "arithmetic").loc["p1", "consistent"] == 1


def test_exact_and_text_claims_decide_without_an_interval():
    n = claim(kind="exact", paper_value=1523, ours=1543, tolerance=0.0, tolerance_reason="a count")
    assert C.verdict(n)[0] == "differs"
    assert C.verdict(claim(kind="exact", paper_value=5, ours=5, tolerance=0.0, tolerance_reason="a count"))[0] == \
        "matches"
    rank = claim(kind="exact", metric="silhouette rank among the methods", paper_value=3, ours=1, tolerance=0.0,
                 tolerance_reason="a rank")
    assert C.verdict(rank)[0] == "not reproduced" and C.ledger([rank]).loc[0, "better"] == "better"
    t = claim(kind="text", provenance=C.PAPER_TEXT, paper_value=1523, ours=662 + 449 + 214 + 198, tolerance=0.0,
              tolerance_reason="exact arithmetic")
    v, reason = C.verdict(t)  # 662 + 449 + 214 + 198 = 1523: the printed total adds up
    assert v == "consistent" and "agree" in reason
    with pytest.raises(ValueError, match="text claim"):
        claim(kind="text")  # a text claim's provenance is the paper's own numbers


def test_other_cohort_values_are_labelled_differences_and_not_run_is_one_label():
    oc = claim(provenance="other-cohort", paper_value=0.82, tolerance=0.03, tolerance_reason="r", ours=0.95,
               ci_low=0.94, ci_high=0.96)
    v, reason = C.verdict(oc)
    assert v == "other cohort" and "higher than the paper, better" in reason
    nr = claim(id="nr", not_run="not run in this profile")
    assert C.verdict(nr) == ("not run", "not run in this profile")
    nr_cmp = claim(id="nc", kind="no_difference", family="f", not_run="not run in this profile")  # no margin needed
    assert C.ledger([nr, nr_cmp])["verdict"].tolist() == ["not run", "not run"]


def test_zero_variance_values_give_an_undefined_interval_not_a_point():
    m, lo, hi, n = C.interval([0.0, 0.0, 0.0])
    assert (m, n) == (0.0, 3) and math.isnan(lo) and math.isnan(hi)
    assert math.isnan(C.interval([1e-18, 0.0, 2e-18])[1])  # float noise around 0 is no spread either
    assert C.default_tolerance("silhouette rank")[0] == 0 and C.default_tolerance("C-index rank")[0] == 0
    assert math.isnan(C.default_tolerance("precision")[0]) and C.default_tolerance("number of genes")[0] == 0
    m, lo, hi, n = C.interval([1.0, 2.0, 3.0], 0.90)  # mean 2, sd 1, R qt(0.95, 2) = 2.919986: 2 ± 2.919986/sqrt(3)
    assert (m, n) == (2.0, 3) and lo == pytest.approx(2 - 1.685855, abs=1e-6) and hi == pytest.approx(2 + 1.685855, abs=1e-6)


def test_value_claim_reads_tolerance_from_reference_then_the_paper_design(monkeypatch):
    rows = pd.DataFrame({"key": ["a", "b", "c", "design_n_test", "design_runs"], "item": "x",
                         "metric": ["AUC", "AUC", "macro-F1", "test cases", "folds"],
                         "value": ["0.8", "0.8", "0.8", "300", "5"], "sd": ["", "0.05", "", "", ""], "locator": "Table 9",
                         "quote": "", "note": "", "tolerance": ["0.01", "", "", "", ""],
                         "tolerance_reason": ["rounding", "", "", "", ""]}).set_index("key")
    monkeypatch.setattr(reference, "_load", lambda paper: rows)
    c = C.value_claim("p1", "a", "s", "a", provenance="full", test="t", values=[0.79, 0.80, 0.81])
    assert (c.tolerance, c.tolerance_reason, c.ci_level) == (0.01, "rounding", 0.90)
    # the paper's SD over its 5 runs: 1.959964 * sqrt(2) * 0.05 / sqrt(5) = 0.061980
    assert C.value_claim("p1", "b", "s", "b", provenance="full", test="t", values=[0.8]).tolerance == \
        pytest.approx(0.061980, abs=1e-6)
    d = C.value_claim("p1", "c", "s", "c", provenance="full", test="t", estimate=0.95, ci=(0.9, 1.2), n_runs=3,
                      baseline=("logistic", 0.7, (0.6, 0.8)))
    # binomial on the paper's 300 test cases: 1.959964 * sqrt(2) * sqrt(0.8 * 0.2 / 300) = 0.064013
    assert d.tolerance == pytest.approx(0.064013, abs=1e-6) and "n = 300" in d.tolerance_reason
    assert d.ci_high == 1.0 and d.baseline_value == 0.7  # a bounded metric's CI is clipped to [0, 1]
    assert d.metric == "macro-F1" and d.section == "result"


def test_synthetic_is_never_a_verdict_and_loses_the_paper_value():
    s = claim(provenance="synthetic", paper_value=0.85, ours=0.85, ci_low=0.84, ci_high=0.86)
    assert C.verdict(s)[0] == "pipeline check"
    df = C.ledger([s])
    assert df.loc[0, "verdict"] == "pipeline check" and math.isnan(df.loc[0, "paper_value"])


def test_absent_data_blockers_and_scope():
    assert C.verdict(claim(provenance=C.ABSENT))[0] == "not testable here"
    v, reason = C.verdict(claim(kind="no_difference", margin=0.02, margin_reason="m", ours=0.0, ci_low=-0.01,
                                ci_high=0.01, p=0.8, blocker="fusion untrained"))
    assert v == "inconclusive" and reason == "fusion untrained"
    v, reason = C.verdict(claim(paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.84, ci_low=0.83,
                                ci_high=0.86, scope="on 489 of 20,603 genes"))
    assert v == "reproduced" and reason.endswith("on a real subset: on 489 of 20,603 genes")


def test_comparative_claims_are_holm_adjusted_within_their_family():
    a = claim(id="a", kind="better", family="f", ours=0.02, ci_low=0.01, ci_high=0.03, p=0.02)
    b = claim(id="b", kind="better", family="f", ours=0.02, ci_low=0.01, ci_high=0.03, p=0.04)
    other = claim(id="o", kind="better", family="g", ours=0.02, ci_low=0.01, ci_high=0.03, p=0.04)
    df = C.ledger([a, b, other]).set_index("id")
    assert df.loc["a", "p_holm"] == pytest.approx(0.04) and df.loc["b", "p_holm"] == pytest.approx(0.04)
    assert (df["verdict"] == "reproduced").all()  # 0.04 < 0.05 in both families
    opposite = claim(id="x", kind="better", family="h", ours=-0.02, ci_low=-0.03, ci_high=-0.01, p=0.001)
    assert C.ledger([opposite]).loc[0, "verdict"] == "not reproduced"
    weak = claim(id="w", kind="better", family="h", ours=0.02, ci_low=-0.01, ci_high=0.05, p=0.3)
    assert C.ledger([weak]).loc[0, "verdict"] == "inconclusive"
    zero = claim(id="z", kind="better", family="h", ours=0.0, ci_low=-0.01, ci_high=0.01, p=1.0)
    assert C.ledger([zero]).loc[0, "reason"].startswith("zero effect: no direction")  # not "opposite direction"


def test_holm_counts_blocked_and_untested_members_of_the_declared_family():
    """Family of 3: p = 0.02 alone would pass; with two untested members at p = 1 Holm gives 3 × 0.02 = 0.06."""
    a = claim(id="a", kind="better", family="f", ours=0.02, ci_low=0.01, ci_high=0.03, p=0.02)
    blocked = claim(id="b", kind="better", family="f", ours=0.02, ci_low=0.01, ci_high=0.03, p=0.01,
                    blocker="fusion untrained")
    absent = claim(id="c", kind="better", family="f", provenance=C.ABSENT)
    df = C.ledger([a, blocked, absent]).set_index("id")
    assert df.loc["a", "p_holm"] == pytest.approx(0.06) and df.loc["a", "verdict"] == "inconclusive"
    assert df.loc["b", "verdict"] == "inconclusive" and math.isnan(df.loc["c", "p_holm"])


def test_a_better_claim_is_refuted_when_its_advantage_is_below_the_margin():
    small = claim(kind="better", ours=0.002, ci_low=-0.004, ci_high=0.008, p=0.5, margin=0.02, margin_reason="m")
    v, reason = C.verdict(small, 0.5)
    assert v == "not reproduced" and "below the stated margin" in reason
    flipped = claim(kind="better", expected_sign=-1, ours=-0.002, ci_low=-0.008, ci_high=0.004, p=0.5, margin=0.02,
                    margin_reason="m")  # paper says B beats A: advantage = −(A − B) in [−0.004, 0.008]
    assert C.verdict(flipped, 0.5)[0] == "not reproduced"
    with pytest.raises(ValueError, match="margin_reason"):
        claim(kind="better", margin=0.02)


def test_no_difference_needs_equivalence_not_just_a_large_p():
    m = dict(margin=0.02, margin_reason="m")
    tight = claim(kind="no_difference", **m, ours=0.001, ci_low=-0.01, ci_high=0.012, p=0.7)
    wide = claim(id="w", kind="no_difference", **m, ours=0.001, ci_low=-0.05, ci_high=0.06, p=0.7)
    sig = claim(id="s", kind="no_difference", **m, ours=0.03, ci_low=0.025, ci_high=0.04, p=0.001)
    df = C.ledger([tight, wide, sig]).set_index("id")
    assert list(df["verdict"]) == ["reproduced", "inconclusive", "not reproduced"]
    assert "below the comparison's precision" in df.loc["w", "reason"]  # margin 0.02 < half-width 0.055
    with pytest.raises(ValueError, match="margin"):
        claim(kind="no_difference", ours=0.0, p=0.5)


def test_a_no_difference_margin_is_never_below_the_papers_own_delta():
    """The paper printed Δ = +0.0246 and called it no difference: the margin is at least 0.0246."""
    c = claim(kind="no_difference", margin=0.02, margin_reason="m", paper_value=0.0246, ours=0.022, ci_low=0.0,
              ci_high=0.024, p=0.1)
    df = C.ledger([c])
    assert df.loc[0, "margin"] == pytest.approx(0.0246) and "own |Δ|" in df.loc[0, "margin_reason"]
    assert df.loc[0, "verdict"] == "reproduced"


def test_superiority_and_no_difference_claims_never_share_a_holm_family():
    """One declared family with a better claim at p = 0.01 and two no-difference claims: Holm over the single
    superiority claim leaves 0.01 (it would be 0.03 over all three)."""
    b = claim(id="b", kind="better", family="f", ours=0.02, ci_low=0.01, ci_high=0.03, p=0.01)
    n1 = claim(id="n1", kind="no_difference", family="f", margin=0.02, margin_reason="m", ours=0.0, ci_low=-0.01,
               ci_high=0.01, p=0.9)
    n2 = claim(id="n2", kind="no_difference", family="f", margin=0.02, margin_reason="m", ours=0.05, ci_low=0.03,
               ci_high=0.07, p=0.02)
    df = C.ledger([b, n1, n2]).set_index("id")
    assert df.loc["b", "p_holm"] == pytest.approx(0.01)
    assert df.loc["n2", "p_holm"] == pytest.approx(0.04)  # Holm over {0.9, 0.02}: 2 × 0.02
    fam = C.families(df.reset_index())
    assert sorted(fam["family"]) == ["f (no difference)", "f (superiority)"] and fam["members"].sum() == 3
    assert fam["tested"].sum() == 3


def test_an_undefined_test_is_inconclusive_not_a_p_value():
    c = claim(kind="better", family="f", ours=0.0 + 1e-9, ci_low=-0.01, ci_high=0.01)  # p is NaN: no information
    v, reason = C.verdict(c, float("nan"))
    assert v == "inconclusive" and "undefined" in reason


def test_claim_validation_and_duplicates():
    with pytest.raises(ValueError, match="provenance"):
        claim(provenance="made-up")
    with pytest.raises(ValueError, match="kind"):
        claim(kind="vibes")
    with pytest.raises(ValueError, match="tolerance"):
        claim(tolerance=0.1)
    with pytest.raises(ValueError, match="duplicated"):
        C.ledger([claim(), claim()])


def test_counts_and_html_put_the_verdict_first():
    df = C.ledger([claim(id="a", paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.84, ci_low=0.83,
                         ci_high=0.86, baseline="logistic", baseline_value=0.8),
                   claim(id="b", provenance="synthetic"),
                   claim(id="c", paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.95, ci_low=0.94,
                         ci_high=0.96)])
    t = C.counts(df)
    assert list(t.columns)[:len(C.SECTION_VERDICTS["result"])] == list(C.SECTION_VERDICTS["result"])
    assert t.loc["p1", "reproduced"] == 1 and t.loc["p1", "not reproduced: better"] == 1
    assert t.loc["p1", list(C.SECTION_VERDICTS["result"])].sum() == 3
    html = C.ledger_html(df)
    assert html.index('class="verdict"') < html.index('class="statement"')
    assert "not reproduced: better" in html and "pipeline check" in html and "logistic: 0.800" in html
    assert "+0.100" in html  # ours − paper for claim c


def test_with_rules_recomputes_a_stored_ledger(tmp_path):
    df = C.ledger([claim(id="a", paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.78, ci_low=0.745,
                         ci_high=0.815)])
    path = tmp_path / "claims.csv"
    df.assign(verdict="inconclusive").to_csv(path, index=False)  # a verdict of an older rule
    again = C.with_rules(pd.read_csv(path))
    assert again.loc[0, "verdict"] == "not reproduced" and again.loc[0, "better"] == "worse"


def _write_ref(tmp_path, rows):
    path = tmp_path / "reference.csv"
    pd.DataFrame(rows, columns=reference.COLUMNS).to_csv(path, index=False)
    return path


def test_reference_schema_errors_name_the_file_and_key(tmp_path):
    good = ["t4_best", "K=1000 EXP+CNA", "macro-F1", "0.8589", "", "Table 4", "", ""]
    assert reference.read(_write_ref(tmp_path, [good])).loc[0, "value"] == "0.8589"
    for rows, msg in [([good, good], "duplicated"), ([["Bad-Key", "i", "m", "1", "", "Table 1", "", ""]], "keys must match"),
                      ([["k", "i", "m", "abc", "", "Table 1", "", ""]], "value must be a number"),
                      ([["k", "i", "m", "0.5", "", "", "", ""]], "locator")]:
        with pytest.raises(reference.ReferenceError, match=msg) as e:
            reference.read(_write_ref(tmp_path, rows))
        assert "reference.csv" in str(e.value)


@pytest.mark.parametrize("paper", ["p1", "p2", "p3", "p4", "p5"])
def test_every_paper_reference_file_is_valid(paper):
    reference.read(reference.path_of(paper))


def test_facts_are_written_formatted_and_namespaced(tmp_path):
    run = Run(paper="p1", notebook="p1_02_grid", profile="smoke", outdir=tmp_path)
    assert run.fact("friedman_chi2", 11.9612) == "11.961"
    assert run.fact("n_samples", 1543, "{:,d}") == "1,543"
    assert run.fact("share", 0.25, "{:.0%}") == "25%"
    d = json.loads((tmp_path / FACTS_FILE).read_text())
    assert d["namespace"] == "p1_02" and d["facts"]["n_samples"]["text"] == "1,543"
    with pytest.raises(ValueError, match="missing number"):
        run.fact("bad", float("nan"))
    with pytest.raises(ValueError, match="fact key"):
        run.fact("Bad key", 1.0)
    Run(paper="p1", notebook="p1_02_grid", profile="smoke", outdir=tmp_path)  # a new run starts clean
    assert not (tmp_path / FACTS_FILE).exists()


def test_facts_at_once_mark_missing_numbers_and_show_a_complete_vertical_table(tmp_path):
    run = Run(paper="p2", notebook="p2_03_fusion", profile="smoke", outdir=tmp_path)
    items = {f"k{i}": (i / 3, "{:.2f}") for i in range(70)} | {"undefined_p": (float("nan"), "{:.3f}")}
    shown = run.facts(items)
    facts = json.loads((tmp_path / FACTS_FILE).read_text())["facts"]
    assert facts["k2"]["text"] == "0.67" and facts["undefined_p"]["text"] == "n/a" and len(facts) == 71
    html = shown._repr_html_()
    assert html.count("<tr>") == 72 and "<code>k69</code></td><td>23.00" in html   # header + every fact


def test_a_reference_tolerance_needs_its_reason(tmp_path):
    path = tmp_path / "reference.csv"
    pd.DataFrame([["k", "i", "AUC", "0.8", "", "Table 2", "", "", "0.02", ""]],
                 columns=reference.COLUMNS + ["tolerance", "tolerance_reason"]).to_csv(path, index=False)
    with pytest.raises(reference.ReferenceError, match="tolerance_reason"):
        reference.read(path)
