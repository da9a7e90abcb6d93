"""data: the toy sets' geometry (closed forms without noise), labels, seeding, noise level."""

import math
import statistics

import pytest

from autograd_scalar import data


def test_moons_without_noise_lie_on_the_two_half_circles():
    X, y = data.make_moons(101, noise=0.0, seed=0)
    assert (y.count(0), y.count(1)) == (51, 50)
    for (x1, x2), label in zip(X, y):
        if label == 0:  # upper moon: (cos t, sin t)
            assert math.isclose(math.hypot(x1, x2), 1.0) and x2 >= -1e-12
        else:  # lower moon: (1 - cos t, 1/2 - sin t)
            assert math.isclose(math.hypot(x1 - 1.0, x2 - 0.5), 1.0) and x2 <= 0.5 + 1e-12


def test_moons_noise_has_the_requested_standard_deviation():
    clean, _ = data.make_moons(4000, noise=0.0, seed=1)
    noisy, _ = data.make_moons(4000, noise=0.1, seed=1)
    # Same seed, same shuffle: the difference is the noise alone.
    offsets = [a - b for p, q in zip(noisy, clean) for a, b in zip(p, q)]
    assert abs(statistics.pstdev(offsets) - 0.1) < 0.005
    assert abs(statistics.fmean(offsets)) < 0.005


def test_same_seed_same_data_other_seed_other_data():
    assert data.make_moons(50, 0.1, seed=3) == data.make_moons(50, 0.1, seed=3)
    assert data.make_moons(50, 0.1, seed=3) != data.make_moons(50, 0.1, seed=4)


def test_points_are_shuffled_not_grouped_by_class():
    _, y = data.make_moons(100, 0.1, seed=0)
    assert y != sorted(y)


def test_blobs_cluster_around_their_centers():
    centers = [[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]]
    X, y = data.make_blobs(3000, centers=centers, std=0.5, seed=2)
    assert [y.count(c) for c in range(3)] == [1000, 1000, 1000]
    for c, (m1, m2) in enumerate(centers):
        points = [p for p, label in zip(X, y) if label == c]
        assert abs(statistics.fmean(p[0] for p in points) - m1) < 0.05
        assert abs(statistics.fmean(p[1] for p in points) - m2) < 0.05
        assert abs(statistics.pstdev([p[0] for p in points]) - 0.5) < 0.05


def test_blobs_with_a_count_draw_centers_inside_the_box():
    X, y = data.make_blobs(40, centers=4, std=0.0, box=(-2.0, 2.0), seed=5)
    assert sorted(set(y)) == [0, 1, 2, 3]
    assert all(-2.0 <= v <= 2.0 for p in X for v in p)


def test_spirals_without_noise_follow_the_arm_formula():
    X, y = data.make_spirals(30, classes=3, noise=0.0, turns=1.0, seed=0)
    for (x1, x2), label in zip(X, y):
        r = math.hypot(x1, x2)
        if r > 1e-9:
            theta = 2 * math.pi * (label / 3 + r)
            assert math.isclose(x1, r * math.cos(theta), abs_tol=1e-12)
            assert math.isclose(x2, r * math.sin(theta), abs_tol=1e-12)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: data.make_moons(1), "n must be an int >= 2"),
        (lambda: data.make_moons(10, noise=-0.1), "noise must be a finite number >= 0"),
        (lambda: data.make_blobs(10, centers=0), "centers must be >= 1"),
        (lambda: data.make_blobs(10, centers=["a"]), "centers must be an int or a list"),
        (lambda: data.make_blobs(2, centers=3), "n must be an int >= 3"),
        (lambda: data.make_spirals(10, classes=0), "classes must be an int >= 1"),
    ],
)
def test_bad_arguments_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_digits_are_8x8_images_of_every_digit_in_equal_numbers():
    X, y = data.make_digits(200, seed=1)
    assert len(X) == 200 and {len(image) for image in X} == {64}
    assert [y.count(d) for d in range(10)] == [20] * 10
    assert all(0.0 <= v <= 1.0 for image in X for v in image)


def test_noiseless_unshifted_digits_show_their_glyph():
    """With noise 0 every image is its glyph, possibly shifted by one pixel and faded:
    its ink pixels are a subset of the glyph's ink moved by at most one pixel."""
    X, y = data.make_digits(50, noise=0.0, seed=2)
    for image, digit in zip(X, y):
        glyph = {
            (r, c)
            for r, row in enumerate(data.DIGIT_GLYPHS[digit])
            for c, mark in enumerate(row)
            if mark == "#"
        }
        ink = {(k // 8, k % 8) for k, v in enumerate(image) if v > 0}
        assert any(
            ink <= {(r + dr, c + dc) for r, c in glyph} for dr in (-1, 0, 1) for dc in (-1, 0, 1)
        )


def test_digits_are_reproducible_from_the_seed():
    assert data.make_digits(30, seed=4) == data.make_digits(30, seed=4)
    assert data.make_digits(30, seed=4) != data.make_digits(30, seed=5)
