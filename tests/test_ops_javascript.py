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

import pytest

from autograd_scalar import ops
from autograd_scalar.web import pages
from conftest import assert_close, page_with_script
from op_spec import js_points


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
            assert all(rule.javascript for rule in op.derivatives), (
                f"{name} needs one JavaScript rule per argument"
            )


CASES = [
    pytest.param(name, point, id=f"{name}{point}")
    for name, op in ops.TABLE.items()
    for point in js_points(name, op.arity)
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
