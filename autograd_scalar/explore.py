"""Watching a network learn: record snapshots of training, replay them in one HTML page.

:class:`Recorder` sits in any training loop you write. Call ``rec.record(loss)``
once per step, after ``loss.backward()`` and before the optimizer's update, so
the snapshot pairs the parameters θ_k with the loss L(θ_k) and the gradient
∂L/∂θ at θ_k. A snapshot keeps

* ``params``: the parameters, in ``model.parameters()`` order;
* ``loss``: the loss at those parameters;
* ``grad_norms``: per layer l, the gradient's norm ‖∂L/∂θ^l‖ over that layer's
  weights and biases;

and, computed on first use from ``params`` (a twin model carries them, so the
user's model is never touched): ``accuracy`` on the recorded data, ``grid``
(the decision function over a grid covering the data, evaluated under
``no_grad``) and ``dead`` (:func:`~autograd_scalar.nn.dead_neurons` on the
data). Recording only reads floats and draws no random numbers, so training
gives the same weights with and without a recorder.

The explorer page (:meth:`Recorder.to_html`, :meth:`Recorder.save`, Jupyter's
``_repr_html_``) is one self-contained file: the snapshots as JSON, and the
scripts ``web/explore.js`` and ``web/network.js`` that replay them -- a slider
and play/pause over the steps, the decision function as a heat map under the
data, the loss and accuracy curves with a cursor, and the network view
(:mod:`autograd_scalar.viz.network_view`) at that step for the selected data point.
The page recomputes forward passes in the browser from the recorded
parameters, so it stores no activations; the tests check that the browser's
numbers agree with this module's.

With ``live=True`` in Jupyter the recorder redraws one output area in place
(IPython display handles) at most every ``live_interval`` seconds; without
IPython it does nothing.
"""

from __future__ import annotations

import math
import numbers
import os
import random
import time
from functools import cached_property
from pathlib import Path
from typing import Optional, Sequence, Union

from . import checks, optim, palette
from .engine import Value
from .explore_losses import term_program
from .modes import no_grad
from .names import html_text, script_json
from .nn import ACTIVATIONS, LOSSES, MLP, dead_neurons
from .viz.network_view import Layout, NetworkView, layer_sizes
from .web import pages

__all__ = ["Recorder", "Snapshot", "LOSSES", "PAGE_OPTIMIZERS"]


class Snapshot:
    """The state of training at one recorded step (see the module doc)."""

    def __init__(
        self, recorder: "Recorder", step: int, params: tuple, loss: float, grad_norms: list
    ):
        self.step = step
        self.params = params
        self.loss = loss
        self.grad_norms = grad_norms
        self._recorder = recorder

    def _twin(self) -> MLP:
        # Set directly, not through load_state_dict: a diverged run's snapshot holds
        # inf and nan, which the page shows and a model file would refuse.
        twin = self._recorder.twin
        for parameter, value in zip(twin.parameters(), self.params, strict=True):
            parameter.data = value
        return twin

    @cached_property
    def accuracy(self) -> Optional[float]:
        """The fraction of the recorded points classified correctly at this step
        (None in regression: a real target is not right or wrong)."""
        return self._accuracy_on(self._recorder.X, self._recorder.y)

    @cached_property
    def test_accuracy(self) -> Optional[float]:
        """The fraction of the held-out test points classified correctly (None without
        them, or in regression)."""
        test = self._recorder.test
        return None if test is None else self._accuracy_on(*test)

    def _accuracy_on(self, X: list, y: list) -> Optional[float]:
        if self._recorder.regression:
            return None
        twin = self._twin()
        with no_grad():
            outputs = [twin(x) for x in X]
        return sum(_correct(_floats(out), label) for out, label in zip(outputs, y)) / len(y)

    @cached_property
    def grid(self) -> list:
        """The model's output on the grid points (rows bottom to top), under ``no_grad``.

        ``grid[r][c]`` is the output at ``(xs[c], ys[r])`` of the recorder's
        :attr:`Recorder.grid_axes`: a float for one output, a list for several.
        With one input (a curve to fit) the output depends on x only: one row,
        ``grid[0][c]`` the fitted curve at ``xs[c]``.
        """
        twin = self._twin()
        xs, ys = self._recorder.grid_axes
        with no_grad():
            if self._recorder.inputs == 1:
                return [[_floats(twin([u])) for u in xs]]
            return [[_floats(twin([u, v])) for u in xs] for v in ys]

    @cached_property
    def dead(self) -> list:
        """``nn.dead_neurons`` of the model at this step on the recorded points."""
        return dead_neurons(self._twin(), self._recorder.X)

    def __repr__(self) -> str:
        return f"Snapshot(step={self.step}, loss={self.loss:.6g})"


