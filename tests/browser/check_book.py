"""Real-browser check of the built book (``make browser-test``).

Serves ``_build/html`` on 127.0.0.1, loads every page in headless Chromium
(Debian's ``chromium``, driven by Playwright) and fails on a missing image, a
figure without alt text or caption, a broken internal link, a Python traceback
in an output cell or a JavaScript error. Saves screenshots of the landing page and of one page per chapter to
``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TRACEBACK_MARKERS = ("Traceback (most recent call last)", "Error Traceback")


def serve(directory: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(directory))
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}/"


def main() -> int:
    from playwright.sync_api import sync_playwright

    if not (HTML / "index.html").is_file():
        print(f"no book at {HTML}: run `make book` first", file=sys.stderr)
        return 2
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        print("Chromium not found: `apt-get install chromium` (Debian) first", file=sys.stderr)
        return 2
    pages = sorted(p.relative_to(HTML).as_posix() for p in HTML.rglob("*.html")
                   if not p.relative_to(HTML).as_posix().startswith(("_static", "_sources", "genindex", "search")))
    srv, base = serve(HTML)
    problems: list[str] = []
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot_targets = {"book/intro.html"} | {f"book/p{i}/index.html" for i in range(1, 6)}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
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
                .filter(i => !i.complete || i.naturalWidth === 0).map(i => i.getAttribute('src').slice(0, 80))""")
            problems += [f"{rel}: image does not load: {src}" for src in broken]
            bare = page.evaluate("""() => [...document.querySelectorAll('article img')]
                .filter(i => !(i.getAttribute('alt') || '').trim()
                             || !i.closest('figure') || !i.closest('figure').querySelector('figcaption'))
                .map(i => i.getAttribute('src').slice(0, 80))""")
            problems += [f"{rel}: figure without alt text or caption: {src}" for src in bare]
            text = page.inner_text("body")
            problems += [f"{rel}: Python traceback in an output" for m in TRACEBACK_MARKERS if m in text][:1]
            for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"):
                target, _ = urldefrag(urljoin(url, href))
                if not target.startswith(base):
                    continue
                path = HTML / unquote(urlparse(target).path[len(urlparse(base).path):])
                if path.is_dir():
                    path = path / "index.html"
                if not path.exists():
                    problems.append(f"{rel}: broken internal link {href}")
            problems += [f"{rel}: JavaScript error: {e}" for e in js_errors
                         if "favicon" not in e and "Failed to load resource" not in e]
            if rel in shot_targets:
                out = SHOTS / (rel.replace("/", "_").replace(".html", ".png"))
                page.screenshot(path=str(out), full_page=False)
        browser.close()
    srv.shutdown()
    print(f"checked {len(pages)} pages; screenshots in {SHOTS}")
    for p in problems:
        print("  PROBLEM", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
