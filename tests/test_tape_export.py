"""A tape's program in PyTorch and in ONNX equals the tape.

Sources of truth: the tape, and the scalar engine it replays (the same
table's rules and masks, on Values). ``tape.to_torch()`` must give their
values and parameter gradients to 1e-12 (relative to the size of the terms
summed): on every op of the table at its kinks and masks, with upstream
gradients of 1, -3, inf and nan; on random programs (the tape and the
engine); on random programs through inf and NaN, NaN for NaN (the engine:
that is where its masks decide). ``tape.to_onnx()`` must pass
``onnx.checker`` and give the tape's values in onnxruntime to 1e-9. The op
lists are derived from ``ops.TABLE``, so an op without a spelling fails here
(an arithmetic row is written from its own forward).
"""

import itertools
import math
import random
import tempfile

import numpy as np
import onnx
import onnxruntime
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd_scalar as ag
from autograd_scalar import Value, ops, tape
from autograd_scalar.tape.onnx_export import ONNX, spelling as onnx_spelling
from autograd_scalar.tape.torch_export import TORCH, spelling as torch_spelling
from conftest import assert_close
from test_ops_oracle import ORACLE
from test_properties import edge_programs, gradient_scale, is_constant, programs

#: Operands at the kinks, masks and poles of the table's ops, and around them.
GRID = (-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0)
#: Upstream gradients the op's node receives (inf and nan test the masks).
UPSTREAM = (1.0, -3.0, math.inf, math.nan)
#: Arguments given to the n-ary ops in the per-op tests.
NARY_ARITY = {"sum": 3, "dot": 4}


def arity(op) -> int:
    return NARY_ARITY[op.name] if op.arity is None else op.arity


def assert_same(actual, expected, scale=1.0, rel=1e-12, what=""):
    """NaN for NaN, the same infinity; finite values to ``rel`` of ``scale``."""
    assert_close(actual, expected, rel=rel, abs_tol=rel * scale, what=what)


def run_onnx(path, feeds):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, feeds)
    return out


def test_every_op_of_the_table_has_a_torch_and_an_onnx_spelling():
    """A mapped op, or an arithmetic row (batch form SAME) written from its forward."""
    for op in ops.TABLE.values():
        assert torch_spelling(op) is not None and onnx_spelling(op) is not None
    assert set(TORCH) <= set(ops.TABLE) and set(ONNX) <= set(ops.TABLE)


def test_an_op_without_a_spelling_is_refused_by_name():
    tan = ops.Op(
        "tan",
        forward=math.tan,
        batch="numpy.tan",
        rules=(ops.Rule(lambda out, x: 1 + out * out, "t"),),
    )
    for spelling in (torch_spelling, onnx_spelling):
        with pytest.raises(tape.TapeError, match="'tan' has no"):
            spelling(tan)


# -- every op, at its kinks and masks ---------------------------------------------------


def points(op):
    """Grid points inside the op's domain (the scalar engine computes them)."""
    found = []
    for args in itertools.product(GRID, repeat=arity(op)):
        try:
            op.apply(args)
        except (ValueError, ZeroDivisionError):
            continue
        found.append(args)
    return found


def op_tape(op, args):
    """op(p_0, ..., p_k) times the input x: x is the upstream gradient of the op's node."""
    params = [Value(a, label=f"p{k}") for k, a in enumerate(args)]
    spell = ORACLE[op.name].engine
    return tape.record(lambda x: spell(*params) * x, 1.0, params=params)


def engine_value_and_grads(op, args, upstream):
    """The same program on Values: op(p_0, ..., p_k) · upstream, and ∂/∂p_k by backward()."""
    params = [Value(a) for a in args]
    out = ORACLE[op.name].engine(*params) * Value(upstream)
    out.backward()
    return out.data, [p.grad for p in params]


@pytest.mark.parametrize("name", list(ops.TABLE))
def test_torch_gives_the_engines_values_and_gradients_at_every_kink_and_mask(name):
    op = ops.TABLE[name]
    for args in points(op):
        module = op_tape(op, args).to_torch()
        for upstream in UPSTREAM:
            loss, grads = engine_value_and_grads(op, args, upstream)
            module.params.grad = None
            out = module([upstream]).mean()
            out.backward()
            where = f"{name}{args} with upstream {upstream}"
            assert_same(out.item(), loss, what=where)
            for k, (got, want) in enumerate(zip(module.params.grad.tolist(), grads)):
                assert_same(got, want, scale=abs(upstream) + 1.0, what=f"∂/∂p{k} of {where}")


@pytest.mark.parametrize(
    "name,position",
    [(name, k) for name, op in ops.TABLE.items() if op.masks for k, m in enumerate(op.masks) if m],
)
def test_where_the_table_masks_torch_passes_nothing_not_even_inf_or_nan(name, position):
    """Source of truth: the table's ``masks``: there the gradient is 0 whatever comes down."""
    op = ops.TABLE[name]
    masked = [args for args in points(op) if op.masked(op.apply(args), args)[position]]
    assert masked  # the grid reaches the mask (relu at x <= 0, pow at y = 0)
    for args in masked:
        module = op_tape(op, args).to_torch()
        for upstream in (math.inf, -math.inf, math.nan):
            module.params.grad = None
            module([upstream]).mean().backward()
            assert module.params.grad[position].item() == 0.0, (name, args, upstream)


