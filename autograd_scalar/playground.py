"""The demo as a small playground: choose the data, the network and the optimizer, train, replay.

:func:`run` is what ``autograd-scalar demo`` calls when any playground option
is given (``--dataset``, ``--points``, ``--noise``, ``--hidden``,
``--activation``, ``--optimizer``, ``--lr``, ``--l2``, ``--batch``,
``--data``, ``--test-fraction``). It trains an MLP on 2-D points and writes the training explorer
``training.html`` (:mod:`autograd_scalar.explore`), which holds the loss and
accuracy curves, the decision boundary and the network at every recorded step.

The task follows the data. Two classes: one output, labels ±1 and the hinge
loss (micrograd's demo). More classes (a CSV file, ``blobs``): one output per
class and the mean cross-entropy. Either way the loss is the batch mean of the
per-point terms plus ``l2``·Σθ², so a minibatch (``batch``) gives the
batch-averaged gradient. ``sgd`` decays its learning rate linearly to a tenth
over the run (micrograd's schedule, lr = ``lr``·(1 - 0.9·k/steps)); ``adam``
keeps it constant. micrograd's exact recipe -- the default demo -- stays in
:mod:`autograd_scalar.demo`.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from . import data as datasets
from .engine import sum_values
from .explore import Recorder
from .modes import no_grad
from .nn import MLP, cross_entropy, hinge, l2
from .optim import SGD, Adam

__all__ = [
    "Settings",
    "Result",
    "run",
    "load_problem",
    "build",
    "train",
    "DATASETS",
    "OPTIMIZERS",
    "parse_hidden",
    "parse_positive",
    "parse_non_negative",
    "parse_fraction",
    "split",
]

DATASETS = ("moons", "blobs", "spirals", "circles", "xor")
OPTIMIZERS = ("sgd", "adam")
_DEFAULT_LR = {"sgd": 1.0, "adam": 0.01}
#: The explorer keeps about this many snapshots, whatever the number of steps.
SNAPSHOTS = 100


@dataclass
class Settings:
    """One playground run; ``None`` means the default named in the CLI's help."""

    dataset: str = "moons"
    points: int = 100
    noise: Optional[float] = None
    hidden: tuple = (16, 16)
    activation: str = "relu"
    optimizer: str = "sgd"
    lr: Optional[float] = None
    l2: float = 1e-4
    batch: Optional[int] = None
    data: Optional[str] = None
    steps: int = 100
    seed: int = 1337
    #: Held-out share of the points (None: 0.2 for the generated datasets, 0 for --data).
    test_fraction: Optional[float] = None


@dataclass
class Result:
    """What :func:`run` did: final accuracy, files written, the losses per step."""

    accuracy: float
    files: list = field(default_factory=list)
    losses: list = field(default_factory=list)
    interrupted: bool = False
    seconds: float = 0.0


# -- argparse types (the CLI's checks, one message each) -------------------------------


def parse_hidden(text: str) -> tuple:
    """``"16,16"`` -> ``(16, 16)``: the hidden layer sizes, each from 1 to 256.

    Example:
        >>> parse_hidden("16, 8")
        (16, 8)
    """
    parts = [part.strip() for part in text.split(",")]
    sizes = []
    for part in parts:
        # isdecimal, not isdigit: int() refuses digits such as "²"
        size = int(part) if part.isdecimal() and len(part) <= 3 else 0
        if not 1 <= size <= 256:
            raise argparse.ArgumentTypeError(
                f"must be layer sizes from 1 to 256 separated by commas, e.g. 16,16; got {text!r}"
            )
        sizes.append(size)
    if len(sizes) > 8:
        raise argparse.ArgumentTypeError(f"at most 8 hidden layers, got {len(sizes)}")
    return tuple(sizes)


def _number(text: str) -> Optional[float]:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_positive(text: str) -> float:
    """A finite number > 0 (a learning rate), else an argparse error saying so."""
    value = _number(text)
    if value is None or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def parse_non_negative(text: str) -> float:
    """A finite number >= 0 (noise, L2 strength), else an argparse error saying so."""
    value = _number(text)
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text!r}")
    return value


def parse_fraction(text: str) -> float:
    """A number from 0 up to (not including) 1 (the held-out share), else an argparse error."""
    value = _number(text)
    if value is None or not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a number from 0 to below 1, got {text!r}")
    return value


# -- the problem, the model, the loop ---------------------------------------------------


def split(X: list, labels: list, fraction: float, seed: int) -> tuple:
    """``(train, test)``, each ``(X, labels)``: a seeded shuffle's first ``fraction`` held out.

    At least one point stays for training; a fraction too small for one point holds none out.

    Example:
        >>> (Xt, yt), (Xs, ys) = split([[0.0, 0.0]] * 10, list(range(10)), 0.2, seed=1)
        >>> len(yt), len(ys), sorted(yt + ys) == list(range(10))
        (8, 2, True)
    """
    order = list(range(len(X)))
    random.Random(seed + 2).shuffle(order)  # its own stream: the model's draws stay put
    held = min(round(fraction * len(X)), len(X) - 1)
    test, train = sorted(order[:held]), sorted(order[held:])
    return ([X[i] for i in train], [labels[i] for i in train]), (
        [X[i] for i in test],
        [labels[i] for i in test],
    )


