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
picture of test images with their predicted digits. Any other option
(``hidden=``, ``loss=``, ``dataset="spirals"``, ...) trains that set-up and
writes only the explorer (:mod:`autograd_scalar.playground`). Every recipe
trains with the package's one loop, :func:`autograd_scalar.train.fit`; this
module keeps the recipes and draws the pictures.

Every file is written atomically. Ctrl-C during training stops it cleanly:
the pictures of what was trained are still written and the result says
``interrupted=True``; Ctrl-C while writing keeps the files already written.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Optional

from . import data as datasets
from .checks import count
from .data import make_moons
from .engine import Value
from .examples import sum_over_paths as sum_over_paths_graph, sum_over_paths_trace
from .files import atomic_path, suffix_format
from .modes import no_grad, scope
from .nn import MLP, hinge, l2
from .optim import Adam
from .palette import CLASSES, CURVE
from .train import (
    ENGINES,
    L2_ALPHA,
    Result,
    Settings,
    accuracy,
    fit,
    model_accuracy,
    model_outputs,
    split,
)

__all__ = [
    "DemoResult",
    "run",
    "moons_problem",
    "train",
    "accuracy",
    "model_accuracy",
    "model_scores",
    "plot_loss_curve",
    "plot_decision_boundary",
    "save_neuron_graph",
    "sum_over_paths_graph",
    "sum_over_paths_trace",
    "save_sum_over_paths_trace",
    "FILES",
    "DIGITS_FILES",
    "digits_problem",
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

#: What :func:`run` returns: the trainer's :class:`~autograd_scalar.train.Result`.
DemoResult = Result


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
    result: Optional[Result] = None,
    recorder=None,
    engine: str = "scalar",
) -> Result:
    """Full-batch SGD on hinge + 1e-4·L2 with lr = 1.0 - 0.9·k/steps (micrograd's demo).

    The trainer's loop (:func:`autograd_scalar.train.fit`) with micrograd's
    recipe. ``result`` (a fresh :class:`~autograd_scalar.train.Result` by
    default) is filled in step by step, so when Ctrl-C interrupts, the
    caller's object already holds the losses and accuracies of the steps
    taken. ``result.accuracy`` is the accuracy of the model after the last
    update. A ``recorder`` (:class:`~autograd_scalar.explore.Recorder`)
    records each step. ``engine="tape"`` computes the same loss and gradients
    with a tape (see the module doc).

    Example:
        >>> model, X, labels = moons_problem()
        >>> result = train(model, X, labels, steps=3)
        >>> result.steps, len(result.losses), result.losses[0] > result.losses[-1]
        (3, 3, True)
    """
    callbacks = () if recorder is None else (recorder.record,)
    return fit(
        model,
        X,
        labels,
        "hinge",
        steps=steps,
        engine=engine,
        callbacks=callbacks,
        progress=progress,
        result=result,
    )


def model_scores(model: MLP, points):
    """The model's score at each point, from one tape replayed over all of them."""
    return model_outputs(model, points)


def run(
    steps: int = 100,
    out="out",
    seed: int = 1337,
    progress: bool = True,
    engine: Optional[str] = None,
    points: Optional[int] = None,
    dataset: Optional[str] = None,
    **options,
) -> Result:
    """Train and write the pictures into ``out``: what ``autograd-scalar demo`` does.

    With no ``options``, micrograd's recipe on the moons writes the files of
    :data:`FILES`; ``dataset="digits"`` writes :data:`DIGITS_FILES`. Any
    option of :class:`~autograd_scalar.train.Settings` (``noise``,
    ``hidden``, ``activation``, ``loss``, ``optimizer``, ``lr``, ``l2``,
    ``batch``, ``data``) or another ``dataset`` trains that set-up instead and
    writes only the training explorer (:func:`autograd_scalar.playground.run`).

    Args:
        steps: training steps (>= 1); the default 100 reaches >= 95% accuracy.
        out: the output directory (created if missing).
        seed: seeds the data and the initial weights.
        progress: show a tqdm progress bar (loss and accuracy) on stderr.
        engine: ``"scalar"`` (Value graphs; the default) or ``"tape"`` (one
            recorded example replayed over the batch; same numbers, much
            faster; the default for the digits).
        points: how many points (default 100).
        dataset: a name of :data:`~autograd_scalar.data.DATASETS` (default
            moons); ``"digits"`` trains with the tape and reports the test accuracy.

    Returns:
        a :class:`~autograd_scalar.train.Result`; ``files`` lists what was written.

    Raises:
        ValueError: for a bad argument, before any work.
    """
    settings = _checked_settings(steps, seed, engine, points, dataset, options)
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"out: {str(out)!r} exists and is not a directory")
    if settings.dataset == "digits":
        return _run_digits(settings, out, progress)
    if options or settings.dataset != "moons":
        from . import playground  # your own set-up: the explorer page only

        return playground.run(settings, out)
    return _run_moons(settings, out, progress)


