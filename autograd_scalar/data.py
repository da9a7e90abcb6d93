"""Toy data sets for classification, in pure Python (no scikit-learn, no download).

The two-dimensional sets (moons, blobs, spirals) draw points in the plane;
:func:`make_digits` draws 8×8 images of handwritten-looking digits from a
bundled glyph per digit, with random shifts, stroke strengths and noise.

Each maker returns ``(X, y)``: ``X`` a list of points ``[x1, x2]`` (floats),
``y`` a list of int class labels ``0, 1, ..., k-1`` -- the class indices that
:func:`~autograd_scalar.nn.cross_entropy` takes. For the hinge loss of
micrograd's demo, which needs labels ±1, map them with ``2*y - 1``:
``[2 * label - 1 for label in y]``.

Randomness comes from ``random.Random(seed)``: the same seed gives the same
points on every platform (Python's Mersenne Twister and ``gauss`` are
specified), ``seed=None`` gives fresh ones. Points are shuffled, so the
classes are interleaved as in scikit-learn.
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
from dataclasses import dataclass
from typing import Callable, Iterator, Optional, Sequence, Union

from . import checks
from .files import open_regular

__all__ = [
    "make_moons",
    "make_blobs",
    "make_spirals",
    "make_digits",
    "make_surface",
    "make_curve",
    "DIGIT_GLYPHS",
]


def _split(n: int, k: int) -> list:
    """n points over k classes as evenly as possible (the first ones get the remainder)."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _shuffled(points: list, labels: list, rng: random.Random) -> tuple:
    order = list(range(len(points)))
    rng.shuffle(order)
    return [points[i] for i in order], [labels[i] for i in order]


def _linspace(start: float, stop: float, count: int) -> list:
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1)
    return [start + i * step for i in range(count)]


def make_moons(n: int = 100, noise: float = 0.0, seed: Optional[int] = None) -> tuple:
    """Two interleaving half circles (scikit-learn's ``make_moons``, reimplemented).

    Class 0 is the upper half circle (cos t, sin t), class 1 the lower one
    (1 - cos t, 1/2 - sin t), t evenly spaced in [0, π]; ``noise`` is the
    standard deviation of Gaussian noise added to each coordinate.

    Example:
        >>> X, y = make_moons(100, noise=0.1, seed=1337)
        >>> len(X), sorted(set(y)), y.count(0), y.count(1)
        (100, [0, 1], 50, 50)
    """
    checks.count(n, "make_moons: n", 2)
    noise = checks.real_in(noise, "make_moons: noise")
    rng = random.Random(seed)
    n_outer, n_inner = _split(n, 2)
    points, labels = [], []
    for t in _linspace(0.0, math.pi, n_outer):
        points.append([math.cos(t), math.sin(t)])
        labels.append(0)
    for t in _linspace(0.0, math.pi, n_inner):
        points.append([1.0 - math.cos(t), 0.5 - math.sin(t)])
        labels.append(1)
    for p in points:
        p[0] += rng.gauss(0.0, noise)
        p[1] += rng.gauss(0.0, noise)
    return _shuffled(points, labels, rng)


def make_blobs(
    n: int = 100,
    centers: Union[int, Sequence[Sequence[float]]] = 3,
    std: float = 1.0,
    box: tuple = (-5.0, 5.0),
    seed: Optional[int] = None,
) -> tuple:
    """Isotropic Gaussian clusters, one class per center.

    Args:
        n: number of points, spread evenly over the clusters.
        centers: the number of clusters (centers drawn uniformly from ``box``
            in both coordinates) or an explicit list of ``[x1, x2]`` centers.
        std: standard deviation of each cluster in each coordinate.
        box: ``(low, high)`` for random centers.
        seed: for ``random.Random``.

    Example:
        >>> X, y = make_blobs(90, centers=[[0, 0], [5, 5], [0, 5]], std=0.1, seed=0)
        >>> sorted(set(y)), [y.count(c) for c in range(3)]
        ([0, 1, 2], [30, 30, 30])
        >>> all(abs(x1 - 5) < 1 and abs(x2 - 5) < 1 for (x1, x2), c in zip(X, y) if c == 1)
        True
    """
    std = checks.real_in(std, "make_blobs: std")
    rng = random.Random(seed)
    if isinstance(centers, int) and not isinstance(centers, bool):
        if centers < 1:
            raise ValueError(f"make_blobs: centers must be >= 1, got {centers!r}")
        low, high = float(box[0]), float(box[1])
        centers = [[rng.uniform(low, high), rng.uniform(low, high)] for _ in range(centers)]
    else:
        try:
            # a bool (an int, but no count) fails here and gets the error below
            centers = [[float(c[0]), float(c[1])] for c in centers]  # type: ignore[union-attr]
        except (TypeError, ValueError, IndexError):
            raise ValueError(
                f"make_blobs: centers must be an int or a list of [x1, x2] points, got {centers!r}"
            ) from None
        if not centers:
            raise ValueError("make_blobs: centers is empty")
    checks.count(n, "make_blobs: n", len(centers))
    points, labels = [], []
    for label, ((c1, c2), count) in enumerate(zip(centers, _split(n, len(centers)))):
        for _ in range(count):
            points.append([c1 + rng.gauss(0.0, std), c2 + rng.gauss(0.0, std)])
            labels.append(label)
    return _shuffled(points, labels, rng)


