"""The trace page grows linearly with the graph: one drawing plus one record per step.

Truth: the page sizes of three MLP traces, fitted as size = c·steps^p by least
squares on logs; one frame per step (the old page) gave p ≈ 2.
"""

import math
import random

from autograd_scalar import nn, trace_backward


def mlp_loss_trace(width: int):
    random.seed(1337)
    model = nn.MLP(2, [width, width, 1])
    return trace_backward(nn.hinge([model([0.5, -1.0])], [1]))


def test_page_size_grows_linearly_over_three_mlp_sizes():
    points = []
    for width in (4, 8, 16):
        trace = mlp_loss_trace(width)
        points.append((len(trace.steps), len(trace.to_html().encode("utf-8"))))
    logs = [(math.log(n), math.log(size)) for n, size in points]
    mean_x = sum(x for x, _ in logs) / 3
    mean_y = sum(y for _, y in logs) / 3
    slope = sum((x - mean_x) * (y - mean_y) for x, y in logs) / sum(
        (x - mean_x) ** 2 for x, _ in logs
    )
    print(f"(steps, bytes): {points}; size ∝ steps^{slope:.2f}")
    assert 0.8 <= slope <= 1.15, points
    assert points[-1][1] <= 3_000_000  # MLP(2, [16, 16, 1]): the page's size budget
