"""Printing the network view and the training explorer: the state on screen goes on paper.

Truths checked against: Chromium's print to PDF read back by pypdf (the text
the page shows at that moment: the clicked neuron's name and lines, the
explorer's step and loss), the PDF's pictures (the explorer's heat map is a
canvas, printed as an image), and the computed style under print media
(controls not displayed, colours kept exact rather than economised).
"""

import io
import random
import re

import pypdf
import pytest

from autograd_scalar import viz
from autograd_scalar.data import make_moons
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP, hinge, l2
from autograd_scalar.optim import SGD
from conftest import PageErrors


def printed(page) -> tuple:
    """The PDF's text (white space squeezed) and its pages, printed on A4."""
    pages = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4"))).pages
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pages)), pages


def print_style(page, selector: str, prop: str) -> str:
    page.emulate_media(media="print")
    value = page.evaluate(
        "([s, p]) => getComputedStyle(document.querySelector(s)).getPropertyValue(p)",
        [selector, prop],
    )
    page.emulate_media(media="screen")
    return value


@pytest.fixture(scope="module")
def recording():
    """12 steps of MLP(2, [8, 8, 1]) on 40 moons points."""
    X, labels = make_moons(40, noise=0.1, seed=1337)
    y = [2 * label - 1 for label in labels]
    model = MLP(2, [8, 8, 1], rng=random.Random(1))
    optimizer = SGD(model.parameters(), lr=0.5)
    recorder = Recorder(model, X, y)
    for _ in range(12):
        loss = hinge([model(x) for x in X], y) + 1e-4 * l2(model.parameters())
        optimizer.zero_grad()
        loss.backward()
        recorder.record(loss)
        optimizer.step()
    return recorder


def test_a_printed_network_view_holds_the_clicked_neurons_graph_in_colour(browser, tmp_path):
    model = MLP(2, [16, 16, 1], rng=random.Random(1337))
    path = viz.network(model, x=[0.5, -1.0]).save(tmp_path / "network.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(path.as_uri())
    hint = page.locator(".ags-net-hint").text_content().strip()
    page.click('.ags-unit[data-unit="2:4"]')
    lines = page.locator(".ags-net-lines li").all_text_contents()
    text, pages = printed(page)
    assert "L1.n4" in text and "L1.n4.w0" in text  # the panel's title and the neuron's graph
    assert all(re.sub(r"\s+", " ", line) in text for line in lines) and lines
    assert hint not in text  # "click a neuron" means nothing on paper
    assert len(pages) <= 2  # the picture, then the neuron's graph at most a page high
    assert print_style(page, ".ags-network", "print-color-adjust") == "exact"
    assert print_style(page, ".ags-net-close", "display") == "none"
    assert print_style(page, ".ags-net-panel", "position") == "static"  # below, not over
    assert errors.messages == []


def test_a_printed_explorer_holds_its_current_step_and_no_controls(browser, recording, tmp_path):
    path = recording.save(tmp_path / "training.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(path.as_uri())
    page.locator(".ags-ex-slider").fill("7")
    position = page.locator(".ags-ex-pos").text_content()
    loss = page.locator(".ags-ex-loss").text_content()
    assert position.startswith(f"step {recording.snapshots[7].step} ")
    text, pages = printed(page)
    assert position in text and loss in text
    assert not re.search(r"\bplay\b", text)
    assert len(pages) == 1 and len(pages[0].images) >= 1  # the heat map (a canvas) printed
    for control in (".ags-ex-play", ".ags-ex-slider"):
        assert print_style(page, control, "display") == "none"
    assert print_style(page, ".ags-explorer", "print-color-adjust") == "exact"
    assert errors.messages == []