def make_spirals(
    n: int = 100,
    classes: int = 2,
    noise: float = 0.1,
    turns: float = 1.0,
    seed: Optional[int] = None,
) -> tuple:
    """``classes`` interleaved spiral arms (the CS231n spiral data set).

    Arm k has points at radius r evenly spaced in [0, 1] and angle
    θ = 2π(k/classes + turns·r) plus Gaussian noise of standard deviation
    ``noise`` (in radians), at (r cos θ, r sin θ). Not linearly separable:
    a net needs hidden units to fit it.

    Example:
        >>> X, y = make_spirals(60, classes=3, seed=0)
        >>> len(X), [y.count(c) for c in range(3)]
        (60, [20, 20, 20])
        >>> max(math.hypot(*p) for p in X) <= 1.0
        True
    """
    checks.count(classes, "make_spirals: classes")
    checks.count(n, "make_spirals: n", classes)
    noise = checks.real_in(noise, "make_spirals: noise")
    turns = checks.real_in(turns, "make_spirals: turns")
    rng = random.Random(seed)
    points, labels = [], []
    for label, count in enumerate(_split(n, classes)):
        for r in _linspace(0.0, 1.0, count):
            theta = 2.0 * math.pi * (label / classes + turns * r) + rng.gauss(0.0, noise)
            points.append([r * math.cos(theta), r * math.sin(theta)])
            labels.append(label)
    return _shuffled(points, labels, rng)


#: One 8×8 glyph per digit 0-9 ("#" ink, "." paper): the shapes make_digits varies.
DIGIT_GLYPHS = (
    (
        "..####..",
        ".##..##.",
        ".##..##.",
        ".##..##.",
        ".##..##.",
        ".##..##.",
        "..####..",
        "........",
    ),
    (
        "...##...",
        "..###...",
        ".####...",
        "...##...",
        "...##...",
        "...##...",
        ".######.",
        "........",
    ),
    (
        "..####..",
        ".##..##.",
        ".....##.",
        "....##..",
        "...##...",
        "..##....",
        ".######.",
        "........",
    ),
    (
        "..####..",
        ".##..##.",
        ".....##.",
        "...###..",
        ".....##.",
        ".##..##.",
        "..####..",
        "........",
    ),
    (
        "....##..",
        "...###..",
        "..####..",
        ".##.##..",
        ".######.",
        "....##..",
        "....##..",
        "........",
    ),
    (
        ".######.",
        ".##.....",
        ".#####..",
        ".....##.",
        ".....##.",
        ".##..##.",
        "..####..",
        "........",
    ),
    (
        "...###..",
        "..##....",
        ".##.....",
        ".#####..",
        ".##..##.",
        ".##..##.",
        "..####..",
        "........",
    ),
    (
        ".######.",
        ".....##.",
        "....##..",
        "...##...",
        "..##....",
        "..##....",
        "..##....",
        "........",
    ),
    (
        "..####..",
        ".##..##.",
        ".##..##.",
        "..####..",
        ".##..##.",
        ".##..##.",
        "..####..",
        "........",
    ),
    (
        "..####..",
        ".##..##.",
        ".##..##.",
        "..#####.",
        ".....##.",
        "....##..",
        "..###...",
        "........",
    ),
)


