"""Regression in the explorer: a 1-D curve and a 2-D surface with the squared error.

Sources of truth: the model in Python at the recorded step (its output at
each x the page's fitted curve samples, under no_grad), the data makers'
closed forms (sin x, sin x1 · cos x2), and the page written by the command
line in a subprocess, reloaded into a model here.
"""

import math
import random
import subprocess
import sys

import pytest

from autograd_scalar import data, no_grad
from autograd_scalar.data import make_curve
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP, mse
from autograd_scalar.optim import SGD
from conftest import PageErrors
from test_playground import page_data

API = "document.querySelector('.ags-explorer').agsExplorer"


def curve_recording(steps=12, n=40, test=0):
    """A tanh MLP(1, [8, 8, 1]) fitting sin x by SGD, every step recorded."""
    X, t = make_curve(n + test, noise=0.1, seed=4)
    model = MLP(1, [8, 8, 1], activation="tanh", rng=random.Random(9))
    recorder = Recorder(model, X[:n], t[:n], loss="squared", test=(X[n:], t[n:]) if test else None)
    return record_sgd(recorder, mse, steps, lr=0.05)


def record_sgd(recorder, loss, steps, lr):
    """``steps`` SGD steps of the recorder's model on ``loss`` over its points, each recorded."""
    model, X, y = recorder.model, recorder.X, recorder.y
    optimizer = SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        value = loss([model(x) for x in X], y)
        optimizer.zero_grad()
        value.backward()
        recorder.record(value)
        optimizer.step()
    return recorder


def open_page(browser, tmp_path, recorder):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(recorder.save(tmp_path / "training.html").as_uri())
    page.wait_for_function(API)
    return page, errors


def test_the_curve_data_set_is_sin_x_plus_noise_registered_for_the_squared_loss():
    X, t = data.DATASETS["curve"](200, noise=0.0, seed=2)
    assert all(len(x) == 1 and -3.0 <= x[0] <= 3.0 for x in X)
    assert all(abs(v - math.sin(x[0])) < 1e-15 for x, v in zip(X, t))
    noisy = data.DATASETS["curve"](200, seed=2)[1]
    residual = [v - math.sin(x[0]) for x, v in zip(X, noisy)]
    assert 0.05 < math.sqrt(sum(r * r for r in residual) / 200) < 0.2  # noise 0.1 by default
    for name, inputs in (("curve", 1), ("surface", 2)):
        assert data.DATASETS[name].regression and data.DATASETS[name].inputs == inputs
    assert not data.DATASETS["moons"].regression


