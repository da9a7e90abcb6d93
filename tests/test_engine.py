"""Value, topological order and backward(): the engine's contract.

Truth used here: closed-form derivatives of small expressions, PyTorch's
accumulation semantics, and small worked examples.
"""

import math

import numpy as np
import pytest

import autograd_scalar as ag
from autograd_scalar import Value, detect_anomaly, no_grad, scope
from autograd_scalar.engine import CONST, topological_order
from conftest import assert_close

# -- construction --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, type_name",
    [
        ("2.0", "str"),
        (None, "NoneType"),
        ([1.0], "list"),
        ({"x": 1.0}, "dict"),
        (1 + 2j, "complex"),
        (Value(1.0), "Value"),
    ],
)
def test_value_rejects_non_real_data_naming_its_type(bad, type_name):
    with pytest.raises(TypeError, match=type_name):
        Value(bad)


@pytest.mark.parametrize(
    "number", [3, 2.5, np.float64(1.25), np.float32(0.5), np.int64(7), np.int8(-3), True]
)
def test_value_accepts_real_scalars_and_stores_a_python_float(number):
    v = Value(number)
    assert type(v.data) is float
    assert v.data == float(number)


def test_new_value_is_a_leaf_with_zero_grad():
    v = Value(2.0, label="w")
    assert (v.grad, v.parents, v.local_grads, v.op, v.label) == (0.0, (), (), "", "w")


def test_parents_and_local_grads_must_have_equal_length():
    x = Value(1.0)
    with pytest.raises(ValueError, match="1 parents but 2 local_grads"):
        Value(1.0, parents=(x,), local_grads=(1.0, 2.0))


def test_parents_must_be_values():
    with pytest.raises(TypeError, match=r"parents\[1\] must be a Value, got float"):
        Value(1.0, parents=(Value(1.0), 2.0), local_grads=(1.0, 1.0))


def test_local_grads_must_be_real_numbers():
    with pytest.raises(TypeError, match=r"local_grads\[0\].*str"):
        Value(1.0, parents=(Value(1.0),), local_grads=("1",))


@pytest.mark.parametrize("field, bad", [("op", 3), ("label", None)])
def test_op_and_label_must_be_strings(field, bad):
    with pytest.raises(TypeError, match=field):
        Value(1.0, **{field: bad})


def test_custom_op_from_the_constructor_backpropagates_through_a_larger_graph():
    # f(x) = x^3 defined microgpt style; y = 2·f(x) + x, so dy/dx = 6x^2 + 1.
    x = Value(1.5)
    cube = Value(x.data**3, parents=(x,), local_grads=(3 * x.data**2,), op="cube")
    y = 2 * cube + x
    y.backward()
    assert cube.op == "cube" and cube.parents == (x,)
    assert y.data == 2 * 1.5**3 + 1.5
    assert x.grad == 6 * 1.5**2 + 1


def test_custom_op_with_two_parents_gets_both_gradients():
    # f(a, b) = a·e^b with ∂f/∂a = e^b and ∂f/∂b = a·e^b.
    a, b = Value(2.0), Value(0.5)
    f = Value(a.data * math.exp(b.data), (a, b), (math.exp(b.data), a.data * math.exp(b.data)))
    (f * f).backward()
    assert_close(a.grad, 2 * f.data * math.exp(0.5))
    assert_close(b.grad, 2 * f.data * 2.0 * math.exp(0.5))


# -- object behaviour -----------------------------------------------------------------------


def test_value_has_slots_and_no_instance_dict():
    v = Value(1.0)
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.color = "red"


def test_values_hash_by_identity_and_equality_is_not_overloaded():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b
    assert (a == b) is False  # not a graph-building ==, unlike the arithmetic operators
    assert Value.__eq__ is object.__eq__ and Value.__hash__ is object.__hash__
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b"


def test_nodes_of_a_graph_can_be_dict_keys_and_set_members():
    x = Value(2.0)
    y = x * x + x
    order = topological_order(y)
    assert len(set(order)) == len(order)
    index = {node: k for k, node in enumerate(order)}
    assert index[y] == len(order) - 1


def test_repr_shows_data_grad_and_label():
    v = Value(2.5, label="w1")
    v.grad = -0.5
    assert repr(v) == "Value(data=2.5, grad=-0.5, label='w1')"
    assert "data=1.0" in repr(Value(1.0)) and "grad=0.0" in repr(Value(1.0))


def test_float_of_a_value_raises_naming_the_differentiable_spelling():
    # float(x) (and math.sin(x), which calls it) would drop the graph silently.
    with pytest.raises(TypeError, match=r"x\.sin\(\).*autograd_scalar\.sin\(x\).*x\.data"):
        float(Value(3.25))


