"""Generate the book pages that must never be typed by hand, and the values pages quote.

- the data page (from the registry), the scoreboards (from every comparison table), the claims
  ledger of each paper and the verdict summary on the landing page (from the ``claims`` tables);
- :func:`substitutions`: every recorded fact (``{{ p1_02.key }}``) and every paper value
  (``{{ p1_ref.key }}``), which the book's Sphinx extension hands to MyST, so a page that quotes
  a key no notebook wrote fails the build.

    python -m omicslib.book.pages
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from omicslib.book import claims, performance, reference
from omicslib.book.report import FACTS_FILE, GENERATED, read_results
from omicslib.paths import PAPERS, REPO_ROOT
from omicslib.provenance import BADGE_TEXT, badge_html

BOOK = REPO_ROOT / "book"
SUBST = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\.([a-z0-9_]+)\s*\}\}")


def data_page() -> str:
    from omicslib import data
    from omicslib.data.fetch import MissingDataError, locate

    lines = [GENERATED, "# Data and provenance\n",
             "Every dataset the book uses, with its original public source. A loader looks in "
             "`$OMICSLIB_DATA`, then `../shared/data`, then the download cache, then downloads from the "
             "original URL and verifies the sha256. `make data` fetches and verifies everything.\n",
             "Provenance badges: " + " ".join(badge_html(k) for k in BADGE_TEXT) + "\n"]
    for spec in sorted(data.REGISTRY.values(), key=lambda s: (s.papers, s.id)):
        lines += [f"## `{spec.id}`: {spec.title}\n",
                  f"*Papers:* {', '.join(spec.papers)} · *Licence:* {spec.license} · *Source:* <{spec.homepage}>\n",
                  f"*Cite:* {spec.citation}\n"]
        body = [spec.notes + "\n"] if spec.notes else []
        rows = []
        for f in spec.files:
            try:
                path = locate(spec.id, f.key, download=False)
                here = f"found ({'local mirror' if 'shared' in str(path) else 'cache'})"
            except MissingDataError:
                here = "not on this machine"
            except Exception as e:  # a corrupt copy: show it, don't hide it
                here = f"**error**: {type(e).__name__}"
            rows.append({"file": f.key, "scale": f.scale, "here": here,
                         "original URL": f"<{f.url}>" if f.url else "(derived locally)",
                         "sha256": f"`{f.sha256[:12]}…`" if f.sha256 else "unknown"})
        body.append(pd.DataFrame(rows).to_markdown(index=False) + "\n")
        lines.append(f"<details><summary>Notes and the {len(rows)} files</summary>\n\n" + "\n".join(body)
                     + "\n</details>\n")
    return "\n".join(lines)


#: A locator that names a cell of the paper's table or figure ("Table 4, row K=300 EXP, column Acc"): its
#: leading part ("Table 4") is the group the row is shown under.
_PAPER_PART = re.compile(r"^((?:Supplementary\s+)?(?:Table|Figure|Fig\.)\s*[A-Z]?[0-9IVX]+[a-z]?)\s*,")


def _paper_part(locator: str) -> str:
    m = _PAPER_PART.match(locator)
    return m.group(1) if m else locator


def scoreboard_frame(papers=PAPERS, root: str | Path | None = None) -> pd.DataFrame:
    """Every comparison row of ``papers`` with where it comes from: ``paper_id``, ``table`` (the CSV's
    name), ``group``, ``notebook``, ``profile`` and ``seeds``.

    ``group`` is the paper's table or figure: the locator's leading "Table 4" / "Fig. 2" part when the
    locator names a cell of it, else the whole locator; a row without a locator joins its table's group
    when all its located rows share one, else it is grouped under the table's name."""
    frames = []
    for side in read_results(Path(root or BOOK), kind="comparison"):
        if side["paper"] not in papers or not Path(side["file"]).is_file():
            continue
        df = pd.read_csv(side["file"])
        df.insert(0, "paper_id", side["paper"])
        df.insert(1, "table", side["name"])
        loc = df["locator"].fillna("").astype(str).str.strip() if "locator" in df else pd.Series("", index=df.index)
        group = loc.map(_paper_part)
        located = group[loc != ""].unique()
        df["group"] = group.where(loc != "", located[0] if len(located) == 1 else side["name"])
        df["notebook"] = side["notebook"]
        df["profile"] = side["profile"]
        df["seeds"] = ",".join(map(str, side["seeds"]))
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


