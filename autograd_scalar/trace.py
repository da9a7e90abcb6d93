"""The backward pass narrated step by step, in the lecture's notation.

:func:`trace_backward` runs ``root.backward()`` and then reads the graph to
record, for each node in the order backpropagation processes it (output
first), the rule of seed 002 with numbers in it:

    v̄_N = 1,    v̄_i = Σ_{j ∈ Ch(v_i)} (∂v_j/∂v_i) · v̄_j

where Ch(v_i), the children of v_i, are the nodes computed directly from it
(its *consumers*; the nodes it is computed from are its ``parents``). For
seed 003's example (c = a + b, d = a·b, o = c·d/2) the step of ``a`` reads
``v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5``.

A consumer that uses a node more than once (``x * x``) is ONE child in
Ch(v_i) and gives ONE term, whose ∂v_j/∂v_i is the total partial derivative:
the sum of the local gradients over the argument positions (``x + x`` = 2·x
gives ∂/∂x = 1 + 1 = 2). That keeps the terms equal to the lecture's sum.

The renderings: :meth:`BackwardTrace.to_text` (the forward Wengert list and the
backward equations), :meth:`~BackwardTrace.to_latex`, and
:meth:`~BackwardTrace.to_html`, one self-contained page (inline SVG frames
drawn by :mod:`autograd_scalar.viz`, inline script, nothing fetched) with a
slider and prev/next buttons; it is also the trace's ``_repr_html_``, so a
trace displays in JupyterLab, Notebook and VS Code without ipywidgets. Where
a frontend does not run the script, every frame stays visible as a list.
"""

from __future__ import annotations

import html
import itertools
import math
import os
import pathlib
import re
from dataclasses import dataclass
from typing import NamedTuple, Optional, Union

from . import ops, viz
from .engine import CONST, Value, topological_order
from .files import write_atomic

__all__ = ["trace_backward", "BackwardTrace", "Step", "Term", "ForwardStep",
           "DEFAULT_MAX_FRAMES"]

#: ``to_html`` shows one graph per step; above this many steps it refuses:
#: each frame holds the whole graph, so the page grows as steps² (about
#: 1.7 kB per value per frame: 50 steps of a 50-value graph make ~4 MB).
DEFAULT_MAX_FRAMES = 50

_BAR = "\u0304"  # combining macron: "v̄"
_COLOURS = {"done": "#e8f5e9", "consumer": "#bbdefb", "current": "#ffb74d",
            "edge": "#e65100"}
