"""The training explorer trains with optim.py's constants, which its page data carries.

Truth: Python's SGD with momentum and Adam from optim.py. With the constants
changed on the Python side (optim.MOMENTUM, optim.BETAS, optim.EPS), 30 steps
in the page equal 30 Python steps with those constants to 1e-9, and differ
from 30 steps with the usual ones: the page keeps no copy of its own.
"""

import random

import pytest

from autograd_scalar import Value, optim
from autograd_scalar.data import make_moons
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP, hinge
from conftest import PageErrors

API = "document.querySelector('.ags-explorer').agsExplorer"
STEPS = 30
LR = 0.05


def python_steps(kind: str, X, y, momentum: float, betas: tuple, eps: float) -> list:
    """The weights after STEPS full-batch steps of optim.py's optimizer from the seeded start."""
    model = MLP(2, [5, 1], rng=random.Random(3))
    params = model.parameters()
    if kind == "momentum":
        optimizer = optim.SGD(params, lr=LR, momentum=momentum)
    else:
        optimizer = optim.Adam(params, lr=LR, betas=betas, eps=eps)
    for _ in range(STEPS):
        loss = hinge([model(x) for x in X], y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return [p.data for p in params]


@pytest.mark.parametrize("kind", ["momentum", "adam"])
def test_the_page_follows_optims_constants_when_python_changes_them(
    browser, tmp_path, monkeypatch, kind
):
    monkeypatch.setattr(optim, "MOMENTUM", 0.5)
    monkeypatch.setattr(optim, "BETAS", (0.5, 0.9))
    monkeypatch.setattr(optim, "EPS", 1e-3)
    X, labels = make_moons(30, noise=0.1, seed=7)
    y = [2 * c - 1 for c in labels]
    model = MLP(2, [5, 1], rng=random.Random(3))
    recorder = Recorder(model, X, y, loss="hinge")
    loss = hinge([model(x) for x in X], y)
    loss.backward()
    recorder.record(loss)
    constants = {"momentum": 0.5, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3}
    assert recorder.page_data()["optimizer"] == constants

    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(recorder.save(tmp_path / "training.html").as_uri())
    page.wait_for_function(API)
    page.select_option(".ags-ex-optimizer", kind)
    page.fill(".ags-ex-lr", repr(LR))
    page.fill(".ags-ex-l2", "0")
    page.fill(".ags-ex-l1", "0")
    in_page = page.evaluate(f"(n => {{ {API}.train(n); return {API}.trainer().params; }})({STEPS})")
    page.close()

    changed = python_steps(kind, X, y, 0.5, (0.5, 0.9), 1e-3)
    usual = python_steps(kind, X, y, 0.9, (0.9, 0.999), 1e-8)
    assert max(abs(a - b) for a, b in zip(in_page, changed)) <= 1e-9
    assert max(abs(a - b) for a, b in zip(in_page, usual)) > 1e-3  # the constants matter here
    assert errors.messages == []


def test_adams_defaults_are_the_constants_the_page_gets():
    """One home for the numbers: Adam's defaults are optim.BETAS and optim.EPS (PyTorch's)."""
    adam = optim.Adam([Value(1.0)])
    assert adam.betas == optim.BETAS == (0.9, 0.999) and adam.eps == optim.EPS == 1e-8
    assert optim.constants() == {"momentum": 0.9, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
