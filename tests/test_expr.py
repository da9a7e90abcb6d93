"""The expression language of the command line: what it computes, what it refuses.

Truth: closed forms, sympy's exact derivatives, and Python's own evaluation of
the same (trusted, test-generated) text with PyTorch float64 for gradients.
"""

import ast
import math
import pathlib
import warnings

import pytest
import sympy
import torch
from hypothesis import assume, given, settings, strategies as st

from autograd_scalar import expr, ops
from autograd_scalar.engine import CONST
from autograd_scalar.expr import ExpressionError, evaluate, parse, variable_name
from conftest import assert_close, torch_gradient, torch_leaves
from op_spec import SPEC


def grads_of(text, values):
    root, leaves = evaluate(text, values)
    root.backward()
    return root.data, {name: leaf.grad for name, leaf in leaves.items()}


# -- what it computes -------------------------------------------------------------


def test_acceptance_expression_matches_closed_form():
    a, b, c = 2.0, -3.0, 10.0
    value, grads = grads_of("tanh(a*b + c)", {"a": a, "b": b, "c": c})
    t = math.tanh(a * b + c)
    assert_close(value, t)
    assert_close(grads["a"], (1 - t * t) * b)
    assert_close(grads["b"], (1 - t * t) * a)
    assert_close(grads["c"], 1 - t * t)


x_sym = sympy.Symbol("x", real=True)
#: Each function of the language on sympy symbols: the op spec's exact oracle.
SYMPY_FUNCTIONS = {name: SPEC[name].sym for name in ops.UNARY_FUNCTIONS}


def test_every_table_function_is_callable_and_has_an_oracle():
    assert set(SYMPY_FUNCTIONS) == set(expr.FUNCTIONS) == set(ops.UNARY_FUNCTIONS)


@pytest.mark.parametrize("name", expr.FUNCTIONS)
@pytest.mark.parametrize("x", [0.7, 2.3])
def test_each_function_matches_sympy(name, x):
    f = SYMPY_FUNCTIONS[name](x_sym)
    value, grads = grads_of(f"{name}(x)", {"x": x})
    assert_close(value, float(f.subs(x_sym, x)), what=f"{name}({x})")
    assert_close(grads["x"], float(sympy.diff(f, x_sym).subs(x_sym, x)), what=f"{name}'({x})")


a_s, b_s, c_s = sympy.symbols("a b c")
PRECEDENCE = [  # text, the same expression built in sympy (Python's precedence)
    ("a - b - c", a_s - b_s - c_s),
    ("a / b / c", a_s / b_s / c_s),
    ("a ** b ** c", a_s ** (b_s**c_s)),
    ("-a ** 2", -(a_s**2)),
    ("(-a) ** 2", a_s**2),
    ("2 ** -a", 2**-a_s),
    ("a * -b + c / 2", a_s * -b_s + c_s / 2),
    ("+a - -b", a_s + b_s),
    ("exp(a) * log(b) ** 2 / sqrt(c)", sympy.exp(a_s) * sympy.log(b_s) ** 2 / sympy.sqrt(c_s)),
]


@pytest.mark.parametrize("text, exact", PRECEDENCE)
def test_precedence_and_associativity_match_python(text, exact):
    point = {"a": 1.5, "b": 1.25, "c": 0.75}
    subs = {a_s: point["a"], b_s: point["b"], c_s: point["c"]}
    value, grads = grads_of(text, point)
    assert_close(value, float(exact.subs(subs)), what=text)
    for symbol in (a_s, b_s, c_s):
        assert_close(
            grads[str(symbol)],
            float(sympy.diff(exact, symbol).subs(subs)),
            what=f"d({text})/d{symbol}",
        )


# Random expressions over total functions: our evaluator against Python's own
# evaluation of the same text (values must agree bit for bit: the same float
# operations in the same order) and against PyTorch float64 (gradients).
TOTAL_FUNCTIONS = ["tanh", "sin", "cos", "sigmoid", "abs", "relu"]
TORCH_NAMES = {
    name: (lambda f: lambda u: f(torch.as_tensor(u, dtype=torch.float64)))(getattr(torch, name))
    for name in TOTAL_FUNCTIONS
}

leaf_text = st.one_of(
    st.sampled_from(["a", "b", "c"]), st.sampled_from(["0.5", "2", "3.25", "-1.5", "1e-3"])
)


