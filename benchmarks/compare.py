"""Side-by-side benchmark: autograd_scalar against micrograd, PyTorch scalars and numpy.

Run from the repository root (``pip install -e ".[bench]"`` first)::

    python benchmarks/compare.py            # the full run quoted in benchmarks/README.md
    python benchmarks/compare.py --quick    # tiny sizes, a few seconds (the smoke test)
    python benchmarks/compare.py --json figures.json

Everything runs in ONE process, so the engines share the machine's state:

1. micrograd's demo step -- MLP(2, [16, 16, 1]) on the moons points, hinge loss
   (mean of relu(1 - y·score)) + 1e-4·L2 (Σ p²), forward + backward -- with
   IDENTICAL weights on: autograd_scalar (its ``nn.MLP``), micrograd 0.1.0 (its
   ``nn.MLP``), PyTorch float64 0-dim tensors (the same scalar-by-scalar math),
   and numpy matrix-form backprop (the layer-by-layer D^l recursion: the floor
   for this math). Losses and gradients must agree to 1e-9, else exit 1.
2. Backward time on 10^5- and 10^6-node chains, bytes per node (tracemalloc),
   the deepest chain handled (and where micrograd's recursion gives up).
3. Wall time of ``autograd-scalar demo`` against micrograd's demo loop.
4. The tape (``autograd_scalar.tape``): the same moons step recorded once and
   replayed over the batch with numpy, against the scalar path at 100 points
   (with both passes, and with grouping alone) and against numpy's matrix form
   at 1,000 and 10,000 points. Timings alternate between the engines, step by
   step, so a burst of load from other programs hits both.

numpy runs single-threaded (``OPENBLAS_NUM_THREADS=1``, set before numpy is
imported) and the allocator is pinned: ``mallopt`` keeps freed memory in the
heap instead of returning large blocks to the kernel, so temporaries do not
page-fault anew at every step (``--default-allocator`` leaves glibc's
defaults, to see the difference).

A missed target is printed as NOT MET (``--check-targets`` makes it exit 1);
disagreeing gradients always exit 1. A missing micrograd or torch is a row
saying "not installed" in ``--quick`` runs and an error (exit 2) in full runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before anything imports numpy

import argparse
import ctypes
import gc
import json
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from functools import partial
from typing import Callable, Optional

from autograd_scalar import Value, data, nn

HIDDEN = [16, 16, 1]
ALPHA = 1e-4  # micrograd demo's L2 weight
TOLERANCE = 1e-9  # max |Δ| allowed between engines (loss and every gradient)
SEED = 1337  # micrograd demo's seed

# The scalar engine's targets: speed against micrograd, memory per node, scaling.
TARGET_SPEEDUP = 25.0
TARGET_BYTES_PER_NODE = 200.0
TARGET_SCALING = 12.0  # 10x the nodes may cost at most 12x the time
# The tape's targets.
TARGET_TAPE_SPEEDUP = 100.0  # tape vs the scalar path, 100 points
TARGET_GROUPING_SPEEDUP = 30.0  # grouping alone (lifting off) vs the scalar path
TARGET_TAPE_VS_NUMPY = {1000: 3.0, 10000: 2.0}  # points -> most tape/numpy allowed

SIZES = {
    "full": dict(
        points=100,
        repeats=5,
        ours_repeats=21,
        numpy_repeats=500,
        chains=(10**5, 10**6),
        chain_repeats=3,
        memory_chain=10**5,
        deep=(10**6, 2 * 10**6),
        micrograd_depths=(500, 1000, 2000, 4000),
        demo_steps=100,
        tape_repeats=41,
        tape_points=(1000, 10000),
        tape_big_repeats=41,
    ),
    "quick": dict(
        points=6,
        repeats=1,
        ours_repeats=1,
        numpy_repeats=3,
        chains=(10**3, 10**4),
        chain_repeats=1,
        memory_chain=10**3,
        deep=(10**4,),
        micrograd_depths=(500, 4000),
        demo_steps=2,
        tape_repeats=3,
        tape_points=(50, 200),
        tape_big_repeats=3,
    ),
}


class Missing(Exception):
    """An optional engine (micrograd, torch, numpy) is not installed."""


def timed(run: Callable[[], object]) -> tuple[float, float, object]:
    """(CPU seconds, wall seconds, result) of ``run()``.

    CPU time (``time.process_time``, all threads of this process) is the figure
    the ratios use: other programs on a shared 2-core machine stretch wall
    time but hardly the CPU time of a single-threaded step. On an idle
    machine the two agree.
    """
    cpu, wall = time.process_time(), time.perf_counter()
    result = run()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def repeated(step: Callable[[], object], count: int) -> Callable[[], list]:
    """``step`` run ``count`` times back to back, as one call for :func:`timed`."""
    return lambda: [step() for _ in range(count)]


def median_seconds(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Medians of CPU and wall seconds of ``run()`` over ``repeats`` runs.

    Freeing the graph is outside the timed region for every engine: ours and
    torch's graphs die by reference counting when ``result`` is dropped,
    micrograd's only in ``gc.collect()`` (its per-node closures form cycles).
    """
    cpu, wall = [], []
    for _ in range(repeats):
        gc.collect()
        cpu_s, wall_s, result = timed(run)
        del result
        cpu.append(cpu_s)
        wall.append(wall_s)
    return statistics.median(cpu), statistics.median(wall)


