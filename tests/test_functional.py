"""The functional API: grad, value_and_grad, hvp, jvp, gradcheck.

Truth: closed-form derivatives (polynomials, Rosenbrock's analytic Hessian),
torch.func / torch.autograd in float64, and central finite differences.
"""

import math
import re

import pytest
import torch

import autograd_scalar as ag
from autograd_scalar import GradcheckError, Value, grad, gradcheck, hvp, jvp, value_and_grad
from conftest import assert_close, torch_float

# -- grad and value_and_grad -----------------------------------------------------------------


def test_third_derivative_of_cube_is_six():
    assert grad(grad(grad(lambda x: x**3)))(2.0) == 6.0


def test_grad_returns_a_python_float():
    d = grad(lambda x: x * x)(3.0)
    assert type(d) is float and d == 6.0


@pytest.mark.parametrize(
    "order, expected",
    [
        (1, math.cos(0.7)),
        (2, -math.sin(0.7)),
        (3, -math.cos(0.7)),
        (4, math.sin(0.7)),
    ],
)
def test_repeated_grad_of_sine_cycles_through_its_derivatives(order, expected):
    f = Value.sin
    for _ in range(order):
        f = grad(f)
    assert_close(f(0.7), expected)


@pytest.mark.parametrize("x", [-1.3, 0.2, 2.0])
def test_second_derivative_of_tanh_matches_closed_form(x):
    t = math.tanh(x)
    assert_close(grad(grad(Value.tanh))(x), -2 * t * (1 - t * t))


def test_argnums_selects_the_argument():
    f = lambda x, y: x * x * y  # noqa: E731
    assert grad(f, argnums=0)(3.0, 2.0) == 12.0
    assert grad(f, argnums=1)(3.0, 2.0) == 9.0
    assert grad(f, argnums=-1)(3.0, 2.0) == 9.0


def test_tuple_argnums_gives_a_tuple():
    f = lambda x, y, z: x * y + z**2  # noqa: E731
    assert grad(f, argnums=(0, 2))(2.0, 5.0, 3.0) == (5.0, 6.0)
    assert grad(f, argnums=(1,))(2.0, 5.0, 3.0) == (2.0,)


def test_mixed_second_partial_by_nested_grad():
    # ∂²(x²y³)/∂x∂y = 6xy²
    f = lambda x, y: x**2 * y**3  # noqa: E731
    assert grad(grad(f, argnums=0), argnums=1)(1.5, -2.0) == 6 * 1.5 * 4.0


def test_grad_of_a_composed_inner_gradient_follows_the_chain_rule():
    # d/dx [g'(2x)] = 2 g''(2x) with g = y^3: 2 · 6 · 2x = 24 at x = 1.
    assert grad(lambda x: grad(lambda y: y**3)(x * 2))(1.0) == 24.0


@pytest.mark.parametrize(
    "outer, expected",
    [
        (lambda x: grad(lambda y: x * y)(3.0), 1.0),  # d/dx [x] = 1
        (lambda x: grad(lambda y: x * y**2)(3.0), 6.0),  # d/dx [2·3·x] = 6
        (lambda x: grad(lambda y: (x * y).sin())(0.5), None),  # d/dx [x cos(xy)] at y = 0.5
    ],
)
def test_inner_grad_of_a_closure_over_the_outer_argument(outer, expected):
    # Perturbation through a closure: the inner grad is called with a number,
    # yet its result depends on the outer x and must carry that dependence.
    x = 2.0
    if expected is None:
        expected = math.cos(0.5 * x) - 0.5 * x * math.sin(0.5 * x)
    assert_close(grad(outer)(x), expected)


def test_hvp_through_an_inner_gradient_of_a_closure():
    # g(x, y) = ∂(x·y·z²)/∂z at z = 1 = 2xy; its Hessian is [[0, 2], [2, 0]].
    g = lambda x, y: grad(lambda z: x * y * z * z)(1.0)  # noqa: E731
    assert hvp(g, [2.0, 3.0], [1.0, 0.0]) == [0.0, 2.0]


def test_transformations_work_inside_no_grad():
    with ag.no_grad():
        assert grad(lambda x: x**3)(2.0) == 12.0
        assert grad(grad(lambda x: x**3))(2.0) == 12.0
        assert hvp(lambda x: x**3, [2.0], [1.0]) == [12.0]
        assert jvp(lambda x: x**3, [2.0], [1.0]) == (8.0, 12.0)
        assert ag.is_grad_enabled() is False
    assert ag.is_grad_enabled() is True


def test_value_and_grad_returns_the_value_and_the_gradient():
    f = lambda x, y: (x * y).exp()  # noqa: E731
    value, (dx, dy) = value_and_grad(f, argnums=(0, 1))(0.5, 2.0)
    assert_close(value, math.exp(1.0))
    assert_close(dx, 2.0 * math.exp(1.0))
    assert_close(dy, 0.5 * math.exp(1.0))
    assert value_and_grad(lambda x: x * x)(3.0) == (9.0, 6.0)


