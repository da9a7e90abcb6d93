"""Every op of the derivative table against two independent oracles.

For each op in ``autograd_scalar.ops.TABLE`` the tests' op spec
(``op_spec.SPEC``) gives how the public API spells it, a sympy builder (exact derivatives, evaluated
at the exact binary value of the float inputs) and a PyTorch float64 function
(torch.autograd). The tests check, at several points of the op's domain:
the forward value, every first partial (``backward()``), every second partial
(``gradients(create_graph=True)`` and nested ``grad``), and the forward-mode
``jvp``. ``test_oracle_covers_every_op_of_the_table`` makes an op without an
oracle entry fail the suite: a new op cannot land untested.
"""

from functools import lru_cache

import pytest
import sympy
import torch

import autograd_scalar as ag
from autograd_scalar import Value, ops
from conftest import assert_close, torch_float, torch_gradient, torch_hessian, torch_leaves
from op_spec import SPEC

#: The oracle of each op: its spellings and points, from the tests' op spec.
ORACLE = SPEC

CASES = [
    pytest.param(name, point, id=f"{name}{point}")
    for name, oracle in ORACLE.items()
    for point in oracle.points
]


# -- the oracles ------------------------------------------------------------------


@lru_cache(maxsize=None)
def _sympy_derivatives(name: str, nargs: int):
    """(symbols, expression, gradient, Hessian) of the op, exact."""
    symbols = sympy.symbols(f"s0:{nargs}", real=True)
    expr = ORACLE[name].sym(*symbols)
    gradient = [sympy.diff(expr, s) for s in symbols]
    hessian = [[sympy.diff(g, s) for s in symbols] for g in gradient]
    return symbols, expr, gradient, hessian


def _sympy_at(expr, symbols, point) -> float:
    # sympy.Rational(float) is the float's exact binary value: the truth at the
    # very input the engine sees, not at the nearby decimal.
    exact = expr.subs({s: sympy.Rational(p) for s, p in zip(symbols, point)})
    return float(sympy.N(exact, 40))


def _sympy_oracle(name, point):
    symbols, expr, gradient, hessian = _sympy_derivatives(name, len(point))
    return (
        _sympy_at(expr, symbols, point),
        [_sympy_at(g, symbols, point) for g in gradient],
        [[_sympy_at(h, symbols, point) for h in row] for row in hessian],
    )


def _torch_oracle(name, point):
    xs = torch_leaves(point)
    out = ORACLE[name].torch(*xs)
    gradient = [torch_float(g) for g in torch_gradient(out, xs)]
    return torch_float(out), gradient, torch_hessian(ORACLE[name].torch, point)


def _engine(name, point):
    leaves = [Value(p) for p in point]
    return leaves, ORACLE[name].engine(*leaves)


# -- the tests -------------------------------------------------------------------------


def test_oracle_covers_every_op_of_the_table():
    assert set(ORACLE) == set(ops.TABLE)


