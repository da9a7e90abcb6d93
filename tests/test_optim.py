"""optim: SGD and Adam against torch.optim on the same function, and against steps by hand."""

import math

import pytest
import torch

from autograd_scalar import Value, optim
from conftest import assert_close

START = [0.5, -1.5, 2.0, 0.0]


def objective(ps, sin):
    """Σ_i (i + 1)·p_i² + sin(3·p_i): curved and non-separable in scale, same in both engines."""
    return sum(((i + 1) * p * p + sin(3 * p) for i, p in enumerate(ps)), 0 * ps[0])


def trajectory(ps, make_optimizer, sin, steps):
    """The parameters after each of ``steps`` optimizer steps on the objective."""
    opt = make_optimizer(ps)
    path = []
    for _ in range(steps):
        opt.zero_grad()
        objective(ps, sin).backward()
        opt.step()
        path.append([float(p.data) for p in ps])
    return path


def trajectory_ours(make_optimizer, steps):
    return trajectory([Value(v) for v in START], make_optimizer, Value.sin, steps)


def trajectory_torch(make_optimizer, steps):
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
    return trajectory(leaves, make_optimizer, torch.sin, steps)


def assert_same_trajectory(ours, theirs):
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for k, (x, y) in enumerate(zip(a, b)):
            assert_close(x, y, rel=1e-10, abs_tol=1e-12, what=f"step {step + 1} param {k}")


@pytest.mark.parametrize(
    "kw",
    [
        dict(lr=0.05),
        dict(lr=0.05, momentum=0.9),
        dict(lr=0.02, momentum=0.5, weight_decay=0.1),
        dict(lr=0.05, weight_decay=0.01),
    ],
)
def test_sgd_follows_torch_optim_sgd(kw):
    assert_same_trajectory(
        trajectory_ours(lambda ps: optim.SGD(ps, **kw), 12),
        trajectory_torch(lambda ps: torch.optim.SGD(ps, **kw), 12),
    )


@pytest.mark.parametrize(
    "kw",
    [
        dict(lr=0.1),
        dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
        dict(lr=0.3, betas=(0.0, 0.5)),
    ],
)
def test_adam_follows_torch_optim_adam(kw):
    assert_same_trajectory(
        trajectory_ours(lambda ps: optim.Adam(ps, **kw), 15),
        trajectory_torch(lambda ps: torch.optim.Adam(ps, **kw), 15),
    )


def test_sgd_step_by_hand():
    p = Value(3.0)
    opt = optim.SGD([p], lr=0.1)
    p.grad = 2.0
    opt.step()
    assert_close(p.data, 3.0 - 0.1 * 2.0)


def test_sgd_momentum_and_weight_decay_by_hand():
    p = Value(1.0)
    opt = optim.SGD([p], lr=0.1, momentum=0.9, weight_decay=0.5)
    p.grad = 2.0
    opt.step()  # g = 2 + 0.5·1 = 2.5, b = 2.5
    assert_close(p.data, 1.0 - 0.1 * 2.5)
    p.grad = 2.0
    opt.step()  # g = 2 + 0.5·0.75 = 2.375, b = 0.9·2.5 + 2.375
    assert_close(p.data, 0.75 - 0.1 * (0.9 * 2.5 + 2.375))


def test_adam_two_steps_by_hand():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    p = Value(1.0)
    opt = optim.Adam([p], lr=lr, betas=(b1, b2), eps=eps)
    p.grad = 4.0
    opt.step()
    # m̂ = g, v̂ = g², so the first step is lr·g/(|g| + eps).
    assert_close(p.data, 1.0 - lr * 4.0 / (4.0 + eps))
    first = p.data
    p.grad = -1.0
    opt.step()
    m = b1 * (1 - b1) * 4.0 + (1 - b1) * -1.0
    v = b2 * (1 - b2) * 16.0 + (1 - b2) * 1.0
    m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
    assert_close(p.data, first - lr * m_hat / (math.sqrt(v_hat) + eps))


def test_lr_is_mutable_for_schedules():
    p = Value(0.0)
    opt = optim.SGD([p], lr=1.0)
    opt.lr = 0.25
    p.grad = 1.0
    opt.step()
    assert p.data == -0.25


def test_zero_grad_clears_the_parameters_gradients():
    ps = [Value(1.0), Value(2.0)]
    (ps[0] * ps[1]).backward()
    optim.Adam(ps).zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: optim.SGD([Value(1.0)], lr=-0.1), "lr must be a finite number >= 0"),
        (lambda: optim.SGD([Value(1.0)], lr=float("nan")), "lr must be"),
        (lambda: optim.SGD([], lr=0.1), "empty parameter list"),
        (lambda: optim.SGD([1.0], lr=0.1), "parameter 0 must be a Value"),
        (lambda: optim.SGD([Value(1.0)], lr=0.1, momentum=-1), "momentum must be"),
        (lambda: optim.Adam([Value(1.0)], betas=(0.9, 1.0)), "betas\\[1\\] must be"),
        (lambda: optim.Adam([Value(1.0)], betas=0.9), "betas must be a pair"),
        (lambda: optim.Adam([Value(1.0)], eps=-1e-8), "eps must be"),
    ],
)
def test_bad_hyperparameters_raise_value_or_type_error(build, message):
    with pytest.raises((ValueError, TypeError), match=message):
        build()


def test_setting_a_bad_lr_is_refused_and_keeps_the_old_one():
    opt = optim.SGD([Value(1.0)], lr=0.5)
    with pytest.raises(ValueError, match="lr must be"):
        opt.lr = "fast"
    assert opt.lr == 0.5