def _checked_settings(steps, seed, engine, points, dataset, options: dict) -> Settings:
    """:func:`run`'s arguments as settings, checked before any work."""
    count(steps, "steps")
    count(seed, "seed", 0)
    if dataset is not None and dataset not in datasets.DATASETS:
        raise ValueError(f"dataset must be one of {', '.join(datasets.DATASETS)}, got {dataset!r}")
    if engine is not None and engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if dataset == "digits":
        _check_digits(engine, points, options)
    if options.get("data") is not None and (
        dataset is not None or points is not None or options.get("noise") is not None
    ):
        raise ValueError(
            "--data reads your points; it cannot be combined with --dataset, --points or --noise"
        )
    return Settings(
        dataset=dataset or "moons",
        points=100 if points is None else count(points, "points", 2),
        steps=steps,
        seed=seed,
        engine=engine or ("tape" if dataset == "digits" else "scalar"),
        **options,
    )


def _check_digits(engine, points, options: dict) -> None:
    """The digits are a fixed recipe: refuse what it would ignore."""
    if options:
        others = [name for name in datasets.DATASETS if name != "digits"]
        raise ValueError(
            f"{', '.join('--' + name.replace('_', '-') for name in options)}: not with --dataset digits, "
            "a fixed recipe (MLP(64, [32, 10]), Adam, the tape); these options are "
            f"for --dataset {', '.join(others)} or --data"
        )
    if engine == "scalar":
        raise ValueError(
            "--engine scalar: --dataset digits trains with engine tape (Value graphs "
            "of its 2,400 parameters per image would take minutes a step)"
        )
    if points is not None:
        raise ValueError(
            f"--points {points}: --dataset digits always generates its own "
            f"{DIGITS_EXAMPLES:,} images; leave out --points"
        )


def _run_moons(settings: Settings, out: Path, progress: bool) -> Result:
    """micrograd's recipe: train, then write the files of :data:`FILES`."""
    out.mkdir(parents=True, exist_ok=True)
    model, X, labels = moons_problem(settings.seed, settings.points)
    result = Result()
    recorder = _recorder(model, X, labels)
    try:
        train(model, X, labels, settings.steps, progress, result, recorder, settings.engine)
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
    return _write(writers, out, result)


def _write(writers: dict, out: Path, result: Result) -> Result:
    """Write each file in order; Ctrl-C keeps the ones written (atomic writes)."""
    try:
        for name, write in writers.items():
            write(out / name)
            result.files.append(out / name)
    except KeyboardInterrupt:
        result.interrupted = True
    return result


# -- digits: MLP(64, [32, 10]) with cross-entropy, on a tape ---------------------------

DIGITS_EXAMPLES, DIGITS_TEST_SHARE, DIGITS_LR = 3000, 0.2, 0.05


def digits_problem(seed: int = 1337) -> tuple:
    """``(model, train, test)``: MLP(64, [32, 10]) and generated digit images, each
    set a pair (images, digits), 80% / 20% of :data:`DIGITS_EXAMPLES` images."""
    X, y = datasets.DATASETS["digits"](DIGITS_EXAMPLES, seed=seed)
    model = MLP(64, [32, 10], rng=random.Random(seed))
    return model, *split(X, y, DIGITS_TEST_SHARE)  # the last 20%: the maker shuffled them


def _run_digits(settings: Settings, out: Path, progress: bool) -> Result:
    """Full-batch Adam on the mean cross-entropy, on a tape; the accuracy on the test images.

    The loss of one image is ``cross_entropy(model(x), p)`` with p the one-hot
    vector of its digit, an input of the tape, so one graph serves every class.
    """
    out.mkdir(parents=True, exist_ok=True)
    model, (images, digits), (test_images, test_digits) = digits_problem(settings.seed)
    optimizer = Adam(model.parameters(), lr=DIGITS_LR)
    result = Result()
    try:
        fit(
            model,
            images,
            digits,
            "cross_entropy",
            optimizer,
            settings.steps,
            l2=0.0,
            engine="tape",
            progress=progress,
            result=result,
            evaluate=False,  # on the test images, below
        )
    except KeyboardInterrupt:
        result.interrupted = True  # predict with the model as trained so far
    outputs = model_outputs(model, test_images)
    predicted = outputs.argmax(axis=1)
    result.accuracy = accuracy(outputs, test_digits)
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
    return _write(writers, out, result)


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


def save_sum_over_paths_trace(path) -> Path:
    """Write the step-by-step backward trace of the sum-over-paths example as a live page.

    Live, as ``graph --trace`` pages are: the page has a field and a slider
    for ``a`` and ``b`` and recomputes every value and adjoint when they change.
    """
    return Path(sum_over_paths_trace().save_html(path, live=True))


def _recorder(model, X, labels):
    from .explore import Recorder

    # The page's train button goes on as micrograd's demo ends: plain SGD at the
    # last rate of its schedule (1.0 decayed to about 0.1), with the same L2.
    return Recorder(model, X, labels, training={"optimizer": "sgd", "lr": 0.1, "l2": L2_ALPHA})


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