def test_every_op_is_checked_with_all_its_argument_counts():
    fixed = {name: op.arity for name, op in ops.TABLE.items() if op.arity is not None}
    for name, arity in fixed.items():
        assert {len(p) for p in ORACLE[name].points} == {arity}, name
    assert {len(p) for p in ORACLE["sum"].points} == {3, 4, 5}
    assert {len(p) // 2 for p in ORACLE["dot"].points} == {3, 4, 5}


@pytest.mark.parametrize("name, point", CASES)
def test_public_api_builds_one_node_of_the_tables_op(name, point):
    leaves, out = _engine(name, point)
    assert out.op == name
    assert out.parents == tuple(leaves)


@pytest.mark.parametrize("name, point", CASES)
def test_forward_value_matches_sympy_and_torch(name, point):
    _, out = _engine(name, point)
    exact, _, _ = _sympy_oracle(name, point)
    float64, _, _ = _torch_oracle(name, point)
    assert_close(out.data, exact, what=f"{name}{point} vs sympy")
    assert_close(out.data, float64, what=f"{name}{point} vs torch")
    assert_close(ops.TABLE[name].apply(point), exact, what=f"{name}.forward{point}")


@pytest.mark.parametrize("name, point", CASES)
def test_first_derivatives_by_backward_match_sympy_and_torch(name, point):
    leaves, out = _engine(name, point)
    out.backward()
    _, exact, _ = _sympy_oracle(name, point)
    _, float64, _ = _torch_oracle(name, point)
    for k, leaf in enumerate(leaves):
        assert_close(leaf.grad, exact[k], what=f"d{name}/darg{k} at {point} vs sympy")
        assert_close(leaf.grad, float64[k], what=f"d{name}/darg{k} at {point} vs torch")


@pytest.mark.parametrize("name, point", CASES)
def test_local_grads_are_the_tables_partials_at_the_forward_values(name, point):
    _, out = _engine(name, point)
    _, exact, _ = _sympy_oracle(name, point)
    assert len(out.local_grads) == len(point)
    for k, local in enumerate(out.local_grads):
        assert_close(local, exact[k], what=f"local_grads[{k}] of {name}{point}")


@pytest.mark.parametrize("name, point", CASES)
def test_second_derivatives_by_create_graph_match_sympy_and_torch(name, point):
    leaves, out = _engine(name, point)
    first = ag.gradients(out, leaves, create_graph=True)
    _, _, exact = _sympy_oracle(name, point)
    _, _, float64 = _torch_oracle(name, point)
    for i, g in enumerate(first):
        row = ag.gradients(g, leaves) if isinstance(g, Value) else [0.0] * len(leaves)
        for j, h in enumerate(row):
            what = f"d2{name}/darg{i}darg{j} at {point}"
            assert_close(h, exact[i][j], what=what + " vs sympy")
            assert_close(h, float64[i][j], what=what + " vs torch")


@pytest.mark.parametrize("name, point", CASES)
def test_second_derivatives_by_nested_grad_match_sympy(name, point):
    _, _, exact = _sympy_oracle(name, point)
    f = ORACLE[name].engine
    for i in range(len(point)):
        for j in range(len(point)):
            h = ag.grad(ag.grad(f, argnums=i), argnums=j)(*point)
            assert_close(h, exact[i][j], what=f"grad(grad({name}, {i}), {j}) at {point}")


@pytest.mark.parametrize("name, point", CASES)
def test_forward_mode_jvp_matches_sympy_directional_derivative(name, point):
    tangent = [1.0 + 0.5 * k for k in range(len(point))]
    value, directional = ag.jvp(ORACLE[name].engine, point, tangent)
    exact_value, exact_gradient, _ = _sympy_oracle(name, point)
    assert_close(value, exact_value, what=f"jvp value of {name}{point}")
    assert_close(
        directional,
        sum(g * t for g, t in zip(exact_gradient, tangent)),
        what=f"jvp of {name}{point} along {tangent}",
    )


# -- points where the derivative is not classical: follow PyTorch float64 ---------------

EDGE_CASES = [
    ("relu", (0.0,)),
    ("abs", (0.0,)),
    ("sqrt", (0.0,)),
    ("pow", (0.0, 2.0)),
    ("pow", (0.0, 0.0)),
    ("pow", (0.0, 0.5)),
    ("pow", (0.0, 1.0)),
    ("pow", (2.0, 0.0)),
    ("pow", (-1.5, 3.0)),
    ("pow", (-1.5, 2.0)),
    ("pow", (-1.5, 0.0)),
]


@pytest.mark.parametrize("name, point", EDGE_CASES, ids=[f"{n}{p}" for n, p in EDGE_CASES])
def test_non_differentiable_points_follow_torch_float64(name, point):
    leaves, out = _engine(name, point)
    out.backward()
    float64, gradient, _ = _torch_oracle(name, point)
    assert_close(out.data, float64, what=f"{name}{point}")
    for k, leaf in enumerate(leaves):
        assert_close(leaf.grad, gradient[k], what=f"d{name}/darg{k} at {point} vs torch")


def test_documented_non_differentiable_derivatives():
    # The contract at the kinks, spelled out: relu'(0) = 0, abs'(0) = 0, sqrt'(0) = inf.
    assert ag.grad(Value.relu)(0.0) == 0.0
    assert ag.grad(abs)(0.0) == 0.0
    assert ag.grad(Value.sqrt)(0.0) == float("inf")


@pytest.mark.parametrize("point", [(-1.5, 3.0), (-2.0, 2.0), (-0.5, 4.0)])
def test_negative_base_integer_power_second_derivative_matches_closed_form_and_torch(point):
    x, y = point
    second = ag.grad(ag.grad(lambda base: base**y))(x)
    closed_form = y * (y - 1) * x ** (y - 2)  # n(n-1)x^(n-2), exact for these dyadic inputs
    assert_close(second, closed_form, what=f"d2/dx2 x**{y} at {x}")
    xs = torch_leaves([x])
    (first,) = torch_gradient(xs[0] ** y, xs, create_graph=True)
    assert_close(second, torch_float(torch_gradient(first, xs)[0]), what=f"d2/dx2 x**{y} vs torch")


@pytest.mark.parametrize("x", [2.0, 0.5, 3.0])
def test_pow_mixed_second_derivative_at_zero_exponent_matches_sympy(x):
    # ∂²(x^y)/∂y∂x = x^(y-1)(1 + y ln x) = 1/x at y = 0. (PyTorch float64 gives 0
    # here: its pow backward masks y = 0 for the sake of x = 0, and differentiates
    # the mask. The engine masks only at x = 0, where 0·0^-1 needs it.)
    symbols, _, _, hessian = _sympy_derivatives("pow", 2)
    exact = _sympy_at(hessian[0][1], symbols, (x, 0.0))
    assert exact == 1 / x
    mixed = ag.grad(ag.grad(lambda b, e: b**e, argnums=0), argnums=1)(x, 0.0)
    assert_close(mixed, exact, what=f"d2(x^y)/dydx at ({x}, 0)")


# -- the batched path: the same table replayed by a tape over a batch of points -------------


def _tape_of(name, arity):
    """A tape of op(x_0 + p_0, ..., x_n + p_n) with p = 0: ∂/∂p_k is ∂op/∂arg_k at x."""
    from autograd_scalar import tape

    params = [Value(0.0) for _ in range(arity)]
    fn = lambda xs: ORACLE[name].engine(*[x + p for x, p in zip(xs, params)])  # noqa: E731
    return tape.record(fn, [1.0] * arity, params=params)


def _points_by_arity(name):
    by_arity = {}
    for point in ORACLE[name].points:
        by_arity.setdefault(len(point), []).append(point)
    return by_arity.items()


@pytest.mark.parametrize("name", sorted(ORACLE))
def test_batched_forward_and_first_derivatives_match_the_scalar_engine_and_torch(name):
    """Every op on a tape: each row's value, each row's gradient (batch of one) and the
    batch mean's gradient agree with the Value engine and PyTorch float64."""
    for arity, points in _points_by_arity(name):
        taped = _tape_of(name, arity)
        values = taped.forward(points)
        means = [0.0] * arity
        for row, point in enumerate(points):
            leaves, out = _engine(name, point)
            out.backward()
            float64, gradient, _ = _torch_oracle(name, point)
            assert_close(values[row], out.data, what=f"tape {name}{point} vs engine")
            assert_close(values[row], float64, what=f"tape {name}{point} vs torch")
            _, grads = taped.value_and_grad([point])
            for k, g in enumerate(grads):
                assert_close(g, leaves[k].grad, what=f"tape d{name}/darg{k} at {point} vs engine")
                assert_close(g, gradient[k], what=f"tape d{name}/darg{k} at {point} vs torch")
                means[k] += gradient[k] / len(points)
        _, grads = taped.value_and_grad(points)
        for k, g in enumerate(grads):
            assert_close(g, means[k], what=f"tape mean d{name}/darg{k} over {points}")


@pytest.mark.parametrize("name, point", EDGE_CASES, ids=[f"{n}{p}" for n, p in EDGE_CASES])
def test_batched_non_differentiable_points_follow_torch_float64(name, point):
    """relu'(0), abs'(0), sqrt'(0) and pow's masked points on a tape, as in PyTorch float64."""
    values, grads = _tape_of(name, len(point)).value_and_grad([point])
    float64, gradient, _ = _torch_oracle(name, point)
    assert_close(values, float64, what=f"tape {name}{point}")
    for k, g in enumerate(grads):
        assert_close(g, gradient[k], what=f"tape d{name}/darg{k} at {point} vs torch")


def test_grouped_dot_matches_torch_for_weights_in_either_half():
    """A dot with the weights in its first half and one with them in its second read the
    same inputs: one 2×3 matrix product; ∂/∂w is x summed over the batch (torch float64)."""
    from autograd_scalar import tape

    w = [Value(0.5), Value(-1.5), Value(2.0)]
    fn = lambda x: ag.dot(w, x) * ag.dot(x, w[::-1])  # noqa: E731
    taped = tape.record(fn, [1.0, 2.0, 3.0], params=w)
    assert "(2 dot nodes as one matrix product; W is 2×3" in taped.to_text()
    batch = [[0.25, -4.0, 1.0], [3.0, 0.5, -0.5]]
    loss, grads = taped.value_and_grad(batch)
    tw = torch_leaves([0.5, -1.5, 2.0])
    rows = [torch.stack(torch_leaves(x)).detach() for x in batch]
    total = sum(torch.dot(torch.stack(tw), r) * torch.dot(r, torch.stack(tw[::-1])) for r in rows)
    expected = torch_gradient(total / len(rows), tw)
    assert_close(loss, torch_float(total / len(rows)), what="grouped dot loss")
    for k, g in enumerate(grads):
        assert_close(g, torch_float(expected[k]), what=f"grouped dot d/dw{k}")
