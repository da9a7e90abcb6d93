"""Neural networks out of Values: ``Neuron``, ``Layer``, ``MLP``, losses, persistence.

micrograd's names and shapes, so its users feel at home: a :class:`Neuron`
computes a = f(z) with z = w·x + b, a :class:`Layer` is a list of neurons fed
the same input, an :class:`MLP` a chain of layers whose last one is linear.
In seed 004's notation a layer computes a^l = f(W^l a^{l-1} + b^l) one row
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

Losses are built only from Value operations (the derivative table
:mod:`autograd_scalar.ops` differentiates them): :func:`mse`, :func:`hinge`,
:func:`binary_cross_entropy_with_logits`, :func:`cross_entropy`, :func:`l2`.
:func:`dead_neurons` reports the ReLU units that pass no gradient on a data set.

Persistence: :meth:`Module.save` writes JSON (format name, version,
architecture, named values) atomically; :meth:`Module.load` validates the whole
file before it changes a single parameter.
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
from contextlib import closing
from pathlib import Path
from typing import Iterator, Mapping, Optional, Sequence

from .engine import Value, as_values, constant, dot, sum_values
from .files import atomic_path
from .modes import enable_grad, state as _state

__all__ = [
    "Module", "Neuron", "Layer", "MLP", "ACTIVATIONS",
    "mse", "hinge", "binary_cross_entropy_with_logits", "cross_entropy", "l2",
    "dead_neurons", "FORMAT", "FORMAT_VERSION",
]

#: The activations a Neuron may apply to z = w·x + b (``linear`` applies none).
ACTIVATIONS = {"relu": Value.relu, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
               "linear": None}

#: The ``"format"`` field of saved files, and the version this code writes.
FORMAT = "autograd_scalar.module"
FORMAT_VERSION = 1


def _check_count(n, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


def _check_activation(activation) -> str:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}; "
                         f"got {activation!r}")
    return activation


def _inputs_with_one(x, nin: int, who: str) -> tuple:
    """The input vector as Values (numbers become constant leaves), then a constant 1.

    Built once per layer call and shared by the layer's neurons; the trailing
    1 is the input that the bias multiplies in the neuron's single dot node.
    """
    xs = tuple(as_values(x, f"{who} input"))
    if len(xs) != nin:
        raise ValueError(f"{who} expects {nin} inputs, got {len(xs)}")
    return xs + (constant(1.0),)


class Module:
    """Base class: parameters, gradients and persistence of a model.

    Subclasses define :meth:`named_parameters` and :meth:`architecture`;
    everything else follows from those two.
    """

    def named_parameters(self) -> list:
        """``[(name, Value), ...]`` in micrograd's order (see the module doc)."""
        return []

    def parameters(self) -> list:
        """The trainable Values, in micrograd's order."""
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
        return {name: p.data for name, p in self.named_parameters()}

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
        self._assign(state, "load_state_dict")

    def _assign(self, state, where: str) -> None:
        values = self._checked_values(state, where)  # all checks before any change
        for (_, p), value in zip(self.named_parameters(), values):
            p.data = value

    def _checked_values(self, state, where: str) -> list:
        """The values of ``state`` in parameter order, after checking all of them."""
        if not isinstance(state, Mapping):
            raise ValueError(f"{where}: parameters must be a mapping of name -> number, "
                             f"got {type(state).__name__}")
        names = [name for name, _ in self.named_parameters()]
        if len(state) != len(names):
            raise ValueError(f"{where}: {len(state)} parameters given but the model "
                             f"has {len(names)}")
        missing = [name for name in names if name not in state]
        if missing:
            unexpected = sorted(set(map(str, state)) - set(names))
            raise ValueError(f"{where}: parameter {missing[0]!r} is missing"
                             + (f" (unexpected {unexpected[0]!r})" if unexpected else ""))
        values = []
        for name in names:
            value = state[name]
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ValueError(f"{where}: parameter {name!r} must be a number, "
                                 f"got {type(value).__name__}: {value!r}")
            try:
                value = float(value)
            except OverflowError:  # an int beyond float range
                value = math.inf
            if not math.isfinite(value):
                raise ValueError(f"{where}: parameter {name!r} is not finite ({value!r})")
            values.append(value)
        return values

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
        for name, p in self.named_parameters():
            if not math.isfinite(p.data):
                raise ValueError(f"save: parameter {name!r} is not finite ({p.data!r}); "
                                 "refusing to write a file that cannot be loaded")
        document = {"format": FORMAT, "version": FORMAT_VERSION,
                    "architecture": self.architecture(), "parameters": self.state_dict()}
        text = json.dumps(document, indent=1, allow_nan=False)
        with atomic_path(path) as tmp:
            tmp.write_text(text + "\n", encoding="utf-8")

    def load(self, path) -> "Module":
        """Load parameters saved by :meth:`save` into this model; returns ``self``.

        The file is read and checked completely first -- valid JSON, the
        format name, a version this code reads, the same architecture, the
        same parameter names and count, finite numbers -- and only then are the
        parameters set. Any problem raises ``ValueError`` naming it, and the
        model is left exactly as it was.
        """
        where = f"load {os.fspath(path)}"
        raw = Path(path).read_bytes()
        try:
            document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
        except UnicodeDecodeError as error:
            raise ValueError(f"{where}: not UTF-8 text ({error.reason} at byte "
                             f"{error.start})") from None
        except json.JSONDecodeError as error:
            raise ValueError(f"{where}: not valid JSON, the file may be truncated "
                             f"({error.msg} at line {error.lineno} column {error.colno})"
                             ) from None
        except RecursionError:
            raise ValueError(f"{where}: not a model file (JSON nested too deeply)") from None
        except ValueError as error:  # duplicate keys, integers too long to parse
            raise ValueError(f"{where}: {error}") from None
        if not isinstance(document, dict):
            raise ValueError(f"{where}: expected a JSON object, got "
                             f"{type(document).__name__}")
        if document.get("format") != FORMAT:
            raise ValueError(f"{where}: format is {document.get('format')!r}, "
                             f"expected {FORMAT!r}")
        version = document.get("version")
        if version != FORMAT_VERSION or isinstance(version, bool):
            raise ValueError(f"{where}: format version {version!r} is not supported "
                             f"(this code reads version {FORMAT_VERSION})")
        if document.get("architecture") != self.architecture():
            raise ValueError(f"{where}: architecture mismatch: the file has "
                             f"{document.get('architecture')!r}, the model is "
                             f"{self.architecture()!r}")
        if "parameters" not in document:
            raise ValueError(f"{where}: the 'parameters' field is missing")
        self._assign(document["parameters"], where)
        return self


