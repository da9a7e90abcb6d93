"""The network view (``viz.network``): the textbook picture of an MLP.

Sources of truth: the model's own structure (one circle per neuron, one line
per weight), a closed-form forward/backward pass of a 2-2-1 network worked by
hand, ``nn.dead_neurons`` for the dead units, the model's own backward pass
for the per-neuron graph's gradients, and a real browser for the page.
"""

import math
import random
import re
import xml.etree.ElementTree as ET

import pytest

from autograd_scalar import Value, palette, viz
from autograd_scalar.nn import MLP, dead_neurons
from autograd_scalar.viz.network_view import neuron_graph
from autograd_scalar.web import pages
from conftest import PageErrors

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg_text: str) -> ET.Element:
    return ET.fromstring(svg_text.encode("utf-8"))


def classes(element) -> set:
    return set(element.get("class", "").split())


def units(root, kind: str) -> list:
    return [g for g in root.iter(f"{SVG}g") if kind in classes(g)]


def weight_lines(root) -> list:
    return [line for line in root.iter(f"{SVG}line") if "ags-weight" in classes(line)]


def small_model() -> MLP:
    """2 inputs, 2 ReLU units, 1 linear output, with hand-picked weights."""
    model = MLP(2, [2, 1], rng=random.Random(0))
    model.load_state_dict(
        {
            "layers.0.neurons.0.w.0": 1.0,
            "layers.0.neurons.0.w.1": 2.0,
            "layers.0.neurons.0.b": 0.5,
            "layers.0.neurons.1.w.0": -1.0,
            "layers.0.neurons.1.w.1": 1.0,
            "layers.0.neurons.1.b": 0.25,
            "layers.1.neurons.0.w.0": 3.0,
            "layers.1.neurons.0.w.1": -2.0,
            "layers.1.neurons.0.b": 0.1,
        }
    )
    return model


def demo_model() -> MLP:
    return MLP(2, [16, 16, 1], rng=random.Random(1337))


def test_the_svg_has_one_element_per_neuron_and_one_per_weight():
    """MLP(2, [16, 16, 1]): 33 neurons, 2 inputs, 2·16 + 16·16 + 16·1 = 304 weights."""
    root = parse(viz.network(demo_model(), x=[0.5, -1.0]).to_svg())
    assert len(units(root, "ags-neuron")) == 33
    assert len(units(root, "ags-input")) == 2
    assert len(weight_lines(root)) == 304


def test_edge_thickness_is_proportional_to_the_weight_and_colour_follows_its_sign():
    """Width = 0.4 + 3.6·|w|/max|w|, in parameter order; the palette's sign colours."""
    model = small_model()
    root = parse(viz.network(model).to_svg())
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    lines = weight_lines(root)
    assert len(lines) == len(weights)
    for line, w in zip(lines, weights):
        assert float(line.get("stroke-width")) == pytest.approx(0.4 + 3.6 * abs(w) / 3.0, abs=0.01)
        assert line.get("stroke") == (palette.POSITIVE if w >= 0 else palette.NEGATIVE)


def test_activations_and_adjoints_match_the_closed_form():
    """Worked by hand at x = (2, 1): z0 = 2 + 2 + 0.5 = 4.5, a0 = 4.5;
    z1 = -2 + 1 + 0.25 = -0.75, a1 = relu(z1) = 0; out = 3·4.5 - 2·0 + 0.1 = 13.6.
    Adjoints: ā_out = 1, ā0 = 3, ā1 = -2; x̄0 = 3·relu'(z0)·1 + (-2)·relu'(z1)·(-1) = 3,
    x̄1 = 3·1·2 + (-2)·0·1 = 6."""
    view = viz.network(small_model(), x=[2.0, 1.0])
    assert view.activations == [[2.0, 1.0], [4.5, 0.0], [13.6]]
    assert view.adjoints == [[3.0, 6.0], [3.0, -2.0], [1.0]]
    root = parse(view.to_svg())
    labels = {
        g.get("data-unit"): [
            t.text for t in g.iter(f"{SVG}text") if classes(t) & {"ags-a", "ags-g"}
        ]
        for g in units(root, "ags-unit")
    }
    assert labels["1:0"] == ["a 4.5", "ā 3"]
    assert labels["1:1"] == ["a 0", "ā \u22122"]
    assert labels["2:0"] == ["a 13.6", "ā 1"]


