"""The derivative table over a batch: each row's batch forms as numpy functions.

A tape replays one example's program over numpy arrays, one element per
example. Each row of :data:`autograd_scalar.ops.TABLE` says how it runs
there, in its ``batch`` field and in each rule's (JAX keeps such a table per
interpretation, ``vmap_rules``, with ``defvectorized`` as the default):

* ``SAME``: the float function itself (arithmetic, comparisons and the
  functions of :mod:`autograd_scalar.generic` work on arrays);
* ``"numpy.<name>"``: numpy's function of that name;
* any other name: one of the :data:`HELPERS` below;
* ``None``: no batch form; the tape refuses the op, naming it.

:func:`forms` resolves a row once into its :class:`BatchForms`: the forward
behind the batch checks of its domain (the same :class:`~autograd_scalar.ops.Domain`
the float forward checks: the first invalid element raises the float path's
message, and the error carries ``batch_index``, so the tape can name the
batch row), one function per rule and the masks. This is the one place
where the tape reads the table's batch fields.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Callable, Optional

from .. import extras, ops
from ..traced import TapeError

__all__ = ["BatchForms", "HELPERS", "forms"]


@dataclass(frozen=True)
class BatchForms:
    """How one row of the table runs on arrays.

    ``forward(*arrays)`` (an n-ary op: ``forward(stacked)``, the arguments
    along the first axis); ``rules[k](out, *arrays)``, the partial in
    argument k (empty for an n-ary op); ``masks[k]`` a predicate or ``None``;
    ``partials(out, stacked)``, every partial of an n-ary op.
    """

    forward: Callable
    rules: tuple
    masks: tuple
    partials: Optional[Callable] = None


# -- the named helpers: where numpy needs its own spelling ------------------------------


def _sigmoid(x):
    np = extras.numpy()
    z = np.exp(-np.abs(x))  # two branches, as the float forward: exp never overflows
    return np.where(x >= 0.0, 1.0 / (1.0 + z), z / (1.0 + z))


def _relu(x):
    return extras.numpy().where(x <= 0.0, 0.0, x)  # nan stays nan, as on floats


def _relu_dx(out, x):
    return extras.numpy().where(x <= 0.0, 0.0, 1.0)  # 1 at nan, as on floats


def _sqrt_dx(out, x):
    return 0.5 / out  # ±inf at ±0 already, as the float rule's pole


def _pow_dx(out, x, y):
    np = extras.numpy()
    return np.where(y == 0.0, 0.0, y * np.power(x, y - 1.0))  # 0 at y = 0, as on floats


def _pow_dy(out, x, y):
    np = extras.numpy()
    ln = np.where(x < 0.0, math.nan, out * np.log(x))
    return np.where((x == 0.0) & (y >= 0.0), 0.0, ln)  # as the float rule's cases


def _sum(xs):
    return xs.sum(axis=0)  # the arguments stacked along the first axis


#: Batch forms that are neither the float function nor one numpy function.
HELPERS: dict[str, Callable] = {
    "sigmoid": _sigmoid,
    "relu": _relu,
    "relu_dx": _relu_dx,
    "sqrt_dx": _sqrt_dx,
    "pow_dx": _pow_dx,
    "pow_dy": _pow_dy,
    "sum": _sum,
}


# -- resolving a row ------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def forms(op: ops.Op) -> BatchForms:
    """The row's batch forms; ``TapeError`` naming the op if it has none.

    Example:
        >>> import numpy
        >>> forms(ops.TABLE["sigmoid"]).forward(numpy.array([0.0, 800.0])).tolist()
        [0.5, 1.0]
    """
    forward = _resolved(op, op.batch, op.compute, "forward")
    if op.domain:
        forward = _checked(forward, op.domain)
    if isinstance(op, ops.NaryOp):
        partials = _resolved(op, op.batch_partials, op.partials, "partials")
        return BatchForms(forward, (), (), partials)
    rules = tuple(
        _resolved(op, rule.batch, rule.function, f"rule for argument {k}")
        for k, rule in enumerate(op.derivatives)
    )
    return BatchForms(forward, rules, op.masks or (None,) * len(rules))


def _resolved(op: ops.Op, form: Optional[str], same: Callable, what: str) -> Callable:
    found: Optional[Callable] = None
    if form == ops.SAME:
        found = same
        _probe(op, same, what)
    elif form is not None and form.startswith("numpy."):
        found = getattr(extras.numpy(), form.split(".", 1)[1], None)
    elif form is not None:
        found = HELPERS.get(form)
    if found is None:
        raise TapeError(
            f"{op.name}: the derivative table gives its {what} no batch form "
            f"({form!r}), so a tape cannot replay it; give its row batch=SAME, "
            "'numpy.<name>' or a helper of autograd_scalar.tape.batch"
        )
    return found


def _probe(op: ops.Op, function: Callable, what: str) -> None:
    """Run a SAME form once on small arrays: a float-only function (``math.*``)
    fails here, naming the op, not later with numpy's bare conversion error."""
    np = extras.numpy()
    n = 2 if op.arity is None else op.arity
    args = [np.full(3, 0.5) for _ in range(n)]
    with np.errstate(all="ignore"):
        try:
            if what == "forward":
                function(*args) if op.arity is not None else function(np.stack(args))
            elif op.arity is None:
                function(np.full(3, 0.5), np.stack(args))
            else:
                function(np.full(3, 0.5), *args)
        except TypeError as error:
            raise TapeError(
                f"{op.name}: its {what} does not run on numpy arrays ({error}); give its "
                "row of the derivative table a batch form: 'numpy.<name>' or a helper "
                "of autograd_scalar.tape.batch"
            ) from None


def _checked(forward: Callable, domain: tuple) -> Callable:
    def checked(*args):
        for part in domain:
            _refuse(part, part.bad(*args), args)
        return forward(*args)

    return checked


def _refuse(part: ops.Domain, condition, args: tuple) -> None:
    """Raise the domain's error at the first element where ``condition`` holds.

    The message is the float forward's, at that element's numbers; the
    exception carries ``batch_index`` (the element's index tuple).
    """
    np = extras.numpy()
    if not np.any(condition):
        return
    index = np.unravel_index(int(np.flatnonzero(condition)[0]), np.shape(condition))
    error = part.error(part.message_for(*(_item(a, index) for a in args)))
    error.batch_index = index
    raise error


def _item(x, index) -> float:
    """The float at ``index`` of ``x`` broadcast to the index's shape (x may be a row)."""
    x = extras.numpy().asarray(x)
    return float(
        x[tuple(min(i, n - 1) for i, n in zip(index[-x.ndim :], x.shape))] if x.ndim else x
    )
