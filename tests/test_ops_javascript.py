"""The derivative table's JavaScript equals its Python, op by op, in a real browser.

Live pages recompute every value and gradient in the browser from the
JavaScript expressions that each entry of ``ops.TABLE`` carries beside its
Python forward and rules. Headless Chromium evaluates them at sample points
(ordinary values, kinks such as relu and abs at 0, domain edges such as
sqrt(0), 0 ** 2 and overflow to inf) and they must equal the Python table to
1e-12 (inf and nan exactly). Where Python raises a domain error, JavaScript
must throw the same message; where an op masks the gradient (relu at x <= 0),
the JavaScript mask must hold at the same points. An op without JavaScript fails here.
"""

import math

import pytest

from autograd_scalar import ops
from autograd_scalar.web import pages
from conftest import assert_close, page_with_script

INF, NAN = math.inf, math.nan
UNARY = [(-1.3,), (0.0,), (0.4,), (2.5,), (-800.0,), (800.0,)]
POINTS = {
    "add": [(0.7, -1.3), (1e308, 1e308)],
    "sub": [(0.7, -1.3), (2.5, 2.5)],
    "mul": [(1.5, -2.0), (0.0, 4.0)],
    "div": [(1.5, 0.4), (0.0, 2.0), (1.0, 0.0), (-3.0, 1e-300)],
    "pow": [
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
    "log": [
        (0.3,),
        (1.0,),
        (2.5,),
        (0.0,),
        (-1.0,),
        (1e-300,),
        (-INF,),
        (-1.0000000000065512e-05,),
    ],
    "relu": UNARY + [(-0.0,)],
    "sqrt": [(0.25,), (0.0,), (9.0,), (-1.0,), (-INF,), (-1e16,), (-1.5e-300,)],
    "sum": [(0.5, -1.25, 2.0), (1.0, 2.0, 3.0, 4.0)],
    "dot": [(0.5, -1.5, 2.0, 3.0, 0.25, -4.0), (1.0, 2.0, -3.0, 4.0)],
}


def python_result(op, point) -> dict:
    """What the Python table gives at ``point``: value and partials, or the error message."""
    try:
        out = op.apply(point)
    except (ValueError, ZeroDivisionError) as error:
        return {"error": str(error)}
    masks = [] if op.arity is None else list(op.masked(out, point))
    return {
        "value": out,
        "partials": [float(g) for g in op.local_grads(out, point)],
        "masks": masks,
    }


EVALUATE = """([name, point]) => {
  const op = agsOps[name], code = (x) => (isFinite(x) ? x : String(x).replace("Infinity", "inf")
                                          .replace("NaN", "nan"));
  try {
    const out = op.nary ? op.forward(point) : op.forward(...point);
    const partials = op.nary ? op.partials(out, point) : op.rules.map((r) => r(out, ...point));
    const masks = op.nary ? [] : op.masks.map((m) => Boolean(m(out, ...point)));
    return {value: code(out), partials: partials.map(code), masks: masks};
  } catch (e) { return {error: e.message}; }
}"""


@pytest.fixture(scope="module")
def page(browser):
    return page_with_script(browser, pages.ops_script())


def test_every_op_carries_javascript_for_its_forward_and_each_rule():
    for name, op in ops.TABLE.items():
        assert op.js, f"{name} has no JavaScript forward"
        if op.arity is None:
            assert op.js_partials, f"{name} has no JavaScript partials"
        else:
            assert len(op.js_rules) == op.arity and all(op.js_rules), (
                f"{name} needs one JavaScript rule per argument"
            )


CASES = [
    pytest.param(name, point, id=f"{name}{point}")
    for name, op in ops.TABLE.items()
    for point in POINTS.get(name, UNARY if op.arity == 1 else [])
]


def test_every_op_is_sampled():
    assert {c.values[0] for c in CASES} == set(ops.TABLE)


@pytest.mark.parametrize("name, point", CASES)
def test_javascript_forward_and_rules_equal_the_python_table(page, name, point):
    expected = python_result(ops.TABLE[name], point)
    got = page.evaluate(EVALUATE, [name, list(point)])
    if "error" in expected:
        assert got == {"error": expected["error"]}, f"{name}{point}"
        return
    assert "error" not in got, f"{name}{point}: JavaScript threw {got}"
    assert_close(float(got["value"]), expected["value"], what=f"{name}{point} forward")
    assert len(got["partials"]) == len(expected["partials"])
    for k, (js, py) in enumerate(zip(got["partials"], expected["partials"])):
        assert_close(float(js), py, what=f"{name}{point} partial {k}")
    assert got["masks"] == expected["masks"], f"{name}{point} masks"
