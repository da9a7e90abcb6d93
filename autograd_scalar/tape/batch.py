"""The tape's instruction set: the derivative table's ops as the tape runs them over a batch.

The one place where the tape reads :mod:`autograd_scalar.ops`. Each row of
the table already runs on numpy arrays of shape (rows × batch) as well as on
floats and Values (its forward, its rules or partials, its masks); here a
row becomes a :class:`BatchOp`, the fields the later stages call, so a
change in how the table writes its batch forms changes this module only.
Also here: the table's protocol for a domain error on a batch (the
element's index, :func:`error_index`) and the one lazy numpy import.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional, cast

from .. import ops

#: A row of the derivative table (the type the recorded nodes carry).
Op = ops.Op

#: The table's ``dot``: what the grouping pass turns into matrix products.
DOT: ops.Op = ops.TABLE["dot"]


def numpy_module():
    """numpy, imported on first use: the scalar engine never needs it."""
    import numpy

    return numpy


def table_op(name: str) -> Optional[ops.Op]:
    """The table's row called ``name`` (``None``: not an op of the table)."""
    return ops.TABLE.get(name)


class BatchOp(NamedTuple):
    """One op of the table as the tape runs it over arrays (rows × batch).

    A fixed-arity op has ``forward(*args)``, one ``rules[j](out, *args)`` per
    argument (or ``constant_local_grads``, numbers) and one ``masks[j](out,
    *args)`` per argument (``None``: never masked). An n-ary op (``sum``,
    ``dot``, ``arity`` None) has ``forward(stacked)`` over its arguments
    stacked on a leading axis and ``partials(out, args)``, every ∂out/∂args[k].
    """

    forward: Callable
    rules: tuple
    constant_local_grads: Optional[tuple]
    masks: tuple
    partials: Optional[Callable]


def batch_form(op: ops.Op) -> BatchOp:
    """How the tape runs ``op`` over a batch: the table's own functions, which
    take numpy arrays as they take floats."""
    if op.arity is None:
        return BatchOp(op.forward, (), None, (), cast(ops.NaryOp, op).partials)
    masks = op.masks or (None,) * op.arity
    return BatchOp(op.forward, op.rules, op.constant_local_grads, masks, None)


def error_index(error: Exception) -> Optional[tuple]:
    """The index of the array element where a batch op's domain error happened
    (``None``: the error did not come from the table's batch check)."""
    return getattr(error, "batch_index", None)


def located(error: Exception, where: str) -> Exception:
    """A batch op's domain error, its message followed by ``where`` (same type,
    same element index)."""
    found = type(error)(f"{error} ({where})")
    found.batch_index = error_index(error)  # type: ignore[attr-defined]  # as the table sets it
    return found