def _floats(out):
    if isinstance(out, Value):
        return out.data
    return [v.data for v in out]


def _correct(out, label) -> bool:
    """Whether one output (a float, or a list of floats) is right: its sign for one
    output (labels ±1 or 0/1), else the argmax."""
    if isinstance(out, list):
        return out.index(max(out)) == label
    return (out > 0) == (label > 0)


def _check_data(model: MLP, X, y, what: str = "X and y", regression: bool = False) -> tuple:
    nin = len(model.layers[0].neurons[0].w)
    if nin not in (1, 2) or (nin == 1 and not regression):
        raise ValueError(
            "Recorder: the explorer draws 2-D data, or 1-D data with loss 'squared' (a curve "
            "to fit); the model has "
            + ("1 input and the loss is not 'squared'" if nin == 1 else f"{nin} inputs")
        )
    X = [list(map(float, p)) for p in X]
    y = list(y)
    if not X or len(X) != len(y):
        raise ValueError(
            f"Recorder: {what} must be non-empty and of one length, "
            f"got {len(X)} points and {len(y)} labels"
        )
    for k, p in enumerate(X):
        if len(p) != nin or not all(math.isfinite(v) for v in p):
            raise ValueError(f"Recorder: X[{k}] must be {nin} finite number(s), got {p!r}")
    for k, label in enumerate(y):
        if regression:
            if not _finite_number(label):
                raise ValueError(f"Recorder: y[{k}] must be a finite number, got {label!r}")
        elif isinstance(label, bool) or not isinstance(label, numbers.Integral):
            raise ValueError(f"Recorder: y[{k}] must be an int class label, got {label!r}")
    return X, [float(label) if regression else int(label) for label in y]


def _finite_number(value) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, numbers.Real)
        and math.isfinite(float(value))
    )


def _infer_loss(model: MLP, y: list, loss: Optional[str]) -> str:
    outputs = len(model.layers[-1].neurons)
    labels = set(y)
    if loss is None:
        loss = "cross_entropy" if outputs > 1 else "hinge" if labels <= {-1, 1} else "logistic"
    if loss not in LOSSES:
        raise ValueError(f"Recorder: loss must be one of {', '.join(LOSSES)}, got {loss!r}")
    if loss == "squared":  # regression: any finite targets
        if outputs != 1:
            raise ValueError(f"Recorder: loss 'squared' needs one output, got {outputs}")
        return loss
    entry = LOSSES[loss]
    allowed = set(range(outputs)) if entry.classes else {k for k in (-1, 0, 1) if entry.allowed(k)}
    if not labels <= allowed or entry.classes != (outputs > 1):
        raise ValueError(
            f"Recorder: loss {loss!r} with {outputs} output(s) needs labels in "
            f"{sorted(allowed)}, got {sorted(labels)}"
        )
    return loss


def _check_test(model: MLP, test, loss: str) -> Optional[tuple]:
    """The held-out points ``(X, y)``, checked as the training data, labels as the loss needs."""
    if test is None:
        return None
    try:
        X, y = test
    except (TypeError, ValueError):
        raise ValueError("Recorder: test must be a pair (X, y) of points and labels") from None
    X, y = _check_data(model, X, y, "the test X and y", regression=loss == "squared")
    _infer_loss(model, y, loss)
    return X, y


