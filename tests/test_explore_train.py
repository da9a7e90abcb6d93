"""Training in the explorer page (web/explore_train.js) against training in Python.

The truth is the Python engine: the same model, the same loss from nn.losses
(plus the l2 and l1 penalties), the same optimizer from optim.py, stepped 50
times from the page's starting weights. The page's weights after its 50 steps
must agree to 1e-9.
"""

import math
import random
import re

import pytest

from autograd_scalar import nn
from autograd_scalar.data import make_blobs, make_curve, make_moons, make_surface
from autograd_scalar.engine import sum_values
from autograd_scalar.explore import Recorder
from autograd_scalar.explore_losses import term_program
from autograd_scalar.nn import (
    MLP,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l1,
    l2,
    mse,
)
from autograd_scalar.optim import SGD, Adam
from conftest import PageErrors
from test_explore_regression import record_sgd

API = "document.querySelector('.ags-explorer').agsExplorer"


def problem(kind, n=40):
    if kind == "curve":  # one input: a curve to fit with the squared error
        X, t = make_curve(n, noise=0.1, seed=5)
        return X, t, 1
    if kind == "squared":
        X, t = make_surface(n, noise=0.05, seed=5)
        return X, t, 1
    if kind == "cross_entropy":
        X, y = make_blobs(n, seed=3)
        return X, y, 3
    X, y = make_moons(n, noise=0.1, seed=7)
    return X, ([2 * c - 1 for c in y] if kind == "hinge" else y), 1


def open_explorer(browser, tmp_path, recorder):
    """The recorder's page at 1280x800, once its script has drawn; its errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(recorder.save(tmp_path / "training.html").as_uri())
    page.wait_for_function(API)
    return page, errors


def python_loss(kind, model, X, y, l2c, l1c):
    outputs = [model(x) for x in X]
    if kind == "hinge":
        loss = hinge(outputs, y)
    elif kind == "logistic":
        loss = binary_cross_entropy_with_logits(outputs, y)
    elif kind == "squared":
        loss = mse(outputs, y)
    else:
        loss = sum_values([cross_entropy(out, label) for out, label in zip(outputs, y)]) * (
            1.0 / len(X)
        )
    params = model.parameters()
    if l2c:
        loss = loss + l2c * l2(params)
    if l1c:
        loss = loss + l1c * l1(params)
    return loss


def page_after_training(browser, tmp_path, kind, activation, settings, steps=50):
    """(the page's weights after ``steps`` steps, Python's after the same, page errors)."""
    X, y, outputs = problem(kind)
    kind = "squared" if kind == "curve" else kind
    model = MLP(len(X[0]), [6, 5, outputs], activation=activation, rng=random.Random(11))
    recorder = Recorder(model, X, y, loss=kind)
    loss = python_loss(kind, model, X, y, 0, 0)
    loss.backward()
    recorder.record(loss)
    page, errors = open_explorer(browser, tmp_path, recorder)
    page.select_option(".ags-ex-optimizer", settings["optimizer"])
    for name in ("lr", "l2", "l1"):
        page.fill(f".ags-ex-{name}", repr(settings[name]))
    in_page = page.evaluate(f"(n => {{ {API}.train(n); return {API}.trainer().params; }})({steps})")
    params = model.parameters()
    optimizer = {
        "sgd": lambda: SGD(params, lr=settings["lr"]),
        "momentum": lambda: SGD(params, lr=settings["lr"], momentum=0.9),
        "adam": lambda: Adam(params, lr=settings["lr"]),
    }[settings["optimizer"]]()
    for _ in range(steps):
        loss = python_loss(kind, model, X, y, settings["l2"], settings["l1"])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    page.close()
    moved = max(abs(a - b) for a, b in zip(in_page, recorder.snapshots[0].params))
    assert moved > 0.01  # training happened: the weights left their start
    return in_page, [p.data for p in params], errors.messages


CASES = [
    ("hinge", "relu", {"optimizer": "sgd", "lr": 0.1, "l2": 1e-3, "l1": 0.0}),
    ("logistic", "tanh", {"optimizer": "adam", "lr": 0.01, "l2": 0.0, "l1": 1e-3}),
    ("cross_entropy", "sigmoid", {"optimizer": "momentum", "lr": 0.05, "l2": 1e-4, "l1": 1e-4}),
    ("hinge", "relu", {"optimizer": "adam", "lr": 0.02, "l2": 1e-4, "l1": 0.0}),
    ("squared", "tanh", {"optimizer": "adam", "lr": 0.02, "l2": 0.0, "l1": 1e-4}),
    ("curve", "relu", {"optimizer": "sgd", "lr": 0.02, "l2": 1e-4, "l1": 0.0}),
    ("curve", "tanh", {"optimizer": "adam", "lr": 0.02, "l2": 0.0, "l1": 0.0}),
]


@pytest.mark.parametrize("kind, activation, settings", CASES)
def test_fifty_steps_in_the_page_give_pythons_weights(
    browser, tmp_path, kind, activation, settings
):
    in_page, in_python, errors = page_after_training(browser, tmp_path, kind, activation, settings)
    assert errors == []
    assert len(in_page) == len(in_python)
    worst = max(abs(a - b) for a, b in zip(in_page, in_python))
    assert worst <= 1e-9, worst


def test_each_loss_program_is_the_python_loss_traced():
    """The program's nodes are the ops the Python loss builds (for hinge: 1 - s*y, relu)."""
    assert [n.get("op") for n in term_program("hinge")] == [None, None, None, "mul", "sub", "relu"]
    assert set(nn.LOSSES) >= {"hinge", "logistic", "cross_entropy", "squared"}
    with pytest.raises(ValueError, match="loss must be one of"):
        term_program("hinges")


