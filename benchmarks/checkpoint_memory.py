"""Memory against time: a chain and an MLP, with and without checkpointing.

For a chain of n tanh nodes (n = 10^4, 10^5, 10^6 by default) and an MLP,
prints the peak number of live nodes, the peak bytes (tracemalloc, a second
run) and the time of forward + backward, plainly and with √n checkpointed
segments; then the fitted exponent of peak nodes against n (≈ 1 plain,
≈ 0.5 checkpointed) and the time ratio.

Live nodes: plainly, every node of the graph stays alive from the forward
pass until backward is done, so the peak is the graph's size. With
checkpoints, the kept graph (segment nodes and inputs) plus the largest
segment rebuilt at one time (counted as each rebuild happens).

Run::

    python benchmarks/checkpoint_memory.py            # n = 10^4, 10^5, 10^6
    python benchmarks/checkpoint_memory.py 1000 10000  # other sizes
"""

from __future__ import annotations

import gc
import math
import random
import sys
import time
import tracemalloc

from autograd_scalar import Value, nn, sum as vsum, topological_order
from autograd_scalar.checkpointing import checkpoint_sequential, watching


def chain(n: int, checkpointed: bool):
    x = Value(0.5)
    if checkpointed:
        return x, checkpoint_sequential([Value.tanh] * n, None, x)
    y = x
    for _ in range(n):
        y = y.tanh()
    return x, y


def run_chain(n: int, checkpointed: bool) -> tuple:
    """(peak live nodes, seconds, x.grad) of one forward + backward."""
    rebuilt: list = [0]
    gc.collect()
    start = time.perf_counter()
    with watching(lambda node, outputs, nodes: rebuilt.append(len(nodes))):
        x, y = chain(n, checkpointed)
        kept = len(topological_order(y))
        y.backward()
    seconds = time.perf_counter() - start
    return kept + max(rebuilt), seconds, x.grad


def peak_bytes(work) -> int:
    gc.collect()
    tracemalloc.start()
    work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def run_mlp(checkpointed: bool) -> tuple:
    model = nn.MLP(
        4, [16] * 9 + [1], activation="tanh", rng=random.Random(0), checkpoint=checkpointed
    )
    rebuilt: list = [0]
    gc.collect()
    start = time.perf_counter()
    with watching(lambda node, outputs, nodes: rebuilt.append(len(nodes))):
        loss = vsum([model([0.1 * k, -0.2, 0.3, 0.05 * k]) ** 2 for k in range(EXAMPLES)])
        kept = len(topological_order(loss))
        loss.backward()
    seconds = time.perf_counter() - start
    return kept + max(rebuilt), seconds


EXAMPLES = 64  # a batch: activations grow with it, parameters do not


def slope(ns: list, ys: list) -> float:
    """Least-squares slope of log y against log n: the exponent of y ∝ n^k."""
    xs, ls = [math.log(n) for n in ns], [math.log(y) for y in ys]
    mx, my = sum(xs) / len(xs), sum(ls) / len(ls)
    return sum((a - mx) * (b - my) for a, b in zip(xs, ls)) / sum((a - mx) ** 2 for a in xs)


def main(sizes: list) -> None:
    print(
        f"{'case':>22} {'live nodes':>11} {'3√n+8':>8} {'peak MB':>9} {'seconds':>8} {'time x':>7}"
    )
    peaks: dict = {False: [], True: []}
    for n in sizes:
        times = {}
        for checkpointed in (False, True):
            live, seconds, grad = run_chain(n, checkpointed)
            times[checkpointed] = seconds
            peaks[checkpointed].append(live)
            mb = peak_bytes(lambda n=n, c=checkpointed: run_chain(n, c)) / 1e6
            kind = "checkpointed" if checkpointed else "plain"
            ratio = seconds / times[False]
            bound = f"{3 * math.isqrt(n) + 8:>8}" if checkpointed else f"{'':>8}"
            print(
                f"{f'chain {n:,} {kind}':>22} {live:>11,} {bound} {mb:>9.1f} {seconds:>8.2f} {ratio:>7.2f}"
            )
    if len(sizes) > 1:
        print(
            f"fitted exponent of peak live nodes: plain {slope(sizes, peaks[False]):.3f}, "
            f"checkpointed {slope(sizes, peaks[True]):.3f}"
        )
    base = None
    run_mlp(False)  # warm up
    for checkpointed in (False, True):
        live, seconds = run_mlp(checkpointed)
        base = base or seconds
        mb = peak_bytes(lambda c=checkpointed: run_mlp(c)) / 1e6
        kind = "checkpointed" if checkpointed else "plain"
        print(
            f"{f'MLP 10 layers {kind}':>22} {live:>11,} {'':>8} {mb:>9.1f} {seconds:>8.2f} {seconds / base:>7.2f}"
        )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10**4, 10**5, 10**6])
