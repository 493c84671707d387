"""Check the built HTML book in a real browser (Debian's headless Chromium via Playwright).

For every page in _toc.yml: it loads over a loopback HTTP server; MathJax typesets with no
error nodes and no raw ``$$`` left; every ``<img>`` has loaded; no console errors and no
failed requests, except the known-harmless messages listed below. Saves a full-page
screenshot of the mapping chapter.

Usage: python tools/browser_check.py HTML_DIR --screenshot PNG
       python tools/browser_check.py --find   (print the browser it would use, or fail)

The browser is the first of: the file named by ``RGBOOK_BROWSER``; Debian's
``/usr/bin/chromium``; ``chromium``, ``chromium-browser``, ``google-chrome`` or
``google-chrome-stable`` on the PATH; Playwright's own Chromium (``playwright install chromium``).
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
#: Browser executables looked for on the PATH, in order, after CHROMIUM.
ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# Messages that every page of sphinx-book-theme logs and that mean nothing is broken.
HARMLESS = ("Got invalid theme mode",)
SCREENSHOT_PAGE = "book/mapping"

MATH_CHECK = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
    if (MathJax.typesetPromise) { await MathJax.typesetPromise(); }
  }
  const main = document.querySelector('main') || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, mjx-assistive-mml').forEach(e => e.remove());
  return {
    mathjax: !!(window.MathJax && MathJax.version),
    mathNodes: document.querySelectorAll('.math, div.math, span.math').length,
    typeset: document.querySelectorAll('mjx-container').length,
    errors: document.querySelectorAll('mjx-merror, .MathJax_Error, [data-mjx-error]').length,
    rawDollars: clone.textContent.includes('$$'),
    brokenImages: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    images: document.images.length,
  };
}
"""


def toc_pages(toc_file: Path) -> list[str]:
    """Every page named in a Jupyter Book _toc.yml, root first."""
    toc = yaml.safe_load(toc_file.read_text())
    pages = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return pages


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(directory: Path) -> ThreadingHTTPServer:
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def find_browser() -> str | None:
    """The Chromium-like browser the check drives (see the module docstring), or None."""
    named = os.environ.get("RGBOOK_BROWSER")
    if named:
        return named if Path(named).is_file() else None
    if Path(CHROMIUM).is_file():
        return CHROMIUM
    for name in ON_PATH:
        if found := shutil.which(name):
            return found
    try:  # Playwright's own download, if `playwright install chromium` was run
        with sync_playwright() as p:
            own = p.chromium.executable_path
    except Exception:  # noqa: BLE001 (no driver, no download: not found, not an error)
        return None
    return own if own and Path(own).is_file() else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, nargs="?")
    parser.add_argument("--screenshot", type=Path)
    parser.add_argument("--find", action="store_true", help="print the browser's path and exit")
    args = parser.parse_args()
    browser_path = find_browser()
    if args.find:
        if browser_path is None:
            return 1
        print(browser_path)
        return 0
    if args.html is None or args.screenshot is None:
        parser.error("HTML_DIR and --screenshot are required unless --find is given")
    if browser_path is None:
        print(
            "no Chromium found; install one (sudo apt-get install -y chromium, or "
            "playwright install chromium) or name it in RGBOOK_BROWSER",
            file=sys.stderr,
        )
        return 1
    server = serve(args.html)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    failures: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems: list[str] = []
        page.on(
            "console",
            lambda m: m.type == "error" and not any(h in m.text for h in HARMLESS) and problems.append(m.text),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
        for name in toc_pages(ROOT / "_toc.yml"):
            problems.clear()
            url = f"{base}/{name}.html"
            response = page.goto(url, wait_until="load")
            if response is None or response.status != 200:
                failures.append(f"{name}: did not load ({response.status if response else 'no response'})")
                continue
            page.wait_for_load_state("networkidle")
            r = page.evaluate(MATH_CHECK)
            if r["mathNodes"] and not r["mathjax"]:
                failures.append(f"{name}: page has math but MathJax did not load")
            if r["mathNodes"] and r["typeset"] == 0:
                failures.append(f"{name}: MathJax typeset nothing ({r['mathNodes']} math nodes)")
            if r["errors"]:
                failures.append(f"{name}: {r['errors']} MathJax error nodes")
            if r["rawDollars"]:
                failures.append(f"{name}: raw $$ left in the page text")
            if r["brokenImages"]:
                failures.append(f"{name}: images that did not load: {r['brokenImages']}")
            failures.extend(f"{name}: {msg}" for msg in problems)
            print(
                f"{name}: math {r['typeset']}/{r['mathNodes']} typeset, {r['images']} images, {len(problems)} problems"
            )
            if name == SCREENSHOT_PAGE:
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(args.screenshot), full_page=True)
                print(f"screenshot of {name}: {args.screenshot.resolve()}")
        browser.close()
    server.shutdown()
    if failures:
        print("\nbrowser check FAILED:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    print("browser check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
