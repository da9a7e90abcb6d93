"""Bad input gives errors in the user's terms: which op, which value.

Never a bare ``math domain error`` and never a complex number: Python's
``(-8.0) ** (1/3)`` is complex, ``math.log(0)`` says "math domain error".
Overflow is not an error: float64 semantics (inf), as in PyTorch and numpy.
"""

import math

import pytest

from autograd_scalar import Value, detect_anomaly, grad, no_grad


def raises_naming(error, call, *fragments):
    """``call()`` raises ``error``; its message contains every fragment."""
    with pytest.raises(error) as caught:
        call()
    message = str(caught.value)
    assert "math domain error" not in message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    return message


@pytest.mark.parametrize("x", [0.0, -1.0, -2.5])
def test_log_of_a_non_positive_number_names_log_and_the_value(x):
    raises_naming(ValueError, lambda: Value(x).log(), "log", repr(x))


@pytest.mark.parametrize("x", [-1e-300, -1.0, -4.0])
def test_sqrt_of_a_negative_number_names_sqrt_and_the_value(x):
    raises_naming(ValueError, lambda: Value(x).sqrt(), "sqrt", repr(x))


@pytest.mark.parametrize(
    "call",
    [
        lambda: Value(0.0) ** -1,
        lambda: Value(0.0) ** -0.5,
        lambda: 0 ** Value(-2.0),
        lambda: Value(0.0) ** Value(-3.0),
    ],
    ids=["value**number", "value**fraction", "number**value", "value**value"],
)
def test_zero_to_a_negative_power_names_pow_and_the_exponent(call):
    message = raises_naming(ZeroDivisionError, call, "pow", "0.0", "negative power")
    assert "-" in message


@pytest.mark.parametrize(
    "call, numerator",
    [
        (lambda: Value(1.5) / Value(0.0), "1.5"),
        (lambda: Value(1.5) / 0, "1.5"),
        (lambda: Value(1.5) / 0.0, "1.5"),
        (lambda: 2 / Value(0.0), "2.0"),
        (lambda: Value(0.0) / Value(0.0), "0.0"),
    ],
    ids=["value/value", "value/int", "value/float", "number/value", "zero/zero"],
)
def test_division_by_zero_names_div_and_the_operands(call, numerator):
    raises_naming(ZeroDivisionError, call, "div", "division by zero", numerator)


@pytest.mark.parametrize("base, exponent", [(-8.0, 1 / 3), (-2.0, 0.5), (-1.0, -2.5)])
def test_negative_base_with_fractional_exponent_names_both(base, exponent):
    raises_naming(ValueError, lambda: Value(base) ** exponent, "pow", repr(base), repr(exponent))
    raises_naming(ValueError, lambda: base ** Value(exponent), "pow", repr(base), repr(exponent))


@pytest.mark.parametrize(
    "base, exponent, expected",
    [
        (-8.0, 3.0, -512.0),
        (-2.0, -2.0, 0.25),
        (-1.5, 0.0, 1.0),
    ],
)
def test_negative_base_with_integer_exponent_is_a_real_number(base, exponent, expected):
    assert (Value(base) ** exponent).data == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: Value(1.0) + "1",
        lambda: "1" + Value(1.0),
        lambda: Value(1.0) * None,
        lambda: [1.0] * Value(2.0),
        lambda: Value(1.0) - 1j,
        lambda: Value(1.0) / {},
        lambda: Value(2.0) ** "2",
    ],
    ids=[
        "value+str",
        "str+value",
        "value*None",
        "list*value",
        "value-complex",
        "value/dict",
        "value**str",
    ],
)
def test_unsupported_operand_types_raise_type_error_naming_the_types(call):
    with pytest.raises(TypeError, match="Value"):
        call()


def test_domain_errors_are_raised_inside_no_grad_and_anomaly_mode_too():
    with no_grad():
        raises_naming(ValueError, lambda: Value(-1.0).log(), "log", "-1.0")
    with detect_anomaly():
        raises_naming(ValueError, lambda: Value(-1.0).sqrt(), "sqrt", "-1.0")


def test_domain_errors_reach_the_caller_of_the_functional_api():
    raises_naming(ValueError, lambda: grad(lambda x: x.log())(0.0), "log", "0.0")
    raises_naming(ZeroDivisionError, lambda: grad(lambda x: 1 / x)(0.0), "div")


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda: Value(1000.0).exp(), math.inf),
        (lambda: Value(10.0) ** 400, math.inf),
        (lambda: Value(-10.0) ** 401, -math.inf),
        (lambda: Value(1e308) * 10, math.inf),
        (lambda: Value(-1000.0).exp(), 0.0),
    ],
    ids=["exp", "pow", "pow-odd-negative", "mul", "exp-underflow"],
)
def test_overflow_follows_float64_semantics_not_an_exception(call, expected):
    assert call().data == expected


def test_second_derivative_at_the_sqrt_pole_is_minus_inf_not_a_silent_zero():
    # sqrt'(x) = 1/(2 sqrt x) is inf at 0 and sqrt''(0) = -inf (PyTorch float64's
    # double backward); a constant inf would have claimed sqrt''(0) = 0, and an
    # error would have named a division the user never wrote.
    assert grad(Value.sqrt)(0.0) == math.inf
    assert grad(grad(Value.sqrt))(0.0) == -math.inf
    assert grad(grad(Value.sqrt))(4.0) == -0.25 * 4.0**-1.5