#: The optimizers the page trains with (optim.SGD, SGD with optim.MOMENTUM, optim.Adam).
PAGE_OPTIMIZERS = ("sgd", "momentum", "adam")


def _check_training(training, regression: bool) -> dict:
    """The train bar's first settings: ``training`` over the defaults, each checked.

    The defaults are plain SGD, no penalty, the full batch and a learning rate
    of 0.1 (0.01 for the squared error, whose gradient grows with the targets).
    """
    settings = {
        "optimizer": "sgd",
        "lr": 0.01 if regression else 0.1,
        "l2": 0.0,
        "l1": 0.0,
        "batch": 0,  # the full batch
    }
    if training is None:
        return settings
    if not isinstance(training, dict):
        raise TypeError(f"Recorder: training must be a dict, got {type(training).__name__}")
    unknown = sorted(set(training) - set(settings), key=str)
    if unknown:
        raise ValueError(
            f"Recorder: training has no setting {unknown[0]!r} (it takes {', '.join(settings)})"
        )
    settings.update(training)
    if settings["optimizer"] not in PAGE_OPTIMIZERS:
        raise ValueError(
            f"Recorder: training's optimizer must be one of {', '.join(PAGE_OPTIMIZERS)}, "
            f"got {settings['optimizer']!r}"
        )
    settings["lr"] = checks.real_in(settings["lr"], "Recorder: training's lr", low_open=True)
    for name in ("l2", "l1"):
        settings[name] = checks.real_in(settings[name], f"Recorder: training's {name}")
    batch = 0 if settings["batch"] is None else settings["batch"]
    settings["batch"] = checks.count(batch, "Recorder: training's batch", at_least=0)
    return settings


def _grid_axes(X: list, y: list, resolution: int) -> tuple:
    """Evenly spaced coordinates covering the data with a margin of 0.5 (as the demo's plot).

    The plane is (x1, x2) for 2-D points; for 1-D points (a curve to fit) it
    is (x, target)."""
    columns = [[p[0] for p in X], [p[1] for p in X] if len(X[0]) == 2 else list(y)]
    axes = []
    for values in columns:
        low, high = min(values) - 0.5, max(values) + 0.5
        axes.append([low + (high - low) * i / (resolution - 1) for i in range(resolution)])
    return tuple(axes)


