"""Neural networks out of Values: ``Neuron``, ``Layer``, ``MLP``.

micrograd's names and shapes, so its users feel at home: a :class:`Neuron`
computes a = f(z) with z = w·x + b, a :class:`Layer` is a list of neurons fed
the same input, an :class:`MLP` a chain of layers whose last one is linear.
In matrix notation a layer computes a^l = f(W^l a^{l-1} + b^l), one row
w_k^l at a time.

Graph shape. A neuron's weighted sum is ONE ``dot`` node whose parents are
``w + [b]`` and ``x + [1]`` (the bias rides along as a weight on a constant
input 1, built once per layer call), so a neuron adds two nodes to the graph
(``dot`` and its activation) where micrograd adds 2·nin + 1.

Initialisation (micrograd's scheme, same order of random draws): each weight
is ``uniform(-1, 1)`` from Python's ``random`` (or the ``rng`` you pass, e.g.
``random.Random(1337)``), each bias is 0. With the same seed an MLP here and
micrograd's ``MLP`` start from identical weights.

Parameter order (``parameters()``, ``named_parameters()``, ``state_dict()``,
saved files): per layer, per neuron, the weights then the bias -- micrograd's
order, so weights can be copied between the two engines position by position.

Persistence: :meth:`Module.save` writes JSON (format name, version,
architecture, named values) atomically; :meth:`Module.load` validates the whole
file before it changes a single parameter (both in :mod:`autograd_scalar.nn.persistence`).

The losses, the file format and ``dead_neurons`` live beside this module in
:mod:`autograd_scalar.nn`, which re-exports all of them.
"""

from __future__ import annotations

import random
from typing import Mapping, Optional, Sequence, Union

from ..checkpointing import checkpoint_sequential
from ..checks import count
from ..engine import Value, as_values, constant, dot_of_values
from ..modes import scope_names, state
from . import export, persistence

__all__ = [
    "Module",
    "Neuron",
    "Layer",
    "MLP",
    "ACTIVATIONS",
]

#: The activations a Neuron may apply to z = w·x + b (``linear`` applies none).
ACTIVATIONS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid, "linear": None}


def _check_activation(activation) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; got {activation!r}")
    return activation


def _inputs_with_one(x, nin: int, who: str, scope: Optional[str]) -> tuple:
    """The input vector as Values (numbers become input leaves ``x<i>``), then a constant 1.

    Built once per layer call and shared by the layer's neurons; the trailing
    1 is the input that the bias multiplies in the neuron's single dot node.
    The leaves made here are tagged with ``scope``.
    """
    items = tuple(x)
    xs = as_values(items, f"{who} input")
    if xs is not items:  # as_values hands back an all-Value tuple itself
        # Numbers are the model's inputs x0, x1, ...: leaves that receive gradients,
        # so the fresh constant leaves as_values made for them are retagged.
        for i, (v, item) in enumerate(zip(xs, items)):
            if v is not item:
                v.op, v.label, v.scope = "", f"x{i}", scope
    if len(xs) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(xs)}")
    one = constant(1.0)
    one.scope = scope
    return xs + (one,)


def _single_or_list(outputs: list):
    """A layer's or model's outputs as micrograd returns them: one Value alone."""
    return outputs[0] if len(outputs) == 1 else outputs


class _ScopeNames:
    """A module's scope names for its parts, joined to an outer scope.

    Remembers the last outer scope: a model is called inside the same one
    over and over, so the names are joined once, not an f-string per neuron
    per call.
    """

    def __init__(self, names: list) -> None:
        self.names = names
        self.last: tuple = (None, names)

    def inside(self, outer: Optional[str]) -> list:
        last = self.last  # one read: another thread may replace it
        if last[0] != outer:
            self.last = last = (outer, scope_names(outer, self.names))
        return last[1]


