"""A tape's program as PyTorch ops over a batch: ``tape.to_torch()``.

The tape holds one example's program as a Wengert list of the derivative
table's ops (:meth:`~autograd_scalar.tape.Tape.wengert_list`). Here each op
gets its PyTorch spelling, once, in :data:`TORCH` (keyed by the table's op
names, as a tinygrad renderer's ``code_for_op``), and a ``torch.nn.Module``
runs the list node by node on float64 tensors with a leading batch axis: a
node that reads an input is a vector over the batch, a node of parameters and
constants alone is a 0-d tensor that broadcasts. ``torch.autograd`` then gives
the gradients; no derivative is written here.

Kinks and masks are the engine's because they are PyTorch's, which the table
follows (``ops.Op.masks``): relu'(x) = 0 for x <= 0 and nothing passes there
(``threshold_backward``), abs'(0) = sign(0) = 0, ``x ** y`` passes nothing
to x where y = 0, sqrt'(0) = inf, relu(nan) = nan. The tests check each op
of the table at its masks and kinks, and random programs, against the tape.

Where the engine refuses an argument (``log`` of a negative number, division
by zero, 0 to a negative power) PyTorch computes IEEE float64 instead -- nan
or inf, no error -- so check a batch with the tape first if it may leave an
op's domain.

The module's state: one parameter vector ``params`` (the tape's ``params``
in their order; ``labels`` names each) and a buffer ``constants`` (the
numbers the program closes over). Copy trained values back with
``for p, v in zip(tape.params, module.params.tolist()): p.data = v``.
"""

from __future__ import annotations

import functools
from typing import Any, Callable

from .. import extras, ops
from ..traced import TapeError

__all__ = ["TORCH", "spelling", "to_torch"]


def _stacked(torch, xs):
    """The arguments broadcast to one shape and stacked along a new first axis."""
    return torch.stack(torch.broadcast_tensors(*xs))


def _dot(torch, *wx):
    n = len(wx) // 2
    both = _stacked(torch, wx)
    return (both[:n] * both[n:]).sum(0)


#: Each op of ``ops.TABLE`` in PyTorch: ``TORCH[name](torch, *args)`` on float64
#: tensors (a fixed-arity op's arguments, or an n-ary op's whole list).
TORCH: dict[str, Callable[..., Any]] = {
    "add": lambda torch, x, y: x + y,
    "sub": lambda torch, x, y: x - y,
    "mul": lambda torch, x, y: x * y,
    "div": lambda torch, x, y: x / y,
    "pow": lambda torch, x, y: x**y,  # masks ∂/∂x where y = 0, as the table's pow
    "neg": lambda torch, x: -x,
    "abs": lambda torch, x: x.abs(),  # abs'(0) = sign(0) = 0
    "exp": lambda torch, x: x.exp(),
    "log": lambda torch, x: x.log(),
    "tanh": lambda torch, x: x.tanh(),
    "sigmoid": lambda torch, x: x.sigmoid(),
    "relu": lambda torch, x: x.relu(),  # masks where x <= 0, as the table's relu
    "sin": lambda torch, x: x.sin(),
    "cos": lambda torch, x: x.cos(),
    "sqrt": lambda torch, x: x.sqrt(),  # sqrt'(0) = inf
    "sum": lambda torch, *xs: _stacked(torch, xs).sum(0),
    "dot": _dot,
}


def spelling(op: ops.Op) -> Callable[..., Any]:
    """How PyTorch computes ``op``: its :data:`TORCH` entry, or for a row whose
    batch form is its own float forward (arithmetic, ``SAME``), that forward on
    tensors; ``TapeError`` naming the op otherwise."""
    if op.name in TORCH:
        return TORCH[op.name]
    if op.batch == ops.SAME and op.arity is not None:
        return lambda torch, *args: op.compute(*args)
    raise TapeError(
        f"to_torch: the op {op.name!r} has no PyTorch spelling; add one to TORCH in "
        "autograd_scalar/tape/torch_export.py"
    )