class Recorder:
    """Snapshots of a model while your loop trains it; an explorer page to replay them.

    Args:
        model: the :class:`~autograd_scalar.nn.MLP` being trained (2 inputs;
            or 1 input with ``loss="squared"``, a curve to fit).
        X, y: the training points and their int labels (±1 or 0/1 for one
            output, class indices for several; real targets for ``"squared"``).
        every: keep a snapshot every ``every``-th call of :meth:`record`.
        live: in Jupyter, redraw one output area while training.
        loss: a name of :data:`~autograd_scalar.nn.LOSSES`: ``"hinge"``,
            ``"logistic"``, ``"cross_entropy"``, ... (default: from the labels
            and the outputs); the page shows each point's term.
        grid: the decision grid's points per axis: the page's heat map (or
            fitted curve) is the model's output at these points, as are
            :attr:`Snapshot.grid` and the picture shown without scripts.
        live_interval: least seconds between two live redraws.
        test: held-out points and labels ``(X, y)`` that training never sees:
            the page draws them hollow and plots their loss and accuracy.
        training: how your loop trains, so that the page's train button goes
            on as it did: ``{"optimizer": "adam", "lr": 0.01, "l2": 1e-4,
            "l1": 0.0, "batch": 32}``, any of these keys (``optimizer``: one of
            :data:`PAGE_OPTIMIZERS`; ``batch``: 0 or None for the full batch).
            Default: SGD at lr 0.1 (0.01 for ``"squared"``), no penalty, full batch.

    Example:
        >>> import random
        >>> from autograd_scalar.nn import MLP, hinge
        >>> from autograd_scalar.optim import SGD
        >>> model = MLP(2, [4, 1], rng=random.Random(0))
        >>> X, y = [[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [1, -1, 1]
        >>> rec, opt = Recorder(model, X, y), SGD(model.parameters(), lr=0.1)
        >>> for step in range(3):
        ...     loss = hinge([model(x) for x in X], y)
        ...     opt.zero_grad(); loss.backward(); _ = rec.record(loss); opt.step()
        >>> len(rec.snapshots), rec.snapshots[0].step, len(rec.snapshots[0].params)
        (3, 0, 17)
    """

    def __init__(
        self,
        model,
        X,
        y,
        every: int = 1,
        live: bool = False,
        loss: Optional[str] = None,
        grid: int = 50,
        live_interval: float = 0.5,
        test=None,
        training: Optional[dict] = None,
    ):
        if not isinstance(model, MLP):
            raise TypeError(
                f"Recorder: model must be an autograd_scalar.nn.MLP, got {type(model).__name__}"
            )
        for name, value, low in (("every", every, 1), ("grid", grid, 2)):
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise ValueError(f"Recorder: {name} must be an int >= {low}, got {value!r}")
        self.model = model
        self.regression = loss == "squared"
        #: 2: points in the plane; 1: a curve to fit, drawn as (x, target)
        self.inputs = len(model.layers[0].neurons[0].w)
        self.X, self.y = _check_data(model, X, y, regression=self.regression)
        self.loss_name = _infer_loss(model, self.y, loss)
        self.test = _check_test(model, test, self.loss_name)
        self.training = training
        self.every = every
        self.live = bool(live)
        self.live_interval = float(live_interval)
        test_X, test_y = self.test or ([], [])
        self.grid_axes = _grid_axes(self.X + test_X, self.y + test_y, grid)
        self.grid = grid
        self.params = model.parameters()
        self.names = [name for name, _ in model.named_parameters()]
        arch = model.architecture()
        # The twin evaluates snapshots; its own rng keeps the global one untouched.
        self.twin = MLP(arch["nin"], arch["nouts"], arch["activation"], rng=random.Random(0))
        self._layer_sizes = [len(layer.parameters()) for layer in model.layers]
        self.snapshots: list = []
        self.calls = 0
        self._live: Optional[tuple[object, float]] = None  # (display handle, time shown)

    def record(self, loss) -> Optional[Snapshot]:
        """Note one training step's ``loss`` (a Value or a number); returns the snapshot, if kept.

        Call it after ``loss.backward()`` and before the optimizer's step.
        """
        if isinstance(loss, Value):
            loss = loss.data
        if isinstance(loss, bool) or not isinstance(loss, numbers.Real):
            raise TypeError(
                f"Recorder.record: loss must be a Value or a number, got {type(loss).__name__}"
            )
        step, self.calls = self.calls, self.calls + 1
        if step % self.every:
            return None
        grads = [p.grad for p in self.params]
        norms, start = [], 0
        for size in self._layer_sizes:
            norms.append(math.sqrt(sum(g * g for g in grads[start : start + size])))
            start += size
        snapshot = Snapshot(self, step, tuple(p.data for p in self.params), float(loss), norms)
        self.snapshots.append(snapshot)
        if self.live:
            self._show_live(force=False)
        return snapshot

    def finish(self) -> None:
        """Redraw the live output once more with the last snapshot (no-op when not live)."""
        if self.live and self.snapshots:
            self._show_live(force=True)

    def _show_live(self, force: bool) -> None:
        now = time.monotonic()
        if self._live is not None and not force and now - self._live[1] < self.live_interval:
            return
        handle = _live_display(self, None if self._live is None else self._live[0])
        self._live = None if handle is None else (handle, now)
        self.live = handle is not None  # no IPython: stop trying

    @property
    def training(self) -> dict:
        """The train bar's first settings, every key filled in (see ``training`` above).

        Assign a dict to change them, e.g. to the learning rate a schedule ended with.
        """
        return dict(self._training)

    @training.setter
    def training(self, value: Optional[dict]) -> None:
        self._training = _check_training(value, self.regression)

    # -- the page -------------------------------------------------------------------

    def page_data(self) -> dict:
        """The JSON the explorer page replays (parameters, losses, data, geometry)."""
        if not self.snapshots:
            raise ValueError(
                "Recorder: nothing recorded yet; call record(loss) in your training loop first"
            )
        arch = self.model.architecture()
        xs, ys = self.grid_axes
        return {
            "sizes": [arch["nin"]] + arch["nouts"],
            "activation": arch["activation"],
            "loss": self.loss_name,
            "X": self.X,
            "y": self.y,
            "Xtest": self.test[0] if self.test else [],
            "ytest": self.test[1] if self.test else [],
            "extent": [xs[0], xs[-1], ys[0], ys[-1]],
            "steps": [s.step for s in self.snapshots],
            "losses": [s.loss for s in self.snapshots],
            "params": [list(s.params) for s in self.snapshots],
            "gradNorms": [s.grad_norms for s in self.snapshots],
            "program": term_program(self.loss_name, arch["nouts"][-1]),
            "palette": palette.as_json(),
            "optimizer": optim.constants(),
        }

    def to_fragment(self, title: str = "Training explorer") -> str:
        """The explorer as an HTML fragment (what Jupyter shows)."""
        return _fragment(self, title)

    def to_html(self, title: str = "Training explorer") -> str:
        """The explorer as one self-contained HTML page (no network access needed)."""
        return pages.document(title, self.to_fragment(title))

    def save(self, path: Union[str, os.PathLike], title: str = "Training explorer") -> Path:
        """Write :meth:`to_html` to ``path`` (``.html``/``.htm``) atomically; returns the path."""
        return pages.save(path, "Recorder.save", html=lambda: self.to_html(title))

    def to_svg(self) -> str:
        """The last snapshot as a picture: the decision map, the points, the loss so far.

        What the page shows where no script runs (an untrusted notebook, a
        repository viewer), and the image in the Jupyter MIME bundle.
        """
        return _static_svg(self)

    def _repr_html_(self) -> str:
        return self.to_fragment()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        return {"text/html": self.to_fragment(), "image/svg+xml": self.to_svg()}


