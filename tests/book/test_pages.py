"""Hand-written book pages quote results and paper values; they never type them."""

import re

import pytest

from omicslib.book import pages
from omicslib.book.pages import BOOK, GENERATED

# A number a page may type, with the reason. Everything else with a decimal point, a percent sign or a
# thousands separator must come in through {{ namespace.key }} (facts or the paper's reference file).
ALLOWED = {
    "3.11": "Python version the environment pins",
    "95 %": "the confidence level of every interval (a convention, not a result)",
    "90 %": "the two-sided level of the value rule's two one-sided tests at α = 0.05 (a convention, not a result)",
}
_DIRECTIVE = re.compile(r"^(```+|:::+)\{[^}\n]*\}[^\n]*\n(.*?)^\1\s*$", re.S | re.M)  # {directive}: keep its text
_FENCE = re.compile(r"^(```+|~~~+)([^\n{]*)\n.*?^\1\s*$", re.S | re.M)  # code blocks
_STRIP = [re.compile(p, re.S) for p in (
    r"<!--.*?-->", r"\{\{.*?\}\}", r"`[^`\n]*`", r"\]\([^)]*\)", r"<[^>\n]+>", r"https?://\S+",
    r"(?:Section|Sections|§|Eq\.|Equation|Table|Figure|Fig\.)\s*[A-Z]?\d+(?:\.\d+)+")]
NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?\s?%|(?<![\w.,])\d{1,3}(?:,\d{3})+(?![\d])|(?<![\w.])\d+\.\d+(?![\w.])")


def hand_written_pages():
    return sorted(p for p in BOOK.rglob("*.md") if "results" not in p.parts
                  and not p.read_text().startswith(GENERATED))


def typed_numbers(text: str) -> list[tuple[int, str]]:
    """(line, number) for every decimal, percentage or thousands-separated number typed into ``text``."""
    while _DIRECTIVE.search(text):  # unwrap (nested) directives first, so their closing fence opens no code block
        text = _DIRECTIVE.sub(lambda m: "\n" + m.group(2) + "\n", text)
    text = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    for pat in _STRIP:
        text = pat.sub(lambda m: "\n" * m.group(0).count("\n"), text)
    out = []
    for i, line in enumerate(text.splitlines(), 1):
        out += [(i, m.group(0)) for m in NUMBER.finditer(line) if m.group(0) not in ALLOWED]
    return out


def test_typed_number_detector():
    text = ("F1 0.8589 and 93.5 % on 1,543 samples; K = 300.\n{{ p1_02.f1 }} `0.5` [x](a/0.5.md)\n"
            "```bash\nrun --lr 0.001\n```\nSection 3.2; version 1.0.4\n"
            "```{list-table}\n* - 0.25\n```\nthen 0.75\n```bash\nx 0.1\n```\n")
    found = typed_numbers(text)
    assert found[:3] == [(1, "0.8589"), (1, "93.5 %"), (1, "1,543")]
    assert [n for _, n in found[3:]] == ["0.25", "0.75"]  # directive text is checked; code blocks are not


@pytest.mark.parametrize("page", hand_written_pages(), ids=lambda p: str(p.relative_to(BOOK)))
def test_page_types_no_result(page):
    found = typed_numbers(page.read_text())
    assert not found, (f"{page.relative_to(BOOK.parent)} types numbers by hand (quote them as "
                       f"{{{{ pN_NN.key }}}} or {{{{ pN_ref.key }}}}): " + ", ".join(f"line {i}: {n}" for i, n in found))


def test_pages_quote_only_known_namespaces():
    from omicslib.book.launch import book_facts

    known = {f"p{i}_ref" for i in range(1, 6)}
    for page in hand_written_pages():
        for ns, key in pages.page_keys(page.read_text()):
            if ns == "book":  # facts about the build itself
                assert key in book_facts(), f"{page}: unknown book fact {key!r}"
                continue
            if ns == "rules":  # the verdict rules' levels
                assert key in pages.rule_facts(), f"{page}: unknown rule fact {key!r}"
                continue
            assert ns in known or re.fullmatch(r"p[1-5]_\d\d", ns), f"{page}: unknown namespace {ns!r}"


def test_claims_page_forest_plot_and_verdict_summary(tmp_path, monkeypatch):
    from omicslib.book import claims as C
    from omicslib.book import pages

    base = dict(paper="p1", statement="s", locator="Table 4", test="t", provenance="real-subset", n_seeds=3, n_runs=15)
    df = C.ledger([
        C.Claim(id="v_in", kind="value", paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.84,
                ci_low=0.83, ci_high=0.86, baseline="logistic", baseline_value=0.80, **base),
        C.Claim(id="v_out", kind="value", paper_value=0.85, tolerance=0.03, tolerance_reason="r", ours=0.70,
                ci_low=0.68, ci_high=0.72, **base),
        C.Claim(id="b", kind="better", family="f", ours=0.05, ci_low=0.02, ci_high=0.08, p=0.001, **base),
        C.Claim(id="syn", kind="value", **{**base, "provenance": "synthetic"})])
    monkeypatch.setattr(pages, "claims_frame", lambda papers, root=None: df[df["paper"].isin(papers)])
    png = tmp_path / pages.forest_name("p1")
    assert pages.write_forest("p1", df, png) and png.stat().st_size > 10_000
    page = pages.claims_page("p1", forest=True)
    assert "```{figure} p1_claims_forest.png" in page and ":alt:" in page and "logistic: 0.800" in page
    summary = pages.verdict_summary(forests=frozenset({"p1"}))
    # results: v_in and b reproduced, v_out not reproduced (0.15 lower, worse), syn a pipeline check
    assert "2 reproduced, 1 not reproduced (1 worse), 1 pipeline check" in summary
    assert 'href="p1/p1_claims.html#p1-claims-forest"' in summary
    ans = pages.answer("p1", df)
    assert 'class="answer"' in ans and "All 4 result claims" in ans
    only_synthetic = df[df["id"] == "syn"]
    assert not pages.write_forest("p1", only_synthetic, png) and not png.exists()


def test_rule_facts_quote_the_ledgers_levels():
    assert pages.rule_facts() == {"value_ci": "90 %", "diff_ci": "95 %"}  # claims.VALUE_CI 0.90, DIFF_CI 0.95
