"""The one training loop: data by name, an MLP, a loss by name, an optimizer, and steps.

Every trainer of the package is :func:`fit`: micrograd's moons demo
(:func:`autograd_scalar.demo.train`), the demo's own set-ups (``demo
--dataset spirals --optimizer adam ...``), the digits, and the lessons. Step
k of ``steps``:

1. zero the gradients;
2. the batch loss L(θ_k) = (1/|B|) Σ_{i∈B} ℓ(f(x_i; θ_k), y_i) + λ·Σθ², with ℓ
   a loss of :data:`~autograd_scalar.nn.LOSSES`, and its gradient: backward
   over the Value graph (``engine="scalar"``), or one example's graph recorded
   once and replayed over the batch with numpy (``engine="tape"``: the same
   rules, the same numbers to rounding, at the speed of the matrix form);
3. each callback is called with L(θ_k) while the parameters hold θ_k and
   their ``grad`` holds ∂L/∂θ (an explorer's ``Recorder.record`` is one);
4. SGD's learning rate follows micrograd's schedule, lr·(1 - 0.9·k/steps),
   so any number of steps ends at a tenth; Adam keeps its own;
5. the optimizer's update.

B is every point, or with ``batch`` a sample of that many drawn by a
``random.Random(seed + 1)`` of its own (the model's draws stay put). The
result fills in step by step, so when Ctrl-C stops training the caller's
:class:`Result` already holds the steps taken.

A :class:`Settings` names a whole run -- data (:data:`~autograd_scalar.data.DATASETS`
or a CSV file), network, loss, optimizer -- and :func:`load_problem` and
:func:`build` turn it into points, labels, a model and an optimizer.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Optional, Sequence

from . import data as datasets
from .checks import count
from .engine import Value, dot
from .nn import LOSSES, MLP, Loss, l2
from .optim import SGD, Adam, Optimizer

if TYPE_CHECKING:
    import numpy

__all__ = [
    "Result",
    "Settings",
    "fit",
    "accuracy",
    "model_outputs",
    "model_accuracy",
    "load_problem",
    "build",
    "loss_for",
    "dataset_of",
    "split",
    "ENGINES",
    "OPTIMIZERS",
    "L2_ALPHA",
]

#: How a step computes the loss's gradient: Value graphs, or a recorded tape.
ENGINES = ("scalar", "tape")
#: The optimizers by name, each with the learning rate it gets when none is given.
OPTIMIZERS = {"sgd": (SGD, 1.0), "adam": (Adam, 0.01)}
#: micrograd's L2 strength: 1e-4 · Σθ².
L2_ALPHA = 1e-4


@dataclass
class Result:
    """What a training run did.

    Attributes:
        accuracy: the accuracy of the final model on the training points (the
            digits: on the held-out test images), in [0, 1]; None in regression
            (the squared loss: real targets, no class to be right about).
        files: the files written.
        interrupted: True if Ctrl-C stopped training or writing early.
        losses: the loss at each step taken (before that step's update).
        accuracies: the accuracy on each step's batch, from that step's outputs
            (before the update); empty where a step computes no outputs (a tape
            of a model with several outputs).
        steps: the number of steps taken.
        seconds: wall time of the training loop.
    """

    accuracy: Optional[float] = 0.0
    files: list = field(default_factory=list)
    interrupted: bool = False
    losses: list = field(default_factory=list)
    accuracies: list = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0


@dataclass
class Settings:
    """One training run by names; ``None`` means the default named in the CLI's help."""

    dataset: str = "moons"
    points: int = 100
    noise: Optional[float] = None
    hidden: tuple = (16, 16)
    activation: str = "relu"
    loss: Optional[str] = None
    optimizer: str = "sgd"
    lr: Optional[float] = None
    l2: float = L2_ALPHA
    batch: Optional[int] = None
    data: Optional[str] = None
    steps: int = 100
    seed: int = 1337
    engine: str = "scalar"
    #: Held-out share of the points (None: 0.2 for the generated datasets, 0 for --data).
    test_fraction: Optional[float] = None


# -- accuracy -------------------------------------------------------------------------


def _correct(out, label) -> bool:
    """One output right? Its sign for one output (labels ±1 or 0/1), else the argmax."""
    if isinstance(out, Value):
        return (out.data > 0) == (label > 0)
    if isinstance(out, (list, tuple)) or getattr(out, "ndim", 0) > 0:  # several outputs
        scores = [v.data if isinstance(v, Value) else float(v) for v in out]
        return scores.index(max(scores)) == label
    return (float(out) > 0) == (label > 0)


def accuracy(outputs, labels) -> float:
    """The fraction of ``outputs`` that are right: the sign of one output matches the
    label's (±1 or 0/1); the largest of several is the label's class.

    Example:
        >>> accuracy([0.3, -2.0, 1.0], [1, -1, -1])
        0.6666666666666666
        >>> accuracy([[0.1, 2.0], [3.0, -1.0]], [1, 1])
        0.5
    """
    outputs = list(outputs)
    return sum(_correct(out, label) for out, label in zip(outputs, labels)) / len(outputs)


def model_outputs(model: MLP, points) -> numpy.ndarray:
    """The model's output at each point, from one tape replayed over all of them.

    An array of n scores for one output, n × k for k outputs: output c is
    e_c·f(x) with e_c the one-hot vector of c, an input of the tape, so one
    recording serves every output (forward passes only, as array operations).
    """
    import numpy as np

    from . import tape

    first, params = list(points[0]), model.parameters()
    outputs = len(model.layers[-1].neurons)
    if outputs == 1:
        return tape.record(model, first, params=params).forward(points)
    onehot = np.eye(outputs)
    picked = tape.record(lambda x, e: dot(e, model(x)), first, list(onehot[0]), params=params)
    points = np.asarray(points, dtype=float)
    return np.stack(
        [picked.forward(points, np.tile(onehot[c], (len(points), 1))) for c in range(outputs)],
        axis=1,
    )


def model_accuracy(model: MLP, X, labels) -> float:
    """The model's accuracy on ``X`` (forward passes only, on a tape)."""
    return accuracy(model_outputs(model, X), labels)


# -- the loop -------------------------------------------------------------------------


def fit(
    model: MLP,
    X: Sequence,
    labels: Sequence,
    loss: str = "hinge",
    optimizer: Optional[Optimizer] = None,
    steps: int = 100,
    l2: float = L2_ALPHA,
    batch: Optional[int] = None,
    seed: int = 0,
    engine: str = "scalar",
    callbacks: Sequence[Callable[[float], object]] = (),
    progress: bool = False,
    result: Optional[Result] = None,
    evaluate: bool = True,
) -> Result:
    """Train ``model`` on ``X`` and ``labels`` for ``steps`` steps (see the module doc).

    ``optimizer`` defaults to ``SGD(model.parameters(), lr=1.0)``; ``progress``
    draws a tqdm bar on stderr. ``result.accuracy`` is the accuracy of the
    model after the last update on the training points (``evaluate=False``
    leaves it to the caller, who measures on other points: the digits' test images).

    Example:
        >>> from autograd_scalar.demo import moons_problem
        >>> model, X, labels = moons_problem()
        >>> result = fit(model, X, labels, "hinge", steps=3)
        >>> result.steps, len(result.losses), result.losses[0] > result.losses[-1]
        (3, 3, True)
    """
    from tqdm import tqdm  # only a training run draws a progress bar

    count(steps, "steps")
    result = Result() if result is None else result
    optimizer = SGD(model.parameters(), lr=1.0) if optimizer is None else optimizer
    step = _stepper(model, X, labels, loss_for(loss, len(model.layers[-1].neurons)), l2, engine)
    batches = _batches(len(X), batch, seed)
    base_lr = optimizer.lr
    start = time.perf_counter()
    try:
        with tqdm(
            range(steps), desc="training", unit="step", disable=not progress, leave=False
        ) as bar:
            for k in bar:
                indices = next(batches)
                optimizer.zero_grad()
                value, outputs = step(indices)  # fills every parameter's grad
                if loss == "squared":
                    outputs = None  # regression: no accuracy to note
                for callback in callbacks:
                    callback(value)
                if isinstance(optimizer, SGD):
                    optimizer.lr = base_lr * (1.0 - 0.9 * k / steps)
                optimizer.step()
                _note(result, k, value, outputs, [labels[i] for i in indices], bar)
    finally:
        result.seconds = time.perf_counter() - start
    if evaluate:
        result.accuracy = None if loss == "squared" else model_accuracy(model, X, labels)
    return result


def _note(result: Result, k: int, value: float, outputs, labels: list, bar) -> None:
    """Keep step k's loss and, where it computed outputs, its batch accuracy; show them."""
    result.losses.append(value)
    result.steps = k + 1
    if outputs is None:
        bar.set_postfix(loss=f"{value:.4f}")
        return
    result.accuracies.append(accuracy(outputs, labels))
    bar.set_postfix(loss=f"{value:.4f}", acc=f"{result.accuracies[-1]:.0%}")


def _batches(n: int, batch: Optional[int], seed: int):
    """Each step's indices: all ``n`` points, or ``batch`` of them sampled afresh."""
    batch = n if batch is None else count(batch, "batch")
    if batch > n:
        raise ValueError(f"--batch {batch} is more than the {n} training points")
    return _sampled(n, batch, random.Random(seed + 1))  # its own stream: the model's stay put


def _sampled(n: int, batch: int, sampler: random.Random):
    everything = range(n)
    while True:
        yield everything if batch == n else sorted(sampler.sample(everything, batch))


def loss_for(name: str, outputs: int) -> Loss:
    """The loss called ``name`` for a model with ``outputs`` outputs, else a ``ValueError``."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {name!r}")
    loss = LOSSES[name]
    if loss.classes == (outputs == 1):
        needs = "one output per class" if loss.classes else "one output"
        raise ValueError(f"loss {name} needs {needs}; the model has {outputs}")
    return loss


def _stepper(model: MLP, X, labels, loss: Loss, strength: float, engine: str):
    """``step(indices) -> (loss, outputs or None)``: one batch's loss and backward pass."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    outputs = len(model.layers[-1].neurons)
    loss.check(labels, outputs)
    params = model.parameters()
    if engine == "tape":
        return _tape_step(model, X, labels, loss, strength, params)

    def step(indices):
        scores = [model(X[i]) for i in indices]
        value = loss.mean(scores, [labels[i] for i in indices])
        if strength:
            value = value + strength * l2(params)
        value.backward()
        return value.data, scores

    return step


def _tape_step(model: MLP, X, labels, loss: Loss, strength: float, params: list):
    """The same step on a tape: ℓ(f(x), y) + λ·Σθ² per example, whose mean over the
    batch is the scalar path's loss."""
    import numpy as np

    from . import tape

    outputs = len(model.layers[-1].neurons)

    def example(x, y):
        term = loss.term(model(x), y)
        return term + strength * l2(params) if strength else term

    target_list = [loss.target(y, outputs) for y in labels]
    loss_tape = tape.record(example, list(X[0]), target_list[0], params=params)
    score = tape.record(model, list(X[0]), params=params) if outputs == 1 else None
    inputs, targets = np.asarray(X, dtype=float), np.asarray(target_list, dtype=float)

    def step(indices):
        rows = slice(None) if len(indices) == len(inputs) else list(indices)
        value = loss_tape.backward(inputs[rows], targets[rows])
        return value, None if score is None else score.forward(inputs[rows])

    return step


# -- held-out points -------------------------------------------------------------------


def split(X: list, labels: list, fraction: float, seed: Optional[int] = None) -> tuple:
    """``(train, test)``, each ``(X, labels)``: a share ``fraction`` of the points held out.

    With a ``seed``, the held-out points are the first of a seeded shuffle (its own
    ``random.Random(seed + 2)``: the model's and the batches' draws stay put), kept in
    their order; without one, the last points are held out as they come (the data
    makers shuffle already: the digits' fixed cut). At least one point stays for
    training; a fraction too small for one point holds none out.

    Example:
        >>> (Xt, yt), (Xs, ys) = split([[0.0, 0.0]] * 10, list(range(10)), 0.2, seed=1)
        >>> len(yt), len(ys), sorted(yt + ys) == list(range(10))
        (8, 2, True)
        >>> split([[1.0], [2.0], [3.0], [4.0], [5.0]], [1, 2, 3, 4, 5], 0.4)[1]
        ([[4.0], [5.0]], [4, 5])
    """
    order = list(range(len(X)))
    held = min(round(fraction * len(X)), len(X) - 1)
    if seed is None:
        test, train = order[len(X) - held :], order[: len(X) - held]
    else:
        random.Random(seed + 2).shuffle(order)
        test, train = sorted(order[:held]), sorted(order[held:])
    return ([X[i] for i in train], [labels[i] for i in train]), (
        [X[i] for i in test],
        [labels[i] for i in test],
    )


# -- a run by names -------------------------------------------------------------------


def load_problem(settings: Settings) -> tuple:
    """``(X, labels, classes)``: the points and their labels as the loss takes them
    (±1 for the hinge loss, the default for two classes; class indices for
    cross-entropy, the default for more).

    Example:
        >>> X, labels, classes = load_problem(Settings(dataset="xor", points=20))
        >>> len(X), sorted(set(labels)), classes
        (20, [-1, 1], 2)
    """
    if settings.data is not None:
        X, y, names = datasets.load_csv(settings.data)
        classes = len(names)
    else:
        maker = dataset_of(settings)
        X, y = maker(count(settings.points, "points", 2), settings.noise, settings.seed)
        _check_finite(X + [[t] for t in y] if maker.regression else X, settings)
        classes = 0 if maker.regression else max(y) + 1
    loss = LOSSES[_loss_name(settings, classes)]
    return X, [loss.encode(label) for label in y], classes


def dataset_of(settings: Settings) -> datasets.Dataset:
    """The generated data set ``settings.dataset`` names, else a ``ValueError``."""
    if settings.dataset not in datasets.DATASETS:
        raise ValueError(
            f"dataset must be one of {', '.join(datasets.DATASETS)}, got {settings.dataset!r}"
        )
    return datasets.DATASETS[settings.dataset]


def _loss_name(settings: Settings, classes: int) -> str:
    """The settings' loss, or the default for ``classes`` classes (0: a regression
    data set, whose loss is its own); checked against them."""
    if classes == 0:
        made_for = dataset_of(settings).loss or "squared"  # classes 0: a regression set
        if settings.loss not in (None, made_for):
            raise ValueError(
                f"loss {settings.loss}: the {settings.dataset} data set is regression (real "
                f"targets); its loss is {made_for}"
            )
        return made_for
    name = settings.loss or ("hinge" if classes == 2 else "cross_entropy")
    if name == "squared":
        raise ValueError(
            "loss squared fits real targets (--dataset "
            + ", ".join(k for k, d in datasets.DATASETS.items() if d.regression)
            + f"); the data has {classes} classes"
        )
    if name in LOSSES and not LOSSES[name].classes and classes != 2:
        raise ValueError(
            f"loss {name} separates two classes; the data has {classes} "
            "(cross_entropy takes any number)"
        )
    return name


def _check_finite(X: list, settings: Settings) -> None:
    """A ``ValueError`` blaming the noise if a made point is not finite."""
    for number, point in enumerate(X, 1):
        if not all(math.isfinite(v) for v in point):
            raise ValueError(
                f"--noise {settings.noise!r} is too large: the {settings.dataset} points "
                f"overflow float64 (point {number} is {point}); give a smaller --noise"
            )


def build(settings: Settings, classes: int, inputs: Optional[int] = None) -> tuple:
    """``(model, optimizer, loss)``: the MLP for ``classes`` classes (one output
    for a two-class loss or regression, ``classes`` 0), seeded by
    ``settings.seed``, its optimizer and the loss's name. ``inputs``: the data
    set's (2 for a CSV file)."""
    loss = _loss_name(settings, classes)
    if inputs is None:
        inputs = 2 if settings.data is not None else dataset_of(settings).inputs
    outputs = classes if LOSSES[loss].classes else 1
    model = MLP(
        inputs,
        [*settings.hidden, outputs],
        activation=settings.activation,
        rng=random.Random(settings.seed),
    )
    if settings.optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {settings.optimizer!r}"
        )
    kind, default_lr = OPTIMIZERS[settings.optimizer]
    if settings.optimizer == "sgd" and settings.data is None:
        default_lr = dataset_of(settings).sgd_lr or default_lr
    lr = default_lr if settings.lr is None else settings.lr
    return model, kind(model.parameters(), lr=lr), loss
