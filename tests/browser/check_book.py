"""Real-browser check of the built book (``make browser-test``).

Serves ``_build/html`` on 127.0.0.1 and loads every page in headless Chromium (Debian's ``chromium``,
driven by Playwright) **with every request outside that server blocked** (the book must work offline).
It fails on:

- a missing image, a figure without alt text or caption, a Python traceback in an output cell, a
  JavaScript error;
- a broken internal link, or a link to an anchor that the target page does not have;
- an unclean output cell: a machine path (``/work/``, ``/tmp/``, ``/home/``), ``PosixPath(``, an object
  repr (``<... object at 0x...>``) or a stray return value (``Text(...)``, ``<Figure size ...>``,
  ``[<matplotlib...>]``, ``VBox(...)``);
- an accessibility violation of impact *serious* or *critical* found by axe-core
  (``axe-playwright-python``, which ships axe-core itself) on any page;
- an interactive explorer (:mod:`omicslib.book.interactive`) that does not draw, or whose controls do
  not change the figure (each drop-down and slider is operated and the shown traces must change);
- a scoreboard table wider than the text column;
- a claims page without its verdict forest plot (its image is checked as every image is);
- what a reader meets (:func:`static_problems`, :func:`layout_problems`, :func:`label_problems`):
  - at 1400 px, a table or code block wider than its container (every ``<details>`` opened), or a page that
    scrolls sideways (also at 390 px);
  - at 390 px, a claims table (``table.claims``) whose verdict cells (``.verdict``) are off-screen or missing;
  - a page taller than :data:`MAX_HEIGHT_PX` at 1400 px as a reader first sees it (folded tables folded);
  - anywhere on a page (prose, code cells, outputs, links): ``NaN``, a pandas shape footer
    ("6 rows × 21 columns"), a machine path (``/work/``, ``/tmp/``, ``/home/``, ``/root/``);
  - the landing page or a paper's index without its answer block (an element of class ``answer``);
  - a forest plot whose labels render smaller than :data:`MIN_LABEL_PX`: the PNG carries its font size
    (``omicslib:fontsize_pt``) and its width in inches (``omicslib:width_in``), and the page shows it at a
    measured width, so a label is ``fontsize_pt / 72 × shown_px / width_in`` pixels tall.

Writes a JSON summary (pages, axe violations by impact and rule, blocked requests, explorers, problems, and
per page its width overflow, height and smallest forest-plot label) to ``_build/browser-report.json`` and
screenshots to ``_build/screenshots/`` (the landing page at 1400 and 390 px, one page per chapter, a claims
page, a notebook page, and the first explorer of each page in two states).

    python tests/browser/check_book.py [--html _build/html] [--only p1] [--no-axe]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import re
import shutil
import sys
import threading
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "Error Traceback")
FAIL_IMPACTS = ("serious", "critical")
#: What must never appear in a rendered output cell.
UNCLEAN = {
    "machine path": re.compile(r"(?<![\w.])/(?:work|tmp|home|root)/[\w.-]"),
    "PosixPath repr": re.compile(r"\b(?:Posix|Windows)?Path\('"),
    "object repr": re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>"),
    "stray return value": re.compile(r"^\s*(?:\[?<matplotlib\.|\(?<Figure size |<Axes: |Text\(-?[\d.]+, |"
                                     r"(?:VBox|HBox|Output|Dropdown)\(children=|<IPython\.core\.display\.)", re.M),
}
OUTPUT_SELECTOR = ".cell_output"
#: The desktop and phone widths a reader uses (px).
DESKTOP, PHONE = 1400, 390
#: The tallest page a reader can still find their way in, at :data:`DESKTOP` px (px).
MAX_HEIGHT_PX = 15000
#: The smallest rendered label height a reader can read on a forest plot (px).
MIN_LABEL_PX = 10.0
#: PNG text keys a forest plot carries (written by omicslib.book.plots).
FONT_KEY, WIDTH_KEY = "omicslib:fontsize_pt", "omicslib:width_in"
#: What must never appear anywhere on a page (prose, code cells, outputs).
LEAKS = {
    "NaN": re.compile(r"(?<![\w-])NaN(?![\w-])"),
    "pandas shape footer": re.compile(r"\d[\d,]*\s+rows?\s*[×x]\s*\d[\d,]*\s+columns?"),
    "machine path": re.compile(r"(?<![\w.~:/-])/(?:work|tmp|home|root)/[\w.-]"),
}
#: Pages that open with an answer block (class ``answer``).
ANSWER_PAGES = ("book/intro.html", *(f"book/p{i}/index.html" for i in range(1, 6)))
#: Every table and code block, measured at DESKTOP px: how far each reaches past the box it sits in, past the
#: article, or (a code block that scrolls) past its own width; a table inside a table is measured with it.
MEASURE_JS = """() => {
  const art = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const ar = art.getBoundingClientRect();
  const items = [];
  for (const el of art.querySelectorAll('table, pre')) {
    if (el.parentElement.closest('table') || !el.getClientRects().length) continue;
    let box = el.parentElement;
    while (box !== art && box.parentElement && getComputedStyle(box).display.startsWith('inline')) box = box.parentElement;
    const r = el.getBoundingClientRect();
    const over = Math.max(el.scrollWidth - el.clientWidth, Math.ceil(r.width) - box.clientWidth,
                          Math.ceil(r.right - ar.right), 0);
    items.push({tag: el.tagName.toLowerCase(), cls: String(el.className || '').slice(0, 40), over: over,
                text: (el.innerText || '').trim().replace(/\\s+/g, ' ').slice(0, 60)});
  }
  return {page_overflow: document.documentElement.scrollWidth - window.innerWidth, items: items};
}"""
#: Each claims table's verdict cells (the body's, not the header) at PHONE px: how many there are and how many
#: cannot be seen without scrolling sideways (off the screen, or clipped by a scrolling container).
VERDICT_JS = """() => [...document.querySelectorAll('table.claims')].map(t => {
  const cells = [...t.querySelectorAll('td.verdict, tbody th.verdict')].filter(c => c.closest('table') === t);
  const hidden = cells.filter(c => {
    if (!c.getClientRects().length) return true;
    const r = c.getBoundingClientRect();
    let right = window.innerWidth, left = 0;
    for (let a = c.parentElement; a; a = a.parentElement) {
      if (/(auto|scroll|hidden|clip)/.test(getComputedStyle(a).overflowX)) {
        const b = a.getBoundingClientRect(); right = Math.min(right, b.right); left = Math.max(left, b.left); }
    }
    return r.width < 1 || r.left < left - 1 || r.right > right + 1;
  });
  return {cells: cells.length, hidden: hidden.length, example: hidden.length ? hidden[0].innerText.slice(0, 40) : ''};
})"""
#: Every image of the article: where it comes from and how wide it is shown (CSS px).
IMAGES_JS = """() => [...document.querySelectorAll('article img')].map(i => ({src: i.currentSrc || i.src,
  shown: i.getBoundingClientRect().width, alt: (i.getAttribute('alt') || '').slice(0, 60)}))"""


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


def unclean_outputs(texts: list[str]) -> list[str]:
    """``"kind: excerpt"`` for every unclean pattern found in the output texts."""
    found = []
    for text in texts:
        for kind, pat in UNCLEAN.items():
            for m in pat.finditer(text):
                line = text[max(0, m.start() - 30): m.end() + 50].replace("\n", " ")
                found.append(f"{kind}: …{line}…")
    return found


def static_problems(rel: str, markup: str) -> list[str]:
    """What the page's HTML says, wherever it says it: ``NaN``, a pandas shape footer, a machine path (in the
    text, including code cells, or in a link or image address), a missing answer block."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(markup, "html.parser")
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    body = soup.body or soup
    text = body.get_text(" ")
    found = []
    for kind, pat in LEAKS.items():
        for m in pat.finditer(text):
            found.append(f"{rel}: {kind}: …{text[max(0, m.start() - 40): m.end() + 40].strip()}…".replace("\n", " "))
    for cell in body.find_all(["td", "th"]):
        if cell.get_text(strip=True).lower() == "nan" and "NaN" not in cell.get_text():
            found.append(f"{rel}: NaN: a table cell reads {cell.get_text(strip=True)!r}")
    for tag in body.find_all(href=True) + body.find_all(src=True):
        ref = tag.get("href") or tag.get("src") or ""
        if not ref.startswith("data:") and re.search(r"^(?:file:/+|/)(?:work|tmp|home|root)/", ref):
            found.append(f"{rel}: machine path: address {ref[:80]}")
    if rel in ANSWER_PAGES and not body.select(".answer"):
        found.append(f"{rel}: no answer block (an element of class 'answer') on the page")
    return found


