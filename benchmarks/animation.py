"""Time and size of ``save_animation`` for the two examples a class uses.

* the sum-over-paths example: c = a + b, d = a·b, o = c·d/2 at a = 2, b = 3 (6 steps);
* one MLP(2, [16, 16, 1]) example's squared-error loss (about 400 steps; a drawing
  about 1000 nodes and 25,000 points tall), weights drawn from ``random.seed(0)``.

For each example and format: wall time (what a user waits), CPU time of this process
(the machine's cores are often shared, which stretches wall time but hardly CPU
time), the file's size, the frame count and size. The figures go in
benchmarks/README.md.

Usage: ``python benchmarks/animation.py [--formats gif webp png] [--quick] [--scale S]``
(``--quick``: the small example only, seconds; ``--scale``: zoom, as ``save_animation``'s).
"""

import argparse
import random
import tempfile
import time
from pathlib import Path

from PIL import Image

from autograd_scalar import Value, nn, trace_backward
from autograd_scalar.nn import mse


def sum_over_paths():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c, d = a + b, a * b
    c.label, d.label = "c", "d"
    o = c * d / 2
    o.label = "o"
    return o


def mlp_loss():
    random.seed(0)
    model = nn.MLP(2, [16, 16, 1])
    return mse([model([0.5, -1.0])], [1.0])


def measure(name: str, root, suffix: str, folder: Path, scale=None) -> str:
    trace = trace_backward(root)
    wall, cpu = time.perf_counter(), time.process_time()
    out = trace.save_animation(folder / f"{name}{suffix}", scale=scale)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with Image.open(out) as movie:
        frames, size = getattr(movie, "n_frames", 1), movie.size
    return (
        f"{name:<16} {suffix:<6} {len(trace.steps):>6} {frames:>7} {size[0]:>5}x{size[1]:<5}"
        f" {wall:>8.1f} {cpu:>8.1f} {out.stat().st_size / 1e6:>8.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--formats", nargs="+", default=["gif", "webp"], choices=["gif", "webp", "png"]
    )
    parser.add_argument("--quick", action="store_true", help="the small example only")
    parser.add_argument(
        "--scale", type=float, default=None, help="zoom (default: fit the frame's width)"
    )
    args = parser.parse_args()
    examples = [("sum-over-paths", sum_over_paths)]
    if not args.quick:
        examples.append(("MLP(2,[16,16,1])", mlp_loss))
    print(
        f"{'example':<16} {'format':<6} {'steps':>6} {'frames':>7} {'size':<11} {'wall s':>8} {'CPU s':>8} {'MB':>8}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in examples:
            for format in args.formats:
                line = measure(name.split("(")[0], build(), "." + format, Path(tmp), args.scale)
                print(line, flush=True)


if __name__ == "__main__":
    main()
