"""The network view has one styler: ``network_view.LOOKS`` and ``weight_width``.

Truths: the SVG that Python writes for a model (its presentation attributes
are the static picture: untrusted notebooks, saved ``.svg``), and a real
browser's computed style after ``network.js`` restyles a page drawn for
another model into that model's state (what the explorer does at each step):
the two must look the same, mark for mark. And the page scripts hold no
colour and no width formula of their own.
"""

import random
import re
import xml.etree.ElementTree as ET
from importlib import resources

import pytest

from autograd_scalar import viz
from autograd_scalar.nn import MLP, dead_neurons
from autograd_scalar.viz.network_view import LOOKS, WIDTH, weight_width
from autograd_scalar.web import pages
from conftest import PageErrors

SVG = "{http://www.w3.org/2000/svg}"
INPUTS = [[0.5, -1.0], [1.0, 0.2], [-0.3, 0.8]]
HEX = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?\b")


def model(seed: int, dead: tuple) -> MLP:
    """MLP(2, [6, 6, 1]) with the ReLU unit ``dead`` = (layer, j) pushed below zero."""
    net = MLP(2, [6, 6, 1], rng=random.Random(seed))
    net.layers[dead[0]].neurons[dead[1]].b.data = -50.0
    return net


def rgb(colour: str) -> str:
    """``#00897b`` as a browser's computed style writes it: ``rgb(0, 137, 123)``."""
    if colour == "none":
        return "none"
    value = colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(value[k : k + 2], 16) for k in (0, 2, 4)))


def python_looks(svg_text: str) -> dict:
    """What the static SVG shows, by mark, in document order."""
    root = ET.fromstring(svg_text.split("\n", 1)[1])

    def marked(tag, css):
        return [e for e in root.iter(SVG + tag) if css is None or css in e.get("class", "").split()]

    return {
        "lines": [
            [rgb(e.get("stroke")), float(e.get("stroke-opacity")), float(e.get("stroke-width"))]
            for e in marked("line", "ags-weight")
        ],
        "circles": [
            [rgb(e.get("fill")), rgb(e.get("stroke")), e.get("stroke-dasharray")]
            for g in marked("g", "ags-unit")
            for e in g.iter(SVG + "circle")
        ],
        "marks": [e.get("display") for e in marked("path", "ags-dead-mark")],
        "indexes": [rgb(e.get("stroke")) for e in marked("text", "ags-index")],
    }


BROWSER_LOOKS = """root => {
  const style = e => getComputedStyle(e);
  const dashes = v => v === "none" ? "none" : v.replace(/px/g, "").replace(/,/g, "");
  return {
    lines: [...root.querySelectorAll("line.ags-weight")].map(e => [style(e).stroke,
      +style(e).strokeOpacity, +e.getAttribute("stroke-width")]),
    circles: [...root.querySelectorAll(".ags-unit circle")].map(e => [style(e).fill,
      style(e).stroke, dashes(style(e).strokeDasharray)]),
    marks: [...root.querySelectorAll(".ags-dead-mark")].map(e => style(e).display),
    indexes: [...root.querySelectorAll(".ags-index")].map(e => style(e).stroke),
  };
}"""


def test_the_script_restyles_a_page_to_look_as_python_draws_the_new_state(browser, tmp_path):
    """Drawn for model A (unit L0.n2 dead), restyled by network.js into model B's
    weights and dead units (L1.n4 dead): every line, circle, cross and index
    looks as in B's own SVG (widths to the page's 2 decimals)."""
    first, second = model(3, (0, 2)), model(8, (1, 4))
    dead = {f"{layer + 1}:{j}": True for layer, j in dead_neurons(second, INPUTS)}
    assert "2:4" in dead and "1:2" not in dead
    path = viz.network(first, inputs=INPUTS).save(tmp_path / "a.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(path.as_uri())
    weights = [[[w.data for w in n.w] for n in layer.neurons] for layer in second.layers]
    shown = page.evaluate(
        "([weights, dead]) => { const root = document.querySelector('.ags-network');"
        f" agsNetwork.apply(root, {{weights, dead}}); return ({BROWSER_LOOKS})(root); }}",
        [weights, dead],
    )
    expected = python_looks(viz.network(second, inputs=INPUTS).to_svg())
    for (colour, opacity, width), want in zip(shown.pop("lines"), expected.pop("lines")):
        assert [colour, opacity] == want[:2] and width == pytest.approx(want[2], abs=0.006)
    marks = expected.pop("marks")
    assert shown.pop("marks") == ["inline" if m is None else m for m in marks]
    assert shown == expected
    assert errors.messages == []
    page.close()


def test_weight_width_follows_the_formula_and_the_page_gets_its_numbers():
    """0.4 + 3.6·|w|/max|w| (the legend's 'width ∝ |w|'), full width when not finite."""
    assert WIDTH == {"least": 0.4, "span": 3.6}
    assert weight_width(-1.5, 3.0) == pytest.approx(0.4 + 3.6 * 0.5)
    assert weight_width(float("nan"), 2.0) == 4.0
    page = viz.network(model(1, (0, 0))).to_html()
    assert 'data-width-least="0.4" data-width-span="3.6"' in page


def test_every_look_is_a_rule_of_the_page_style():
    page = viz.network(model(1, (0, 0))).to_html()
    for selector, values in LOOKS:
        for name, value in values.items():
            assert re.search(
                rf"\.ags-network {re.escape(selector)} {{[^}}]*{name}: {re.escape(value)};", page
            ), (selector, name)


def test_no_page_script_writes_a_colour_or_the_width_formula():
    """Colours live in the palette and LOOKS, the width's numbers in WIDTH.

    explore.js's cursor colour is the one colour left in a script: it is the
    explorer's to move (its page's CSS or the palette)."""
    web = resources.files("autograd_scalar.web")
    for path in sorted(p for p in web.iterdir() if p.name.endswith(".js")):
        text = pages.read(path.name)
        colours = HEX.findall(text)
        if path.name == "explore.js":
            colours = [c for c in colours if c != "#263238"]
        assert colours == [], path.name
        assert not re.search(r"\b0?\.4\b|\b3\.6\b", text), path.name
