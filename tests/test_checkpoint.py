"""Checkpointing gives the floats plain backpropagation gives, and refuses what it cannot rebuild.

The truth here is the engine itself without checkpointing: the same program
built twice from the same numbers, once plainly and once with its segments
checkpointed, must give bit-for-bit equal gradients (``==`` on floats, and
the same sign of zero), through ``backward`` (also accumulating over two
passes), ``gradients`` and second derivatives (``create_graph``). Hypothesis
draws the programs: a state of a few values passes through segments, each a
random little graph over the state, a parameter of its own and constants
(nodes shared, an input used several times, several outputs), with or
without a residual connection around the segment.
"""

import math

import pytest
from hypothesis import given, settings, strategies as st

from autograd_scalar import (
    Value,
    detect_anomaly,
    grad,
    gradients,
    jvp,
    nn,
    no_grad,
    sum as vsum,
    tape,
)
from autograd_scalar.checkpointing import (
    CheckpointError,
    checkpoint,
    checkpoint_sequential,
    segment_of,
    watching,
)

UNARY = ["tanh", "sin", "sigmoid", "cos", "neg"]
BINARY = ["add", "sub", "mul"]


def same(a: float, b: float) -> bool:
    """Equal floats, bit for bit: equal, with the same sign of zero (or both nan)."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@st.composite
def programs(draw):
    width = draw(st.integers(1, 3))
    segments = []
    for _ in range(draw(st.integers(1, 4))):
        steps = []
        for k in range(draw(st.integers(1, 8))):
            pool = width + 1 + k  # the inputs, the segment's parameter, the steps so far
            kind = draw(st.sampled_from(["unary", "binary", "scale", "sum"]))
            pick = st.integers(0, pool - 1)
            if kind == "unary":
                steps.append((draw(st.sampled_from(UNARY)), [draw(pick)]))
            elif kind == "binary":
                steps.append((draw(st.sampled_from(BINARY)), [draw(pick), draw(pick)]))
            elif kind == "scale":
                steps.append(("scale", [draw(pick), draw(st.sampled_from([0.5, -1.5, 3.0]))]))
            else:
                steps.append(("sum", [draw(pick) for _ in range(3)]))
        total = width + 1 + len(steps)
        outputs = [draw(st.integers(width + 1, total - 1)) for _ in range(width)]
        segments.append((steps, outputs, draw(st.booleans())))
    values = draw(st.lists(st.floats(-2, 2), min_size=width, max_size=width))
    params = draw(st.lists(st.floats(-2, 2), min_size=len(segments), max_size=len(segments)))
    return values, params, segments


def _segment(steps, outputs, param):
    def run(*xs):
        pool = list(xs) + [param]
        for op, args in steps:
            if op == "scale":
                pool.append(pool[args[0]] * args[1])
            elif op == "sum":
                pool.append(vsum([pool[a] for a in args]))
            elif op in BINARY:
                x, y = pool[args[0]], pool[args[1]]
                pool.append({"add": x + y, "sub": x - y, "mul": x * y}[op])
            else:
                pool.append(getattr(pool[args[0]], "__neg__" if op == "neg" else op)())
        return [pool[i] for i in outputs]

    return run


def build(program, checkpointed: bool):
    """The program's loss, its input leaves and its parameters."""
    values, params, segments = program
    xs = [Value(v) for v in values]
    ps = [Value(p) for p in params]
    state = xs
    for (steps, outputs, residual), param in zip(segments, ps):
        run = _segment(steps, outputs, param)
        out = checkpoint(run, *state) if checkpointed else run(*state)
        state = [o + s for o, s in zip(out, state)] if residual else list(out)
    return vsum(state), xs + ps


def exact(program) -> bool:
    """Whether the promise is bit for bit: segments with one output. With several,
    plain backpropagation may reach nodes outside the segment between the
    segment's nodes of two outputs, and a sum is added in another order."""
    return len(program[0]) == 1


def assert_same_lists(got, want, bitwise=True):
    """Bit for bit, or equal to rounding. A sum added in another order differs by
    rounding of its largest terms, not of its result (terms of about 1 cancelling
    to 0 leave about 1e-16 each), so the absolute tolerance scales with the
    largest number in the lists."""
    assert len(got) == len(want)
    scale = max([1.0] + [abs(x) for x in [*got, *want] if math.isfinite(x)])
    for g, w in zip(got, want):
        if bitwise:
            assert same(g, w), (got, want)
        else:
            assert math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-12 * scale), (got, want)


@settings(max_examples=150, deadline=None)
@given(programs())
def test_backward_through_checkpoints_gives_the_plain_floats(program):
    plain_loss, plain = build(program, False)
    loss, leaves = build(program, True)
    assert same(loss.data, plain_loss.data)
    for _ in range(2):  # the second pass accumulates into the leaves, as plain ones do
        plain_loss.backward()
        loss.backward()
        assert_same_lists([v.grad for v in leaves], [v.grad for v in plain], exact(program))


@settings(max_examples=100, deadline=None)
@given(programs())
def test_gradients_and_second_derivatives_through_checkpoints_are_the_plain_floats(program):
    plain_loss, plain = build(program, False)
    loss, leaves = build(program, True)
    bitwise = exact(program)
    assert_same_lists(gradients(loss, leaves), gradients(plain_loss, plain), bitwise)
    first = gradients(loss, leaves, create_graph=True)
    plain_first = gradients(plain_loss, plain, create_graph=True)
    assert_same_lists([g.data for g in first], [g.data for g in plain_first], bitwise)
    # Second order reaches a segment's input both through the nodes the first sweep
    # rebuilt and through the kept segment node (rebuilt again): the same terms,
    # summed in another order, so equal to rounding.
    second = gradients(vsum(first), leaves)
    assert_same_lists(second, gradients(vsum(plain_first), plain), bitwise=False)


