"""The tape's printout: the Wengert list in v-notation, groups as the matrix products they became.

What :meth:`Tape.to_text <autograd_scalar.tape.Tape.to_text>` prints: the
leaves (:mod:`~autograd_scalar.tape.recording`), then one line per
instruction of the schedule (:mod:`~autograd_scalar.tape.passes`) in the
order it runs. It reads both stages and changes neither.
"""

from __future__ import annotations

from typing import Sequence

from .passes import Elementwise, Instruction, MatMul
from .recording import Constant, Input, Leaf, Param, WengertList
from .table import formula

#: How a summary line names each kind of leaf, in the order the summary lists them.
_KINDS = {Param: "parameters", Input: "inputs", Constant: "constants"}

#: Leaves up to which each gets its own line (beyond, one summary line per kind).
LEAF_LINES = 12


def _names(nodes: Sequence[int]) -> str:
    """``v3, v4, v5`` or, for many nodes, ``v3, v4, …, v40``."""
    names = [f"v{i}" for i in nodes]
    return ", ".join(names if len(names) <= 4 else names[:2] + ["…", names[-1]])


def instruction_text(instruction: Instruction, wengert: WengertList) -> str:
    """One instruction in v-notation: a node, a lifted op over rows, or W·x + b."""
    nodes, op = instruction.nodes, instruction.op
    if isinstance(instruction, MatMul) and instruction.inputs:
        k, m = len(nodes), len(instruction.inputs)
        bias = " + b" if instruction.pairs[0] else ""
        return (
            f"[{_names(nodes)}] = W·[{_names(instruction.inputs)}]{bias}   ({k} dot "
            f"node{'s' * (k > 1)} as one matrix product; W is {k}×{m}, its first row "
            f"[{_names(instruction.weights[0])}]{'; b from the constant pairs' * bool(bias)})"
        )
    if not isinstance(instruction, Elementwise) or len(nodes) == 1:
        return f"v{nodes[0]} = {formula(op, [f'v{p}' for p in wengert.nodes[nodes[0]].parents])}"
    rows = formula(op, [f"[{_names(arg)}]" for arg in instruction.args])
    return f"[{_names(nodes)}] = {rows}   ({len(nodes)} {op.name} nodes as one array op)"


def leaf_text(leaf: Leaf, label: str) -> str:
    """What a leaf is: ``w  (parameter 0)``, ``x  (input 0, element 1)``, ``2.0  (constant)``."""
    if isinstance(leaf, Constant):
        return f"{leaf.value!r}  (constant)"
    if isinstance(leaf, Param):
        return f"{label or 'p'}  (parameter {leaf.index})"
    element = "" if leaf.element is None else f", element {leaf.element}"
    return f"{label}  (input {leaf.argument}{element})"


def wengert_text(wengert: WengertList, schedule: Sequence[Instruction]) -> str:
    """The Wengert list in v-notation, groups shown as the matrix products they became.

    Leaves first (parameters, inputs, constants; summarised when there are
    many), then one line per instruction in the order they run.
    """
    lines: list[str] = []
    leaves = [(i, node.leaf, node.label) for i, node in enumerate(wengert.nodes) if node.leaf]
    if len(leaves) <= LEAF_LINES:
        lines += [f"v{i} = {leaf_text(leaf, label)}" for i, leaf, label in leaves]
    else:
        for kind, name in _KINDS.items():
            nodes = [i for i, leaf, _ in leaves if isinstance(leaf, kind)]
            if nodes:
                lines.append(f"{name}: {_names(nodes)} ({len(nodes)})")
    lines += [instruction_text(instruction, wengert) for instruction in schedule]
    lines.append(
        f"output: v{len(wengert.nodes) - 1} ({len(wengert.nodes) - len(leaves)} nodes on "
        f"the tape, {len(schedule)} instructions)"
    )
    return "\n".join(lines)