def _no_duplicate_keys(pairs: list) -> dict:
    document = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r} in the file")
        document[key] = value
    return document


def _scoped(children: list, names: list) -> Iterator:
    """Yield each child with the scope set to its name (inside the active scope).

    Sets ``modes.state.scope`` directly rather than entering ``scope()`` per
    child: the context manager costs ~1 µs, ~3 ms per moons step. Use inside
    ``contextlib.closing`` so the outer scope is restored even on errors.
    """
    outer = _state.scope
    try:
        for child, name in zip(children, names):
            _state.scope = name if outer is None else f"{outer}/{name}"
            yield child
    finally:
        _state.scope = outer


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

    def __init__(self, nin: int, activation: str = "relu",
                 rng: Optional[random.Random] = None):
        _check_count(nin, "Neuron nin")
        self.activation = _check_activation(activation)
        uniform = (rng or random).uniform
        self.w = [Value(uniform(-1.0, 1.0), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")

    def __call__(self, x) -> Value:
        return self._fire(_inputs_with_one(x, len(self.w), "Neuron"))

    def _fire(self, xs_with_one: tuple, xs_data=None) -> Value:
        z = dot((*self.w, self.b), xs_with_one, xs_data)
        f = ACTIVATIONS[self.activation]
        return z if f is None else f(z)

    def named_parameters(self) -> list:
        return [(f"w.{i}", w) for i, w in enumerate(self.w)] + [("b", self.b)]

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
        _check_count(nin, "Layer nin")
        _check_count(nout, "Layer nout")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        self._scopes = [f"neuron{j}" for j in range(nout)]

    def __call__(self, x):
        out = self.forward(x)
        return out[0] if len(out) == 1 else out

    def forward(self, x) -> list:
        """The layer's outputs, always as a list (also for one neuron)."""
        xs = _inputs_with_one(x, len(self.neurons[0].w), "Layer")
        xs_data = [x.data for x in xs]  # read once for all the layer's neurons
        with closing(_scoped(self.neurons, self._scopes)) as neurons:
            return [neuron._fire(xs, xs_data) for neuron in neurons]

    def named_parameters(self) -> list:
        return [(f"neurons.{j}.{name}", p) for j, n in enumerate(self.neurons)
                for name, p in n.named_parameters()]

    def architecture(self) -> dict:
        return {"type": "Layer", "nin": len(self.neurons[0].w), "nout": len(self.neurons),
                "activation": self.neurons[0].activation}

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multilayer perceptron: layers of sizes ``nouts``, the last one linear.

    Args:
        nin: number of inputs.
        nouts: the layer sizes, e.g. ``[16, 16, 1]``.
        activation: the hidden layers' activation (default ``"relu"``).
        rng: a ``random.Random`` for the weights (default: the ``random`` module).

    Layer ``l`` tags its nodes with the scope ``layer<l>/neuron<j>``.

    Example (micrograd's demo network: 2·16+16 + 16·16+16 + 16+1 = 337):
        >>> import random
        >>> model = MLP(2, [16, 16, 1], rng=random.Random(1337))
        >>> len(model.parameters()), model.named_parameters()[0][0]
        (337, 'layers.0.neurons.0.w.0')
        >>> score = model([0.5, -1.0]); score.scope
        'layer2/neuron0'
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu",
                 rng: Optional[random.Random] = None):
        _check_count(nin, "MLP nin")
        nouts = list(nouts)
        if not nouts:
            raise ValueError("MLP nouts must name at least one layer size")
        self.activation = _check_activation(activation)
        sizes = [nin] + nouts
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], rng=rng,
                             activation="linear" if i == last else activation)
                       for i in range(len(nouts))]
        self._scopes = [f"layer{l}" for l in range(len(nouts))]

    def __call__(self, x):
        # Layer.__call__ checks each layer's input size, so only scopes are added here.
        with closing(_scoped(self.layers, self._scopes)) as layers:
            for layer in layers:
                x = layer(x)
        return x

    def named_parameters(self) -> list:
        return [(f"layers.{l}.{name}", p) for l, layer in enumerate(self.layers)
                for name, p in layer.named_parameters()]

    def architecture(self) -> dict:
        return {"type": "MLP", "nin": len(self.layers[0].neurons[0].w),
                "nouts": [len(layer.neurons) for layer in self.layers],
                "activation": self.activation}

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"


