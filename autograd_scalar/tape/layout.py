"""Stage 3 of the tape compiler, memory layout: every node is a row of one of two stores.

Batch-varying nodes get rows of a (rows × batch) store, the rest
(parameters, constants, what only they determine) rows of a (rows × 1)
store; each instruction's outputs get contiguous rows, so the next
instruction reads a layer as a slice, with no gather and no copy.
"""

from __future__ import annotations

from .passes import Instruction
from .recording import Trace

VARYING, INVARIANT = 0, 1  # store of the rows that change along the batch, and the others


class Layout:
    """Row of each node: batch-varying nodes in a (rows × batch) store, the rest
    (parameters, constants, what only they determine) in a (rows × 1) store.

    Inputs come first, one block per example argument; then parameters (in
    ``params`` order) and constants; then each instruction's outputs as one
    contiguous block, so a lifted op reads a layer's rows as a slice.
    """

    def __init__(self, trace: Trace, varying: list, shapes: list, n_params: int):
        self.store = [VARYING if v else INVARIANT for v in varying]
        self.row = [0] * len(varying)
        self.input_rows, n = [], 0
        for shape in shapes:
            self.input_rows.append(n)
            n += 1 if shape is None else shape
        self.size = [n, n_params]
        self.constants = []
        for i, leaf in enumerate(trace.leaves):
            if leaf is None:
                continue
            if leaf[0] == "input":
                self.row[i] = self.input_rows[leaf[1]] + (leaf[2] or 0)
            elif leaf[0] == "param":
                self.row[i] = leaf[1]
            else:
                self.row[i] = self._allocate(INVARIANT, 1)
                self.constants.append((self.row[i], leaf[1]))

    def _allocate(self, store: int, count: int) -> int:
        start = self.size[store]
        self.size[store] += count
        return start

    def place(self, instruction: Instruction) -> None:
        """Give the instruction's outputs contiguous rows (lifted members sorted
        by their parents' rows, so they read slices and write one)."""
        if instruction.kind == "elementwise" and len(instruction.nodes) > 1:
            order = sorted(
                range(len(instruction.nodes)),
                key=lambda m: [(self.store[arg[m]], self.row[arg[m]]) for arg in instruction.args],
            )
            instruction.nodes = [instruction.nodes[m] for m in order]
            instruction.args = [[arg[m] for m in order] for arg in instruction.args]
        store = self.store[instruction.nodes[0]]
        start = self._allocate(store, len(instruction.nodes))
        for k, node in enumerate(instruction.nodes):
            self.row[node] = start + k

    def rows(self, nodes: list):
        """(store, rows) of nodes in one store: a slice when contiguous, else an index array."""
        store, rows = self.store[nodes[0]], [self.row[n] for n in nodes]
        if rows == list(range(rows[0], rows[0] + len(rows))):
            return store, slice(rows[0], rows[0] + len(rows))
        return store, numpy_module().array(rows)


def numpy_module():
    import numpy  # imported on first use: the scalar engine never needs it

    return numpy