# -- the explorer page ------------------------------------------------------------------


def _network_fragment(recorder: Recorder) -> str:
    """The network view of the first snapshot, narrow enough to sit beside the data."""
    first = recorder.snapshots[0]
    twin = first._twin()
    # No inputs=: the page finds the dead units itself, at every step (and in
    # Python they would cost a pass over every point before the page is written).
    view = NetworkView(
        twin,
        x=recorder.X[0],
        title="network",
        layout=Layout(layer_sizes(twin), width=820, row_gap=40),
    )
    return view.to_fragment(graphs=False)


def _class_index(recorder: Recorder, label: int) -> int:
    """The colour of a label: as the page's ``classIndex`` (one output: label > 0 is class 1)."""
    return (1 if label > 0 else 0) if len(recorder.model.layers[-1].neurons) == 1 else label


def _mix(colour: str, weight: float) -> str:
    """``colour`` blended with white: ``weight`` 0 is white, 1 the colour itself."""
    rgb = [int(colour[k : k + 2], 16) for k in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * weight):02x}" for c in rgb)


def _heat(out) -> str:
    """A grid cell's colour, as the page's ``heatColour``: the class, paler where unsure."""
    classes, heat = palette.CLASSES, palette.HEAT
    if not all(math.isfinite(z) for z in (out if isinstance(out, list) else [out])):
        return palette.DIVERGED
    if not isinstance(out, list):
        t = math.tanh(out)
        return _mix(classes[1 if t > 0 else 0], heat["least"] + heat["span"] * abs(t))
    top = max(out)
    total = sum(math.exp(z - top) for z in out)
    return _mix(classes[out.index(top) % len(classes)], heat["softmax"] / total)