_page_ids = itertools.count(1)
# A node or edge of Graphviz's SVG: <g id=.. class="node|edge"><title>DOT id</title>...</g>
_SVG_GROUP = re.compile(r'<g id="[^"]*" class="(node|edge)">\s*<title>([^<]*)</title>.*?</g>',
                        re.S)


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
        grad: v̄_i in this pass. For a leaf that held a gradient from earlier
            passes this is this pass's share only, i.e. the sum of the terms'
            products (its ``.grad`` accumulates as with ``backward()``).
        terms: one :class:`Term` per child in Ch(v_i), in topological order;
            empty for the output, whose v̄ is 1.
    """

    node: Value
    name: str
    grad: float
    terms: tuple


@dataclass(frozen=True)
class ForwardStep:
    """One line of the forward pass (the Wengert list): how v_i was computed.

    ``formula`` is empty for inputs and constants.
    """

    node: Value
    name: str
    formula: str

    def __str__(self) -> str:
        value = viz.format_number(self.node.data)
        if not self.formula:
            kind = "constant" if self.node.op == CONST else "input"
            return f"{self.name} = {value}  ({kind})"
        return f"{self.name} = {self.formula} = {value}"


def _factor(x: float) -> str:
    text = viz.format_number(x)
    return f"({text})" if text.startswith("-") else text


def _formula(node: Value, names: dict, latex: bool = False) -> str:
    """How ``node`` was computed from its parents' names (empty for leaves).

    The table entry writes the formula; a hand-built op is written as a call.
    """
    if not node.parents:
        return ""
    args = [_latex_name(names[p]) if latex else names[p] for p in node.parents]
    args = [f"({a})" if a.startswith("-") else a for a in args]
    op = ops.TABLE.get(node.op)
    if op is not None and (op.arity is None or op.arity == len(args)):
        return op.format(args, latex=latex)
    if latex:
        return rf"\operatorname{{{_latex_escape(viz.op_symbol(node.op))}}}\left({', '.join(args)}\right)"
    return f"{viz.op_symbol(node.op)}({', '.join(args)})"


_LATEX_SPECIAL = {c: "\\" + c for c in "#$%&_{}"}
_LATEX_SPECIAL.update({"\\": r"\backslash{}", "^": r"\hat{}", "~": r"\sim{}"})


def _latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def _latex_name(name: str) -> str:
    match = re.fullmatch(r"v(\d+)", name)
    if match:
        return f"v_{{{match.group(1)}}}"
    if len(name) == 1 and name.isalpha():
        return name
    if re.fullmatch(r"-?[0-9.e+]+|nan|inf|-inf", name):
        return name
    return rf"\mathrm{{{_latex_escape(name)}}}"


class BackwardTrace:
    """The record of one backward pass: forward list and one :class:`Step` per node.

    Attributes:
        root: the output node v_N.
        order: the nodes in topological order (v_1..v_N).
        names: ``{node: display name}``, shared with :func:`viz.node_names`.
        forward: the Wengert list, one :class:`ForwardStep` per node of ``order``.
        steps: one :class:`Step` per node, in processing order (output first).
    """

    def __init__(self, root: Value, order: list, names: dict, forward: list,
                 steps: list, positions: dict):
        self.root = root
        self.order = order
        self.names = names
        self.forward = forward
        self.steps = steps
        self._positions = positions  # (node, consumer) -> argument positions

    def __len__(self) -> int:
        return len(self.steps)

    def __repr__(self) -> str:
        return f"<BackwardTrace of {self.names[self.root]!r}: {len(self.steps)} steps>"

    # -- equations -------------------------------------------------------------

    def equation(self, step: Step) -> str:
        """The step's rule with names and numbers, e.g. ``v̄[a] = v̄[c]·∂c/∂a + … = 10.5``."""
        bar = lambda name: f"v{_BAR}[{name}]"  # noqa: E731
        lhs = bar(step.name)
        if not step.terms:
            return f"{lhs} = {viz.format_number(step.grad)}"
        symbolic = " + ".join(f"{bar(self.names[t.consumer])}·∂{self.names[t.consumer]}"
                              f"/∂{step.name}" for t in step.terms)
        numeric = " + ".join(f"{_factor(t.consumer_grad)}·{_factor(t.local)}"
                             for t in step.terms)
        return f"{lhs} = {symbolic} = {numeric} = {viz.format_number(step.grad)}"

    def _latex_equation(self, step: Step) -> str:
        lhs = rf"\bar{{{_latex_name(step.name)}}}"
        if not step.terms:
            return f"{lhs} &= {viz.format_number(step.grad)}"
        parts, numbers = [], []
        node = _latex_name(step.name)
        for term in step.terms:
            child = _latex_name(self.names[term.consumer])
            parts.append(rf"\bar{{{child}}}\,\frac{{\partial {child}}}{{\partial {node}}}")
            numbers.append(rf"{_factor(term.consumer_grad)} \cdot {_factor(term.local)}")
        return (f"{lhs} &= {' + '.join(parts)} = {' + '.join(numbers)} "
                f"= {viz.format_number(step.grad)}")

    def rules(self, step: Step, term: Term) -> list:
        """The derivative-table rules behind ``term.local`` (text from ``ops.TABLE``)."""
        op = ops.TABLE.get(term.consumer.op)
        if op is None:
            return []
        n_args = len(term.consumer.parents)
        picked = []
        for position in self._positions[(step.node, term.consumer)]:
            rule = op.rule_text_of(position, n_args)
            if rule not in picked:
                picked.append(rule)
        return picked

    # -- renderings ------------------------------------------------------------

    def to_text(self) -> str:
        """The forward Wengert list and the backward equations, as plain text.

        Example (seed 003):
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
              v̄[2] = v̄[o]·∂o/∂2 = 1·(-7.5) = -7.5
              v̄[v5] = v̄[o]·∂o/∂v5 = 1·0.5 = 0.5
              v̄[d] = v̄[v5]·∂v5/∂d = 0.5·5 = 2.5
              v̄[c] = v̄[v5]·∂v5/∂c = 0.5·6 = 3
              v̄[b] = v̄[c]·∂c/∂b + v̄[d]·∂d/∂b = 3·1 + 2.5·2 = 8
              v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5
        """
        lines = ["Forward pass (the Wengert list v_1..v_N, in topological order):"]
        lines += [f"  {line}" for line in self.forward]
        lines.append(f"Backward pass (v{_BAR}_N = 1, v{_BAR}_i = Σ_{{j ∈ Ch(v_i)}} "
                     f"∂v_j/∂v_i · v{_BAR}_j), output first:")
        lines += [f"  {self.equation(step)}" for step in self.steps]
        return "\n".join(lines)

    def to_latex(self) -> str:
        r"""Forward list and backward equations as one LaTeX ``aligned`` block in ``$$``.

        Show it in a notebook with ``IPython.display.Latex(trace.to_latex())``.

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
        lines = []
        for entry in self.forward:
            name = _latex_name(entry.name)
            value = viz.format_number(entry.node.data)
            if entry.formula:
                lines.append(f"{name} &= {_formula(entry.node, self.names, latex=True)} "
                             f"= {value}")
            else:
                kind = "constant" if entry.node.op == CONST else "input"
                lines.append(rf"{name} &= {value} && \text{{{kind}}}")
        backward = [self._latex_equation(step) for step in self.steps]
        body = "\\\\\n".join(lines) + "\\\\[6pt]\n" + "\\\\\n".join(backward)
        return "$$\\begin{aligned}\n" + body + "\n\\end{aligned}$$"

    def _layout(self) -> str:
        """The graph laid out once, each node showing its v̄ of this pass.

        Every frame reuses this layout: one Graphviz run per page instead of
        one per step (80 steps took 15 s that way), and nodes keep their size
        and place from frame to frame.
        """
        grads = {step.node: step.grad for step in self.steps}
        svg = viz.render(viz.draw(self.root, show_grad=grads, max_nodes=None).source)
        svg = svg.decode("utf-8")
        return re.sub(r"<!--.*?-->\n?", "", svg[svg.index("<svg"):], flags=re.S)

    def _frame_svg(self, k: int, layout: str, ident: dict, page: str) -> str:
        """The layout at step k: processed nodes lit, the current node and its terms highlighted.

        Grads of nodes not yet processed read ``grad ?``.
        """
        step = self.steps[k]
        current = ident[step.node]
        fills = {ident[s.node]: _COLOURS["done"] for s in self.steps[:k]}
        roles = {current: "ags-current"}
        for term in step.terms:
            fills[ident[term.consumer]] = _COLOURS["consumer"]
            roles[ident[term.consumer]] = "ags-consumer"
        fills[current] = _COLOURS["current"]
        term_edges = {f"{current}->{ident[t.consumer]}_op" for t in step.terms}
        pending = {ident[s.node] for s in self.steps[k + 1:]}
        edge = _COLOURS["edge"]

        def restyle(match: re.Match) -> str:
            kind, title, block = match.group(1), html.unescape(match.group(2)), match.group(0)
            if kind == "edge":
                if title in term_edges:
                    block = (block.replace('stroke="black"', f'stroke="{edge}" stroke-width="2.5"')
                             .replace('fill="black"', f'fill="{edge}"'))
                return block
            if title in fills:  # draw() gives every value node fillcolor=white
                block = block.replace('fill="white"', f'fill="{fills[title]}"', 1)
            if title in roles:
                block = block.replace('class="node"', f'class="node {roles[title]}"', 1)
            if title in pending:
                block = re.sub(r">grad [^<]*</text>", ">grad ?</text>", block)
            return block

        svg = _SVG_GROUP.sub(restyle, layout)
        return svg.replace(' id="', f' id="{page}-f{k}-')  # ids unique on the page

    def _term_items(self, step: Step) -> str:
        items = []
        for term in step.terms:
            child = self.names[term.consumer]
            formula = _formula(term.consumer, self.names)
            rules = "; ".join(self.rules(step, term))
            items.append(
                f"<li><b>{html.escape(child)}</b> = {html.escape(formula)}: "
                f"∂{html.escape(child)}/∂{html.escape(step.name)} = "
                f"{viz.format_number(term.local)} "
                f"<span class=\"ags-rule\">({html.escape(rules or 'custom op')})</span>, "
                f"v{_BAR}[{html.escape(child)}] = {viz.format_number(term.consumer_grad)}, "
                f"term = {viz.format_number(term.product)}</li>")
        return "".join(items)

    def to_html(self, max_frames: Optional[int] = DEFAULT_MAX_FRAMES,
                full_page: bool = True) -> str:
        """The step-through page: one graph frame per step, a slider, prev/next.

        Self-contained: inline SVG, CSS and script, nothing fetched. Without
        the script (some notebook frontends strip it) all frames show as a
        list. ``full_page=False`` gives the fragment used by ``_repr_html_``.

        Raises:
            ValueError: more steps than ``max_frames`` (``None``: no limit).

        Example:
            >>> from autograd_scalar import Value, trace_backward
            >>> x = Value(0.5, label="x"); y = x.tanh(); y.label = "y"
            >>> page = trace_backward(y).to_html()
            >>> page.count('class="ags-frame"'), "d tanh(x)/dx = 1 - tanh(x)^2" in page
            (2, True)
        """
        if max_frames is not None and len(self.steps) > max_frames:
            raise ValueError(
                f"to_html: the trace has {len(self.steps):,} steps (one frame each), more "
                f"than max_frames={max_frames}; trace a smaller graph, or pass "
                "max_frames=None (the page grows with the square of the graph size)")
        page = f"ags{next(_page_ids)}-{id(self):x}"
        layout = self._layout()
        ident = {node: f"v{i}" for i, node in enumerate(self.order, 1)}
        frames = []
        for k, step in enumerate(self.steps):
            kind = ("output: v̄_N = 1" if not step.terms else
                    f"{len(step.terms)} child{'ren' if len(step.terms) > 1 else ''} in Ch")
            frames.append(
                f'<li class="ags-frame" data-step="{k}" '
                f'data-node="{html.escape(step.name, quote=True)}">'
                f'<div class="ags-graph">{self._frame_svg(k, layout, ident, page)}</div>'
                f'<div class="ags-side"><div class="ags-stepno">Step {k + 1} of '
                f'{len(self.steps)}: node <b>{html.escape(step.name)}</b> ({kind})</div>'
                f'<div class="ags-equation">{html.escape(self.equation(step))}</div>'
                f'<ul class="ags-terms">{self._term_items(step)}</ul></div></li>')
        forward = html.escape("\n".join(str(line) for line in self.forward))
        fragment = _FRAGMENT.format(
            page=page, css=_CSS.replace("#PAGE", f"#{page}"), n=len(self.steps),
            last=len(self.steps) - 1, frames="".join(frames), forward=forward,
            done=_COLOURS["done"], consumer=_COLOURS["consumer"],
            current=_COLOURS["current"], script=_SCRIPT.replace("PAGE", page))
        if not full_page:
            return fragment
        title = html.escape(f"Backward trace of {self.names[self.root]}")
        return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                f"<title>{title}</title><style>body{{font-family:sans-serif;margin:1em}}"
                f"</style></head><body><h1>{title}</h1>{fragment}</body></html>\n")

    def save_html(self, path: Union[str, os.PathLike], **options) -> pathlib.Path:
        """Write :meth:`to_html` to ``path`` atomically (temp file + rename)."""
        return write_atomic(path, self.to_html(**options).encode("utf-8"))

    def _repr_html_(self) -> str:
        if len(self.steps) > DEFAULT_MAX_FRAMES:
            return (f"<p>{len(self.steps):,} steps: too many for frames; the equations:</p>"
                    f"<pre>{html.escape(self.to_text())}</pre>")
        return self.to_html(full_page=False)


def trace_backward(root: Value) -> BackwardTrace:
    """Run ``root.backward()`` and record every node's step, output first.

    Gradients end up exactly as after ``root.backward()`` (leaves accumulate).

    Example (seed 003: a = 2, b = 3, c = a + b, d = a·b, o = c·d/2):
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
    """
    if not isinstance(root, Value):
        raise TypeError(f"trace_backward: root must be a Value, got {type(root).__name__}")
    order = topological_order(root)
    earlier = {node: node.grad for node in order if not node.parents}
    root.backward()
    names = viz.node_names(order)

    children: dict = {node: {} for node in order}  # node -> {consumer: ∂consumer/∂node}
    positions: dict = {}
    for consumer in order:
        for position, (parent, local) in enumerate(zip(consumer.parents,
                                                       consumer.local_grads)):
            locals_ = children[parent]
            locals_[consumer] = locals_.get(consumer, 0.0) + local
            positions.setdefault((parent, consumer), []).append(position)

    grads: dict = {}
    steps = []
    for node in reversed(order):
        terms = tuple(Term(consumer, local, grads[consumer])
                      for consumer, local in children[node].items())
        if node is root:
            grad = 1.0
        elif node.parents or earlier[node] == 0.0:
            grad = node.grad  # the engine's own number for this pass
        else:
            grad = math.fsum(term.product for term in terms)
        grads[node] = grad
        steps.append(Step(node, names[node], grad, terms))
    forward = [ForwardStep(node, names[node], _formula(node, names)) for node in order]
    return BackwardTrace(root, order, names, forward, steps, positions)


_CSS = """
#PAGE{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;color:#222}
#PAGE .ags-controls{display:none;gap:.6em;align-items:center;margin:.4em 0}
#PAGE.ags-js .ags-controls{display:flex}
#PAGE .ags-controls input[type=range]{flex:1;max-width:28em}
#PAGE .ags-frames{list-style:none;padding:0;margin:0}
#PAGE .ags-frame{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start;
  border-top:1px solid #ddd;padding:.6em 0}
