"""A tape's program as an ONNX model: ``tape.to_onnx(path)``.

ONNX is how a model runs outside Python (onnxruntime, browsers, phones). Each
op of the derivative table gets its ONNX spelling, once, in :data:`ONNX`
(keyed by the table's op names, as a tinygrad renderer's ``code_for_op``);
:func:`to_onnx` writes the tape's Wengert list node by node into a graph:

* inputs ``x0, x1, ...``: one per argument of the recorded example, float64,
  shape ``[N]`` for a number and ``[N, m]`` for a list of m (N the batch);
* the parameters as float64 initializers ``p0, p1, ...`` (in the order of
  ``tape.params``, each with its label as doc string), the program's
  constants as ``c<i>``;
* node ``v<i>`` of the tape is the tensor ``v<i>``; the output ``y`` (shape
  ``[N]``) is what ``tape.forward`` returns.

Everything is float64: onnxruntime's CPU kernels for every op used here take
doubles (checked by the tests against the tape to 1e-9). ONNX has no domain
errors: where the engine refuses an argument (``log`` of a negative number,
division by zero) the model computes nan or inf. Only the forward pass is
exported: ONNX graphs for inference carry no gradients.

The file is checked with ``onnx.checker`` (full check) before it is written,
and written atomically (:mod:`autograd_scalar.files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from .. import extras, ops
from ..files import write_atomic
from ..traced import TapeError

__all__ = ["ONNX", "OPSET", "IR_VERSION", "Graph", "spelling", "to_onnx"]

#: The ONNX operator set the models use, and the file format version
#: (onnxruntime 1.17 and later read both).
OPSET = 21
IR_VERSION = 10


class Graph:
    """An ONNX graph under construction: nodes, initializers, fresh names.

    ``onnx`` is the imported library (see :func:`autograd_scalar.extras.require`).
    """

    def __init__(self, onnx, name: str):
        self.onnx, self.name = onnx, name
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def fresh(self, stem: str = "t") -> str:
        self._count += 1
        return f"{stem}_{self._count}"

    def node(self, op_type: str, inputs: list, output: str = "", **attributes) -> str:
        """Add one node; returns its output's name (``output``, or a fresh one)."""
        output = output or self.fresh(op_type.lower())
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def initializer(self, name: str, values, shape: tuple = (), dtype: str = "DOUBLE", doc=""):
        """Add a constant tensor (float64 by default; ``"INT64"`` for indices and shapes)."""
        tensor = self.onnx.helper.make_tensor(
            name, getattr(self.onnx.TensorProto, dtype), list(shape), list(values)
        )
        if doc:
            tensor.doc_string = doc
        self.initializers.append(tensor)
        return name

    def save(self, path, inputs: list, outputs: list, doc: str = "") -> Path:
        """Check the model (``onnx.checker``, full) and write it to ``path`` atomically.

        ``inputs`` and ``outputs`` are ``(name, shape)`` pairs, float64; a
        shape lists ints and symbolic dimensions such as ``"N"``.
        """
        helper, double = self.onnx.helper, self.onnx.TensorProto.DOUBLE
        graph = helper.make_graph(
            self.nodes,
            self.name,
            [helper.make_tensor_value_info(n, double, list(s)) for n, s in inputs],
            [helper.make_tensor_value_info(n, double, list(s)) for n, s in outputs],
            initializer=self.initializers,
            doc_string=doc,
        )
        model = helper.make_model(
            graph,
            opset_imports=[helper.make_opsetid("", OPSET)],
            producer_name="autograd_scalar",
        )
        model.ir_version = IR_VERSION
        self.onnx.checker.check_model(model, full_check=True)
        return write_atomic(path, model.SerializeToString())


def _one(op_type: str) -> Callable[..., str]:
    """An op that is one ONNX node of the same arity."""
    return lambda graph, output, *args: graph.node(op_type, list(args), output)


def _dot(graph: Graph, output: str, *wx: str) -> str:
    n = len(wx) // 2
    products = [graph.node("Mul", [w, x]) for w, x in zip(wx[:n], wx[n:])]
    return graph.node("Sum", products, output)


#: Each op of ``ops.TABLE`` in ONNX: ``ONNX[name](graph, output, *inputs)`` adds
#: the nodes computing it (broadcasting as numpy) into the tensor ``output``.
ONNX: dict[str, Callable[..., str]] = {
    "add": _one("Add"),
    "sub": _one("Sub"),
    "mul": _one("Mul"),
    "div": _one("Div"),
    "pow": _one("Pow"),
    "neg": _one("Neg"),
    "abs": _one("Abs"),
    "exp": _one("Exp"),
    "log": _one("Log"),
    "tanh": _one("Tanh"),
    "sigmoid": _one("Sigmoid"),
    "relu": _one("Relu"),
    "sin": _one("Sin"),
    "cos": _one("Cos"),
    "sqrt": _one("Sqrt"),
    "sum": _one("Sum"),  # variadic, broadcasting
    "dot": _dot,
}


