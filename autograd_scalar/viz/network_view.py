"""The textbook picture of an MLP: neurons as circles in layers, one edge per weight.

:func:`network` (also ``viz.network``) lays the network out itself, in
Python, and writes SVG directly: column l holds layer l's neurons (column 0
the inputs), the edge from unit i of one column to neuron j of the next is the
weight w_ji, its thickness proportional to |w_ji| and its colour its sign
(blue positive, red negative). No Graphviz is needed for this layout.

With ``x`` the picture shows one forward and one backward pass on that input:
each unit is labelled with its activation a and its adjoint ā = ∂out/∂a
(v̄ in the adjoint rule v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j, seeded with out̄ = 1 at the
model's output; for several outputs, at their sum). The pass runs on fresh
input leaves and leaves the parameters' ``grad`` as it found them.

With ``inputs`` the ReLU units that are dead on that data set
(:func:`~autograd_scalar.nn.dead_neurons`: z <= 0 for every input) are greyed
out and crossed.

Names follow the parameters' paths: unit j of layer l is ``L<l>.n<j>`` (both
counted from 0, as in ``named_parameters``: ``layers.<l>.neurons.<j>``), its
weights ``L<l>.n<j>.w<i>`` and bias ``L<l>.n<j>.b``; the inputs are ``x<i>``.

The HTML page (``to_html``, ``save("....html")``, Jupyter) adds one thing the
SVG cannot: click a neuron and its own scalar graph appears -- its ``dot`` node
w·x + b and its activation, drawn by :func:`autograd_scalar.viz.to_svg` with
the data and the gradients of the same pass. The page's script and style are
the package files ``web/network.js`` and ``web/network.css``; how each class
of mark looks (a weight's sign, a dead unit) is one table, :data:`LOOKS`,
written into the SVG as attributes and into the page as style rules, so the
script only switches classes (and sets widths by :data:`WIDTH`'s numbers).
"""

from __future__ import annotations

import math
import numbers
import os
import uuid
from pathlib import Path
from typing import Optional, Sequence, Union

from ..engine import Value, constant, dot, sum_values, topological_order
from ..modes import enable_grad
from ..names import html_text, script_json
from ..nn import ACTIVATIONS, MLP, dead_neurons
from ..palette import DEAD, NEGATIVE, POSITIVE
from ..web import pages

__all__ = [
    "network",
    "NetworkView",
    "Layout",
    "forward_backward",
    "neuron_graph",
    "unit_name",
    "layer_sizes",
]

# Geometry in SVG user units (px at 100 %): 16 units a column fit 800 px high.
_ROW_GAP = 44
_RADIUS = 15
_TOP = 56
_LEFT = 60
_LABEL_SPACE = 150  # right of the last column: the output's a and ā
_BOX = 62  # the white box right of a unit holding its a and ā; edges leave from its side
_COLUMN_GAP_MAX = 330
_WIDTH_TARGET = 1240


#: The one styler: how each class of the picture looks, sign and dead units
#: included. The SVG carries these as presentation attributes (a picture in
#: every viewer, no style sheet needed), the page's style sheet gets the same
#: rules (:func:`looks_css`), and ``network.js`` only switches classes. A
#: selector is ``.class`` (the element's own) or ``.group part`` (a part of
#: a unit's ``<g>``); where several rows apply, the later one wins, in CSS too.
LOOKS = (
    (".ags-weight", {"stroke-opacity": "0.55"}),
    (".ags-positive", {"stroke": POSITIVE}),
    (".ags-negative", {"stroke": NEGATIVE}),
    (".ags-faded", {"stroke-opacity": "0.12"}),
    (".ags-unit circle", {"fill": "#ffffff", "stroke": "#37474f", "stroke-dasharray": "none"}),
    (".ags-input circle", {"fill": "#f2f2f2"}),
    (".ags-dead circle", {"fill": "#d9d9d9", "stroke": DEAD, "stroke-dasharray": "3 2"}),
    (".ags-unit .ags-dead-mark", {"stroke": DEAD, "display": "none"}),
    (".ags-dead .ags-dead-mark", {"display": "inline"}),
    (".ags-unit .ags-index", {"stroke": "none"}),
    (".ags-dead .ags-index", {"stroke": "#ffffff"}),
)

