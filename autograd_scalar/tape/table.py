"""The tape's instruction set: the derivative table's ops, as the tape's stages read them.

The one place where the stages of the tape (recording, passes, layout,
bind, replay, text) read :mod:`autograd_scalar.ops`: which nodes are rows
of the table (:func:`table_op`), how a row runs over a batch of rows
(:func:`batch_form`: its forward, rules or partials and masks, which take
numpy arrays of shape (rows × batch) as they take floats), how a row
writes its formula (:func:`formula`), the table's ``dot`` that the grouping
pass turns into matrix products (:data:`DOT`), and the table's protocol for
a domain error on a batch (:func:`error_index`, :func:`located`). A change
in how the table writes any of these changes this module only.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional, Sequence

from .. import extras, ops
from . import batch

#: A row of the derivative table (the type the recorded nodes carry).
Op = ops.Op

#: The table's ``dot``: what the grouping pass turns into matrix products.
DOT: ops.Op = ops.TABLE["dot"]


def numpy_module():
    """numpy, imported on first use: the scalar engine never needs it."""
    return extras.numpy()


def table_op(op: object, arity: int) -> Optional[ops.Op]:
    """The table's row that a node's ``op`` is, for a node with ``arity``
    parents; ``None`` when it is no row of the table (a node built by hand
    with float ``local_grads``, or with another number of arguments)."""
    row = ops.TABLE.get(op) if isinstance(op, str) else None
    if row is None or row is not op or (row.arity is not None and row.arity != arity):
        return None
    batch.forms(row)  # an op with no batch form is refused here, by name
    return row


def formula(op: ops.Op, args: Sequence[str]) -> str:
    """The formula computing ``op`` from the argument names ``args`` (``v2 * v3``)."""
    return op.formula(args)


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
    forms = batch.forms(op)
    return BatchOp(forms.forward, forms.rules, op.constant_local_grads, forms.masks, forms.partials)


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