def test_the_pass_leaves_the_parameters_gradients_as_they_were():
    """The view runs its own backward pass; a user's accumulated grads must survive it."""
    model = small_model()
    for k, p in enumerate(model.parameters()):
        p.grad = 0.25 * k
    viz.network(model, x=[2.0, 1.0])
    assert [p.grad for p in model.parameters()] == [0.25 * k for k in range(9)]


def test_a_neurons_graph_carries_the_gradients_of_the_whole_networks_pass():
    """Oracle: backward() on the model's own output gives each weight's grad."""
    model = demo_model()
    x = [0.5, -1.0]
    model.zero_grad()
    model(x).backward()
    view = viz.network(model, x=x)
    neuron = model.layers[1].neurons[4]
    out, grads = neuron_graph(model, 2, 4, view.activations, view.adjoints[2][4])
    by_label = {node.label: g for node, g in grads.items() if node.label}
    for i, w in enumerate(neuron.w):
        assert math.isclose(by_label[f"L1.n4.w{i}"], w.grad, rel_tol=1e-12, abs_tol=1e-15)
    assert math.isclose(by_label["L1.n4.b"], neuron.b.grad, rel_tol=1e-12, abs_tol=1e-15)
    assert out.data == view.activations[2][4]


def test_dead_relus_are_greyed_out_and_marked_when_inputs_are_given():
    """The marked units are exactly nn.dead_neurons' (columns count inputs as 0)."""
    model = demo_model()
    model.layers[0].neurons[3].b.data = -50.0
    model.layers[1].neurons[5].b.data = -50.0
    inputs = [[0.5, -1.0], [1.0, 0.2], [-0.3, 0.8]]
    expected = {f"{layer_index + 1}:{j}" for layer_index, j in dead_neurons(model, inputs)}
    assert {"1:3", "2:5"} <= expected
    root = parse(viz.network(model, inputs=inputs).to_svg())
    dead = units(root, "ags-dead")
    assert {g.get("data-unit") for g in dead} == expected
    for g in dead:
        assert g.find(f"{SVG}circle").get("fill") == "#d9d9d9"
        assert [p for p in g.iter(f"{SVG}path") if "ags-dead-mark" in classes(p)]


def test_no_unit_is_marked_dead_without_inputs():
    model = demo_model()
    model.layers[0].neurons[3].b.data = -50.0
    assert units(parse(viz.network(model).to_svg()), "ags-dead") == []


def test_save_writes_svg_or_html_by_suffix(tmp_path):
    view = viz.network(small_model(), x=[2.0, 1.0])
    svg = view.save(tmp_path / "net.svg").read_text(encoding="utf-8")
    assert len(units(parse(svg), "ags-neuron")) == 3
    page = view.save(tmp_path / "net.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and pages.read("network.js") in page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.html", "net.svg"]


def test_save_refuses_an_unknown_suffix_and_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match=r"NetworkView.save writes \.svg, \.html or \.htm files$"):
        viz.network(small_model()).save(tmp_path / "net.png")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"model": [1, 2]}, TypeError, "model must be an autograd_scalar.nn.MLP, got list"),
        ({"x": [1.0]}, ValueError, r"x must have 2 numbers .*got 1"),
        ({"x": [1.0, float("nan")]}, ValueError, r"x\[1\] must be a finite number, got nan"),
        ({"x": "ab"}, TypeError, "x must be a sequence of 2 numbers, got str"),
        ({"inputs": []}, ValueError, "inputs is empty"),
        ({"inputs": [[1.0, 2.0], [1.0]]}, ValueError, r"inputs\[1\] must have 2 numbers"),
        ({"inputs": 3}, TypeError, "inputs must be a sequence of input vectors, got int"),
        ({"title": 5}, TypeError, "title must be a str, got int"),
    ],
)
def test_bad_arguments_get_a_clear_error(kwargs, error, message):
    arguments = {"model": small_model(), **kwargs}
    with pytest.raises(error, match=message):
        viz.network(**arguments)


def test_user_text_is_escaped_in_svg_and_html():
    """A title full of markup stays text: the SVG parses and shows it verbatim."""
    title = '<script>alert("x")</script> & </svg>'
    view = viz.network(small_model(), x=[2.0, 1.0], title=title)
    assert parse(view.to_svg()).find(f"{SVG}title").text == title
    page = view.to_html()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;/svg&gt;" in page


HOSTILE_TEXT = ["a\x01b", "a\uffffb", "a\ufffeb", "a\udcffb (os.fsdecode)", "a\x7f<&'\">"]