@pytest.mark.parametrize("dataset, inputs", [("curve", 1), ("surface", 2)])
def test_demo_dataset_curve_or_surface_writes_a_regression_page(tmp_path, dataset, inputs):
    """The command line alone picks the squared loss and one output; the page's last
    snapshot, reloaded into a model, gives the printed loss's order of magnitude."""
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "demo", "--dataset", dataset, "--steps", "20"]
        + ["--points", "40", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("loss: ") and "regression: no accuracy" in run.stdout
    page = page_data(out / "training.html")
    assert page["loss"] == "squared"
    assert page["sizes"] == [inputs, 16, 16, 1]
    assert len(page["X"][0]) == inputs and len(page["X"]) + len(page["Xtest"]) == 40
    assert all(isinstance(v, float) for v in page["y"])
    assert all(math.isfinite(v) for v in page["losses"])  # the default SGD rate does not diverge
    assert page["losses"][-1] < page["losses"][0]


def test_a_classification_loss_on_the_curve_is_refused_with_one_line(tmp_path):
    for args, message in (
        (["--dataset", "curve", "--loss", "hinge"], "the curve data set is regression"),
        (["--dataset", "moons", "--loss", "squared"], "loss squared fits real targets"),
    ):
        run = subprocess.run(
            [sys.executable, "-m", "autograd_scalar", "demo", *args, "--out", str(tmp_path / "o")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        lines = run.stderr.splitlines()
        assert run.returncode == 2 and len(lines) == 1 and message in lines[0], run.stderr
        assert not (tmp_path / "o").exists()


def python_curve(recorder, k, xs):
    twin = recorder.snapshots[k]._twin()
    with no_grad():
        return [twin([u]).data for u in xs]


def test_the_fitted_curve_is_the_python_models_output_at_that_step(browser, tmp_path):
    """At the recorder's grid x, the page's curve is the model's output at the shown
    step to 1e-9 (Snapshot.grid too); the slider moves the curve; the line is drawn
    through the samples."""
    recorder = curve_recording()
    page, errors = open_page(browser, tmp_path, recorder)
    for k in (0, 5, 11):
        page.evaluate(f"(k => {{ {API}.view.step = k; {API}.render({API}.view); }})({k})")
        fit = page.evaluate(f"{API}.fit()")
        expected = python_curve(recorder, k, fit["xs"])
        assert fit["xs"] == pytest.approx(recorder.grid_axes[0], abs=1e-12)  # the grid's x
        assert max(abs(a - b) for a, b in zip(fit["ys"], expected)) <= 1e-9
        assert max(abs(a - b) for a, b in zip(fit["ys"], recorder.snapshots[k].grid[0])) <= 1e-9
    x_low, x_high, _, _ = recorder.page_data()["extent"]
    assert fit["xs"][0] == x_low and fit["xs"][-1] == pytest.approx(x_high, abs=1e-12)
    points = page.locator("polyline.ags-ex-fit").get_attribute("points").split()
    assert len(points) == len(fit["xs"])
    page.fill(".ags-ex-slider", "0")
    page.dispatch_event(".ags-ex-slider", "input")
    assert page.locator("polyline.ags-ex-fit").get_attribute("points").split() != points
    assert errors.messages == []


def test_the_fitted_curve_follows_training_in_the_page(browser, tmp_path):
    """After 30 steps in the page, the curve is Python's model at the page's weights."""
    recorder = curve_recording(steps=2)
    page, errors = open_page(browser, tmp_path, recorder)
    page.fill(".ags-ex-lr", "0.05")
    params = page.evaluate(f"{API}.train(30), {API}.view.data.params.at(-1)")
    fit = page.evaluate(f"{API}.fit()")
    twin = recorder.snapshots[0]._twin()
    for parameter, value in zip(twin.parameters(), params, strict=True):
        parameter.data = value
    with no_grad():
        expected = [twin([u]).data for u in fit["xs"]]
    assert max(abs(a - b) for a, b in zip(fit["ys"], expected)) <= 1e-9
    # The page opens at step 0: training branches off there, 30 snapshots, the last shown.
    assert page.evaluate(f"{API}.view.step") == 29
    assert errors.messages == []


def test_a_regression_page_shows_the_loss_and_says_there_is_no_accuracy(browser, tmp_path):
    """No accuracy in Python (None) nor in the page: the curves are the loss and the test
    loss, a note says why, and no point is ringed as wrong."""
    recorder = curve_recording(steps=4, test=10)
    assert recorder.snapshots[0].accuracy is None and recorder.snapshots[0].test_accuracy is None
    page, errors = open_page(browser, tmp_path, recorder)
    page.wait_for_function(f"{API}.curveDone()")
    assert page.locator(".ags-ex-curves .ags-ex-accuracy").count() == 0
    assert page.locator(".ags-ex-no-accuracy").text_content() == "regression: no accuracy"
    assert page.locator(".ags-ex-test-loss").text_content().startswith("test loss ")
    assert "No accuracy" in page.locator(".ags-ex-legend").text_content()
    assert page.locator(".ags-ex-dot.ags-wrong, .ags-ex-test.ags-wrong").count() == 0
    assert page.locator(".ags-ex-dot").count() == 40 and page.locator(".ags-ex-test").count() == 10
    info = page.locator(".ags-ex-point").text_content()
    assert "target" in info and "off its target by" in info
    assert errors.messages == []


def test_a_click_on_the_curve_plot_adds_the_point_x_target_where_clicked(browser, tmp_path):
    """Oracle: the mean squared error over the points plus the clicked one, in Python."""
    recorder = curve_recording(steps=1)
    page, errors = open_page(browser, tmp_path, recorder)
    box = page.locator(".ags-ex-points").bounding_box()
    page.mouse.click(box["x"] + 0.3 * box["width"], box["y"] + 0.2 * box["height"])
    added_x, added_t = page.evaluate(f"[{API}.view.data.X[40], {API}.view.data.y[40]]")
    x_low, x_high, y_low, y_high = recorder.page_data()["extent"]
    assert added_x[0] == pytest.approx(x_low + 0.3 * (x_high - x_low), abs=0.02 * (x_high - x_low))
    assert added_t == pytest.approx(y_high - 0.2 * (y_high - y_low), abs=0.02 * (y_high - y_low))
    loss = page.evaluate(f"{API}.train(1), {API}.view.data.losses[0]")
    twin = recorder.snapshots[0]._twin()
    expected = mse([twin(x) for x in recorder.X + [added_x]], recorder.y + [added_t]).data
    assert abs(loss - expected) <= 1e-12
    assert errors.messages == []


def test_a_one_input_classifier_is_refused():
    with pytest.raises(ValueError, match="1 input and the loss is not 'squared'"):
        Recorder(MLP(1, [2, 1]), [[0.0], [1.0]], [1, -1])
