"""How fast the training explorer opens, and how much JavaScript heap it takes, by points.

The page of MLP(2, [16, 16, 1]) with 100 snapshots (what ``autograd-scalar
demo`` writes for any number of steps) on ``make_moons(n)`` for each ``n`` of
``--points`` (default 10,000 and 100,000). The snapshots are made without
training (the parameters drift a little each step, the loss falls): the page's
cost depends on the points and snapshots, not on how the numbers came about.

Each page opens in headless Chromium (``/usr/bin/chromium``, through
playwright) at 1280x800. Printed per size: the time to write the page in
Python, its size, the open time (navigation start until the explorer has
drawn its first step: ``root.agsExplorer`` is set at the end of that), the
time until the accuracy curve over every snapshot is complete, and the JS
heap in use then (CDP's ``Runtime.getHeapUsage``, after a garbage collection)
and at its peak during the opening (``performance.memory``'s used size,
sampled). Targets: at 10,000 points open in <= 2 s with <= 300 MB of heap;
at 100,000 the page opens at all.

Usage: ``python benchmarks/explorer_open.py [--points 10000 100000]``
"""

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from autograd_scalar.data import make_moons
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP

SNAPSHOTS = 100
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"]


def recorder(n: int) -> Recorder:
    X, y = make_moons(n, noise=0.1, seed=1337)
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    rec = Recorder(model, X, [2 * label - 1 for label in y])
    rng = random.Random(0)
    params = model.parameters()
    for k in range(SNAPSHOTS):
        for p in params:
            p.grad = rng.gauss(0.0, 0.1)
        rec.record(1.0 / (k + 1))
        for p in params:
            p.data -= 0.05 * p.grad
    return rec


def measure(browser, path: Path) -> dict:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("crash", lambda _: errors.append("the tab crashed"))
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.enable")
    start = time.perf_counter()
    try:
        page.goto(path.as_uri(), timeout=180_000)
        page.wait_for_function(
            "document.querySelector('.ags-explorer').agsExplorer", timeout=180_000, polling=20
        )
    except Exception as error:  # a crash or a timeout: the page did not open
        return {"error": errors[-1] if errors else type(error).__name__}
    opened = page.evaluate("performance.now()") / 1000
    peak = page.evaluate("performance.memory.usedJSHeapSize")
    page.wait_for_function(
        "(e => !e.curveDone || e.curveDone())(document.querySelector('.ags-explorer').agsExplorer)",
        timeout=600_000,
        polling=50,
    )
    curve = time.perf_counter() - start
    cdp.send("HeapProfiler.collectGarbage")
    used = cdp.send("Runtime.getHeapUsage")["usedSize"]
    page.close()
    return {"open": opened, "curve": curve, "heap": used, "peak": peak, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--points", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for n in args.points:
            t0 = time.perf_counter()
            path = recorder(n).save(Path(folder) / f"explorer-{n}.html")
            written = time.perf_counter() - t0
            size = path.stat().st_size / 1e6
            got = measure(browser, path)
            if "error" in got:
                print(
                    f"{n:>7,} points: page {size:.1f} MB written in {written:.1f} s; "
                    f"did NOT open ({got['error']})"
                )
                ok = False
                continue
            print(
                f"{n:>7,} points: page {size:.1f} MB written in {written:.1f} s; "
                f"opens in {got['open']:.2f} s, accuracy curve complete at {got['curve']:.2f} s; "
                f"JS heap {got['heap'] / 1e6:.0f} MB after opening "
                f"(about {got['peak'] / 1e6:.0f} MB at first draw)"
                + (f"; page errors: {got['errors']}" if got["errors"] else "")
            )
            ok = ok and not got["errors"]
        browser.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
