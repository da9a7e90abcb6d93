"""Neural networks out of Values: models, their losses, files and diagnostics.

``from autograd_scalar.nn import MLP, mse`` is the public path for all of it:

* :mod:`~autograd_scalar.nn.models`: ``Neuron``, ``Layer``, ``MLP`` (micrograd's
  names and initialisation) and the activations by name;
* :mod:`~autograd_scalar.nn.losses`: ``mse``, ``hinge``,
  ``binary_cross_entropy_with_logits``, ``cross_entropy``, ``l2``, and
  ``LOSSES``, the training losses by name;
* :mod:`~autograd_scalar.nn.persistence`: the JSON file format behind
  ``Module.save`` and ``Module.load``;
* :mod:`~autograd_scalar.nn.diagnostics`: ``dead_neurons``, the ReLU units that
  pass no gradient on a data set;
* :mod:`~autograd_scalar.nn.export`: ``MLP.to_torch``, ``MLP.from_torch`` and
  ``MLP.to_onnx`` (the ``[torch]`` and ``[onnx]`` extras), with the map of
  parameter names to PyTorch's ``state_dict``.
"""

from .diagnostics import dead_neurons
from .losses import (
    LOSSES,
    Loss,
    binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l1,
    l2,
    mse,
)
from .models import ACTIVATIONS, MLP, Layer, Module, Neuron
from .persistence import FORMAT, FORMAT_VERSION

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "ACTIVATIONS",
    "mse",
    "hinge",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "l2",
    "l1",
    "Loss",
    "LOSSES",
    "dead_neurons",
    "FORMAT",
    "FORMAT_VERSION",
]