def load_problem(settings: Settings) -> tuple:
    """``(X, labels, classes)``: labels ±1 for two classes, else class indices.

    Example:
        >>> X, labels, classes = load_problem(Settings(dataset="xor", points=20))
        >>> len(X), sorted(set(labels)), classes
        (20, [-1, 1], 2)
    """
    if settings.data is not None:
        X, y, names = datasets.load_csv(settings.data)
        classes = len(names)
    else:
        X, y = _checked_points(_generate(settings), settings)
        classes = max(y) + 1
    if classes == 2:
        return X, [2 * label - 1 for label in y], 2
    return X, y, classes


def _generate(settings: Settings) -> tuple:
    n, seed, noise = settings.points, settings.seed, settings.noise
    if settings.dataset == "blobs":
        return datasets.make_blobs(n, std=1.0 if noise is None else noise, seed=seed)
    makers: dict[str, Callable[..., tuple]] = {
        "moons": datasets.make_moons,
        "spirals": datasets.make_spirals,
        "circles": datasets.make_circles,
        "xor": datasets.make_xor,
    }
    maker = makers.get(settings.dataset)
    if maker is None:
        raise ValueError(f"dataset must be one of {', '.join(DATASETS)}, got {settings.dataset!r}")
    return maker(n, noise=0.1 if noise is None else noise, seed=seed)


def _checked_points(problem: tuple, settings: Settings) -> tuple:
    """``problem`` if every point is finite; else a ``ValueError`` blaming the noise."""
    X, _ = problem
    for number, point in enumerate(X, 1):
        if not all(math.isfinite(v) for v in point):
            raise ValueError(
                f"--noise {settings.noise!r} is too large: the {settings.dataset} points "
                f"overflow float64 (point {number} is {point}); give a smaller --noise"
            )
    return problem


def build(settings: Settings, classes: int) -> tuple:
    """``(model, optimizer)`` for ``classes`` classes (one output for two)."""
    outputs = 1 if classes == 2 else classes
    model = MLP(
        2,
        [*settings.hidden, outputs],
        activation=settings.activation,
        rng=random.Random(settings.seed),
    )
    if settings.optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {settings.optimizer!r}"
        )
    lr = settings.lr if settings.lr is not None else _DEFAULT_LR[settings.optimizer]
    optimizer = (SGD if settings.optimizer == "sgd" else Adam)(model.parameters(), lr=lr)
    return model, optimizer


def _batch_loss(model, X, labels, indices, classes: int, strength: float, params):
    outputs = [model(X[i]) for i in indices]
    if classes == 2:
        data_loss = hinge(outputs, [labels[i] for i in indices])
    else:
        data_loss = sum_values(
            [cross_entropy(out, labels[i]) for out, i in zip(outputs, indices)]
        ) * (1.0 / len(indices))
    return data_loss + strength * l2(params) if strength else data_loss


def train(
    settings: Settings,
    model,
    optimizer,
    X,
    labels,
    classes: int,
    recorder: Optional[Recorder] = None,
    result: Optional[Result] = None,
) -> Result:
    """``settings.steps`` steps of (mini)batch training; ``result`` fills in as it goes."""
    result = Result(accuracy=0.0) if result is None else result
    params = model.parameters()
    batch = settings.batch or len(X)
    if batch > len(X):
        raise ValueError(f"batch: {batch} is more than the {len(X)} points")
    sampler = random.Random(settings.seed + 1)  # its own stream: the model's draws stay put
    base_lr = optimizer.lr
    start = time.perf_counter()
    try:
        for k in range(settings.steps):
            indices = (
                range(len(X)) if batch == len(X) else sorted(sampler.sample(range(len(X)), batch))
            )
            loss = _batch_loss(model, X, labels, indices, classes, settings.l2, params)
            optimizer.zero_grad()
            loss.backward()
            if recorder is not None:
                recorder.record(loss)
            if isinstance(optimizer, SGD):
                optimizer.lr = base_lr * (1.0 - 0.9 * k / settings.steps)
            optimizer.step()
            result.losses.append(loss.data)
    finally:
        result.seconds = time.perf_counter() - start
    result.accuracy = accuracy(model, X, labels)
    return result


def accuracy(model, X, labels) -> float:
    """The fraction of points classified right (the sign for ±1 labels, else argmax)."""
    right = 0
    with no_grad():
        for x, label in zip(X, labels):
            out = model(x)
            if isinstance(out, list):
                scores = [v.data for v in out]
                right += scores.index(max(scores)) == label
            else:
                right += (out.data > 0) == (label > 0)
    return right / len(X)


def run(settings: Settings, out="out") -> Result:
    """Load or make the data, train, and write ``training.html`` into ``out``.

    All inputs are checked (the CSV file completely) before the directory is
    created or any file written; Ctrl-C during training keeps what was
    trained and still writes the page.
    """
    X, labels, classes = load_problem(settings)
    fraction = settings.test_fraction
    if fraction is None:
        fraction = 0.0 if settings.data is not None else 0.2
    (X, labels), test = split(X, labels, fraction, settings.seed)
    model, optimizer = build(settings, classes)
    if settings.batch is not None and settings.batch > len(X):
        raise ValueError(f"--batch {settings.batch} is more than the {len(X)} training points")
    recorder = Recorder(
        model,
        X,
        labels,
        every=max(1, settings.steps // SNAPSHOTS),
        test=test if test[0] else None,
    )
    out = Path(out)
    result = Result(accuracy=0.0)
    try:
        train(settings, model, optimizer, X, labels, classes, recorder, result)
    except KeyboardInterrupt:
        result.interrupted = True
        result.accuracy = accuracy(model, X, labels)
    out.mkdir(parents=True, exist_ok=True)
    title = f"Training explorer: {settings.data or settings.dataset}"
    result.files.append(recorder.save(out / "training.html", title=title))
    return result
