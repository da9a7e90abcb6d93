"""Stage 2 of the tape compiler, the passes: which nodes run as one array operation.

**group** turns the ``dot`` nodes that read the same batch-varying inputs (a
layer's neurons) into ONE matrix product, z = W·h + b; **lift** runs the
nodes of one fixed-arity op at one depth (a relu on every row of a layer)
as one array op. What is left runs node by node. The result is a list of
:class:`Instruction` in an order where parents come first.
"""

from __future__ import annotations

from .. import ops
from .recording import Trace

DOT = ops.TABLE["dot"]


class Instruction:
    """Nodes evaluated by one array operation.

    ``kind`` is ``"elementwise"`` (k nodes of one fixed-arity op; ``args[j]``
    lists each node's j-th parent), ``"nary"`` (one ``sum`` or ``dot`` node;
    ``args`` is its parents) or ``"matmul"`` (k ``dot`` nodes grouped:
    ``args`` the m varying inputs they share, ``weights`` a k×m table of the
    invariant partners, ``pairs`` k lists of invariant (a, b) pairs, ``terms``
    each node's (a, b) pairs in its own order, for the exact sum).
    """

    def __init__(
        self,
        kind: str,
        op: ops.Op,
        nodes: list,
        args,
        level: int,
        weights=None,
        pairs=None,
        terms=None,
    ):
        self.kind, self.op, self.nodes, self.args, self.level = kind, op, nodes, args, level
        self.weights, self.pairs, self.terms = weights, pairs, terms


def _levels(trace: Trace) -> list:
    """Depth of each node: 0 for leaves, 1 + the deepest parent otherwise."""
    level: list[int] = []
    for parents in trace.parents:
        level.append(1 + max(level[p] for p in parents) if parents else 0)
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


def _group(trace: Trace, varying: list, level: list, todo: list) -> list:
    """Pass 1: dot nodes reading the same varying inputs, at one depth -> matmul."""
    groups: dict[tuple, list] = {}
    for i in todo:
        if trace.ops[i] is DOT:
            split = _split_dot(trace.parents[i], varying)
            if split is not None:
                weights, inputs, pairs = split
                groups.setdefault((inputs, len(pairs), level[i]), []).append((i, weights, pairs))
    return [
        Instruction(
            "matmul",
            DOT,
            [i for i, _, _ in members],
            list(inputs),
            lvl,
            weights=[w for _, w, _ in members],
            pairs=[p for _, _, p in members],
            terms=[_terms(trace.parents[i]) for i, _, _ in members],
        )
        for (inputs, _, lvl), members in groups.items()
    ]


def _lift(trace: Trace, varying: list, level: list, todo: list, lift: bool) -> list:
    """Pass 2: nodes of one fixed-arity op at one depth -> one array op (if ``lift``)."""
    units: dict[object, list[int]] = {}
    singles = []
    for i in todo:
        op, parents = trace.ops[i], trace.parents[i]
        if op.arity is None:
            singles.append(Instruction("nary", op, [i], list(parents), level[i]))
            continue
        key = (op, level[i], varying[i], tuple(varying[p] for p in parents))
        units.setdefault(key if lift else i, []).append(i)
    lifted = []
    for members in units.values():
        i = members[0]
        args = [[trace.parents[m][j] for m in members] for j in range(trace.ops[i].arity)]
        lifted.append(Instruction("elementwise", trace.ops[i], members, args, level[i]))
    return lifted + singles


def schedule(trace: Trace, varying: list, group: bool, lift: bool) -> list:
    """The tape's nodes as instructions, in an order where parents come first."""
    level = _levels(trace)
    todo = [i for i, op in enumerate(trace.ops) if op is not None]
    grouped = _group(trace, varying, level, todo) if group else []
    done = {i for instruction in grouped for i in instruction.nodes}
    rest = [i for i in todo if i not in done]
    instructions = grouped + _lift(trace, varying, level, rest, lift)
    # Same depth means no path between the nodes: any order within a level works.
    return sorted(instructions, key=lambda instruction: instruction.level)