class Module:
    """Base class: parameters, gradients and persistence of a model.

    Subclasses define :meth:`named_parameters` and :meth:`architecture`;
    everything else follows from those two.
    """

    def named_parameters(self) -> list:
        """``[(name, Value), ...]`` in micrograd's order (see the module doc)."""
        return []

    def parameters(self) -> list:
        """The trainable Values, in micrograd's order (``named_parameters``' order).

        Subclasses list them without building the names: an optimizer and
        ``zero_grad`` ask for them every step.
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0 (leaf gradients accumulate)."""
        for p in self.parameters():
            p.grad = 0.0

    def architecture(self) -> dict:
        """A JSON-able description of the shape; saved files must match it."""
        raise NotImplementedError

    # -- persistence ---------------------------------------------------------

    def state_dict(self) -> dict:
        """``{name: float}`` for every parameter, in parameter order."""
        return persistence.state_dict(self)

    def load_state_dict(self, state: Mapping) -> None:
        """Set the parameters from ``{name: number}``; all-or-nothing.

        Every name must be present, no other name may appear, and every value
        must be a finite real number; otherwise ``ValueError`` names the
        problem and no parameter changes.

        Example:
            >>> import random
            >>> n = Neuron(2, rng=random.Random(0))
            >>> n.load_state_dict({"w.0": 1.0, "w.1": 2.0, "b": 0.5})
            >>> n([3.0, 4.0]).data
            11.5
            >>> n.load_state_dict({"w.0": 1.0, "w.1": float("nan"), "b": 0.5})
            Traceback (most recent call last):
            ...
            ValueError: load_state_dict: parameter 'w.1' is not finite (nan)
        """
        persistence.load_state_dict(self, state)

    def save(self, path) -> None:
        """Write the model to ``path`` as JSON, atomically (temp file + rename).

        The file holds ``format``, ``version``, ``architecture`` and
        ``parameters`` (name -> float; Python's float repr round-trips exactly).

        Example:
            >>> import random, tempfile, os
            >>> model = MLP(2, [3, 1], rng=random.Random(1))
            >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
            >>> model.save(path)
            >>> twin = MLP(2, [3, 1], rng=random.Random(2))
            >>> twin.load(path).state_dict() == model.state_dict()
            True
        """
        persistence.save(self, path)

    def load(self, path) -> "Module":
        """Load parameters saved by :meth:`save` into this model; returns ``self``.

        The file is checked completely before any parameter is set (see
        :func:`autograd_scalar.nn.persistence.load`); any problem raises
        ``ValueError`` naming it, and the model is left exactly as it was.
        """
        persistence.load(self, path)
        return self


