"""An MLP in PyTorch and in ONNX, and back from PyTorch.

``MLP.to_torch()`` gives the same network as a ``torch.nn.Sequential`` of
float64 ``Linear`` layers with the activation modules between them:

    Sequential(Linear(nin, n1), Act(), Linear(n1, n2), Act(), ..., Linear(n_last-1, n_last))

``Act`` is ``ReLU``, ``Tanh`` or ``Sigmoid``, and ``Identity`` for
``activation="linear"`` (so Linear layer l always sits at index 2l). Neuron
j of layer l computes f(w·x + b), which is row j of PyTorch's x·Wᵀ + b, so
the parameters map one to one:

| here (``named_parameters``) | PyTorch (``state_dict``) |
| --- | --- |
| ``layers.<l>.neurons.<j>.w.<i>`` | ``<2l>.weight[j, i]`` |
| ``layers.<l>.neurons.<j>.b`` | ``<2l>.bias[j]`` |

(:func:`torch_name` gives the right column for any name). ``MLP.from_torch``
reads such a Sequential back -- also one without ``Identity`` between two
``Linear`` layers, and one in float32 -- and refuses, in one line, whatever
an MLP cannot represent: another kind of layer, a Linear without bias, an
activation after the last Linear, two activations in a row, mixed
activations, sizes that do not chain. (A Sequential of one Linear layer has
no hidden activation to read; the MLP gets the default, ``"relu"``, which
it never applies.)

``MLP.to_onnx(path)`` writes the network as an ONNX model, float64: input
``x`` of shape ``[N, nin]``, output ``y`` of shape ``[N, n_last]`` (also for
one output: the MLP's single Value is column 0), one ``Gemm`` node per layer
(y = x·Wᵀ + b, initializers named as PyTorch's state_dict) and the
activation's node from the tape exporter's table. Needs the ``[onnx]``
extra; ``to_torch``/``from_torch`` need ``[torch]``.
"""

from __future__ import annotations

import random
from pathlib import Path

from .. import extras
from . import persistence

__all__ = ["TORCH_ACTIVATIONS", "torch_name", "to_torch", "from_torch", "to_onnx"]

#: Each activation of an MLP (``nn.ACTIVATIONS``) as a ``torch.nn`` module class name.
TORCH_ACTIVATIONS = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid", "linear": "Identity"}


def _position(name: str) -> tuple:
    """``layers.<l>.neurons.<j>.w.<i>`` -> (l, "weight", (j, i)); ``...b`` -> (l, "bias", (j,))."""
    parts = name.split(".")
    layer, neuron = int(parts[1]), int(parts[3])
    if parts[4] == "b":
        return layer, "bias", (neuron,)
    return layer, "weight", (neuron, int(parts[5]))


def torch_name(name: str) -> tuple:
    """The PyTorch ``state_dict`` key and index of an MLP parameter.

    Example:
        >>> torch_name("layers.1.neurons.3.w.0"), torch_name("layers.0.neurons.2.b")
        (('2.weight', (3, 0)), ('0.bias', (2,)))
    """
    layer, kind, index = _position(name)
    return f"{2 * layer}.{kind}", index


def _layers(model) -> list:
    """Per layer ``(W, b)`` as nested lists of floats: W[j][i] and b[j]."""
    layers: list = [([], []) for _ in model.architecture()["nouts"]]
    for name, p in model.named_parameters():
        layer, kind, index = _position(name)
        weights, biases = layers[layer]
        if kind == "bias":
            biases.append(p.data)
        else:
            if index[1] == 0:
                weights.append([])
            weights[-1].append(p.data)
    return layers