#: A weight's line is ``least + span·|w|/max|w|`` wide (max over the finite
#: weights; a weight that is not finite, from a diverged run, is drawn at full
#: width). The page's script reads the two numbers from the view's root.
WIDTH = {"least": 0.4, "span": 3.6}


def weight_width(w: float, biggest: float) -> float:
    """The width of weight ``w``'s line when the largest finite |w| is ``biggest`` (0: none).

    Example:
        >>> weight_width(-1.5, 3.0), weight_width(3.0, 3.0), weight_width(float("inf"), 0.0)
        (2.2, 4.0, 4.0)
    """
    if not math.isfinite(w):
        return WIDTH["least"] + WIDTH["span"]
    return round(WIDTH["least"] + WIDTH["span"] * abs(w) / (biggest or 1.0), 2)


def _look(own: set, group: frozenset = frozenset()) -> str:
    """The presentation attributes :data:`LOOKS` gives an element.

    ``own`` holds the element's tag and its classes (``.name``), ``group``
    the classes of the unit it is part of.
    """
    look: dict = {}
    for selector, values in LOOKS:
        *outer, part = selector.split()
        if part in own and all(name in group for name in outer):
            look.update(values)
    return " ".join(f'{name}="{html_text(value)}"' for name, value in look.items())


def looks_css() -> str:
    """:data:`LOOKS` as the page's style rules, scoped to the network view.

    Example:
        >>> looks_css().splitlines()[1]
        '.ags-network .ags-positive { stroke: #00897b; }'
    """
    return "".join(
        f".ags-network {selector} {{ "
        + " ".join(f"{name}: {value};" for name, value in values.items())
        + " }\n"
        for selector, values in LOOKS
    )


def _short(x: float) -> str:
    """A number in at most 4 significant digits, with a real minus sign."""
    return f"{x + 0.0:.3g}".replace("-", "\u2212")  # + 0.0: no "−0"


class Layout:
    """Where each unit of an MLP of layer sizes ``sizes`` (inputs first) is drawn.

    Attributes:
        centres: ``centres[c][k]`` is the ``(x, y)`` of unit k of column c.
        width, height: the picture's size.

    Example:
        >>> layout = Layout([2, 16, 16, 1])
        >>> layout.width <= 1280 and layout.height <= 800
        True
        >>> layout.centres[1][0][1] < layout.centres[1][1][1]   # top to bottom
        True
    """

    def __init__(
        self, sizes: Sequence[int], width: float = _WIDTH_TARGET, row_gap: float = _ROW_GAP
    ):
        tallest = max(sizes)
        self.height = round(_TOP + tallest * row_gap + 8)
        columns = len(sizes)
        space = _LABEL_SPACE if width >= _WIDTH_TARGET else _BOX + 30
        gap = min(_COLUMN_GAP_MAX, (width - _LEFT - space) / max(columns - 1, 1))
        gap = max(gap, 170)  # below this the labels of one column reach the next
        self.width = round(_LEFT + gap * (columns - 1) + space)
        self.centres = []
        for c, size in enumerate(sizes):
            top = _TOP + (tallest - size) * row_gap / 2 + row_gap / 2
            self.centres.append(
                [(round(_LEFT + c * gap, 1), round(top + k * row_gap, 1)) for k in range(size)]
            )


