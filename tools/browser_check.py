"""Check the built HTML book in a real browser (Debian's headless Chromium via Playwright).

For every page in _toc.yml: it loads over a loopback HTTP server; MathJax typesets with no
error nodes and no raw ``$$`` or ``$...$`` left in the text; every ``<img>`` has loaded; no
console errors and no failed requests, except the known-harmless messages listed below.
At a phone's width (375 px) and a desktop's (1280 px), with solutions' dropdowns and
collapsed cells opened: at 1280 px no display equation, table, figure or code block is
wider than the text column; at 375 px a wide one sits in a box that scrolls sideways with a
drawn scrollbar (a box that clips, or content that spills over the column, fails). Before
it checks the book it plants an overflowing equation and a clipped table on a page, and
fails unless it catches both. Saves screenshots of the pages in SCREENSHOT_PAGES at both
widths, whole and cropped to one element.

Usage: python tools/browser_check.py HTML_DIR --screenshots DIR
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
# Console errors that mean nothing is broken. Empty: "Got invalid theme mode", logged on
# every first load until book/_ext/rgbook_assets.py set the theme's default mode, is an error
# again.
HARMLESS: tuple[str, ...] = ()
#: Pages photographed at both widths (PNG files named after the page and the width), whole
#: and, cropped, the first element the selector finds: the RBM's definition, the 2D table.
SCREENSHOT_PAGES = {
    "book/rbm": "div.proof",
    "book/mehta_schwab": '#measuring-the-resemblance table:has-text("rms radius")',
}
#: The widths (CSS pixels) the overflow check runs at: a phone and a desktop.
WIDTHS = (375, 1280)
#: From this width up nothing may need a sideways scroll; below it a visible scrollbar will do.
STRICT_WIDTH = 1000

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
    // TeX a reader sees as typed: "$K_n$" in a table printed by a cell (Markdown output
    // renders no math), or in a caption; code and typeset math are removed above.
    rawInline: (clone.textContent.match(/\\$[^$\\s][^$\\n]{0,80}?\\$/g) || []).slice(0, 5),
    brokenImages: Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src),
    images: document.images.length,
  };
}
"""

# An element overflows when its content is wider than the room it has and no box between it
# and the article scrolls: MathJax's SVG, a table or a <pre> then either spills over the column
# (into the margin or off screen) or is cut off by an ancestor with overflow hidden, as
# display equations in the proof boxes were. Elements narrower than 1 px less than their room
# are fine, so sub-pixel rounding is not a failure.
OVERFLOW_CHECK = """
(strict) => {
  // Open what a reader can open (solutions' dropdowns, collapsed cells): they are read too.
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('.toggle-hidden').forEach(t => t.classList.remove('toggle-hidden'));
  const article = document.querySelector('article.bd-article') || document.querySelector('main') || document.body;
  const edge = article.getBoundingClientRect().right;
  const kinds = [
    ['equation', 'mjx-container[display="true"], mjx-container[jax][display]'],
    ['table', 'table'],
    ['figure', 'figure img, div.figure img, .cell_output img'],
    ['code', 'div.highlight pre, .cell_output pre, pre.literal-block'],
  ];
  const seen = new Set();
  const bad = [];
  // The book's CSS (book/_static) gives every sideways-scrolling box a coloured, always-shown
  // scrollbar; a box left to the browser's default may show none (MathJax's, on a phone).
  // Visible means drawn: the box is shorter inside than outside by the bar's height
  // (headless Chromium hides scrollbars unless started without --hide-scrollbars, as here).
  const visibleBar = (el) => {
    const cs = getComputedStyle(el);
    const borders = parseFloat(cs.borderTopWidth) + parseFloat(cs.borderBottomWidth);
    return cs.scrollbarWidth !== 'none' && el.offsetHeight - el.clientHeight - borders >= 4;
  };
  const label = (el) => {
    const raw = el.textContent || el.getAttribute('alt') || el.getAttribute('src') || '';
    const text = raw.replace(/\\s+/g, ' ').trim();
    const sec = el.closest('section[id]');
    return (sec ? '#' + sec.id + ' ' : '') + JSON.stringify(text.slice(0, 60));
  };
  for (const [kind, selector] of kinds) {
    for (const el of article.querySelectorAll(selector)) {
      if (seen.has(el) || el.closest('[hidden]')) continue;
      seen.add(el);
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 && rect.height === 0) continue;  // not displayed
      let verdict = null;
      // The content's own width: a <pre> or a table may be laid out wider than its box.
      const width = Math.max(el.scrollWidth, rect.width);
      const right = rect.left + width;
      for (let a = el; a && a !== article.parentElement; a = a.parentElement) {
        if (a.scrollWidth > a.clientWidth + 1) {
          const ox = getComputedStyle(a).overflowX;
          if (ox === 'auto' || ox === 'scroll') {
            if (!strict && visibleBar(a)) verdict = 'scrolls';
            else verdict = strict ? 'needs a sideways scroll' : 'scrolls with no visible scrollbar';
            break;
          }
          if (ox === 'hidden' || ox === 'clip') {
            const cls = a.className ? '.' + String(a.className).split(' ')[0] : '';
            verdict = 'cut off by ' + a.tagName.toLowerCase() + cls;
            break;
          }
        }
      }
      if (verdict === null && right > edge + 1) verdict = 'spills ' + Math.round(right - edge) + ' px over the column';
      if (verdict && verdict !== 'scrolls') bad.push(kind + ' ' + label(el) + ': ' + verdict);
    }
  }
  return bad;
}
"""

