"""nn: the MLP's shape, order, initialisation, forward and gradients, the losses, dead neurons.

Truth: the micrograd layout written out by hand, Python's random draws,
PyTorch float64 (matrix form and torch.nn.functional losses) and closed forms.
"""

import math
import random

import pytest
import torch
import torch.nn.functional as F

from autograd_scalar import Value, nn, scope
from conftest import assert_close, torch_float


def micrograd_layout(nin, nouts):
    """Parameter names in micrograd's order: per layer, per neuron, weights then bias."""
    names, sizes = [], [nin] + list(nouts)
    for layer_index, nout in enumerate(nouts):
        for j in range(nout):
            names += [f"layers.{layer_index}.neurons.{j}.w.{i}" for i in range(sizes[layer_index])]
            names.append(f"layers.{layer_index}.neurons.{j}.b")
    return names


def test_micrograd_demo_mlp_has_337_parameters():
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337


def test_parameters_follow_micrograds_order():
    model = nn.MLP(2, [16, 16, 1], rng=random.Random(0))
    expected = [p for layer in model.layers for n in layer.neurons for p in n.w + [n.b]]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]
    assert [name for name, _ in model.named_parameters()] == micrograd_layout(2, [16, 16, 1])
    assert list(model.state_dict()) == micrograd_layout(2, [16, 16, 1])


def test_initialisation_is_micrograds_uniform_weights_and_zero_biases():
    model = nn.MLP(3, [4, 2], rng=random.Random(7))
    draws = random.Random(7)
    for layer in model.layers:
        for neuron in layer.neurons:
            assert [w.data for w in neuron.w] == [draws.uniform(-1, 1) for _ in neuron.w]
            assert neuron.b.data == 0.0


def test_global_random_seeds_the_default_initialisation():
    random.seed(5)
    first = nn.MLP(2, [3, 1]).state_dict()
    random.seed(5)
    assert nn.MLP(2, [3, 1]).state_dict() == first


def test_last_layer_is_linear_hidden_layers_use_the_activation():
    model = nn.MLP(2, [3, 3, 1], activation="tanh", rng=random.Random(0))
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "linear"]


def test_one_neuron_layer_returns_a_value_wider_layers_a_list():
    x = [1.0, 2.0]
    assert isinstance(nn.Layer(2, 1, rng=random.Random(0))(x), Value)
    out = nn.Layer(2, 3, rng=random.Random(0))(x)
    assert isinstance(out, list) and len(out) == 3


def test_a_neurons_weighted_sum_is_one_dot_node():
    neuron = nn.Neuron(3, activation="relu", rng=random.Random(1))
    neuron.b.data = 5.0  # z > 0, so the relu node is kept
    x = [Value(0.5), Value(-1.0), Value(2.0)]
    a = neuron(x)
    (z,) = a.parents
    assert a.op == "relu" and z.op == "dot"
    assert z.parents[:4] == tuple(neuron.w + [neuron.b])
    assert z.parents[4:7] == tuple(x) and z.parents[7].data == 1.0