#: Tables longer than this many rows are collapsed (``<details>``) on a paper's scoreboard page.
SCOREBOARD_OPEN_ROWS = 12
#: Shown once above a scoreboard table instead of in a column when every row of it has the same value.
_LIFTED = ("metric", "provenance", "note")


def _is_int(v) -> bool:
    return pd.isna(v) or (isinstance(v, (int, float)) and float(v).is_integer() and abs(v) < 1e15)


def _num(v, as_int: bool) -> str:
    if pd.isna(v):
        return ""
    if as_int:
        return f"{int(round(v)):d}"
    if v != 0 and abs(v) < 0.001:
        return f"{v:.2g}"
    return f"{v:.3f}"


def _texts(part: pd.DataFrame, col: str) -> pd.Series:
    return part[col].fillna("").astype(str) if col in part else pd.Series("", index=part.index)


def _lifted(part: pd.DataFrame) -> dict[str, str]:
    """The columns of :data:`_LIFTED` that hold one value on every row of ``part``, with that value."""
    return {c: v[0] for c in _LIFTED if len(v := _texts(part, c).unique()) == 1}


def _badges(kinds: pd.Series) -> str:
    """One provenance badge per kind, with its row count when there are several rows."""
    counts = kinds.value_counts(sort=False)
    return " ".join(badge_html(k) + (f" ×{n}" if len(kinds) > 1 else "") for k, n in counts.items())


def _cls(name: str) -> str:
    return f' class="{name}"' if name else ""


def _td(content, cls: str = "", label: str = "") -> str:
    """A cell; ``label`` names it where a phone shows each row as a line (custom.css) instead of a table."""
    return f"<td{_cls(cls)}" + (f' data-label="{label}"' if label else "") + f">{content}</td>"


#: A table's distinct notes are shown as these letters, spelled out below it, when there are at most this many.
_NOTE_LETTERS = "abcd"


def _scoreboard_table(part: pd.DataFrame) -> str:
    """The rows of one source table within a group. Columns that repeat (:func:`_lifted`) or hold nothing (no
    paper value, no difference) are left out; consecutive rows of one item share its cell; integers stay
    integers; a few distinct notes become letters explained under the table."""
    import html

    lifted = _lifted(part)
    notes = _texts(part, "note")
    distinct = [n for n in dict.fromkeys(notes) if n]
    letter = (dict(zip(distinct, _NOTE_LETTERS)) if "note" not in lifted and len(distinct) <= len(_NOTE_LETTERS)
              and len(distinct) < len(part) else {})
    # (header, class, label on a phone, cell)
    cols = [("metric", "metric", "", lambda r, i: html.escape(str(r["metric"])))] if "metric" not in lifted else []
    if part["paper"].notna().any():
        cols.append(("paper", "num", "paper", lambda r, i: _num(r["paper"], i) or "–"))
    cols.append(("ours (± SD)", "num", "ours", lambda r, i: _num(r["ours"], i)
                 + ("" if pd.isna(r.get("ours_sd")) else f" ±&nbsp;{_num(r['ours_sd'], i)}")))
    if part["delta"].notna().any():
        cols += [("Δ", "num", "Δ", lambda r, i: _num(r["delta"], i)),
                 ("Δ rel.", "num", "Δ rel.", lambda r, i: "" if pd.isna(r.get("rel_delta")) else f"{r['rel_delta']:+.1%}")]
    if "provenance" not in lifted:
        cols.append(("data", "", "", lambda r, i: badge_html(r["provenance"])))
    if "note" not in lifted:
        cols.append(("note", "note", "note",
                     lambda r, i: letter.get(notes[r.name], "") if letter else html.escape(notes[r.name])))
    items = part["item"].astype(str).tolist()
    rows = []
    for k, (_, r) in enumerate(part.iterrows()):
        as_int = all(_is_int(r.get(c)) for c in ("paper", "ours", "ours_sd"))
        cells = "".join(_td(f(r, as_int), cls, label) for _, cls, label, f in cols)
        if k and items[k] == items[k - 1]:
            rows.append(f"<tr>{cells}</tr>")
            continue
        span = next((j for j in range(k + 1, len(items)) if items[j] != items[k]), len(items)) - k
        rowspan = f' rowspan="{span}"' if span > 1 else ""
        rows.append(f'<tr class="sb-item"><th scope="row"{rowspan}>{html.escape(items[k])}</th>{cells}</tr>')
    head = '<th scope="col">item</th>' + "".join(f'<th scope="col"{_cls(cls)}>{h}</th>' for h, cls, _, _ in cols)
    table = f'<table class="scoreboard"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    if letter:
        table += ('\n<p class="scoreboard-notes">Notes: '
                  + "; ".join(f"<b>{a}</b> {html.escape(n)}" for n, a in letter.items()) + "</p>")
    return table