# Plants an equation far wider than any column in a definition box, and a wide table in a box
# that clips, so the check can show it catches both before it is trusted with the book.
PLANT = """
async () => {
  const box = document.querySelector('div.proof section') || document.querySelector('article.bd-article');
  const eq = document.createElement('div');
  eq.className = 'math notranslate nohighlight';
  eq.textContent = '\\\\[' + Array.from({length: 60}, (_, i) => 'x_{' + i + '}').join(' + ') + '\\\\]';
  box.appendChild(eq);
  const clip = document.createElement('div');
  clip.style.overflow = 'hidden';
  clip.innerHTML = '<table><tr><td>' + 'planted_wide_table_cell_'.repeat(40) + '</td></tr></table>';
  box.appendChild(clip);
  await MathJax.typesetPromise([eq]);
  return document.querySelectorAll('mjx-container').length;
}
"""


def self_test(page, url: str) -> list[str]:
    """Plant an overflowing equation and table on a page; return what the check missed."""
    missed = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(url, wait_until="load")
        page.wait_for_load_state("networkidle")
        page.evaluate(MATH_CHECK)
        before = page.evaluate(OVERFLOW_CHECK, width >= STRICT_WIDTH)
        page.evaluate(PLANT)
        new = [item for item in page.evaluate(OVERFLOW_CHECK, width >= STRICT_WIDTH) if item not in before]
        if width >= STRICT_WIDTH and not any(item.startswith("equation") for item in new):
            missed.append(f"a planted 60-term equation at {width} px")
        if not any(item.startswith("table") and "cut off" in item for item in new):
            missed.append(f"a planted table cut off by its box at {width} px")
    return missed


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


def check_page(page, url: str, name: str, problems: list[str], screenshots: Path) -> list[str]:
    """Load one page at each of WIDTHS and return what is wrong with it (empty if nothing)."""
    failures: list[str] = []
    overflowing: dict[str, list[int]] = {}
    for width in sorted(WIDTHS, reverse=True):
        problems.clear()
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(url, wait_until="load")
        if response is None or response.status != 200:
            return [f"{name}: did not load ({response.status if response else 'no response'})"]
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
        if r["rawInline"]:
            failures.append(f"{name}: TeX shown as typed: {', '.join(r['rawInline'])}")
        if r["brokenImages"]:
            failures.append(f"{name}: images that did not load: {r['brokenImages']}")
        failures.extend(f"{name}: {msg}" for msg in problems)
        # On a desktop everything fits the column; on a phone a wide box may scroll sideways.
        for item in page.evaluate(OVERFLOW_CHECK, width >= STRICT_WIDTH):
            overflowing.setdefault(item, []).append(width)
        if name in SCREENSHOT_PAGES:
            shot = screenshots / f"{name.replace('/', '_')}_{width}px.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot of {name} at {width} px: {shot.resolve()}")
            element = page.query_selector(SCREENSHOT_PAGES[name])
            if element is not None:
                crop = shot.with_name(f"{shot.stem}_element.png")
                element.screenshot(path=str(crop))
                print(f"screenshot of {SCREENSHOT_PAGES[name]!r} on {name} at {width} px: {crop.resolve()}")
    failures.extend(f"{name}: at {'/'.join(map(str, w))} px: {item}" for item, w in overflowing.items())
    failures = list(dict.fromkeys(failures))  # the same console error at both widths once
    print(f"{name}: math {r['typeset']}/{r['mathNodes']} typeset, {r['images']} images, {len(failures)} problems")
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html", type=Path, nargs="?")
    parser.add_argument("--screenshots", type=Path, help="folder for the screenshots")
    parser.add_argument("--find", action="store_true", help="print the browser's path and exit")
    args = parser.parse_args()
    browser_path = find_browser()
    if args.find:
        if browser_path is None:
            return 1
        print(browser_path)
        return 0
    if args.html is None or args.screenshots is None:
        parser.error("HTML_DIR and --screenshots are required unless --find is given")
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
        # Scrollbars drawn, as a reader sees them: the check needs them to be visible.
        browser = p.chromium.launch(
            executable_path=browser_path, args=CHROMIUM_ARGS, ignore_default_args=["--hide-scrollbars"]
        )
        page = browser.new_page(viewport={"width": WIDTHS[-1], "height": 900})
        problems: list[str] = []
        page.on(
            "console",
            lambda m: m.type == "error" and not any(h in m.text for h in HARMLESS) and problems.append(m.text),
        )
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
        pages = toc_pages(ROOT / "_toc.yml")
        planted_on = next((n for n in pages if 'class="proof' in (args.html / f"{n}.html").read_text()), pages[0])
        missed = self_test(page, f"{base}/{planted_on}.html")
        if missed:
            failures.extend(f"self-test on {planted_on}: the overflow check missed {m}" for m in missed)
        else:
            print(f"self-test on {planted_on}: planted overflows caught at {' and '.join(map(str, WIDTHS))} px")
        for name in pages:
            failures.extend(check_page(page, f"{base}/{name}.html", name, problems, args.screenshots))
        browser.close()
    server.shutdown()
    if failures:
        print("\nbrowser check FAILED:", *failures, sep="\n  ", file=sys.stderr)
        return 1
    print("browser check passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
