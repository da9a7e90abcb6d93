"""micrograd's demo, done properly: train MLP(2, [16, 16, 1]) on the moons and draw it.

:func:`run` is what ``autograd-scalar demo`` calls. It follows micrograd's
``demo.ipynb``: 100 moons points with noise 0.1 (labels mapped to ±1), the
hinge loss plus 1e-4·L2 on all 337 parameters, full-batch SGD with the learning
rate decaying linearly from 1.0 to 0.1 (micrograd's ``1.0 - 0.9*k/100``, here
``k/steps`` so any number of steps ends at 0.1). Then it writes to ``out``:

* ``loss_curve.png`` -- the loss and the training accuracy per step;
* ``decision_boundary.png`` -- the trained model's score over the plane
  (one tape of the model replayed over the grid) with the data on top;
* ``neuron_graph.svg`` -- one neuron's graph, clustered by its scope;
* ``backward_trace.html`` -- the sum-over-paths example (c = a + b,
  d = a·b, o = c·d/2) backpropagated step by step;
* ``training.html`` -- the training explorer (:mod:`autograd_scalar.explore`):
  every step's decision boundary, curves and network, behind a slider.

``engine="tape"`` trains with :mod:`autograd_scalar.tape`: the loss of one
example recorded once and replayed over all the points with numpy (the same
rules, the same numbers, at the speed of the matrix form), which makes
``points=10000`` a matter of seconds. The decision boundary's grid is always
evaluated with a tape's ``forward``. ``dataset="digits"`` trains
MLP(64, [32, 10]) with cross-entropy on generated 8×8 digit images
(:func:`~autograd_scalar.data.make_digits`) and writes the loss curve and a
picture of test images with their predicted digits.

Every file is written atomically. Ctrl-C during training stops it cleanly:
the pictures of what was trained are still written and the result says
``interrupted=True``; Ctrl-C while writing keeps the files already written.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from .checks import count
from .data import make_digits, make_moons
from .engine import Value
from .files import atomic_path, suffix_format
from .modes import no_grad, scope
from .nn import MLP, cross_entropy, hinge, l2
from .optim import SGD, Adam
from .palette import CLASSES, CURVE

if TYPE_CHECKING:
    import numpy

__all__ = [
    "DemoResult",
    "run",
    "moons_problem",
    "train",
    "accuracy",
    "model_accuracy",
    "plot_loss_curve",
    "plot_decision_boundary",
    "save_neuron_graph",
    "sum_over_paths_graph",
    "sum_over_paths_trace",
    "save_sum_over_paths_trace",
    "FILES",
    "DIGITS_FILES",
    "ENGINES",
    "DATASETS",
    "digits_problem",
    "train_digits",
]

#: The files :func:`run` writes, in order.
FILES = (
    "loss_curve.png",
    "decision_boundary.png",
    "neuron_graph.svg",
    "backward_trace.html",
    "training.html",
)

#: The files :func:`run` writes for ``dataset="digits"``.
DIGITS_FILES = ("loss_curve.png", "digit_predictions.png")

#: How the demo may train, and on what.
ENGINES, DATASETS = ("scalar", "tape"), ("moons", "digits")

L2_ALPHA = 1e-4


@dataclass
class DemoResult:
    """What :func:`run` did.

    Attributes:
        accuracy: training accuracy of the final model (moons) or its accuracy on
            the held-out test images (digits), in [0, 1].
        files: the files written, in the order of :data:`FILES`.
        interrupted: True if Ctrl-C stopped training or writing early.
        losses: the loss at each step taken (before that step's update).
        accuracies: the training accuracy at each step taken (before the update).
        steps: the number of steps taken.
        seconds: wall time of the training loop.
    """

    accuracy: float
    files: list = field(default_factory=list)
    interrupted: bool = False
    losses: list = field(default_factory=list)
    accuracies: list = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0


def accuracy(scores, labels) -> float:
    """The fraction of ``scores`` whose sign matches the ±1 ``labels``.

    Example:
        >>> accuracy([0.3, -2.0, 1.0], [1, -1, -1])
        0.6666666666666666
    """
    scores = [s.data if isinstance(s, Value) else float(s) for s in scores]
    return sum((s > 0) == (y > 0) for s, y in zip(scores, labels)) / len(scores)


def moons_problem(seed: int = 1337, points: int = 100) -> tuple:
    """micrograd's demo set-up: ``(model, X, labels)`` with ±1 labels.

    ``points`` moons points (100 by default) with noise 0.1 and
    MLP(2, [16, 16, 1]), both seeded by ``seed``.

    Example:
        >>> model, X, labels = moons_problem()
        >>> len(X), sorted(set(labels)), len(model.parameters())
        (100, [-1, 1], 337)
    """
    count(seed, "seed", 0)
    X, y = make_moons(count(points, "points", 2), noise=0.1, seed=seed)
    labels = [2 * label - 1 for label in y]  # classes 0/1 -> ±1 for the hinge loss
    return MLP(2, [16, 16, 1], rng=random.Random(seed)), X, labels


def train(
    model: MLP,
    X: list,
    labels: list,
    steps: int = 100,
    progress: bool = False,
    result: Optional[DemoResult] = None,
    recorder=None,
    engine: str = "scalar",
) -> DemoResult:
    """Full-batch SGD on hinge + 1e-4·L2 with lr = 1.0 - 0.9·k/steps (micrograd's demo).

    ``result`` (a fresh :class:`DemoResult` by default) is filled in step by
    step, so when Ctrl-C interrupts, the caller's object already holds the
    losses and accuracies of the steps taken. ``result.accuracy`` is the
    accuracy of the model after the last update. A ``recorder``
    (:class:`~autograd_scalar.explore.Recorder`) records each step.
    ``engine="tape"`` computes the same loss and gradients with a tape (see
    the module doc).

    Example:
        >>> model, X, labels = moons_problem()
        >>> result = train(model, X, labels, steps=3)
        >>> result.steps, len(result.losses), result.losses[0] > result.losses[-1]
        (3, 3, True)
    """
    from tqdm import tqdm  # only the demo draws a progress bar

    count(steps, "steps")
    result = DemoResult(accuracy=0.0) if result is None else result
    step = (_tape_step if _check_engine(engine) == "tape" else _scalar_step)(model, X, labels)
    optimizer = SGD(model.parameters(), lr=1.0)
    start = time.perf_counter()
    try:
        with tqdm(
            range(steps), desc="training", unit="step", disable=not progress, leave=False
        ) as bar:
            for k in bar:
                optimizer.zero_grad()
                loss, scores = step()  # fills every parameter's grad
                if recorder is not None:
                    recorder.record(loss)
                optimizer.lr = 1.0 - 0.9 * k / steps
                optimizer.step()
                result.losses.append(loss)
                result.accuracies.append(accuracy(scores, labels))
                result.steps = k + 1
                bar.set_postfix(loss=f"{loss:.4f}", acc=f"{result.accuracies[-1]:.0%}")
    finally:
        result.seconds = time.perf_counter() - start
    result.accuracy = model_accuracy(model, X, labels)
    return result


def _check_engine(engine) -> str:
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def _scalar_step(model: MLP, X: list, labels: list):
    """One step of the scalar path: the loss's graph, then backward: (loss, scores)."""
    params = model.parameters()

    def step():
        scores = [model(x) for x in X]
        loss = hinge(scores, labels) + L2_ALPHA * l2(params)
        loss.backward()
        return loss.data, scores

    return step


def _tape_step(model: MLP, X: list, labels: list):
    """The same step on a tape: relu(1 - y·score) + α·Σp² per example, whose mean
    over the points is the scalar path's loss."""
    import numpy as np

    from . import tape

    params = model.parameters()
    loss = tape.record(
        lambda x, y: (1.0 - model(x) * y).relu() + L2_ALPHA * l2(params),
        X[0],
        labels[0],
        params=params,
    )
    score = tape.record(model, X[0], params=params)
    inputs, targets = np.asarray(X, dtype=float), np.asarray(labels, dtype=float)

    def step():
        return loss.backward(inputs, targets), score.forward(inputs)

    return step


def model_scores(model: MLP, points) -> numpy.ndarray:
    """The model's score at each point, from one tape replayed over all of them."""
    from . import tape

    return tape.record(model, list(points[0]), params=model.parameters()).forward(points)


def model_accuracy(model: MLP, X: list, labels: list) -> float:
    """The model's training accuracy on ``X`` with ±1 ``labels`` (forward passes only)."""
    return accuracy(model_scores(model, X), labels)


def run(
    steps: int = 100,
    out="out",
    seed: int = 1337,
    progress: bool = True,
    engine: Optional[str] = None,
    points: int = 100,
    dataset: str = "moons",
) -> DemoResult:
    """Train on the moons and write the files of :data:`FILES` into ``out``.

    Args:
        steps: SGD steps (>= 1); the default 100 reaches >= 95% accuracy.
        out: the output directory (created if missing).
        seed: seeds the data and the initial weights.
        progress: show a tqdm progress bar (loss and accuracy) on stderr.
        engine: ``"scalar"`` (Value graphs; the default for the moons) or
            ``"tape"`` (one recorded example replayed over the batch; same
            numbers, much faster; the default for the digits).
        points: how many moons points.
        dataset: ``"moons"``, or ``"digits"`` (trained with the tape; writes
            :data:`DIGITS_FILES` and reports the test accuracy).

    Returns:
        a :class:`DemoResult`; ``files`` lists what was written.

    Raises:
        ValueError: for a bad argument, before any work.
    """
    engine = _checked_run_arguments(steps, seed, points, dataset, engine)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out: {str(out)!r} exists and is not a directory")
    out.mkdir(parents=True, exist_ok=True)
    if dataset == "digits":
        return _run_digits(steps, out, seed, progress)
    model, X, labels = moons_problem(seed, points)
    result = DemoResult(accuracy=0.0)
    recorder = _recorder(model, X, labels)
    try:
        train(model, X, labels, steps, progress, result, recorder, engine)
    except KeyboardInterrupt:
        # Keep what was trained: the pictures below show the model as it stands.
        result.interrupted = True
        result.accuracy = model_accuracy(model, X, labels)
    writers = {
        "loss_curve.png": lambda path: plot_loss_curve(result.losses, result.accuracies, path),
        "decision_boundary.png": lambda path: plot_decision_boundary(model, X, labels, path),
        "neuron_graph.svg": lambda path: save_neuron_graph(model, X, path),
        "backward_trace.html": save_sum_over_paths_trace,
        "training.html": lambda path: save_training_page(recorder, path),
    }
    try:
        for name in FILES:
            writers[name](out / name)
            result.files.append(out / name)
    except KeyboardInterrupt:
        result.interrupted = True  # the files written so far are complete (atomic writes)
    return result


def _checked_run_arguments(steps, seed, points, dataset, engine) -> str:
    """Check :func:`run`'s arguments before any work; the engine to use."""
    count(steps, "steps")
    count(seed, "seed", 0)
    count(points, "points", 2)
    if dataset not in DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {dataset!r}")
    engine = _check_engine(engine or ("tape" if dataset == "digits" else "scalar"))
    if dataset == "digits" and engine != "tape":
        raise ValueError(
            "dataset digits trains with engine tape (the scalar path would "
            "build a 2,400-parameter graph per image and take minutes)"
        )
    return engine


# -- digits: MLP(64, [32, 10]) with cross-entropy, on a tape ---------------------------

DIGITS_EXAMPLES, DIGITS_TEST_SHARE, DIGITS_LR = 3000, 0.2, 0.05


def digits_problem(seed: int = 1337) -> tuple:
    """``(model, train, test)``: MLP(64, [32, 10]) and generated digit images, each
    set a pair (images, digits), 80% / 20% of :data:`DIGITS_EXAMPLES` images."""
    X, y = make_digits(DIGITS_EXAMPLES, noise=0.1, seed=seed)
    cut = round(len(X) * (1.0 - DIGITS_TEST_SHARE))
    model = MLP(64, [32, 10], rng=random.Random(seed))
    return model, (X[:cut], y[:cut]), (X[cut:], y[cut:])


def train_digits(
    model: MLP,
    train_set: tuple,
    steps: int,
    progress: bool = False,
    result: Optional[DemoResult] = None,
):
    """Full-batch Adam on the mean cross-entropy, on a tape; returns a function
    predicting the digits of images (the class of least cross-entropy).
    Ctrl-C stops the training early: ``result.interrupted`` says so.

    The loss of one image is ``cross_entropy(model(x), p)`` with p the one-hot
    vector of its digit, an input of the tape, so one graph serves every class.
    """
    import numpy as np
    from tqdm import tqdm

    from . import tape

    images, digits = np.asarray(train_set[0], dtype=float), np.asarray(train_set[1])
    onehot = np.eye(10)
    loss = tape.record(
        lambda x, p: cross_entropy(model(x), p),
        list(images[0]),
        list(onehot[digits[0]]),
        params=model.parameters(),
    )
    optimizer = Adam(model.parameters(), lr=DIGITS_LR)
    result = DemoResult(accuracy=0.0) if result is None else result

    def predict(batch):
        batch = np.asarray(batch, dtype=float)
        return np.stack(
            [loss.forward(batch, np.tile(onehot[c], (len(batch), 1))) for c in range(10)]
        ).argmin(axis=0)

    start = time.perf_counter()
    try:
        for k in tqdm(
            range(steps), desc="training", unit="step", disable=not progress, leave=False
        ):
            optimizer.zero_grad()
            result.losses.append(loss.backward(images, onehot[digits]))
            optimizer.step()
            result.steps = k + 1
    except KeyboardInterrupt:
        result.interrupted = True  # predict with the model as trained so far
    finally:
        result.seconds = time.perf_counter() - start
    return predict


def _run_digits(steps: int, out: Path, seed: int, progress: bool) -> DemoResult:
    model, train_set, (test_images, test_digits) = digits_problem(seed)
    result = DemoResult(accuracy=0.0)
    predict = train_digits(model, train_set, steps, progress, result)
    predicted = predict(test_images)
    result.accuracy = float((predicted == test_digits).mean())
    result.accuracies = [result.accuracy]
    writers = {
        "loss_curve.png": lambda path: plot_loss_curve(
            result.losses,
            [],
            path,
            title="training MLP(64, [32, 10]) on 8×8 digits",
            ylabel="cross-entropy",
        ),
        "digit_predictions.png": lambda path: plot_digit_predictions(
            test_images[:40], test_digits[:40], predicted[:40], path
        ),
    }
    try:
        for name in DIGITS_FILES:
            writers[name](out / name)
            result.files.append(out / name)
    except KeyboardInterrupt:
        result.interrupted = True
    return result


def plot_digit_predictions(images: list, digits: list, predicted, path, dpi: int = 100) -> Path:
    """Write test images in a grid, each titled with its predicted digit (red if wrong)."""
    figure = _figure(8.0, 4.2)
    columns = 10
    for k, (image, digit, guess) in enumerate(zip(images, digits, predicted)):
        ax = figure.add_subplot((len(images) + columns - 1) // columns, columns, k + 1)
        ax.imshow([image[8 * r : 8 * r + 8] for r in range(8)], cmap="gray_r", vmin=0, vmax=1)
        ax.set_title(str(int(guess)), color="black" if guess == digit else "tab:red", fontsize=9)
        ax.axis("off")
    figure.suptitle("predicted digits of test images (red: wrong)")
    return _save_png(figure, path, dpi)


# -- the pictures -----------------------------------------------------------------


def _figure(width: float, height: float):
    # The object API renders with Agg without touching pyplot's global backend.
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height))


def _save_png(figure, path, dpi: int) -> Path:
    suffix_format(path, ("png",), "the plot")
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi, bbox_inches="tight")
    return Path(path)