# -- operators --------------------------------------------------------------------------------

# (expression, value, dexpr/dx) at x = 1.5 with y = -2.0 a Value and 3 a number.
X, Y = 1.5, -2.0
OPERATOR_CASES = {
    "x + y": (lambda x, y: x + y, X + Y, 1.0),
    "x + 3": (lambda x, y: x + 3, X + 3, 1.0),
    "3 + x": (lambda x, y: 3 + x, 3 + X, 1.0),
    "x - y": (lambda x, y: x - y, X - Y, 1.0),
    "x - 3": (lambda x, y: x - 3, X - 3, 1.0),
    "3 - x": (lambda x, y: 3 - x, 3 - X, -1.0),
    "x * y": (lambda x, y: x * y, X * Y, Y),
    "x * 3": (lambda x, y: x * 3, X * 3, 3.0),
    "3 * x": (lambda x, y: 3 * x, 3 * X, 3.0),
    "x / y": (lambda x, y: x / y, X / Y, 1 / Y),
    "x / 3": (lambda x, y: x / 3, X / 3, 1 / 3),
    "3 / x": (lambda x, y: 3 / x, 3 / X, -3 / X**2),
    "x ** 3": (lambda x, y: x**3, X**3, 3 * X**2),
    "x ** 0.5": (lambda x, y: x**0.5, X**0.5, 0.5 * X**-0.5),
    "x ** y": (lambda x, y: x**y, X**Y, Y * X ** (Y - 1)),
    "3 ** x": (lambda x, y: 3**x, 3**X, 3**X * math.log(3)),
    "y ** x": (lambda x, y: (-y) ** x, (-Y) ** X, (-Y) ** X * math.log(-Y)),
    "-x": (lambda x, y: -x, -X, -1.0),
    "+x": (lambda x, y: +x, X, 1.0),
    "abs(y * x)": (lambda x, y: abs(y * x), abs(X * Y), abs(Y)),
    "x.exp()": (lambda x, y: x.exp(), math.exp(X), math.exp(X)),
    "x.log()": (lambda x, y: x.log(), math.log(X), 1 / X),
    "x.tanh()": (lambda x, y: x.tanh(), math.tanh(X), 1 - math.tanh(X) ** 2),
    "x.sigmoid()": (
        lambda x, y: x.sigmoid(),
        1 / (1 + math.exp(-X)),
        math.exp(-X) / (1 + math.exp(-X)) ** 2,
    ),
    "x.relu()": (lambda x, y: x.relu(), X, 1.0),
    "y.relu()": (lambda x, y: (y * x).relu(), 0.0, 0.0),
    "x.sin()": (lambda x, y: x.sin(), math.sin(X), math.cos(X)),
    "x.cos()": (lambda x, y: x.cos(), math.cos(X), -math.sin(X)),
    "x.sqrt()": (lambda x, y: x.sqrt(), math.sqrt(X), 0.5 / math.sqrt(X)),
}


@pytest.mark.parametrize("expression", OPERATOR_CASES)
def test_operator_value_and_derivative_match_closed_form(expression):
    f, value, derivative = OPERATOR_CASES[expression]
    x, y = Value(X), Value(Y)
    out = f(x, y)
    assert isinstance(out, Value)
    out.backward()
    assert_close(out.data, value, what=expression)
    assert_close(x.grad, derivative, what=f"d({expression})/dx")


def test_power_with_a_value_exponent_differentiates_both_sides():
    x, y = Value(2.0), Value(3.0)
    (x**y).backward()
    assert (x.grad, y.grad) == (12.0, 8.0 * math.log(2.0))


def test_number_operands_become_constant_leaves():
    x = Value(2.0)
    y = x * 3
    (const,) = [p for p in y.parents if p is not x]
    assert (const.op, const.data, const.parents) == (CONST, 3.0, ())
    assert (3 * x).parents[0].op == CONST


def test_unsupported_operand_types_raise_type_error():
    x = Value(1.0)
    for bad in ("1", None, [1.0], 1j):
        with pytest.raises(TypeError):
            x + bad
        with pytest.raises(TypeError):
            bad * x


# -- n-ary nodes --------------------------------------------------------------------------------


def test_sum_creates_one_node_with_every_term_as_parent():
    xs = [Value(float(k)) for k in range(10)]
    s = ag.sum(xs)
    assert (s.op, s.data, s.parents) == ("sum", 45.0, tuple(xs))
    s.backward()
    assert [x.grad for x in xs] == [1.0] * 10


