"""The backward pass recorded step by step, in the notation of the backward rule.

:func:`trace_backward` runs the backward pass of ``root`` on its own, without
touching any ``.grad`` (as :func:`~autograd_scalar.engine.gradients` does), and
records, for each node in the order backpropagation processes it (output
first), the backward rule with numbers in it:

    v̄_N = 1,    v̄_i = Σ_{j ∈ Ch(v_i)} (∂v_j/∂v_i) · v̄_j

where Ch(v_i), the children of v_i, are the nodes computed directly from it
(its *consumers*; the nodes it is computed from are its ``parents``). In
the sum-over-paths example (c = a + b, d = a·b, o = c·d/2), where a reaches
o along two paths, the step of ``a`` reads
``v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5``.

A consumer that uses a node more than once (``x * x``) is ONE child in
Ch(v_i) and gives ONE term, whose ∂v_j/∂v_i is the total partial derivative:
the sum of the local gradients over the argument positions (``x + x`` = 2·x
gives ∂/∂x = 1 + 1 = 2). That keeps the terms equal to the rule's sum over children.

This module is the model: the records (:class:`Term`, :class:`Step`,
:class:`ForwardStep`, :class:`BackwardTrace`) and :func:`trace_backward`. The
renderings live beside it: :mod:`~autograd_scalar.trace.text` writes the
forward Wengert list and the backward equations as text and LaTeX (no
graphviz import), and :mod:`~autograd_scalar.trace.page` the step-through page
(also the trace's ``_repr_html_`` in JupyterLab, Notebook and VS Code).
"""

from __future__ import annotations

import os
import pathlib
from dataclasses import dataclass
from typing import NamedTuple, Optional, Union

from ..checkpointing import rebuilt_in, watching
from ..engine import CONST, Deferred, Value, graph_order, topological_order
from ..files import suffix_format, write_atomic
from ..names import format_number, node_names
from ..web import pages
from . import text as trace_text

__all__ = [
    "trace_backward",
    "BackwardTrace",
    "PracticeView",
    "Step",
    "Term",
    "ForwardStep",
    "DEFAULT_MAX_STEPS",
]

#: ``to_html`` refuses traces longer than this: the page grows linearly, but
#: Graphviz's layout of the graph does not.
DEFAULT_MAX_STEPS = 5_000


class Term(NamedTuple):
    """One child v_j of v_i in the sum v̄_i = Σ_j (∂v_j/∂v_i) v̄_j.

    Attributes:
        consumer: the child v_j, a node computed directly from v_i.
        local: ∂v_j/∂v_i at the forward values (summed over the positions
            where v_j uses v_i).
        consumer_grad: v̄_j in this pass.
    """

    consumer: Value
    local: float
    consumer_grad: float

    @property
    def product(self) -> float:
        """This term's share of v̄_i: (∂v_j/∂v_i)·v̄_j."""
        return self.local * self.consumer_grad


@dataclass(frozen=True)
class Step:
    """One node's turn in the backward pass.

    Attributes:
        node: the node v_i.
        name: its display name (label, constant's number, or ``v<i>``).
        grad: v̄_i = ∂root/∂v_i in this pass, whatever ``.grad`` holds (the
            trace never reads or writes ``.grad``).
        terms: one :class:`Term` per child in Ch(v_i), in topological order;
            empty for the output, whose v̄ is 1.
    """

    node: Value
    name: str
    grad: float
    terms: tuple
    #: For a checkpointed graph: the step that announces a segment's rebuild
    #: carries its text here; the rebuilt nodes' steps say ``"recomputed"``.
    note: str = ""


@dataclass(frozen=True)
class ForwardStep:
    """One line of the forward pass (the Wengert list): how v_i was computed.

    ``formula`` is empty for inputs and constants.
    """

    node: Value
    name: str
    formula: str

    def parts(self) -> tuple:
        """The text around the value: ``str(self)`` is ``before + format_number(data) + after``.

        Live pages keep the parts and write in each new value.

        Example:
            >>> from autograd_scalar import Value, trace_backward
            >>> x = Value(2.0, label="x"); y = x * x; y.label = "y"
            >>> [step.parts() for step in trace_backward(y).forward]
            [('x = ', '  (input)'), ('y = x * x = ', '')]
        """
        if not self.formula:
            kind = "constant" if self.node.op == CONST else "input"
            return f"{self.name} = ", f"  ({kind})"
        return f"{self.name} = {self.formula} = ", ""

    def __str__(self) -> str:
        before, after = self.parts()
        return before + format_number(self.node.data) + after


