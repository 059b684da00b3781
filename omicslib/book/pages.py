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

import pandas as pd

from omicslib.book import claims, performance, reference
from omicslib.book.provenance import BADGE_TEXT, badge_html
from omicslib.book.report import FACTS_FILE, GENERATED, read_results
from omicslib.paths import PAPERS, REPO_ROOT

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
        if spec.notes:
            lines.append(spec.notes + "\n")
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
        lines.append(pd.DataFrame(rows).to_markdown(index=False) + "\n")
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


def substitutions(root: str | Path | None = None) -> dict[str, dict[str, str]]:
    """What pages may quote: recorded facts plus the papers' reference values."""
    return {**facts(root), **reference.substitutions()}


def page_keys(text: str) -> set[tuple[str, str]]:
    """``(namespace, key)`` of every ``{{ namespace.key }}`` in a page's text."""
    return set(SUBST.findall(text))


def claims_frame(papers=PAPERS, root: str | Path | None = None) -> pd.DataFrame:
    frames = [pd.read_csv(s["file"]) for s in read_results(Path(root or BOOK), kind="claims")
              if s["paper"] in papers and Path(s["file"]).is_file()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=claims.COLUMNS)


def forest_name(paper: str) -> str:
    return f"{paper}_claims_forest.png"


def write_forest(paper: str, df: pd.DataFrame, out: Path) -> bool:
    """Draw the paper's verdict forest plot to ``out``; ``False`` when the ledger has nothing to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from omicslib.book.plots import verdict_forest

    fig = verdict_forest(df, f"{paper}: our estimates against the paper's claims")
    if fig is None:
        out.unlink(missing_ok=True)
        return False
    fig.savefig(out, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return True


def claims_page(paper: str, root: str | Path | None = None, forest: bool = False) -> str:
    """The paper's claims page: the rules, the verdict counts, the forest plot (when ``forest``) and the ledger."""
    df = claims_frame((paper,), root)
    lines = [GENERATED, f"# {paper}: claims and verdicts\n",
             "Each claim of the paper, the test we ran, the data it ran on, the number of seeds and runs, and a "
             "verdict computed by the rules below (`omicslib.book.claims`); paper values and tolerances come from "
             "the paper's reference file with their locators and reasons.\n"]
    if df.empty:
        lines += [f"- **{k}**: {v}" for k, v in claims.RULES.items()] + [""]
        lines.append("No claims ledger has been produced yet: run `make book`.\n")
        return "\n".join(lines)
    lines.append(claims.counts(df).to_html(classes="verdict-counts") + "\n")
    if forest:
        lines += ["```{figure} " + forest_name(paper), f":name: {paper}-claims-forest",
                  f":alt: Forest plot of {paper}'s claims on real data: for each value claim our estimate minus the "
                  "paper's value with its CI against the tolerance band, and for each comparative claim the effect "
                  "in the paper's direction with its CI, coloured by verdict\n",
                  "Our estimates against the paper's claims (real data only; synthetic pipeline checks left out). "
                  "Left: value claims as the deviation from the paper's value, the grey band ± the claim's "
                  "tolerance, the bar our CI (level in the table), the open diamond the strongest simple baseline. "
                  "Right: comparative claims, the effect oriented so that the paper's claim is positive, the grey "
                  "band ± the stated margin. Colours: the verdict.", "```\n"]
    lines += ["## Rules\n"] + [f"- **{k}**: {v}" for k, v in claims.RULES.items()] + [""]
    lines += ["## Ledger\n", claims.ledger_html(df) + "\n"]
    return "\n".join(lines)


def verdict_summary(root: str | Path | None = None, forests: frozenset = frozenset()) -> str:
    """The landing page's table: papers x verdicts with counts and the decided share, linking to each ledger
    and its forest plot."""
    df = claims_frame(PAPERS, root)
    if df.empty:
        return "No claims ledger has been produced yet: run `make book`.\n"
    t = claims.counts(df)
    head = "".join(f"<th>{claims.badge_html(v)}</th>" for v in t.columns)
    body = ""
    for p in t.index:
        decided = int(t.loc[p, list(claims.DECIDED)].sum())
        plot = f' · <a href="{p}/{p}_claims.html#{p}-claims-forest">forest plot</a>' if p in forests else ""
        body += (f'<tr><td><a href="{p}/{p}_claims.html">{p}</a>{plot}</td>'
                 + "".join(f"<td>{n}</td>" for n in t.loc[p]) + f"<td>{decided}</td><td>{t.loc[p].sum()}</td></tr>")
    return (GENERATED + f'<table class="verdict-summary"><thead><tr><th>paper</th>{head}<th>decided</th>'
            f"<th>claims</th></tr></thead><tbody>{body}</tbody></table>\n")


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
    (BOOK / "verdict_summary.md").write_text(verdict_summary(forests=frozenset(forests)))
    performance.write_page()
    print(f"wrote {BOOK / 'data.md'}, {BOOK / 'scoreboard.md'} and one scoreboard per paper")


if __name__ == "__main__":
    main()
