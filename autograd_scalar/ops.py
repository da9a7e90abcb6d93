"""The derivative table: every primitive operation, declared once.

Each entry of :data:`TABLE` is an :class:`Op`: its name, arity, forward
function on floats, its local-derivative rules ∂out/∂arg (one per argument,
or one function giving all partials for the n-ary ops), and the rules as text.

A rule receives ``(out, *args)``: the op's result and its arguments. Rules are
written only with arithmetic and the generic functions below (``exp``,
``log``, ``cos``, ...), so the *same* rule serves two purposes:

* called with floats it gives the floats stored in ``Value.local_grads`` at
  forward time (the fast path of ``backward()``);
* called with ``Value`` nodes it builds a differentiable graph of the local
  derivative, which is how higher-order derivatives work
  (``backward(create_graph=True)``, ``grad(grad(f))``, ``hvp``).

This mirrors HIPS autograd's ``defvjp`` table and PyTorch's
``derivatives.yaml``: declare once, derive the rest. The engine, the README's
op table, the expression language, the traces and the oracle tests all read
this table, so an op cannot be added without appearing in each of them.

At non-differentiable points the rules follow PyTorch float64:
relu'(0) = 0, abs'(0) = 0, sqrt'(0) = inf.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from functools import cached_property
from typing import Callable, Optional, Sequence

__all__ = ["Op", "TABLE", "UNARY_FUNCTIONS", "describe", "markdown_table"]


# --- generic functions used inside rules: floats in -> float out; ----------
# --- Values in -> Value out (the Value methods dispatch back to TABLE) ------

def _is_float(x) -> bool:
    return type(x) is float or type(x) is int


def exp(x):
    return _exp_forward(x) if _is_float(x) else x.exp()


def log(x):
    return _log_forward(x) if _is_float(x) else x.log()


def sin(x):
    return _sin_forward(x) if _is_float(x) else x.sin()


def cos(x):
    return _cos_forward(x) if _is_float(x) else x.cos()


def power(x, y):
    """x ** y; for floats 0 ** negative gives inf (a derivative's pole), not an error."""
    if _is_float(x) and _is_float(y):
        return math.inf if (x == 0.0 and y < 0.0) else _pow_forward(x, y)
    return x ** y


def data_of(x) -> float:
    """The float behind ``x`` (a float, or a Value's ``data``)."""
    # Inlined type test: relu's rule runs once per ReLU node (-0.5 ms a moons step).
    return x if type(x) is float else (x if type(x) is int else x.data)


def step(x) -> float:
    """Heaviside step 1[x > 0] as a constant: its derivative is 0 everywhere."""
    return 1.0 if data_of(x) > 0 else 0.0


def sign(x) -> float:
    """sign(x) with sign(0) = 0 (PyTorch's abs'(0) = 0), as a constant."""
    v = data_of(x)
    return 1.0 if v > 0 else (-1.0 if v < 0 else 0.0)


# --- forward functions on floats, with errors in the user's terms -----------

def _add_forward(x: float, y: float) -> float:
    return x + y


def _sub_forward(x: float, y: float) -> float:
    return x - y


def _mul_forward(x: float, y: float) -> float:
    return x * y


def _div_forward(x: float, y: float) -> float:
    if y == 0.0:
        raise ZeroDivisionError(f"div: division by zero ({x!r} / {y!r})")
    return x / y


def _pow_forward(x: float, y: float) -> float:
    if x == 0.0 and y < 0.0:
        raise ZeroDivisionError(
            f"pow: 0.0 cannot be raised to the negative power {y!r}")
    if x < 0.0 and math.isfinite(y) and y != int(y):
        raise ValueError(
            f"pow: negative base {x!r} with non-integer exponent {y!r} "
            "has no real value")
    try:
        return x ** y
    except OverflowError:
        # float64 semantics (PyTorch, numpy): overflow gives +-inf, not an error.
        odd = math.isfinite(y) and y == int(y) and int(y) % 2 == 1
        return -math.inf if (x < 0.0 and odd) else math.inf


def _neg_forward(x: float) -> float:
    return -x


def _abs_forward(x: float) -> float:
    return abs(x)


def _exp_forward(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf  # float64 semantics, as in PyTorch and numpy


def _log_forward(x: float) -> float:
    if not x > 0.0:
        if math.isnan(x):
            return math.nan
        raise ValueError(f"log: argument must be positive, got {x!r}")
    return math.log(x)


def _tanh_forward(x: float) -> float:
    return math.tanh(x)


def _sigmoid_forward(x: float) -> float:
    # Two branches so that exp never overflows for large |x|.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _relu_forward(x: float) -> float:
    return x if x > 0.0 else 0.0


def _sin_forward(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else math.nan


def _cos_forward(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def _sqrt_forward(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt: argument must be non-negative, got {x!r}")
    return math.sqrt(x)


def _sum_forward(xs) -> float:
    return sum(xs, 0.0)


def _dot_forward(wx) -> float:
    n = len(wx) // 2
    return sum(map(operator.mul, wx[:n], wx[n:]), 0.0)


# --- local-derivative rules that need a little care --------------------------

def _div_dy(out, x, y):
    return -out / y


def _pow_dx(out, x, y):
    # d x^y/dx = y·x^(y-1); at x = 0 with y = 0 PyTorch gives 0 (0·0^-1).
    # Only there: elsewhere the formula is 0 at y = 0 anyway, and as a graph its
    # derivative in y (x^(y-1) = 1/x at y = 0) must survive for grad of grad.
    if data_of(y) == 0.0 and data_of(x) == 0.0:
        return 0.0
    return y * power(x, y - 1.0)


def _pow_dy(out, x, y):
    # d x^y/dy = x^y·ln x; PyTorch masks x = 0, y >= 0 to 0 and gives nan for x < 0.
    base = data_of(x)
    if base == 0.0 and data_of(y) >= 0.0:
        return 0.0
    if base < 0.0:
        return math.nan
    return out * log(x)


def _sqrt_dx(out, x):
    # sqrt'(0) = inf, as in PyTorch float64 (Python's 0.5/0.0 would raise).
    # Only on floats: as a graph (higher order) a constant inf would claim
    # sqrt''(0) = 0, so there the division runs and names the pole instead.
    if _is_float(out) and out == 0.0:
        return math.inf
    return 0.5 / out


def _sum_partials(out, xs):
    return (1.0,) * len(xs)


def _dot_partials(out, wx):
    # ∂(Σ w_i x_i)/∂w_i = x_i and ∂/∂x_i = w_i: the halves swap.
    n = len(wx) // 2
    return wx[n:] + wx[:n]


# --- the table ---------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    """One primitive: how to compute it and how to differentiate it.

    Attributes:
        name: the op's name, stored in ``Value.op`` (``"tanh"``).
        arity: number of arguments, or ``None`` for n-ary ops (``sum``, ``dot``),
            whose forward and rule take all arguments as ONE tuple (no
            ``*args`` copies of 34 floats per neuron: -0.7 ms a moons step).
        forward: float function computing the result.
        partials: for fixed arity, one rule ``(out, *args) -> ∂out/∂arg_k``
            per argument, or a number when that partial is a constant
            (``add``: 1 and 1); for n-ary ops a single rule returning all partials.
        rules: the rules as text, one per argument (for traces and docs).
        symbol: how graphs and traces write the op (``"+"``, ``"tanh"``).
        infix: True for binary operators written between their operands.
    """

    name: str
    arity: Optional[int]
    forward: Callable[..., float]
    partials: tuple
    rules: tuple
    symbol: str
    infix: bool = False

    @cached_property
    def constant_local_grads(self) -> Optional[tuple]:
        """The partials as one shared tuple when all are constants, else None.

        The engine stores this tuple in every node of the op instead of
        building a new one: 56 bytes less per ``add`` node.
        """
        if self.arity is not None and all(not callable(p) for p in self.partials):
            return tuple(float(p) for p in self.partials)
        return None

    @cached_property
    def rule_functions(self) -> tuple:
        """``partials`` with constants turned into functions returning them."""
        return tuple(rule if callable(rule) else _constant_rule(float(rule))
                     for rule in self.partials)

    def apply(self, args: Sequence[float]) -> float:
        """The forward function on a sequence of floats, whatever the arity.

        Example:
            >>> TABLE["dot"].apply([1.0, 2.0, 3.0, 4.0]), TABLE["mul"].apply([3.0, 4.0])
            (11.0, 12.0)
        """
        return self.forward(tuple(args)) if self.arity is None else self.forward(*args)

    def local_grads(self, out, args: Sequence) -> tuple:
        """All partials ∂out/∂args[k], as floats or as Values (see module doc)."""
        if self.arity is None:
            return tuple(self.partials[0](out, tuple(args)))
        return tuple(rule(out, *args) for rule in self.rule_functions)


def _constant_rule(value: float) -> Callable:
    return lambda out, *args: value

TABLE: dict[str, Op] = {op.name: op for op in [
    Op("add", 2, _add_forward, (1.0, 1.0),
       ("d(x+y)/dx = 1", "d(x+y)/dy = 1"), "+", infix=True),
    Op("sub", 2, _sub_forward, (1.0, -1.0),
       ("d(x-y)/dx = 1", "d(x-y)/dy = -1"), "-", infix=True),
    Op("mul", 2, _mul_forward, (lambda out, x, y: y, lambda out, x, y: x),
       ("d(x*y)/dx = y", "d(x*y)/dy = x"), "*", infix=True),
    Op("div", 2, _div_forward, (lambda out, x, y: 1.0 / y, _div_dy),
       ("d(x/y)/dx = 1/y", "d(x/y)/dy = -x/y^2"), "/", infix=True),
    Op("pow", 2, _pow_forward, (_pow_dx, _pow_dy),
       ("d(x^y)/dx = y*x^(y-1)", "d(x^y)/dy = x^y*ln(x)"), "**", infix=True),
    Op("neg", 1, _neg_forward, (-1.0,),
       ("d(-x)/dx = -1",), "-"),
    Op("abs", 1, _abs_forward, (lambda out, x: sign(x),),
       ("d|x|/dx = sign(x)  (0 at x = 0)",), "abs"),
    Op("exp", 1, _exp_forward, (lambda out, x: out,),
       ("d exp(x)/dx = exp(x)",), "exp"),
    Op("log", 1, _log_forward, (lambda out, x: 1.0 / x,),
       ("d log(x)/dx = 1/x",), "log"),
    Op("tanh", 1, _tanh_forward, (lambda out, x: 1.0 - out * out,),
       ("d tanh(x)/dx = 1 - tanh(x)^2",), "tanh"),
    Op("sigmoid", 1, _sigmoid_forward, (lambda out, x: out * (1.0 - out),),
       ("d sigmoid(x)/dx = sigmoid(x)*(1 - sigmoid(x))",), "sigmoid"),
    Op("relu", 1, _relu_forward, (lambda out, x: step(x),),
       ("d relu(x)/dx = 1 if x > 0 else 0",), "relu"),
    Op("sin", 1, _sin_forward, (lambda out, x: cos(x),),
       ("d sin(x)/dx = cos(x)",), "sin"),
    Op("cos", 1, _cos_forward, (lambda out, x: -sin(x),),
       ("d cos(x)/dx = -sin(x)",), "cos"),
    Op("sqrt", 1, _sqrt_forward, (_sqrt_dx,),
       ("d sqrt(x)/dx = 1/(2*sqrt(x))  (inf at x = 0)",), "sqrt"),
    Op("sum", None, _sum_forward, (_sum_partials,),
       ("d(x_1+...+x_n)/dx_i = 1",), "sum"),
    Op("dot", None, _dot_forward, (_dot_partials,),
       ("d(w.x)/dw_i = x_i", "d(w.x)/dx_i = w_i"), "dot"),
]}

#: The one-argument functions, by name: what the expression language may call.
UNARY_FUNCTIONS = tuple(name for name, op in TABLE.items()
                        if op.arity == 1 and name != "neg")


def describe() -> list[tuple[str, str, str]]:
    """Rows ``(name, arity, rule text)`` of the table, for docs and the README."""
    return [(op.name, "n" if op.arity is None else str(op.arity),
             "; ".join(op.rules)) for op in TABLE.values()]


def markdown_table() -> str:
    """:func:`describe` as a markdown table: the README's op table.

    Example:
        >>> print(markdown_table().splitlines()[2])
        | `add` | 2 | `d(x+y)/dx = 1; d(x+y)/dy = 1` |
    """
    lines = ["| op | arity | local derivative |", "| --- | --- | --- |"]
    for name, arity, rules in describe():
        rules = rules.replace("|", r"\|")  # a pipe would end the table cell (|x|)
        lines.append(f"| `{name}` | {arity} | `{rules}` |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