# -- losses: built only from Value operations, so ops.TABLE differentiates them ----

def _paired(preds, targets, who: str) -> tuple:
    preds = as_values(preds, f"{who} predictions")
    targets = list(targets)
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{who}: no predictions (the mean of nothing is undefined)")
    return preds, targets


def _mean(terms: list) -> Value:
    return sum_values(terms) * (1.0 / len(terms))


def _check_labels(labels: list, allowed, who: str, meaning: str) -> None:
    for k, y in enumerate(labels):
        y = y.data if isinstance(y, Value) else y
        if isinstance(y, bool) or not isinstance(y, numbers.Real) or not allowed(y):
            raise ValueError(f"{who}: label {k} is {y!r}; labels must be {meaning}")


def mse(preds, targets) -> Value:
    """Mean squared error (1/n) Σ_i (p_i - t_i)².

    Example:
        >>> from autograd_scalar import Value
        >>> p = Value(3.0); loss = mse([p, 1.0], [1.0, 2.0]); loss.backward()
        >>> loss.data, p.grad
        (2.5, 2.0)
    """
    preds, targets = _paired(preds, targets, "mse")
    return _mean([(p - t) * (p - t) for p, t in zip(preds, targets)])


def hinge(scores, labels) -> Value:
    """Max-margin loss (1/n) Σ_i max(0, 1 - y_i·s_i), labels y_i = ±1 (micrograd's demo).

    Example:
        >>> hinge([2.0, 0.5, -1.0], [1, 1, 1]).data  # (0 + 0.5 + 2) / 3
        0.8333333333333333
    """
    scores, labels = _paired(scores, labels, "hinge")
    _check_labels(labels, lambda y: y in (1, -1), "hinge", "+1 or -1")
    return _mean([(1.0 - s * y).relu() for s, y in zip(scores, labels)])


def _softplus(z: Value) -> Value:
    """log(1 + e^z), never overflowing: for z >= 0 it is z + log(1 + e^-z)."""
    if z.data >= 0.0:
        return z + (1.0 + (-z).exp()).log()
    return (1.0 + z.exp()).log()


def binary_cross_entropy_with_logits(logits, labels) -> Value:
    """Mean of -[y log σ(z) + (1 - y) log(1 - σ(z))] for logits z, labels y in [0, 1].

    Computed as softplus(z) - y·z (the same function, rearranged), with
    softplus evaluated on the branch where exp cannot overflow, so logits in
    the thousands give finite losses and the gradient σ(z) - y.

    Example:
        >>> from autograd_scalar import Value
        >>> z = Value(0.0); loss = binary_cross_entropy_with_logits([z], [1]); loss.backward()
        >>> round(loss.data, 6), z.grad   # log 2, σ(0) - 1
        (0.693147, -0.5)
    """
    logits, labels = _paired(logits, labels, "binary_cross_entropy_with_logits")
    _check_labels(labels, lambda y: 0.0 <= y <= 1.0, "binary_cross_entropy_with_logits",
                  "in [0, 1]")
    return _mean([_softplus(z) - z * y for z, y in zip(logits, labels)])


