"""The moons step alone: median CPU ms of forward + zero_grad + backward, ours only.

A quick figure for before/after comparisons of an engine change (compare.py
measures the same step beside micrograd, PyTorch and numpy, in minutes).
Run: ``python benchmarks/moons_step.py [CHECKOUT]`` (CHECKOUT: the folder whose
``autograd_scalar`` to import, by default the current one).
"""

import gc
import random
import statistics
import sys
import time

sys.path.insert(0, sys.argv[1] if len(sys.argv) > 1 else ".")
from autograd_scalar import nn  # noqa: E402
from autograd_scalar.data import make_moons  # noqa: E402

X, y = make_moons(100, noise=0.1, seed=1337)
y = [2 * v - 1 for v in y]
model = nn.MLP(2, [16, 16, 1])
rng = random.Random(1337)
for p in model.parameters():
    p.data = rng.uniform(-1, 1)


def step():
    scores = [model(x) for x in X]
    loss = nn.hinge(scores, y) + 1e-4 * nn.l2(model.parameters())
    model.zero_grad()
    loss.backward()
    return loss


times = []
for _ in range(41):
    gc.collect()
    start = time.process_time()
    step()
    times.append(time.process_time() - start)
print(
    f"moons step: median {1000 * statistics.median(times[1:]):.2f} ms, min {1000 * min(times):.2f} ms over 40 steps"
)