def sgd_page(browser, tmp_path, recorder, steps, lr):
    """``steps`` recorded SGD steps of the recorder's model on its hinge loss; the page open."""
    record_sgd(recorder, hinge, steps, lr)
    page, errors = open_explorer(browser, tmp_path, recorder)
    return page, errors


def test_held_out_points_get_their_own_curves_and_hollow_dots(browser, tmp_path):
    """The page's test loss and accuracy are Python's on the held-out points at
    every snapshot (the mean hinge term; the accuracy from Snapshot.test_accuracy)."""
    X, y, _ = problem("hinge", n=60)
    train, test = (X[:40], y[:40]), (X[40:], y[40:])
    model = MLP(2, [8, 8, 1], rng=random.Random(2))
    recorder = Recorder(model, *train, test=test)
    page, errors = sgd_page(browser, tmp_path, recorder, 30, lr=0.2)
    page.wait_for_function(f"{API}.curveDone()")
    for k in (0, 29):
        snapshot = recorder.snapshots[k]
        twin = snapshot._twin()
        expected = hinge([twin(x) for x in test[0]], test[1]).data
        figures = page.evaluate(f"{API}.test({k})")
        assert abs(figures["loss"] - expected) <= 1e-12
        assert figures["accuracy"] == snapshot.test_accuracy
    assert page.locator(".ags-ex-test").count() == 20
    assert page.locator(".ags-ex-dot").count() == 40
    lines = page.evaluate(
        f"[{API}.view.lossLine, {API}.view.testLossLine].map(l => l.getAttribute('points'))"
    )
    assert lines[0] != lines[1] and len(lines[1].split()) == 30  # its own curve, every step
    assert page.locator(".ags-ex-test-loss").text_content().startswith("test loss ")
    assert errors.messages == []


def recorded_page(browser, tmp_path, model, X, y):
    recorder = Recorder(model, X, y)
    loss = hinge([model(x) for x in X], y)
    loss.backward()
    recorder.record(loss)
    page, errors = open_explorer(browser, tmp_path, recorder)
    return recorder, page, errors