def _static_svg(recorder: Recorder, size: int = 380) -> str:
    """The last snapshot's decision map (a fitted curve for one input) and points
    (misclassified ringed) as SVG."""
    last = recorder.snapshots[-1]
    xs, ys = recorder.grid_axes

    def place(x, label) -> tuple:
        u, v = (x[0], label) if recorder.inputs == 1 else x
        return (u - xs[0]) / (xs[-1] - xs[0]) * size, size - (v - ys[0]) / (ys[-1] - ys[0]) * size

    parts = _static_fit(recorder, last, size, place)
    twin = last._twin()
    test = recorder.test or ([], [])
    points = [(x, label, False) for x, label in zip(recorder.X, recorder.y)]
    points += [(x, label, True) for x, label in zip(*test)]
    for x, label, held_out in points:
        with no_grad():
            right = recorder.regression or _correct(_floats(twin(x)), label)
        u, v = place(x, label)
        colour = palette.CLASSES[_class_index(recorder, label) % len(palette.CLASSES)]
        ring = (
            f'stroke="{palette.WRONG}" stroke-width="2.2"'
            if not right
            else f'stroke="{colour if held_out else "#37474f"}" stroke-width="{2 if held_out else 0.8}"'
        )
        fill = "#ffffff" if held_out else colour
        parts.append(f'<circle cx="{u:.1f}" cy="{v:.1f}" r="4.5" fill="{fill}" {ring}/>')
    caption = html_text(
        f"step {last.step}: loss {last.loss:.4g}, regression (squared error)"
        if recorder.regression
        else f"step {last.step}: loss {last.loss:.4g}, accuracy {last.accuracy:.0%} "
        "(black ring: misclassified)"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 22}" '
        f'viewBox="0 0 {size} {size + 22}" font-family="Helvetica, Arial, sans-serif">'
        + "".join(parts)
        + f'<text x="4" y="{size + 16}" font-size="12" fill="#263238">{caption}</text></svg>'
    )


def _static_fit(recorder: Recorder, last: Snapshot, size: int, place) -> list:
    """The picture's background: the heat map of the grid, or the fitted curve for one input."""
    xs, ys = recorder.grid_axes
    if recorder.inputs == 1:
        line = " ".join(
            "{:.1f},{:.1f}".format(*place([u], out if math.isfinite(out) else ys[-1]))
            for u, out in zip(xs, last.grid[0])
        )
        return [
            f'<polyline points="{line}" fill="none" stroke="{palette.CURVE}" stroke-width="2"/>'
        ]
    cell_w, cell_h = size / len(xs), size / len(ys)
    return [
        f'<rect x="{c * cell_w:.1f}" y="{size - (r + 1) * cell_h:.1f}" width="{cell_w + 0.6:.1f}" '
        f'height="{cell_h + 0.6:.1f}" fill="{_heat(out)}"/>'
        for r, row in enumerate(last.grid)
        for c, out in enumerate(row)
    ]