class BackwardTrace:
    """The record of one backward pass: forward list and one :class:`Step` per node.

    Attributes:
        root: the output node v_N.
        order: the nodes in topological order (v_1..v_N).
        names: ``{node: display name}``, from :func:`autograd_scalar.names.node_names`.
        forward: the Wengert list, one :class:`ForwardStep` per node of ``order``.
        steps: one :class:`Step` per node, in processing order (output first).
        positions: ``{(node, consumer): argument positions}``, where the
            consumer uses the node.
    """

    def __init__(
        self, root: Value, order: list, names: dict, forward: list, steps: list, positions: dict
    ):
        self.root = root
        self.order = order
        self.names = names
        self.forward = forward
        self.steps = steps
        self.positions = positions
        #: Nodes alive at each step (the kept graph, plus a segment while it is rebuilt).
        self.live: list = [len(order)] * len(steps)
        #: The rebuilt segments' output nodes (drawn beside the kept graph).
        self.rebuilt: list = []

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<BackwardTrace of {self.names[self.root]!r}: {len(self.steps)} steps>"

    def equation(self, step: Step) -> str:
        """The step's rule with names and numbers, e.g. ``v̄[a] = v̄[c]·∂c/∂a + … = 10.5``."""
        return trace_text.equation(step, self.names)

    def rules(self, step: Step, term: Term) -> list:
        """The derivative-table rules behind ``term.local`` (text from ``ops.TABLE``)."""
        return trace_text.rules(term.consumer, self.positions[(step.node, term.consumer)])

    def to_text(self) -> str:
        """The forward Wengert list and the backward equations, as plain text.

        Example (the sum-over-paths example):
            >>> from autograd_scalar import Value, trace_backward
            >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
            >>> c = a + b; c.label = "c"; d = a * b; d.label = "d"
            >>> o = c * d / 2; o.label = "o"
            >>> print(trace_backward(o).to_text())
            Forward pass (the Wengert list v_1..v_N, in topological order):
              a = 2  (input)
              b = 3  (input)
              c = a + b = 5
              d = a * b = 6
              v5 = c * d = 30
              2 = 2  (constant)
              o = v5 / 2 = 15
            Backward pass (v̄_N = 1, v̄_i = Σ_{j ∈ Ch(v_i)} ∂v_j/∂v_i · v̄_j), output first:
              v̄[o] = 1
              v̄[v5] = v̄[o]·∂o/∂v5 = 1·0.5 = 0.5
              v̄[d] = v̄[v5]·∂v5/∂d = 0.5·5 = 2.5
              v̄[c] = v̄[v5]·∂v5/∂c = 0.5·6 = 3
              v̄[b] = v̄[c]·∂c/∂b + v̄[d]·∂d/∂b = 3·1 + 2.5·2 = 8
              v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5
        """
        return trace_text.to_text(self)

    def to_latex(self, environment: str = "aligned") -> str:
        r"""Forward list and backward equations as one LaTeX ``aligned`` block in ``$$``.

        Show it in a notebook with ``IPython.display.Latex(trace.to_latex())``;
        ``environment="align*"`` gives the block for a LaTeX document (amsmath).

        Example:
            >>> from autograd_scalar import Value, trace_backward
            >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
            >>> print(trace_backward(y).to_latex())
            $$\begin{aligned}
            x &= 3 && \text{input}\\
            y &= x \cdot x = 9\\[6pt]
            \bar{y} &= 1\\
            \bar{x} &= \bar{y}\,\frac{\partial y}{\partial x} = 1 \cdot 6 = 6
            \end{aligned}$$
        """
        return trace_text.to_latex(self, environment)

    def to_html(
        self,
        max_steps: Optional[int] = DEFAULT_MAX_STEPS,
        full_page: bool = True,
        title: Optional[str] = None,
        live: bool = False,
        practice: bool = False,
    ) -> str:
        """The step-through page: one drawing of the graph, one JSON record per step.

        Self-contained (inline SVG, CSS and script, nothing fetched) and linear
        in the graph's size. Arrow keys, prev/next and the slider step; the
        wheel, dragging and the +/−/fit buttons zoom and pan; clicking a node
        shows its forward formula and its equation with numbers. Without
        JavaScript it shows the drawing with every v̄ and each step's equation.
        ``full_page=False`` gives the fragment used by ``_repr_html_``.

        ``live=True`` adds a labelled number field and slider per input leaf:
        editing one re-runs the forward and backward pass in the page (from
        the derivative table's JavaScript) and updates every value, gradient,
        equation and the forward list; a readout compares Δoutput with
        ∂output/∂x·Δx, "gradient step" applies x ← x − lr·∂output/∂x to every
        input and "reset" restores the recorded values. A domain error (log
        of a negative number) is shown on its node. A graph with hand-built
        ops cannot be re-run: its page says which nodes, and stays static.

        ``practice=True`` turns the page into an exercise: before each step is
        revealed the learner types v̄ of its node (Enter checks it; right within
        3 significant digits, |x − v̄| ≤ 1e-3·|v̄| + 1e-6). A wrong answer
        gets a hint ladder: the children to sum over, the rule of each local
        derivative, the numbers to multiply; then the answer, marked revealed.
        Each step scores 3 points less one per hint (0 if revealed); the page
        shows the total. Stepping and clicking reveal nothing beyond the steps
        answered; "show me" and "reset" are buttons. The answers are this
        engine's numbers, in the page's data (a self-check, not a sealed exam:
        the page's source holds them).

        Args:
            max_steps: refuse traces with more steps (``None``: no limit).
            full_page: a whole document, else a fragment for a notebook.
            title: the page's title; default the root's label (else its formula).
            live: edit the inputs in the page (see above). The Jupyter display
                (``_repr_html_``) stays static; for a live one in a notebook, show
                ``IPython.display.HTML(trace.to_html(live=True, full_page=False))``.

        Raises:
            ValueError: more steps than ``max_steps``.

        Example:
            >>> from autograd_scalar import Value, trace_backward
            >>> x = Value(0.5, label="x"); y = x.tanh(); y.label = "y"
            >>> page = trace_backward(y).to_html()
            >>> "<title>y</title>" in page, "d tanh(x)/dx = 1 - tanh(x)^2" in page
            (True, True)
            >>> '<label for=' in trace_backward(y).to_html(live=True)  # x's field
            True
        """
        from . import page as trace_html  # graphviz: only pages pay for its import

        return trace_html.to_html(self, max_steps, full_page, title, live, practice)

    def practice(self) -> "PracticeView":
        """The practice page (``to_html(practice=True)``) for display in Jupyter.

        Example:
            >>> from autograd_scalar import Value, trace_backward
            >>> x = Value(0.5, label="x"); y = x * x
            >>> "ags-practice" in trace_backward(y).practice()._repr_html_()
            True
        """
        return PracticeView(self)

    def save_html(self, path: Union[str, os.PathLike], **options) -> pathlib.Path:
        """Write :meth:`to_html` to ``path`` (``.html``/``.htm``) atomically (temp file + rename)."""
        return pages.save(path, "save_html", html=lambda: self.to_html(**options))

    def step_svg(self, k: int) -> str:
        """Step ``k`` as an SVG picture: the page's colours at that step, its equation below.

        ``k`` counts from 0 (the output's step); negative counts from the end.
        """
        from . import frames  # graphviz and resvg: only pictures pay for their import

        return frames.step_svg(self, k)

    def save_step(
        self,
        k: int,
        path: Union[str, os.PathLike],
        scale: float = 1.0,
        dpi: Optional[float] = None,
    ) -> pathlib.Path:
        """Write step ``k``'s picture to ``path``: ``.svg``, ``.png`` or ``.pdf`` by its suffix.

        The picture is the page at that step: the current node v_i, its
        children Ch(v_i) and the nodes done in the page's colours, ``grad ?``
        where v̄ is not computed yet, ∂v_j/∂v_i on each term's edge, and the
        step's equation in numbers below. No system Graphviz or Cairo is
        needed. ``scale`` and ``dpi`` size PNG and PDF (as ``viz.save``).

        Example:
            >>> import tempfile, pathlib
            >>> from autograd_scalar import Value, trace_backward
            >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"
            >>> with tempfile.TemporaryDirectory() as tmp:
            ...     out = trace_backward(y).save_step(1, pathlib.Path(tmp) / "step2.png")
            ...     out.read_bytes()[:4]
            b'\x89PNG'
        """
        from . import frames

        return frames.save_step(self, k, path, scale, dpi)

    def save_animation(
        self,
        path: Union[str, os.PathLike],
        seconds_per_step: float = 1.2,
        pause: float = 4.0,
        max_width: int = 1280,
        max_height: int = 720,
        scale: Optional[float] = None,
    ) -> pathlib.Path:
        """Write the backward pass as an animation: one frame per step, then the finished pass.

        The format is the suffix's: ``.gif``, ``.webp`` or ``.png`` (an
        animated PNG). Each frame is the step as :meth:`save_step` draws it;
        the last, every v̄ known, stays ``pause`` seconds. Frames are at most
        ``max_width`` × ``max_height`` pixels, all of one size. ``scale``
        zooms the drawing (1: its size in points at 96 dpi); by default a
        graph wider than ``max_width`` is scaled down to fit. A drawing larger
        than the frame is seen through a window that follows the current node.
        A large graph scaled to fit has small labels; ``scale=0.6`` makes an
        MLP's readable, in a window that moves both ways (benchmarks/README.md).
        """
        from . import film  # graphviz and resvg: only pictures pay for their import

        format = suffix_format(path, film.ANIMATION_FORMATS, "save_animation")
        data = film.animation(self, format, seconds_per_step, pause, max_width, max_height, scale)
        return write_atomic(path, data)

    def _repr_html_(self) -> str:
        from . import page as trace_html

        return trace_html.repr_html(self, DEFAULT_MAX_STEPS)

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        from . import page as trace_html

        return trace_html.repr_bundle(self, DEFAULT_MAX_STEPS)


