"""The one training loop (train.fit) and the registries by name (data.DATASETS, nn.LOSSES).

The loop's spec is the loop written out by hand: the same seeded problem
trained both ways takes the same steps, float for float (the same operations
in the same order, so `==` is promised). A new data set or loss is one
registry entry: registered here, it reaches the command line's choices, the
trainer and the explorer page with nothing else changed.
"""

import json
import math
import random

import pytest

from autograd_scalar import Value, cli, data, demo, nn, no_grad, optim, sum as value_sum, train
from autograd_scalar.explore import Recorder
from autograd_scalar.explore_losses import term_program
from autograd_scalar.web import pages
from conftest import page_with_script
from test_playground import page_data


def written_out_moons_loop(steps: int) -> list:
    """micrograd's demo loop by hand: hinge + 1e-4·Σθ², p -= lr·grad, lr 1 -> 0.1."""
    model, X, labels = demo.moons_problem(seed=1337)
    params, losses = model.parameters(), []
    for k in range(steps):
        scores = [model(x) for x in X]
        loss = nn.hinge(scores, labels) + 1e-4 * nn.l2(params)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / steps
        for p in params:
            p.data -= lr * p.grad
        losses.append(loss.data)
    return losses


def test_the_demo_trains_exactly_as_micrograds_loop_written_out():
    model, X, labels = demo.moons_problem(seed=1337)
    assert demo.train(model, X, labels, steps=20).losses == written_out_moons_loop(20)


def test_minibatch_adam_trains_exactly_as_the_loop_written_out():
    """Own set-up: cross-entropy over a batch of 8 sampled by Random(seed + 1), Adam."""
    settings = train.Settings(dataset="blobs", points=40, batch=8, optimizer="adam", steps=6)
    X, labels, classes = train.load_problem(settings)
    model, optimizer, loss = train.build(settings, classes)
    result = train.fit(model, X, labels, loss, optimizer, 6, settings.l2, 8, settings.seed)

    twin = nn.MLP(2, [16, 16, 3], rng=random.Random(settings.seed))
    params, adam = twin.parameters(), optim.Adam(twin.parameters(), lr=0.01)
    sampler, expected = random.Random(settings.seed + 1), []
    for _ in range(6):
        batch = sorted(sampler.sample(range(40), 8))
        terms = [nn.cross_entropy(twin(X[i]), labels[i]) for i in batch]
        total = value_sum(terms) * (1.0 / 8) + 1e-4 * nn.l2(params)
        adam.zero_grad()
        total.backward()
        adam.step()
        expected.append(total.data)
    assert loss == "cross_entropy" and result.losses == expected


def test_the_tape_engine_takes_the_scalar_steps_for_an_own_set_up():
    """Same settings on both engines: the losses agree to rounding (the tape sums in
    another order), the accuracies exactly."""
    runs = []
    for engine in train.ENGINES:
        settings = train.Settings(dataset="circles", points=60, batch=20, steps=5, engine=engine)
        X, labels, classes = train.load_problem(settings)
        model, optimizer, loss = train.build(settings, classes)
        runs.append(train.fit(model, X, labels, loss, optimizer, 5, settings.l2, 20, 1337, engine))
    scalar, taped = runs
    assert max(abs(a - b) for a, b in zip(scalar.losses, taped.losses)) <= 1e-9
    assert scalar.accuracies == taped.accuracies


def test_a_recorder_hooks_in_as_a_callback_seeing_each_step_before_its_update():
    model, X, labels = demo.moons_problem(seed=2, points=30)
    recorder = Recorder(model, X, labels)
    seen = []
    result = train.fit(
        model, X, labels, steps=4, callbacks=[recorder.record, lambda loss: seen.append(loss)]
    )
    assert [s.loss for s in recorder.snapshots] == result.losses == seen
    start, _, _ = demo.moons_problem(seed=2, points=30)  # θ_0, before any update
    assert recorder.snapshots[0].params == tuple(p.data for p in start.parameters())


def test_accuracy_reads_signs_for_one_output_and_the_argmax_for_several():
    assert train.accuracy([0.5, -0.1, 2.0, -3.0], [1, -1, -1, 1]) == 0.5
    assert train.accuracy([[0.1, 2.0, 0.3], [3.0, -1.0, 0.0]], [1, 2]) == 0.5
    assert train.accuracy([0.2, -0.2], [1, 0]) == 1.0  # logistic labels 0/1


