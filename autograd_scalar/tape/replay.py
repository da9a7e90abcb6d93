"""Stage 5 of the tape compiler, the runtime: a recorded graph replayed over batches.

A :class:`Tape` runs the passes and the layout once, keeps a bound
:class:`~autograd_scalar.tape.bind.Plan` per batch size, copies each batch
into its input rows, runs the instructions forward and backward and names
the tape node and batch row of a domain error.
"""

from __future__ import annotations

import threading
from typing import Optional

from ..traced import TapeError
from .bind import Plan
from .layout import INVARIANT, VARYING, Layout
from .passes import Instruction, flow, schedule
from .recording import Node, WengertList
from .table import error_index, formula, located, numpy_module
from .text import wengert_text

#: Batch sizes whose buffers a tape keeps (each size gets its own plan).
KEEP_PLANS = 4


class Tape:
    """A recorded graph, replayed over batches (made by :func:`~autograd_scalar.tape.record`).

    Attributes:
        params: the parameters, in the order of gradients.
        schedule: the instructions one forward pass runs, in order (the passes'
            :class:`~autograd_scalar.tape.passes.Elementwise`,
            :class:`~autograd_scalar.tape.passes.Nary` and
            :class:`~autograd_scalar.tape.passes.MatMul`).
        instructions: how many there are: the array operations of one forward pass.
    """

    def __init__(self, wengert: WengertList, params: list, group: bool = True, lift: bool = True):
        self.params = params
        self._wengert = wengert
        self._flow = flow(wengert)
        self._layout = Layout(wengert, self._flow.varying, len(params))
        self.schedule: tuple[Instruction, ...] = tuple(
            self._layout.place(instruction)
            for instruction in schedule(wengert, self._flow.varying, group, lift)
        )
        self._plans: dict[int, Plan] = {}
        self._running = threading.Lock()  # a plan's buffers serve one call at a time

    @property
    def instructions(self) -> int:
        """How many array operations one forward pass runs (``len(schedule)``)."""
        return len(self.schedule)

    def passes(self, group: bool = True, lift: bool = True) -> "Tape":
        """The same tape with the grouping and lifting passes switched on or off.

        Every combination computes the same values and gradients; the passes
        only change how many array operations do it (``instructions``).
        """
        return Tape(self._wengert, self.params, group, lift)

    def wengert_list(self) -> list[Node]:
        """The recorded nodes in topological order, for exporters: one
        :class:`~autograd_scalar.tape.recording.Node` ``(op, parents, leaf, label)``
        per node; the last is the output.

        ``op`` is the table's Op (``None`` for a leaf), ``parents`` the node
        indices it reads; ``leaf`` is ``None`` for an op, else a
        :class:`~autograd_scalar.tape.recording.Param` (``index`` into
        ``params``), an :class:`~autograd_scalar.tape.recording.Input`
        (``argument``, ``element``: ``None`` for a number argument) or a
        :class:`~autograd_scalar.tape.recording.Constant` (``value``).
        """
        return list(self._wengert.nodes)

    @property
    def arguments(self) -> list:
        """Per argument of the example: ``None`` for a number, the length of a list."""
        return list(self._wengert.arguments)

    def to_torch(self):
        """The program as a ``torch.nn.Module`` computing it with torch ops over a batch.

        See :func:`autograd_scalar.tape.torch_export.to_torch` (needs the
        ``[torch]`` extra).
        """
        from . import torch_export

        return torch_export.to_torch(self)

    def to_onnx(self, path):
        """Write the program as an ONNX model (float64) to ``path``; returns the path.

        See :func:`autograd_scalar.tape.onnx_export.to_onnx` (needs the
        ``[onnx]`` extra).
        """
        from . import onnx_export

        return onnx_export.to_onnx(self, path)

    def to_text(self) -> str:
        """The Wengert list in v-notation, groups shown as the matrix products they became.

        Leaves first (parameters, inputs, constants; summarised when there are
        many), then one line per instruction in the order they run.
        """
        return wengert_text(self._wengert, self.schedule)

    # -- running ------------------------------------------------------------------------

    def forward(self, *batch):
        """The output of every example of the batch, as a numpy array.

        Each argument has a leading batch axis: a sequence of numbers for a
        number argument of the example, a (batch × m) array or list of lists
        for a list argument of length m.
        """
        with self._running:
            plan = self._run_forward(batch)
            store, row = self._layout.store[-1], self._layout.row[-1]
            return plan.np.broadcast_to(plan.values[store][row], (plan.batch,)).copy()

    def value_and_grad(self, *batch) -> tuple:
        """``(mean of the output over the batch, [∂mean/∂p for p in params])``."""
        with self._running:
            plan = self._run_forward(batch)
            store, row = self._layout.store[-1], self._layout.row[-1]
            plan.adjoints[VARYING][plan.zero_rows] = 0.0  # the other rows are assigned first
            plan.adjoints[INVARIANT].fill(0.0)
            plan.adjoints[store][row] = 1.0 / plan.batch if store == VARYING else 1.0
            with plan.np.errstate(all="ignore"):  # no warnings, as in the forward
                loss = float(plan.values[store][row].mean())
                for _, backward in reversed(plan.steps):
                    if backward is not None:
                        backward()
            return loss, plan.adjoints[INVARIANT][: len(self.params), 0].tolist()

    def backward(self, *batch) -> float:
        """Add the batch-mean gradient to each parameter's ``grad``; the mean loss.

        ``optim.SGD`` and ``optim.Adam`` then step as after ``loss.backward()``.
        """
        loss, grads = self.value_and_grad(*batch)
        for p, g in zip(self.params, grads):
            p.grad += g
        return loss

    def _run_forward(self, batch: tuple) -> Plan:
        plan = self._stage(batch)
        np = plan.np
        plan.values[INVARIANT][: len(self.params), 0] = [p.data for p in self.params]
        with np.errstate(all="ignore"):  # IEEE float64, as Python floats; domain errors raise
            for k, (forward, _) in enumerate(plan.steps):
                try:
                    forward()
                except (ArithmeticError, ValueError) as error:
                    raise self._located(error, self.schedule[k]) from None
        return plan

    def _stage(self, batch: tuple) -> Plan:
        """Check the batch's shapes and copy it into the input rows of its plan."""
        shapes = self._wengert.arguments
        if len(batch) != len(shapes):
            raise TapeError(
                f"the tape takes {len(shapes)} batch arguments "
                f"(one per argument of the example), got {len(batch)}"
            )
        arrays = [_batch_array(arg, a, shape) for a, (arg, shape) in enumerate(zip(batch, shapes))]
        sizes = {array.shape[0] for array in arrays}
        if len(sizes) > 1:
            raise TapeError(f"batch arguments have different lengths {sorted(sizes)}")
        size = sizes.pop() if sizes else 1
        if size == 0:
            raise TapeError("empty batch: the mean over no examples is undefined")
        plan = self._plan(size)
        for array, start in zip(arrays, self._layout.input_rows):
            plan.values[VARYING][start : start + (1 if array.ndim == 1 else array.shape[1])] = (
                array.reshape(size, -1).T
            )
        return plan

    def _plan(self, size: int) -> Plan:
        plan = self._plans.pop(size, None) or Plan(
            self._layout, self.schedule, self._flow.needed, size
        )
        self._plans[size] = plan  # most recently used last
        if len(self._plans) > KEEP_PLANS:
            del self._plans[next(iter(self._plans))]
        return plan

    def _located(self, error: Exception, instruction: Instruction) -> Exception:
        """The error of an array op, naming the tape node and the batch row."""
        index = error_index(error)
        if index is None:
            return error
        node = instruction.nodes[index[0]] if len(index) > 1 else instruction.nodes[0]
        where = (
            f"batch row {index[-1]}"
            if self._flow.varying[node]
            else "from the parameters and constants alone"
        )
        text = formula(instruction.op, [f"v{p}" for p in self._wengert.nodes[node].parents])
        return located(error, f"tape node v{node} = {text}, {where}")


