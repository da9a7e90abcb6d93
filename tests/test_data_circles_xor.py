"""The two data sets added for the playground: circles and XOR (closed-form geometry)."""

import math

import pytest

from autograd_scalar.data import make_circles, make_xor


def test_circles_lie_on_radius_1_and_factor_without_noise():
    X, y = make_circles(50, factor=0.3, seed=2)
    for (x1, x2), label in zip(X, y):
        assert math.hypot(x1, x2) == pytest.approx(1.0 if label == 0 else 0.3, abs=1e-12)
    assert (y.count(0), y.count(1)) == (25, 25)


def test_circles_are_reproducible_from_the_seed_and_noise_moves_points():
    assert make_circles(30, noise=0.1, seed=4) == make_circles(30, noise=0.1, seed=4)
    assert make_circles(30, noise=0.1, seed=4)[0] != make_circles(30, seed=4)[0]


def test_xor_labels_are_the_sign_of_x1_times_x2_without_noise():
    X, y = make_xor(200, seed=3)
    assert all((x1 * x2 > 0) == (label == 1) for (x1, x2), label in zip(X, y))
    assert all(min(abs(x1), abs(x2)) >= 0.05 and max(abs(x1), abs(x2)) <= 1 for x1, x2 in X)
    assert 0 < y.count(1) < 200


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: make_circles(1), "make_circles: n must be an int >= 2"),
        (lambda: make_circles(10, factor=1.0), "factor must be < 1"),
        (lambda: make_circles(10, noise=-1), "noise must be a finite number >= 0"),
        (lambda: make_xor(0), "make_xor: n must be an int >= 1"),
        (lambda: make_xor(5, noise=float("nan")), "noise must be a finite number >= 0"),
    ],
)
def test_bad_arguments_name_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()