def _group_ids(df: pd.DataFrame) -> dict[tuple[str, str], str]:
    """``(paper, group)`` -> the anchor of that group on the paper's scoreboard page (unique per page)."""
    out: dict[tuple[str, str], str] = {}
    for paper, group in dict.fromkeys(zip(df["paper_id"], df["group"])):
        anchor = base = f"sb-{paper}-" + (re.sub(r"[^a-z0-9]+", "-", group.lower()).strip("-") or "group")
        n = 1
        while anchor in out.values():
            n += 1
            anchor = f"{base}-{n}"
        out[(paper, group)] = anchor
    return out


def _source_line(part: pd.DataFrame, root: Path, prefix: str) -> str:
    """Where the rows of one source table come from (notebook cell, CSV, profile, seeds) and what is the
    same on all of them (provenance badge, metric, note)."""
    import html

    r = part.iloc[0]
    paper, nb, table = r["paper_id"], r["notebook"], r["table"]
    ipynb = root / paper / f"{nb}.ipynb"  # the executed notebook: link its source cell when it shows one
    cell = f"#src-{table}" if ipynb.is_file() and f'id=\\"src-{table}\\"' in ipynb.read_text() else ""
    lifted = _lifted(part)
    meta = '<p class="scoreboard-source">' + (badge_html(lifted["provenance"]) + " " if "provenance" in lifted else "")
    meta += (f'From <a href="{prefix}{nb}.html{cell}">{html.escape(nb)}</a> · table <code>{html.escape(table)}</code> '
             f'(<a href="{prefix}results/{nb}/{table}.csv">CSV</a>) · profile {html.escape(r["profile"])} · '
             f"seeds {html.escape(r['seeds'])}.")
    if lifted.get("metric"):
        meta += f" Metric: {html.escape(lifted['metric'])}."
    if part["paper"].isna().all():
        meta += " The paper gives no value for these rows."
    if lifted.get("note"):
        meta += f" Note: {html.escape(lifted['note'])}"
    return meta + "</p>\n"


_INTRO = ("A **synthetic** row is a pipeline demonstration on generated data, never a reproduction (no difference "
          "is computed); a **real-subset** row uses real data at a smaller scale than the paper. Generated from the "
          "tables' CSV and JSON sidecars.\n")