#PAGE.ags-js .ags-frame{display:none}
#PAGE.ags-js .ags-frame.ags-active{display:flex}
#PAGE .ags-graph{flex:3 1 36em;min-width:0;overflow:auto}
#PAGE .ags-graph svg{max-width:100%;height:auto}
#PAGE .ags-side{flex:1 1 18em}
#PAGE .ags-equation{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:1.05em;
  background:#fff8e1;border-left:4px solid #ffb74d;padding:.4em .6em;margin:.4em 0;
  overflow-wrap:anywhere}
#PAGE .ags-terms{padding-left:1.2em;margin:.3em 0}
#PAGE .ags-rule{color:#555;font-family:ui-monospace,Menlo,Consolas,monospace}
#PAGE .ags-legend span{display:inline-block;padding:0 .4em;margin-right:.4em;border:1px solid #999}
#PAGE pre{background:#f6f8fa;padding:.5em}
"""

_FRAGMENT = """<div class="ags-trace" id="{page}"><style>{css}</style>
<div class="ags-legend"><span style="background:{current}">current node v_i</span><span
 style="background:{consumer}">its children Ch(v_i)</span><span
 style="background:{done}">done</span> grads not yet computed show <code>?</code></div>
<div class="ags-controls"><button type="button" class="ags-prev">&#9664; prev</button>
<input type="range" class="ags-slider" min="0" max="{last}" value="0" aria-label="step">
<button type="button" class="ags-next">next &#9654;</button>
<span class="ags-pos">step 1 of {n}</span></div>
<ol class="ags-frames">{frames}</ol>
<details class="ags-forward"><summary>Forward pass (the Wengert list)</summary>
<pre>{forward}</pre></details>
<script>{script}</script></div>
"""

# Enhances the static list into a stepper; scoped to this fragment's id so
# several traces can share a notebook. Arrow keys step, except on the slider,
# which already moves itself by one (and reports it as an "input" event).
_SCRIPT = """(function(){
var root=document.getElementById("PAGE");if(!root)return;
var frames=root.querySelectorAll(".ags-frame"),slider=root.querySelector(".ags-slider"),
pos=root.querySelector(".ags-pos"),k=0;
function show(i){k=Math.max(0,Math.min(frames.length-1,i));
for(var j=0;j<frames.length;j++){frames[j].classList.toggle("ags-active",j===k);}
slider.value=String(k);pos.textContent="step "+(k+1)+" of "+frames.length+": node "+
frames[k].getAttribute("data-node");}
root.querySelector(".ags-prev").addEventListener("click",function(){show(k-1);});
root.querySelector(".ags-next").addEventListener("click",function(){show(k+1);});
slider.addEventListener("input",function(){show(parseInt(slider.value,10));});
root.addEventListener("keydown",function(e){if(e.target===slider)return;
if(e.key==="ArrowLeft")show(k-1);
else if(e.key==="ArrowRight")show(k+1);});
root.classList.add("ags-js");show(0);})();"""