def mlp_in_torch(model, x):
    """The same network in torch float64, matrix form a^l = f(W^l a^{l-1} + b^l)."""
    activations = {
        "relu": torch.relu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "linear": lambda z: z,
    }
    weights, a = [], torch.tensor(x, dtype=torch.float64)
    for layer in model.layers:
        W = torch.tensor(
            [[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64, requires_grad=True
        )
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64, requires_grad=True)
        weights.append((W, b))
        a = activations[layer.neurons[0].activation](W @ a + b)
    return a, weights


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_forward_and_gradients_match_torch_float64(activation):
    model = nn.MLP(3, [5, 4, 2], activation=activation, rng=random.Random(3))
    for neuron in model.layers[0].neurons:
        neuron.b.data = 0.3  # non-zero biases, so their gradients are tested too
    x = [0.4, -1.2, 0.9]
    out = model(x)
    loss = out[0] * out[1] + out[1]
    loss.backward()
    t_out, weights = mlp_in_torch(model, x)
    t_loss = t_out[0] * t_out[1] + t_out[1]
    t_loss.backward()
    assert_close(loss.data, torch_float(t_loss), what="loss")
    for layer, (W, b) in zip(model.layers, weights):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                assert_close(w.grad, float(W.grad[j, i]), what=f"w[{j},{i}]")
            assert_close(neuron.b.grad, float(b.grad[j]), what=f"b[{j}]")


def test_calls_accept_floats_and_values_alike():
    model = nn.MLP(2, [4, 1], rng=random.Random(2))
    assert model([0.5, -0.25]).data == model([Value(0.5), Value(-0.25)]).data


def test_gradients_flow_into_value_inputs():
    neuron = nn.Neuron(2, activation="linear", rng=random.Random(2))
    x = [Value(1.0), Value(2.0)]
    neuron(x).backward()
    assert [xi.grad for xi in x] == [w.data for w in neuron.w]


def test_wrong_input_size_names_the_problem():
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        nn.MLP(2, [3, 1], rng=random.Random(0))([1.0, 2.0, 3.0])


def test_non_numeric_input_names_the_element():
    with pytest.raises(TypeError, match="element 1"):
        nn.Neuron(2)([1.0, "x"])


def test_a_weight_swapped_for_another_value_is_used_and_gets_the_gradient():
    """Closed form: a linear neuron's output is w·x + b and ∂out/∂w_i = x_i."""
    neuron = nn.Neuron(2, activation="linear", rng=random.Random(2))
    neuron([1.0, 2.0])  # the old weights were checked once already
    neuron.w[1] = shared = Value(5.0)
    out = neuron([1.0, 2.0])
    out.backward()
    assert out.data == neuron.w[0].data * 1.0 + 5.0 * 2.0 + neuron.b.data
    assert shared.grad == 2.0 and out.parents[1] is shared


def test_a_weight_swapped_for_a_number_acts_as_a_constant():
    neuron = nn.Neuron(2, activation="linear", rng=random.Random(2))
    neuron([1.0, 2.0])
    neuron.w[0] = 3
    out = neuron([1.0, 2.0])
    assert out.data == 3.0 + neuron.w[1].data * 2.0 + neuron.b.data
    assert out.parents[0].op == "const"


def test_a_weight_swapped_for_a_non_number_names_the_element():
    neuron = nn.Neuron(2, rng=random.Random(2))
    neuron([1.0, 2.0])
    neuron.w[1] = "w"
    with pytest.raises(
        TypeError, match="Neuron weights: element 1 must be a Value or a real number"
    ):
        neuron([1.0, 2.0])


def test_a_weight_appended_to_one_neuron_of_a_layer_is_a_clear_error():
    layer = nn.Layer(2, 3, rng=random.Random(2))
    layer.neurons[1].w.append(Value(1.0))
    with pytest.raises(ValueError, match="dot: ws has 4 elements but xs has 3"):
        layer([1.0, 2.0])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: nn.Neuron(2, activation="softmax"), "activation must be one of"),
        (lambda: nn.Neuron(0), "nin must be an int >= 1"),
        (lambda: nn.Layer(2, 0), "nout must be an int >= 1"),
        (lambda: nn.MLP(2, []), "at least one layer"),
        (lambda: nn.MLP(2, [3, 1.5]), "nout must be an int >= 1"),
    ],
)
def test_bad_shapes_and_activations_raise_value_error(build, message):
    with pytest.raises(ValueError, match=message):
        build()


def test_nodes_are_tagged_with_layer_and_neuron_scopes():
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    for neuron in model.layers[0].neurons:
        neuron.b.data = 1.0
    hidden = model.layers[0]([1.0, 1.0])
    assert [h.scope for h in hidden] == ["neuron0", "neuron1", "neuron2"]
    score = model([1.0, 1.0])
    assert score.scope == "layer1/neuron0"
    assert [p.scope for p in score.parents[4:7]] == [f"layer0/neuron{j}" for j in range(3)]
    with scope("net"):
        assert model([1.0, 1.0]).scope == "net/layer1/neuron0"


def test_a_layers_input_leaves_and_its_constant_one_carry_the_layer_scope():
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    score = model([1.0, 1.0])
    hidden_dot = score.parents[4].parents[0]  # layer 0, neuron 0: relu(dot)
    inputs = hidden_dot.parents[3:]  # after w0, w1, b: x0, x1 and the constant 1
    assert [(v.label, v.op, v.scope) for v in inputs] == [
        ("x0", "", "layer0"),
        ("x1", "", "layer0"),
        ("", "const", "layer0"),
    ]
    assert score.parents[-1].scope == "layer1"  # the output layer's constant 1
    with scope("net"):
        assert model([1.0, 1.0]).parents[-1].scope == "net/layer1"