def layer_sizes(model: MLP) -> list:
    """The unit count of each column: the inputs, then each layer.

    Example:
        >>> layer_sizes(MLP(2, [16, 16, 1]))
        [2, 16, 16, 1]
    """
    return [len(model.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in model.layers]


def _check_model(model) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(
            f"network: model must be an autograd_scalar.nn.MLP, got {type(model).__name__}"
        )
    return model


def _check_point(x, nin: int, what: str) -> list:
    """``x`` as a list of ``nin`` finite floats, else a ValueError naming ``what``."""
    if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
        raise TypeError(
            f"network: {what} must be a sequence of {nin} numbers, got {type(x).__name__}"
        )
    if len(x) != nin:
        raise ValueError(
            f"network: {what} must have {nin} numbers (the model's inputs), got {len(x)}"
        )
    point = []
    for i, v in enumerate(x):
        v = v.data if isinstance(v, Value) else v
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ValueError(f"network: {what}[{i}] must be a finite number, got {v!r}")
        point.append(float(v))
    return point


def _check_inputs(inputs, nin: int) -> list:
    if isinstance(inputs, (str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"network: inputs must be a sequence of input vectors, got {type(inputs).__name__}"
        )
    points = [_check_point(p, nin, f"inputs[{k}]") for k, p in enumerate(inputs)]
    if not points:
        raise ValueError(
            "network: inputs is empty; give at least one input vector to find the dead neurons on"
        )
    return points


def forward_backward(model: MLP, x: Sequence[float]) -> tuple:
    """One pass on ``x``: ``(activations, adjoints)``, column by column (inputs first).

    ``adjoints[c][k]`` is ∂out/∂a for unit k of column c, from ``backward()``
    on the output (on the sum of the outputs if there are several). The
    parameters' ``grad`` is restored afterwards.

    Example (one ReLU unit feeding the output: ∂out/∂x0 = v·relu'(z)·w):
        >>> import random
        >>> model = MLP(1, [1, 1], rng=random.Random(0))
        >>> model.load_state_dict({"layers.0.neurons.0.w.0": 2.0, "layers.0.neurons.0.b": 0.0,
        ...     "layers.1.neurons.0.w.0": 3.0, "layers.1.neurons.0.b": 1.0})
        >>> forward_backward(model, [0.5])
        ([[0.5], [1.0], [4.0]], [[6.0], [3.0], [1.0]])
    """
    params = model.parameters()
    saved = [p.grad for p in params]
    try:
        with enable_grad():
            columns = [[Value(v, label=f"x{i}") for i, v in enumerate(x)]]
            for layer in model.layers:
                columns.append(layer.forward(columns[-1]))
            out = columns[-1]
            (out[0] if len(out) == 1 else sum_values(out)).backward()
        return (
            [[a.data for a in column] for column in columns],
            [[a.grad for a in column] for column in columns],
        )
    finally:
        for p, grad in zip(params, saved):
            p.grad = grad


def unit_name(column: int, k: int) -> str:
    """The display name of unit k of column c (column 0 holds the inputs).

    Example:
        >>> unit_name(0, 1), unit_name(2, 3)
        ('x1', 'L1.n3')
    """
    return f"x{k}" if column == 0 else f"L{column - 1}.n{k}"


def neuron_graph(model: MLP, column: int, k: int, activations: list, adjoint: float):
    """Neuron k of ``column`` alone, on the pass's inputs: ``(output node, grads)``.

    Fresh leaves carry the previous column's activations and copies of the
    weights, so drawing it touches no model Value. ``grads`` maps each node to
    its adjoint in the whole network's pass: the local backward from the
    neuron's output times that output's adjoint ā (the adjoint rule is linear
    in the seed).
    """
    neuron = model.layers[column - 1].neurons[k]
    name = unit_name(column, k)
    with enable_grad():
        xs = [
            Value(a, label=unit_name(column - 1, i)) for i, a in enumerate(activations[column - 1])
        ]
        ws = [Value(w.data, label=f"{name}.w{i}") for i, w in enumerate(neuron.w)]
        z = dot(ws + [Value(neuron.b.data, label=f"{name}.b")], xs + [constant(1.0)])
        f = ACTIVATIONS[neuron.activation]
        out = z if f is None else f(z)
        if f is not None:
            z.label = f"{name}.z"
        out.label = name
        out.backward()
    return out, {node: node.grad * adjoint for node in topological_order(out)}


# -- the SVG ------------------------------------------------------------------------


def _attrs(**attributes) -> str:
    """XML attributes, values escaped; ``class_`` becomes ``class``, ``_`` becomes ``-``."""
    return " ".join(
        f'{name.rstrip("_").replace("_", "-")}="{html_text(str(value))}"'
        for name, value in attributes.items()
    )


def _text(x, y, content: str, **attributes) -> str:
    return f"<text {_attrs(x=x, y=y, **attributes)}>{html_text(content)}</text>"


def _weight_lines(view: "NetworkView") -> list:
    """One ``<line class="ags-weight">`` per weight, in parameter order."""
    finite = [abs(w) for column in view.weights for row in column for w in row if math.isfinite(w)]
    biggest = max(finite, default=0.0)
    lines = []
    for c, column in enumerate(view.weights, 1):
        for k, row in enumerate(column):
            (x2, y2) = view.layout.centres[c][k]
            for i, w in enumerate(row):
                (x1, y1) = view.layout.centres[c - 1][i]
                x1 += _BOX + 2 if view.activations is not None or c > 1 else 0
                title = f"{unit_name(c, k)}.w{i} = {_short(w)}"
                classes = [".ags-weight", ".ags-positive" if w >= 0 else ".ags-negative"]
                if (c, k) in view.dead or (c - 1, i) in view.dead:
                    classes.append(".ags-faded")
                line = _attrs(
                    class_=" ".join(name[1:] for name in classes),
                    x1=x1 + _RADIUS,
                    y1=y1,
                    x2=x2 - _RADIUS,
                    y2=y2,
                    stroke_width=weight_width(w, biggest),
                )
                look = _look(set(classes))
                lines.append(f"<line {line} {look}><title>{html_text(title)}</title></line>")
    return lines


def _unit_title(view: "NetworkView", c: int, k: int) -> str:
    parts = [unit_name(c, k)]
    if c > 0:
        neuron = view.model.layers[c - 1].neurons[k]
        parts.append(f"{neuron.activation}, b = {_short(neuron.b.data)}")
    if view.activations is not None and view.adjoints is not None:
        parts.append(
            f"a = {_short(view.activations[c][k])}, ā = ∂out/∂a = {_short(view.adjoints[c][k])}"
        )
    if (c, k) in view.dead:
        parts.append("dead ReLU: z <= 0 on every input, no gradient passes")
    return "\n".join(parts)


def _value_box(left: float, y: float, rows: list) -> list:
    """A white box right of a unit, centred on ``y``: one ``(text, colour, class)`` a row."""
    height = 18 + 8 * (len(rows) - 1)
    box = _attrs(
        x=left,
        y=y - height / 2,
        width=_BOX,
        height=height,
        rx=3,
        fill="#ffffff",
        stroke="#b0bec5",
        stroke_width=0.8,
        class_="ags-values",
    )
    first = y + 4 - 6 * (len(rows) - 1)  # text baselines 12 apart
    return [f"<rect {box}/>"] + [
        _text(left + 5, first + 12 * i, text, fill=colour, font_size=11.5, class_=css)
        for i, (text, colour, css) in enumerate(rows)
    ]


def _unit(view: "NetworkView", c: int, k: int) -> str:
    """One neuron (or input) as a ``<g class="ags-unit ...">``: circle, index, values."""
    x, y = view.layout.centres[c][k]
    kinds = ["ags-unit", "ags-input" if c == 0 else "ags-neuron"]
    kinds += ["ags-dead"] if (c, k) in view.dead else []
    group = frozenset("." + kind for kind in kinds)
    classes = " ".join(kinds)
    circle = _attrs(cx=x, cy=y, r=_RADIUS, stroke_width=1.4)
    parts = [
        f"<g {_attrs(class_=classes, data_unit=f'{c}:{k}', tabindex=0)}>",
        f"<title>{html_text(_unit_title(view, c, k))}</title>",
        f"<circle {circle} {_look({'circle'}, group)}/>",
    ]
    if c > 0:  # every neuron carries its cross: the explorer's script marks units dead
        d = round(_RADIUS * 0.7, 1)
        cross = f"M{x - d},{y - d}L{x + d},{y + d}M{x - d},{y + d}L{x + d},{y - d}"
        mark = _attrs(d=cross, stroke_width=1.5, class_="ags-dead-mark")
        parts.append(f"<path {mark} {_look({'.ags-dead-mark'}, group)}/>")
    index = _attrs(
        x=x,
        y=y + 4,
        text_anchor="middle",
        font_size=11,
        fill="#37474f",
        stroke_width=2.5,
        paint_order="stroke",
        class_="ags-index",
    )
    label = html_text(str(k) if c else f"x{k}")
    parts.append(f"<text {index} {_look({'.ags-index'}, group)}>{label}</text>")
    if view.activations is not None and view.adjoints is not None:
        rows = [
            (f"a {_short(view.activations[c][k])}", "#263238", "ags-a"),
            (f"ā {_short(view.adjoints[c][k])}", "#6a1b9a", "ags-g"),
        ]
        parts += _value_box(x + _RADIUS, y, rows)
    elif c > 0:
        bias = view.model.layers[c - 1].neurons[k].b.data
        parts += _value_box(x + _RADIUS, y, [(f"b {_short(bias)}", "#546e7a", "ags-b")])
    parts.append("</g>")
    return "".join(parts)


def _headers(view: "NetworkView") -> list:
    texts = []
    for c, column in enumerate(view.layout.centres):
        x = column[0][0]
        if c == 0:
            title = f"inputs ({len(column)})"
        else:
            layer = view.model.layers[c - 1]
            role = "output" if c == len(view.layout.centres) - 1 else f"layer {c - 1}"
            title = f"{role}: {layer.neurons[0].activation} ({len(column)})"
        texts.append(
            _text(
                x,
                18,
                title,
                text_anchor="middle",
                font_size=13,
                font_weight="bold",
                fill="#263238",
                class_="ags-header",
            )
        )
    legend = "edge = weight: teal w > 0, magenta w < 0, width ∝ |w|"
    if view.activations is not None:
        legend += (
            ";  a = activation, ā = ∂out/∂a on x = ("
            + ", ".join(_short(v) for v in view.activations[0])
            + ")"
        )
    if view.dead_checked:
        legend += ";  grey ✕ = dead ReLU"
    texts.append(
        _text(
            view.layout.width / 2,
            40,
            legend,
            text_anchor="middle",
            font_size=11,
            fill="#546e7a",
            class_="ags-legend",
        )
    )
    return texts


def _svg(view: "NetworkView", standalone: bool) -> str:
    width, height = view.layout.width, view.layout.height
    head = _attrs(
        xmlns="http://www.w3.org/2000/svg",
        width=width,
        height=height,
        viewBox=f"0 0 {width} {height}",
        class_="ags-network-svg",
        font_family="Helvetica, Arial, sans-serif",
        role="img",
    )
    title = f"<title>{html_text(view.title)}</title>"
    units = [
        _unit(view, c, k)
        for c in range(len(view.layout.centres))
        for k in range(len(view.layout.centres[c]))
    ]
    body = (
        f"<svg {head}>{title}"
        + "".join(_headers(view))
        + '<g class="ags-weights">'
        + "".join(_weight_lines(view))
        + "</g>"
        + '<g class="ags-units">'
        + "".join(units)
        + "</g></svg>"
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n") if standalone else body


# -- the page ------------------------------------------------------------------------


def _embedded_svg(svg: str, prefix: str) -> str:
    """A Graphviz SVG ready to sit in a page: no prologue, ids made unique with ``prefix``."""
    start = svg.find("<svg")
    return svg[start:].replace(' id="', f' id="{prefix}-')


def _unit_details(view: "NetworkView", c: int, k: int, graphs: bool = True) -> dict:
    """What the page shows when unit k of column c is clicked: a heading, text, a graph."""
    name = unit_name(c, k)
    lines = _unit_title(view, c, k).split("\n")[1:]
    details: dict = {"name": name, "lines": lines, "svg": ""}
    if not graphs:
        return details
    if view.activations is None or view.adjoints is None:
        details["lines"].append(
            "Pass x= to network() to see this neuron's graph with data and gradients."
        )
    elif c > 0:
        from . import graph as viz  # Graphviz only for the page's per-neuron graphs

        out, grads = neuron_graph(view.model, c, k, view.activations, view.adjoints[c][k])
        svg = viz.to_svg(out, show_grad=grads, max_nodes=None)
        details["svg"] = _embedded_svg(svg, f"{view.uid}-{c}-{k}")
    return details


def _fragment(view: "NetworkView", graphs: bool = True) -> str:
    """The view as an HTML fragment (Jupyter output, or the body of the page)."""
    units = {
        f"{c}:{k}": _unit_details(view, c, k, graphs)
        for c in range(len(view.layout.centres))
        for k in range(len(view.layout.centres[c]))
    }
    hint = (
        "Click a neuron to see its scalar graph."
        if graphs and view.activations is not None
        else "Click a neuron for its values."
    )
    root = _attrs(
        class_="ags-network",
        id=view.uid,
        data_width_least=WIDTH["least"],
        data_width_span=WIDTH["span"],
    )
    return (
        f"<div {root}>"
        f"<style>{pages.read('network.css')}{looks_css()}</style>"
        f'<p class="ags-net-hint">{html_text(hint)}</p>'
        f'<div class="ags-net-figure">{pages.picture(_svg(view, standalone=False), view.title)}</div>'
        '<aside class="ags-net-panel" hidden><button type="button" '
        'class="ags-net-close" aria-label="close">×</button>'
        '<h3 class="ags-net-title"></h3><ul class="ags-net-lines"></ul>'
        '<div class="ags-net-graph"></div></aside>'
        f'<script type="application/json" class="ags-net-data">{script_json(units)}'
        f"</script><script>{pages.scripts('picture.js', 'network.js')}\n"
        f'agsNetwork.init(document.getElementById("{view.uid}"));</script></div>'
    )


class NetworkView:
    """The picture made by :func:`network`; shows itself in Jupyter.

    Attributes:
        model: the MLP drawn.
        activations, adjoints: per column (inputs first) the a and ∂out/∂a of
            the pass on ``x``, or None without ``x``.
        dead: the set of ``(column, k)`` of dead ReLU units (columns count the
            inputs as 0, so layer l is column l + 1).
        uid: the id of the view's root element in HTML, unique per view.

    ``layout`` (a :class:`Layout` of the model's sizes) replaces the default
    geometry, e.g. a narrower one beside other views.
    """

    def __init__(
        self,
        model,
        x=None,
        inputs=None,
        title: Optional[str] = None,
        layout: Optional[Layout] = None,
    ):
        self.model = _check_model(model)
        nin = len(model.layers[0].neurons[0].w)
        if title is not None and not isinstance(title, str):
            raise TypeError(f"network: title must be a str, got {type(title).__name__}")
        nouts = [len(layer.neurons) for layer in model.layers]
        self.title = title if title is not None else f"MLP({nin}, {nouts})"
        self.layout = layout if layout is not None else Layout(layer_sizes(model))
        self.weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in model.layers]
        self.activations: Optional[list] = None
        self.adjoints: Optional[list] = None
        if x is not None:
            self.activations, self.adjoints = forward_backward(model, _check_point(x, nin, "x"))
        self.dead_checked = inputs is not None
        self.dead = set()
        if inputs is not None:
            dead = dead_neurons(model, _check_inputs(inputs, nin))
            self.dead = {(layer_index + 1, j) for layer_index, j in dead}
        self.uid = f"ags-net-{uuid.uuid4().hex[:12]}"

    def to_svg(self, standalone: bool = True) -> str:
        """The picture as an SVG document (``standalone=False``: the bare ``<svg>`` element)."""
        return _svg(self, standalone=standalone)

    def to_html(self) -> str:
        """A complete HTML page: the picture, and each neuron's graph on click."""
        return pages.document(self.title, _fragment(self))

    def save(self, path: Union[str, os.PathLike]) -> Path:
        """Write the SVG (``.svg``) or the HTML page (``.html``/``.htm``) atomically."""
        return pages.save(path, "NetworkView.save", svg=self.to_svg, html=self.to_html)

    def to_fragment(self, graphs: bool = True) -> str:
        """The view as an HTML fragment with its style and script (what Jupyter shows).

        ``graphs=False`` leaves out the per-neuron scalar graphs (a page that
        updates the view itself, like the training explorer, has no use for them).
        """
        return _fragment(self, graphs)

    def _repr_html_(self) -> str:
        return _fragment(self)

    def _repr_svg_(self) -> str:
        return _svg(self, standalone=False)


def network(model, x=None, inputs=None, title: Optional[str] = None) -> NetworkView:
    """Draw ``model`` (an MLP) as textbooks do; see the module doc for what is shown.

    Args:
        model: an :class:`~autograd_scalar.nn.MLP`.
        x: one input vector; each unit then shows its a and ∂out/∂a on it.
        inputs: input vectors; the ReLU units dead on all of them are greyed out.
        title: the picture's title (default: the architecture).

    Example:
        >>> import random, xml.etree.ElementTree as ET
        >>> from autograd_scalar.nn import MLP
        >>> model = MLP(2, [16, 16, 1], rng=random.Random(1337))
        >>> view = network(model, x=[0.5, -1.0], inputs=[[0.5, -1.0], [1.0, 0.2]])
        >>> svg = ET.fromstring(view.to_svg().split("\\n", 1)[1])
        >>> ns = "{http://www.w3.org/2000/svg}"
        >>> weights = [e for e in svg.iter(f"{ns}line") if "ags-weight" in e.get("class").split()]
        >>> len(weights)   # 2·16 + 16·16 + 16
        304
    """
    return NetworkView(model, x=x, inputs=inputs, title=title)