def test_grad_of_a_function_that_ignores_its_argument_is_zero():
    assert grad(lambda x, y: y * 2, argnums=0)(1.0, 2.0) == 0.0
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert grad(grad(lambda x: x * 2))(1.0) == 0.0


def test_grad_matches_torch_on_a_composite_function():
    def f(x, y):
        return (x * y).sin() + (x / y).exp() * (y * y + 1).log()

    dx, dy = grad(f, argnums=(0, 1))(0.8, 1.7)
    tx = torch.tensor(0.8, dtype=torch.float64, requires_grad=True)
    ty = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    out = torch.sin(tx * ty) + torch.exp(tx / ty) * torch.log(ty * ty + 1)
    gx, gy = torch.autograd.grad(out, (tx, ty))
    assert_close(dx, torch_float(gx))
    assert_close(dy, torch_float(gy))


@pytest.mark.parametrize(
    "argnums, message",
    [
        (2, "argnums entry 2 is out of range for a call with 2 positional arguments"),
        (-3, "argnums entry -3 is out of range"),
        ((0, 5), "argnums entry 5 is out of range"),
        ((), "argnums must name at least one argument"),
    ],
)
def test_out_of_range_argnums_is_a_value_error(argnums, message):
    with pytest.raises(ValueError, match=message):
        grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


@pytest.mark.parametrize(
    "argnums, message",
    [
        (1.0, "argnums must be an int or a tuple of ints, got float"),
        ("0", "argnums must be an int or a tuple of ints, got str"),
        (True, "argnums entries must be ints, got bool"),
        ((0, 1.0), "argnums entries must be ints, got float"),
    ],
)
def test_argnums_of_the_wrong_type_is_a_type_error(argnums, message):
    with pytest.raises(TypeError, match=message):
        grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


def test_non_number_argument_is_named():
    with pytest.raises(TypeError, match="argument 0 must be a number or a Value, got str"):
        grad(lambda x: x)("2.0")


def test_f_returning_a_non_number_is_named():
    with pytest.raises(TypeError, match="f must return a Value or a number, got list"):
        grad(lambda x: [x])(1.0)


# -- hvp: Rosenbrock ---------------------------------------------------------------------------


def rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def rosenbrock_hessian(x, y):
    return [[1200 * x * x - 400 * y + 2, -400 * x], [-400 * x, 200.0]]


@pytest.mark.parametrize("point", [(1.0, 1.0), (-1.2, 1.0), (0.5, -0.3), (2.0, 3.5)])
@pytest.mark.parametrize("vector", [(1.0, 0.0), (0.0, 1.0), (0.3, -2.0)])
def test_hvp_on_rosenbrock_equals_analytic_hessian_times_vector(point, vector):
    H = rosenbrock_hessian(*point)
    expected = [H[i][0] * vector[0] + H[i][1] * vector[1] for i in range(2)]
    result = hvp(rosenbrock, list(point), list(vector))
    assert isinstance(result, list) and all(type(r) is float for r in result)
    for r, e in zip(result, expected):
        assert_close(r, e)


def test_hvp_matches_torch_hvp():
    def f(x, y, z):
        return (x * y).tanh() * z.exp() + (x**2 + z).sqrt()

    def torch_f(p):
        return torch.tanh(p[0] * p[1]) * torch.exp(p[2]) + torch.sqrt(p[0] ** 2 + p[2])

    primals, vector = [0.4, -1.1, 0.9], [1.0, 0.5, -2.0]
    result = hvp(f, primals, vector)
    _, expected = torch.autograd.functional.hvp(
        torch_f,
        torch.tensor(primals, dtype=torch.float64),
        torch.tensor(vector, dtype=torch.float64),
    )
    for r, e in zip(result, expected.tolist()):
        assert_close(r, e)


def test_hvp_of_a_linear_function_is_zero():
    assert hvp(lambda x, y: 3 * x - y, [1.0, 2.0], [1.0, 1.0]) == [0.0, 0.0]


# -- jvp: forward mode ----------------------------------------------------------------------------


def composite(x, y, z):
    return (x * y).sin() * z + (x / z).exp() - y.sigmoid() * ag.dot([x, y], [z, z])


@pytest.mark.parametrize(
    "primals, tangents",
    [
        ([0.3, 1.2, -0.8], [1.0, 0.0, 0.0]),
        ([0.3, 1.2, -0.8], [0.2, -1.5, 0.7]),
        ([2.0, -0.5, 1.5], [1.0, 1.0, 1.0]),
    ],
)
def test_jvp_equals_reverse_mode_gradient_dotted_with_tangent(primals, tangents):
    value, directional = jvp(composite, primals, tangents)
    reverse_value, gradient = value_and_grad(composite, argnums=(0, 1, 2))(*primals)
    assert value == reverse_value
    assert_close(directional, sum(g * t for g, t in zip(gradient, tangents)))


