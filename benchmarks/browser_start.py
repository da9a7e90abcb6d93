"""How fast the browser playground starts, and how much it downloads.

The site of ``docs/build_browser.py`` (built here unless ``--site`` names one)
is served from 127.0.0.1 and opened in headless Chromium (``/usr/bin/chromium``,
through playwright) at 1280x800 with every request to another host aborted.
The playground runs its example (the sum-over-paths gradients, the drawing and
the trace stepper) as soon as Python is ready; measured per run, in seconds
since navigation start, is the moment that first output is on the page:

* cold: a new browser profile (empty HTTP and compiled-code caches);
* warm: the same page loaded again in that profile (files from the cache).

The download is the sum over every file the cold page fetched of its size
gzipped (level 6, what a web server's ``gzip on`` gives) and raw. Targets: cold
<= 6 s, warm <= 2 s, <= 8 MB gzipped; ``--check-targets`` exits 1 when one is
missed.

Usage: ``python benchmarks/browser_start.py [--site build/browser] [--runs 3] [--check-targets]``
"""

import argparse
import functools
import gzip
import http.server
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
TARGETS = {"cold": 6.0, "warm": 2.0, "gzipped_mb": 8.0}


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(folder: Path) -> str:
    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/"


def first_output(page, url: str) -> float:
    """Seconds from navigation start until the example's outputs are on the page."""
    page.goto(url)
    page.wait_for_function("document.body.dataset.state === 'done'", timeout=120_000)
    if page.locator(".ags-output-error").count():
        raise SystemExit(f"the playground's example failed: {page.inner_text('#output')}")
    times = page.evaluate("window.agsTimes")
    print("  stages (s):", ", ".join(f"{k} {v / 1000:.2f}" for k, v in times.items()))
    return times["firstOutput"] / 1000


def one_profile(playwright, base: str, fetched: set) -> tuple:
    """(cold, warm) seconds in a fresh browser profile; the cold page's files into ``fetched``."""
    with tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path="/usr/bin/chromium",
            args=ARGS,
            viewport={"width": 1280, "height": 800},
        )
        outside = []

        def route(request_route):
            url = request_route.request.url
            if url.startswith(base):
                if not url.endswith("favicon.ico"):  # the browser's own ask, a 404
                    fetched.add(urlparse(url).path)
                request_route.continue_()
            else:
                outside.append(url)
                request_route.abort()

        page = context.new_page()
        page.route("**/*", route)
        cold = first_output(page, base + "index.html")
        page.unroute("**/*")  # a routed request bypasses the HTTP cache
        warm = first_output(page, base + "index.html")
        context.close()
    if outside:
        raise SystemExit(f"the page asked other hosts for {outside}")
    return cold, warm


def lesson_files(playwright, base: str, lesson: str) -> set:
    """The files a lesson page fetches until its Python is ready and its math typeset."""
    fetched: set = set()
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
    page = browser.new_page()
    page.on("request", lambda request: fetched.add(urlparse(request.url).path))
    page.goto(f"{base}lesson.html#{lesson}")
    page.wait_for_function("document.body.dataset.state === 'ready'", timeout=120_000)
    page.wait_for_function("window.MathJax && window.MathJax.typesetPromise", timeout=60_000)
    browser.close()
    return {path for path in fetched if not path.endswith("favicon.ico")}


def sizes(site: Path, fetched: set) -> tuple:
    """(raw, gzipped) bytes of the files the page fetched."""
    raw = zipped = 0
    for path in fetched:
        data = (site / path.lstrip("/")).read_bytes()
        raw += len(data)
        zipped += len(gzip.compress(data, compresslevel=6))
    return raw, zipped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build one now)")
    parser.add_argument("--runs", type=int, default=3, help="fresh profiles to measure")
    parser.add_argument("--check-targets", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or Path(tmp) / "browser"
        if args.site is None:
            command = [sys.executable, str(ROOT / "docs" / "build_browser.py"), "--out", str(site)]
            subprocess.run(command, check=True)
        base, fetched = serve(site), set()
        with sync_playwright() as playwright:
            times = [one_profile(playwright, base, fetched) for _ in range(args.runs)]
            lesson = lesson_files(playwright, base, "01_by_hand")
        raw, zipped = sizes(site, fetched)
        lesson_raw, lesson_zipped = sizes(site, lesson)
    cold, warm = [statistics.median(t[i] for t in times) for i in (0, 1)]
    figures = {"cold": cold, "warm": warm, "gzipped_mb": zipped / 1e6}
    print(f"cold start to first gradient and drawing: {cold:.2f} s (median of {args.runs})")
    print(f"  runs: {', '.join(f'{c:.2f}' for c, _ in times)}")
    print(f"warm (cached) start: {warm:.2f} s   runs: {', '.join(f'{w:.2f}' for _, w in times)}")
    print(f"download: {zipped / 1e6:.2f} MB gzipped, {raw / 1e6:.2f} MB raw, {len(fetched)} files")
    print(
        f"a lesson page (01): {lesson_zipped / 1e6:.2f} MB gzipped, {lesson_raw / 1e6:.2f} MB raw"
        " (the playground's files and MathJax; its lesson text is a few kB)"
    )
    missed = [name for name, figure in figures.items() if figure > TARGETS[name]]
    for name in missed:
        print(f"target missed: {name} {figures[name]:.2f} > {TARGETS[name]}")
    return 1 if (args.check_targets and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
