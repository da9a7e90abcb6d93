"""Regressions of the reliability review: no silent wrong gradients, per-thread
modes, whole files, clear errors.

Each test names its source of truth: PyTorch float64 (torch.autograd and its
forward mode), a closed form, or the documented contract.
"""

import copy
import math
import os
import pickle
import random
import stat
import sys
import threading
from contextlib import closing, contextmanager

import numpy as np
import pytest
import torch

import autograd_scalar as ag
from autograd_scalar import (
    Value,
    cli,
    detect_anomaly,
    files,
    grad,
    gradients,
    jvp,
    nn,
    no_grad,
    ops,
    optim,
)
from conftest import torch_float


def tensor(x, grad=True):
    return torch.tensor(x, dtype=torch.float64, requires_grad=grad)


# -- 1. masking ops: a zero local derivative that is a mask passes nothing --------------


def test_relu_masks_the_infinite_gradient_of_sqrt_at_zero_as_torch_does():
    """torch: relu's backward is where(x <= 0, 0, grad), so 0, not 0·inf = nan."""
    x = Value(-1.0)
    x.relu().sqrt().backward()
    t = tensor(-1.0)
    torch.relu(t).sqrt().backward()
    assert x.grad == torch_float(t.grad) == 0.0


def test_relu_then_a_fractional_power_masks_the_pole():
    x = Value(0.0)
    (x.relu() ** 0.5).backward()
    t = tensor(0.0)
    (torch.relu(t) ** 0.5).backward()
    assert x.grad == torch_float(t.grad) == 0.0


def test_power_zero_masks_its_base_gradient_as_torch_does():
    """torch: pow's backward in x is where(y == 0, 0, grad·y·x^(y-1))."""
    x = Value(2.0)
    ((x**0.0) - 1.0).sqrt().backward()  # sqrt'(0) = inf flows into x ** 0
    t = tensor(2.0)
    ((t**0.0) - 1.0).sqrt().backward()
    assert x.grad == torch_float(t.grad) == 0.0


def test_gradients_honour_the_mask_with_and_without_create_graph():
    x = Value(-1.0)
    y = x.relu().sqrt()
    assert gradients(y, [x])[0] == 0.0
    (g,) = gradients(y, [x], create_graph=True)
    assert g.data == 0.0


def test_jvp_honours_the_mask_and_agrees_with_reverse_mode():
    """sqrt(relu(x)) is 0 for all x < 0, so its derivative at -1 is 0: reverse
    mode (torch.autograd's too) gives 0, and so must forward mode. (torch's
    forward mode gives nan here: it passes a 0 tangent, then 0·sqrt'(0) = nan.)"""
    t = tensor(-1.0)
    torch.relu(t).sqrt().backward()
    assert jvp(lambda x: x.relu().sqrt(), [-1.0], [1.0]) == (0.0, torch_float(t.grad))
    assert jvp(lambda x: x.relu() ** 0.5, [-1.0], [1.0]) == (0.0, 0.0)


def test_masks_are_declared_in_the_table_and_the_rule_is_zero_there():
    assert ops.TABLE["relu"].masks is not None and ops.TABLE["pow"].masks is not None
    for name, args in [
        ("relu", (-2.0,)),
        ("relu", (0.0,)),
        ("pow", (3.0, 0.0)),
        ("pow", (0.0, 0.0)),
        ("pow", (math.nan, 0.0)),
    ]:
        op = ops.TABLE[name]
        out = op.apply(args)
        for masked, local in zip(op.masked(out, args), op.local_grads(out, args)):
            assert not masked or local == 0.0, (name, args)


# -- 2. relu(nan) ------------------------------------------------------------------------


def test_relu_of_nan_is_nan_and_passes_the_gradient_as_torch_does():
    x = Value(math.nan)
    y = x.relu()
    y.backward()
    t = tensor(math.nan)
    torch.relu(t).backward()
    assert math.isnan(y.data)
    assert x.grad == torch_float(t.grad) == 1.0


def test_detect_anomaly_catches_a_nan_entering_relu():
    with detect_anomaly(), pytest.raises(FloatingPointError, match="relu produced nan"):
        Value(math.nan, label="z").relu()