def _combine(children):
    unary = st.tuples(st.sampled_from(TOTAL_FUNCTIONS + ["-", "+"]), children).map(
        lambda t: f"{t[0]}({t[1]})" if t[0] not in "-+" else f"{t[0]}{t[1]}"
    )
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children, st.booleans()).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})" if t[3] else f"{t[0]} {t[1]} {t[2]}"
    )
    square = children.map(lambda t: f"({t}) ** 2")
    return st.one_of(unary, binary, square)


expressions = st.recursive(leaf_text, _combine, max_leaves=12)


@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@settings(max_examples=150, deadline=None)
@given(text=expressions, point=st.tuples(*[st.floats(-3, 3)] * 3))
def test_random_expressions_match_python_and_torch(text, point):
    values = dict(zip("abc", point))
    value, grads = grads_of(text, values)

    python_names = {name: ops.TABLE[name].forward for name in TOTAL_FUNCTIONS}
    try:  # trusted test text; Python's int and float arithmetic may overflow where float64 gives inf
        expected = float(eval(text, {"__builtins__": {}}, {**python_names, **values}))
    except OverflowError:
        expected = math.inf
    assume(math.isfinite(expected))
    assert value == expected, text

    leaves = torch_leaves(point)
    out = eval(
        text,
        {"__builtins__": {}},  # trusted test text
        {**TORCH_NAMES, **dict(zip("abc", leaves))},
    )
    if not isinstance(out, torch.Tensor):
        out = torch.tensor(float(out), dtype=torch.float64)
    # libm and PyTorch's kernels may differ by an ulp in tanh/sin/cos/sigmoid.
    for name, expected_grad in zip("abc", torch_gradient(out, leaves)):
        assert_close(
            grads[name], float(expected_grad), rel=1e-9, abs_tol=1e-12, what=f"d({text})/d{name}"
        )


def test_number_operands_are_constant_leaves_and_minus_literal_is_one_leaf():
    root, _ = evaluate("a ** -2", {"a": 2.0})
    base, exponent = root.parents
    assert root.op == "pow" and exponent.op == CONST and exponent.data == -2.0
    assert_close(root.data, 0.25)


def test_leaves_are_labelled_and_unused_variables_get_zero_gradient():
    root, leaves = evaluate("x * x", {"x": 3.0, "unused": 5.0})
    root.backward()
    assert list(leaves) == ["x", "unused"]
    assert leaves["x"].label == "x" and leaves["x"].grad == 6.0
    assert leaves["unused"].grad == 0.0 and leaves["unused"].data == 5.0


def test_an_expression_can_be_evaluated_again_with_new_values():
    e = parse("x ** 3")
    assert e.variables == ("x",)
    first, _ = e.evaluate({"x": 2.0})
    second, leaves = e.evaluate({"x": 3.0})
    second.backward()
    assert (first.data, second.data, leaves["x"].grad) == (8.0, 27.0, 27.0)


def test_variables_are_listed_in_order_of_first_use():
    assert parse("c * tanh(a) + c - b").variables == ("c", "a", "b")


def test_long_unary_chain_is_evaluated_without_recursion():
    # 999 minus signs: deeper than Python's default recursion limit of 1000.
    value, grads = grads_of("-" * 999 + "a", {"a": 2.0})
    assert value == -2.0 and grads["a"] == -1.0


def test_deepest_allowed_bracket_nesting_works():
    text = "(" * expr.MAX_NESTING + "a + 1" + ")" * expr.MAX_NESTING
    assert grads_of(text, {"a": 1.0}) == (2.0, {"a": 1.0})


def test_variable_exponents_are_plain_float_arithmetic():
    value, _ = grads_of("x ** n", {"x": 2.0, "n": 5000.0})
    assert value == math.inf  # float64 overflow, as in PyTorch; not an error


def test_leading_whitespace_and_several_lines_are_accepted():
    assert grads_of("  \n  (a *\n  (b + 1))", {"a": 2.0, "b": 3.0})[0] == 8.0


# -- what it refuses, and where ------------------------------------------------------

