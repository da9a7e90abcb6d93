"""The functions derivative rules are written with, for floats, Values and batches.

A rule of the derivative table (:mod:`autograd_scalar.ops`) is arithmetic
plus the functions of this module (``exp``, ``log``, ``cos``, ``power``,
``step``, ``sign``, ...). The argument's type picks the interpreter, here
and nowhere else, so one rule serves three purposes:

* floats: the numbers stored in ``Value.local_grads`` at forward time, with
  float64 semantics (overflow gives inf, log 0 = -inf, a negative base to a
  non-integer power is nan) and never an exception: a rule runs only where
  the op's forward has already checked its domain;
* Values: the ``Value`` method, so the rule builds a differentiable graph
  (higher-order derivatives: grad of grad, Hessian-vector products);
* numpy arrays (a tape's batch of rows): numpy's function, elementwise.

The float functions are also the table's forwards: a row adds its domain
check (:class:`autograd_scalar.ops.Domain`) in front of one of them.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from . import extras

__all__ = [
    "exp",
    "log",
    "sin",
    "cos",
    "power",
    "step",
    "sign",
    "data_of",
    "float_exp",
    "float_log",
    "float_sin",
    "float_cos",
    "float_sqrt",
    "float_sigmoid",
    "float_relu",
    "float_power",
]


# -- on floats: float64 semantics, no exception -------------------------------------


def float_exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf  # float64 semantics, as in PyTorch and numpy


def float_log(x: float) -> float:
    """log x; log 0 = -inf and log of a negative number is nan (IEEE)."""
    if x > 0.0:
        return math.log(x)
    return -math.inf if x == 0.0 else math.nan


def float_sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else math.nan  # nan at +-inf, as numpy


def float_cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def float_sqrt(x: float) -> float:
    return math.sqrt(x) if x >= 0.0 else math.nan  # sqrt(-0.0) = -0.0, as IEEE


def float_sigmoid(x: float) -> float:
    # Two branches so that exp never overflows for large |x|.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def float_relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # relu(nan) is nan, as in PyTorch: NaNs never vanish


def float_power(x: float, y: float) -> float:
    """x ** y with float64 semantics, as C99's pow, numpy and PyTorch: ±0 to a
    negative power is ±inf (-inf for -0.0 and an odd integer y), overflow is
    ±inf, a negative base to a non-integer power is nan."""
    odd = math.isfinite(y) and y == int(y) and int(y) % 2 == 1
    if x == 0.0 and y < 0.0:
        return math.copysign(math.inf, x) if odd else math.inf
    if x < 0.0 and math.isfinite(y) and y != int(y):
        return math.nan
    try:
        return x**y
    except OverflowError:
        return -math.inf if (x < 0.0 and odd) else math.inf


# -- one function, three interpreters -------------------------------------------------


def _is_float(x) -> bool:
    return type(x) is float or type(x) is int


def _is_batch(x) -> bool:
    """Whether ``x`` is a numpy array (or scalar), tested without importing numpy."""
    return hasattr(x, "__array_ufunc__")


def _generic(name: str, on_float: Callable[[float], float]) -> Callable:
    """``name(x)``: ``on_float`` for floats, numpy's ``name`` for arrays, else the
    Value method ``name``."""

    def function(x):
        if type(x) is float or type(x) is int:
            return on_float(x)
        if _is_batch(x):
            return getattr(extras.numpy(), name)(x)
        return getattr(x, name)()

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name}(x) for a float, a Value or a numpy array (see the module doc)."
    return function


exp = _generic("exp", float_exp)
log = _generic("log", float_log)
sin = _generic("sin", float_sin)
cos = _generic("cos", float_cos)


def power(x, y):
    """x ** y: :func:`float_power` on floats, numpy's on arrays, the Value operator otherwise."""
    if _is_float(x) and _is_float(y):
        return float_power(x, y)
    if _is_batch(x) or _is_batch(y):
        return extras.numpy().power(x, y)
    return x**y


def data_of(x) -> Any:
    """The float behind ``x`` (a float, or a Value's ``data``); an array stays itself."""
    return x if type(x) is float or type(x) is int or _is_batch(x) else x.data


def step(x):
    """Heaviside step 1[x > 0] as a constant: its derivative is 0 everywhere.

    Example:
        >>> step(2.0), step(0.0)
        (1.0, 0.0)
    """
    v = data_of(x)
    if type(v) is not float and _is_batch(v):
        return (v > 0.0).astype(float)
    return 1.0 if v > 0 else 0.0


def sign(x):
    """sign(x) with sign(0) = 0 and sign(nan) = 0 (PyTorch's abs'), as a constant.

    Example:
        >>> sign(-3.0), sign(0.0), sign(math.nan)
        (-1.0, 0.0, 0.0)
    """
    v = data_of(x)
    if type(v) is not float and _is_batch(v):
        # Not numpy.sign: it gives nan at nan, where abs'(nan) is 0 (as below, as PyTorch).
        return (v > 0.0).astype(float) - (v < 0.0)
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)