# -- 3. hand-built ops are never re-derived from the table ---------------------------------


def _log10(x):
    return Value(
        math.log10(x.data), parents=(x,), local_grads=(1 / (x.data * math.log(10)),), op="log"
    )


def test_a_hand_built_op_named_like_a_table_op_keeps_its_own_first_derivative():
    """Closed form: d log10(x)/dx = 1/(x ln 10)."""
    assert grad(_log10)(2.0) == 1 / (2.0 * math.log(10))
    x = Value(2.0)
    _log10(x).backward()
    assert x.grad == 1 / (2.0 * math.log(10))


def test_a_hand_built_op_refuses_a_second_derivative_naming_the_op():
    with pytest.raises(RuntimeError, match="'log'.*cannot be differentiated twice"):
        grad(_log10)(Value(2.0))
    with pytest.raises(RuntimeError, match="'log'"):
        grad(grad(_log10))(2.0)


# -- 4. create_graph records inside no_grad --------------------------------------------


def test_create_graph_inside_no_grad_still_gives_a_differentiable_derivative():
    """Closed form: d²(x³)/dx² = 6x = 18 at x = 3; torch records here too."""
    x = Value(3.0)
    y = x**3
    with no_grad():
        (dx,) = gradients(y, [x], create_graph=True)
    assert dx.data == 27.0
    assert gradients(dx, [x])[0] == 18.0


# -- 5. per-thread modes, thread-safe ordering -----------------------------------------------


def _in_thread(target):
    errors = []

    def run():
        try:
            target()
        except BaseException as error:  # noqa: BLE001 -- reported to the test thread
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_no_grad_entered_and_left_interleaved_in_two_threads_leaves_recording_on():
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with no_grad():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def second():
        a_in.wait(5)
        with no_grad():
            b_in.set()
            a_out.wait(5)
        assert ag.is_grad_enabled()

    (t1, e1), (t2, e2) = _in_thread(first), _in_thread(second)
    t1.join(10), t2.join(10)
    assert not e1 and not e2, e1 + e2
    assert ag.is_grad_enabled()
    assert (Value(2.0) * 3).parents


@contextmanager
def _another_thread_inside(block):
    """Run the body while another thread sits inside ``block()``."""
    entered, done = threading.Event(), threading.Event()

    def hold():
        with block():
            entered.set()
            done.wait(5)

    thread, errors = _in_thread(hold)
    entered.wait(5)
    try:
        yield
    finally:
        done.set()
        thread.join(10)
    assert not errors


def test_no_grad_in_one_thread_does_not_stop_recording_in_another():
    with _another_thread_inside(no_grad):
        assert ag.is_grad_enabled()
        assert (Value(2.0) * 3).parents
        with ag.scope("mine"):
            assert (Value(1.0) + 1).scope == "mine"


def test_a_new_thread_starts_with_the_default_modes():
    seen = []
    with no_grad(), detect_anomaly(), ag.scope("outer"):
        thread, errors = _in_thread(
            lambda: seen.append(
                (ag.is_grad_enabled(), ag.modes.state.anomaly, ag.modes.state.scope)
            )
        )
        thread.join(10)
    assert not errors and seen == [(True, False, None)]


def test_open_mode_blocks_are_counted_back_to_zero_also_after_an_error():
    """The engine trusts ``switched.mode_blocks == 0`` to mean: every thread records."""
    with pytest.raises(ZeroDivisionError):
        with no_grad(), detect_anomaly(), ag.enable_grad(), ag.scope("s"):
            assert ag.modes.switched.mode_blocks == 3
            raise ZeroDivisionError("inside the blocks")
    assert ag.modes.switched.mode_blocks == 0


def test_open_scopes_are_counted_back_to_zero_also_after_an_error_or_an_early_stop():
    """The engine trusts ``switched.scopes == 0`` to mean: no thread has a scope."""
    with pytest.raises(ZeroDivisionError):
        with ag.scope("outer"), closing(ag.modes.scoped_each([1, 2, 3], "abc")) as items:
            for _ in items:
                assert ag.modes.switched.scopes == 2
                raise ZeroDivisionError("inside the loop")
    assert ag.modes.switched.scopes == 0
    assert (Value(1.0) * 2).scope is None