class _Tensor:
    """A tensor of the graph with Python's arithmetic: running a row's float
    forward on these writes the forward as ONNX nodes (numbers become constants)."""

    def __init__(self, graph: Graph, name: str):
        self.graph, self.name = graph, name

    def _node(self, op_type: str, other, reflected: bool = False) -> "_Tensor":
        if isinstance(other, _Tensor):
            other_name = other.name
        else:
            other_name = self.graph.initializer(self.graph.fresh("c"), [float(other)])
        inputs = [other_name, self.name] if reflected else [self.name, other_name]
        return _Tensor(self.graph, self.graph.node(op_type, inputs))

    def __add__(self, other):
        return self._node("Add", other)

    def __radd__(self, other):
        return self._node("Add", other, reflected=True)

    def __sub__(self, other):
        return self._node("Sub", other)

    def __rsub__(self, other):
        return self._node("Sub", other, reflected=True)

    def __mul__(self, other):
        return self._node("Mul", other)

    def __rmul__(self, other):
        return self._node("Mul", other, reflected=True)

    def __truediv__(self, other):
        return self._node("Div", other)

    def __rtruediv__(self, other):
        return self._node("Div", other, reflected=True)

    def __pow__(self, other):
        return self._node("Pow", other)

    def __neg__(self):
        return _Tensor(self.graph, self.graph.node("Neg", [self.name]))


def spelling(op: ops.Op) -> Callable[..., str]:
    """How ONNX computes ``op``: its :data:`ONNX` entry, or for a row whose batch
    form is its own float forward (arithmetic, ``SAME``), that forward written as
    ONNX nodes; ``TapeError`` naming the op otherwise."""
    if op.name in ONNX:
        return ONNX[op.name]
    if op.batch != ops.SAME or op.arity is None:
        raise TapeError(
            f"to_onnx: the op {op.name!r} has no ONNX spelling; add one to ONNX in "
            "autograd_scalar/tape/onnx_export.py"
        )

    def from_forward(graph: Graph, output: str, *args: str) -> str:
        result = op.compute(*(_Tensor(graph, name) for name in args))
        return graph.node("Identity", [result.name], output)

    return from_forward


def _leaf(graph: Graph, i: int, leaf: tuple, params: list) -> str:
    """The tensor of a leaf: a parameter or constant initializer, or an input's column."""
    kind = leaf[0]
    if kind == "param":
        p = params[leaf[1]]
        return graph.initializer(f"p{leaf[1]}", [p.data], doc=p.label)
    if kind == "const":
        return graph.initializer(f"c{i}", [float(leaf[1])])
    if leaf[2] is None:
        return f"x{leaf[1]}"
    index = graph.initializer(graph.fresh("element"), [leaf[2]], dtype="INT64")
    return graph.node("Gather", [f"x{leaf[1]}", index], f"v{i}", axis=1)


def to_onnx(tape, path) -> Path:
    """Write the tape's program (its forward pass, float64) as an ONNX model.

    The model maps the batch (one input per argument of the example) to the
    ``(N,)`` outputs that ``tape.forward`` computes; the parameters are stored
    with their current values. Returns the path written.

    Raises:
        MissingExtraError: ONNX is not installed (the ``[onnx]`` extra).
    """
    onnx = extras.require("onnx", "tape.to_onnx()")
    graph = Graph(onnx, "tape")
    names: list[str] = []
    for i, (op, parents, leaf, _) in enumerate(tape.wengert_list()):
        if op is None:
            names.append(_leaf(graph, i, leaf, tape.params))
        else:
            names.append(spelling(op)(graph, f"v{i}", *(names[p] for p in parents)))
    arguments = tape.arguments
    if arguments:
        batch = graph.node("Shape", ["x0"], start=0, end=1)
    else:
        batch = graph.initializer("batch", [1], (1,), dtype="INT64")
    graph.node("Expand", [names[-1], batch], "y")
    inputs = [(f"x{a}", ["N"] if m is None else ["N", m]) for a, m in enumerate(arguments)]
    return graph.save(path, inputs, [("y", ["N"])], doc="a program recorded by autograd_scalar")