class Neuron(Module):
    """One unit: a = f(w·x + b).

    Args:
        nin: number of inputs.
        activation: ``"relu"`` (default), ``"tanh"``, ``"sigmoid"`` or ``"linear"``.
        rng: a ``random.Random`` for the weights (default: the ``random`` module).

    Attributes:
        w: the weights, a list of ``nin`` Values labelled ``w0, w1, ...``.
        b: the bias Value, labelled ``b``.

    Calling it with ``nin`` numbers or Values returns a Value. The sum
    w·x + b is one ``dot`` node.

    Example:
        >>> import random
        >>> n = Neuron(2, activation="tanh", rng=random.Random(0))
        >>> n.w[0].data, n.w[1].data = 0.5, -1.0
        >>> a = n([2.0, 3.0]); a.backward()
        >>> round(a.data, 6), round(n.w[0].grad, 6), n.b.grad == n.w[0].grad / 2
        (-0.964028, 0.141302, True)
    """

    _checked: tuple = ()  # the (*w, b) that _weights_and_bias last checked

    def __init__(self, nin: int, activation: str = "relu", rng: Optional[random.Random] = None):
        count(nin, "Neuron nin")
        self.activation = _check_activation(activation)
        uniform = (rng or random).uniform
        self.w = [Value(uniform(-1.0, 1.0), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")

    def __call__(self, x) -> Value:
        return self.fire(_inputs_with_one(x, len(self.w), "Neuron", state.scope))

    def fire(self, xs_with_one: tuple, xs_data=None, scope: Optional[str] = None) -> Value:
        """The activation for inputs already prepared by the caller.

        ``xs_with_one`` must be a tuple of Values, the input vector followed by
        a constant 1 (the bias's input), of length ``nin + 1``, as
        :meth:`__call__` and :class:`Layer` prepare it; its types are not
        checked again. ``xs_data`` optionally holds their ``.data``, read once
        by a :class:`Layer` for all its neurons. ``scope``, if given, tags the
        two nodes made here (z and a) instead of the active scope.
        """
        z = dot_of_values(self._weights_and_bias(), xs_with_one, xs_data)
        f = ACTIVATIONS[self.activation]
        a = z if f is None else f(z)
        if scope is not None:
            z.scope = a.scope = scope
        return a

    def _weights_and_bias(self) -> tuple:
        """``(*w, b)`` as Values, type-checked only when one was replaced.

        ``w`` is a public list, so a weight may be swapped for another Value
        (or a number, which becomes a constant leaf, as in :func:`dot`); the
        tuple compare below goes by identity, in C.
        """
        params = (*self.w, self.b)
        if params != self._checked:
            self._checked = as_values(params, "Neuron weights")
        return self._checked

    def named_parameters(self) -> list:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

    def parameters(self) -> list:
        return [*self.w, self.b]  # no names built: the optimizers ask every step

    def architecture(self) -> dict:
        return {"type": "Neuron", "nin": len(self.w), "activation": self.activation}

    def __repr__(self) -> str:
        return f"{self.activation.capitalize()}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs.

    Args:
        nin, nout: input and output sizes.
        **kwargs: passed to each :class:`Neuron` (``activation``, ``rng``).

    Calling it returns a list of ``nout`` Values, or a single Value when
    ``nout == 1`` (as in micrograd). Each neuron's nodes are tagged with the
    scope ``neuron<j>`` (inside whatever scope is active), so graph drawings
    cluster them.

    Example:
        >>> import random
        >>> layer = Layer(3, 2, rng=random.Random(0))
        >>> out = layer([1.0, 2.0, 3.0])
        >>> len(out), out[0].scope, len(layer.parameters())
        (2, 'neuron0', 8)
    """

    def __init__(self, nin: int, nout: int, **kwargs):
        count(nin, "Layer nin")
        count(nout, "Layer nout")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        for j, neuron in enumerate(self.neurons):  # labels n<j>.w<i>, n<j>.b: see MLP
            for p in neuron.parameters():
                p.label = f"n{j}.{p.label}"
        self._scopes = _ScopeNames([f"neuron{j}" for j in range(nout)])

    def __call__(self, x):
        return _single_or_list(self.forward(x))

    def forward(self, x, scope: Optional[str] = None) -> list:
        """The layer's outputs, always as a list (also for one neuron).

        The nodes are tagged as if each neuron ran in ``scope(f"neuron{j}")``
        inside ``scope`` (by default the active scope), without opening a
        scope block per neuron.
        """
        if scope is None:
            scope = state.scope
        xs = _inputs_with_one(x, len(self.neurons[0].w), "Layer", scope)
        xs_data = [x.data for x in xs]  # read once for all the layer's neurons
        names = self._scopes.inside(scope)
        return [neuron.fire(xs, xs_data, name) for neuron, name in zip(self.neurons, names)]

    def named_parameters(self) -> list:
        return [
            (f"neurons.{j}.{name}", p)
            for j, n in enumerate(self.neurons)
            for name, p in n.named_parameters()
        ]

    def parameters(self) -> list:
        return [p for n in self.neurons for p in (*n.w, n.b)]  # named_parameters' order

    def architecture(self) -> dict:
        return {
            "type": "Layer",
            "nin": len(self.neurons[0].w),
            "nout": len(self.neurons),
            "activation": self.neurons[0].activation,
        }

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multilayer perceptron: layers of sizes ``nouts``, the last one linear.

    Args:
        nin: number of inputs.
        nouts: the layer sizes, e.g. ``[16, 16, 1]``.
        activation: the hidden layers' activation (default ``"relu"``).
        rng: a ``random.Random`` for the weights (default: the ``random`` module).
        checkpoint: keep only some layers' outputs and recompute the rest in
            backward (:mod:`autograd_scalar.checkpointing`): True for √L segments
            of the L layers, an int for that many segments. The gradients are
            the same floats; the graph kept between forward and backward is
            smaller.

    Layer ``l`` tags its nodes with the scope ``layer<l>/neuron<j>``. Parameters
    are labelled by the same path, short: ``L<l>.n<j>.w<i>`` is weight i of
    neuron j of layer l and ``L<l>.n<j>.b`` its bias (0-based, as the scopes
    and ``named_parameters()``), so no two parameters of a model share a name.
    A model called on numbers wraps them as input leaves ``x0, x1, ...``,
    which receive gradients (``∂loss/∂x``).

    Example (micrograd's demo network: 2·16+16 + 16·16+16 + 16+1 = 337):
        >>> import random
        >>> model = MLP(2, [16, 16, 1], rng=random.Random(1337))
        >>> len(model.parameters()), model.named_parameters()[0][0]
        (337, 'layers.0.neurons.0.w.0')
        >>> score = model([0.5, -1.0]); score.scope
        'layer2/neuron0'
        >>> [p.label for p in model.parameters()[:3]], model.parameters()[-1].label
        (['L0.n0.w0', 'L0.n0.w1', 'L0.n0.b'], 'L2.n0.b')
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str = "relu",
        rng: Optional[random.Random] = None,
        checkpoint: Union[bool, int] = False,
    ):
        count(nin, "MLP nin")
        self.checkpoint = checkpoint
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP nouts must name at least one layer size")
        self.activation = _check_activation(activation)
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [
            Layer(sizes[i], sizes[i + 1], rng=rng, activation="linear" if i == last else activation)
            for i in range(len(nouts))
        ]
        self._scopes = _ScopeNames([f"layer{layer_index}" for layer_index in range(len(nouts))])
        for layer_index, layer in enumerate(self.layers):  # labels L<l>.n<j>.w<i>, L<l>.n<j>.b
            for p in layer.parameters():
                p.label = f"L{layer_index}.{p.label}"

    def __call__(self, x):
        if self.checkpoint is not False:
            return _single_or_list(self._checkpointed(x))
        # Layer.forward checks each layer's input size, so only scopes are added here.
        for layer, name in zip(self.layers, self._scopes.inside(state.scope)):
            x = layer.forward(x, name)
        return _single_or_list(x)

    def _checkpointed(self, x) -> list:
        """The layers in checkpointed segments; each names its scope where it runs
        (inside its segment's scope)."""

        def layer_call(layer: Layer, name: str):
            return lambda h: layer.forward(h, scope_names(state.scope, [name])[0])

        calls = [layer_call(layer, f"layer{k}") for k, layer in enumerate(self.layers)]
        segments = None if self.checkpoint is True else int(self.checkpoint)
        return checkpoint_sequential(calls, segments, x)

    def named_parameters(self) -> list:
        return [
            (f"layers.{layer_index}.{name}", p)
            for layer_index, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    def parameters(self) -> list:
        return [p for layer in self.layers for n in layer.neurons for p in (*n.w, n.b)]

    def architecture(self) -> dict:
        return {
            "type": "MLP",
            "nin": len(self.layers[0].neurons[0].w),
            "nouts": [len(layer.neurons) for layer in self.layers],
            "activation": self.activation,
        }

    # -- to other frameworks (the [torch] and [onnx] extras; see nn.export) -------

    def to_torch(self):
        """This network as a float64 ``torch.nn.Sequential`` with the same weights.

        ``Linear`` layers with the activation modules between them; parameter
        ``layers.<l>.neurons.<j>.w.<i>`` is ``<2l>.weight[j, i]`` of its
        ``state_dict``, ``layers.<l>.neurons.<j>.b`` is ``<2l>.bias[j]``
        (:mod:`autograd_scalar.nn.export`). Needs PyTorch (``[torch]``).
        """
        return export.to_torch(self)

    @classmethod
    def from_torch(cls, module) -> "MLP":
        """An MLP with the layers and weights of a ``torch.nn.Sequential``.

        ``ValueError`` in one line for a layer an MLP cannot represent.
        Needs PyTorch (``[torch]``).
        """
        return export.from_torch(module, cls)

    def to_onnx(self, path):
        """Write this network as an ONNX model (float64, ``x`` [N, nin] -> ``y`` [N, nout]).

        Checked by ``onnx.checker`` and written atomically; returns the path.
        Needs ONNX (``[onnx]``).
        """
        return export.to_onnx(self, path)

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