def cross_entropy(logits, target_index) -> Value:
    """-log softmax(logits)[target] for ONE example: log Σ_k e^{z_k} - z_target.

    ``target_index`` is the class index, or a list of class probabilities p
    (a one-hot vector, say; numbers or Values), which gives
    log Σ_k e^{z_k} - Σ_k p_k z_k (PyTorch's probability targets). A one-hot
    list gives a tape the same graph for every class.

    The log-sum-exp is m + log Σ e^{z_k - m} with m = max_k z_k, so every
    exponent is <= 0 and logits in the hundreds stay finite. m is built in the
    graph as a running maximum, max(a, b) = a + relu(b - a): the graph has the
    same shape for every input, so a tape can replay it (a constant m read
    from ``.data`` would differ between examples). Log-sum-exp does not depend
    on m, so the gradient through m cancels and the gradient is softmax(z) -
    target. Average over a batch yourself: ``sum(cross_entropy(z, t) for ...) / n``.

    Example:
        >>> round(cross_entropy([1000.0, 0.0], 1).data, 6)
        1000.0
        >>> round(cross_entropy([1.0, 2.0], [0.0, 1.0]).data, 6) == round(cross_entropy([1.0, 2.0], 1).data, 6)
        True
    """
    logits = as_values(logits, "cross_entropy logits")
    if not logits:
        raise ValueError("cross_entropy: no logits")
    target = _cross_entropy_target(target_index, logits)
    m = logits[0]
    for z in logits[1:]:
        m = m + (z - m).relu()
    log_sum_exp = sum_values([(z - m).exp() for z in logits]).log() + m
    return log_sum_exp - target


def _cross_entropy_target(target, logits: tuple) -> Value:
    """z_target for a class index, Σ_k p_k z_k for a list of probabilities."""
    if isinstance(target, (list, tuple)):
        if len(target) != len(logits):
            raise ValueError(f"cross_entropy: {len(target)} target probabilities for "
                             f"{len(logits)} logits")
        return dot(as_values(target, "cross_entropy target"), logits)
    if (isinstance(target, bool) or not isinstance(target, int)
            or not 0 <= target < len(logits)):
        raise ValueError(f"cross_entropy: target_index must be an int in "
                         f"[0, {len(logits) - 1}] or a list of {len(logits)} class "
                         f"probabilities, got {target!r}")
    return logits[target]


def l2(params) -> Value:
    """Σ_p p², the L2 penalty (micrograd's demo adds 1e-4 · l2(model.parameters())).

    One ``dot`` node p·p (each p in both halves, so its gradient 2p arrives as
    p + p), not n products and a sum: the same floats, 2n fewer nodes.

    Example:
        >>> l2([3.0, 4.0]).data
        25.0
    """
    params = as_values(params, "l2")
    return dot(params, params)


# -- diagnostics ----------------------------------------------------------------

def dead_neurons(model, inputs) -> list:
    """The ReLU units of ``model`` that pass no gradient for any of ``inputs``.

    A ReLU neuron (layer l, neuron j) is *dead* on a data set when its local
    derivative ∂a/∂z = relu'(z) is 0 on every input, i.e. its pre-activation
    z = w·a^{l-1} + b is <= 0 for all of them (relu'(0) = 0, as in PyTorch).
    Then it outputs 0 everywhere and backpropagation stops at it: its weights
    and bias get zero gradient and nothing flows through it to the layers below
    (seed 004's "Dead neurons", case (2)). The derivative is the one the
    engine records from the derivative table, read off each relu node.

    Args:
        model: an :class:`MLP` or a :class:`Layer`.
        inputs: a sequence of input vectors.

    Returns:
        ``[(layer_index, neuron_index), ...]`` in order (layer index 0 for a Layer).

    Example:
        >>> import random
        >>> model = MLP(1, [2, 1], rng=random.Random(0))
        >>> model.load_state_dict({"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.b": 0.0,
        ...     "layers.0.neurons.1.w.0": 1.0, "layers.0.neurons.1.b": -5.0,
        ...     "layers.1.neurons.0.w.0": 1.0, "layers.1.neurons.0.w.1": 1.0,
        ...     "layers.1.neurons.0.b": 0.0})
        >>> dead_neurons(model, [[1.0], [2.0], [3.0]])   # z = x - 5 < 0 for all
        [(0, 1)]
    """
    layers = model.layers if isinstance(model, MLP) else [model]
    if not isinstance(layers[0], Layer):
        raise TypeError(f"dead_neurons: model must be an MLP or a Layer, "
                        f"got {type(model).__name__}")
    relu_units = {(l, j) for l, layer in enumerate(layers)
                  for j, neuron in enumerate(layer.neurons) if neuron.activation == "relu"}
    alive = set()
    with enable_grad():  # the relu nodes must record their local derivative
        for x in inputs:
            for l, layer in enumerate(layers):
                x = layer.forward(x)
                for j, a in enumerate(x):
                    if (l, j) in relu_units and a.local_grads[0] != 0.0:
                        alive.add((l, j))
    return sorted(relu_units - alive)
