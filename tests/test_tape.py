"""The tape: one example's graph recorded once, replayed over a batch with numpy.

Sources of truth: the scalar engine on the same function (its ``backward()``
on the mean of the per-example graphs), PyTorch float64 where a closed form
helps, and the documented limits (branching on data, hand-built nodes,
domain errors naming the op and the batch row).
"""

import ast
import pathlib
import random
import subprocess
import sys
import warnings

import numpy as np
import pytest

from autograd_scalar import Value, engine, nn, optim, tape
from autograd_scalar.data import make_moons
from autograd_scalar.tape import passes, recording
from conftest import assert_close


def moons(n=100, seed=1337):
    X, y = make_moons(n, noise=0.1, seed=seed)
    return X, [2.0 * label - 1.0 for label in y]


def moons_model(seed=1337):
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(seed))
    rng = random.Random(seed)
    for p in model.parameters():  # biases too, so their gradients are not all alike
        p.data = rng.uniform(-1.0, 1.0)
    return model


def hinge_loss_of(model):
    params = model.parameters()
    return lambda x, y: (1.0 - model(x) * y).relu() + 1e-4 * nn.l2(params)


def scalar_loss_and_grads(model, X, y):
    params = model.parameters()
    loss = nn.hinge([model(x) for x in X], y) + 1e-4 * nn.l2(params)
    model.zero_grad()
    loss.backward()
    return loss.data, [p.grad for p in params]


def assert_all_close(actual, expected, tol=1e-9, what=""):
    assert len(actual) == len(expected)
    worst = max(abs(a - b) for a, b in zip(actual, expected))
    assert worst <= tol, f"{what}: max |difference| {worst:.3g}"


# -- the acceptance criteria ----------------------------------------------------------------


def test_moons_training_with_the_tape_gives_the_scalar_paths_weights_after_20_sgd_steps():
    """Same seed, same data, 20 SGD steps (lr 1.0 -> 0.1): the weights agree to 1e-9."""
    X, y = moons()
    scalar_model, tape_model = moons_model(), moons_model()
    taped = tape.record(hinge_loss_of(tape_model), X[0], y[0], params=tape_model.parameters())
    scalar_opt = optim.SGD(scalar_model.parameters(), lr=1.0)
    tape_opt = optim.SGD(tape_model.parameters(), lr=1.0)
    Xa, ya = np.array(X), np.array(y)
    for k in range(20):
        scalar_loss, _ = scalar_loss_and_grads(scalar_model, X, y)
        tape_opt.zero_grad()
        tape_loss = taped.backward(Xa, ya)
        assert abs(scalar_loss - tape_loss) <= 1e-9
        for opt in (scalar_opt, tape_opt):
            opt.lr = 1.0 - 0.9 * k / 20
            opt.step()
    assert_all_close(
        [p.data for p in tape_model.parameters()],
        [p.data for p in scalar_model.parameters()],
        what="weights after 20 steps",
    )


def test_record_raises_tape_error_on_a_function_that_branches_on_data():
    """A Python `if` on .data would record one branch: the read itself is refused."""
    w = Value(2.0)

    def branchy(x):
        return w * x if x.data > 0 else (w - x).tanh()

    with pytest.raises(tape.TapeError, match=r"reads the number of input x \(a comparison"):
        tape.record(branchy, 1.0, params=[w])


# -- record: what a tape is and what it refuses ---------------------------------------------


def test_record_names_a_constant_computed_from_data():
    """x * x.data is x² by value, but x.data would be frozen into the graph as a constant."""
    with pytest.raises(tape.TapeError, match="reads the number of input x"):
        tape.record(lambda x: x * x.data, 1.5)


def test_a_nan_constant_is_the_same_constant_in_every_trace():
    """nan != nan, but a constant nan in fn is no sign of branching on data."""
    taped = tape.record(lambda x: x + float("nan"), 1.0, check=[(2.0,)])
    assert np.isnan(taped.forward([1.0])).all()


def test_record_retraces_the_check_examples():
    """A graph that changes with something besides the numbers (a global) is found by check."""
    calls = []

    def counting(x):
        calls.append(1)
        return x * 2.0 if len(calls) == 1 else x * x

    with pytest.raises(tape.TapeError, match="check example 0"):
        tape.record(counting, 1.0, check=[(500.0,)])


