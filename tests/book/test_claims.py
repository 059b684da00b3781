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
                provenance="real-subset", n_seeds=3, n_runs=3)
    return C.Claim(**{**base, **kw})


def test_value_rule_uses_ci_then_paper_spread():
    inside = claim(paper_value=0.85, ours=0.84, ci_low=0.83, ci_high=0.86)
    assert C.verdict(inside)[0] == "reproduced"
    by_sd = claim(paper_value=0.85, paper_sd=0.02, ours=0.835, ci_low=0.83, ci_high=0.84)
    assert C.verdict(by_sd)[0] == "reproduced"
    outside = claim(paper_value=0.85, paper_sd=0.005, ours=0.80, ci_low=0.79, ci_high=0.81)
    assert C.verdict(outside)[0] == "not reproduced"
    single = claim(paper_value=0.85, ours=0.80)  # one run, no spread: nothing to judge by
    assert C.verdict(single)[0] == "inconclusive"


def test_synthetic_is_never_a_verdict_and_loses_the_paper_value():
    s = claim(provenance="synthetic", paper_value=0.85, ours=0.85, ci_low=0.84, ci_high=0.86)
    assert C.verdict(s)[0] == "pipeline check"
    df = C.ledger([s])
    assert df.loc[0, "verdict"] == "pipeline check" and math.isnan(df.loc[0, "paper_value"])


def test_absent_data_and_blockers():
    assert C.verdict(claim(provenance=C.ABSENT))[0] == "not testable here"
    v, reason = C.verdict(claim(kind="no_difference", margin=0.02, ours=0.0, ci_low=-0.01, ci_high=0.01, p=0.8,
                                blocker="fusion untrained"))
    assert v == "inconclusive" and reason == "fusion untrained"


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


def test_no_difference_needs_equivalence_not_just_a_large_p():
    tight = claim(kind="no_difference", margin=0.02, ours=0.001, ci_low=-0.01, ci_high=0.012, p=0.7)
    wide = claim(id="w", kind="no_difference", margin=0.02, ours=0.001, ci_low=-0.05, ci_high=0.06, p=0.7)
    sig = claim(id="s", kind="no_difference", margin=0.02, ours=0.03, ci_low=0.02, ci_high=0.04, p=0.001)
    df = C.ledger([tight, wide, sig]).set_index("id")
    assert list(df["verdict"]) == ["reproduced", "inconclusive", "not reproduced"]
    with pytest.raises(ValueError, match="margin"):
        claim(kind="no_difference", ours=0.0, p=0.5)


def test_claim_validation_and_duplicates():
    with pytest.raises(ValueError, match="provenance"):
        claim(provenance="made-up")
    with pytest.raises(ValueError, match="kind"):
        claim(kind="vibes")
    with pytest.raises(ValueError, match="duplicated"):
        C.ledger([claim(), claim()])


def test_counts_and_html_have_every_verdict_column():
    df = C.ledger([claim(id="a", paper_value=0.85, ours=0.84, ci_low=0.83, ci_high=0.86),
                   claim(id="b", provenance="synthetic")])
    t = C.counts(df)
    assert list(t.columns) == list(C.VERDICTS) and t.loc["p1"].sum() == 2
    assert "reproduced" in C.ledger_html(df) and "pipeline check" in C.ledger_html(df)


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


def test_every_paper_reference_file_is_valid():
    for paper in ("p1", "p2", "p3", "p4", "p5"):
        try:
            path = reference.path_of(paper)
        except reference.ReferenceError:
            pytest.skip(f"{paper} has no reference file yet")
        reference.read(path)


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