def _children(order: list, stand_in: dict) -> tuple:
    """``{node: {consumer: ∂consumer/∂node}}`` and ``{(node, consumer): positions}``.

    A checkpointed segment's node passes nothing itself (its rebuilt nodes
    do); a rebuilt output hands its v̄ on from the node that stands for it
    (``stand_in``), with ∂ = 1.
    """
    children: dict = {node: {} for node in order}
    positions: dict = {}
    for consumer in order:
        if isinstance(consumer.op, Deferred):
            continue
        for position, (parent, local) in enumerate(zip(consumer.parents, consumer.local_grads)):
            locals_ = children[parent]
            locals_[consumer] = locals_.get(consumer, 0.0) + local
            positions.setdefault((parent, consumer), []).append(position)
    for rebuilt, kept in stand_in.items():
        children[rebuilt][kept] = 1.0
        positions[(rebuilt, kept)] = [0]
    return children, positions


def _steps(root: Value, processing: list, names: dict, children: dict, constants: bool) -> list:
    """One :class:`Step` per node, output first (constants only if asked for).

    ``processing`` is the backward pass's order: ``(node, note)``, where a
    note marks a segment's rebuild or its rebuilt nodes.
    """
    grads: dict = {}
    steps = []
    for node, note in processing:
        terms = tuple(
            Term(consumer, local, grads[consumer]) for consumer, local in children[node].items()
        )
        grad = 1.0 if node is root else node.grad  # the engine's own number for this pass
        if note.startswith("recompute "):  # the announcement: no v̄ of its own
            steps.append(Step(node, names[node], grads[node], (), note))
            continue
        grads[node] = grad
        if constants or node.op != CONST or node is root:
            steps.append(Step(node, names[node], grad, terms, note))
    return steps