def test_a_scope_open_in_one_thread_tags_nothing_in_another():
    with _another_thread_inside(lambda: ag.scope("theirs")):
        assert ag.modes.switched.scopes == 1
        assert (Value(1.0) + 1).scope is None
        with ag.scope("mine"):
            assert (Value(1.0) + 1).scope == "mine"


def test_threads_ordering_shared_nodes_at_once_get_correct_gradients():
    """Closed form: y = x + Σ_k h·w_k with h = 2x, so ∂y/∂x = 1 + 2·Σ w_k.

    The shared interior node h is where two walks' marks would clash: listed
    twice, it would pass its gradient on twice."""
    x = Value(1.5)
    h = x * 2.0
    weights = [0.001 * k for k in range(5000)]
    chain = x
    for w in weights:  # long enough that the walks overlap in time
        chain = chain + h * w
    expected = 1.0 + 2.0 * sum(weights)
    results = []
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [
            _in_thread(lambda: results.append([gradients(chain, [x])[0] for _ in range(5)]))
            for _ in range(4)
        ]
        for thread, _ in threads:
            thread.join(60)
    finally:
        sys.setswitchinterval(previous)
    assert all(not errors for _, errors in threads)
    assert len(results) == 4
    for run in results:
        assert all(math.isclose(g, expected, rel_tol=1e-12) for g in run), run


# -- 6. float() of a Value; module-level functions -----------------------------------------


def test_math_sin_of_a_value_raises_naming_the_differentiable_spelling():
    with pytest.raises(TypeError, match=r"x\.sin\(\).*autograd_scalar\.sin\(x\)"):
        grad(lambda x: math.sin(x))(0.0)


def test_module_level_functions_exist_for_every_function_of_the_table():
    """Each ag.<name>(x) is the table op: same value and derivative as the method."""
    point = {"log": 0.7, "sqrt": 0.7}
    for name in ops.UNARY_FUNCTIONS:
        function = getattr(ag, name)
        method = getattr(Value, name, None) or getattr(Value, f"__{name}__")
        x = point.get(name, -0.3)
        assert function(Value(x)).data == method(Value(x)).data
        assert grad(function)(x) == grad(method)(x)
        assert name in ag.__all__


def test_module_level_sin_is_differentiable_where_math_sin_is_not():
    """Closed form: d sin(x)/dx = cos(x)."""
    assert grad(lambda x: ag.sin(x))(0.0) == 1.0
    assert ag.exp(0.0).data == 1.0  # a number becomes a constant leaf
    with pytest.raises(TypeError, match="sin: x must be a Value or a real number"):
        ag.sin("1")


def test_values_and_models_can_still_be_copied_and_pickled():
    """Value checks its arguments in __new__: copy and pickle must still work."""
    model = nn.MLP(2, [2, 1], rng=random.Random(1))
    twin = copy.deepcopy(model)
    assert twin.state_dict() == model.state_dict()
    x = Value(2.0, label="x")
    y = pickle.loads(pickle.dumps(x * x))
    assert (y.data, y.op, [p.label for p in y.parents]) == (4.0, "mul", ["x", "x"])


# -- 7. numpy scalars assigned to .data ---------------------------------------------------


def test_micrograd_update_with_numpy_scalars_keeps_working():
    p = Value(0.5)
    (p * p).backward()
    p.data -= np.float64(0.1) * p.grad  # micrograd's update idiom, with numpy numbers
    y = p.relu().sin() + p.tanh() * p
    y.backward()
    assert type(p.data) is float and p.data == 0.5 - 0.1 * 1.0
    assert math.isclose(y.data, math.sin(0.4) + math.tanh(0.4) * 0.4)


def test_a_numpy_float32_or_int_in_data_is_read_as_a_float():
    for number in (np.float32(0.25), np.int64(2), 3):
        p = Value(1.0)
        p.data = number
        q = Value(1.0)
        q.data = number
        assert ag.dot([p], [q]).data == float(number) ** 2
        assert (p**2).data == float(number) ** 2


# -- 10, 12, 15: files --------------------------------------------------------------------