@pytest.mark.parametrize(
    "primals, tangents",
    [
        ([0.3, 1.2, -0.8], [0.2, -1.5, 0.7]),
        ([2.0, -0.5, 1.5], [1.0, 1.0, 1.0]),
    ],
)
def test_jvp_matches_torch_func_jvp(primals, tangents):
    def torch_composite(x, y, z):
        return torch.sin(x * y) * z + torch.exp(x / z) - torch.sigmoid(y) * (x * z + y * z)

    value, directional = jvp(composite, primals, tangents)
    as_tensors = lambda v: tuple(torch.tensor(t, dtype=torch.float64) for t in v)  # noqa: E731
    t_value, t_directional = torch.func.jvp(
        torch_composite, as_tensors(primals), as_tensors(tangents)
    )
    assert_close(value, float(t_value))
    assert_close(directional, float(t_directional))


def test_jvp_matches_central_finite_differences():
    primals, tangents, eps = [0.3, 1.2, -0.8], [0.2, -1.5, 0.7], 1e-6
    shifted = lambda s: composite(*[Value(p + s * t) for p, t in zip(primals, tangents)]).data  # noqa: E731
    numeric = (shifted(eps) - shifted(-eps)) / (2 * eps)
    _, directional = jvp(composite, primals, tangents)
    assert abs(directional - numeric) < 1e-7 * max(1.0, abs(numeric))


@pytest.mark.parametrize("x", [-3.0, -0.5, 2.0])
def test_jvp_of_a_power_with_constant_exponent_at_any_sign_of_the_base(x):
    # d(x^3)/dx = 3x^2; at x < 0 the exponent's own partial (x^3 ln x) is nan,
    # but the constant 3 carries no tangent, so it must not reach the result.
    value, directional = jvp(lambda b: b**3, [x], [1.0])
    assert (value, directional) == (x**3, 3 * x**2)
    t_value, t_directional = torch.func.jvp(
        lambda b: b**3,
        (torch.tensor(x, dtype=torch.float64),),
        (torch.tensor(1.0, dtype=torch.float64),),
    )
    assert directional == float(t_directional)


def test_jvp_of_the_identity_is_the_tangent():
    assert jvp(lambda x: x, [2.0], [3.0]) == (2.0, 3.0)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: jvp(rosenbrock, [1.0, 2.0], [1.0]), ValueError, "2 primals but 1 tangents"),
        (lambda: hvp(rosenbrock, [1.0], [1.0, 0.0]), ValueError, "1 primals but 2 vector"),
        (lambda: jvp(rosenbrock, [1.0, 2.0], [1.0, "x"]), TypeError, r"tangents\[1\]"),
        (lambda: hvp(rosenbrock, [1.0, 2.0], [None, 0.0]), TypeError, r"vector\[0\]"),
    ],
)
def test_mismatched_lengths_and_bad_tangents_are_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- gradcheck -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "f, inputs",
    [
        (lambda x, y: (x * y).tanh(), [0.3, -0.7]),
        (rosenbrock, [-1.2, 1.0]),
        (composite, [0.3, 1.2, -0.8]),
        (lambda x: x.sqrt().log(), [2.5]),
    ],
)
def test_gradcheck_accepts_correct_gradients(f, inputs):
    assert gradcheck(f, inputs) is True


def wrong_square(x):
    """x^2 with a deliberately wrong local derivative (3x instead of 2x)."""
    return Value(x.data**2, parents=(x,), local_grads=(3 * x.data,), op="wrong_square")


def test_gradcheck_rejects_a_custom_op_with_a_wrong_derivative():
    f = lambda a, b: a * b + wrong_square(b)  # noqa: E731
    with pytest.raises(GradcheckError) as caught:
        gradcheck(f, [1.5, 2.0])
    message = str(caught.value)
    # ∂f/∂a = b is right; ∂f/∂b is a + 3b by the wrong rule, a + 2b in truth.
    assert "argument 1" in message and "argument 0" not in message
    assert re.search(r"analytic[^0-9-]*7\.5\b", message), message
    numeric = float(re.search(r"numeric[^0-9-]*(-?[0-9.]+(?:e-?[0-9]+)?)", message).group(1))
    assert abs(numeric - 5.5) < 1e-6, message


def test_gradcheck_of_a_derivative_function():
    # The numeric side evaluates grad(f) itself: the transformation must work
    # inside gradcheck's no_grad evaluations.
    assert gradcheck(grad(lambda x: x**3 * x.sin()), [1.3]) is True


def test_gradcheck_error_is_a_value_error():
    assert issubclass(GradcheckError, ValueError)