def test_record_rejects_a_hand_built_node_with_float_local_grads():
    """Such a node carries numbers, not a rule of the table, so it cannot be replayed."""

    def cube(x):
        return engine.new_node(8.0, (x,), (12.0,), "cube")

    with pytest.raises(tape.TapeError, match="built by hand with float local_grads"):
        tape.record(cube, 2.0)


def test_a_float_closed_over_is_a_constant_of_the_tape():
    """Documented: a label fn closes over is the same for every row; pass it as an input."""
    label = 3.0
    taped = tape.record(lambda x: x * label, 1.0)
    assert taped.forward([1.0, 2.0]).tolist() == [3.0, 6.0]
    by_input = tape.record(lambda x, t: x * t, 1.0, label)
    assert by_input.forward([1.0, 2.0], [3.0, -1.0]).tolist() == [3.0, -2.0]


def test_record_requires_fn_to_return_a_value():
    with pytest.raises(tape.TapeError, match="fn must return a Value"):
        tape.record(lambda x: 1.0, 1.0)


def test_cross_entropy_records_without_a_false_alarm_and_matches_the_scalar_path():
    """Its max-logit shift is a running max in the graph, not a constant read from data."""
    model = nn.MLP(3, [5, 4], rng=random.Random(0))
    params = model.parameters()
    onehot = [[1.0 if k == c else 0.0 for k in range(4)] for c in (0, 3, 2)]
    X = [[0.5, -1.0, 2.0], [30.0, 1.0, -2.0], [-0.5, 0.25, 0.0]]
    taped = tape.record(
        lambda x, p: nn.cross_entropy(model(x), p),
        X[0],
        onehot[0],
        params=params,
        check=[(X[1], onehot[1])],
    )
    loss, grads = taped.value_and_grad(X, onehot)
    scalar = sum(nn.cross_entropy(model(x), c) for x, c in zip(X, (0, 3, 2))) * (1 / 3)
    model.zero_grad()
    scalar.backward()
    assert_close(loss, scalar.data)
    assert_all_close(grads, [p.grad for p in params], tol=1e-12, what="cross-entropy grads")


# -- replaying: values, gradients, the passes -------------------------------------------------


@pytest.mark.parametrize(
    "group, lift", [(True, True), (True, False), (False, True), (False, False)]
)
def test_every_combination_of_passes_gives_the_scalar_paths_loss_and_gradients(group, lift):
    X, y = moons(40)
    model = moons_model()
    taped = tape.record(hinge_loss_of(model), X[0], y[0], params=model.parameters())
    loss, grads = taped.passes(group, lift).value_and_grad(X, y)
    expected_loss, expected_grads = scalar_loss_and_grads(model, X, y)
    assert abs(loss - expected_loss) <= 1e-12
    assert_all_close(grads, expected_grads, tol=1e-12, what=f"group={group} lift={lift}")


def test_the_passes_turn_the_moons_mlp_into_a_few_instructions():
    """71 nodes: 11 instructions with both passes (3 matrix products), 41 with grouping only."""
    X, y = moons(4)
    model = moons_model()
    taped = tape.record(hinge_loss_of(model), X[0], y[0], params=model.parameters())
    assert (
        taped.instructions,
        taped.passes(lift=False).instructions,
        taped.passes(False, False).instructions,
    ) == (11, 41, 71)
    text = taped.to_text()
    assert "= W·[v38, v39] + b   (16 dot nodes as one matrix product; W is 16×2" in text
    assert "(16 relu nodes as one array op)" in text