def test_a_loss_for_two_classes_on_three_is_refused_with_one_line(tmp_path, capsys):
    out = tmp_path / "out"
    assert cli.main(["demo", "--dataset", "blobs", "--loss", "hinge", "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "loss hinge separates two classes; the data has 3" in err[0]
    assert not out.exists()


# -- the registries ------------------------------------------------------------------------


def test_the_demos_choices_are_the_registries_names(capsys):
    assert cli.main(["demo", "--help"]) == 0
    usage = " ".join(capsys.readouterr().out.split())
    for option, names in [
        ("dataset", data.DATASETS),
        ("loss", nn.LOSSES),
        ("activation", nn.ACTIVATIONS),
        ("optimizer", train.OPTIMIZERS),
    ]:
        assert f"[--{option} {{{','.join(names)}}}]" in usage


def make_ring(n: int, noise: float = 0.0, seed=None) -> tuple:
    """A new data set, as a maker: class 0 inside radius 1, class 1 on a ring at 2."""
    rng = random.Random(seed)
    X, y = [], []
    for k in range(n):
        angle, radius = rng.uniform(0, 2 * math.pi), rng.uniform(0, 1) if k % 2 else 2.0
        X.append([radius * math.cos(angle) + noise, radius * math.sin(angle)])
        y.append(0 if k % 2 else 1)
    return X, y


def test_a_new_data_set_is_one_entry_in_data_datasets(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(data.DATASETS, "ring", data.Dataset(make_ring, noise=0.0))
    out = tmp_path / "out"
    argv = ["demo", "--dataset", "ring", "--points", "24", "--steps", "3", "--out", str(out)]
    argv += ["--test-fraction", "0"]  # every point trains
    assert cli.main(argv) == 0
    page = page_data(out / "training.html")
    X, y = make_ring(24, seed=1337)
    assert page["X"] == X and page["y"] == [2 * label - 1 for label in y]
    assert capsys.readouterr().out.startswith("accuracy: ")


def squared_hinge_term(score, label):
    return (1.0 - score * label).relu() ** 2


SQUARED_HINGE = nn.Loss(
    "squared_hinge",
    squared_hinge_term,
    "+1 or -1",
    classes=False,
    allowed=lambda y: y in (1, -1),
    encode=lambda k: 2 * k - 1,
)


def test_a_new_loss_is_one_entry_in_nn_losses(monkeypatch, tmp_path, capsys):
    """Oracle: the first recorded loss is the mean of max(0, 1 - y·s)² over the points,
    in floats, from the untrained model, plus 1e-4·Σθ²."""
    monkeypatch.setitem(nn.LOSSES, "squared_hinge", SQUARED_HINGE)
    out = tmp_path / "out"
    argv = ["demo", "--dataset", "xor", "--points", "30", "--loss", "squared_hinge"]
    argv += ["--test-fraction", "0"]  # every point trains
    assert cli.main([*argv, "--steps", "2", "--out", str(out)]) == 0
    page = page_data(out / "training.html")
    assert page["loss"] == "squared_hinge"  # its term, traced from the entry, trains the page:
    assert page["program"] == term_program("squared_hinge")

    settings = train.Settings(dataset="xor", points=30)
    X, labels, _ = train.load_problem(settings)
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(1337))
    with no_grad():
        scores = [model(x).data for x in X]
    theta = [p.data for p in model.parameters()]
    expected = sum(max(0.0, 1 - y * s) ** 2 for s, y in zip(scores, labels)) / 30
    expected += 1e-4 * sum(t * t for t in theta)
    assert page["losses"][0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("name", [*nn.LOSSES, "squared_hinge"])
def test_each_losss_term_traced_and_run_in_the_page_equals_its_python_term(
    name, browser, monkeypatch
):
    """The explorer page computes a point's term by replaying the entry's ``term``,
    traced, with the derivative table's JavaScript: no formula written twice."""
    monkeypatch.setitem(nn.LOSSES, "squared_hinge", SQUARED_HINGE)
    loss = nn.LOSSES[name]
    page = page_with_script(browser, pages.ops_script() + "\n" + pages.read("explore_train.js"))
    cases = (
        [([1.5, -0.5, 3.0], k) for k in range(3)] + [([800.0, -800.0, 0.0], 1)]
        if loss.classes
        else [([s], loss.encode(k)) for s in (-2.5, -0.3, 0.0, 0.7, 40.0) for k in (0, 1)]
    )
    for out, label in cases:
        program = json.dumps(term_program(name, len(out)))
        python = loss.term(out if loss.classes else Value(out[0]), label).data
        script = (
            f"(T => T.termValue(T.compile({program}), {out}, {label}, 0, null))(agsExploreTrain)"
        )
        assert page.evaluate(script) == pytest.approx(python, rel=1e-12, abs=1e-300)


# -- held-out points: one split ------------------------------------------------------------


def test_one_split_serves_the_digits_cut_and_the_seeded_test_fraction():
    """The digits hold out their last 20% (as made); --test-fraction a seeded shuffle's
    share, the same for the same seed, each point in exactly one part, order kept."""
    from autograd_scalar.demo import DIGITS_EXAMPLES, digits_problem

    X, y = data.DATASETS["digits"](DIGITS_EXAMPLES, seed=3)
    _, (train_X, train_y), (test_X, test_y) = digits_problem(seed=3)
    assert (train_X, train_y, test_X, test_y) == (X[:2400], y[:2400], X[2400:], y[2400:])
    points, labels = [[float(k)] for k in range(50)], list(range(50))
    first = train.split(points, labels, 0.3, seed=7)
    assert first == train.split(points, labels, 0.3, seed=7)
    (kept_X, kept), (held_X, held) = first
    assert len(held) == 15 and sorted(kept + held) == labels
    assert kept == sorted(kept) and held == sorted(held) and held != labels[-15:]
    assert kept_X == [[float(k)] for k in kept] and held_X == [[float(k)] for k in held]
    assert train.split(points, labels, 0.3, seed=8) != first
    assert train.split(points, labels, 0.3)[1] == (points[35:], labels[35:])
    assert len(train.split(points, labels, 1.0, seed=1)[0][1]) == 1  # one point stays