@pytest.mark.parametrize("length", [218, 240, 255])
def test_file_names_up_to_the_limit_can_be_written(tmp_path, length):
    path = tmp_path / ("g" * (length - 4) + ".svg")
    files.write_atomic(path, b"<svg/>")
    assert path.read_bytes() == b"<svg/>" and os.listdir(tmp_path) == [path.name]


def test_long_file_names_for_model_save_trace_and_graph(tmp_path):
    model = nn.MLP(2, [2, 1], rng=random.Random(1))
    model.save(tmp_path / ("m" * 250 + ".json"))
    x = Value(2.0, label="x")
    y = x * x
    ag.viz.save(y, tmp_path / ("g" * 250 + ".dot"), format="dot")
    ag.trace_backward(y).save_html(tmp_path / ("t" * 250 + ".html"))
    assert len(os.listdir(tmp_path)) == 3


def test_saving_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path):
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    files.write_atomic(link, b"new")
    assert link.is_symlink() and target.read_bytes() == b"new"


def test_resaving_keeps_the_file_mode(tmp_path):
    path = tmp_path / "model.json"
    nn.MLP(2, [1], rng=random.Random(1)).save(path)
    os.chmod(path, 0o600)
    nn.MLP(2, [1], rng=random.Random(2)).save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_saving_to_an_empty_name_says_so():
    with pytest.raises(ValueError, match="^cannot write a file with an empty name$"):
        nn.MLP(2, [1], rng=random.Random(1)).save("")


def test_a_save_error_names_the_target_not_the_temporary_file(tmp_path):
    target = tmp_path / "missing-folder" / "model.json"
    with pytest.raises(FileNotFoundError) as caught:
        nn.MLP(2, [1], rng=random.Random(1)).save(target)
    assert caught.value.filename == str(target)
    assert ".tmp" not in str(caught.value)


def _disk_full_at(path, monkeypatch):
    """Make moving a finished temporary file onto ``path`` fail (ENOSPC)."""
    replace = os.replace

    def failing(src, dst):
        if str(dst) == str(path):
            raise OSError(28, "No space left on device", str(src))
        return replace(src, dst)

    monkeypatch.setattr(files.os, "replace", failing)


def test_writing_several_files_is_all_or_none(tmp_path, monkeypatch):
    first, second = tmp_path / "a.svg", tmp_path / "b.html"
    first.write_bytes(b"previous")
    _disk_full_at(second, monkeypatch)
    with pytest.raises(OSError) as caught:
        files.write_files([(first, b"new"), (second, b"page")])
    assert caught.value.filename == str(second)
    assert first.read_bytes() == b"previous" and sorted(os.listdir(tmp_path)) == ["a.svg"]


def test_cli_failure_writing_the_trace_leaves_no_graph_file(tmp_path, monkeypatch, capsys):
    graph, page = tmp_path / "g.dot", tmp_path / "t.html"
    _disk_full_at(page, monkeypatch)
    status = cli.main(
        ["graph", "x*y", "--set", "x=3", "y=4", "-o", str(graph), "--trace", str(page)]
    )
    assert status == cli.EXIT_USAGE
    assert os.listdir(tmp_path) == []
    assert str(page) in capsys.readouterr().err


def test_cli_writes_graph_and_trace_with_long_names(tmp_path, capsys):
    graph, page = tmp_path / ("g" * 240 + ".dot"), tmp_path / ("t" * 240 + ".html")
    assert (
        cli.main(["graph", "x*y", "--set", "x=3", "y=4", "-o", str(graph), "--trace", str(page)])
        == cli.EXIT_OK
    )
    assert graph.exists() and page.exists() and len(os.listdir(tmp_path)) == 2


# -- 11. optimizers ----------------------------------------------------------------------


def test_adam_refuses_eps_zero_up_front():
    with pytest.raises(ValueError, match="eps must be a finite number > 0"):
        optim.Adam([Value(1.0)], eps=0.0)