def _compiled(tape) -> tuple:
    """The Wengert list as steps the module runs, and the constants it reads.

    A step is ``("op", spelling, parents)``, ``("param", k)``, ``("input", a, e)``
    or ``("const", j)`` (j indexes the constants).
    """
    steps: list[tuple] = []
    constants: list[float] = []
    for op, parents, leaf, _ in tape.wengert_list():
        if op is not None:
            steps.append(("op", spelling(op), tuple(parents)))
        elif leaf[0] == "const":
            steps.append(("const", len(constants)))
            constants.append(float(leaf[1]))
        else:
            steps.append(tuple(leaf))
    return steps, constants


def to_torch(tape):
    """The tape's program as a ``torch.nn.Module`` (float64, over a batch).

    Call the module as the tape's ``forward``: one argument per argument of
    the recorded example, each with a leading batch axis (``(batch,)`` for a
    number, ``(batch, m)`` for a list of m); it returns the ``(batch,)``
    outputs. ``module(*batch).mean().backward()`` fills ``module.params.grad``
    with what ``tape.value_and_grad(*batch)`` returns.

    Raises:
        MissingExtraError: PyTorch is not installed (the ``[torch]`` extra).
    """
    torch = extras.require("torch", "tape.to_torch()")
    steps, constants = _compiled(tape)
    labels = [p.label for p in tape.params]
    module = _module_class(torch)(
        steps, constants, [p.data for p in tape.params], labels, tape.arguments
    )
    return module


@functools.lru_cache(maxsize=None)
def _module_class(torch):
    """The module class, made once per torch (imported only when an export asks)."""

    class TapeModule(torch.nn.Module):
        """A recorded tape computed with PyTorch ops; see :func:`to_torch`."""

        def __init__(self, steps, constants, params, labels, arguments):
            super().__init__()
            self.params = torch.nn.Parameter(torch.tensor(params, dtype=torch.float64))
            self.register_buffer("constants", torch.tensor(constants, dtype=torch.float64))
            self.labels, self.arguments, self.steps = list(labels), list(arguments), steps

        def extra_repr(self) -> str:
            ops = sum(step[0] == "op" for step in self.steps)
            return f"{ops} ops, {len(self.labels)} parameters, arguments {self.arguments}"

        def forward(self, *batch):
            columns, size = _batch_columns(torch, batch, self.arguments)
            params, constants = self.params.unbind(), self.constants.unbind()
            values = []
            for step in self.steps:
                kind = step[0]
                if kind == "op":
                    args = [values[p] for p in step[2]]
                    values.append(step[1](torch, *args))
                elif kind == "param":
                    values.append(params[step[1]])
                elif kind == "const":
                    values.append(constants[step[1]])
                else:
                    column = columns[step[1]]
                    values.append(column if step[2] is None else column[step[2]])
            return torch.broadcast_to(values[-1], (size,))

    return TapeModule


def _batch_columns(torch, batch: tuple, arguments: list) -> tuple:
    """Each batch argument as float64 (a list argument as its columns), and the batch size.

    Raises ``ValueError`` in one line for a batch that does not fit the example.
    """
    if len(batch) != len(arguments):
        raise ValueError(
            f"the tape takes {len(arguments)} batch arguments "
            f"(one per argument of the example), got {len(batch)}"
        )
    columns, sizes = [], set()
    for a, (arg, length) in enumerate(zip(batch, arguments)):
        try:
            tensor = torch.as_tensor(arg, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError):
            raise ValueError(f"batch argument {a} is not an array of numbers") from None
        want = tuple(tensor.shape[:1]) + (() if length is None else (length,))
        if tensor.ndim == 0 or tuple(tensor.shape) != want:
            raise ValueError(
                f"batch argument {a} must have shape (batch,"
                f"{'' if length is None else f' {length}'}) like the example's "
                f"argument, got shape {tuple(tensor.shape)}"
            )
        columns.append(tensor if length is None else tensor.unbind(1))
        sizes.add(tensor.shape[0])
    if len(sizes) > 1:
        raise ValueError(f"batch arguments have different lengths {sorted(sizes)}")
    size = sizes.pop() if sizes else 1
    if size == 0:
        raise ValueError("empty batch: the tape's mean over no examples is undefined")
    return columns, size
