"""Names: within one drawing or trace no two nodes show the same name.

Truths checked against: the naming scheme of names.node_names (labels first,
``label#k`` for repeats, ``v<i>`` for the rest), adversarial labels generated
by hypothesis (labels that look like automatic names or suffixed repeats),
the model's own parameter list, and torch float64 for the gradients of a
model's inputs.
"""

import random

import torch
from hypothesis import given, settings, strategies as st

from autograd_scalar import Value, names, nn, topological_order, trace_backward
from conftest import assert_close

ADVERSARIAL = st.one_of(
    st.sampled_from(["", "b", "b#2", "b#3", "v1", "v2", "v3", "v4#2", "x0", "1", "#", "v"]),
    st.text(alphabet="bv#0123", max_size=4),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(ADVERSARIAL, min_size=1, max_size=8), st.randoms(use_true_random=False))
def test_names_are_distinct_and_first_labels_kept_under_adversarial_labels(labels, rng):
    leaves = [Value(float(k), label=label) for k, label in enumerate(labels)]
    nodes = list(leaves)
    while len(nodes) < 2 * len(labels) + 1:
        a, b = rng.choice(nodes), rng.choice(nodes)
        node = a * b if rng.random() < 0.5 else a + 1.0
        node.label = rng.choice(labels + [""])
        nodes.append(node)
    root = sum(nodes[1:], nodes[0])
    order = topological_order(root)
    shown = names.node_names(order)
    named = [shown[n] for n in order if n.op != "const"]
    assert len(named) == len(set(named))
    first = {}
    for node in order:
        if node.label and node.op != "const":
            first.setdefault(node.label, node)
    for label, node in first.items():
        assert shown[node] == label


def test_repeated_labels_get_suffixes_and_automatic_names_step_aside():
    b1, b2, user_v3 = Value(1.0, label="b"), Value(2.0, label="b"), Value(3.0, label="v3")
    order = topological_order((b1 + b2) * user_v3)
    # (b1 + b2) is v_3, a name the user took: it steps aside to v3#2.
    assert list(names.node_names(order).values()) == ["b", "b#2", "v3#2", "v3", "v5"]


def test_model_parameter_labels_are_distinct_paths():
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
    labels = [p.label for p in model.parameters()]
    assert len(labels) == len(set(labels)) == 337
    assert labels[:3] == ["L0.n0.w0", "L0.n0.w1", "L0.n0.b"]
    assert "L1.n3.w15" in labels and labels[-1] == "L2.n0.b"
    assert model.named_parameters()[0][0] == "layers.0.neurons.0.w.0"  # paths unchanged


def test_every_step_of_an_mlp_trace_has_its_own_name_and_none_is_a_constant():
    model = nn.MLP(2, [4, 4, 1], rng=random.Random(0))
    trace = trace_backward(nn.hinge([model([0.5, -1.0])], [1]))
    step_names = [s.name for s in trace.steps]
    assert len(step_names) == len(set(step_names))
    assert all(s.node.op != "const" for s in trace.steps)
    assert {"x0", "x1", "L0.n2.w1", "L2.n0.b"} <= set(step_names)


def test_a_model_called_on_numbers_gives_its_inputs_gradients():
    """Inputs are leaves x0, x1 (not constants) and their grads match torch's ∂out/∂x."""
    model = nn.MLP(2, [3, 1], activation="tanh", rng=random.Random(1))
    out = model([0.5, -1.0])
    out.backward()
    inputs = [n for n in topological_order(out) if n.label in ("x0", "x1")]
    assert [x.op for x in inputs] == ["", ""]
    x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    h = torch.stack(
        [
            torch.tanh(sum(w.data * xi for w, xi in zip(n.w, x)) + n.b.data)
            for n in model.layers[0].neurons
        ]
    )
    last = model.layers[1].neurons[0]
    y = sum(w.data * hi for w, hi in zip(last.w, h)) + last.b.data
    y.backward()
    for node, expected in zip(sorted(inputs, key=lambda n: n.label), x.grad.tolist()):
        assert_close(node.grad, expected, what=node.label)


def test_html_text_escapes_every_character_that_can_end_an_attribute_or_start_markup():
    """Single quotes too: an attribute written with ' must not end early."""
    text = names.html_text("<a title='x' href=\"y\">&</a>")
    assert text == "&lt;a title=&#x27;x&#x27; href=&quot;y&quot;&gt;&amp;&lt;/a&gt;"
    assert not set("<>'\"") & set(text)