def make_digits(n: int = 1000, noise: float = 0.15, seed: Optional[int] = None) -> tuple:
    """8×8 grey images of the digits 0-9, drawn from :data:`DIGIT_GLYPHS` (no download).

    Each image is its digit's glyph shifted by up to one pixel in each
    direction, with each stroke's ink scaled by a random strength in
    [0.6, 1], a few ink pixels dropped, and Gaussian noise of standard
    deviation ``noise`` added to every pixel, then clipped to [0, 1]. ``X``
    holds the 64 pixels of each image row by row, ``y`` the digits.

    Example:
        >>> X, y = make_digits(20, seed=0)
        >>> len(X), len(X[0]), sorted(set(y)) == list(range(10)), [y.count(d) for d in (0, 9)]
        (20, 64, True, [2, 2])
        >>> all(0.0 <= v <= 1.0 for image in X for v in image)
        True
    """
    checks.count(n, "make_digits: n", 10)
    noise = checks.real_in(noise, "make_digits: noise")
    rng = random.Random(seed)
    images, labels = [], []
    for digit, count in enumerate(_split(n, 10)):
        ink = [
            (r, c)
            for r, row in enumerate(DIGIT_GLYPHS[digit])
            for c, mark in enumerate(row)
            if mark == "#"
        ]
        for _ in range(count):
            images.append(_digit_image(ink, rng, noise))
            labels.append(digit)
    return _shuffled(images, labels, rng)


def _digit_image(ink: list, rng: random.Random, noise: float) -> list:
    """One variation of a glyph (its ink pixels): shifted, faded, dropped out, noisy."""
    dr, dc, strength = rng.randint(-1, 1), rng.randint(-1, 1), rng.uniform(0.6, 1.0)
    pixels = [0.0] * 64
    for r, c in ink:
        r, c = r + dr, c + dc
        if 0 <= r < 8 and 0 <= c < 8 and rng.random() > 0.1:
            pixels[8 * r + c] = strength
    return [min(1.0, max(0.0, v + rng.gauss(0.0, noise))) for v in pixels]


# -- more toy sets, and the user's own points -------------------------------------


def make_circles(
    n: int = 100, noise: float = 0.0, factor: float = 0.5, seed: Optional[int] = None
) -> tuple:
    """Two concentric circles (scikit-learn's ``make_circles``, reimplemented).

    Class 0 lies on the unit circle, class 1 on the circle of radius
    ``factor``, at angles evenly spaced in [0, 2π); ``noise`` is the standard
    deviation of Gaussian noise added to each coordinate. No line separates
    them; a net needs hidden units.

    Example:
        >>> X, y = make_circles(40, seed=0)
        >>> len(X), y.count(0), y.count(1)
        (40, 20, 20)
        >>> sorted({round(math.hypot(*p), 9) for p in X})
        [0.5, 1.0]
    """
    checks.count(n, "make_circles: n", 2)
    noise = checks.real_in(noise, "make_circles: noise")
    factor = checks.real_in(factor, "make_circles: factor")
    if not factor < 1.0:
        raise ValueError(f"make_circles: factor must be < 1 (the inner radius), got {factor!r}")
    rng = random.Random(seed)
    points, labels = [], []
    for label, (radius, count) in enumerate(zip((1.0, factor), _split(n, 2))):
        for k in range(count):
            t = 2.0 * math.pi * k / count
            points.append(
                [
                    radius * math.cos(t) + rng.gauss(0.0, noise),
                    radius * math.sin(t) + rng.gauss(0.0, noise),
                ]
            )
            labels.append(label)
    return _shuffled(points, labels, rng)


def make_xor(n: int = 100, noise: float = 0.0, seed: Optional[int] = None) -> tuple:
    """The XOR pattern: points uniform in the square [-1, 1]², class 1 where x1·x2 > 0.

    Points are kept at least 0.05 from the axes so every label is clear;
    ``noise`` (standard deviation) is added after labelling, so with noise
    some points cross into the other class's quadrant, as in TensorFlow
    Playground's XOR data.

    Example:
        >>> X, y = make_xor(8, seed=1)
        >>> all((x1 * x2 > 0) == (label == 1) for (x1, x2), label in zip(X, y))
        True
    """
    checks.count(n, "make_xor: n")
    noise = checks.real_in(noise, "make_xor: noise")
    rng = random.Random(seed)
    points, labels = [], []
    for _ in range(n):
        x1, x2 = (rng.choice((-1.0, 1.0)) * rng.uniform(0.05, 1.0) for _ in range(2))
        labels.append(1 if x1 * x2 > 0 else 0)
        points.append([x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)])
    return points, labels


def make_surface(n: int = 100, noise: float = 0.0, seed: Optional[int] = None) -> tuple:
    """A regression problem: points uniform in [-2, 2]², targets on the surface sin(x1)·cos(x2).

    ``noise`` (standard deviation) is added to each target. For a network
    with one output and the squared error (``Recorder(..., loss="squared")``).

    Example:
        >>> import math
        >>> X, t = make_surface(5, seed=1)
        >>> all(abs(v - math.sin(a) * math.cos(b)) < 1e-15 for (a, b), v in zip(X, t))
        True
    """
    checks.count(n, "make_surface: n")
    noise = checks.real_in(noise, "make_surface: noise")
    rng = random.Random(seed)
    points, targets = [], []
    for _ in range(n):
        x1, x2 = rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)
        points.append([x1, x2])
        targets.append(math.sin(x1) * math.cos(x2) + rng.gauss(0.0, noise))
    return points, targets


