"""The moons step alone: forward + zero_grad + backward, in CPU ms.

A quick figure for before/after comparisons of an engine change (compare.py
measures the same step beside micrograd, PyTorch and numpy, in minutes).

Run::

    python benchmarks/moons_step.py                 # this checkout alone
    python benchmarks/moons_step.py OTHER [--rounds N]
    python benchmarks/moons_step.py OTHER --trainer   # demo.train's whole loop

With ``--trainer`` the unit timed is ``demo.train(model, X, labels, steps=5)``
(the package's training loop: five steps with the optimizer, the schedule and
the accuracies, then the final accuracy), not the bare step.

With OTHER (the folder of another checkout, e.g. a ``git worktree`` of an
older commit), both packages are imported into ONE process, under two names,
and timed in turns, step by step: a burst of load from other programs then
hits both alike, which separate runs (whose medians drift by ±5% on a shared
machine) cannot promise. It prints each one's median and the ratio
this/other with a spread: the ratio's median over each round of steps, and
its 10th and 90th percentiles across rounds; then the ratio of the two
engines' 10th-percentile steps (load only ever adds time, so the fastest
steps are the steadier figure).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent.parent
POINTS, SEED = 100, 1337


def load(checkout: Path, name: str) -> ModuleType:
    """Import ``checkout/autograd_scalar`` as the top-level package ``name``."""
    init = checkout / "autograd_scalar" / "__init__.py"
    if not init.is_file():
        raise SystemExit(f"moons_step: no autograd_scalar package in {checkout}")
    spec = importlib.util.spec_from_file_location(
        name, init, submodule_search_locations=[str(init.parent)]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    spec.loader.exec_module(package)
    return package


def make_step(package_name: str):
    """micrograd's demo step on the package: the same data and weights every time."""
    nn = importlib.import_module(f"{package_name}.nn")
    make_moons = importlib.import_module(f"{package_name}.data").make_moons
    X, y = make_moons(POINTS, noise=0.1, seed=SEED)
    y = [2 * v - 1 for v in y]
    model = nn.MLP(2, [16, 16, 1])
    rng = random.Random(SEED)
    for p in model.parameters():
        p.data = rng.uniform(-1, 1)

    def step():
        scores = [model(x) for x in X]
        loss = nn.hinge(scores, y) + 1e-4 * nn.l2(model.parameters())
        model.zero_grad()
        loss.backward()
        return loss.data

    return step


def make_training(package_name: str, steps: int = 5):
    """The demo's training loop on the package: ``steps`` more steps of one model per call."""
    demo = importlib.import_module(f"{package_name}.demo")
    model, X, labels = demo.moons_problem(seed=SEED, points=POINTS)

    def train():
        return demo.train(model, X, labels, steps=steps).losses

    return train


def timed(step) -> float:
    gc.collect()
    start = time.process_time()
    step()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("other", nargs="?", type=Path, help="another checkout to compare with")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of 20 steps each")
    parser.add_argument(
        "--trainer", action="store_true", help="time demo.train(steps=5), not the bare step"
    )
    args = parser.parse_args()
    make = make_training if args.trainer else make_step

    load(HERE, "ags_this")
    steps = {"this": make("ags_this")}
    if args.other is not None:
        load(args.other.resolve(), "ags_other")
        steps["other"] = make("ags_other")
        if steps["this"]() != steps["other"]():
            print("warning: the two checkouts compute different losses")
    for step in steps.values():  # warm-up
        step()
    times: dict = {name: [] for name in steps}
    ratios = []
    for _ in range(args.rounds):
        round_times: dict = {name: [] for name in steps}
        for _ in range(20):
            for name, step in steps.items():
                round_times[name].append(timed(step))
        for name in steps:
            times[name] += round_times[name]
        if args.other is not None:
            ratios.append(
                statistics.median(round_times["this"]) / statistics.median(round_times["other"])
            )
    for name in steps:
        print(
            f"moons {'training' if args.trainer else 'step'}, {name}: median {1000 * statistics.median(times[name]):.2f} ms, "
            f"min {1000 * min(times[name]):.2f} ms over {len(times[name])} steps"
        )
    if ratios:
        deciles = statistics.quantiles(ratios, n=10) if len(ratios) > 1 else ratios * 9
        print(
            f"this/other: {statistics.median(ratios):.3f} "
            f"(rounds' 10th-90th percentile {deciles[0]:.3f}-{deciles[-1]:.3f}, "
            f"{len(ratios)} rounds of 20 alternated steps)"
        )
        # Load from other programs only ever adds time: the fastest steps are
        # the steadier estimate of what each engine costs.
        fastest = {name: statistics.quantiles(times[name], n=10)[0] for name in steps}
        print(
            f"this/other, fastest tenth of the steps: {fastest['this'] / fastest['other']:.3f} "
            f"({1000 * fastest['this']:.2f} vs {1000 * fastest['other']:.2f} ms)"
        )


if __name__ == "__main__":
    main()