# -- the moons step in each engine ------------------------------------------------------


@dataclass
class Engine:
    """One engine set up on the shared weights and data.

    ``step()`` runs one forward + backward and returns what ``read`` needs;
    ``read(result)`` gives (loss, gradients in micrograd's parameter order);
    ``params`` (objects with ``data`` and ``grad``) serve the SGD demo loop.
    """

    step: Callable[[], object]
    read: Callable[[object], tuple]
    params: Optional[list] = None


def layer_sizes(nin: int) -> list[tuple[int, int]]:
    sizes = [nin] + HIDDEN
    return list(zip(sizes[:-1], sizes[1:]))


def n_parameters(nin: int) -> int:
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in layer_sizes(nin))


def load_weights(params: list, weights: list, engine: str) -> None:
    if len(params) != len(weights):
        raise RuntimeError(
            f"{engine}: the MLP has {len(params)} parameters, expected {len(weights)}"
        )
    for p, w in zip(params, weights):
        p.data = w


def model_engine(model, weights, engine: str, loss_of: Callable[[list], object]) -> Engine:
    """An engine for a micrograd-style ``model`` whose loss is ``loss_of(params)``:
    one step is the loss, ``zero_grad()`` and ``backward()``, as in micrograd's demo."""
    params = model.parameters()
    load_weights(params, weights, engine)

    def step():
        loss = loss_of(params)
        model.zero_grad()
        loss.backward()
        return loss, params

    def read(result):
        loss, params = result
        return loss.data, [p.grad for p in params]

    return Engine(step, read, params)


def engine_ours(weights, X, y) -> Engine:
    model = nn.MLP(len(X[0]), HIDDEN)

    def loss_of(params):
        return nn.hinge([model(x) for x in X], y) + ALPHA * nn.l2(params)

    return model_engine(model, weights, "autograd_scalar", loss_of)


