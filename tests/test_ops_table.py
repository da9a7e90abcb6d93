"""The table's rows: fields grouped by interpreter, each domain written once.

Sources of truth: the row's :class:`~autograd_scalar.ops.Domain` (what is
invalid and its message) must drive the float forward's error, the tape's
batch error and the browser's ``fail(...)`` with the same text; a row says
how it runs over a batch, and a row that cannot gets an error naming it.
"""

import ast
import math
from pathlib import Path

import numpy as np
import pytest

from autograd_scalar import Value, ops, tape
from autograd_scalar.tape import batch

OPS_PY = Path(ops.__file__)

#: Invalid arguments of each op with a domain, and the message the domain writes.
INVALID = [
    ("div", (1.5, 0.0), "div: division by zero (1.5 / 0.0)"),
    ("pow", (0.0, -2.0), "pow: 0.0 cannot be raised to the negative power -2.0"),
    ("pow", (-8.0, 0.5), "pow: negative base -8.0 with non-integer exponent 0.5 has no real value"),
    ("log", (-1.0,), "log: argument must be positive, got -1.0"),
    ("log", (0.0,), "log: argument must be positive, got 0.0"),
    ("sqrt", (-2.5,), "sqrt: argument must be non-negative, got -2.5"),
]


def test_every_op_with_a_domain_has_an_invalid_example_here():
    assert {name for name, _, _ in INVALID} == {n for n, op in ops.TABLE.items() if op.domain}


@pytest.mark.parametrize("name, args, message", INVALID)
def test_the_float_forward_and_the_batch_forward_raise_the_domains_message(name, args, message):
    op = ops.TABLE[name]
    with pytest.raises((ValueError, ZeroDivisionError)) as on_floats:
        op.apply(args)
    assert str(on_floats.value) == message
    rows = [np.array([1.0, a]) for a in args]  # row 0 valid for every op here, row 1 invalid
    with pytest.raises(type(on_floats.value)) as on_batch:
        batch.forms(op).forward(*rows)
    assert str(on_batch.value) == message and on_batch.value.batch_index == (1,)


@pytest.mark.parametrize("name, args, message", INVALID)
def test_the_javascript_fail_is_built_from_the_same_message(name, args, message):
    """The browser test runs it; here: the same literal pieces, num() for the numbers."""
    op = ops.TABLE[name]
    (domain,) = [d for d in op.domain if d.bad(*args)][:1]
    script = domain.javascript()
    assert script.startswith("fail(") and script in op.javascript()
    assert domain.message_for(*args) == message
    for piece in domain.message.replace("{x}", "\0").replace("{y}", "\0").split("\0"):
        assert not piece or f'"{piece}"' in script


def test_the_rows_have_no_numpy_branch():
    """The float forwards and rules never test for arrays: the batch forms live in
    tape/batch.py and the generic functions in generic.py (read from the code, not
    the docstrings)."""
    tree = ast.parse(OPS_PY.read_text(encoding="utf-8"))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not names & {"numpy", "np", "_is_batch", "hasattr", "__array_ufunc__", "extras"}
    assert "numpy" not in imported


def test_a_row_whose_forward_is_float_only_is_refused_by_the_tape_by_name():
    tan = ops.Op("tan", forward=math.tan, rules=(ops.Rule(lambda out, x: 1.0 + out * out, "t"),))
    with pytest.raises(tape.TapeError, match=r"^tan: its forward does not run on numpy arrays"):
        batch.forms(tan)


def test_a_row_without_a_batch_form_is_refused_by_the_tape_by_name():
    tan = ops.Op(
        "tan", forward=math.tan, batch=None, rules=(ops.Rule(lambda out, x: 1.0 + out * out, "t"),)
    )
    with pytest.raises(tape.TapeError, match=r"^tan: the derivative table gives its forward no"):
        batch.forms(tan)


def test_every_row_of_the_table_runs_over_a_batch():
    for op in ops.TABLE.values():
        forms = batch.forms(op)
        assert len(forms.rules) == (0 if op.arity is None else op.arity), op


def test_the_type_stubs_are_generated_from_the_table():
    engine_py = OPS_PY.parent / "engine.py"
    text = engine_py.read_text(encoding="utf-8")
    start, end = (text.index(marker) for marker in ops.STUB_MARKERS)
    body = text[start:end].split("\n", 1)[1]
    assert body == ops.type_stubs(), "regenerate with `python -m autograd_scalar.ops --write`"
    ast.parse(ops.type_stubs().replace("        def", "def"))


def test_a_rule_object_carries_function_text_javascript_mask_and_batch_form():
    (rule,) = ops.TABLE["relu"].derivatives
    assert rule.function(0.0, 2.0) == 1.0 and rule.text.startswith("d relu(x)/dx")
    assert rule.javascript == "x <= 0 ? 0 : 1" and rule.mask(0.0, -1.0) and rule.batch == "relu_dx"
    assert Value(-1.0).relu().local_grads == (0.0,)