def scoreboard_page(papers=PAPERS, title: str = "Reproduction scoreboard", root: str | Path | None = None) -> str:
    """The scoreboard of ``papers``: the paper's numbers beside ours, one section per table or figure of the
    paper (:func:`scoreboard_frame`'s ``group``) and within it one table per source table, each under a line
    naming where its rows come from (:func:`_source_line`); tables of more than :data:`SCOREBOARD_OPEN_ROWS`
    rows are collapsed."""
    root = Path(root or BOOK)
    df = scoreboard_frame(papers, root)
    multi = len(papers) > 1
    lines = [GENERATED, f"# {title}\n", "Every number of the paper that the book regenerates, ours beside it, "
             "one section per table or figure of the paper (tables of more than "
             f"{SCOREBOARD_OPEN_ROWS} rows are collapsed). " + _INTRO]
    if df.empty:
        lines.append("No comparison tables have been produced yet: run `make book`.\n")
        return "\n".join(lines)
    ids = _group_ids(df)
    for paper, ppart in df.groupby("paper_id", sort=True):
        if multi:
            lines.append(f"## {paper}\n")
        lines.append(f"{len(ppart)} rows in {ppart['group'].nunique()} sections: {_badges(ppart['provenance'])}\n")
        for group, part in ppart.groupby("group", sort=False):
            if not multi:
                lines.append(f"({ids[(paper, group)]})=")
            lines.append(f"{'###' if multi else '##'} {group}\n")
            for _, sub in part.groupby(["notebook", "table"], sort=False):
                lines.append(_source_line(sub, root, f"{paper}/" if multi else ""))
                table = _scoreboard_table(sub)
                if len(sub) > SCOREBOARD_OPEN_ROWS:
                    table = f"<details><summary>Show the {len(sub)} rows</summary>\n\n{table}\n\n</details>"
                lines.append(table + "\n")
    return "\n".join(lines)


def scoreboard_overview(papers=PAPERS, root: str | Path | None = None) -> str:
    """The book's scoreboard page: one row per paper and table or figure, with its number of rows, how many
    carry a paper value, their provenance, and links to the section of the paper's scoreboard page."""
    import html

    df = scoreboard_frame(papers, root)
    lines = [GENERATED, "# Reproduction scoreboard\n",
             "Every table and figure of the papers whose numbers the book regenerates, with how many of their "
             "numbers we regenerate and on what data. Each paper's scoreboard page (follow a link) shows the "
             "paper's numbers beside ours, with the notebook cell and CSV each comes from. " + _INTRO]
    if df.empty:
        lines.append("No comparison tables have been produced yet: run `make book`.\n")
        return "\n".join(lines)
    ids = _group_ids(df)
    rows = []
    for paper, ppart in df.groupby("paper_id", sort=True):
        page = f"{paper}/{paper}_scoreboard.html"
        groups = list(ppart.groupby("group", sort=False))
        for k, (group, part) in enumerate(groups):
            first = "" if k else (f'<th scope="row" rowspan="{len(groups)}"><a href="{page}">{paper}</a>'
                                  f'<br><span class="sb-total">{len(ppart)} rows</span></th>')
            rows.append(f'<tr{_cls("" if k else "sb-item")}>{first}'
                        + _td(f'<a href="{page}#{ids[(paper, group)]}">{html.escape(group)}</a>')
                        + _td(len(part), "num", "rows") + _td(part["paper"].notna().sum(), "num", "with a paper value")
                        + _td(_badges(part["provenance"])) + "</tr>")
    head = "".join(f'<th scope="col"{_cls(c)}>{h}</th>' for h, c in (("paper", ""), ("table or figure", ""), ("rows", "num"),
                                                                   ("with a paper value", "num"), ("data", "")))
    lines.append(f'<table class="scoreboard scoreboard-overview"><thead><tr>{head}</tr></thead>'
                 f"<tbody>{''.join(rows)}</tbody></table>\n")
    return "\n".join(lines)