def test_the_kinks_are_the_engines_relu_and_abs_have_derivative_0_at_0():
    for name in ("relu", "abs"):
        p = Value(0.0)
        spell = ORACLE[name].engine
        module = tape.record(lambda x, p=p, f=spell: f(p) * x, 1.0, params=[p]).to_torch()
        module([1.0]).mean().backward()
        assert module.params.grad.tolist() == [0.0]


@pytest.mark.parametrize("name", list(ops.TABLE))
def test_onnx_gives_the_tapes_values_on_every_op(name, tmp_path):
    """The op's arguments are the model's inputs: one batch row per grid point."""
    op = ops.TABLE[name]
    n, spell = arity(op), ORACLE[name].engine
    rows = np.array(points(op))
    t = tape.record(lambda xs: spell(*xs), list(rows[0]))
    path = t.to_onnx(tmp_path / f"{name}.onnx")
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    got, want = run_onnx(path, {"x0": rows}), t.forward(rows)
    assert got.dtype == np.float64 and got.shape == (len(rows),) and n == rows.shape[1]
    for row, g, w in zip(rows, got, want):
        assert_same(float(g), float(w), scale=1.0, rel=1e-9, what=f"{name}{tuple(row)}")


# -- random programs --------------------------------------------------------------------


def split_leaves(program, params=None):
    """Leaves 0, 2, 4, ... become inputs (one number argument each), 1, 3, ... parameters."""
    leaves = program[0]
    if params is None:
        params = [Value(v, label=f"p{k}") for k, v in enumerate(leaves[1::2])]
    example = list(leaves[0::2])

    def fn(*xs):
        mixed = [xs[k // 2] if k % 2 == 0 else params[k // 2] for k in range(len(leaves))]
        return engine_root(program, mixed)

    return params, example, fn


def engine_root(program, leaves):
    nodes = list(leaves)
    for name, operands in program[1]:
        args = [k[1] if is_constant(k) else nodes[k] for k in operands]
        nodes.append(ORACLE[name].engine(*args))
    return ag.sum(nodes[len(leaves) :] or nodes)


def rows_of(example, count=4):
    """The example and nearby rows (relative shifts of at most 1e-3), one row per example."""
    rng = np.random.default_rng(len(example))
    shifts = 1.0 + rng.uniform(-1e-3, 1e-3, size=(count, len(example)))
    return np.vstack([example, np.array(example) * shifts])


def scale_of(program, params, row):
    """The size of the terms the gradient sums (test_properties.gradient_scale) at one row."""
    leaves = [row[k // 2] if k % 2 == 0 else params[k // 2].data for k in range(len(program[0]))]
    return gradient_scale((leaves, program[1]))


def engine_outputs_and_grads(program, params, rows):
    """Each row's output on Values, and the gradient of their mean by backward()."""
    outputs, grads = [], [0.0] * len(params)
    for row in rows:
        ps = [Value(p.data) for p in params]
        root = split_leaves(program, ps)[2](*[Value(float(v)) for v in row])
        root.backward()
        outputs.append(root.data)
        grads = [g + p.grad / len(rows) for g, p in zip(grads, ps)]
    return outputs, grads


def the_tape(t, program, params, rows):
    return t.forward(*rows.T), t.value_and_grad(*rows.T)[1]


def the_engine(t, program, params, rows):
    return engine_outputs_and_grads(program, params, rows)


def compare_torch(program, rows, truths):
    """The module's outputs and mean gradient against each truth's, to 1e-12 of the scale."""
    params, example, fn = split_leaves(program)
    t = tape.record(fn, *example, params=params)
    module = t.to_torch()
    outputs = module(*rows.T)
    if outputs.requires_grad:  # else no parameter reaches the output (torch leaves grad None)
        outputs.mean().backward()
    scale = max(scale_of(program, params, row) for row in rows)
    for truth in truths:
        want_outputs, want_grads = truth(t, program, params, rows)
        for got, want in zip(outputs.tolist(), want_outputs):
            assert_same(got, want, scale=scale, what=f"output ({truth.__name__})")
        got_grads = [0.0] * len(params) if module.params.grad is None else module.params.grad
        for k, (got, want) in enumerate(zip(list(map(float, got_grads)), want_grads, strict=True)):
            assert_same(got, want, scale=scale, what=f"∂/∂p{k} ({truth.__name__})")


def rows_in_domain(program):
    """The example and shifted rows, or the example alone if a shift leaves an op's domain."""
    params, example, fn = split_leaves(program)
    rows = rows_of(example)
    try:
        tape.record(fn, *example, params=params).forward(*rows.T)
    except (ValueError, ZeroDivisionError):
        rows = np.array([example])
    return rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_give_the_tapes_values_and_gradients_in_torch(program):
    compare_torch(program, rows_in_domain(program), [the_tape, the_engine])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edge_programs())
def test_random_programs_through_inf_and_nan_agree_nan_for_nan(program):
    """Intermediates and gradients reach inf and NaN (relu then sqrt, 0 exponents, 800,
    inf): there the masks decide, and the engine is the truth the tape is held to."""
    example = split_leaves(program)[1]
    compare_torch(program, np.array([example]), [the_engine])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.integers(0, 4))
def test_a_nan_row_gives_nan_where_the_tape_does_and_leaves_the_other_rows(program, where):
    params, example, fn = split_leaves(program)
    t = tape.record(fn, *example, params=params)
    rows = np.vstack([rows_in_domain(program), [example]])
    rows[min(where, len(rows) - 1), 0] = math.nan
    want = t.forward(*rows.T)
    got = t.to_torch()(*rows.T).tolist()
    for g, w in zip(got, want):
        assert_same(g, w, scale=gradient_scale(program))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_programs_run_in_onnxruntime_as_on_the_tape(program):
    params, example, fn = split_leaves(program)
    t = tape.record(fn, *example, params=params)
    rows = rows_in_domain(program)
    want = t.forward(*rows.T)
    with tempfile.TemporaryDirectory() as folder:
        path = t.to_onnx(f"{folder}/program.onnx")
        got = run_onnx(path, {f"x{a}": column for a, column in enumerate(rows.T)})
    scale = max(scale_of(program, params, row) for row in rows)
    for g, w in zip(got.tolist(), want):
        assert_same(g, w, scale=scale, rel=1e-9)


# -- a model's loss, the module's state, bad batches ------------------------------------


def mlp_loss_tape():
    model = ag.nn.MLP(2, [8, 8, 1], rng=random.Random(3))
    params = model.parameters()
    return tape.record(
        lambda x, y: (1.0 - model(x) * y).relu() + 1e-4 * ag.nn.l2(params),
        [0.5, -0.2],
        1.0,
        params=params,
    )


def moons_batch(n=64):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 2)), np.sign(rng.normal(size=n))