def hinge_page(browser, tmp_path, sizes, seed, n=20):
    """Points, labels, an MLP(2, sizes) and its page with one recorded step."""
    X, y, _ = problem("hinge", n=n)
    model = MLP(2, sizes, rng=random.Random(seed))
    return (X, y, model, *recorded_page(browser, tmp_path, model, X, y))


def test_each_neurons_map_is_its_activation_computed_by_python(browser, tmp_path):
    """At every point of a neuron's small grid, the page's value is the activation
    Python's Layer computes there (each layer's output fed to the next)."""
    X, y, _ = problem("hinge", n=30)
    model = MLP(2, [4, 3, 1], activation="tanh", rng=random.Random(5))
    recorder, page, errors = recorded_page(browser, tmp_path, model, X, y)
    grids = page.evaluate(f"{API}.neuronGrid(0)")
    n = page.evaluate(f"{API}.gridSize")
    x_low, x_high, y_low, y_high = recorder.page_data()["extent"]
    for r, c in ((0, 0), (3, 17), (n - 1, n - 1), (10, 4)):
        point = [
            x_low + (c + 0.5) / n * (x_high - x_low),
            y_high - (r + 0.5) / n * (y_high - y_low),
        ]
        values = point
        for depth, layer in enumerate(model.layers):
            out = layer(values)
            values = out if isinstance(out, list) else [out]
            for j, a in enumerate(values):
                assert abs(grids[depth][j][r * n + c] - a.data) <= 1e-12
    assert page.locator("image.ags-ex-neuron").count() == 4 + 3 + 1
    page.hover('.ags-unit[data-unit="2:1"]')
    assert page.locator(".ags-ex-focus").text_content().startswith("layer 1, neuron 1")
    assert errors.messages == []


def test_the_first_layers_zero_lines_lie_where_its_neurons_change_sign(browser, tmp_path):
    X, y, model, recorder, page, errors = hinge_page(browser, tmp_path, [5, 1], 8, n=30)
    assert page.locator(".ags-ex-zero-line").count() == 0
    page.check(".ags-ex-lines")
    ends = page.evaluate(
        "[...document.querySelectorAll('.ags-ex-zero-line')].map(l => "
        "['x1', 'y1', 'x2', 'y2'].map(a => +l.getAttribute(a)))"
    )
    x_low, x_high, y_low, y_high = recorder.page_data()["extent"]
    assert 1 <= len(ends) <= 5
    for x1, y1, x2, y2 in ends:
        for px, py in ((x1, y1), (x2, y2)):
            u = x_low + px / 380 * (x_high - x_low)
            v = y_low + (380 - py) / 380 * (y_high - y_low)
            z = [n([u, v]).data for n in model.layers[0].neurons]
            # pixel coordinates are rounded to 0.1 px: z is near 0 for one neuron
            assert min(abs(value) for value in z) <= 0.05
    assert errors.messages == []


def test_a_click_adds_a_point_that_the_next_steps_loss_counts(browser, tmp_path):
    """Oracle: Python's hinge mean over the points plus the clicked one, at the step's weights."""
    X, y, model, recorder, page, errors = hinge_page(browser, tmp_path, [4, 1], 4, n=20)
    page.select_option(".ags-ex-label", "-1")
    box = page.locator(".ags-ex-points").bounding_box()
    page.mouse.click(box["x"] + 0.25 * box["width"], box["y"] + 0.75 * box["height"])
    assert page.evaluate(f"{API}.view.data.X.length") == 21
    added = page.evaluate(f"{API}.view.data.X[20]")
    x_low, x_high, y_low, y_high = recorder.page_data()["extent"]
    assert abs(added[0] - (x_low + 0.25 * (x_high - x_low))) < 0.02 * (x_high - x_low)
    assert abs(added[1] - (y_high - 0.75 * (y_high - y_low))) < 0.02 * (y_high - y_low)
    loss = page.evaluate(f"{API}.train(1), {API}.view.data.losses[0]")
    expected = hinge([model(x) for x in X + [added]], y + [-1]).data
    assert abs(loss - expected) <= 1e-12 and loss != recorder.snapshots[0].loss
    page.click('.ags-ex-dot[data-point="3"]', modifiers=["Shift"])
    assert page.evaluate(f"{API}.view.data.X.length") == 20
    assert page.locator(".ags-ex-dot").count() == 20
    assert errors.messages == []