def make_curve(n: int = 100, noise: float = 0.0, seed: Optional[int] = None) -> tuple:
    """A 1-D regression problem: x uniform in [-3, 3], targets on the curve sin(x).

    ``X`` holds one-number points ``[x]``; ``noise`` (standard deviation) is
    added to each target. For a network with one input, one output and the
    squared error; the explorer draws the points (x, target) and the fitted curve.

    Example:
        >>> import math
        >>> X, t = make_curve(5, seed=1)
        >>> len(X[0]), all(abs(v - math.sin(x)) < 1e-15 for (x,), v in zip(X, t))
        (1, True)
    """
    checks.count(n, "make_curve: n")
    noise = checks.real_in(noise, "make_curve: noise")
    rng = random.Random(seed)
    points, targets = [], []
    for _ in range(n):
        x = rng.uniform(-3.0, 3.0)
        points.append([x])
        targets.append(math.sin(x) + rng.gauss(0.0, noise))
    return points, targets


@dataclass(frozen=True)
class Dataset:
    """A generated data set by name (:data:`DATASETS`): its maker and its default noise.

    Calling it makes ``n`` points: ``DATASETS["moons"](100, seed=1337)`` is
    ``make_moons(100, noise=0.1, seed=1337)``.
    """

    make: Callable[..., tuple]
    #: the noise when none is given; blobs take it as their spread
    noise: float = 0.1
    #: the maker's keyword for the noise
    keyword: str = "noise"
    #: the number of inputs of a point (2 for the sets in the plane)
    inputs: int = 2
    #: the loss it is made for: None for classes (labels 0, 1, ...), "squared" for
    #: regression (real targets; a network with one output)
    loss: Optional[str] = None
    #: SGD's learning rate when none is given (None: the trainer's, 1.0); the squared
    #: error's gradient grows with the targets, and 1.0 makes these runs diverge
    sgd_lr: Optional[float] = None

    @property
    def regression(self) -> bool:
        """Whether its labels are real targets (a curve or a surface to fit), not classes."""
        return self.loss == "squared"

    def __call__(self, n: int, noise: Optional[float] = None, seed: Optional[int] = None) -> tuple:
        """``(X, y)``: ``n`` points and their class labels 0, 1, ... (or real targets)."""
        return self.make(n, **{self.keyword: self.noise if noise is None else noise}, seed=seed)


#: The generated data sets by name: ``demo --dataset`` offers these, the trainer
#: (:mod:`autograd_scalar.train`) makes them. A new data set is one entry here.
DATASETS = {
    "moons": Dataset(make_moons),
    "blobs": Dataset(make_blobs, noise=1.0, keyword="std"),
    "spirals": Dataset(make_spirals),
    "circles": Dataset(make_circles),
    "xor": Dataset(make_xor),
    "digits": Dataset(make_digits, inputs=64),
    "curve": Dataset(make_curve, inputs=1, loss="squared", sgd_lr=0.01),
    "surface": Dataset(make_surface, loss="squared", sgd_lr=0.01),
}


class DataError(ValueError):
    """A data file that cannot be used; the message names the file, the row and the problem."""


