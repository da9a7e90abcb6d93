"""Live recomputation in the browser equals the Python engine.

A live page re-runs the forward pass and the backward rule in JavaScript
(``web/live.js``) from the derivative table's JavaScript (``web/ops.js``),
over the graph that :func:`autograd_scalar.trace.live.live_graph` describes. The
truth here is the Python engine itself, run on the same expression built
afresh with the edited inputs; and the sum-over-paths example's closed form
(o = (a + b)·(a·b)/2: at a = 3, b = 3, o = 27 and ∂o/∂a = (ab + (a + b)b)/2 = 13.5).
"""

import random

import pytest

from autograd_scalar import Value, nn, topological_order
from autograd_scalar.trace.live import live_graph
from autograd_scalar.web import pages
from conftest import assert_close, page_with_script


@pytest.fixture(scope="module")
def page(browser):
    return page_with_script(browser, pages.ops_script() + "\n" + pages.read("live.js"))


def recompute(page, root, inputs: dict) -> dict:
    """Run agsRecompute on ``root``'s graph with ``{leaf Value: new value}``."""
    order = topological_order(root)
    positions = {str(order.index(leaf)): value for leaf, value in inputs.items()}
    result = page.evaluate("([g, i]) => agsRecompute(g, i)", [live_graph(order), positions])
    return {"order": order, **result}


def sum_over_paths(a_value=2.0, b_value=3.0):
    a, b = Value(a_value, label="a"), Value(b_value, label="b")
    return a, b, (a + b) * (a * b) / 2


def test_setting_a_to_3_gives_o_27_and_do_da_13_5(page):
    a, b, o = sum_over_paths()
    result = recompute(page, o, {a: 3.0})
    order = result["order"]
    assert result["data"][-1] == 27.0
    assert result["grad"][order.index(a)] == 13.5
    assert result["grad"][order.index(b)] == 13.5  # ((a+b)a + ab)/2: symmetric at a = b


def mlp_loss(inputs, seed=0):
    model = nn.MLP(2, [3, 2], activation="tanh", rng=random.Random(seed))
    x = [Value(v, label=f"x{k}") for k, v in enumerate(inputs)]
    out = model(x)
    return x, sum((o - 0.5) ** 2 for o in out).log()


@pytest.mark.parametrize("old, new", [((0.5, -1.0), (0.25, 2.0)), ((1.5, 0.3), (-0.7, -0.2))])
def test_every_value_and_gradient_equals_the_engine_on_the_edited_inputs(page, old, new):
    x, loss = mlp_loss(old)
    result = recompute(page, loss, dict(zip(x, new)))
    x2, loss2 = mlp_loss(new)
    loss2.backward()
    fresh = topological_order(loss2)
    assert len(fresh) == len(result["order"])
    for k, node in enumerate(fresh):  # same construction, so the same order
        assert_close(result["data"][k], node.data, what=f"value of node {k}")
        assert_close(result["grad"][k], node.grad, what=f"gradient of node {k}")


def test_a_domain_error_names_the_node_and_the_problem(page):
    a = Value(2.0, label="a")
    y = (a - 3.0 + 2.0).log() * 2
    result = recompute(page, y, {a: 0.5})
    order = topological_order(y)
    assert result["error"]["message"] == "log: argument must be positive, got -0.5"
    assert order[result["error"]["node"]].op == "log"


def test_a_hand_built_op_blocks_live_editing():
    x = Value(2.0, label="x")
    cube = Value(8.0, parents=(x,), local_grads=(12.0,), op="cube")
    graph = live_graph(topological_order(cube + 1))
    assert graph["blocked"] == [1]
    assert live_graph(topological_order(x * x))["blocked"] == []


def test_relu_masks_an_infinite_gradient_as_the_engine_does(page):
    x = Value(1.0, label="x")
    y = x.relu().sqrt()  # at x <= 0: sqrt'(0) = inf meets relu's mask
    result = recompute(page, y, {x: -2.0})
    fresh = Value(-2.0)
    fresh.relu().sqrt().backward()
    assert fresh.grad == 0.0  # PyTorch gives 0 here too
    assert result["grad"][0] == fresh.grad
