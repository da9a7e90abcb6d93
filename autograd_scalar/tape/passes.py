"""Stage 2 of the tape compiler, the passes: which nodes run as one array operation.

**group** turns the ``dot`` nodes that read the same batch-varying inputs (a
layer's neurons) into ONE matrix product, z = W·h + b; **lift** runs the
nodes of one fixed-arity op at one depth (a relu on every row of a layer)
as one array op. What is left runs node by node. The result is a list of
instructions (:class:`Elementwise`, :class:`Nary`, :class:`MatMul`) in an
order where parents come first. Before the passes, one sweep finds which
nodes vary along the batch (they depend on an input) and which need an
adjoint (they depend on a parameter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple, Union

from .recording import Input, Param, WengertList
from .table import DOT, Op


class Flow(NamedTuple):
    """Per node: whether it varies along the batch (it depends on an input) and
    whether it needs an adjoint (it depends on a parameter)."""

    varying: list[bool]
    needed: list[bool]


def flow(wengert: WengertList) -> Flow:
    """Which nodes vary along the batch, and which lead to a parameter's gradient."""
    varying: list[bool] = []
    needed: list[bool] = []
    for _, parents, leaf, _ in wengert.nodes:
        if leaf is not None:
            varying.append(isinstance(leaf, Input))
            needed.append(isinstance(leaf, Param))
        else:
            varying.append(any(varying[p] for p in parents))
            needed.append(any(needed[p] for p in parents))
    return Flow(varying, needed)


@dataclass
class Elementwise:
    """k nodes of one fixed-arity op, one array op: ``args[j]`` lists each node's j-th parent."""

    op: Op
    nodes: list[int]
    args: list[list[int]]
    level: int


@dataclass
class Nary:
    """One ``sum`` or ``dot`` node (``nodes`` holds it): ``args`` are its parents."""

    op: Op
    nodes: list[int]
    args: list[int]
    level: int


@dataclass
class MatMul:
    """k ``dot`` nodes as one matrix product, z = W·x + b.

    ``inputs``: the m batch-varying nodes x they share; ``weights``: a k×m
    table of their invariant partners W; ``pairs``: per node, its invariant
    (a, b) pairs, summed into b; ``terms``: per node, all its (a, b) pairs in
    the order its forward sums them (for the exact sum).
    """

    nodes: list[int]
    inputs: list[int]
    weights: list[list[int]]
    pairs: list[list[tuple[int, int]]]
    terms: list[list[tuple[int, int]]]
    level: int
    op: Op = field(default=DOT)


Instruction = Union[Elementwise, Nary, MatMul]


def _levels(wengert: WengertList) -> list:
    """Depth of each node: 0 for leaves, 1 + the deepest parent otherwise."""
    level: list[int] = []
    for node in wengert.nodes:
        level.append(1 + max(level[p] for p in node.parents) if node.parents else 0)
    return level


def _split_dot(parents: tuple, varying: list):
    """A dot's pairs as (weights, varying inputs, invariant pairs), or None.

    Weights may sit in either half; a pair of two varying factors is no
    matrix product, so such a dot is not grouped.
    """
    n = len(parents) // 2
    weights, inputs, pairs = [], [], []
    for a, b in zip(parents[:n], parents[n:]):
        if varying[a] and varying[b]:
            return None
        if varying[a] or varying[b]:
            weight, x = (b, a) if varying[a] else (a, b)
            weights.append(weight)
            inputs.append(x)
        else:
            pairs.append((a, b))
    return weights, tuple(inputs), pairs


def _terms(parents: tuple) -> list:
    """A dot's (w, x) pairs in the order its forward sums them."""
    n = len(parents) // 2
    return list(zip(parents[:n], parents[n:]))


def group(wengert: WengertList, varying: list, level: list, todo: list) -> list[MatMul]:
    """Pass 1: dot nodes reading the same varying inputs, at one depth -> one matrix product."""
    groups: dict[tuple, list] = {}
    for i in todo:
        node = wengert.nodes[i]
        if node.op is DOT:
            split = _split_dot(node.parents, varying)
            if split is not None:
                weights, inputs, pairs = split
                groups.setdefault((inputs, len(pairs), level[i]), []).append((i, weights, pairs))
    return [
        MatMul(
            nodes=[i for i, _, _ in members],
            inputs=list(inputs),
            weights=[w for _, w, _ in members],
            pairs=[p for _, _, p in members],
            terms=[_terms(wengert.nodes[i].parents) for i, _, _ in members],
            level=depth,
        )
        for (inputs, _, depth), members in groups.items()
    ]


def lift(wengert: WengertList, varying: list, level: list, todo: list, lifting: bool) -> list:
    """Pass 2: nodes of one fixed-arity op at one depth -> one array op (if ``lifting``);
    an n-ary node (``sum``, ``dot``) runs alone."""
    units: dict[object, list[int]] = {}
    singles: list[Instruction] = []
    for i in todo:
        op, parents, _, _ = wengert.nodes[i]
        assert op is not None  # todo holds the interior nodes
        if op.arity is None:
            singles.append(Nary(op, [i], list(parents), level[i]))
            continue
        key = (op, level[i], varying[i], tuple(varying[p] for p in parents))
        units.setdefault(key if lifting else i, []).append(i)
    lifted: list[Instruction] = []
    for members in units.values():
        op, _, _, _ = wengert.nodes[members[0]]
        assert op is not None and op.arity is not None
        args = [[wengert.nodes[m].parents[j] for m in members] for j in range(op.arity)]
        lifted.append(Elementwise(op, members, args, level[members[0]]))
    return lifted + singles


def schedule(wengert: WengertList, varying: list, grouping: bool, lifting: bool) -> list:
    """The recorded nodes as instructions, in an order where parents come first."""
    level = _levels(wengert)
    todo = [i for i, node in enumerate(wengert.nodes) if node.op is not None]
    grouped: list[Instruction] = list(group(wengert, varying, level, todo)) if grouping else []
    done = {i for instruction in grouped for i in instruction.nodes}
    rest = [i for i in todo if i not in done]
    instructions = grouped + lift(wengert, varying, level, rest, lifting)
    # Same depth means no path between the nodes: any order within a level works.
    return sorted(instructions, key=lambda instruction: instruction.level)