def _legend(recorder: Recorder) -> str:
    """The explorer's legend, as plain HTML (it survives a sanitiser): what each colour means."""
    labels = [] if recorder.regression else sorted(set(recorder.y))
    swatch = '<span style="color:{c}">&#9679;</span> {t}'
    items = [
        swatch.format(
            c=palette.CLASSES[_class_index(recorder, y) % len(palette.CLASSES)], t=f"label {y}"
        )
        for y in labels
    ]
    if recorder.regression:
        fit = (
            "the plane is x across, the target up; the line: the network's fitted curve y = f(x)"
            if recorder.inputs == 1
            else "heat map = the fitted surface, deeper further from 0"
        )
        items = [
            swatch.format(c=palette.CLASSES[0], t="target &lt; 0")
            + " &#183; "
            + swatch.format(c=palette.CLASSES[1], t="target &gt; 0"),
            f"regression (squared error): {fit}. No accuracy: a real target is not right or "
            "wrong, so the curves show the loss (and the test loss) only",
        ]
    else:
        items += [
            f'<span style="color:{palette.WRONG}">&#9711;</span> black ring: misclassified',
            "heat map: the predicted class, paler where the network is unsure",
        ]
    items += [
        f'<span style="color:{palette.CHOSEN}">&#9711;</span> yellow ring: the chosen point',
        f'edges: <span style="color:{palette.POSITIVE}">&#9473; teal w &gt; 0</span>, '
        f'<span style="color:{palette.NEGATIVE}">&#9473; magenta w &lt; 0</span>, wider for larger |w|',
        f'<span style="color:{palette.DEAD}">&#10005;</span> grey, crossed: a dead ReLU '
        "(z &#8804; 0 on every point)",
        "curves: the loss" if recorder.regression else "curves: loss solid, accuracy dashed",
    ]
    if recorder.test:
        items.insert(
            len(labels),
            "&#9675; hollow: a held-out test point"
            + ("" if recorder.regression else " (dashed black: misclassified)")
            + f'; <span style="color:{palette.TEST_CURVE}">brick-red curves: test loss'
            + ("" if recorder.regression else " and accuracy")
            + "</span>",
        )
    return '<ul class="ags-ex-legend">' + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _point_adder(recorder: Recorder) -> str:
    """The label a click on the map adds a point of (the recorded labels; a number in regression)."""
    if recorder.inputs == 1:
        return (
            '<label class="ags-ex-switch ags-ex-live" style="display:none">a click adds a point (x, target) where you click; '
            "shift-click deletes one</label>"
        )
    if recorder.regression:
        return (
            '<label class="ags-ex-switch ags-ex-live" style="display:none">a click on the map adds a point of target '
            '<input class="ags-ex-label" type="text" size="5" value="0">; shift-click deletes one'
            "</label>"
        )
    options = "".join(f'<option value="{y}">{y}</option>' for y in sorted(set(recorder.y)))
    return (
        '<label class="ags-ex-switch ags-ex-live" style="display:none">a click on the map adds a point of label '
        f'<select class="ags-ex-label">{options}</select>; shift-click deletes one</label>'
    )


def _train_bar(recorder: Recorder) -> str:
    """The controls of training in the page (hidden until the script runs)."""
    settings = recorder.training
    options = "".join(
        f'<option value="{name}"{" selected" if name == settings["optimizer"] else ""}>{name}</option>'
        for name in PAGE_OPTIMIZERS
    )
    activations = "".join(f'<option value="{name}">{name}</option>' for name in ACTIVATIONS)
    field = '<label>{label} <input class="ags-ex-{name}" type="text" size="{size}" value="{value}"></label>'
    return (
        '<div class="ags-ex-trainbar ags-ex-live" style="display:none">'
        '<button type="button" class="ags-ex-run">train</button>'
        '<button type="button" class="ags-ex-once">step</button>'
        f'<label>optimizer <select class="ags-ex-optimizer">{options}</select></label>'
        + field.format(label="learning rate", name="lr", size=6, value=repr(settings["lr"]))
        + field.format(label="L2", name="l2", size=6, value=repr(settings["l2"]))
        + field.format(label="L1", name="l1", size=6, value=repr(settings["l1"]))
        + field.format(label="batch (0: all)", name="batch", size=4, value=settings["batch"])
        + '<span class="ags-ex-sep"></span>'
        f'<label>activation <select class="ags-ex-activation">{activations}</select></label>'
        + field.format(label="hidden", name="hidden", size=8, value="")
        + '<button type="button" class="ags-ex-restart">restart</button>'
        '<span class="ags-ex-train-note" role="alert" hidden></span></div>'
    )


# The controls carry class ags-ex-live and an inline display:none: where no script
# runs (an untrusted notebook sanitises the HTML and drops the <style>, but keeps
# inline styles), only the static picture and the legend show; the script shows them.