def test_sum_accepts_numbers_and_any_iterable():
    x = Value(1.0)
    s = ag.sum(v for v in (x, 2, 3.5))
    assert s.data == 6.5 and len(s.parents) == 3 and s.parents[1].op == CONST


def test_dot_creates_one_node_whose_parents_are_ws_then_xs():
    ws = [Value(1.0), Value(-2.0), Value(0.5)]
    xs = [Value(3.0), Value(4.0), Value(-6.0)]
    y = ag.dot(ws, xs)
    assert (y.op, y.data, y.parents) == ("dot", 3.0 - 8.0 - 3.0, tuple(ws + xs))
    y.backward()
    assert [w.grad for w in ws] == [3.0, 4.0, -6.0]
    assert [x.grad for x in xs] == [1.0, -2.0, 0.5]


def test_dot_with_a_shared_node_on_both_sides_sums_both_paths():
    x = Value(3.0)
    y = ag.dot([x, Value(2.0)], [x, Value(1.0)])  # x^2 + 2
    y.backward()
    assert (y.data, x.grad) == (11.0, 6.0)


def test_dot_rejects_vectors_of_different_lengths():
    with pytest.raises(ValueError, match="ws has 2 elements but xs has 3"):
        ag.dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "call", [lambda: ag.sum([Value(1.0), "x"]), lambda: ag.dot([Value(1.0)], [None])]
)
def test_n_ary_ops_name_the_bad_element(call):
    with pytest.raises(TypeError, match="element"):
        call()


# -- backward semantics -------------------------------------------------------------------------


def test_second_backward_accumulates_leaves_but_not_interior_nodes():
    # x = 3, sq = x*x, y = sq*x, two backward calls.
    x = Value(3.0)
    sq = x * x
    y = sq * x
    y.backward()
    y.backward()
    assert x.grad == 54.0  # 27 + 27: leaves accumulate, as in PyTorch
    assert sq.grad == 3.0  # interior: this pass only


def test_leaf_gradients_accumulate_across_different_roots():
    x = Value(2.0)
    (x * x).backward()  # 4
    (x * 3).backward()  # + 3
    x.exp().backward()  # + e^2
    assert_close(x.grad, 7.0 + math.exp(2.0))


def test_zeroing_leaf_grads_gives_a_fresh_gradient():
    x = Value(2.0)
    y = x * x
    y.backward()
    x.grad = 0.0
    y.backward()
    assert x.grad == 4.0


def test_backward_of_a_leaf_gives_one():
    x = Value(5.0)
    x.backward()
    assert x.grad == 1.0


def test_shared_subexpression_gets_the_sum_over_paths():
    # y = u·u + u with u = x + 1: dy/dx = (2u + 1)·1.
    x = Value(2.0)
    u = x + 1
    y = u * u + u
    y.backward()
    assert (u.grad, x.grad) == (7.0, 7.0)


def test_million_node_chain_backpropagates_to_the_closed_form():
    # v_0 = x, v_{k+1} = v_k·x: v_N = x^(N+1), dv_N/dx = (N+1)·x^N.
    n = 1_000_000
    x = Value(1.0 + 1e-7)
    v = x
    for _ in range(n):
        v = v * x
    v.backward()
    assert_close(v.data, (1.0 + 1e-7) ** (n + 1), rel=1e-9)
    assert_close(x.grad, (n + 1) * (1.0 + 1e-7) ** n, rel=1e-9)


def test_topological_order_puts_parents_first_each_node_once_root_last():
    a, b = Value(1.0, label="a"), Value(2.0, label="b")
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    position = {node: k for k, node in enumerate(order)}
    assert order[-1] is e and len(order) == len(set(order)) == 5
    for node in order:
        for parent in node.parents:
            assert position[parent] < position[node]


def test_gradients_returns_derivatives_without_touching_grad():
    x, y = Value(2.0), Value(3.0)
    f = x * y + x
    assert ag.gradients(f, [x, y]) == [4.0, 2.0]
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_gradients_of_an_unreached_node_is_zero():
    x, other = Value(2.0), Value(3.0)
    assert ag.gradients(x * x, [other]) == [0.0]


# -- modes --------------------------------------------------------------------------------------


def test_no_grad_records_no_parents_and_still_computes():
    x = Value(2.0)
    with no_grad():
        y = (x * x).exp()
        assert not ag.is_grad_enabled()
    assert y.parents == () and y.local_grads == ()
    assert_close(y.data, math.exp(4.0))
    assert ag.is_grad_enabled()


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with no_grad():
            Value(-1.0).log()
    assert ag.is_grad_enabled()
    assert (Value(1.0) * 2).parents != ()