def layout_problems(rel: str, measure: dict, width: int = DESKTOP) -> list[str]:
    """The width findings of one page at ``width`` px (``measure`` is what :data:`MEASURE_JS` returns)."""
    found = []
    if measure.get("page_overflow", 0) > 1:
        found.append(f"{rel}: the page scrolls sideways by {measure['page_overflow']} px at {width} px")
    for it in measure.get("items", []):
        if it["over"] > 1:
            what = "code block" if it["tag"] == "pre" else "table"
            found.append(f"{rel}: {what} {it['over']} px wider than its container at {width} px: {it['text']!r}")
    return found


def height_problem(rel: str, height: int, limit: int = MAX_HEIGHT_PX) -> list[str]:
    return [f"{rel}: {height:,} px tall at {DESKTOP} px (limit {limit:,}): split it or fold its long tables"] \
        if height > limit else []


def verdict_problems(rel: str, tables: list[dict], width: int = PHONE) -> list[str]:
    """The claims tables' verdict column at ``width`` px (``tables`` is what :data:`VERDICT_JS` returns)."""
    found = []
    for i, t in enumerate(tables):
        if not t["cells"]:
            found.append(f"{rel}: claims table {i} has no verdict cells (class 'verdict')")
        elif t["hidden"]:
            found.append(f"{rel}: claims table {i}: {t['hidden']} of {t['cells']} verdicts not visible at {width} px "
                         f"(e.g. {t['example']!r})")
    return found