def test_editing_an_edge_changes_the_output_as_the_engine_computes(browser, tmp_path):
    X, y, model, recorder, page, errors = hinge_page(browser, tmp_path, [3, 1], 6, n=20)
    before = page.evaluate(f"{API}.outputs(0, [0.3, -0.2])")[0]
    # The edge into the output from hidden unit 1: parameter 9 + 1 (3 neurons of 3 params).
    page.click('.ags-ex-edge[data-index="10"]', force=True)
    page.fill(".ags-ex-weight-edit", "2.5")
    page.press(".ags-ex-weight-edit", "Enter")
    after = page.evaluate(f"{API}.outputs(0, [0.3, -0.2])")[0]
    model.layers[1].neurons[0].w[1].data = 2.5
    assert model.parameters()[10] is model.layers[1].neurons[0].w[1]
    assert abs(after - model([0.3, -0.2]).data) <= 1e-12 and after != before
    assert errors.messages == []


def test_share_link_keeps_step_point_panels_and_edits(browser, tmp_path):
    """A link made after an edit opens the same step, point and weight (recorded steps)."""
    X, y, _ = problem("hinge", n=20)
    model = MLP(2, [3, 1], rng=random.Random(6))
    page, errors = sgd_page(browser, tmp_path, Recorder(model, X, y), 6, lr=0.1)
    page.evaluate(f"{API}.view.step = 2, {API}.editWeight(10, -1.5)")
    page.click('.ags-ex-dot[data-point="4"]')
    page.wait_for_function("location.hash.indexOf('point=4') > 0")
    link = page.url
    assert "step=2" in link and "w=2%3A10%3A-1.5" in link
    again = browser.new_page(viewport={"width": 1280, "height": 800})
    again.goto(link.replace("#", "#hide=legend&"))
    again.wait_for_function(API)
    assert again.evaluate(f"{API}.view.step") == 2
    assert again.evaluate(f"{API}.view.selected") == 4
    assert again.evaluate(f"{API}.view.data.params[2][10]") == -1.5
    assert not again.locator(".ags-ex-legend").is_visible()
    assert errors.messages == []