def test_scope_tags_follow_the_active_scope_when_it_changes_between_calls():
    layer = nn.Layer(2, 2, rng=random.Random(0))
    with scope("a"):
        first = layer([1.0, 2.0])
    with scope("b"):
        second = layer([1.0, 2.0])
    third = layer([1.0, 2.0])
    assert [v.scope for v in first + second + third] == [
        "a/neuron0",
        "a/neuron1",
        "b/neuron0",
        "b/neuron1",
        "neuron0",
        "neuron1",
    ]


def test_an_mlp_with_a_one_neuron_hidden_layer_feeds_it_on():
    """Closed form: the bottleneck's single activation is the next layer's only input."""
    model = nn.MLP(2, [1, 2], activation="linear", rng=random.Random(3))
    h = model.layers[0]([0.5, -1.0])
    expected = [n.w[0].data * h.data + n.b.data for n in model.layers[1].neurons]
    assert [v.data for v in model([0.5, -1.0])] == expected


def test_zero_grad_resets_every_parameter():
    model = nn.MLP(2, [4, 4, 1], rng=random.Random(1))
    nn.mse([model([1.0, -1.0])], [3.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


# -- losses --------------------------------------------------------------------------


def loss_and_grads(loss_fn, inputs, *args):
    """Our loss value and ∂loss/∂inputs for float inputs."""
    values = [Value(v) for v in inputs]
    loss = loss_fn(values, *args)
    loss.backward()
    return loss.data, [v.grad for v in values]


def torch_loss_and_grads(loss_fn, inputs, *args):
    t = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
    loss = loss_fn(t, *args)
    loss.backward()
    return torch_float(loss), t.grad.tolist()


def assert_all_close(ours, theirs, what):
    (value, grads), (t_value, t_grads) = ours, theirs
    assert_close(value, t_value, what=f"{what} value")
    for k, (g, tg) in enumerate(zip(grads, t_grads)):
        assert_close(g, tg, what=f"{what} grad {k}")


def test_mse_is_the_mean_of_squared_errors():
    preds, targets = [0.5, -1.0, 2.0], [1.0, 1.0, -1.0]
    assert_all_close(
        loss_and_grads(nn.mse, preds, targets),
        torch_loss_and_grads(F.mse_loss, preds, torch.tensor(targets, dtype=torch.float64)),
        "mse",
    )


def test_hinge_is_the_mean_max_margin_loss():
    scores, labels = [2.0, 0.5, -0.3, -2.0], [1, 1, 1, -1]
    closed_form = lambda s, y: torch.clamp(1 - y * s, min=0).mean()  # noqa: E731
    assert_all_close(
        loss_and_grads(nn.hinge, scores, labels),
        torch_loss_and_grads(closed_form, scores, torch.tensor(labels, dtype=torch.float64)),
        "hinge",
    )


def test_hinge_rejects_labels_other_than_plus_minus_one():
    with pytest.raises(ValueError, match="label 1 is 0; labels must be \\+1 or -1"):
        nn.hinge([1.0, 2.0], [1, 0])


@pytest.mark.parametrize("logits", [[0.3, -2.0, 0.0, 5.0], [800.0, -800.0, 40.0, -40.0]])
def test_binary_cross_entropy_with_logits_matches_torch_and_stays_finite(logits):
    labels = [1.0, 0.0, 0.0, 1.0]
    ours = loss_and_grads(nn.binary_cross_entropy_with_logits, logits, labels)
    assert math.isfinite(ours[0]) and all(map(math.isfinite, ours[1]))
    assert_all_close(
        ours,
        torch_loss_and_grads(
            F.binary_cross_entropy_with_logits, logits, torch.tensor(labels, dtype=torch.float64)
        ),
        "bce",
    )


def test_binary_cross_entropy_gradient_is_sigmoid_minus_label():
    # Closed form: ∂/∂z [softplus(z) - y z] = σ(z) - y, also at the branch point z = 0.
    _, grads = loss_and_grads(nn.binary_cross_entropy_with_logits, [0.0, 2.0], [1.0, 0.0])
    assert_close(grads[0], (0.5 - 1.0) / 2)
    assert_close(grads[1], (1 / (1 + math.exp(-2.0))) / 2)


@pytest.mark.parametrize(
    "logits, target",
    [
        ([1.0, 2.0, 0.5], 1),
        ([300.0, 100.0, -200.0, 299.5], 3),  # logits in the hundreds: exp would overflow
        ([-500.0, -700.0], 0),
    ],
)
def test_cross_entropy_matches_torch_and_stays_finite(logits, target):
    ours = loss_and_grads(nn.cross_entropy, logits, target)
    assert math.isfinite(ours[0]) and all(map(math.isfinite, ours[1]))
    theirs = torch_loss_and_grads(
        lambda t: F.cross_entropy(t.unsqueeze(0), torch.tensor([target])), logits
    )
    assert_all_close(ours, theirs, "cross_entropy")


def test_cross_entropy_closed_form_for_two_classes():
    # -log softmax([z, 0])[1] = log(1 + e^z); its gradient is softmax - e_1.
    value, grads = loss_and_grads(nn.cross_entropy, [1.5, 0.0], 1)
    p = 1 / (1 + math.exp(-1.5))
    assert_close(value, math.log1p(math.exp(1.5)))
    assert_close(grads[0], p) and assert_close(grads[1], p - 1.0)


def test_cross_entropy_rejects_a_bad_target():
    with pytest.raises(ValueError, match="target_index must be an int in \\[0, 1\\]"):
        nn.cross_entropy([1.0, 2.0], 2)


def test_l2_is_the_sum_of_squares_with_gradient_2p():
    value, grads = loss_and_grads(nn.l2, [3.0, -4.0, 0.5])
    assert value == 9.0 + 16.0 + 0.25 and grads == [6.0, -8.0, 1.0]


@pytest.mark.parametrize("loss", [nn.mse, nn.hinge, nn.binary_cross_entropy_with_logits])
def test_losses_reject_mismatched_or_empty_batches(loss):
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        loss([1.0, 1.0], [1])
    with pytest.raises(ValueError, match="no predictions"):
        loss([], [])


# -- dead neurons ----------------------------------------------------------------------


def test_dead_neurons_are_the_relu_units_with_no_positive_preactivation():
    model = nn.MLP(2, [6, 5, 1], rng=random.Random(4))
    model.layers[0].neurons[2].b.data = -100.0  # z < 0 everywhere: dead
    model.layers[1].neurons[4].b.data = -100.0
    inputs = [
        [random.Random(k).uniform(-1, 1), random.Random(k + 50).uniform(-1, 1)] for k in range(20)
    ]
    dead = nn.dead_neurons(model, inputs)
    # Independent truth: torch's pre-activations z^l, dead iff z <= 0 on every input.
    expected = set()
    for layer_index in range(2):
        for j in range(len(model.layers[layer_index].neurons)):
            if all(pre_activations(model, x)[layer_index][j] <= 0 for x in inputs):
                expected.add((layer_index, j))
    assert (0, 2) in expected and (1, 4) in expected
    assert dead == sorted(expected)


def pre_activations(model, x):
    a, zs = torch.tensor(x, dtype=torch.float64), []
    for layer in model.layers:
        W = torch.tensor([[w.data for w in n.w] for n in layer.neurons], dtype=torch.float64)
        b = torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64)
        z = W @ a + b
        zs.append(z.tolist())
        a = torch.relu(z)
    return zs


def test_dead_neurons_get_no_gradient_from_any_input():
    model = nn.MLP(2, [6, 1], rng=random.Random(4))
    model.layers[0].neurons[1].b.data = -100.0
    inputs = [[0.1 * k, -0.2 * k] for k in range(10)]
    assert (0, 1) in nn.dead_neurons(model, inputs)
    nn.mse([model(x) for x in inputs], [1.0] * len(inputs)).backward()
    for layer_index, j in nn.dead_neurons(model, inputs):
        neuron = model.layers[layer_index].neurons[j]
        assert all(p.grad == 0.0 for p in neuron.parameters())


def test_dead_neurons_ignores_non_relu_units():
    model = nn.MLP(2, [3, 1], activation="tanh", rng=random.Random(0))
    model.layers[0].neurons[0].b.data = -100.0
    assert nn.dead_neurons(model, [[0.0, 0.0]]) == []


def test_the_active_scope_is_restored_when_a_call_fails():
    model = nn.MLP(2, [3, 1], rng=random.Random(0))
    with scope("outer"):
        with pytest.raises(TypeError):
            model([1.0, "bad"])
        assert model([1.0, 1.0]).scope == "outer/layer1/neuron0"
    assert Value(1.0).scope is None


def test_parameters_are_the_named_parameters_values_in_order_also_after_a_weight_is_replaced():
    model = nn.MLP(3, [4, 2])
    model.layers[0].neurons[1].w[2] = Value(0.5)
    for part in (model, model.layers[1], model.layers[0].neurons[1]):
        assert part.parameters() == [p for _, p in part.named_parameters()]
