"""Training in the explorer page, opening it, moving its slider: figures in headless Chromium.

Three measurements, each in a fresh page at 1280x800 (``/usr/bin/chromium``
through playwright):

1. **Training in the page.** The page of ``MLP(2, [16, 16, 1])`` on 200 points
   of ``make_moons`` (one recorded step); its *train* button runs full-batch
   SGD for ``--seconds`` seconds. Printed: steps a second, how often the
   page redrew (heat map, neuron maps, network, curves) a second, and the
   snapshots kept and the JS heap at the end (past 10,000 snapshots the page
   thins its timeline, so a long run stays bounded). Targets: >= 20 steps/s
   with >= 5 redraws/s.
2. **Opening and the slider.** A page of 100 recorded steps of the same model on
   1,000 points (snapshots as in ``explorer_open.py``): the time until the
   first step is drawn, and the median time of one slider step (an ``input``
   event to the end of the redraw), over 40 steps. Targets: <= 2 s, <= 50 ms.
3. **JS heap at 10,000 points.** The same page on 10,000 points once its
   accuracy curve is complete, after a garbage collection (CDP).

Usage: ``python benchmarks/explorer_train.py [--seconds 5]``; exits 1 when a
target is missed or the page reports an error.
"""

import argparse
import importlib.util
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from autograd_scalar.data import make_moons
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP, hinge

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-precise-memory-info"]
API = "document.querySelector('.ags-explorer').agsExplorer"


def _open_benchmark():
    path = Path(__file__).with_name("explorer_open.py")
    spec = importlib.util.spec_from_file_location("explorer_open", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def training_page(folder: Path) -> Path:
    X, y = make_moons(200, noise=0.1, seed=1337)
    labels = [2 * c - 1 for c in y]
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    recorder = Recorder(model, X, labels)
    loss = hinge([model(x) for x in X], labels)
    loss.backward()
    recorder.record(loss)
    return recorder.save(folder / "train-200.html")


def open_page(browser, path: Path):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors: list = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri(), timeout=180_000)
    page.wait_for_function(API, timeout=180_000, polling=20)
    return page, errors


def measure_training(browser, path: Path, seconds: float) -> dict:
    page, errors = open_page(browser, path)
    # Steps are counted by the newest step's number: past 10,000 snapshots the
    # page keeps only some of them, so their count is not the steps taken.
    figures = f"[{API}.view.data.steps.at(-1), {API}.view.renders, performance.now()]"
    start = page.evaluate(figures)
    page.click(".ags-ex-run")
    time.sleep(seconds)
    page.click(".ags-ex-run")
    end = page.evaluate(figures)
    elapsed = (end[2] - start[2]) / 1000
    snapshots = page.evaluate(f"{API}.view.data.steps.length")
    heap = used_heap(page)
    page.close()
    return {
        "steps": (end[0] - start[0]) / elapsed,
        "redraws": (end[1] - start[1]) / elapsed,
        "taken": end[0] - start[0],
        "snapshots": snapshots,
        "heap": heap,
        "errors": errors,
    }


def used_heap(page) -> int:
    """The page's JS heap in use after a garbage collection (CDP), in bytes."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    return cdp.send("Runtime.getHeapUsage")["usedSize"]


def measure_slider(browser, path: Path) -> dict:
    page, errors = open_page(browser, path)
    opened = page.evaluate("performance.now()") / 1000
    times = page.evaluate(
        """() => {
          const slider = document.querySelector('.ags-ex-slider'), times = [];
          for (let k = 1; k <= 40; k++) {
            const t0 = performance.now();
            slider.value = String(k);
            slider.dispatchEvent(new Event('input'));
            times.push(performance.now() - t0);
          }
          return times;
        }"""
    )
    page.close()
    return {"open": opened, "slider": statistics.median(times), "errors": errors}


def measure_heap(browser, path: Path) -> dict:
    page, errors = open_page(browser, path)
    page.wait_for_function(f"{API}.curveDone()", timeout=600_000, polling=100)
    used = used_heap(page)
    page.close()
    return {"heap": used, "errors": errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    replay = _open_benchmark()
    with tempfile.TemporaryDirectory() as name, sync_playwright() as playwright:
        folder = Path(name)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        train = measure_training(browser, training_page(folder), args.seconds)
        slider = measure_slider(browser, replay.recorder(1000).save(folder / "open-1000.html"))
        heap = measure_heap(browser, replay.recorder(10_000).save(folder / "open-10000.html"))
        browser.close()
    print(
        f"training in the page, MLP(2, [16, 16, 1]) on 200 points, full batch: "
        f"{train['steps']:.0f} steps/s, {train['redraws']:.1f} redraws/s (targets >= 20, >= 5); "
        f"after {train['taken']:,} steps the page keeps {train['snapshots']:,} snapshots, "
        f"JS heap {train['heap'] / 1e6:.0f} MB"
    )
    print(
        f"100 steps on 1,000 points: opens in {slider['open']:.2f} s (target <= 2), "
        f"slider step {slider['slider']:.1f} ms median (target <= 50)"
    )
    print(f"10,000 points: JS heap {heap['heap'] / 1e6:.0f} MB after the accuracy curve")
    errors = train["errors"] + slider["errors"] + heap["errors"]
    if errors:
        print(f"page errors: {errors}")
    met = (
        train["steps"] >= 20
        and train["redraws"] >= 5
        and slider["open"] <= 2
        and slider["slider"] <= 50
    )
    return 0 if met and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