def test_a_neurons_panel_shows_adams_state_as_python_has_it(browser, tmp_path):
    """After 3 Adam steps in the page, the panel's m, v for a weight are Adam's in Python."""
    X, y, model, recorder, page, errors = hinge_page(browser, tmp_path, [3, 1], 6, n=20)
    page.select_option(".ags-ex-optimizer", "adam")
    page.fill(".ags-ex-lr", "0.01")
    page.evaluate(f"{API}.train(3)")
    page.click('.ags-unit[data-unit="1:1"]')
    lines = page.locator(".ags-net-lines").text_content()
    optimizer = Adam(model.parameters(), lr=0.01)
    for _ in range(3):
        loss = hinge([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    # neuron 1 of layer 0: parameters 3 (w0), 4 (w1), 5 (b)
    assert "Adam after step t = 3" in lines
    shown = {
        name: (float(m.replace("\u2212", "-")), float(v.replace("\u2212", "-")))
        for name, m, v in re.findall(r"(w\d|b): m (\S+),  v (\S+),", lines)
    }
    for q, name in ((3, "w0"), (4, "w1"), (5, "b")):  # 4 significant digits shown
        assert shown[name][0] == pytest.approx(optimizer.m[q], rel=6e-4)
        assert shown[name][1] == pytest.approx(optimizer.v[q], rel=6e-4)
    assert errors.messages == []


def test_training_that_diverges_in_the_page_says_so_and_keeps_drawing(browser, tmp_path):
    """A huge learning rate: weights and loss become inf or nan; no script error, the note shows."""
    X, y, model, recorder, page, errors = hinge_page(browser, tmp_path, [4, 1], 2)
    page.fill(".ags-ex-lr", "1e300")
    losses = page.evaluate(f"{API}.train(6), {API}.view.data.losses")
    assert not all(math.isfinite(v) for v in losses if v is not None)
    page.evaluate(f"{API}.train(2)")
    assert page.locator(".ags-ex-note").is_visible()
    assert page.locator(".ags-ex-note").text_content().startswith("Training diverged")
    assert errors.messages == []


def test_training_goes_on_past_the_pages_snapshot_limit(browser, tmp_path):
    """Past 10,000 snapshots the page keeps training: the timeline keeps one step
    in two (then four, ...), step 0 and always the newest step, and its lists stay
    in step with each other (each kept accuracy is its own snapshot's)."""
    X, y, model, recorder, page, errors = hinge_page(browser, tmp_path, [4, 1], 3)
    page.fill(".ags-ex-lr", "0.01")
    for _ in range(5):  # 25,000 steps, in the chunks a person's clicks would give
        page.evaluate(f"{API}.train(5000)")
    labels = page.evaluate(f"{API}.view.data.steps")
    assert 2 <= len(labels) < 10_000
    assert labels[0] == 0 and labels[-1] == 24_999  # the start and the newest of 25,000 steps
    assert all(a < b for a, b in zip(labels, labels[1:]))
    assert labels[-1] - labels[-2] <= 4 and labels[2] - labels[1] >= 2  # thinned, densest last
    newest = page.evaluate(f"[{API}.trainer().params, {API}.view.data.params.at(-1)]")
    assert list(newest[0]) == list(newest[1])  # the page shows where training is
    page.evaluate(f"{API}.view.slider.value = 0")  # the curves completed
    assert page.evaluate(f"{API}.curveDone()")
    for k in (0, 1, len(labels) // 2, len(labels) - 2, len(labels) - 1):
        kept = page.evaluate(f"{API}.view.accuracies[{k}]")
        assert kept == page.evaluate(f"{API}.accuracy({k})"), k
    page.evaluate(f"{API}.train(10)")  # and it goes on
    assert page.evaluate(f"{API}.view.data.steps.at(-1)") == 25_009
    assert errors.messages == []


@pytest.mark.parametrize(
    "args, settings",
    [
        # micrograd's demo: its SGD schedule ends near 0.1, with its L2 of 1e-4
        ([], {"optimizer": "sgd", "lr": 0.1, "l2": 1e-4, "l1": 0.0, "batch": 0}),
        (
            "--dataset xor --optimizer adam --lr 0.02 --l2 0.001 --batch 8 --hidden 4".split(),
            {"optimizer": "adam", "lr": 0.02, "l2": 0.001, "l1": 0.0, "batch": 8},
        ),
        # sgd decays its rate to about a tenth over the run: the page goes on from there
        (
            "--dataset circles --lr 0.5 --steps 20 --hidden 4".split(),
            {"optimizer": "sgd", "lr": 0.0725, "l2": 1e-4, "l1": 0.0, "batch": 0},
        ),
    ],
)
def test_the_train_button_goes_on_as_the_recorded_run_trained(browser, tmp_path, args, settings):
    """The CLI's run and the page's first press of train use the same optimizer,
    penalty and batch, and the rate the run ended with."""
    from autograd_scalar.cli import main

    steps = [] if "--steps" in args else ["--steps", "5"]
    assert main(["demo", "--out", str(tmp_path), *steps, *args]) == 0
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto((tmp_path / "training.html").as_uri())
    page.wait_for_function(API)
    page.click(".ags-ex-once")
    trainer = page.evaluate(f"{API}.trainer().settings")
    assert page.locator(".ags-ex-optimizer").input_value() == settings["optimizer"]
    assert {key: trainer[key] for key in ("lr", "l2", "l1", "batch")} == {
        key: settings[key] for key in ("lr", "l2", "l1", "batch")
    }
    assert page.evaluate(f"{API}.trainer().optimizer.kind") == settings["optimizer"]
    assert errors.messages == []