def facts(root: str | Path | None = None) -> dict[str, dict[str, str]]:
    """``{namespace: {key: text}}`` from every ``facts.json`` under ``book/*/results``."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted(Path(root or BOOK).glob("*/results/*/" + FACTS_FILE)):
        d = json.loads(path.read_text())
        ns = out.setdefault(d["namespace"], {})
        clash = set(ns) & set(d["facts"])
        if clash:
            raise ValueError(f"{path}: fact keys {sorted(clash)} already written by another notebook of {d['namespace']}")
        ns.update({k: v["text"] for k, v in d["facts"].items()})
    return out


def rule_facts() -> dict[str, str]:
    """The verdict rules' levels as pages quote them (``{{ rules.value_ci }}``), from :mod:`omicslib.book.claims`."""
    return {"value_ci": f"{claims.VALUE_CI:.0%}".replace("%", " %"), "diff_ci": f"{claims.DIFF_CI:.0%}".replace("%", " %")}


def substitutions(root: str | Path | None = None) -> dict[str, dict[str, str]]:
    """What pages may quote: recorded facts, the papers' reference values and the verdict rules' levels."""
    return {**facts(root), **reference.substitutions(), "rules": rule_facts()}


def page_keys(text: str) -> set[tuple[str, str]]:
    """``(namespace, key)`` of every ``{{ namespace.key }}`` in a page's text."""
    return set(SUBST.findall(text))


def claims_frame(papers=PAPERS, root: str | Path | None = None) -> pd.DataFrame:
    """Every ledger of ``papers``, recomputed by the current rules (:func:`omicslib.book.claims.with_rules`)."""
    frames = [pd.read_csv(s["file"]) for s in read_results(Path(root or BOOK), kind="claims")
              if s["paper"] in papers and Path(s["file"]).is_file()]
    if not frames:
        return pd.DataFrame(columns=claims.COLUMNS)
    return claims.with_rules(pd.concat(frames, ignore_index=True))


#: Ledger sections longer than this many claims are folded on a claims page.
LEDGER_OPEN_ROWS = 12
#: Each paper's headline claim: the question its abstract answers first (claim ids of the ledgers).
HEADLINES = {"p1": "headline_f1_macro", "p2": "gene_f1_a2", "p3": "fig2_dmacl_best_cindex",
             "p4": "luminal_test_auc", "p5": "pair_multimodal_vs_best_single"}


def forest_name(paper: str) -> str:
    return f"{paper}_claims_forest.png"