@pytest.mark.parametrize(
    "make",
    [lambda ps: optim.Adam(ps, lr=0.1), lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9)],
    ids=["Adam", "SGD"],
)
def test_a_failing_step_moves_no_parameter(make):
    params = [Value(1.0), Value(2.0), Value(3.0)]
    opt = make(params)
    for p in params:
        p.grad = 0.5
    params[2].grad = None  # a broken gradient, found only at the last parameter
    with pytest.raises(TypeError, match="parameter 2"):
        opt.step()
    assert [p.data for p in params] == [1.0, 2.0, 3.0]
    params[2].grad = 0.5
    opt.step()  # the state did not advance: this is the first step
    expected = make([Value(1.0)])
    expected.params[0].grad = 0.5
    expected.step()
    assert params[0].data == expected.params[0].data


# -- 14. the pole of sqrt ---------------------------------------------------------------


def test_sqrt_derivative_at_zero_agrees_for_numbers_and_values():
    """torch float64: sqrt'(0) = inf, sqrt''(0) = -inf."""
    assert grad(Value.sqrt)(0.0) == math.inf
    assert grad(Value.sqrt)(Value(0.0)).data == math.inf
    assert grad(grad(Value.sqrt))(0.0) == -math.inf


def test_fractional_power_derivative_at_zero_agrees_for_numbers_and_values():
    """torch float64: d x^0.5/dx = inf and d²/dx² = -inf at x = 0."""
    assert grad(lambda x: x**0.5)(0.0) == math.inf
    assert grad(lambda x: x**0.5)(Value(0.0)).data == math.inf
    assert grad(grad(lambda x: x**0.5))(0.0) == -math.inf


# -- 15. clearer errors -------------------------------------------------------------------


def test_cross_entropy_accepts_numpy_integers():
    z = [Value(0.5), Value(-1.0)]
    assert nn.cross_entropy(z, np.int64(1)).data == nn.cross_entropy(z, 1).data


def test_create_graph_toward_an_unrelated_value_gives_a_differentiable_zero():
    x, unrelated = Value(2.0), Value(5.0)
    (g,) = gradients(x * x, [unrelated], create_graph=True)
    assert isinstance(g, Value) and g.data == 0.0
    assert gradients(g, [x]) == [0.0]


@pytest.mark.parametrize(
    "build, names",
    [
        (lambda a, b: ag.sum([a, b]), ("x_1=inf", "x_2=-inf")),
        (lambda a, b: ag.dot([a], [b]), ("w_1=inf", "x_1=0.0")),
    ],
    ids=["sum", "dot"],
)
def test_detect_anomaly_names_nary_arguments_as_the_rule_text_does(build, names):
    a, b = Value(math.inf), Value(-math.inf if names[1].startswith("x_2") else 0.0)
    with detect_anomaly(), pytest.raises(FloatingPointError) as caught:
        build(a, b)
    assert all(name in str(caught.value) for name in names), str(caught.value)


# -- 16. the command line ------------------------------------------------------------------


def test_cli_refuses_comments(tmp_path, capsys):
    status = cli.main(["graph", "a*b # + c", "--set", "a=1", "b=2", "-o", str(tmp_path / "g.dot")])
    err = capsys.readouterr().err
    assert status == cli.EXIT_USAGE and "comments (#) are not allowed" in err
    assert os.listdir(tmp_path) == []


def test_cli_refuses_a_trace_that_is_the_graph_file_through_a_symlink(tmp_path, capsys):
    graph = tmp_path / "g.dot"
    graph.write_text("old")
    (tmp_path / "t.html").symlink_to(graph)
    assert (
        cli.main(
            [
                "graph",
                "x*y",
                "--set",
                "x=3",
                "y=4",
                "-o",
                str(graph),
                "--trace",
                str(tmp_path / "t.html"),
            ]
        )
        == cli.EXIT_USAGE
    )
    assert "give the trace page its own file" in capsys.readouterr().err
    assert graph.read_text() == "old"


def test_cli_never_echoes_control_characters(tmp_path, capsys):
    name = str(tmp_path / "g\x1b[2J.dot")
    assert cli.main(["graph", "x*y", "--set", "x=3", "y=4", "-o", name]) == cli.EXIT_OK
    assert (
        cli.main(
            ["graph", "x*y", "--set", "x=3", "y=4", "-o", str(tmp_path / "no\x1bdir" / "g.dot")]
        )
        == cli.EXIT_USAGE
    )
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\\x1b" in out and "\\x1b" in err
