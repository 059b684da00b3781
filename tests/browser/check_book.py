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
- a claims page without its verdict forest plot (its image is checked as every image is).

Writes a JSON summary (pages, axe violations by impact and rule, blocked requests, explorers, problems)
to ``_build/browser-report.json`` and screenshots to ``_build/screenshots/`` (the landing page, one page
per chapter, and the first explorer of each page in two states).

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
    "machine path": re.compile(r"(?<![\w.])/(?:work|tmp|home)/[\w.-]"),
    "PosixPath repr": re.compile(r"\b(?:Posix|Windows)?Path\('"),
    "object repr": re.compile(r"<[\w.]+ object at 0x[0-9a-fA-F]+>"),
    "stray return value": re.compile(r"^\s*(?:\[?<matplotlib\.|\(?<Figure size |<Axes: |Text\(-?[\d.]+, |"
                                     r"(?:VBox|HBox|Output|Dropdown)\(children=|<IPython\.core\.display\.)", re.M),
}
OUTPUT_SELECTOR = ".cell_output"


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
    shots.mkdir(parents=True, exist_ok=True)
    shot_targets = {"book/intro.html"} | {f"book/p{i}/index.html" for i in range(1, 6)}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})

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
            if "scoreboard" in rel:
                heights[rel] = page.evaluate("() => document.documentElement.scrollHeight")  # groups collapsed
                page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
                for width in (1280, 390):   # a desktop and a phone, every collapsed group opened
                    page.set_viewport_size({"width": width, "height": 900})
                    wide = page.evaluate("""() => [...document.querySelectorAll('table.scoreboard')]
                        .filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length""")
                    if wide:
                        problems.append(f"{rel}: {wide} scoreboard tables wider than the text column at {width} px")
                page.set_viewport_size({"width": 1280, "height": 900})
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
                page.screenshot(path=str(shots / (rel.replace("/", "_").replace(".html", ".png"))), full_page=False)
        browser.close()
    srv.shutdown()
    summary = {"pages": len(pages), "axe_nodes_by_impact": dict(impacts), "axe_nodes_by_rule": dict(rules.most_common()),
               "axe_pages": axe_pages, "blocked_requests": dict(blocked), "explorers": explorers,
               "scoreboard_heights_px": heights, "problems": problems,
               "plotly_js_bytes": (html_dir / "_static" / "plotly.min.js").stat().st_size
               if (html_dir / "_static" / "plotly.min.js").is_file() else None}
    report_path.write_text(json.dumps(summary, indent=1))
    print(f"checked {len(pages)} pages with the network blocked ({sum(blocked.values())} outside requests blocked: "
          f"{dict(blocked)}); screenshots in {shots}; summary in {report_path}")
    if axe is not None:
        print(f"axe-core: violations (nodes) by impact {dict(impacts)}")
    print(f"explorers exercised: {len(explorers)}")
    for p in problems:
        print("  PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
