"""Stage 1 of the tape compiler, the front end: run ``fn`` once and keep its graph.

``fn`` runs on one example with every number hidden
(:mod:`autograd_scalar.traced`, like JAX's tracers); the graph it builds, in
topological order, becomes a :class:`WengertList`: each :class:`Node` an op
of the derivative table over earlier nodes, or a leaf (a :class:`Param`, an
:class:`Input` or a :class:`Constant`). Nodes the table cannot replay,
reads of hidden numbers and ``check`` examples with another graph raise
:class:`~autograd_scalar.tape.TapeError` here, at record time, naming the
node and the line of ``fn``.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable, Iterable, NamedTuple, Optional, Sequence, Union, cast

from .. import traced
from ..engine import Deferred, Value, new_node, topological_order
from ..modes import enable_grad
from ..traced import TapeError
from .table import Op, table_op


@dataclass(frozen=True)
class Param:
    """A leaf that is ``params[index]``: its number is read again at every call."""

    index: int


@dataclass(frozen=True)
class Input:
    """A leaf built from the example's argument ``argument`` (its element
    ``element`` when the argument is a list; ``None`` for a number argument)."""

    argument: int
    element: Optional[int]


@dataclass(frozen=True)
class Constant:
    """A leaf whose number is the same for every row of a batch."""

    value: float


Leaf = Union[Param, Input, Constant]


class Node(NamedTuple):
    """One node of the Wengert list: an op of the table over earlier nodes, or a leaf."""

    op: Optional[Op]  # the table's row; None for a leaf
    parents: tuple[int, ...]  # indices of the nodes it reads
    leaf: Optional[Leaf]  # what a leaf is; None for an op
    label: str


class WengertList:
    """One run of ``fn``: its nodes v0, v1, ... in topological order (the last is
    the output) and, per argument of the example, ``None`` for a number or the
    length of a list."""

    def __init__(self, order: list[Value], params: Sequence[Value], inputs: dict, arguments: list):
        index = {id(value): i for i, value in enumerate(order)}
        param_index = {id(p): k for k, p in enumerate(params)}
        self.arguments: tuple[Optional[int], ...] = tuple(arguments)
        self.nodes: list[Node] = []
        for i, value in enumerate(order):
            parents = tuple(index[id(p)] for p in value.parents)
            if value.parents:
                self.nodes.append(Node(_table_op(value, i), parents, None, value.label))
                continue
            leaf = (
                Param(param_index[id(value)])
                if id(value) in param_index
                else inputs.get(id(value)) or _constant(value, i)
            )
            self.nodes.append(Node(None, parents, leaf, value.label))

    def signature(self, i: int) -> tuple:
        """What must agree between two recordings at node ``i`` (a constant by its
        repr, so that a nan constant equals itself)."""
        op, parents, leaf, _ = self.nodes[i]
        if isinstance(leaf, Constant):
            return (op, parents, Constant, repr(leaf.value))
        return (op, parents, leaf)


def _table_op(node: Value, i: int) -> Op:
    if isinstance(node.op, Deferred):
        raise TapeError(
            f"node v{i} ({_describe(node)}) is a checkpointed segment: a tape keeps the whole "
            "graph once and replays it, so there is nothing to recompute; call the segment's "
            "function without checkpoint inside fn"
        )
    op = table_op(node.op, len(node.parents))
    if op is None:
        raise TapeError(
            f"node v{i} ({node.op or 'unnamed op'!s}, {_describe(node)}) was built by hand with "
            "float local_grads: a tape replays only the ops of the derivative table "
            "(ops.TABLE); build it from table ops, or compute it outside fn"
        )
    return op


def _constant(node: Value, i: int) -> Constant:
    if traced.is_traced(node.data):
        raise TapeError(
            f"node v{i} is computed from the inputs or parameters under no_grad "
            f"({cast(traced.Traced, node.data).describe()}): the tape would keep the example's number as a "
            "constant for every row; compute it with gradients recorded"
        )
    return Constant(node.data)


def _describe(node: Value) -> str:
    return f"label {node.label!r}" if node.label else f"data {node.data!r}"


def _example_values(example: Sequence, recording: traced.Recording) -> tuple:
    """The arguments as input Values (numbers) or lists of them, whose numbers
    are hidden; {id: its Input leaf}; and each argument's length (None: a number)."""
    values: list = []
    inputs: dict[int, Input] = {}
    shapes: list[Optional[int]] = []
    for a, arg in enumerate(example):
        if _is_number(arg):
            leaf = _input(arg, f"x{a}" if len(example) > 1 else "x", recording)
            inputs[id(leaf)] = Input(a, None)
            values.append(leaf)
            shapes.append(None)
            continue
        if not isinstance(arg, (list, tuple)) or not all(map(_is_number, arg)):
            raise TapeError(
                f"example argument {a} must be a number or a list of numbers, "
                f"got {type(arg).__name__}: {arg!r}"
            )
        leaves = [_input(v, f"x{a}[{e}]", recording) for e, v in enumerate(arg)]
        inputs.update((id(leaf), Input(a, e)) for e, leaf in enumerate(leaves))
        values.append(leaves)
        shapes.append(len(arg))
    return tuple(values), inputs, shapes


def _input(number, label: str, recording: traced.Recording) -> Value:
    return new_node(
        traced.hidden(float(number), recording, label=f"input {label}"), (), (), "", label
    )


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _run(fn: Callable, example: Sequence, params: Sequence[Value]) -> WengertList:
    """Run ``fn`` on the example with every number hidden; keep its graph."""
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
    return WengertList(topological_order(out), params, inputs, shapes)


def _compare(first: WengertList, other: WengertList, which: str) -> None:
    """Raise ``TapeError`` at the first node where ``other`` differs from ``first``."""
    for i in range(max(len(first.nodes), len(other.nodes))):
        if i >= len(first.nodes) or i >= len(other.nodes):
            raise TapeError(
                f"fn builds another graph for {which}: {len(other.nodes)} nodes, not the "
                f"example's {len(first.nodes)}; a tape records one path through the program"
            )
        a, b = first.signature(i), other.signature(i)
        if a != b:
            raise TapeError(
                f"fn builds another graph for {which}: node v{i} is {_what(first, i)} for "
                f"the example but {_what(other, i)} there (fn depends on something besides "
                "its arguments' numbers, such as a global or a random draw); a tape "
                "records one path through the program"
            )


def _what(wengert: WengertList, i: int) -> str:
    op, parents, leaf, _ = wengert.nodes[i]
    if op is not None:
        return f"{op.name}({', '.join(f'v{p}' for p in parents)})"
    if isinstance(leaf, Param):
        return f"parameter {leaf.index}"
    if isinstance(leaf, Input):
        return f"input {leaf.argument}{'' if leaf.element is None else f', element {leaf.element}'}"
    return f"the constant {cast(Constant, leaf).value!r}"


def checked_params(params: Iterable[Value]) -> list:
    """``params`` as a list of distinct leaf Values, else a clear error."""
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


def wengert_list(
    fn: Callable, example: Sequence, params: list, check: Sequence[Sequence]
) -> WengertList:
    """``fn``'s graph on the example, the same as on each of the ``check``
    examples (``params``: a list that :func:`checked_params` accepted)."""
    recorded = _run(fn, example, params)
    for k, other in enumerate(check):
        _compare(recorded, _run(fn, other, params), f"check example {k} {list(other)!r}")
    return recorded
