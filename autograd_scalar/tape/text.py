"""The tape's printout: the Wengert list in v-notation, groups as the matrix products they became."""

from __future__ import annotations

from typing import Sequence

from .passes import Instruction
from .recording import Trace

_KINDS = {"param": "parameters", "input": "inputs", "const": "constants"}


def _names(nodes: Sequence[int]) -> str:
    """``v3, v4, v5`` or, for many nodes, ``v3, v4, …, v40``."""
    names = [f"v{i}" for i in nodes]
    return ", ".join(names if len(names) <= 4 else names[:2] + ["…", names[-1]])


def _instruction_text(instruction: Instruction, trace: Trace) -> str:
    """One instruction in v-notation: a node, a lifted op over rows, or W·x + b."""
    nodes, op = instruction.nodes, instruction.op
    if instruction.kind == "matmul" and instruction.args:
        k, m = len(nodes), len(instruction.args)
        bias = " + b" if instruction.pairs[0] else ""
        return (
            f"[{_names(nodes)}] = W·[{_names(instruction.args)}]{bias}   ({k} dot "
            f"node{'s' * (k > 1)} as one matrix product; W is {k}×{m}, its first row "
            f"[{_names(instruction.weights[0])}]{'; b from the constant pairs' * bool(bias)})"
        )
    if instruction.kind != "elementwise" or len(nodes) == 1:
        return f"v{nodes[0]} = {op.format([f'v{p}' for p in trace.parents[nodes[0]]])}"
    rows = op.format([f"[{_names(arg)}]" for arg in instruction.args])
    return f"[{_names(nodes)}] = {rows}   ({len(nodes)} {op.name} nodes as one array op)"


def tape_text(trace: Trace, instructions: list) -> str:
    """The Wengert list in v-notation, groups shown as the matrix products they became.

    Leaves first (parameters, inputs, constants; summarised when there are
    many), then one line per instruction in the order they run.
    """
    lines: list[str] = []
    leaves = [i for i, leaf in enumerate(trace.leaves) if leaf]
    if len(leaves) <= 12:
        lines += [f"v{i} = {leaf_text(trace, i)}" for i in leaves]
    else:
        for kind in ("param", "input", "const"):
            nodes = [i for i in leaves if trace.leaves[i][0] == kind]
            if nodes:
                lines.append(f"{_KINDS[kind]}: {_names(nodes)} ({len(nodes)})")
    lines += [_instruction_text(instruction, trace) for instruction in instructions]
    lines.append(
        f"output: v{len(trace.ops) - 1} ({len(trace.ops) - len(leaves)} nodes on "
        f"the tape, {len(instructions)} instructions)"
    )
    return "\n".join(lines)


def leaf_text(trace: Trace, i: int) -> str:
    kind, *where = trace.leaves[i]
    label = trace.labels[i]
    if kind == "const":
        return f"{where[0]!r}  (constant)"
    if kind == "param":
        return f"{label or 'p'}  (parameter {where[0]})"
    return f"{label}  (input {where[0]}{'' if where[1] is None else f', element {where[1]}'})"