def _fragment(recorder: Recorder, title: str) -> str:
    uid = f"ags-explore-{os.urandom(6).hex()}"
    test_switch = (
        '<label class="ags-ex-switch ags-ex-live" style="display:none"><input type="checkbox" class="ags-ex-show-test" checked> '
        "show the test points</label>"
        if recorder.test
        else ""
    )
    data = script_json(recorder.page_data())
    static = pages.picture(_static_svg(recorder), f"{title}: the last step", "ags-ex-static")
    return (
        f'<div class="ags-explorer" id="{uid}">'
        f"<style>{pages.read('explore.css')}</style>"
        '<div class="ags-ex-bar">'
        f'<strong class="ags-ex-title">{html_text(title)}</strong>'
        '<button type="button" class="ags-ex-play ags-ex-live" style="display:none">play</button>'
        '<input type="range" class="ags-ex-slider ags-ex-live" style="display:none" min="0" value="0" aria-label="step">'
        '<span class="ags-ex-pos"></span></div>'
        f"{_train_bar(recorder)}"
        '<div class="ags-ex-main"><div class="ags-ex-left">'
        f"{static}"
        f'<div class="ags-ex-map"><canvas class="ags-ex-heat" width="{recorder.grid}" '
        f'height="{recorder.grid}">'
        '</canvas><svg class="ags-ex-points" xmlns="http://www.w3.org/2000/svg"></svg>'
        '<div class="ags-ex-focus" hidden></div></div>'
        '<label class="ags-ex-switch ags-ex-live" style="display:none"><input type="checkbox" class="ags-ex-lines"> '
        "the first hidden layer's lines z = 0</label>"
        f"{_point_adder(recorder)}{test_switch}"
        '<div class="ags-ex-sample" hidden></div><svg class="ags-ex-curves" xmlns="http://www.w3.org/2000/svg"></svg>'
        '<div class="ags-ex-note" role="alert" hidden></div>'
        '<div class="ags-ex-point"></div>'
        '<details class="ags-ex-graph ags-ex-live" style="display:none"><summary>the chosen point\'s scalar graph: data and grad '
        "of every node (click a point)</summary>"
        '<p class="ags-ex-graph-title"></p><div class="ags-ex-graph-scroll"><table><thead><tr>'
        "<th>node</th><th>data</th><th>grad</th></tr></thead><tbody></tbody></table></div>"
        "</details>"
        f"{_legend(recorder)}</div>"
        '<div class="ags-ex-right ags-ex-live" style="display:none">'
        '<p class="ags-ex-network-note" hidden>The network view '
        "shows the recorded sizes; restart with them to see it again.</p>"
        f"{_network_fragment(recorder)}</div></div>"
        "<noscript>The training explorer needs JavaScript to replay the steps; "
        "the picture shows the last one.</noscript>"
        f'<script type="application/json" class="ags-ex-data">{data}</script>'
        f"<script>{pages.ops_script()}\n{pages.scripts('explore_train.js', 'explore.js')}\n"
        f'agsExplorer.init(document.getElementById("{uid}"));</script></div>'
    )


# -- live in Jupyter -------------------------------------------------------------------


def _live_html(recorder: Recorder) -> str:
    """What the live output area shows: the step, loss, accuracy, and the network."""
    last = recorder.snapshots[-1]
    losses = [s.loss for s in recorder.snapshots]
    twin = last._twin()
    view = NetworkView(
        twin,
        inputs=recorder.X,
        title="network",
        layout=Layout(layer_sizes(twin), width=900, row_gap=36),
    )
    accuracy = "" if last.accuracy is None else f" &#183; accuracy {last.accuracy:.0%}"
    return (
        f'<div class="ags-live"><p><b>step {last.step}</b> &#183; loss '
        f"{last.loss:.4g}{accuracy} &#183; "
        f"{len(last.dead)} dead ReLU(s)</p>{_sparkline(losses)}"
        f'<div style="max-width:900px">{view.to_svg(standalone=False)}</div></div>'
    )


def _sparkline(values: Sequence[float], width: int = 400, height: int = 60) -> str:
    """The loss so far as a small SVG line."""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    points = " ".join(
        f"{k * step:.1f},{height - 4 - (v - low) / span * (height - 8):.1f}"
        for k, v in enumerate(values)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
        f'<polyline points="{points}" fill="none" stroke="#1f6fb4" stroke-width="1.5"/>'
        "</svg>"
    )


def _live_display(recorder: Recorder, handle):
    """Show or update the live output; ``None`` when there is no IPython to show it in."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        return None
    if get_ipython() is None:
        return None
    content = HTML(_live_html(recorder))
    if handle is None:
        return display(content, display_id=True)
    handle.update(content)
    return handle