def test_an_mlp_with_checkpointed_layers_gives_the_plain_gradients_bit_for_bit():
    import random

    plain = nn.MLP(3, [8, 8, 8, 1], activation="tanh", rng=random.Random(4))
    model = nn.MLP(3, [8, 8, 8, 1], activation="tanh", rng=random.Random(4), checkpoint=True)
    points = [[0.3, -1.2, 0.8], [1.5, 0.1, -0.4], [-0.7, 0.9, 2.0]]
    for net in (plain, model):
        loss = vsum([(net(x) - 1.0) ** 2 for x in points])
        loss.backward()
    assert [p.grad for p in model.parameters()] == [p.grad for p in plain.parameters()]
    assert any(p.grad != 0.0 for p in model.parameters())
    assert segment_of(model(points[0])) is not None  # the output is a kept segment node


def test_grad_of_grad_through_a_checkpoint_is_the_closed_form():
    # f = sin(x^3): f'' = 6x cos(x^3) - 9x^4 sin(x^3)
    f = grad(grad(lambda v: checkpoint(lambda u: (u * u * u).sin(), v)))
    x = 0.7
    want = 6 * x * math.cos(x**3) - 9 * x**4 * math.sin(x**3)
    assert math.isclose(f(x), want, rel_tol=1e-12)


def test_a_segment_with_randomness_raises_naming_the_segment():
    import random

    rng = random.Random(0)
    x = Value(0.5)
    y = checkpoint(lambda v: v * rng.random(), x, name="dropout-ish")
    with pytest.raises(CheckpointError, match="'dropout-ish'.*not a function of its inputs"):
        y.backward()


def test_a_branch_on_outside_state_raises_instead_of_a_wrong_gradient():
    flag = {"on": True}
    x = Value(0.5)
    y = checkpoint(lambda v: v.tanh() if flag["on"] else v.sin(), x, name="branchy")
    flag["on"] = False
    with pytest.raises(CheckpointError, match="branchy"):
        y.backward()
    with pytest.raises(CheckpointError, match="branchy"):
        gradients(y, [x])


def test_an_input_changed_before_backward_raises():
    x = Value(0.5, label="x")
    y = checkpoint(lambda v: v.exp(), x, name="e")
    x.data = 0.25
    with pytest.raises(CheckpointError, match="input 'x' changed"):
        y.backward()


def test_a_computed_value_used_but_not_given_is_refused_at_once():
    x = Value(0.5)
    h = x * 2
    with pytest.raises(CheckpointError, match="computed Value it was not given"):
        checkpoint(lambda v: v + h, x)


def test_closed_over_parameters_get_their_gradients():
    w, x = Value(1.5), Value(0.5)
    w2, x2 = Value(1.5), Value(0.5)
    checkpoint(lambda v: (w * v).tanh(), x).backward()
    (w2 * x2).tanh().backward()
    assert (w.grad, x.grad) == (w2.grad, x2.grad) and w.grad != 0.0
    w.grad = 0.0
    y = checkpoint(lambda v: (w * v).tanh(), x)
    assert gradients(y, [w]) == gradients((w2 * x2).tanh(), [w2])


def test_under_no_grad_checkpoint_is_the_plain_call():
    x = Value(0.5)
    with no_grad():
        y = checkpoint(lambda v: v * v, x)
    assert y.parents == () and y.data == 0.25


def test_anomaly_mode_names_the_node_inside_a_rebuilt_segment():
    x = Value(0.0, label="x")
    y = checkpoint(lambda v: v.sqrt() * 0.0, x)  # d sqrt/dx = inf at 0: inf·0 = nan
    with detect_anomaly(), pytest.raises(FloatingPointError, match="'x' became nan"):
        y.backward()


def test_a_tape_and_forward_mode_refuse_checkpointed_graphs_clearly():
    w = Value(0.5)
    with pytest.raises(tape.TapeError, match="checkpoint"):
        tape.record(lambda x: checkpoint(lambda v: v * w, x), 1.0, params=[w])
    with pytest.raises(ValueError, match="checkpoint"):
        jvp(lambda v: checkpoint(lambda u: u.exp(), v), [1.0], [1.0])


def test_a_million_long_chain_in_root_n_segments_backpropagates():
    n = 10**6
    x = Value(0.5)
    sizes = []
    with watching(lambda node, outputs, nodes: sizes.append(len(nodes))):
        y = checkpoint_sequential([Value.tanh] * n, None, x)
        y.backward()
    assert len(sizes) == 1000 and max(sizes) == 1000  # one segment of √n nodes at a time
    # d tanh^n(x)/dx = Π (1 - y_k^2), with y_k = tanh^k(x): computed here in floats
    value, derivative = 0.5, 1.0
    for _ in range(n):
        value = math.tanh(value)
        derivative *= 1.0 - value * value
    assert math.isclose(y.data, value, rel_tol=1e-12)
    assert math.isclose(x.grad, derivative, rel_tol=1e-9)


def test_segments_split_evenly_and_refuse_nonsense():
    xs = []
    with watching(lambda node, outputs, nodes: xs.append(len(nodes))):
        checkpoint_sequential([Value.sin] * 10, 3, Value(0.1)).backward()
    assert sorted(xs) == [3, 3, 4]
    with pytest.raises(ValueError, match="segments must be a positive int"):
        checkpoint_sequential([Value.sin], 0, Value(0.1))
    with pytest.raises(ValueError, match="fns is empty"):
        checkpoint_sequential([], None, Value(0.1))