def plot_loss_curve(
    losses: list,
    accuracies: list,
    path,
    dpi: int = 100,
    title: str = "training MLP(2, [16, 16, 1]) on the moons",
    ylabel: str = "loss (hinge + 1e-4·L2)",
) -> Path:
    """Write the loss (left axis) and the accuracy per step, if given (right axis), as a PNG."""
    figure = _figure(6.0, 3.5)
    ax = figure.add_subplot()
    steps = range(1, len(losses) + 1)
    ax.plot(steps, losses, color=CURVE, label="loss")  # solid; accuracy dashed, as in the explorer
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel + " (solid)")
    ax.set_yscale("log" if losses and min(losses) > 0 else "linear")
    if accuracies:
        twin = ax.twinx()
        twin.plot(steps, [100 * a for a in accuracies], color=CURVE, linestyle="--")
        twin.set_ylabel("training accuracy (%, dashed)")
        twin.set_ylim(0, 101)
    ax.set_title(title)
    return _save_png(figure, path, dpi)


def plot_decision_boundary(
    model, X: list, labels: list, path, dpi: int = 100, resolution: int = 200
) -> Path:
    """Write the model's decision regions (score > 0 vs < 0) with the data as a PNG.

    The grid of ``resolution``² points is evaluated by one tape of the model
    replayed over all of them (``tape.forward``): forward passes only, as
    array operations.
    """
    xs1, xs2 = [p[0] for p in X], [p[1] for p in X]
    low1, high1 = min(xs1) - 0.5, max(xs1) + 0.5
    low2, high2 = min(xs2) - 0.5, max(xs2) + 0.5
    grid1 = [low1 + (high1 - low1) * i / (resolution - 1) for i in range(resolution)]
    grid2 = [low2 + (high2 - low2) * i / (resolution - 1) for i in range(resolution)]
    flat = model_scores(model, [[u, v] for v in grid2 for u in grid1])
    scores = flat.reshape(resolution, resolution)
    figure = _figure(5.0, 4.0)
    ax = figure.add_subplot()
    ax.contourf(
        grid1, grid2, scores, levels=[-1e300, 0.0, 1e300], colors=list(CLASSES[:2]), alpha=0.3
    )
    ax.contour(grid1, grid2, scores, levels=[0.0], colors="k", linewidths=1.0)
    size = 18 if len(X) <= 1000 else 3  # thousands of points: small dots
    ax.scatter(
        xs1,
        xs2,
        c=[CLASSES[1] if y > 0 else CLASSES[0] for y in labels],  # the explorer's colours
        s=size,
        edgecolors="k",
        linewidths=0.4 if len(X) <= 1000 else 0.0,
    )
    ax.set_title(f"decision boundary (accuracy {model_accuracy(model, X, labels):.0%})")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    return _save_png(figure, path, dpi)


