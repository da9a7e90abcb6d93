"""Stage 1 of the tape compiler, the front end: run ``fn`` once and keep its graph.

``fn`` runs on one example with every number hidden
(:mod:`autograd_scalar.traced`); its graph, in topological order, becomes a
:class:`Trace` (a Wengert list): each node's op from the derivative table
and its parents, each leaf a parameter, an input or a constant. Nodes the
table cannot replay, reads of hidden numbers and ``check`` examples with
another graph raise :class:`TapeError` here, at record time.
"""

from __future__ import annotations

import numbers
from typing import Callable, Iterable, Optional, Sequence, cast

from .. import ops, traced
from ..engine import Deferred, Value, new_node, topological_order
from ..modes import enable_grad
from ..traced import TapeError


class Trace:
    """One run of ``fn``: the nodes in topological order and what each leaf is.

    ``ops[i]`` is the table's Op (interior nodes) or ``None`` (leaves);
    ``parents[i]`` a tuple of node indices; ``leaves[i]`` is ``("param", k)``,
    ``("input", arg, element)`` or ``("const", value)`` for leaves.
    """

    def __init__(self, nodes: list, params: Sequence[Value], inputs: dict):
        index = {id(node): i for i, node in enumerate(nodes)}
        param_index = {id(p): k for k, p in enumerate(params)}
        self.labels = [node.label for node in nodes]
        # Exactly one of ops[i], leaves[i] is None, which no element type says.
        self.ops: list = []
        self.parents: list[tuple[int, ...]] = []
        self.leaves: list = []
        for i, node in enumerate(nodes):
            self.parents.append(tuple(index[id(p)] for p in node.parents))
            if node.parents:
                self.ops.append(_table_op(node, i))
                self.leaves.append(None)
            else:
                self.ops.append(None)
                self.leaves.append(
                    ("param", param_index[id(node)])
                    if id(node) in param_index
                    else inputs.get(id(node)) or _constant(node, i)
                )

    def signature(self, i: int) -> tuple:
        """What must agree between two traces at node ``i`` (a constant by its
        repr, so that a nan constant equals itself)."""
        leaf = self.leaves[i]
        if leaf is not None and leaf[0] == "const":
            leaf = ("const", repr(leaf[1]))
        return (self.ops[i], self.parents[i], leaf)


def _table_op(node: Value, i: int) -> ops.Op:
    if isinstance(node.op, Deferred):
        raise TapeError(
            f"node v{i} ({_describe(node)}) is a checkpointed segment: a tape keeps the whole "
            "graph once and replays it, so there is nothing to recompute; call the segment's "
            "function without checkpoint inside fn"
        )
    op = ops.TABLE.get(node.op)
    if op is None or op is not node.op or (op.arity is not None and op.arity != len(node.parents)):
        raise TapeError(
            f"node v{i} ({node.op or 'unnamed op'!s}, {_describe(node)}) was built by hand with "
            "float local_grads: a tape replays only the ops of the derivative table "
            "(ops.TABLE); build it from table ops, or compute it outside fn"
        )
    return op


def _constant(node: Value, i: int) -> tuple:
    if traced.is_traced(node.data):
        raise TapeError(
            f"node v{i} is computed from the inputs or parameters under no_grad "
            f"({cast(traced.Traced, node.data).describe()}): the tape would keep the example's number as a "
            "constant for every row; compute it with gradients recorded"
        )
    return ("const", node.data)


def _describe(node: Value) -> str:
    return f"label {node.label!r}" if node.label else f"data {node.data!r}"


