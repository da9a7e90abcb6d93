"""What the tests know about each op of the derivative table: one entry per op.

``ops.TABLE`` says what an op is; :data:`SPEC` says how the tests check it,
in one place (as HIPS autograd's ``unary_ufunc_check(np.log, lims=...)``):

* ``engine``, ``sym``, ``torch``: the op through the public API on Values,
  on sympy symbols (exact derivatives) and on PyTorch float64 tensors
  (the oracle tests, the random programs, the exports);
* ``points``: argument tuples inside the op's domain for the oracle tests;
* ``safe``: the operands the random graphs may give it (inside its domain,
  away from poles, results that stay moderate);
* ``rule_points``: where its rule text is evaluated beside its rule
  function (default: a few points for its arity);
* ``js_points``: where the browser's JavaScript is compared with Python
  (default for one argument: ordinary values, 0 and ±800; an op of two
  arguments lists its own, kinks and domain edges included).

A test that needs one of these facts reads it here, and a test checks that
every op of the table has an entry: adding an op is one row of the table
plus one entry below.
"""

from dataclasses import dataclass
from typing import Callable, Optional

import sympy
import torch

import autograd_scalar as ag
from autograd_scalar import Value

INF, NAN = float("inf"), float("nan")


def ALWAYS(*args) -> bool:
    return True


@dataclass(frozen=True)
class OpSpec:
    engine: Callable  # the op through autograd_scalar's public API, on Values
    sym: Callable  # the op on sympy symbols
    torch: Callable  # the op on float64 tensors
    points: tuple  # argument tuples inside the op's domain
    safe: Callable = ALWAYS  # operands the random graphs may give it
    rule_points: Optional[list] = None  # where its rule text is checked (default by arity)
    js_points: Optional[list] = None  # where its JavaScript is checked (default by arity)


def _half(args):
    n = len(args) // 2
    return args[:n], args[n:]


#: Sample points of the rule-text test for an op that gives none, by arity.
RULE_POINTS = {1: [(-1.3,), (0.4,), (2.5,)], 2: [(0.7, -1.3), (2.5, 4.0)]}
#: Sample points of the JavaScript test for a one-argument op that gives none.
JS_POINTS = [(-1.3,), (0.0,), (0.4,), (2.5,), (-800.0,), (800.0,)]