def save_neuron_graph(model: MLP, X: list, path) -> Path:
    """Draw one neuron of the first layer on one input, with its gradients (SVG).

    Picks the first (input, neuron) pair, in order, where the neuron is active
    (z > 0), so the drawing shows gradient flowing through the ReLU. The
    nodes are built inside the scope ``layer0/neuron<j>``, as in a model call,
    so the drawing clusters them; the model's gradients are zeroed before and
    after the drawing's own backward pass.
    """
    from . import viz

    layer = model.layers[0]
    with no_grad():
        j, x = next(
            ((j, x) for x in X for j, n in enumerate(layer.neurons) if n(x).data > 0), (0, X[0])
        )
    neuron = layer.neurons[j]
    neuron.zero_grad()
    with scope("layer0"), scope(f"neuron{j}"):
        inputs = [Value(v, label=f"x{i}") for i, v in enumerate(x)]
        activation = neuron(inputs)
    activation.label = "a"
    activation.parents[0].label = "z"  # the dot node w·x + b
    activation.backward()
    try:
        return Path(viz.save(activation, path))
    finally:
        neuron.zero_grad()


def sum_over_paths_graph() -> tuple:
    """The sum-over-paths example, labelled: a = 2, b = 3, c = a + b, d = a·b, o = c·d/2.

    a and b each reach o along two paths (through c and through d), and the
    backward pass sums the paths: v̄[a] = v̄[c]·1 + v̄[d]·b. Returns the nodes
    ``(a, b, c, d, o)``, not yet backpropagated; the derivatives are
    ∂o/∂a = 10.5, ∂o/∂b = 8, ∂o/∂c = 3, ∂o/∂d = 2.5.

    Example:
        >>> a, b, c, d, o = sum_over_paths_graph(); o.backward()
        >>> o.data, a.grad, b.grad, c.grad, d.grad
        (15.0, 10.5, 8.0, 3.0, 2.5)
    """
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a + b
    c.label = "c"
    d = a * b
    d.label = "d"
    o = c * d / 2
    o.label = "o"
    return a, b, c, d, o


def sum_over_paths_trace():
    """The backward trace of the sum-over-paths example (the demo's page, the docs site's).

    Example:
        >>> sum_over_paths_trace().to_text().splitlines()[-1]
        '  v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5'
    """
    from .trace import trace_backward

    return trace_backward(sum_over_paths_graph()[-1])


def save_sum_over_paths_trace(path) -> Path:
    """Write the step-by-step backward trace of the sum-over-paths example as a live page.

    Live, as ``graph --trace`` pages are: the page has a field and a slider
    for ``a`` and ``b`` and recomputes every value and adjoint when they change.
    """
    return Path(sum_over_paths_trace().save_html(path, live=True))


def _recorder(model, X, labels):
    from .explore import Recorder

    return Recorder(model, X, labels)


def save_training_page(recorder, path) -> Path:
    """Write the training explorer of the recorded steps (the untrained model if none were)."""
    if not recorder.snapshots:  # Ctrl-C before the first step: show the start
        model = recorder.model
        with no_grad():
            recorder.record(
                hinge([model(x) for x in recorder.X], recorder.y)
                + L2_ALPHA * l2(model.parameters())
            )
    return recorder.save(path, title="Training explorer: micrograd's moons demo")
