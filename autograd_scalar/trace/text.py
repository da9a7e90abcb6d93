"""A backward trace as text and LaTeX: the forward Wengert list and the backward equations.

Each step is the backward rule v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j with the names and
numbers filled in; formulas and rule texts come from the derivative table's
entries (``op.formula(args, latex)``, ``op.rule_text_of(position, n)``), so a
new op is written here without an edit. Imports no renderer.
"""

from __future__ import annotations

import re

from .. import ops
from ..engine import CONST
from ..names import derivative_name, format_number, op_symbol

__all__ = ["formula", "equation", "equation_head", "rules", "to_text", "to_latex", "BAR"]

BAR = "\u0304"  # combining macron: "v̄"

_LATEX_SPECIAL = {c: "\\" + c for c in "#$%&_{}"}
_LATEX_SPECIAL.update({"\\": r"\backslash{}", "^": r"\hat{}", "~": r"\sim{}"})


def factor(x: float) -> str:
    """A number as a factor of a product: negative numbers in parentheses."""
    text = format_number(x)
    return f"({text})" if text.startswith("-") else text


def latex_escape(text: str) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in text)


def latex_name(name: str) -> str:
    """A display name in LaTeX: ``v_{5}``, a single letter, a number, or upright text."""
    match = re.fullmatch(r"v(\d+)", name)
    if match:
        return f"v_{{{match.group(1)}}}"
    if len(name) == 1 and name.isalpha():
        return name
    if re.fullmatch(r"-?[0-9.e+]+|nan|inf|-inf", name):
        return name
    return rf"\mathrm{{{latex_escape(name)}}}"


def formula(node, names: dict, latex: bool = False) -> str:
    """How ``node`` was computed from its parents' names (empty for leaves).

    The table entry writes the formula; a hand-built op is written as a call.

    Example:
        >>> from autograd_scalar import Value
        >>> x = Value(2.0, label="x"); y = (x * 3).tanh()
        >>> formula(y.parents[0], {x: "x", y.parents[0].parents[1]: "3"})
        'x * 3'
    """
    if not node.parents:
        return ""
    args = [latex_name(names[p]) if latex else names[p] for p in node.parents]
    args = [f"({a})" if a.startswith("-") else a for a in args]
    op = ops.TABLE.get(node.op)
    if op is not None and (op.arity is None or op.arity == len(args)):
        return op.formula(args, latex=latex)
    if latex:
        return (
            rf"\operatorname{{{latex_escape(op_symbol(node.op))}}}"
            rf"\left({', '.join(args)}\right)"
        )
    return f"{op_symbol(node.op)}({', '.join(args)})"


def equation_head(step, names: dict) -> str:
    """The names-only part of :func:`equation`: ``v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a``.

    Live pages keep it and fill in new numbers (``web/numbers.js``, ``agsNumbers.equation``).
    """
    bar = lambda name: f"v{BAR}[{name}]"  # noqa: E731
    lhs, d_name = bar(step.name), derivative_name(step.name)
    if not step.terms:
        return lhs
    return (
        lhs
        + " = "
        + " + ".join(
            f"{bar(names[t.consumer])}·∂{derivative_name(names[t.consumer])}/∂{d_name}"
            for t in step.terms
        )
    )


def equation(step, names: dict) -> str:
    """The step's rule with names and numbers, e.g. ``v̄[a] = v̄[c]·∂c/∂a + … = 10.5``.

    :func:`equation_head`, then ``v̄_j·∂v_j/∂v_i`` per term and the sum; a live
    page's ``agsNumbers.equation`` writes the same numbers (a browser test holds them equal).
    """
    note = getattr(step, "note", "")
    if note.startswith("recompute "):  # a checkpointed segment's rebuild
        return f"{RECOMPUTED} {note}"
    mark = f"{RECOMPUTED} " if note else ""  # a rebuilt node's step
    head = equation_head(step, names)
    if not step.terms:
        return f"{mark}{head} = {format_number(step.grad)}"
    numeric = " + ".join(f"{factor(t.consumer_grad)}·{factor(t.local)}" for t in step.terms)
    return f"{mark}{head} = {numeric} = {format_number(step.grad)}"


#: Marks the steps of a checkpointed segment's recomputation.
RECOMPUTED = "⟳"


def latex_equation(step, names: dict) -> str:
    """:func:`equation` as one line of a LaTeX ``aligned`` block."""
    lhs = rf"\bar{{{latex_name(step.name)}}}"
    if not step.terms:
        return f"{lhs} &= {format_number(step.grad)}"
    parts, numbers = [], []
    node = latex_name(step.name)
    for term in step.terms:
        child = latex_name(names[term.consumer])
        parts.append(rf"\bar{{{child}}}\,\frac{{\partial {child}}}{{\partial {node}}}")
        numbers.append(rf"{factor(term.consumer_grad)} \cdot {factor(term.local)}")
    return f"{lhs} &= {' + '.join(parts)} = {' + '.join(numbers)} = {format_number(step.grad)}"


def rules(consumer, positions) -> list:
    """The table's rule texts for ∂consumer/∂(its arguments at ``positions``), no repeats."""
    op = ops.TABLE.get(consumer.op)
    if op is None:
        return []
    picked = []
    for position in positions:
        rule = op.rule_text_of(position, len(consumer.parents))
        if rule not in picked:
            picked.append(rule)
    return picked


def to_text(trace) -> str:
    """The forward Wengert list and the backward equations (see ``BackwardTrace.to_text``)."""
    lines = ["Forward pass (the Wengert list v_1..v_N, in topological order):"]
    lines += [f"  {line}" for line in trace.forward]
    lines.append(
        f"Backward pass (v{BAR}_N = 1, v{BAR}_i = Σ_{{j ∈ Ch(v_i)}} "
        f"∂v_j/∂v_i · v{BAR}_j), output first:"
    )
    lines += [f"  {equation(step, trace.names)}" for step in trace.steps]
    return "\n".join(lines)


def to_latex(trace, environment: str = "aligned") -> str:
    """Forward list and backward equations as one LaTeX block.

    ``"aligned"`` inside ``$$`` (notebooks, Markdown), or ``"align*"`` for a
    LaTeX document (amsmath).
    """
    if environment not in ("aligned", "align*"):
        raise ValueError(
            f"to_latex: environment must be 'aligned' or 'align*', got {environment!r}"
        )
    lines = []
    for entry in trace.forward:
        name = latex_name(entry.name)
        value = format_number(entry.node.data)
        if entry.formula:
            lines.append(f"{name} &= {formula(entry.node, trace.names, latex=True)} = {value}")
        else:
            kind = "constant" if entry.node.op == CONST else "input"
            lines.append(rf"{name} &= {value} && \text{{{kind}}}")
    backward = [latex_equation(step, trace.names) for step in trace.steps]
    body = "\\\\\n".join(lines) + "\\\\[6pt]\n" + "\\\\\n".join(backward)
    block = f"\\begin{{{environment}}}\n{body}\n\\end{{{environment}}}"
    return f"$${block}$$" if environment == "aligned" else block