def _batch_array(arg, a: int, shape: Optional[int]):
    """Batch argument ``a`` as a float array of shape (batch,) or (batch, shape)."""
    np = numpy_module()
    try:
        with np.errstate(all="ignore"):
            array = np.asarray(arg, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise TapeError(f"batch argument {a} is not an array of numbers") from None
    want = array.shape[:1] + (() if shape is None else (shape,))
    if array.ndim == 0 or array.shape != want:
        raise TapeError(
            f"batch argument {a} must have shape (batch,"
            f"{'' if shape is None else f' {shape}'}) like the example's "
            f"argument, got shape {array.shape}"
        )
    if not (isinstance(arg, np.ndarray) and arg.dtype.kind == "f") and np.isnan(array).any():
        _no_none(arg, a)  # numpy reads None as nan: only a nan may come from a None
    return array


def _no_none(arg, a: int) -> None:
    """Raise ``TapeError`` naming the first row of batch argument ``a`` that holds a None."""
    for r, row in enumerate(arg):
        cells = list(row) if isinstance(row, (list, tuple, numpy_module().ndarray)) else [row]
        if any(cell is None for cell in cells):
            raise TapeError(
                f"batch argument {a}, row {r} holds None ({row!r}): give a number "
                "(float('nan') if the value is missing on purpose)"
            )