def _example_values(example: Sequence, recording: traced.Recording) -> tuple:
    """The arguments as input Values (numbers) or lists of them, whose numbers
    are hidden; {id: ("input", a, e)}; and each argument's length (None: a number)."""
    values: list = []
    inputs: dict[int, tuple] = {}
    shapes: list[Optional[int]] = []
    for a, arg in enumerate(example):
        if _is_number(arg):
            leaf = _input(arg, f"x{a}" if len(example) > 1 else "x", recording)
            inputs[id(leaf)] = ("input", a, None)
            values.append(leaf)
            shapes.append(None)
            continue
        if not isinstance(arg, (list, tuple)) or not all(map(_is_number, arg)):
            raise TapeError(
                f"example argument {a} must be a number or a list of numbers, "
                f"got {type(arg).__name__}: {arg!r}"
            )
        leaves = [_input(v, f"x{a}[{e}]", recording) for e, v in enumerate(arg)]
        inputs.update((id(leaf), ("input", a, e)) for e, leaf in enumerate(leaves))
        values.append(leaves)
        shapes.append(len(arg))
    return tuple(values), inputs, shapes


def _input(number, label: str, recording: traced.Recording) -> Value:
    return new_node(
        traced.hidden(float(number), recording, label=f"input {label}"), (), (), "", label
    )


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _trace(fn: Callable, example: Sequence, params: Sequence[Value]) -> tuple:
    """Run ``fn`` on the example with every number hidden: (its trace, the arguments' shapes)."""
    recording = traced.Recording(fn)
    values, inputs, shapes = _example_values(example, recording)
    numbers_of = [p.data for p in params]
    for k, p in enumerate(params):  # a branch on a parameter would freeze its value too
        p.data = traced.hidden(float(p.data), recording, label=f"parameter {p.label or k}")
    try:
        with enable_grad():
            out = fn(*values)
    finally:
        for p, number in zip(params, numbers_of):
            p.data = number
    if not isinstance(out, Value):
        raise TapeError(
            f"fn must return a Value (the loss or output of one example), "
            f"got {type(out).__name__}: {out!r}"
        )
    return Trace(topological_order(out), params, inputs), shapes


def _compare(first: Trace, other: Trace, which: str) -> None:
    """Raise ``TapeError`` at the first node where ``other`` differs from ``first``."""
    for i in range(max(len(first.ops), len(other.ops))):
        if i >= len(first.ops) or i >= len(other.ops):
            raise TapeError(
                f"fn builds another graph for {which}: {len(other.ops)} nodes, not the "
                f"example's {len(first.ops)}; a tape records one path through the program"
            )
        a, b = first.signature(i), other.signature(i)
        if a != b:
            raise TapeError(
                f"fn builds another graph for {which}: node v{i} is {_what(first, i)} for "
                f"the example but {_what(other, i)} there (fn depends on something besides "
                "its arguments' numbers, such as a global or a random draw); a tape "
                "records one path through the program"
            )


def _what(trace: Trace, i: int) -> str:
    if trace.ops[i] is None:
        kind, *rest = trace.leaves[i]
        return f"{kind} leaf {rest[0]!r}" if kind != "input" else f"input {rest}"
    return f"{trace.ops[i].name}({', '.join(f'v{p}' for p in trace.parents[i])})"


def _checked_params(params: Iterable[Value]) -> list:
    params = list(params)
    for k, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"record: params[{k}] must be a Value, got {type(p).__name__}")
        if p.parents:
            raise TapeError(
                f"record: params[{k}] ({_describe(p)}) is computed from other Values "
                f"(a {p.op} node), not a leaf: a tape differentiates with respect to "
                "leaves, as an optimizer steps them; pass the leaves it is computed from"
            )
    if len({id(p) for p in params}) != len(params):
        raise TapeError("record: params lists a Value twice")
    return params


def wengert(
    fn: Callable, example: Sequence, params: Iterable[Value], check: Sequence[Sequence]
) -> tuple:
    """``fn``'s graph on the example, checked against the ``check`` examples'
    graphs: (its :class:`Trace`, the parameters as a list, the arguments' shapes)."""
    params = _checked_params(params)
    trace, shapes = _trace(fn, example, params)
    for k, other in enumerate(check):
        _compare(trace, _trace(fn, other, params)[0], f"check example {k} {list(other)!r}")
    return trace, params, shapes
