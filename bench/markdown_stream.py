"""What a streamed Markdown reply costs the browser (`python -m bench.markdown_stream`).

Loads the web UI's own `markdown.js` in headless Chromium (files served from web/ by a route,
no services needed) and renders one long reply delta by delta two ways: the UI's
`streamMarkdown` (finished blocks rendered once, only the last block again) and, for
comparison, the whole text re-rendered on every delta. Prints the total and per-delta times;
the first grows with the reply's length, the second with its square.
"""

from __future__ import annotations

import argparse
import mimetypes
import shutil

from playwright.sync_api import Route, sync_playwright

from shared.core.config import ROOT

ORIGIN = "http://bench.invalid"
BLOCK = (
    "Here is a paragraph with **bold**, `code` and a [link](https://example.org).\n\n"
    "| Item | Cost |\n| --- | --- |\n| Tea | 3 |\n| Cake | 4 |\n\n"
    "- one point\n- another point\n\n"
    "```python\ndef add(a, b):\n    return a + b\n```\n\n"
)
MEASURE = """async ([text, pieces]) => {
  const { renderMarkdown, streamMarkdown } = await import("/assets/js/markdown.js");
  const size = Math.ceil(text.length / pieces);
  const deltas = Array.from({ length: pieces }, (_, i) => text.slice(i * size, (i + 1) * size));
  const box = document.createElement("div");
  document.body.append(box);
  let started = performance.now();
  const stream = streamMarkdown(box);
  for (const delta of deltas) { stream.append(delta); stream.flush(); }
  const incremental = performance.now() - started;
  const incrementalHtml = box.innerHTML;
  started = performance.now();
  let sofar = "";
  for (const delta of deltas) { sofar += delta; renderMarkdown(box, sofar); }
  const full = performance.now() - started;
  return { incremental, full, same: incrementalHtml === box.innerHTML };
}"""


def serve_web(route: Route) -> None:
    path = route.request.url.removeprefix(ORIGIN).split("?")[0]
    file = (ROOT / "web" / path.lstrip("/")).resolve()
    if path == "/" or not file.is_relative_to(ROOT / "web") or not file.is_file():
        route.fulfill(status=200, content_type="text/html", body="<!doctype html><body></body>")
        return
    kind = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file.name)[0]
    kind = kind or "application/octet-stream"
    route.fulfill(status=200, content_type=kind, body=file.read_bytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--chars-per-delta", type=int, default=12)
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        page = browser.new_page()
        page.route(f"{ORIGIN}/**", serve_web)
        page.goto(f"{ORIGIN}/")
        header = ("reply chars", "deltas", "stream ms", "full ms", "per delta")
        print("{:>11} {:>7} {:>10} {:>9} {:>18}".format(*header))
        for blocks in args.blocks:
            text = BLOCK * blocks
            pieces = max(1, len(text) // args.chars_per_delta)
            result = page.evaluate(MEASURE, [text, pieces])
            per = f"{result['incremental'] / pieces:.3f} vs {result['full'] / pieces:.3f}"
            print(
                f"{len(text):>11} {pieces:>7} {result['incremental']:>10.0f} "
                f"{result['full']:>9.0f} {per:>18}"
                + ("" if result["same"] else "  (final HTML differs)")
            )
        browser.close()


if __name__ == "__main__":
    main()