def test_enable_grad_inside_no_grad_records_again():
    x = Value(2.0)
    with no_grad():
        with ag.enable_grad():
            y = x * x
        z = x * x
    assert y.parents == (x, x) and z.parents == ()


def test_detect_anomaly_forward_names_the_op_and_the_label():
    x = Value(1000.0, label="logit")
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"exp.*logit"):
            x.exp()
    assert math.isinf(x.exp().data)  # off again: float64 semantics


def test_detect_anomaly_backward_names_the_op_that_produced_inf():
    x = Value(0.0, label="x")
    y = x.sqrt() * 3.0
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match=r"became inf through sqrt"):
            y.backward()


def test_detect_anomaly_backward_names_the_label_of_the_node():
    x = Value(0.0, label="radius")
    y = x.sqrt() * 2
    with detect_anomaly():
        with pytest.raises(FloatingPointError, match="radius"):
            y.backward()


def test_without_anomaly_mode_sqrt_at_zero_gives_inf_gradient_like_torch():
    x = Value(0.0)
    (x.sqrt() * 3.0).backward()
    assert x.grad == math.inf


def test_square_of_a_negative_number_does_not_trip_anomaly_mode():
    # d(x^y)/dy = x^y·ln x is nan at x < 0, but the exponent is a constant.
    x = Value(-3.0, label="x")
    with detect_anomaly():
        y = x**2 + x**3
        y.backward()
    assert (y.data, x.grad) == (9.0 - 27.0, -6.0 + 27.0)


def test_higher_order_derivatives_of_a_square_at_negative_x_do_not_trip_anomaly_mode():
    # The derivative graph must not differentiate toward the constant exponent.
    with detect_anomaly():
        assert ag.grad(ag.grad(lambda x: x**2))(-3.0) == 2.0
        assert ag.hvp(lambda x: x**3, [-3.0], [1.0]) == [-18.0]
        assert ag.jvp(lambda x: x**3, [-3.0], [1.0]) == (-27.0, 27.0)


def test_gradients_only_follow_paths_to_the_requested_nodes():
    x, y = Value(-2.0), Value(5.0)
    f = x**2 * y
    (dx,) = ag.gradients(f, [x], create_graph=True)
    assert dx.data == -20.0
    assert all(node.data == node.data for node in topological_order(dx))  # no nan anywhere


def test_detect_anomaly_is_restored_after_the_error():
    with pytest.raises(FloatingPointError):
        with detect_anomaly():
            Value(1000.0).exp()
    assert Value(1000.0).exp().data == math.inf


def test_scope_tags_values_and_nests_with_slashes():
    with scope("layer0"):
        w = Value(0.5)
        with scope("neuron3"):
            y = w * 2
        z = w + 1
    outside = w * 3
    assert (w.scope, y.scope, z.scope, outside.scope) == (
        "layer0",
        "layer0/neuron3",
        "layer0",
        None,
    )


def test_scope_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with scope("broken"):
            Value(1.0) / 0
    assert Value(1.0).scope is None


@pytest.mark.parametrize("bad", ["", None, 3])
def test_scope_name_must_be_a_non_empty_string(bad):
    with pytest.raises(TypeError, match="scope"):
        scope(bad)


def _torch_grad(build, x0):
    import torch

    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    build(x).backward()
    return x.grad.item()


@pytest.mark.parametrize("x0", [0.0, 4.0])
def test_zero_upstream_gradient_times_infinite_local_derivative_is_nan_like_torch(x0):
    # relu(sqrt(x)) at 0: v̄ of the sqrt node is relu'(0) = 0 and sqrt'(0) = inf;
    # PyTorch float64 gives 0·inf = nan. backward skips nodes with v̄ = 0 only
    # when every local derivative is finite, so it gives nan too.
    x = Value(x0)
    x.sqrt().relu().backward()
    import torch

    expected = _torch_grad(lambda t: torch.relu(torch.sqrt(t)), x0)
    assert (math.isnan(x.grad) and math.isnan(expected)) or x.grad == expected


def test_nodes_with_zero_gradient_pass_exact_zeros_below_an_inactive_relu():
    # z = w·x + b < 0, so relu'(z) = 0 and every parameter's gradient is 0
    # (the closed form: ∂relu(z)/∂w_i = 1[z > 0]·x_i).
    w = [Value(-1.0), Value(-2.0)]
    b = Value(-0.5)
    out = ag.dot(w + [b], [3.0, 4.0, 1.0]).relu() * 5.0 + w[0]
    out.backward()
    assert [p.grad for p in w + [b]] == [1.0, 0.0, 0.0]
