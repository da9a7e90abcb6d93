"""The chosen point's scalar graph in the explorer page, against the engine's own graph.

Truth: the model at the shown step, built in Python from the snapshot's
parameters; one point's loss term ``LOSSES[name].term(model(x), y)`` and its
``backward()``. Every node the page lists (each weight, input, bias, the dot
node z and the activation a of every neuron, and the term's own nodes) must
carry that node's data and grad to 1e-9.
"""

import random

import pytest

from autograd_scalar.data import make_curve, make_moons
from autograd_scalar.engine import Value, topological_order
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import LOSSES, MLP, hinge, mse
from test_explore_regression import open_page, record_sgd

API = "document.querySelector('.ags-explorer').agsExplorer"


def recording(kind, steps=6):
    if kind == "curve":
        X, y = make_curve(30, noise=0.1, seed=2)
        model, loss = MLP(1, [3, 2, 1], activation="tanh", rng=random.Random(4)), mse
    else:
        X, c = make_moons(30, noise=0.1, seed=2)
        y = [2 * label - 1 for label in c]
        model, loss = MLP(2, [3, 2, 1], rng=random.Random(4)), hinge
    recorder = Recorder(model, X, y, loss="squared" if kind == "curve" else None)
    return record_sgd(recorder, loss, steps, lr=0.3)


def python_graph(recorder, k, p):
    """``{node key: (data, grad)}`` of point p's term graph at snapshot k, keyed as the page."""
    return python_graph_at(recorder, recorder.snapshots[k].params, p)


def python_graph_at(recorder, params, p):
    """The same at the given parameters (the model's order)."""
    twin = recorder.snapshots[0]._twin()
    for parameter, value in zip(twin.parameters(), params, strict=True):
        parameter.data, parameter.grad = value, 0.0
    x = [Value(v) for v in recorder.X[p]]
    nodes, values = {}, x
    for depth, layer in enumerate(twin.layers):
        outs = layer.forward(values)
        for j, (neuron, a) in enumerate(zip(layer.neurons, outs)):
            z = a if a.op == "dot" else a.parents[0]
            nodes[f"z:{depth}:{j}"] = z
            if a is not z:
                nodes[f"a:{depth}:{j}"] = a
            nodes[f"b:{depth}:{j}"] = neuron.b
            for i, (w, inp) in enumerate(zip(neuron.w, values)):
                nodes[f"w:{depth}:{j}:{i}"], nodes[f"in:{depth}:{j}:{i}"] = w, inp
        values = outs
    term = LOSSES[recorder.loss_name].term(values[0], recorder.y[p])
    term.backward()
    model_nodes = {id(node) for node in topological_order(values[0])}
    own = [node for node in topological_order(term) if id(node) not in model_nodes]
    return {key: (node.data, node.grad) for key, node in nodes.items()}, own, term, values[0]


def shown_nodes(page):
    """What the table shows: each row's key, full-precision data and grad, and its text."""
    return page.evaluate(
        "[...document.querySelectorAll('.ags-ex-graph tr.ags-ex-node')].map(r => "
        "[r.dataset.node, +r.dataset.data, +r.dataset.grad, r.textContent])"
    )


@pytest.mark.parametrize("kind", ["hinge", "curve"])
def test_a_clicked_points_graph_shows_the_engines_data_and_grad(browser, tmp_path, kind):
    recorder = recording(kind)
    page, errors = open_page(browser, tmp_path, recorder)
    assert not page.locator(".ags-ex-graph").evaluate("d => d.open")
    page.click('.ags-ex-dot[data-point="7"]')
    assert page.locator(".ags-ex-graph").evaluate("d => d.open")
    seen = []
    for k in (0, 5):
        if k:
            page.fill(".ags-ex-slider", str(k))
            page.dispatch_event(".ags-ex-slider", "input")
        expected, term_nodes, term, output = python_graph(recorder, k, 7)
        shown = shown_nodes(page)
        keyed = {key: (data, grad) for key, data, grad, _ in shown if not key.startswith("t:")}
        assert keyed.keys() == expected.keys()  # every neuron open: the network is small
        for key, (data, grad) in expected.items():
            assert abs(keyed[key][0] - data) <= 1e-9 and abs(keyed[key][1] - grad) <= 1e-9, key
        # The term's nodes: the page's program rows (by position) against the nodes
        # Python's term adds to the model's graph, op by op in topological order.
        program = recorder.page_data()["program"]
        rows = {int(key[2:]): (data, grad) for key, data, grad, _ in shown if key.startswith("t:")}
        assert sorted(rows) == list(range(len(program)))
        page_ops = [(node["op"], *rows[k]) for k, node in enumerate(program) if "op" in node]
        python_ops = [(node.op, node.data, node.grad) for node in term_nodes if node.parents]
        assert [op for op, *_ in page_ops] == [op for op, *_ in python_ops]
        for (_, data, grad), (_, want, want_grad) in zip(page_ops, python_ops):
            assert abs(data - want) <= 1e-9 and abs(grad - want_grad) <= 1e-9
        out = next(k for k, node in enumerate(program) if node.get("leaf") == "out0")
        assert abs(rows[out][0] - output.data) <= 1e-9 and abs(rows[out][1] - output.grad) <= 1e-9
        assert python_ops[-1][1] == term.data and rows[len(program) - 1][1] == 1.0
        seen.append(shown)
        title = page.locator(".ags-ex-graph-title").text_content()
        assert title.startswith(f"point 7 at step {k}:")
    assert seen[0] != seen[1]  # the slider moved the numbers
    assert errors.messages == []


def test_a_big_networks_graph_is_collapsed_per_neuron_and_follows_training(browser, tmp_path):
    """MLP(2, [16, 16, 1]): one z and one a row per neuron until a neuron is clicked open;
    training in the page moves the numbers to the new last step's."""
    X, c = make_moons(20, noise=0.1, seed=2)
    y = [2 * label - 1 for label in c]
    model = MLP(2, [16, 16, 1], rng=random.Random(1))
    recorder = Recorder(model, X, y)
    value = hinge([model(x) for x in X], y)
    value.backward()
    recorder.record(value)
    page, errors = open_page(browser, tmp_path, recorder)
    page.click('.ags-ex-dot[data-point="2"]')
    keys = [row[0] for row in shown_nodes(page)]
    assert not any(key.startswith(("w:", "b:", "in:")) for key in keys)
    assert sum(key.startswith("z:") for key in keys) == 33
    page.click('.ags-ex-graph [data-unit="1:4"]')
    keys = [row[0] for row in shown_nodes(page)]
    assert [key for key in keys if key.startswith("w:")] == [f"w:1:4:{i}" for i in range(16)]
    before = shown_nodes(page)
    page.fill(".ags-ex-lr", "0.1")
    page.evaluate(f"{API}.train(3)")
    after = shown_nodes(page)
    assert page.locator(".ags-ex-graph-title").text_content().startswith("point 2 at step 2:")
    expected, *_ = python_graph_at(recorder, page.evaluate(f"{API}.view.data.params[2]"), 2)
    for key, data, grad, _ in after:
        if key in expected:
            assert abs(data - expected[key][0]) <= 1e-9 and abs(grad - expected[key][1]) <= 1e-9
    assert after != before
    assert errors.messages == []