def test_the_schedule_lists_the_instructions_by_kind_and_instructions_counts_them():
    """The moons MLP's 11 instructions: its 3 layers as matrix products (16×2, 16×16,
    1×16), the L2 penalty's p·p as a product with no batch input (b alone, 337 pairs),
    the 16-unit relus lifted, the rest node by node; without the passes every
    instruction is one node."""
    X, y = moons(4)
    model = moons_model()
    taped = tape.record(hinge_loss_of(model), X[0], y[0], params=model.parameters())
    assert taped.instructions == len(taped.schedule) == 11
    products = [i for i in taped.schedule if isinstance(i, passes.MatMul)]
    layers = [(len(p.weights), len(p.inputs)) for p in products if p.inputs]
    assert layers == [(16, 2), (16, 16), (1, 16)]
    assert [len(p.pairs[0]) for p in products if not p.inputs] == [len(model.parameters())]
    lifted = [i for i in taped.schedule if isinstance(i, passes.Elementwise) and len(i.nodes) > 1]
    assert [(i.op.name, len(i.nodes)) for i in lifted] == [("relu", 16), ("relu", 16)]
    plain = taped.passes(group=False, lift=False).schedule
    assert len(plain) == 71 and all(len(i.nodes) == 1 for i in plain)
    assert {type(i) for i in plain} == {passes.Elementwise, passes.Nary}


def test_the_wengert_list_says_what_each_leaf_is():
    """A parameter by its index in params, an input by argument and element, a constant
    by its value; op nodes by the table's op over their parents."""
    w = Value(0.5, label="w")
    taped = tape.record(lambda x, t: w * x[1] + t * 2.0, [1.0, 2.0], 3.0, params=[w])
    nodes = taped.wengert_list()
    leaves = [(node.leaf, node.label) for node in nodes if node.op is None]
    assert sorted(leaves, key=repr) == sorted(
        [
            (recording.Param(0), "w"),
            (recording.Input(0, 1), "x0[1]"),
            (recording.Input(1, None), "x1"),
            (recording.Constant(2.0), ""),
        ],
        key=repr,
    )
    by_label = {node.label: i for i, node in enumerate(nodes) if node.label}
    ops_used = [(node.op, node.parents) for node in nodes if node.op is not None]
    assert ("mul", (by_label["w"], by_label["x0[1]"])) in ops_used
    assert nodes[-1].op == "add" and nodes[-1].leaf is None


