"""Diagnostics of a trained network: :func:`dead_neurons`.

Takes models by shape, not by class (anything with ``layers`` of objects with
``neurons`` and ``forward``, as ``nn.MLP`` and ``nn.Layer`` have), so this
module does not import :mod:`autograd_scalar.nn`.
"""

from __future__ import annotations

from ..modes import enable_grad

__all__ = ["dead_neurons"]


def dead_neurons(model, inputs) -> list:
    """The ReLU units of ``model`` that pass no gradient for any of ``inputs``.

    A ReLU neuron (layer l, neuron j) is *dead* on a data set when its local
    derivative ∂a/∂z = relu'(z) is 0 on every input, i.e. its pre-activation
    z = w·a^{l-1} + b is <= 0 for all of them (relu'(0) = 0, as in PyTorch).
    Then it outputs 0 everywhere and backpropagation stops at it: its weights
    and bias get zero gradient and nothing flows through it to the layers
    below. The derivative is the one the engine records from the derivative
    table, read off each relu node.

    Args:
        model: an :class:`~autograd_scalar.nn.MLP` or a :class:`~autograd_scalar.nn.Layer`.
        inputs: a sequence of input vectors.

    Returns:
        ``[(layer_index, neuron_index), ...]`` in order (layer index 0 for a Layer).

    Example:
        >>> import random
        >>> from autograd_scalar.nn import MLP
        >>> model = MLP(1, [2, 1], rng=random.Random(0))
        >>> model.load_state_dict({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.b": 0.0,
        ...     "layers.0.neurons.1.w.0": 1.0, "layers.0.neurons.1.b": -5.0,
        ...     "layers.1.neurons.0.w.0": 1.0, "layers.1.neurons.0.w.1": 1.0,
        ...     "layers.1.neurons.0.b": 0.0})
        >>> dead_neurons(model, [[1.0], [2.0], [3.0]])   # z = x - 5 < 0 for all
        [(0, 1)]
    """
    layers = _layers(model)
    relu_units = {
        (layer_index, j)
        for layer_index, layer in enumerate(layers)
        for j, neuron in enumerate(layer.neurons)
        if neuron.activation == "relu"
    }
    alive = set()
    with enable_grad():  # the relu nodes must record their local derivative
        for x in inputs:
            for layer_index, layer in enumerate(layers):
                x = layer.forward(x)
                for j, a in enumerate(x):
                    if (layer_index, j) in relu_units and a.local_grads[0] != 0.0:
                        alive.add((layer_index, j))
    return sorted(relu_units - alive)


def _layers(model) -> list:
    """An MLP's layers, or a Layer as a list of one; ``TypeError`` for anything else."""
    layers = list(getattr(model, "layers", None) or [model])
    if not all(hasattr(layer, "neurons") and hasattr(layer, "forward") for layer in layers):
        raise TypeError(
            f"dead_neurons: model must be an MLP or a Layer, got {type(model).__name__}"
        )
    return layers