def engine_micrograd(weights, X, y) -> Engine:
    try:
        from micrograd import nn as mg_nn
        from micrograd.engine import Value as MgValue
    except ImportError as exc:
        raise Missing("micrograd not installed") from exc
    model = mg_nn.MLP(len(X[0]), HIDDEN)

    def demo_loss(params):
        # micrograd's demo.ipynb loss(), verbatim (its accuracy aside).
        inputs = [list(map(MgValue, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum((p * p for p in params))
        return data_loss + reg_loss

    return model_engine(model, weights, "micrograd", demo_loss)


def engine_torch(weights, X, y) -> Engine:
    try:
        import torch
    except ImportError as exc:
        raise Missing("torch not installed") from exc
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    # Neurons (weights, bias) per layer, in micrograd's order: per neuron, w then b.
    layers, k = [], 0
    sizes = layer_sizes(len(X[0]))
    for index, (fan_in, fan_out) in enumerate(sizes):
        neurons = []
        for _ in range(fan_out):
            neurons.append((params[k : k + fan_in], params[k + fan_in]))
            k += fan_in + 1
        layers.append((neurons, index < len(sizes) - 1))
    relu = torch.relu

    def forward(x):
        for neurons, nonlinear in layers:
            out = []
            for w, b in neurons:
                act = sum((wi * xi for wi, xi in zip(w, x)), b)
                out.append(relu(act) if nonlinear else act)
            x = out
        return x[0]

    def step():
        scores = [forward(x) for x in X]
        losses = [relu(1 - yi * score) for yi, score in zip(y, scores)]
        total_loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in params)
        for p in params:
            p.grad = None
        total_loss.backward()
        return total_loss

    def read(total_loss):
        return total_loss.item(), [p.grad.item() for p in params]

    return Engine(step, read)


def engine_numpy(weights, X, y) -> Engine:
    """Backpropagation in matrix form, one row per data point:
    D^L = ∇C ∘ σ'(z^L), D^l = (W^{l+1}ᵀ D^{l+1}) ∘ σ'(z^l),
    ∂C/∂W^l = D^l h^{l-1}ᵀ, ∂C/∂b^l = D^l (summed over the points), plus 2α·p."""
    try:
        import numpy as np
    except ImportError as exc:
        raise Missing("numpy not installed") from exc
    Ws, bs, k = [], [], 0
    for fan_in, fan_out in layer_sizes(len(X[0])):
        block = np.array(weights[k : k + (fan_in + 1) * fan_out]).reshape(fan_out, fan_in + 1)
        Ws.append(block[:, :fan_in].copy())
        bs.append(block[:, fan_in].copy())
        k += (fan_in + 1) * fan_out
    inputs, labels = np.array(X, dtype=np.float64), np.array(y, dtype=np.float64)
    n_points, n_layers = len(labels), len(Ws)

    def step():
        hs, zs = [inputs], []
        for layer_index, (W, b) in enumerate(zip(Ws, bs)):
            z = hs[-1] @ W.T + b
            zs.append(z)
            hs.append(np.maximum(z, 0.0) if layer_index < n_layers - 1 else z)
        margins = 1.0 - labels * hs[-1][:, 0]
        loss = np.maximum(margins, 0.0).sum() / n_points + ALPHA * sum(
            (W * W).sum() + (b * b).sum() for W, b in zip(Ws, bs)
        )
        D = (-labels * (margins > 0.0) / n_points)[:, None]  # the output layer is linear
        grads = [None] * n_layers
        for layer_index in reversed(range(n_layers)):
            grads[layer_index] = (
                D.T @ hs[layer_index] + 2 * ALPHA * Ws[layer_index],
                D.sum(axis=0) + 2 * ALPHA * bs[layer_index],
            )
            if layer_index:
                D = (D @ Ws[layer_index]) * (zs[layer_index - 1] > 0.0)
        return float(loss), grads

    def read(result):
        loss, grads = result
        flat = np.concatenate([np.hstack([gW, gb[:, None]]).ravel() for gW, gb in grads])
        return loss, flat.tolist()

    return Engine(step, read)


def engine_tape(weights, X, y, group: bool = True, lift: bool = True) -> Engine:
    """The scalar model's per-example loss relu(1 - y·score) + α·Σp², recorded once
    by ``tape.record`` and replayed over all the points (its mean is the demo's loss)."""
    try:
        import numpy as np
    except ImportError as exc:
        raise Missing("numpy not installed") from exc
    from autograd_scalar import tape

    model = nn.MLP(len(X[0]), HIDDEN)
    params = model.parameters()
    load_weights(params, weights, "tape")
    taped = tape.record(
        lambda x, label: (1.0 - model(x) * label).relu() + ALPHA * nn.l2(params),
        X[0],
        y[0],
        params=params,
    )
    taped = taped.passes(group=group, lift=lift)
    inputs, labels = np.array(X), np.array(y)

    def step():
        return taped.value_and_grad(inputs, labels)

    return Engine(step, lambda result: result, params)


ENGINES = [
    ("autograd_scalar", "autograd_scalar (nn.MLP)", engine_ours),
    ("micrograd", "micrograd 0.1.0 (nn.MLP)", engine_micrograd),
    ("torch", "PyTorch float64 0-dim tensors", engine_torch),
    ("numpy", "numpy matrix form (floor)", engine_numpy),
]


def moons_data(n_points: int):
    """``data.make_moons`` points with labels ±1 (micrograd's demo: y*2 - 1)."""
    X, y = data.make_moons(n_points, noise=0.1, seed=SEED)
    labels = [float(label) for label in y]
    if not set(labels) <= {-1.0, 1.0}:
        labels = [2.0 * label - 1.0 for label in labels]
    return [[float(a), float(b)] for a, b in X], labels


def reference_weights(n: int) -> list[float]:
    """Every parameter from U(-1, 1), biases too, so their gradients are compared."""
    rng = random.Random(SEED)
    return [rng.uniform(-1.0, 1.0) for _ in range(n)]


def require(missing: Missing, full: bool) -> None:
    if full:
        print(
            f"compare.py: {missing}; the full benchmark needs every engine: "
            'pip install -e ".[bench]"',
            file=sys.stderr,
        )
        raise SystemExit(2)


def bench_moons(size: dict, full: bool) -> dict:
    X, y = moons_data(size["points"])
    weights = reference_weights(n_parameters(len(X[0])))
    rows, engines, reference = {}, {}, None
    # Every engine is set up (torch imported) before any is timed, so all
    # steps run with the same heap for the cyclic GC to look at.
    for key, title, make in ENGINES:
        try:
            engines[key] = make(weights, X, y)
        except Missing as missing:
            require(missing, full)
            rows[key] = {"title": title, "missing": str(missing)}
    for key, title, _ in ENGINES:
        if key not in engines:
            continue
        engine = engines[key]
        loss, grads = engine.read(engine.step())
        # micrograd and torch take ~0.5-1 s a step; the fast engines get more runs.
        repeats = size[
            {"autograd_scalar": "ours_repeats", "numpy": "numpy_repeats"}.get(key, "repeats")
        ]
        cpu_s, wall_s = median_seconds(engine.step, repeats)
        row = rows[key] = {
            "title": title,
            "repeats": repeats,
            "loss": loss,
            "ms_per_step": cpu_s * 1e3,
            "wall_ms_per_step": wall_s * 1e3,
        }
        if reference is None:  # autograd_scalar, the first engine
            reference = (loss, grads)
            continue
        row["max_abs_diff_loss"] = abs(loss - reference[0])
        row["max_abs_diff_grad"] = (
            max(abs(a - b) for a, b in zip(grads, reference[1]))
            if len(grads) == len(reference[1])
            else float("inf")
        )
    ours = rows["autograd_scalar"]["ms_per_step"]
    for key, row in rows.items():
        if key != "autograd_scalar" and "ms_per_step" in row:
            # micrograd/ours and torch/ours: how much faster we are; ours/numpy: how far from the floor.
            row["ratio"] = (
                ours / row["ms_per_step"] if key == "numpy" else row["ms_per_step"] / ours
            )
    agree = all(
        row.get("max_abs_diff_loss", 0.0) <= TOLERANCE
        and row.get("max_abs_diff_grad", 0.0) <= TOLERANCE
        for row in rows.values()
    )
    return {"points": len(X), "parameters": len(weights), "agree": agree, "engines": rows}


# -- chains -------------------------------------------------------------------------------


def add_chain(n: int, value_type=Value):
    """v_k = v_{k-1} + w with ONE shared leaf w: n binary nodes whose local
    gradients are constants. Returns (v_n, w)."""
    w, v = value_type(1.0), value_type(0.0)
    for _ in range(n):
        v = v + w
    return v, w


def tanh_chain(n: int):
    """v_k = tanh(v_{k-1}): n unary nodes, each with its own local gradient float."""
    x = v = Value(0.5)
    for _ in range(n):
        v = v.tanh()
    return v, x


CHAINS = {"add": add_chain, "tanh": tanh_chain}


def bench_chain_backward(size: dict) -> dict:
    rows = {}
    small, large = size["chains"]
    for name, build in CHAINS.items():
        times = {}
        for n in (small, large):
            root, _ = build(n)
            times[n] = median_seconds(root.backward, size["chain_repeats"])[0]
            del root
            gc.collect()
        rows[name] = {
            "nodes": [small, large],
            "backward_s": [times[small], times[large]],
            "scaling": times[large] / times[small],
        }
    return rows


def bytes_per_node(build: Callable[[int], object], n: int) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    graph = build(n)
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del graph
    return (after - before) / n


def bench_memory(size: dict) -> dict:
    n = size["memory_chain"]
    rows = {
        "nodes": n,
        "add": bytes_per_node(add_chain, n),
        "tanh": bytes_per_node(tanh_chain, n),
        "micrograd_add": None,
    }
    try:
        from micrograd.engine import Value as MgValue
    except ImportError:
        return rows
    rows["micrograd_add"] = bytes_per_node(lambda k: add_chain(k, MgValue), n)
    gc.collect()
    return rows


def bench_deepest(size: dict) -> dict:
    ours = []
    for n in size["deep"]:
        build_s, _, (root, w) = timed(partial(add_chain, n))
        backward_s, _, _ = timed(root.backward)
        ours.append(
            {"nodes": n, "ok": w.grad == float(n), "build_s": build_s, "backward_s": backward_s}
        )
        del root, w
        gc.collect()
    return {"ours": ours, "micrograd": micrograd_recursion_limit(size["micrograd_depths"])}


def micrograd_recursion_limit(depths) -> Optional[dict]:
    """Deepest add chain micrograd's recursive topological sort handles: tries
    ``depths`` in order, then bisects down to the first RecursionError."""
    try:
        from micrograd.engine import Value as MgValue
    except ImportError:
        return None

    def works(depth: int) -> bool:
        root, _ = add_chain(depth, MgValue)
        try:
            root.backward()
            return True
        except RecursionError:
            return False

    ok, failed = 0, None
    for depth in depths:
        if not works(depth):
            failed = depth
            break
        ok = depth
    while failed is not None and failed - ok > 1:
        middle = (ok + failed) // 2
        ok, failed = (middle, failed) if works(middle) else (ok, middle)
    gc.collect()
    return {
        "deepest_ok": ok,
        "first_recursion_error": failed,
        "recursion_limit": sys.getrecursionlimit(),
    }


# -- the demo -----------------------------------------------------------------------------


def sgd_loop(engine: Engine, steps: int) -> float:
    """CPU seconds of micrograd's demo.ipynb optimisation cell: loss, zero_grad,
    backward, ``p.data -= learning_rate * p.grad`` with lr from 1.0 down to 0.1."""

    def loop():
        for k in range(steps):
            engine.step()
            learning_rate = 1.0 - 0.9 * k / 100
            for p in engine.params:
                p.data -= learning_rate * p.grad

    gc.collect()
    return timed(loop)[0]


def bench_demo(size: dict, full: bool) -> dict:
    from autograd_scalar import demo

    steps = size["demo_steps"]
    X, y = moons_data(size["points"])
    weights = reference_weights(n_parameters(len(X[0])))
    ours = engine_ours(weights, X, y)
    rows = {
        "steps": steps,
        "points": len(X),
        "ours_loop_s": sgd_loop(ours, steps),
        "ours_final_loss": ours.read(ours.step())[0],
    }
    try:
        micrograd = engine_micrograd(weights, X, y)
    except Missing as missing:
        require(missing, full)
        rows["micrograd_loop_s"] = rows["micrograd_final_loss"] = None
    else:
        rows["micrograd_loop_s"] = sgd_loop(micrograd, steps)
        rows["micrograd_final_loss"] = micrograd.read(micrograd.step())[0]
    with tempfile.TemporaryDirectory() as out:
        gc.collect()
        rows["demo_run_cpu_s"], rows["demo_run_s"], result = timed(
            lambda: demo.run(steps=steps, out=out, progress=False)
        )
    rows["demo_train_s"] = result.seconds
    rows["demo_accuracy"] = result.accuracy
    return rows


# -- the tape -------------------------------------------------------------------------------


def control_allocator() -> str:
    """Keep freed memory in glibc's heap: no mmap per large temporary, no trimming.

    Otherwise every (16 × 10,000) temporary is a fresh mmap whose pages fault
    in again at each step (about 2 µs each), and numpy's step time moves with
    the kernel rather than the code.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return "glibc defaults (mallopt unavailable)"
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = libc.mallopt(m_mmap_threshold, 1 << 30) and libc.mallopt(m_trim_threshold, 1 << 30)
    return (
        "mallopt: M_MMAP_THRESHOLD = M_TRIM_THRESHOLD = 1 GiB (freed blocks stay in the heap)"
        if ok
        else "glibc defaults (mallopt refused)"
    )


def alternating_medians(steps: dict, repeats: int) -> dict:
    """{name: (median CPU ms per step, median minor page faults per step)}, timed in turns.

    Each sample runs a step back to back for about 10 ms of CPU (one step of
    the scalar path; dozens of a tape's), as a training loop does: a
    ``gc.collect()`` right before a 0.1 ms step would time a cold cache.
    """
    inner = {}
    for name, step in steps.items():
        step()  # warm-up: plans and buffers are made on the first call
        cpu_s = timed(repeated(step, 3))[0] / 3
        inner[name] = max(1, min(200, round(0.01 / max(cpu_s, 1e-6))))
    times = {name: [] for name in steps}
    faults = {name: [] for name in steps}
    for _ in range(repeats):
        gc.collect()
        for name, step in steps.items():
            count = inner[name]
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            cpu_s, _, _ = timed(repeated(step, count))
            faults[name].append(
                (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / count
            )
            times[name].append(cpu_s / count)
    return {
        name: (statistics.median(times[name]) * 1e3, statistics.median(faults[name]))
        for name in steps
    }


def max_difference(result: tuple, reference: tuple) -> float:
    (loss, grads), (ref_loss, ref_grads) = result, reference
    return max([abs(loss - ref_loss)] + [abs(a - b) for a, b in zip(grads, ref_grads)])


def bench_tape(size: dict, full: bool) -> dict:
    """The tape against the scalar path (100 points) and numpy (larger batches)."""
    X, y = moons_data(size["points"])
    weights = reference_weights(n_parameters(len(X[0])))
    try:
        engines = {
            "scalar": engine_ours(weights, X, y),
            "tape": engine_tape(weights, X, y),
            "grouping only": engine_tape(weights, X, y, lift=False),
        }
    except Missing as missing:
        require(missing, full)
        return {"missing": str(missing)}
    reference = engines["scalar"].read(engines["scalar"].step())
    rows = {"points": len(X), "sizes": []}
    rows["agreement"] = {
        name: max_difference(engine.read(engine.step()), reference)
        for name, engine in engines.items()
        if name != "scalar"
    }
    measured = alternating_medians(
        {name: engine.step for name, engine in engines.items()}, size["tape_repeats"]
    )
    rows["ms"] = {name: ms for name, (ms, _) in measured.items()}
    for n in size["tape_points"]:
        X, y = moons_data(n)
        pair = {"numpy": engine_numpy(weights, X, y), "tape": engine_tape(weights, X, y)}
        difference = max_difference(
            pair["tape"].read(pair["tape"].step()), pair["numpy"].read(pair["numpy"].step())
        )
        measured = alternating_medians(
            {k: e.step for k, e in pair.items()}, size["tape_big_repeats"]
        )
        rows["sizes"].append(
            {
                "points": n,
                "difference": difference,
                **{f"{k}_ms": v[0] for k, v in measured.items()},
                **{f"{k}_faults": v[1] for k, v in measured.items()},
            }
        )
    return rows


# -- report -------------------------------------------------------------------------------


def targets(results: dict) -> list[tuple[str, Optional[bool], str]]:
    """(target, met?, the figure) for each target in benchmarks/README.md; met is None
    for figures shown beside them that are not targets."""
    rows = []
    engines = results["moons_step"]["engines"]
    for key in ("micrograd", "torch"):
        ratio = engines[key].get("ratio")
        if ratio is not None:
            rows.append(
                (
                    f"moons step >= {TARGET_SPEEDUP:g}x faster than {key}",
                    ratio >= TARGET_SPEEDUP,
                    f"{ratio:.1f}x",
                )
            )
    memory = results["bytes_per_node"]
    rows.append(
        (
            f"<= {TARGET_BYTES_PER_NODE:g} bytes per node (add chain, shared leaf)",
            memory["add"] <= TARGET_BYTES_PER_NODE,
            f"{memory['add']:.0f} B",
        )
    )
    rows.append(
        (
            "bytes per node of a tanh chain (one local gradient float each)",
            None,
            f"{memory['tanh']:.0f} B",
        )
    )
    deepest = results["deepest_chain"]["ours"]
    rows.append(
        (
            f"a {deepest[0]['nodes']:,}-node chain backpropagates",
            deepest[0]["ok"],
            "yes" if deepest[0]["ok"] else "NO",
        )
    )
    for name, chain in results["chain_backward"].items():
        rows.append(
            (
                f"10x nodes <= {TARGET_SCALING:g}x backward time ({name} chain)",
                chain["scaling"] <= TARGET_SCALING,
                f"{chain['scaling']:.1f}x",
            )
        )
    return rows + tape_targets(results.get("tape", {}))


def tape_targets(tape: dict) -> list[tuple[str, Optional[bool], str]]:
    """The tape's targets: its speed-ups and its agreement with the scalar path."""
    if "ms" not in tape:
        return []
    ms, rows = tape["ms"], []
    for name, target in (("tape", TARGET_TAPE_SPEEDUP), ("grouping only", TARGET_GROUPING_SPEEDUP)):
        ratio = ms["scalar"] / ms[name]
        rows.append(
            (
                f"{name}: moons step on {tape['points']} points >= {target:g}x the scalar path",
                ratio >= target,
                f"{ratio:.0f}x",
            )
        )
    worst = max(tape["agreement"].values())
    rows.append(
        (
            f"tape loss and gradients = the scalar path's (within {TOLERANCE:g})",
            worst <= TOLERANCE,
            f"max |d| {worst:.1e}",
        )
    )
    for size in tape["sizes"]:
        ratio, limit = size["tape_ms"] / size["numpy_ms"], TARGET_TAPE_VS_NUMPY.get(size["points"])
        rows.append(
            (
                f"tape on {size['points']:,} points "
                + (f"within {limit:g}x numpy's matrix form" if limit else "vs numpy"),
                None if limit is None else ratio <= limit,
                f"{ratio:.2f}x",
            )
        )
        rows.append(
            (
                f"tape = numpy on {size['points']:,} points (within {TOLERANCE:g})",
                size["difference"] <= TOLERANCE,
                f"max |d| {size['difference']:.1e}",
            )
        )
    return rows


def print_report(results: dict) -> None:
    moons = results["moons_step"]
    print(f"autograd_scalar benchmark ({results['mode']} run) -- {results['machine']}")
    print()
    print(
        f"1. micrograd's demo step: MLP(2, {HIDDEN}) ({moons['parameters']} parameters), "
        f"{moons['points']} moons points, hinge + {ALPHA:g}*L2, forward + backward"
    )
    print(
        f"   {'engine':<32}{'CPU ms/step':>12}{'wall ms':>10}{'ratio (CPU)':>24}"
        f"{'|dloss|':>10}{'max |dgrad|':>13}"
    )
    for key, row in moons["engines"].items():
        if "missing" in row:
            print(f"   {row['title']:<32}   {row['missing']}")
            continue
        if key == "autograd_scalar":
            ratio = ""
        elif key == "numpy":
            ratio = f"ours/numpy = {row['ratio']:.1f}x"
        else:
            ratio = f"{key}/ours = {row['ratio']:.1f}x"
        diffs = (
            "  (reference)"
            if key == "autograd_scalar"
            else f"{row['max_abs_diff_loss']:>10.1e}{row['max_abs_diff_grad']:>13.1e}"
        )
        print(
            f"   {row['title']:<32}{row['ms_per_step']:>12.3f}{row['wall_ms_per_step']:>10.3f}"
            f"{ratio:>24}{diffs}"
        )
    repeats = ", ".join(
        f"{key} {row['repeats']}" for key, row in moons["engines"].items() if "repeats" in row
    )
    print(
        f"   (medians of {repeats} steps; same weights, "
        f"all losses and gradients within {TOLERANCE:g}: "
        f"{'yes' if moons['agree'] else 'NO'})"
    )
    print()
    print("2. Backward CPU time on chains (autograd_scalar; median, topological order included)")
    for name, chain in results["chain_backward"].items():
        (small, large), (t_small, t_large) = chain["nodes"], chain["backward_s"]
        print(
            f"   {name:<5} chain: {small:>9,} nodes {t_small * 1e3:9.1f} ms | "
            f"{large:>9,} nodes {t_large * 1e3:9.1f} ms | ratio {chain['scaling']:.1f}x"
        )
    memory = results["bytes_per_node"]
    print(f"   bytes per node (tracemalloc while building a {memory['nodes']:,}-node chain):")
    print(f"     v = v + w, one shared leaf w: {memory['add']:6.0f} B/node")
    print(f"     v = tanh(v):                  {memory['tanh']:6.0f} B/node")
    mg = memory["micrograd_add"]
    print(
        "     micrograd, v = v + w:         "
        + (f"{mg:6.0f} B/node" if mg is not None else "micrograd not installed")
    )
    deepest = results["deepest_chain"]
    for row in deepest["ours"]:
        print(
            f"   deepest chain, ours: {row['nodes']:>9,} nodes (v = v + w) build "
            f"{row['build_s']:.2f} s, backward {row['backward_s']:.2f} s, "
            f"gradient {'correct' if row['ok'] else 'WRONG'}"
        )
    mg = deepest["micrograd"]
    if mg is None:
        print("   deepest chain, micrograd: micrograd not installed")
    elif mg["first_recursion_error"] is None:
        print(f"   deepest chain, micrograd: {mg['deepest_ok']:,} nodes worked")
    else:
        print(
            f"   deepest chain, micrograd: {mg['deepest_ok']:,} nodes; RecursionError at "
            f"{mg['first_recursion_error']:,} (recursion limit {mg['recursion_limit']})"
        )
    demo = results.get("demo")
    if demo:
        print()
        print(
            f"3. The demo: {demo['steps']} SGD steps of micrograd's demo.ipynb loop "
            f"(lr 1.0 -> 0.1) on the {demo['points']} points, same initial weights (CPU time)"
        )
        print(
            f"   autograd_scalar, the same loop:  {demo['ours_loop_s']:8.3f} s  "
            f"(final loss {demo['ours_final_loss']:.6f})"
        )
        mg = demo["micrograd_loop_s"]
        print(
            "   micrograd demo loop:             "
            + (
                f"{mg:8.3f} s  (final loss {demo['micrograd_final_loss']:.6f}; "
                f"{mg / demo['ours_loop_s']:.1f}x ours)"
                if mg is not None
                else "micrograd not installed"
            )
        )
        print(
            f"   `autograd-scalar demo`, i.e. demo.run(steps={demo['steps']}): "
            f"{demo['demo_run_s']:.2f} s wall, {demo['demo_run_cpu_s']:.2f} s CPU "
            f"({demo['demo_train_s']:.2f} s wall training, the rest writes its four files); "
            f"accuracy {demo['demo_accuracy']:.0%}"
        )
    tape = results.get("tape")
    if tape and "ms" in tape:
        print_tape(tape, results["allocator"])
    print()
    print(
        "Targets (benchmarks/README.md), the tape's included"
        + (
            ""
            if results["mode"] == "full"
            else " -- judged on full runs only; quick sizes mean nothing"
        )
    )
    for target, met, figure in results["targets"]:
        status = "info   " if met is None else "met    " if met else "NOT MET"
        print(f"   {status}  {target}: {figure}")


def print_tape(tape: dict, allocator: str) -> None:
    ms = tape["ms"]
    print()
    print(
        "4. The tape: the same step recorded once, replayed over the batch with numpy "
        "(median CPU ms, engines timed in turns)"
    )
    print(
        f"   {tape['points']} points: scalar path {ms['scalar']:.2f} ms | tape "
        f"{ms['tape']:.3f} ms ({ms['scalar'] / ms['tape']:.0f}x) | grouping only "
        f"{ms['grouping only']:.3f} ms ({ms['scalar'] / ms['grouping only']:.0f}x)"
    )
    for size in tape["sizes"]:
        print(
            f"   {size['points']:>6,} points: numpy matrix form {size['numpy_ms']:7.3f} ms "
            f"({size['numpy_faults']:.0f} page faults) | tape {size['tape_ms']:7.3f} ms "
            f"({size['tape_faults']:.0f} page faults) | tape/numpy "
            f"{size['tape_ms'] / size['numpy_ms']:.2f}x"
        )
    print(
        f"   OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}; allocator: {allocator}"
    )


def machine() -> str:
    parts = [f"Python {platform.python_version()}", f"{os.cpu_count()} cores", platform.machine()]
    for name in ("numpy", "torch", "micrograd"):
        try:
            module = __import__(name)
            parts.append(f"{name} {getattr(module, '__version__', '0.1.0')}")
        except ImportError:
            parts.append(f"{name} not installed")
    return ", ".join(parts)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark autograd_scalar against micrograd, PyTorch scalar "
        "tensors and numpy (see benchmarks/README.md)."
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes (a few seconds); engines that are not installed "
        "are reported instead of required",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    parser.add_argument(
        "--no-demo",
        action="store_true",
        help="skip part 3 (the demo loops take minutes with micrograd)",
    )
    parser.add_argument(
        "--default-allocator",
        action="store_true",
        help="leave glibc's malloc settings alone (see control_allocator)",
    )
    parser.add_argument("--only-tape", action="store_true", help="run part 4 (the tape) only")
    parser.add_argument(
        "--check-targets",
        action="store_true",
        help="exit 1 when one of the targets in benchmarks/README.md is not met",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="only profile autograd_scalar's moons step with cProfile "
        "(10 steps) and print the 25 costliest functions",
    )
    return parser.parse_args(argv)


def profile_ours(size: dict) -> None:
    """cProfile of autograd_scalar's moons step, costliest functions first."""
    import cProfile
    import pstats

    X, y = moons_data(size["points"])
    engine = engine_ours(reference_weights(n_parameters(len(X[0]))), X, y)
    for _ in range(3):  # warm-up
        engine.step()
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [engine.step() for _ in range(10)])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv=None) -> int:
    args = parse_args(argv)
    mode = "quick" if args.quick else "full"
    size, full = SIZES[mode], not args.quick
    if args.profile:
        profile_ours(size)
        return 0
    results = {"mode": mode, "machine": machine(), "allocator": "glibc defaults"}
    if not args.default_allocator:
        results["allocator"] = control_allocator()
    if args.only_tape:
        results["tape"] = bench_tape(size, full)
        if "ms" in results["tape"]:
            print_tape(results["tape"], results["allocator"])
        for target, met, figure in tape_targets(results["tape"]):
            print(
                f"   {'info   ' if met is None else 'met    ' if met else 'NOT MET'}  "
                f"{target}: {figure}"
            )
        return 0
    results["moons_step"] = bench_moons(size, full)
    results["chain_backward"] = bench_chain_backward(size)
    results["bytes_per_node"] = bench_memory(size)
    results["deepest_chain"] = bench_deepest(size)
    if not args.no_demo:
        results["demo"] = bench_demo(size, full)
    results["tape"] = bench_tape(size, full)
    results["targets"] = targets(results)
    print_report(results)
    if args.json:
        tmp = f"{args.json}.tmp"
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=1)
        os.replace(tmp, args.json)
    if not results["moons_step"]["agree"]:
        print(
            "FAILED: the engines disagree on the loss or the gradient "
            f"(tolerance {TOLERANCE:g}); see the table above",
            file=sys.stderr,
        )
        return 1
    if args.check_targets and False in [met for _, met, _ in results["targets"]]:
        print("FAILED: a target in benchmarks/README.md is not met", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