def imports_the_table(source: str) -> bool:
    """Whether a tape module's source imports ``autograd_scalar.ops`` (relatively or not)."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = ("autograd_scalar." if node.level == 2 else "") + (node.module or "")
            names = [f"{module.rstrip('.')}.{alias.name}" for alias in node.names]
            if "autograd_scalar.ops" in [module, *names]:
                return True
        if isinstance(node, ast.Import) and any(
            a.name == "autograd_scalar.ops" for a in node.names
        ):
            return True
    return False


#: The tape's compiler stages, which read the derivative table only through tape/table.py.
STAGES = ["recording", "passes", "layout", "bind", "replay", "text"]


def test_the_stages_read_the_derivative_table_through_one_adapter():
    """Only tape/table.py among the stages imports ops.py, so a change in how the table
    writes its rows (batch forms, formulas) is one change in the tape."""
    package = pathlib.Path(tape.__file__).parent
    readers = [
        name
        for name in [*STAGES, "table"]
        if imports_the_table((package / f"{name}.py").read_text(encoding="utf-8"))
    ]
    assert readers == ["table"]
    assert imports_the_table("from .. import ops") and imports_the_table("from ..ops import TABLE")
    assert not imports_the_table("from .table import DOT")


def test_a_parameter_used_twice_in_one_group_gets_both_contributions():
    """Tied weights: two neurons share w, so dW scatters twice onto one row (numpy.add.at)."""
    w, v = Value(0.5), Value(-2.0)

    def tied(x):
        return (
            engine.dot([w, v], x).tanh()
            + engine.dot([w, w], x).tanh()
            + engine.dot([v, w], x).tanh()
        )

    X = [[0.3, -0.7], [1.5, 2.0], [-1.0, 0.25]]
    loss, grads = tape.record(tied, X[0], params=[w, v]).value_and_grad(X)
    scalar = sum(tied([Value(a) for a in x]) for x in X) * (1 / 3)
    w.grad = v.grad = 0.0
    scalar.backward()
    assert_close(loss, scalar.data)
    assert_all_close(grads, [w.grad, v.grad], tol=1e-14, what="tied weights")


def test_forward_gives_each_rows_output_as_the_model_does():
    model = moons_model()
    taped = tape.record(model, [0.0, 0.0], params=model.parameters())
    grid = [[u, v] for u in (-1.0, 0.0, 2.5) for v in (-0.5, 1.0)]
    expected = [model(point).data for point in grid]
    assert_all_close(taped.forward(grid).tolist(), expected, tol=1e-12, what="grid")


def test_parameters_are_read_at_call_time():
    w = Value(1.0)
    taped = tape.record(lambda x: w * x, 1.0, params=[w])
    w.data = 3.0
    assert taped.forward([2.0]).tolist() == [6.0]


def test_backward_accumulates_the_mean_gradient_into_grad():
    w = Value(1.0)
    taped = tape.record(lambda x: w * x, 1.0, params=[w])
    w.grad = 1.0
    loss = taped.backward([2.0, 4.0])
    assert (loss, w.grad) == (3.0, 4.0)


def test_a_batch_sizes_buffers_are_allocated_once_and_reused():
    w = Value(1.0)
    taped = tape.record(lambda x: (w * x).tanh(), 1.0, params=[w])
    taped.value_and_grad([1.0, 2.0])
    first = taped.forward([0.5, 1.0])
    buffers = [id(array) for plan in taped._plans.values() for array in plan.values]
    taped.value_and_grad([3.0, 4.0])
    assert [id(a) for plan in taped._plans.values() for a in plan.values] == buffers
    assert first.tolist() == [np.tanh(0.5), np.tanh(1.0)]


# -- errors ---------------------------------------------------------------------------------


def test_a_domain_error_names_the_op_the_node_and_the_batch_row_without_warnings():
    w = Value(1.0)
    taped = tape.record(lambda x: (w * x).log(), 1.0, params=[w])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(
            ValueError,
            match=r"log: argument must be positive, got -2.0 "
            r"\(tape node v3 = log\(v2\), batch row 2\)",
        ):
            taped.forward([1.0, 0.5, -2.0])


def test_division_by_zero_names_the_batch_row():
    taped = tape.record(lambda x, y: x / y, 1.0, 2.0)
    with pytest.raises(
        ZeroDivisionError, match=r"div: division by zero \(3.0 / 0.0\).*batch row 1"
    ):
        taped.forward([1.0, 3.0], [2.0, 0.0])


def test_float_overflow_gives_inf_as_python_floats_do():
    taped = tape.record(lambda x: x.exp(), 1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert taped.forward([1000.0]).tolist() == [float("inf")]


@pytest.mark.parametrize(
    "batch, message",
    [
        (([[1.0, 2.0, 3.0]], [1.0]), r"batch argument 0 must have shape \(batch, 2\)"),
        (([1.0, 2.0], [1.0, 2.0]), r"batch argument 0 must have shape \(batch, 2\)"),
        (([[1.0, 2.0]], [1.0, 2.0]), r"different lengths \[1, 2\]"),
        (([[1.0, 2.0]],), "takes 2 batch arguments"),
        ((np.zeros((0, 2)), np.zeros(0)), "empty batch"),
        ((["a", "b"], [1.0]), "batch argument 0 is not an array of numbers"),
    ],
)
def test_a_batch_of_the_wrong_shape_gets_a_clear_error(batch, message):
    w = Value(1.0)
    taped = tape.record(lambda x, y: w * x[0] * x[1] + y, [1.0, 2.0], 3.0, params=[w])
    with pytest.raises(tape.TapeError, match=message):
        taped.forward(*batch)


def test_importing_the_package_does_not_import_numpy():
    code = "import sys, autograd_scalar; print('numpy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    "fn, good, bad",
    [
        (lambda x: x.log(), 2.0, 0.0),
        (lambda x: x.sqrt(), 2.0, -1.0),
        (lambda x: 1.0 / x, 2.0, 0.0),
        (lambda x: x**-1.5, 2.0, 0.0),
        (lambda x: x**0.5 + x, 2.0, -4.0),
    ],
)
def test_domain_errors_are_the_scalar_engines_with_node_and_row(fn, good, bad):
    """The same exception type and message as the Value path, plus where on the tape."""
    with pytest.raises((ValueError, ZeroDivisionError)) as scalar:
        fn(Value(bad))
    taped = tape.record(fn, good)
    with pytest.raises(type(scalar.value)) as batched:
        taped.forward([good, good, bad])
    assert str(batched.value).startswith(str(scalar.value) + " (tape node v")
    assert str(batched.value).endswith("batch row 2)")