def write_forest(paper: str, df: pd.DataFrame, out: Path) -> bool:
    """Draw the paper's verdict forest plot to ``out``; ``False`` when the ledger has nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from omicslib.book import forest

    fig = forest.verdict_forest(df, f"{paper}: our estimates against the paper's claims", HEADLINES.get(paper, ""))
    if fig is None:
        out.unlink(missing_ok=True)
        return False
    forest.save(fig, out)
    plt.close(fig)
    return True


def _count_line(df: pd.DataFrame, section: str) -> str:
    """One sentence of counts of a section, e.g. "3 reproduced, 2 not reproduced (2 worse), 5 inconclusive"."""
    d = df[df["section"] == section]
    parts = []
    for v in claims.SECTION_VERDICTS[section]:
        n = int((d["verdict"] == v).sum())
        if not n:
            continue
        text = f"{n} {v}"
        if v in ("not reproduced", "not supported"):
            dirs = d.loc[d["verdict"] == v, "better"].fillna("").value_counts()
            sub = [f"{int(dirs[b])} {b}" for b in ("worse", "better") if dirs.get(b, 0)]
            text += f" ({', '.join(sub)})" if sub else ""
        parts.append(text)
    return ", ".join(parts) if parts else "none"


def _kinds(d: pd.DataFrame) -> str:
    """The data kinds of the decided results, e.g. "real subset 12, other cohort 3"."""
    from omicslib.provenance import BADGE_TEXT

    dec = d[d["verdict"].isin(claims.DECIDED + ("other cohort",))]
    vc = dec["provenance"].value_counts()
    return ", ".join(f"{BADGE_TEXT.get(k, k)} {n}" for k, n in vc.items()) or "none decided"


def _s(v) -> str:
    return v if isinstance(v, str) else ""


def answer(paper: str, df: pd.DataFrame) -> str:
    """The paper's answer in a few lines, generated from its ledger: the headline claim in the paper's words, the
    paper's value, ours with its CI and data, the strongest simple baseline on the same splits, the verdict
    with its direction; then the results' counts, and apart from them the data-and-settings checks, the paper's
    own numbers and our own questions."""
    import html

    from omicslib.provenance import BADGE_TEXT

    lines = ['<div class="answer">']
    h = df[df["id"] == HEADLINES.get(paper, "")]
    if len(h):
        r = h.iloc[0]
        num = claims._num
        paper_v = "" if pd.isna(r["paper_value"]) else f"; the paper: {num(r['paper_value'])}"
        what = "effect " if r["kind"] in claims.COMPARATIVE else ""
        ours = "no estimate" if pd.isna(r["ours"]) else f"{what}{num(r['ours'])}" + (
            "" if pd.isna(r["ci_low"]) else f" [{num(r['ci_low'])}, {num(r['ci_high'])}] ({float(r['ci_level']):.0%} CI)")
        data = "synthetic data (not a reproduction)" if r["provenance"] == "synthetic" else \
            f"{BADGE_TEXT.get(r['provenance'], str(r['provenance']))} data"
        n = int(r["n_runs"])
        runs = f", {n} run{'s' if n != 1 else ''}" if n else ""
        base = "" if not isinstance(r["baseline"], str) or not r["baseline"] else \
            f" Simple baseline on the same splits, {html.escape(r['baseline'])}: {num(r['baseline_value'])}" + (
                "" if pd.isna(r["baseline_ci_low"]) else f" [{num(r['baseline_ci_low'])}, {num(r['baseline_ci_high'])}]") + "."
        lines.append(f"<p><b>Headline claim</b> ({html.escape(str(r['locator']))}): {html.escape(str(r['statement']))}"
                     f"{paper_v}.<br/><b>Ours</b>: {ours} on {html.escape(data)}{runs}.{base}<br/>"
                     f"<b>Verdict</b>: {claims.badge_html(r['verdict'], _s(r['better']))}"
                     f" {html.escape(str(r['reason']))}</p>")
    res = df[df["section"] == "result"]
    lines.append(f"<p><b>All {len(res)} result claims</b>: {_count_line(df, 'result')} "
                 f"(decided on: {_kinds(res)}).<br/>"
                 f"<b>Apart from the results</b>: data and settings checks: {_count_line(df, 'data')}; "
                 f"the paper's own numbers: {_count_line(df, 'arithmetic')}; our own questions: "
                 f"{_count_line(df, 'ours')}.</p>")
    lines.append("</div>")
    return GENERATED + "\n".join(lines) + "\n"


def claims_page(paper: str, root: str | Path | None = None, forest: bool = False) -> str:
    """The paper's claims page: its answer, the rules, the forest plot (when ``forest``), then one ledger per
    section (results, data and settings, the paper's own numbers, our questions), each counted apart."""
    df = claims_frame((paper,), root)
    lines = [GENERATED, f"# {paper}: claims and verdicts\n"]
    if df.empty:
        lines += [f"- **{k}**: {v}" for k, v in claims.RULES.items()] + [""]
        lines.append("No claims ledger has been produced yet: run `make book`.\n")
        return "\n".join(lines)
    lines.append(answer(paper, df).replace(GENERATED, ""))
    lines.append("Each claim of the paper in its own words, the verdict first (computed by the rules below, "
                 "`omicslib.book.claims`); open *why* for the reason and *test, data, tolerance* for how it was "
                 "tested. Paper values and tolerances come from the paper's reference file with their locators. "
                 "*ours − paper* is in the metric's units; where lower is better, the column says so.\n")
    if forest:
        lines += ["```{figure} " + forest_name(paper), f":name: {paper}-claims-forest", ":width: 100%",
                  f":alt: Forest plot of {paper}'s real-data claims, one panel per metric: each row a claim in the "
                  "paper's words, our estimate minus the paper's value (or the effect in the paper's direction) with "
                  "its CI against the grey tolerance or margin band, the marker shape and colour giving the verdict\n",
                  "Our estimates against the paper's claims on real data (synthetic pipeline checks left out), one "
                  "panel per metric. Value claims: ours − paper with our CI, the grey band ± the claim's tolerance, "
                  "the open diamond the strongest simple baseline. Comparative claims: the effect oriented so that "
                  "the paper's claim is positive, the grey band ± the margin. ★ marks the headline claim; points "
                  "beyond the axis are drawn as arrows with their value.", "```\n"]
    for section, title in claims.SECTIONS.items():
        part = df[df["section"] == section]
        if part.empty:
            continue
        lines.append(f"## {title}\n")
        lines.append(f"{len(part)} claims: {_count_line(df, section)}.\n")
        table = f'<div class="table-wrap">{claims.ledger_html(part)}</div>'
        if len(part) > LEDGER_OPEN_ROWS:  # a long ledger folds, so the page stays navigable
            table = f"<details><summary>Show the {len(part)} claims</summary>\n\n{table}\n\n</details>"
        lines.append(table + "\n")
    fam = claims.families(df)
    if len(fam):
        lines.append("## Holm families\n")
        lines.append(f"Each family is {claims.FAMILY_REASON}.\n")
        lines.append(fam[["family", "members", "tested"]].to_html(index=False, classes="families", border=0) + "\n")
    gap = claims.unjudged(paper, df)
    lines.append("## Coverage\n")
    lines.append(f"The reference file holds {len(reference.load(paper))} values of the paper; {len(gap)} of them are "
                 "judged by no claim above (by key or by the locator of a claim), listed here so that a gap is seen, "
                 "not hidden.\n")
    if len(gap):
        import html

        rows = "".join(f"<tr><td>{html.escape(str(r.item))}</td><td>{html.escape(str(r.metric))}</td>"
                       f"<td class=\"num\">{html.escape(str(r.value))}</td><td>{html.escape(str(r.locator))}</td></tr>"
                       for r in gap.itertuples())
        lines.append(f"<details><summary>The {len(gap)} values without a claim</summary>\n\n"
                     f'<div class="table-wrap"><table class="coverage"><thead><tr><th>item</th><th>metric</th>'
                     f'<th class="num">paper</th><th>where</th></tr></thead><tbody>{rows}</tbody></table></div>'
                     "\n\n</details>\n")
    lines += ["## Rules\n"] + [f"- **{k}**: {v}" for k, v in claims.RULES.items()] + [""]
    return "\n".join(lines)


def verdict_summary(root: str | Path | None = None, forests: frozenset = frozenset()) -> str:
    """The landing page's answer table: per paper its headline verdict, the result claims counted by verdict and
    direction with the data kinds they were decided on, and apart from them the data-and-settings checks, the
    paper's own numbers and our questions; each row links to the paper's claims page and forest plot."""
    import html

    df = claims_frame(PAPERS, root)
    if df.empty:
        return "No claims ledger has been produced yet: run `make book`.\n"
    body = ""
    for p, d in df.groupby("paper", sort=True):
        h = d[d["id"] == HEADLINES.get(p, "")]
        head = "" if h.empty else claims.badge_html(h.iloc[0]["verdict"], _s(h.iloc[0]["better"]))
        plot = f'<br/><a href="{p}/{p}_claims.html#{p}-claims-forest">forest plot</a>' if p in forests else ""
        res = d[d["section"] == "result"]
        body += (f'<tr><th scope="row"><a href="{p}/{p}_claims.html">{p}</a>{plot}</th>'
                 f'<td class="verdict" data-label="headline">{head}</td>'
                 f'<td data-label="results">{html.escape(_count_line(d, "result"))}'
                 f'<br/><small>{len(res)} claims; decided on {html.escape(_kinds(res))}</small></td>'
                 f'<td data-label="data and settings">{html.escape(_count_line(d, "data"))}</td>'
                 f'<td data-label="the paper\'s own numbers">{html.escape(_count_line(d, "arithmetic"))}</td>'
                 f'<td data-label="our questions">{html.escape(_count_line(d, "ours"))}</td></tr>')
    return (GENERATED + '<div class="answer table-wrap"><table class="verdict-summary"><thead><tr><th>paper</th>'
            '<th class="verdict">headline</th><th>results (the verdict on the paper)</th><th>data and settings</th>'
            "<th>the paper's own numbers</th><th>our questions</th></tr></thead>"
            f"<tbody>{body}</tbody></table></div>\n")


def verdict_chart(df: pd.DataFrame, out: Path) -> bool:
    """The landing page's chart: per paper, the result claims by verdict (direction apart), with the data and
    settings checks and the paper's own numbers in their own panels; ``False`` when there is no ledger."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if df.empty:
        return False
    papers = sorted(df["paper"].unique())
    panels = [("result", "Results (the verdict on the paper)"), ("data", "Data and settings checks"),
              ("arithmetic", "The paper's own numbers")]
    fig, axes = plt.subplots(1, 3, figsize=(11, 0.55 * len(papers) + 1.8), sharey=True,
                             gridspec_kw={"width_ratios": [2.2, 1, 1]})
    for ax, (section, title) in zip(axes, panels):
        d = df[df["section"] == section]
        left = np.zeros(len(papers))
        for v in claims.SECTION_VERDICTS[section]:
            for b in (("worse", "better", "") if v == "not reproduced" else ("",)):
                sel = d[(d["verdict"] == v) & ((d["better"].fillna("") == b) if v == "not reproduced" else True)]
                n = sel.groupby("paper").size().reindex(papers, fill_value=0).to_numpy()
                if not n.any():
                    continue
                colour = claims.BETTER_COLOUR if b == "better" else claims.VERDICT_COLOURS[v]
                label = f"{v}: {b}" if b else v
                hatch = "//" if v in ("not run", "not testable here", "pipeline check") else None
                ax.barh(papers, n, left=left, color=colour, label=label, hatch=hatch, edgecolor="white")
                left += n
        ax.set_title(title, fontsize=11)
        ax.invert_yaxis()
        ax.tick_params(labelsize=10)
        ax.set_xlabel("claims", fontsize=10)
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.35), ncol=2, frameon=False)
    fig.tight_layout()
    fig.savefig(out, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return True


def main() -> None:
    (BOOK / "data.md").write_text(data_page())
    (BOOK / "scoreboard.md").write_text(scoreboard_overview())
    forests = set()
    for p in PAPERS:
        (BOOK / p).mkdir(exist_ok=True)
        (BOOK / p / f"{p}_scoreboard.md").write_text(scoreboard_page((p,), f"{p}: paper vs ours"))
        df = claims_frame((p,))
        if not df.empty and write_forest(p, df, BOOK / p / forest_name(p)):
            forests.add(p)
        (BOOK / p / f"{p}_claims.md").write_text(claims_page(p, forest=p in forests))
        (BOOK / p / "answer.md").write_text(answer(p, df) if not df.empty else
                                                 GENERATED + "No claims ledger has been produced yet.\n")
    (BOOK / "verdict_summary.md").write_text(verdict_summary(forests=frozenset(forests)))
    verdict_chart(claims_frame(PAPERS), BOOK / "verdict_chart.png")
    performance.write_page()
    print(f"wrote {BOOK / 'data.md'}, {BOOK / 'scoreboard.md'} and one scoreboard per paper")


if __name__ == "__main__":
    main()
