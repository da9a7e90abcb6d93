"""Each rule's text says what its rule computes (sympy reads the text).

The derivative table writes every local-derivative rule twice: as a function
the engine runs, and as text for traces, docs and the README
(``d tanh(x)/dx = 1 - tanh(x)^2``). This test parses the right-hand side of
every text with sympy and evaluates it at sample points, next to the rule
function on the same floats: a rule whose text drifted from its code fails.
"""

import math

import pytest
import sympy

from autograd_scalar import ops
from conftest import assert_close
from op_spec import rule_points

X, Y, XI, WI = sympy.symbols("x y x_i w_i", real=True)
NAMES = {
    "x": X,
    "y": Y,
    "x_i": XI,
    "w_i": WI,
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "tanh": sympy.tanh,
    "sin": sympy.sin,
    "cos": sympy.cos,
    "sign": sympy.sign,
    "sigmoid": lambda z: 1 / (1 + sympy.exp(-z)),
    "step": lambda z: sympy.Heaviside(z, 0),  # 1 for z > 0, else 0
}


def right_hand_side(text: str) -> sympy.Expr:
    """The formula after ``=``, without a trailing note in two-space parentheses."""
    formula = text.split(" = ", 1)[1].split("  (", 1)[0]
    return sympy.sympify(formula.replace("^", "**"), locals=NAMES)


def symbol_values(op, position: int, point: tuple) -> dict:
    """What the text's symbols stand for at argument ``position`` of ``point``."""
    if op.arity is not None:
        return dict(zip((X, Y), point))
    n = len(point) // op.halves
    i = position % n
    return {XI: point[-n + i], WI: point[i]}


CASES = [
    pytest.param(name, point, id=f"{name}{point}")
    for name, op in ops.TABLE.items()
    for point in rule_points(name, op.arity)
]


def test_every_op_has_sample_points():
    assert {name for name, _ in (c.values for c in CASES)} == set(ops.TABLE)


@pytest.mark.parametrize("name, point", CASES)
def test_rule_text_evaluates_to_what_the_rule_function_computes(name, point):
    op = ops.TABLE[name]
    out = op.apply(point)
    computed = op.local_grads(out, point)
    for position, value in enumerate(computed):
        text = op.rule_text_of(position, len(point))
        stated = right_hand_side(text).subs(symbol_values(op, position, point))
        assert math.isfinite(value)
        assert_close(value, float(stated), what=f"{name}{point} argument {position}: {text!r}")