def _processing(kept: list, rebuilds: list) -> list:
    """The backward pass's order: the kept graph output first, each segment's rebuilt
    nodes (announced) right after the node that stands for the segment."""
    at = {}
    for segment_nodes, name, nodes in rebuilds:
        at[segment_nodes] = (name, nodes)
    processing = []
    for node in reversed(kept):
        processing.append((node, ""))
        if isinstance(node.op, Deferred) and node in at:
            name, nodes = at.pop(node)
            processing.append(
                (node, f"recompute {name!r}: {len(nodes)} nodes rebuilt from its inputs")
            )
            processing.extend((inner, "recomputed") for inner in reversed(nodes))
    return processing


def trace_backward(root: Value, constants: bool = False) -> BackwardTrace:
    """Record the backward pass of ``root`` step by step, output first.

    The trace computes its own v̄ for every node and leaves every ``.grad`` as
    it was: tracing twice gives the same numbers, and only ``backward()``
    fills (and, at the leaves, accumulates) ``.grad``. The trace's drawings
    show the trace's numbers.
    Number operands (constants) are in the forward list but take no step of
    the backward pass unless ``constants=True``: nobody asked for ∂o/∂2.

    Example (the sum-over-paths example: a = 2, b = 3, c = a + b, d = a·b, o = c·d/2):
        >>> from autograd_scalar import Value
        >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
        >>> c = a + b; c.label = "c"; d = a * b; d.label = "d"
        >>> o = c * d / 2; o.label = "o"
        >>> trace = trace_backward(o)
        >>> step = trace.steps[-1]
        >>> step.name, step.grad, [(t.local, t.consumer_grad) for t in step.terms]
        ('a', 10.5, [(1.0, 3.0), (3.0, 2.5)])
        >>> trace.equation(step)
        'v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5'
        >>> len(trace), len(trace_backward(o, constants=True))  # the constant 2
        (6, 7)
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace_backward: root must be a Value, got {type(root).__name__}")
    kept = topological_order(root)
    rebuilds: list = []
    # The trace runs the engine's own pass from zero and then puts every .grad
    # back: tracing changes nothing a drawing or a later backward() sees.
    saved = [node.grad for node in kept]
    try:
        for node in kept:
            node.grad = 0.0
        with watching(lambda name, outputs, nodes: rebuilds.append((name, outputs, nodes))):
            root.backward()
        found = rebuilt_in(kept, rebuilds)  # (segment node, name, nodes), and the stand-ins
        order = graph_order([root, *found.outputs]) if found.rebuilds else kept
        names = node_names(order)
        children, positions = _children(order, found.stand_in)
        processing = _processing(kept, found.rebuilds)
        steps = _steps(root, processing, names, children, constants)
    finally:
        for node, grad in zip(kept, saved):
            node.grad = grad
    forward = [ForwardStep(node, names[node], trace_text.formula(node, names)) for node in order]
    trace = BackwardTrace(root, order, names, forward, steps, positions)
    trace.rebuilt = found.outputs
    trace.live = _live(len(kept), steps)
    return trace


def _live(kept: int, steps: list) -> list:
    """Nodes alive at each step: the kept graph, plus the rebuilt segment during its steps."""
    live, extra = [], 0
    for step in steps:
        if step.note.startswith("recompute "):
            extra = int(step.note.split(": ", 1)[1].split()[0])
        elif step.note != "recomputed":
            extra = 0
        live.append(kept + extra)
    return live


class PracticeView:
    """A trace's practice page (``BackwardTrace.practice()``): a Jupyter display, a page, a file."""

    def __init__(self, trace: "BackwardTrace"):
        self.trace = trace

    def to_fragment(self) -> str:
        """The practice page as an HTML fragment (what Jupyter shows)."""
        return self.trace.to_html(max_steps=None, full_page=False, practice=True)

    def to_html(self) -> str:
        """The practice page as one self-contained HTML document."""
        return self.trace.to_html(max_steps=None, practice=True)

    def save(self, path: Union[str, os.PathLike]) -> pathlib.Path:
        """Write :meth:`to_html` to ``path`` (``.html``/``.htm``) atomically."""
        return pages.save(path, "PracticeView.save", html=self.to_html)

    def _repr_html_(self) -> str:
        return self.to_fragment()
