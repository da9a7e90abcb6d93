"""Stage 3 of the tape compiler, memory layout: every node is a row of one of two stores.

Batch-varying nodes get rows of a (rows × batch) store, the rest
(parameters, constants, what only they determine) rows of a (rows × 1)
store (:class:`Store`); each instruction's outputs get contiguous rows, so the next
instruction reads a layer as a slice, with no gather and no copy.
"""

from __future__ import annotations

import dataclasses
from enum import IntEnum

from .passes import Elementwise, Instruction
from .recording import Constant, Input, Param, WengertList
from .table import numpy_module


class Store(IntEnum):
    """Which of a plan's two buffers holds a node's row (the index into both lists)."""

    VARYING = 0  # rows that change along the batch: (rows × batch)
    INVARIANT = 1  # parameters, constants and what only they determine: (rows × 1)


VARYING, INVARIANT = Store.VARYING, Store.INVARIANT


class Layout:
    """Store and row of each node.

    Inputs come first, one block per example argument; then parameters (in
    ``params`` order) and constants; then each instruction's outputs as one
    contiguous block, so a lifted op reads a layer's rows as a slice.
    """

    def __init__(self, wengert: WengertList, varying: list, n_params: int):
        self.store = [VARYING if v else INVARIANT for v in varying]
        self.row = [0] * len(varying)
        self.input_rows: list[int] = []
        n = 0
        for shape in wengert.arguments:
            self.input_rows.append(n)
            n += 1 if shape is None else shape
        self.size = [n, n_params]
        self.constants: list[tuple[int, float]] = []  # (invariant row, value)
        for i, node in enumerate(wengert.nodes):
            leaf = node.leaf
            if isinstance(leaf, Input):
                self.row[i] = self.input_rows[leaf.argument] + (leaf.element or 0)
            elif isinstance(leaf, Param):
                self.row[i] = leaf.index
            elif isinstance(leaf, Constant):
                self.row[i] = self._allocate(INVARIANT, 1)
                self.constants.append((self.row[i], leaf.value))

    def _allocate(self, store: Store, count: int) -> int:
        start = self.size[store]
        self.size[store] += count
        return start

    def place(self, instruction: Instruction) -> Instruction:
        """Give the instruction's outputs contiguous rows (lifted members sorted
        by their parents' rows, so they read slices and write one); returns
        the instruction with its nodes in that order."""
        if isinstance(instruction, Elementwise) and len(instruction.nodes) > 1:
            args = instruction.args
            order = sorted(
                range(len(instruction.nodes)),
                key=lambda m: [(self.store[arg[m]], self.row[arg[m]]) for arg in args],
            )
            instruction = dataclasses.replace(
                instruction,
                nodes=[instruction.nodes[m] for m in order],
                args=[[arg[m] for m in order] for arg in args],
            )
        store = self.store[instruction.nodes[0]]
        start = self._allocate(store, len(instruction.nodes))
        for k, node in enumerate(instruction.nodes):
            self.row[node] = start + k
        return instruction

    def rows(self, nodes: list):
        """(store, rows) of nodes in one store: a slice when contiguous, else an index array."""
        store, rows = self.store[nodes[0]], [self.row[n] for n in nodes]
        if rows == list(range(rows[0], rows[0] + len(rows))):
            return store, slice(rows[0], rows[0] + len(rows))
        return store, numpy_module().array(rows)