REFUSED = [  # text, words the message must contain, column
    ("a * * b", "syntax error", 5),
    ("tanh(a", "never closed", 5),
    ("a.__class__", "attribute access (.__class__)", 1),
    ("b + a[0]", "subscripts", 5),
    ("lambda: a", "lambda", 1),
    ("[x for x in a]", "comprehensions", 1),
    ("b + sum(x for x in a)", "unknown function 'sum'", 5),
    ("__import__('os')", "unknown function '__import__'", 1),
    ("open('x', 'w')", "unknown function 'open'", 1),
    ("a.b(c)", "only the functions", 1),
    ("tanh(x=a)", "keyword arguments", 6),
    ("tanh(a, b)", "takes exactly one argument, got 2", 1),
    ("tanh(*a)", "starred", 6),
    ("a + 'abc'", "strings", 5),
    ("a + f'{b}'", "strings", 5),
    ("a < b", "comparisons", 1),
    ("a and b", "boolean operators", 1),
    ("not a", "'not'", 1),
    ("a if b else c", "conditional", 1),
    ("a // b", "operator //", 1),
    ("a ^ b", "use ** for powers", 1),
    ("(a, b)", "tuples", 1),
    ("(a := 2)", "assignment", 2),
    ("True + a", "True is not a number", 1),
    ("1j * a", "complex", 1),
    ("exp + a", "'exp' is a function", 1),
    ("a + 1e400", "out of range", 5),
    ("a + " + "9" * 65, "number literal is too long", 5),
]


@pytest.mark.parametrize("text, words, column", REFUSED)
def test_refused_with_message_and_position(text, words, column):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, {"a": 1.0, "b": 2.0, "c": 3.0})
    error = caught.value
    assert words in error.message or words in str(error), str(error)
    assert (error.line, error.column) == (1, column), str(error)
    assert f"at column {column}:" in str(error) and "\n" not in str(error)


def test_parser_warnings_do_not_escape(recwarn):
    # Python warns about "\\d" in a string literal (3.12: SyntaxWarning on stderr);
    # the CLI's one error line must stay the only output.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ExpressionError, match="strings are not allowed"):
            parse("a + '\\d'")
    assert len(recwarn) == 0


def test_unknown_variable_is_named_with_the_given_ones():
    with pytest.raises(ExpressionError) as caught:
        evaluate("a * d + e", {"a": 1.0, "b": 2.0})
    assert str(caught.value) == (
        "unknown variable 'd' (at column 5: d); values were given for a, b"
    )


def test_exponent_tower_stops_at_the_first_exponent_out_of_range():
    with pytest.raises(ExpressionError) as caught:
        evaluate("a ** 10 ** 10 ** 10", {"a": 2.0})
    assert "constant exponent 1e+10 is out of range" in str(caught.value)
    assert caught.value.column == 12 and caught.value.snippet == "10 ** 10"
    with pytest.raises(ExpressionError, match="constant exponent 3.8742e"):
        evaluate("9**9**9", {})


def test_constant_exponent_at_the_bound_is_allowed():
    assert grads_of(f"1 ** {expr.MAX_EXPONENT}", {})[0] == 1.0
    with pytest.raises(ExpressionError, match="out of range"):
        evaluate(f"1 ** ({expr.MAX_EXPONENT} + 1)", {})


@pytest.mark.parametrize(
    "text, words, column",
    [
        ("log(a - b)", "log: argument must be positive, got -1.0", 1),
        ("b + a / (b - b)", "div: division by zero", 5),
        ("sqrt(a - b)", "sqrt: argument must be non-negative", 1),
        ("0 ** -a", "pow: 0.0 cannot be raised", 1),
    ],
)
def test_engine_errors_name_the_op_and_the_position(text, words, column):
    with pytest.raises(ExpressionError) as caught:
        evaluate(text, {"a": 1.0, "b": 2.0})
    assert words in str(caught.value) and caught.value.column == column


def test_positions_count_characters_and_see_through_leading_whitespace():
    with pytest.raises(ExpressionError) as caught:
        evaluate("  αβ + x.y", {"αβ": 1.0, "x": 1.0})
    assert caught.value.column == 8 and caught.value.snippet == "x.y"


def test_positions_on_later_lines_name_the_line():
    with pytest.raises(ExpressionError) as caught:
        evaluate("(a +\n  b[1])", {"a": 1.0, "b": 2.0})
    assert (caught.value.line, caught.value.column) == (2, 3)
    assert "at line 2, column 3: b[1]" in str(caught.value)