def to_torch(model):
    """``model`` as a float64 ``torch.nn.Sequential`` with the same weights (see the module doc)."""
    torch = extras.require("torch", "MLP.to_torch()")
    architecture = model.architecture()
    activation = getattr(torch.nn, TORCH_ACTIVATIONS[architecture["activation"]])
    layers = _layers(model)
    modules = []
    for k, (weights, biases) in enumerate(layers):
        linear = torch.nn.Linear(len(weights[0]), len(weights), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
        modules.append(linear)
        if k < len(layers) - 1:
            modules.append(activation())
    return torch.nn.Sequential(*modules)


def from_torch(module, cls):
    """An MLP (of class ``cls``) with the layers and weights of a torch ``Sequential``.

    Raises:
        ValueError: in one line, for a module an MLP cannot represent, or a
            weight that is not finite.
    """
    torch = extras.require("torch", "MLP.from_torch()")
    linears, activation = _read_sequential(torch, module)
    model = cls(
        linears[0].in_features,
        [linear.out_features for linear in linears],
        activation=activation,
        rng=random.Random(0),  # overwritten below; the global random state stays untouched
    )
    tensors = {
        name: layer.detach().to(torch.float64).tolist()
        for k, linear in enumerate(linears)
        for name, layer in ((f"{2 * k}.weight", linear.weight), (f"{2 * k}.bias", linear.bias))
    }
    state = {}
    for name, _ in model.named_parameters():
        key, index = torch_name(name)
        value = tensors[key]
        for i in index:
            value = value[i]
        state[name] = value
    persistence.load_state_dict(model, state, "MLP.from_torch")
    return model


def _activation_names(torch) -> dict:
    return {getattr(torch.nn, module): name for name, module in TORCH_ACTIVATIONS.items()}


def _read_sequential(torch, module) -> tuple:
    """The Linear layers of ``module`` and the one activation between them, or a ValueError."""
    where = "MLP.from_torch"
    if not isinstance(module, torch.nn.Sequential):
        raise ValueError(
            f"{where}: expected a torch.nn.Sequential of Linear layers and activations, "
            f"got {type(module).__name__}"
        )
    activations = _activation_names(torch)
    linears: list = []
    between: list = []  # the activation after each Linear but the last
    pending = None  # (name, kind) of the activation since the last Linear
    for k, layer in enumerate(module):
        kind = type(layer).__name__
        if isinstance(layer, torch.nn.Linear):
            _check_linear(layer, k, linears, where)
            if linears:
                between.append(pending[0] if pending else "linear")
            linears.append(layer)
            pending = None
            continue
        if type(layer) not in activations:
            allowed = ", ".join(["Linear", *TORCH_ACTIVATIONS.values()])
            raise ValueError(
                f"{where}: layer {k} ({kind}) has no counterpart in an MLP, "
                f"which is made of {allowed}"
            )
        if not linears:
            raise ValueError(f"{where}: layer {k} ({kind}) comes before the first Linear layer")
        if pending is not None:
            raise ValueError(
                f"{where}: layer {k} ({kind}) follows another activation ({pending[1]}); "
                "an MLP applies one activation between two Linear layers"
            )
        pending = (activations[type(layer)], kind)
    if not linears:
        raise ValueError(f"{where}: the Sequential has no Linear layer")
    if pending is not None and pending[0] != "linear":
        raise ValueError(
            f"{where}: the Sequential ends with {pending[1]}, but an MLP's output layer "
            "is linear (end with the Linear layer)"
        )
    if len(set(between)) > 1:
        raise ValueError(
            f"{where}: the hidden layers use different activations "
            f"({', '.join(sorted(set(between)))}); an MLP uses one for all of them"
        )
    return linears, between[0] if between else "relu"


def _check_linear(layer, k: int, linears: list, where: str) -> None:
    if layer.bias is None:
        raise ValueError(
            f"{where}: layer {k} (Linear) has no bias, but every neuron of an MLP has one"
        )
    if linears and layer.in_features != linears[-1].out_features:
        raise ValueError(
            f"{where}: layer {k} (Linear) takes {layer.in_features} inputs but the "
            f"layer before it gives {linears[-1].out_features}"
        )


def to_onnx(model, path) -> Path:
    """Write ``model`` as an ONNX model (float64, ``x`` [N, nin] -> ``y`` [N, n_last]).

    Checked with ``onnx.checker`` and written atomically; returns the path.
    """
    onnx = extras.require("onnx", "MLP.to_onnx()")
    from ..tape.onnx_export import ONNX, Graph

    architecture = model.architecture()
    graph = Graph(onnx, "mlp")
    layers = _layers(model)
    h = "x"
    for k, (weights, biases) in enumerate(layers):
        shape = (len(weights), len(weights[0]))
        w = graph.initializer(f"{2 * k}.weight", [v for row in weights for v in row], shape)
        b = graph.initializer(f"{2 * k}.bias", biases, (len(biases),))
        last = k == len(layers) - 1
        h = graph.node("Gemm", [h, w, b], "y" if last else f"z{k}", transB=1)
        if not last and architecture["activation"] != "linear":
            h = ONNX[architecture["activation"]](graph, f"a{k}", h)
    inputs = [("x", ["N", architecture["nin"]])]
    outputs = [("y", ["N", architecture["nouts"][-1]])]
    return graph.save(path, inputs, outputs, doc=f"an MLP of autograd_scalar: {architecture}")