#: Most points a data set may have, made (``demo --points``) or read (``demo --data``):
#: training builds a graph per point, and the explorer draws each one.
MAX_POINTS = 100_000
#: Most bytes a data file may have, checked before it is read: :data:`MAX_POINTS`
#: rows of up to about 160 characters.
MAX_CSV_BYTES = 16 * 2**20


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, cut after ``limit`` characters."""
    return repr(text) if len(text) <= limit else f"{text[:limit]!r}... ({len(text):,} characters)"


def _csv_number(text: str, where: str, column: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {column} is {_shown(text)}, not a number") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {column} is {_shown(text)}; values must be finite numbers")
    return value


def _line_count(text: str) -> int:
    """How many lines ``text`` starts, counting ``\n``, ``\r\n`` and ``\r`` as CSV does."""
    return text.count("\n") + text.count("\r") - text.count("\r\n") + 1


def _csv_text(path) -> str:
    """The file's text, once it is known to be a regular file of at most MAX_CSV_BYTES."""
    with open_regular(path) as file:
        size = os.fstat(file.fileno()).st_size
        raw = file.read(MAX_CSV_BYTES + 1) if size <= MAX_CSV_BYTES else b""
    if size > MAX_CSV_BYTES or len(raw) > MAX_CSV_BYTES:
        raise DataError(
            f"{path}: {max(size, len(raw)):,} bytes, more than the {MAX_CSV_BYTES:,} "
            f"a data file may have (at most {MAX_POINTS:,} rows)"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = _line_count(raw[: error.start].decode("utf-8-sig"))
        raise DataError(
            f"{path} row {row}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None


def _csv_records(path, text: str) -> Iterator[tuple]:
    """``(row number, fields)`` per CSV record; a record's row is the line it starts on.

    Lines end at ``\n``, ``\r\n`` or ``\r`` only (not at form feeds or
    U+2028, as ``str.splitlines`` would have it), so the row numbers are those
    of a text editor.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    row = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reason = str(error)
            if "field larger than field limit" in reason:
                reason = f"a field is longer than {csv.field_size_limit():,} characters"
            raise DataError(f"{path} row {row}: {reason}") from None
        yield row, [field.strip() for field in fields]
        row = reader.line_num + 1


def _csv_rows(path, text: str) -> list:
    """``[(row number, x1, x2, label text), ...]``: the checked data rows of a CSV text."""
    rows: list[tuple] = []
    for number, fields in _csv_records(path, text):
        if not any(fields):
            continue  # blank lines
        where = f"{path} row {number}"
        if len(fields) != 3:
            raise DataError(f"{where}: expected 3 columns (x1,x2,label), got {len(fields)}")
        if (
            not rows
            and number == 1
            and not checks.is_number(fields[0])
            and not checks.is_number(fields[1])
        ):
            continue  # a header
        if len(rows) == MAX_POINTS:
            raise DataError(
                f"{where}: more than {MAX_POINTS:,} data rows, the most a data file may have"
            )
        x1, x2 = (_csv_number(fields[k], where, name) for k, name in ((0, "x1"), (1, "x2")))
        if not fields[2]:
            raise DataError(f"{where}: the label is empty")
        rows.append((number, x1, x2, fields[2]))
    return rows


def load_csv(path) -> tuple:
    """Read the user's 2-D points: ``(X, y, classes)`` from ``x1,x2,label`` rows.

    A first row whose x1 and x2 are not numbers is a header. Labels may be any
    text (``0``/``1``, ``red``/``blue``, ...); ``classes`` lists them sorted
    (numerically if they are all numbers) and ``y`` holds each row's index
    into it. Rows end at line breaks (``\n``, ``\r\n``, ``\r``); a quoted
    field may hold commas. Any problem -- a missing column, a non-number, NaN
    or infinity, an empty label, a field over 131,072 characters, text that
    is not UTF-8, no rows, a single class -- raises :class:`DataError` naming
    the row and the problem. A file over :data:`MAX_CSV_BYTES` bytes is
    refused before it is read, one with more than :data:`MAX_POINTS` rows
    when its next row is reached; a named pipe or a device is refused
    (``OSError``) rather than read.

    Example:
        >>> import tempfile, pathlib
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "mine.csv"
        >>> _ = path.write_text("x1,x2,label\\n0.5,1,blue\\n-1,2,red\\n3,0,blue\\n")
        >>> load_csv(path)
        ([[0.5, 1.0], [-1.0, 2.0], [3.0, 0.0]], [0, 1, 0], ['blue', 'red'])
        >>> _ = path.write_text("0.5,1,0\\n-1,oops,1\\n")
        >>> load_csv(path)
        Traceback (most recent call last):
        ...
        autograd_scalar.data.DataError: ... row 2: x2 is 'oops', not a number
    """
    rows = _csv_rows(path, _csv_text(path))
    if not rows:
        raise DataError(f"{path}: no data rows (expected lines of x1,x2,label)")
    names = sorted(
        {label for *_, label in rows},
        key=lambda s: (0, float(s), s) if checks.is_number(s) else (1, 0.0, s),
    )
    if len(names) < 2:
        raise DataError(
            f"{path}: every row has the label {names[0]!r}; a classifier needs at least two classes"
        )
    index = {name: k for k, name in enumerate(names)}
    return ([[x1, x2] for _, x1, x2, _ in rows], [index[label] for *_, label in rows], names)


__all__ += [
    "make_circles",
    "make_xor",
    "Dataset",
    "DATASETS",
    "load_csv",
    "DataError",
    "MAX_POINTS",
    "MAX_CSV_BYTES",
]