@pytest.fixture
def parser_must_not_run(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("ast.parse was called on input that must be refused before it")

    monkeypatch.setattr(expr.ast, "parse", refuse)


def test_100000_nested_parentheses_are_refused_before_parsing(parser_must_not_run):
    with pytest.raises(ExpressionError, match="too long: 200001 characters"):
        parse("(" * 100_000 + "a" + ")" * 100_000)


def test_deep_nesting_within_the_length_bound_is_refused_before_parsing(parser_must_not_run):
    text = "(" * (expr.MAX_NESTING + 1) + "a" + ")" * (expr.MAX_NESTING + 1)
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert "nested too deeply" in str(caught.value)
    assert caught.value.column == expr.MAX_NESTING + 1


def test_too_many_nodes_are_refused():
    text = "+".join(["a"] * 600)  # 1199 nodes in 1199 characters
    assert len(text) <= expr.MAX_LENGTH
    with pytest.raises(ExpressionError, match="too large: more than 1000"):
        parse(text)


@pytest.mark.parametrize("text", ["", "   \n ", "a\x00"])
def test_empty_or_nul_text_is_refused(text):
    with pytest.raises(ExpressionError):
        parse(text)


def test_non_string_is_a_type_error():
    with pytest.raises(TypeError, match="must be a str"):
        parse(b"a + b")


def test_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)


@pytest.mark.parametrize(
    "name, words",
    [
        ("1a", "not a valid variable name"),
        ("a-b", "not a valid variable name"),
        ("", "not a valid variable name"),
        ("lambda", "keyword"),
        ("tanh", "function name"),
    ],
)
def test_bad_variable_names(name, words):
    with pytest.raises(ValueError, match=words):
        variable_name(name)


def test_variable_names_are_normalised_like_python_identifiers():
    # Python's parser reads the full-width "ｘ" as "x"; --set must agree.
    assert variable_name("ｘ") == "x"
    assert grads_of("ｘ * 2", {"ｘ": 3.0})[0] == 6.0


def test_nothing_is_executed_the_module_never_calls_eval_exec_or_compile():
    source = pathlib.Path(expr.__file__).read_text(encoding="utf-8")
    called = {
        node.func.id
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not called & {"eval", "exec", "compile", "__import__"}


# -- the constants pi and e ----------------------------------------------------------


def test_pi_and_e_are_the_math_module_constants_not_variables():
    """Closed forms: d/da [sin(pi·a) + e**a] = pi·cos(pi·a) + e**a (since ln e = 1)."""
    expression = parse("sin(pi*a) + e**a")
    assert expression.variables == ("a",)
    root, leaves = expression.evaluate({"a": 0.25})
    root.backward()
    assert_close(root.data, math.sin(math.pi * 0.25) + math.e**0.25)
    assert_close(leaves["a"].grad, math.pi * math.cos(math.pi * 0.25) + math.e**0.25)
    assert set(leaves) == {"a"}


def test_each_constant_is_one_leaf_named_after_it_in_the_trace():
    """A name denotes one node, as a variable does: pi*a + pi uses the same pi twice."""
    from autograd_scalar import trace_backward

    root, _ = evaluate("pi*a + pi", {"a": 2.0})
    pis = [parent for parent in root.parents if parent.label == "pi"]
    assert len(pis) == 1 and pis[0] in root.parents[0].parents
    assert pis[0].data == math.pi
    assert "pi = 3.14159  (constant)" in trace_backward(root).to_text()


@pytest.mark.parametrize("name", ["pi", "e"])
def test_a_variable_cannot_shadow_a_constant(name):
    with pytest.raises(ValueError, match=f"'{name}' is the constant"):
        variable_name(name)
    with pytest.raises(ValueError, match=f"'{name}' is the constant .*cannot be given a value"):
        evaluate(f"{name} * x", {"x": 1.0, name: 3.0})


def test_calling_a_constant_says_it_is_a_constant():
    with pytest.raises(ExpressionError, match="'pi' is a constant, not a function"):
        parse("pi(2)")


def test_all_unknown_variables_are_named_in_one_message():
    with pytest.raises(ExpressionError) as caught:
        evaluate("a * d + f - d * g", {"a": 1.0, "b": 2.0})
    assert str(caught.value) == (
        "unknown variables 'd', 'f', 'g' (at column 5: d); values were given for a, b"
    )