def png_text(data: bytes) -> dict[str, str]:
    """The text chunks of a PNG (tEXt, zTXt, iTXt)."""
    import io

    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            return dict(getattr(im, "text", {}) or {})
    except Exception:  # noqa: BLE001 - not a PNG (an SVG, a broken file): no metadata
        return {}


def label_px(fontsize_pt: float, width_in: float, shown_px: float) -> float:
    """Rendered height of a label in CSS px: the figure is ``width_in`` inches wide and shown ``shown_px`` wide,
    so an inch is ``shown_px / width_in`` px and a ``fontsize_pt`` label ``fontsize_pt / 72`` inches."""
    return fontsize_pt / 72.0 * shown_px / width_in


def image_bytes(src: str, base: str, html_dir: Path) -> bytes | None:
    """The bytes of an image shown on a page: a ``data:`` URI decoded, or the served file read from disk."""
    import base64

    if src.startswith("data:"):
        head, _, payload = src.partition(",")
        return base64.b64decode(payload) if head.endswith(";base64") else unquote(payload).encode()
    if not src.startswith(base):
        return None
    path = html_dir / unquote(urlparse(src).path[len(urlparse(base).path):])
    return path.read_bytes() if path.is_file() else None


def forest_labels(images: list[dict], read) -> list[dict]:
    """The forest plots among ``images`` (what :data:`IMAGES_JS` returns): each with its rendered label size.
    ``read(src)`` returns an image's bytes (or None)."""
    out = []
    for img in images:
        data = read(img["src"])
        meta = png_text(data) if data else {}
        if FONT_KEY in meta and WIDTH_KEY in meta:
            px = label_px(float(meta[FONT_KEY]), float(meta[WIDTH_KEY]), img["shown"])
            out.append({"alt": img.get("alt", ""), "fontsize_pt": float(meta[FONT_KEY]),
                        "width_in": float(meta[WIDTH_KEY]), "shown_px": round(img["shown"], 1),
                        "label_px": round(px, 1)})
    return out


def label_problems(rel: str, forests: list[dict], limit: float = MIN_LABEL_PX) -> list[str]:
    return [f"{rel}: forest plot labels render at {f['label_px']} px (< {limit:g}): {f['fontsize_pt']:g} pt on a "
            f"{f['width_in']:g} in figure shown {f['shown_px']:g} px wide ({f['alt']!r})"
            for f in forests if f["label_px"] < limit]


_IDS: dict[Path, set[str]] = {}