@pytest.mark.parametrize(
    "text", HOSTILE_TEXT, ids=["control", "uffff", "ufffe", "surrogate", "mix"]
)
def test_any_title_or_label_gives_well_formed_svg(tmp_path, text):
    """XML 1.0 cannot hold control characters, U+FFFE/U+FFFF or lone surrogates: all shown escaped."""
    model = MLP(2, [3, 1], rng=random.Random(0))
    path = viz.network(model, x=[0.5, -1.0], title=text).save(tmp_path / "n.svg")
    root = ET.parse(path).getroot()
    assert root.find("{http://www.w3.org/2000/svg}title").text.startswith("a\\")
    x = Value(1.0, label=text)
    y = x * 2.0
    y.label = text + "y"
    ET.parse(viz.save(y, tmp_path / "g.svg"))
    page = viz.network(model, title=text).save(tmp_path / "n.html").read_text(encoding="utf-8")
    assert "\ufffe" not in page and "\uffff" not in page and "\x01" not in page


def test_two_views_on_one_page_have_no_id_in_common():
    """Jupyter puts several outputs in one document: element ids must not clash."""
    model = small_model()
    pages = [viz.network(model, x=[2.0, 1.0])._repr_html_() for _ in range(2)]
    ids = [re.findall(r'\bid="([^"]+)"', page) for page in pages]
    ids += [re.findall(r'\bid=\\"([^"\\]+)\\"', page) for page in pages]  # inside JSON
    all_ids = [i for page_ids in ids for i in page_ids]
    assert len(all_ids) > 2 and len(all_ids) == len(set(all_ids))


def test_the_svg_of_micrographs_demo_network_fits_a_1280_by_800_window():
    view = viz.network(demo_model(), x=[0.5, -1.0])
    assert view.layout.width <= 1280 and view.layout.height <= 800


def test_values_show_in_the_inputs_too():
    """The inputs are leaves that receive gradients (x̄), not constants."""
    view = viz.network(small_model(), x=[Value(2.0), 1])
    assert view.activations[0] == [2.0, 1.0] and view.adjoints[0] == [3.0, 6.0]


def test_the_page_in_chromium_shows_a_neurons_graph_on_click(browser, tmp_path):
    """Headless Chromium: one element per neuron and weight, a click opens the
    neuron's scalar graph (its dot and relu nodes, the weights' data and grads),
    and no console errors. Screenshots at 1280x800 go to tmp_path."""
    model = demo_model()
    model.layers[0].neurons[3].b.data = -50.0
    inputs = [[0.5, -1.0], [1.0, 0.2]]
    view = viz.network(model, x=[0.5, -1.0], inputs=inputs)
    path = view.save(tmp_path / "network.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(path.as_uri())
    assert page.locator(".ags-unit.ags-neuron").count() == 33
    assert page.locator("line.ags-weight").count() == 304
    assert page.locator(".ags-unit.ags-dead").count() == len(dead_neurons(model, inputs))
    assert page.locator(".ags-net-panel").is_hidden()
    page.screenshot(path=str(tmp_path / "network.png"))

    page.click('.ags-unit[data-unit="2:4"]')
    panel = page.locator(".ags-net-panel")
    assert panel.is_visible()
    assert panel.locator(".ags-net-title").text_content() == "L1.n4"
    graph_text = panel.locator(".ags-net-graph svg").text_content()
    assert "dot" in graph_text and "relu" in graph_text
    w0 = model.layers[1].neurons[4].w[0].data
    assert "L1.n4.w0" in graph_text and f"data {w0:.6g}" in graph_text
    page.screenshot(path=str(tmp_path / "network-clicked.png"))

    page.click(".ags-net-close")
    assert panel.is_hidden()
    page.keyboard.press("Tab")  # the neurons take the focus and open with Enter
    page.keyboard.press("Enter")
    assert panel.is_visible() and panel.locator(".ags-net-title").text_content() == "x0"
    assert errors.messages == []


def test_two_views_in_one_document_work_independently(browser, tmp_path):
    """As in a notebook with two outputs: clicking in one view opens only its panel."""
    model = small_model()
    body = "".join(viz.network(model, x=[2.0, 1.0])._repr_html_() for _ in range(2))
    path = tmp_path / "two.html"
    path.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(path.as_uri())
    views = page.locator(".ags-network")
    assert views.count() == 2
    views.nth(1).locator('.ags-unit[data-unit="1:0"]').click()
    assert views.nth(1).locator(".ags-net-panel").is_visible()
    assert views.nth(0).locator(".ags-net-panel").is_hidden()
    assert errors.messages == []