def test_an_mlp_loss_with_two_arguments_gives_the_same_loss_and_gradients():
    t = mlp_loss_tape()
    X, y = moons_batch()
    loss, grads = t.value_and_grad(X, y)
    module = t.to_torch()
    out = module(X, y).mean()
    out.backward()
    assert_same(out.item(), loss)
    for got, want in zip(module.params.grad.tolist(), grads):
        assert_same(got, want, scale=10.0)


def test_the_module_holds_the_parameters_in_the_tapes_order_with_their_labels():
    t = mlp_loss_tape()
    module = t.to_torch()
    assert module.params.tolist() == [p.data for p in t.params]
    assert module.labels == [p.label for p in t.params]
    assert module.params.dtype == torch.float64
    assert list(dict(module.named_parameters())) == ["params"]


def test_torch_optim_steps_on_the_module_as_optim_sgd_steps_on_the_tape():
    t, X, y = mlp_loss_tape(), *moons_batch()
    module = t.to_torch()
    sgd = torch.optim.SGD(module.parameters(), lr=0.1)
    ours = ag.optim.SGD(t.params, lr=0.1)
    for _ in range(5):
        sgd.zero_grad()
        module(X, y).mean().backward()
        sgd.step()
        ours.zero_grad()
        t.backward(X, y)
        ours.step()
    for got, want in zip(module.params.tolist(), [p.data for p in t.params]):
        assert_same(got, want, scale=10.0)


def test_an_output_of_parameters_alone_is_one_value_per_row(tmp_path):
    p = Value(1.5)
    t = tape.record(lambda x: (p * p).exp(), 1.0, params=[p])
    rows = [1.0, 2.0, 3.0]
    assert t.to_torch()(rows).tolist() == t.forward(rows).tolist() == [math.exp(2.25)] * 3
    assert run_onnx(t.to_onnx(tmp_path / "p.onnx"), {"x0": np.array(rows)}).tolist() == (
        t.forward(rows).tolist()
    )


@pytest.mark.parametrize(
    "batch,message",
    [
        (([[0.5, 0.1]],), "the tape takes 2 batch arguments"),
        (([[0.5, 0.1, 0.2]], [1.0]), r"batch argument 0 must have shape \(batch, 2\)"),
        (([[0.5, 0.1]], [1.0, 2.0]), r"batch arguments have different lengths \[1, 2\]"),
        ((np.zeros((0, 2)), []), "empty batch"),
        ((["a", "b"], [1.0]), "batch argument 0 is not an array of numbers"),
    ],
)
def test_a_batch_that_does_not_fit_gets_one_line(batch, message):
    with pytest.raises(ValueError, match=message) as error:
        mlp_loss_tape().to_torch()(*batch)
    assert "\n" not in str(error.value)


def test_onnx_runs_an_mlp_loss_with_a_list_and_a_number_argument(tmp_path):
    t = mlp_loss_tape()
    X, y = moons_batch()
    got = run_onnx(t.to_onnx(tmp_path / "loss.onnx"), {"x0": X, "x1": y})
    for g, w in zip(got.tolist(), t.forward(X, y)):
        assert_same(g, w, scale=10.0, rel=1e-9)