SPEC = {
    "add": OpSpec(
        lambda x, y: x + y,
        lambda x, y: x + y,
        torch.add,
        ((0.7, -1.3), (2.5, 4.0), (-3.0, 0.25)),
        js_points=[(0.7, -1.3), (1e308, 1e308)],
    ),
    "sub": OpSpec(
        lambda x, y: x - y,
        lambda x, y: x - y,
        torch.sub,
        ((0.7, -1.3), (2.5, 4.0), (-3.0, 0.25)),
        js_points=[(0.7, -1.3), (2.5, 2.5)],
    ),
    "mul": OpSpec(
        lambda x, y: x * y,
        lambda x, y: x * y,
        torch.mul,
        ((1.5, -2.0), (0.3, 0.3), (-0.7, 4.25)),
        js_points=[(1.5, -2.0), (0.0, 4.0)],
    ),
    "div": OpSpec(
        lambda x, y: x / y,
        lambda x, y: x / y,
        torch.div,
        ((1.5, 0.4), (-3.0, 2.0), (0.2, -0.7)),
        safe=lambda x, y: abs(y) > 0.2,
        rule_points=[(1.5, 0.4), (-3.0, 2.0)],
        js_points=[(1.5, 0.4), (0.0, 2.0), (1.0, 0.0), (-3.0, 1e-300)],
    ),
    "pow": OpSpec(
        lambda x, y: x**y,
        lambda x, y: x**y,
        torch.pow,
        ((1.7, 2.5), (0.6, -1.5), (2.0, 3.0), (3.0, 0.5)),
        safe=lambda x, y: 0.2 < abs(x) < 5.0 and abs(y) <= 3.0 and (x > 0 or y == int(y)),
        rule_points=[(1.7, 2.5), (0.6, -1.5), (3.0, 0.5)],
        js_points=[
            (1.7, 2.5),
            (0.6, -1.5),
            (0.0, 2.0),
            (0.0, 0.0),
            (2.0, 0.0),
            (-2.0, 3.0),
            (-2.0, 0.5),
            (0.0, -1.0),
            (10.0, 400.0),
            (-10.0, 401.0),
            (3.0, 0.5),
            (0.0, 3.0),
            # Where C99's pow (Python's) gives 1 and ECMAScript's Math.pow gives NaN.
            (1.0, NAN),
            (1.0, INF),
            (1.0, -INF),
            (-1.0, INF),
            (-1.0, -INF),
            (NAN, 0.0),
            (-1.0, NAN),
            (-INF, 0.5),
            (-1e-5, 0.5),
            (-0.0, -1.0),
        ],
    ),
    "neg": OpSpec(lambda x: -x, lambda x: -x, torch.neg, ((-1.0,), (2.5,))),
    "abs": OpSpec(abs, sympy.Abs, torch.abs, ((-2.0,), (0.75,))),
    "exp": OpSpec(
        Value.exp, sympy.exp, torch.exp, ((-2.0,), (0.5,), (3.0,)), safe=lambda x: x < 4.0
    ),
    "log": OpSpec(
        Value.log,
        sympy.log,
        torch.log,
        ((0.3,), (1.0,), (2.5,), (10.0,)),
        safe=lambda x: x > 0.2,
        rule_points=[(0.3,), (2.5,)],
        js_points=[
            (0.3,),
            (1.0,),
            (2.5,),
            (0.0,),
            (-1.0,),
            (1e-300,),
            (-INF,),
            (-1.0000000000065512e-05,),
        ],
    ),
    "tanh": OpSpec(Value.tanh, sympy.tanh, torch.tanh, ((-1.2,), (0.3,), (2.0,))),
    "sigmoid": OpSpec(
        Value.sigmoid, lambda x: 1 / (1 + sympy.exp(-x)), torch.sigmoid, ((-3.0,), (0.0,), (1.5,))
    ),
    "relu": OpSpec(
        Value.relu,
        lambda x: sympy.Piecewise((x, x > 0), (0, True)),
        torch.relu,
        ((-1.5,), (0.5,), (3.0,)),
        js_points=JS_POINTS + [(-0.0,)],
    ),
    "sin": OpSpec(Value.sin, sympy.sin, torch.sin, ((-1.0,), (0.5,), (2.5,))),
    "cos": OpSpec(Value.cos, sympy.cos, torch.cos, ((-1.0,), (0.5,), (2.5,))),
    "sqrt": OpSpec(
        Value.sqrt,
        sympy.sqrt,
        torch.sqrt,
        ((0.25,), (2.0,), (9.0,)),
        safe=lambda x: x > 0.2,
        rule_points=[(0.25,), (9.0,)],
        js_points=[(0.25,), (0.0,), (9.0,), (-1.0,), (-INF,), (-1e16,), (-1.5e-300,)],
    ),
    "sum": OpSpec(
        lambda *xs: ag.sum(xs),
        lambda *xs: sympy.Add(*xs),
        lambda *xs: torch.stack(xs).sum(),
        ((0.5, -1.25, 2.0), (1.0, 2.0, 3.0, 4.0), (-0.3, 0.7, 1.1, -2.2, 5.5)),
        rule_points=[(0.5, -1.25, 2.0)],
        js_points=[(0.5, -1.25, 2.0), (1.0, 2.0, 3.0, 4.0)],
    ),
    "dot": OpSpec(
        lambda *wx: ag.dot(*_half(wx)),
        lambda *wx: sympy.Add(*[w * x for w, x in zip(*_half(wx))]),
        lambda *wx: torch.dot(torch.stack(_half(wx)[0]), torch.stack(_half(wx)[1])),
        (
            (0.5, -1.5, 2.0, 3.0, 0.25, -4.0),
            (1.0, 2.0, 3.0, 4.0, -0.5, 0.5, 1.5, 2.5),
            (0.1, 0.2, 0.3, 0.4, 0.5, -1.0, -2.0, 3.0, -4.0, 5.0),
        ),
        rule_points=[(0.5, -1.5, 2.0, 3.0, 0.25, -4.0)],
        js_points=[(0.5, -1.5, 2.0, 3.0, 0.25, -4.0), (1.0, 2.0, -3.0, 4.0)],
    ),
    # (new entries go above this line)
}


def rule_points(name: str, arity: Optional[int]) -> list:
    """Where the rule-text test evaluates the op's rules."""
    given = SPEC[name].rule_points
    return given if given is not None else RULE_POINTS.get(arity, [])


def js_points(name: str, arity: Optional[int]) -> list:
    """Where the JavaScript test compares the op with Python."""
    given = SPEC[name].js_points
    return given if given is not None else (JS_POINTS if arity == 1 else [])