def anchors(path: Path) -> set[str]:
    if path not in _IDS:
        text = path.read_text(encoding="utf-8", errors="replace") if path.suffix == ".html" else ""
        _IDS[path] = set(re.findall(r'\b(?:id|name)="([^"]+)"', text))
    return _IDS[path]


def exercise_explorers(page, rel: str, shots: Path | None) -> tuple[list[dict], list[str]]:
    """Operate every control of every explorer on the page; the visible traces must change each time."""
    info, problems = [], []
    plots = page.locator(".omicslib-explorer-plot")
    for i in range(plots.count()):
        el = plots.nth(i)
        try:
            el.locator(".main-svg").first.wait_for(timeout=20000)
            page.wait_for_function("e => e.dataset.choice !== undefined", arg=el.element_handle(), timeout=20000)
        except Exception as e:  # noqa: BLE001 - any failure to draw is the finding
            problems.append(f"{rel}: explorer {i} does not draw ({type(e).__name__})")
            continue
        el.scroll_into_view_if_needed()

        def state(el=el):
            return page.evaluate("""e => ({choice: e.dataset.choice,
                visible: e.data.map((t, k) => t.visible === false ? -1 : k).filter(k => k >= 0).join(","),
                title: (e.layout.title && e.layout.title.text) || ""})""", el.element_handle())

        before = state()
        if shots is not None and i == 0:
            el.screenshot(path=str(shots / f"explorer_{rel.replace('/', '_')[:-5]}_state1.png"))
        changes = []
        n_menus = el.locator(".updatemenu-header-group").count()
        for m in range(n_menus):
            el.locator(".updatemenu-header-group").nth(m).click()
            el.locator(".updatemenu-dropdown-button").last.click()  # the last option of this drop-down
            page.wait_for_timeout(300)
            changes.append(("menu", m, state()))
        sliders = el.locator(".slider-container")
        for s in range(sliders.count()):
            rail = sliders.nth(s).locator(".slider-rail-touch-rect").bounding_box()
            page.mouse.click(rail["x"] + rail["width"] - 3, rail["y"] + rail["height"] / 2)  # the last step
            page.wait_for_timeout(300)
            changes.append(("slider", s, state()))
        prev = before
        for kind, k, now in changes:
            if now["visible"] == prev["visible"] or now["choice"] == prev["choice"]:
                problems.append(f"{rel}: explorer {i}: operating {kind} {k} did not change the figure")
            prev = now
        if not changes:
            problems.append(f"{rel}: explorer {i} has no controls")
        if shots is not None and i == 0:
            el.screenshot(path=str(shots / f"explorer_{rel.replace('/', '_')[:-5]}_state2.png"))
        info.append({"page": rel, "explorer": i, "traces": len(before["visible"].split(",")), "controls": len(changes),
                     "before": before, "after": prev})
    return info, problems


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--html", default=str(ROOT / "_build" / "html"))
    ap.add_argument("--only", default="", help="check only pages whose path contains one of these (comma-separated)")
    ap.add_argument("--no-axe", action="store_true")
    ap.add_argument("--report", default=None, help="JSON summary (default: <html>/../browser-report.json)")
    args = ap.parse_args(argv)
    html_dir = Path(args.html).resolve()
    shots = html_dir.parent / "screenshots"
    report_path = Path(args.report) if args.report else html_dir.parent / "browser-report.json"
    from playwright.sync_api import sync_playwright

    if not (html_dir / "index.html").is_file():
        print(f"no book at {html_dir}: run `make book` first", file=sys.stderr)
        return 2
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        print("Chromium not found: `apt-get install chromium` (Debian) first", file=sys.stderr)
        return 2
    axe = None
    if not args.no_axe:
        from axe_playwright_python.sync_playwright import Axe

        axe = Axe()
    pages = sorted(p.relative_to(html_dir).as_posix() for p in html_dir.rglob("*.html")
                   if not p.relative_to(html_dir).as_posix().startswith(("_static", "_sources", "genindex", "search"))
                   and any(o in p.relative_to(html_dir).as_posix() for o in args.only.split(",")))
    srv, base = serve(html_dir)
    problems: list[str] = []
    blocked: Counter = Counter()
    impacts: Counter = Counter()
    rules: Counter = Counter()
    axe_pages: dict[str, list] = {}
    explorers: list[dict] = []
    heights: dict[str, int] = {}
    per_page: dict[str, dict] = {}
    shots.mkdir(parents=True, exist_ok=True)
    shot_targets = {"book/intro.html"} | {f"book/p{i}/index.html" for i in range(1, 6)}
    claims_shot = next((p for p in pages if re.search(r"p\d_claims\.html$", p)), None)
    notebook_shot = next((p for p in pages if re.search(r"/p\d_\d\d_[^/]+\.html$", p)), None)
    shot_targets |= {p for p in (claims_shot, notebook_shot) if p}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": DESKTOP, "height": 900})

        def route(r):
            if r.request.url.startswith(base) or r.request.url.startswith("data:"):
                return r.continue_()
            blocked[urlparse(r.request.url).netloc or r.request.url[:40]] += 1
            return r.abort()

        context.route("**/*", route)
        page = context.new_page()
        js_errors: list[str] = []
        page.on("pageerror", lambda e: js_errors.append(str(e)))
        page.on("console", lambda m: js_errors.append(m.text) if m.type == "error" else None)
        for rel in pages:
            js_errors.clear()
            url = base + rel
            resp = page.goto(url, wait_until="load")
            if resp is None or resp.status != 200:
                problems.append(f"{rel}: HTTP {resp.status if resp else 'no response'}")
                continue
            page.wait_for_load_state("networkidle")
            if page.url != url:  # a redirect page (e.g. the root index); its target is checked itself
                continue
            broken = page.evaluate("""() => [...document.images]
                .filter(i => !i.complete || i.naturalWidth === 0).map(i => (i.getAttribute('src') || '').slice(0, 80))""")
            problems += [f"{rel}: image does not load: {src}" for src in broken]
            bare = page.evaluate("""() => [...document.querySelectorAll('article img')]
                .filter(i => !(i.getAttribute('alt') || '').trim()
                             || !i.closest('figure') || !i.closest('figure').querySelector('figcaption'))
                .map(i => (i.getAttribute('src') || '').slice(0, 80))""")
            problems += [f"{rel}: figure without alt text or caption: {src}" for src in bare]
            text = page.inner_text("body")
            problems += [f"{rel}: Python traceback in an output" for m in TRACEBACK_MARKERS if m in text][:1]
            outputs = page.evaluate(f"() => [...document.querySelectorAll('{OUTPUT_SELECTOR}')].map(e => e.innerText)")
            problems += [f"{rel}: unclean output, {u}" for u in unclean_outputs(outputs)]
            for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"):
                target, frag = urldefrag(urljoin(url, href))
                if not target.startswith(base):
                    continue
                path = html_dir / unquote(urlparse(target).path[len(urlparse(base).path):])
                if path.is_dir():
                    path = path / "index.html"
                if not path.exists():
                    problems.append(f"{rel}: broken internal link {href}")
                elif frag and path.suffix == ".html" and unquote(frag) not in anchors(path):
                    problems.append(f"{rel}: link to a missing anchor {href}")
            if re.search(r"p\d_claims\.html$", rel) \
                    and not any(a.endswith("-claims-forest") for a in anchors(html_dir / rel)):
                problems.append(f"{rel}: no verdict forest plot (a ledger with real-data claims draws one)")
            problems += static_problems(rel, (html_dir / rel).read_text(encoding="utf-8", errors="replace"))
            # as a reader first sees it (folded tables folded), then with every fold opened
            height = page.evaluate("() => document.documentElement.scrollHeight")
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            measure = page.evaluate(MEASURE_JS)
            forests = forest_labels(page.evaluate(IMAGES_JS), lambda src: image_bytes(src, base, html_dir))
            page.set_viewport_size({"width": PHONE, "height": 900})
            phone = page.evaluate(MEASURE_JS)
            verdicts = page.evaluate(VERDICT_JS)
            if rel == "book/intro.html":  # as a phone loads it (a resized desktop page keeps the theme's drawers)
                phone_page = context.new_page()
                phone_page.set_viewport_size({"width": PHONE, "height": 900})
                phone_page.goto(url, wait_until="load")
                phone_page.screenshot(path=str(shots / f"book_intro_{PHONE}.png"), full_page=False)
                phone_page.close()
            page.set_viewport_size({"width": DESKTOP, "height": 900})
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = false)")
            problems += layout_problems(rel, measure, DESKTOP) + height_problem(rel, height)
            problems += layout_problems(rel, {"page_overflow": phone["page_overflow"]}, PHONE)
            problems += verdict_problems(rel, verdicts) + label_problems(rel, forests)
            per_page[rel] = {"width_overflow_px": max([measure["page_overflow"], *(i["over"] for i in measure["items"]), 0]),
                             "phone_overflow_px": max(phone["page_overflow"], 0), "height_px": height,
                             "claims_tables": len(verdicts), "verdicts_hidden_at_phone": sum(v["hidden"] for v in verdicts),
                             "smallest_forest_label_px": min((f["label_px"] for f in forests), default=None),
                             "forest_plots": forests}
            if "scoreboard" in rel:
                heights[rel] = height  # groups collapsed
                page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
                for width in (DESKTOP, PHONE):   # a desktop and a phone, every collapsed group opened
                    page.set_viewport_size({"width": width, "height": 900})
                    wide = page.evaluate("""() => [...document.querySelectorAll('table.scoreboard')]
                        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length""")
                    if wide:
                        problems.append(f"{rel}: {wide} scoreboard tables wider than the text column at {width} px")
                page.set_viewport_size({"width": DESKTOP, "height": 900})
                page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = false)")
            info, probs = exercise_explorers(page, rel, shots)
            explorers += info
            problems += probs
            problems += [f"{rel}: JavaScript error: {e}" for e in js_errors
                         if "favicon" not in e and "Failed to load resource" not in e
                         and "net::ERR_FAILED" not in e]
            if axe is not None:
                page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
                res = axe.run(page).response
                found = []
                for v in res.get("violations", []):
                    impacts[v.get("impact") or "none"] += len(v["nodes"])
                    rules[f"{v['id']} ({v.get('impact')})"] += len(v["nodes"])
                    found.append({"id": v["id"], "impact": v.get("impact"), "nodes": len(v["nodes"]),
                                  "help": v["help"], "example": v["nodes"][0]["html"][:200] if v["nodes"] else ""})
                    if v.get("impact") in FAIL_IMPACTS:
                        problems.append(f"{rel}: accessibility ({v['impact']}): {v['id']} × {len(v['nodes'])}: "
                                        f"{v['help']}")
                axe_pages[rel] = found
            if rel in shot_targets:
                page.evaluate("() => { document.querySelectorAll('details').forEach(d => d.open = false); "
                              "window.scrollTo(0, 0); }")
                page.screenshot(path=str(shots / (rel.replace("/", "_").replace(".html", ".png"))), full_page=False)
        browser.close()
    srv.shutdown()
    summary = {"pages": len(pages), "axe_nodes_by_impact": dict(impacts), "axe_nodes_by_rule": dict(rules.most_common()),
               "axe_pages": axe_pages, "blocked_requests": dict(blocked), "explorers": explorers,
               "scoreboard_heights_px": heights, "limits": {"desktop_px": DESKTOP, "phone_px": PHONE,
               "max_height_px": MAX_HEIGHT_PX, "min_label_px": MIN_LABEL_PX}, "per_page": per_page,
               "problems": problems,
               "plotly_js_bytes": (html_dir / "_static" / "plotly.min.js").stat().st_size
               if (html_dir / "_static" / "plotly.min.js").is_file() else None}
    report_path.write_text(json.dumps(summary, indent=1))
    print(f"checked {len(pages)} pages with the network blocked ({sum(blocked.values())} outside requests blocked: "
          f"{dict(blocked)}); screenshots in {shots}; summary in {report_path}")
    if axe is not None:
        print(f"axe-core: violations (nodes) by impact {dict(impacts)}")
    print(f"explorers exercised: {len(explorers)}")
    if per_page:
        tall = max(per_page, key=lambda r: per_page[r]["height_px"])
        labels = [(v["smallest_forest_label_px"], r) for r, v in per_page.items() if v["smallest_forest_label_px"]]
        print(f"tallest page {tall} ({per_page[tall]['height_px']:,} px at {DESKTOP} px); width overflow on "
              f"{sum(v['width_overflow_px'] > 1 for v in per_page.values())} pages; smallest forest-plot label "
              + (f"{min(labels)[0]} px ({min(labels)[1]})" if labels else "none found"))
    for p in problems:
        print("  PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
