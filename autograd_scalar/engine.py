"""The engine: ``Value`` nodes, their topological order, and backpropagation.

Every scalar is a :class:`Value` that records its ``parents`` and its
``local_grads`` (∂self/∂parent at the forward values, computed by the rules of
the derivative table :mod:`autograd_scalar.ops`). ``backward()`` walks the
nodes in reverse topological order and applies the backpropagation rule
(the adjoint v̄_i of each node is the sum over its children):

    v̄_N = 1,    v̄_i = Σ_{j ∈ Ch(v_i)} (∂v_j/∂v_i) · v̄_j

Nothing here recurses over the graph: the topological order is an explicit
stack, so a chain of a million nodes backpropagates.

Number operands (``x + 1``, ``2 * x``) become constant leaves with
``op == "const"``, as in micrograd: they appear in drawings and traces, receive
gradients like any leaf, and are exempt from ``detect_anomaly`` (the exponent
of ``x ** 2`` has no real derivative at negative ``x``, and nobody asked for it).
"""

from __future__ import annotations

import math
import numbers
import threading
from typing import TYPE_CHECKING, Iterable, Optional, Sequence, Union, cast

from . import checks, ops, traced
from .modes import enable_grad, state as _state, switched as _switched

__all__ = [
    "Value",
    "sum_values",
    "dot",
    "dot_of_values",
    "topological_order",
    "gradients",
    "CONST",
    "new_node",
    "constant",
    "as_values",
    "masked_parents",
    "table_functions",
    "backpropagate",
    "graph_order",
    "Deferred",
    "sweep",
    "mark_needed",
]

#: ``Value.op`` of the leaves that wrap number operands (declared beside the table).
CONST = ops.CONST

_SUM, _DOT = cast(ops.NaryOp, ops.TABLE["sum"]), cast(ops.NaryOp, ops.TABLE["dot"])

#: What an operator accepts beside a Value: a number becomes a constant leaf.
Operand = Union["Value", float, int]


def _real(x: object, what: str) -> float:
    """:func:`checks.real`, and a hidden number of a recording tape refused by name."""
    try:
        return checks.real(x, what)
    except TypeError:
        if traced.is_traced(x):  # Value(x.data) while a tape records: a copy of a hidden number
            traced.refuse(x, f"{what} copies it")
        raise


class Value:
    """A scalar node of a computation graph.

    Args:
        data: the value, an int or float (or any real scalar, e.g. numpy's);
            stored as float.
        parents: the nodes this one was computed from (empty for a leaf).
        local_grads: one float per parent, ∂self/∂parent at the forward values.
            Passing ``parents`` and ``local_grads`` is how to define a new op.
        op: the op's name (``""`` for leaves).
        label: a name for drawings and traces.

    Attributes:
        grad: ∂root/∂self after ``root.backward()`` (float, starts at 0.0).
            Leaves accumulate across backward calls (so ``zero_grad`` matters,
            as in PyTorch); interior nodes hold the latest pass's value.
        scope: the :func:`~autograd_scalar.scope` active when it was created.

    Values hash by identity and ``==`` is not overloaded, so nodes can be
    dict keys. ``float(value)`` raises ``TypeError``: ``math.sin(x)`` would
    silently give a float with no derivative; use ``x.sin()`` or
    ``autograd_scalar.sin(x)``, and ``x.data`` for the number.

    Example:
        >>> from autograd_scalar import Value
        >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
        >>> c = (a * b + 10).tanh()
        >>> c.backward()
        >>> round(c.data, 6), round(a.grad, 6), round(b.grad, 6)
        (0.999329, -0.004023, 0.002682)

    A custom op, microgpt style (f(x) = x^3, with its local derivative 3x^2):
        >>> x = Value(2.0)
        >>> cube = Value(x.data ** 3, parents=(x,), local_grads=(3 * x.data ** 2,), op="cube")
        >>> cube.backward(); x.grad
        12.0
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label", "scope", "_mark")
    data: float
    grad: float
    parents: tuple[Value, ...]
    local_grads: tuple[float, ...]
    op: str
    label: str
    scope: Optional[str]
    _mark: object

    # __new__ rather than __init__: it checks the arguments and hands over to
    # new_node, the one place that fills the slots (one call per node, not two).
    def __new__(
        cls,
        data,
        parents: Sequence["Value"] = (),
        local_grads: Sequence[float] = (),
        op: str = "",
        label: str = "",
    ):
        data = _real(data, "Value data")
        parents = tuple(parents)
        local_grads = tuple(_real(g, f"local_grads[{k}]") for k, g in enumerate(local_grads))
        for k, parent in enumerate(parents):
            if not isinstance(parent, Value):
                raise TypeError(
                    f"parents[{k}] must be a Value, got {type(parent).__name__}: {parent!r}"
                )
        if len(parents) != len(local_grads):
            raise ValueError(
                f"Value: {len(parents)} parents but {len(local_grads)} "
                "local_grads; give one local derivative per parent"
            )
        if not isinstance(op, str):
            raise TypeError(f"op must be a str, got {type(op).__name__}")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}")
        return new_node(data, parents, local_grads, str(op), label)

    def __getnewargs__(self) -> tuple:
        # copy, deepcopy and pickle call __new__ with these, then restore the slots.
        return (self.data,)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self):
        raise TypeError(
            "a Value cannot be converted to float: math.sin(x), float(x) and the like "
            "would drop its graph, and the derivative would silently be 0; use x.sin(), "
            "autograd_scalar.sin(x) (exp, log, tanh, ...) to stay differentiable, or "
            f"x.data for the number (here {self.data!r})"
        )

    def __pos__(self):
        return self

    # The operators (+ - * / ** unary - abs) and the functions (exp, log, tanh,
    # ...) are generated from the derivative table below the class.
    if TYPE_CHECKING:  # their signatures, for type checkers (_install_methods makes them)
        # (type stubs generated from ops.TABLE: start)
        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Operand) -> Value: ...
        def __pow__(self, other: Operand) -> Value: ...
        def __rpow__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...
        def sqrt(self) -> Value: ...

        # (type stubs generated from ops.TABLE: end)

    # -- backpropagation -------------------------------------------------------

    def backward(self) -> None:
        """Backpropagate from this node: fill ``grad`` of every node it depends on.

        Sets v̄ = 1 for this node, then for each node v_i in reverse topological
        order v̄_i = Σ_j (∂v_j/∂v_i) v̄_j. Leaf gradients accumulate across
        calls; interior gradients are reset first, so they hold this pass's
        values (a second call never double-counts them).

        Example (x = 3, y = x²·x):
            >>> from autograd_scalar import Value
            >>> x = Value(3.0); sq = x * x; y = sq * x
            >>> y.backward(); y.backward()
            >>> x.grad, sq.grad
            (54.0, 3.0)
        """
        order = topological_order(self)
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad += 1.0
        backpropagate(order)


def backpropagate(order: list) -> None:
    """The backward rule over ``order`` (a topological order), last node first.

    Each node passes (∂v_j/∂v_i)·v̄_j to its parents' ``grad``; the caller
    has set the v̄ it starts from. ``Value.backward`` runs it over the whole
    graph, a checkpointed segment over its rebuilt nodes.

    A checkpointed segment's local derivatives are not numbers but objects
    whose product with v̄ runs the segment's own backward pass (see
    :mod:`autograd_scalar.checkpointing`): the loop needs no branch for them.

    Example:
        >>> x = Value(3.0); y = x * x; y.grad = 1.0
        >>> backpropagate([x, y]); x.grad
        6.0
    """
    check = _state.anomaly
    for node in reversed(order):
        g = node.grad
        local_grads = node.local_grads
        # v̄ = 0 passes 0·(∂v_j/∂v_i) = 0 to every parent: skip the loop,
        # unless a local derivative is inf/nan (0·inf is nan, as in PyTorch;
        # a sum is finite only if every term is). Most edges of a ReLU
        # network hang below inactive units.
        if g == 0.0 and math.isfinite(sum(local_grads)):
            continue
        if g - g:  # inf or nan (finite g gives 0.0): masking ops pass nothing
            _pass_nonfinite(node, g)
        else:
            for parent, local in zip(node.parents, local_grads):
                parent.grad += local * g
        if check:
            _check_backward(node)


def masked_parents(node: Value) -> tuple:
    """For each parent, whether ``node``'s op masks the gradient it passes there.

    Where True the local derivative is 0 and passes nothing on, even an inf or
    NaN gradient (the table's ``masks``: relu at x <= 0, ``x ** y`` in x at
    y = 0, as in PyTorch). Only nodes built from the table can mask.

    Example:
        >>> x = Value(-1.0)
        >>> masked_parents(x.relu()), masked_parents(x * 2)
        ((True,), (False, False))
    """
    op = node.op
    if not isinstance(op, ops.Op):
        return (False,) * len(node.parents)
    return op.masked(node.data, [parent.data for parent in node.parents])


def _pass_nonfinite(node: Value, g: float) -> None:
    """backward's step for an inf or NaN v̄: multiply, except where the op masks."""
    for parent, local, masked in zip(node.parents, node.local_grads, masked_parents(node)):
        if not masked:
            parent.grad += local * g


# -- building nodes -------------------------------------------------------------

_new = object.__new__


def new_node(
    data: float, parents: tuple = (), local_grads: tuple = (), op: str = "", label: str = ""
) -> Value:
    """A new node from already-checked parts: the engine's fast constructor.

    ``Value(...)`` validates its arguments and then comes here; the engine,
    ``functional`` and ``nn`` build nodes whose parts are known to be right
    (floats, a tuple of Values, one local derivative per parent). This is the
    one place that lists the slots.

    Example:
        >>> x = Value(2.0)
        >>> y = new_node(6.0, (x,), (3.0,), "triple"); y.backward(); x.grad
        3.0
    """
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.parents = parents
    node.local_grads = local_grads
    node.op = op
    node.label = label
    node.scope = _state.scope if _switched.scopes else None  # no scope open: no thread-local read
    node._mark = None
    return node


def constant(x) -> Value:
    """A number as a constant leaf (``op == "const"``), as number operands become.

    Example:
        >>> c = constant(2); c.data, c.op
        (2.0, 'const')
    """
    return new_node(checks.real(x, "operand"), (), (), CONST)


def _as_value(x):
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):
        return constant(x)
    if traced.is_traced(x):  # x + x.data while a tape records
        traced.refuse(x, "it as an operand, a constant leaf")
    return None


def _record_under_a_mode(op: ops.Op, out: float, args: tuple, data) -> Value:
    """The slow path of recording: under ``detect_anomaly`` or ``no_grad``."""
    if _state.anomaly:
        _check_forward(op, out, args)
    if not _state.grad_enabled:
        return new_node(out, (), (), "")
    return new_node(out, args, op.local_grads(out, data), op)


# The recorders below are unrolled by arity and test one flag (state.default_mode:
# recording, no anomaly checks) before doing the common thing inline: cheaper
# than one generic recorder testing the arity and both flags (benchmarks/README.md).
# The flag is per thread; while no thread has a mode block open
# (switched.mode_blocks), a plain slot says so without the thread-local read.


def _float_data(x: Value) -> float:
    """``x.data`` as a float, stored back: a user may assign an int or a numpy
    scalar (micrograd's ``p.data -= lr * p.grad`` with numpy numbers)."""
    x.data = _real(x.data, f"data of {_describe(x)}")
    return x.data


def _unary(op: ops.Op, x: Value) -> Value:
    xd = x.data
    if type(xd) is not float:
        if traced.is_traced(xd):
            return _hidden(op, (x,))
        xd = _float_data(x)
    out = op.forward(xd)
    if _switched.mode_blocks and not _state.default_mode:
        return _record_under_a_mode(op, out, (x,), (xd,))
    local = op.constant_local_grads  # one shared tuple for neg
    if local is None:
        local = (op.rules[0](out, xd),)
    return new_node(out, (x,), local, op)


def _binary(op: ops.Op, x, y):
    x, y = _as_value(x), _as_value(y)
    if x is None or y is None:
        return NotImplemented  # Python then raises its usual TypeError
    xd, yd = x.data, y.data
    if type(xd) is not float or type(yd) is not float:
        if traced.is_traced(xd) or traced.is_traced(yd):
            return _hidden(op, (x, y))
        xd, yd = _float_data(x), _float_data(y)
    out = op.forward(xd, yd)
    if _switched.mode_blocks and not _state.default_mode:
        return _record_under_a_mode(op, out, (x, y), (xd, yd))
    local = op.constant_local_grads  # one shared tuple for add and sub
    if local is None:
        dx, dy = op.rules
        local = (dx(out, xd, yd), dy(out, xd, yd))
    return new_node(out, (x, y), local, op)


def _hidden(op: ops.Op, args: tuple) -> Value:
    """A node built while a tape records, from some argument whose number is hidden.

    The table's forward and rules run on the example's floats; the result's
    number and its local derivatives are hidden in turn (see
    :mod:`autograd_scalar.traced`). Under ``no_grad`` the node is a leaf whose
    number stays hidden, so the tape can name it instead of baking it in.
    """
    hidden = [a.data for a in args]
    recording = next(h.recording for h in hidden if traced.is_traced(h))
    data = tuple(map(traced.example_of, hidden))
    out = op.apply(data)
    if _state.anomaly:
        _check_forward(op, out, args)
    number = traced.hidden(out, recording, op, args)
    if not _state.grad_enabled:
        return new_node(number, (), (), "")
    what = f"a local derivative of {traced.Traced(out, recording, op, args).describe()}"
    local = tuple(
        traced.hidden(g, recording, op, args, label=what) for g in op.local_grads(out, data)
    )
    return new_node(number, args, local, op)


# -- Value's operators and methods, generated from the derivative table -------------


def _unary_method(op: ops.Op):
    def method(self):
        return _unary(op, self)

    return method


def _binary_methods(op: ops.Op) -> tuple:
    def method(self, other):
        return _binary(op, self, other)

    def reflected(self, other):
        return _binary(op, other, self)

    return method, reflected


def _install_methods(table: dict) -> None:
    """Give ``Value`` one method per name in each fixed-arity entry's ``methods``."""
    for op in table.values():
        if op.arity == 1:
            functions = (_unary_method(op),)
        elif op.arity == 2:
            functions = _binary_methods(op)
        else:
            continue  # n-ary ops are the functions sum_values and dot
        for name, function in zip(op.methods, functions):
            function.__name__, function.__qualname__ = name, f"Value.{name}"
            function.__doc__ = op.doc
            setattr(Value, name, function)


_install_methods(ops.TABLE)


def _function(op: ops.Op):
    def function(x):
        value = _as_value(x)
        if value is None:
            raise TypeError(
                f"{op.name}: x must be a Value or a real number, got {type(x).__name__}: {x!r}"
            )
        return _unary(op, value)

    function.__name__ = function.__qualname__ = op.name
    function.__doc__ = (
        f"{op.doc}\n\n``autograd_scalar.{op.name}(x)`` is ``x.{op.methods[0]}()``"
        " for a Value x; a number becomes a constant leaf, so the result"
        " is always a Value."
    )
    return function


#: The table's one-argument functions as module-level functions, like
#: ``jax.numpy``'s: ``autograd_scalar.sin(x)``, ``exp``, ``log``, ``tanh``, ...
#: (entries with ``function=True``; ``__init__`` exports them).
table_functions = {op.name: _function(op) for op in ops.TABLE.values() if op.function}


def _nary(op: ops.NaryOp, args: tuple, data: list) -> Value:
    floats = tuple(data)
    try:
        out = op.forward(floats)
    except traced.TapeError:  # a hidden number (a tape is recording); no cost otherwise
        if not any(map(traced.is_traced, floats)):
            raise
        return _hidden(op, args)
    if type(out) is not float:  # some data is not a float (see _float_data)
        floats = tuple(map(_float_data, args))
        out = op.forward(floats)
    if _switched.mode_blocks and not _state.default_mode:
        return _record_under_a_mode(op, out, args, floats)
    return new_node(out, args, op.partials(out, floats), op)


def as_values(items: Iterable, what: str) -> tuple:
    """``items`` as a tuple of Values: numbers become constant leaves.

    Anything else raises ``TypeError`` naming ``what`` and the element.

    Example:
        >>> [v.op for v in as_values([Value(1.0), 2], "xs")]
        ['', 'const']
    """
    values = tuple(items)
    # All-Value input (a layer's weights and activations) skips the per-element
    # checks: set(map(type, ...)) runs in C; halves the moons step's dot cost.
    if set(map(type, values)) <= _VALUE_TYPE:
        return values
    converted = []
    for k, item in enumerate(values):
        value = _as_value(item)
        if value is None:
            raise TypeError(
                f"{what}: element {k} must be a Value or a real number, "
                f"got {type(item).__name__}: {item!r}"
            )
        converted.append(value)
    return tuple(converted)


_VALUE_TYPE = frozenset([Value])


def sum_values(values: Iterable) -> Value:
    """Σ values as ONE node with many parents (``autograd_scalar.sum``).

    Keeps graphs small: n terms give one node, not n - 1 additions.

    Example:
        >>> from autograd_scalar import Value, sum
        >>> xs = [Value(1.0), Value(2.0), 3]
        >>> s = sum(xs); s.data, len(s.parents)
        (6.0, 3)
    """
    args = as_values(values, "sum")
    return _nary(_SUM, args, [a.data for a in args])


def dot(ws: Iterable, xs: Iterable, xs_data: Optional[list] = None) -> Value:
    """Σ_i ws[i]·xs[i] as ONE node whose parents are ``ws + xs``.

    A neuron's weighted sum is one ``dot`` node instead of 2n - 1 nodes.
    Numbers in ``ws`` or ``xs`` become constant leaves. ``xs_data``, if given,
    must be ``[x.data for x in xs]``.

    Example:
        >>> from autograd_scalar import Value, dot
        >>> w = [Value(1.0), Value(2.0)]
        >>> y = dot(w, [3.0, 4.0]); y.backward()
        >>> y.data, w[0].grad, w[1].grad
        (11.0, 3.0, 4.0)
    """
    ws = ws if type(ws) is tuple else tuple(ws)
    xs = xs if type(xs) is tuple else tuple(xs)
    # One C-level type check over both halves; numbers or bad elements take
    # the slow path, which converts or names them.
    if not set(map(type, ws + xs)) <= _VALUE_TYPE:
        ws, xs = as_values(ws, "dot ws"), as_values(xs, "dot xs")
        xs_data = None
    return dot_of_values(ws, xs, xs_data)


def dot_of_values(ws: tuple, xs: tuple, xs_data: Optional[list] = None) -> Value:
    """:func:`dot` of two tuples of Values that the caller has already checked.

    Only the lengths are checked here, not the types: ``nn`` checks a layer's
    inputs once per call for all its neurons, and a neuron's weights only when
    they change, where a type check per dot cost a quarter of the dot.
    ``xs_data``, if given, must be ``[x.data for x in xs]`` (a layer reads its
    input floats once for all its neurons).

    Example:
        >>> w, x = (Value(1.0), Value(2.0)), (Value(3.0), Value(4.0))
        >>> dot_of_values(w, x).data
        11.0
    """
    if len(ws) != len(xs):
        raise ValueError(f"dot: ws has {len(ws)} elements but xs has {len(xs)}")
    # A list comprehension reads the data slots faster than map(attrgetter).
    if xs_data is None:
        xs_data = [x.data for x in xs]
    return _nary(_DOT, ws + xs, [w.data for w in ws] + xs_data)


# -- anomaly checks (only when detect_anomaly is on) -------------------------------


def _describe(node: Value) -> str:
    return repr(node.label) if node.label else f"<{node.op or 'leaf'} node>"


def _argument_names(op: ops.Op, n: int) -> list:
    """How the rule text names the arguments: x, y; x_1..x_n (sum); w_i, x_i (dot)."""
    if not isinstance(op, ops.NaryOp):
        return ["x", "y"][:n] if n <= 2 else [f"arg{k}" for k in range(n)]
    half = n // op.halves
    letters = "wx" if op.halves == 2 else "x"
    return [f"{letters[k // half]}_{k % half + 1}" for k in range(n)]


def _check_forward(op: ops.Op, out: float, args: tuple) -> None:
    if math.isfinite(out):
        return
    names = _argument_names(op, len(args))
    inputs = ", ".join(f"{a.label or name}={a.data!r}" for a, name in zip(args, names))
    raise FloatingPointError(f"{op.name} produced {out!r} from {inputs}")


def _check_backward(node: Value) -> None:
    for parent in node.parents:
        if parent.op != CONST and not math.isfinite(parent.grad):
            raise FloatingPointError(
                f"backward: the gradient of {_describe(parent)} became "
                f"{parent.grad!r} through {node.op} node {_describe(node)} "
                f"(local gradients {node.local_grads!r}, upstream gradient {node.grad!r})"
            )


# -- graph traversal ---------------------------------------------------------------


def topological_order(root: Value) -> list:
    """Every node ``root`` depends on, parents before children, ``root`` last.

    The v_1, ..., v_N of the backpropagation algorithm. Iterative depth-first
    search with an explicit stack (no recursion, so any depth works). The walk
    marks the nodes it has seen in their ``_mark`` slot, so walks take turns
    (a lock): two threads ordering shared nodes at once would overwrite each
    other's marks and list nodes twice.

    Example:
        >>> from autograd_scalar import Value
        >>> a = Value(1.0, label="a"); b = a * 2; c = b + a
        >>> [n.label or n.op for n in topological_order(c)]
        ['a', 'const', 'mul', 'add']
    """
    # Seen nodes carry this walk's token in their _mark slot: a slot test is
    # cheaper than a dict of every node. A None entry on the stack says "the
    # node below me has all its parents ordered" (no (node, flag) tuples:
    # they keep the cyclic GC busy on long chains).
    with _walking:  # pure Python under the GIL anyway: taking turns costs nothing
        return _depth_first([root], object())


_walking = threading.Lock()


def graph_order(roots: Sequence[Value], stop: Iterable[Value] = ()) -> list:
    """Every node the ``roots`` depend on, parents first, not walking past ``stop``.

    The nodes of ``stop`` and their ancestors are left out (unless reached
    another way, they are not): the order of a segment's own nodes between
    its inputs and its outputs. The first root's nodes come first, in the
    order :func:`topological_order` gives them.

    Example:
        >>> x = Value(1.0, label="x"); h = x * 2; y = h.tanh(); z = x.exp()
        >>> [n.label or n.op for n in graph_order([y], stop=[h])]
        ['tanh']
        >>> [n.label or n.op for n in graph_order([y, z])]
        ['x', 'const', 'mul', 'tanh', 'exp']
    """
    with _walking:
        visited = object()
        for node in stop:
            node._mark = visited
        return _depth_first(list(reversed(roots)), visited)


def _depth_first(stack: list, visited: object) -> list:
    """The walk: ``stack`` holds the roots (the last is walked first);
    ``node._mark is visited`` says a node was seen (this walk's token)."""
    order: list[Value] = []
    while stack:
        node = stack.pop()
        if node is None:  # marker: the node under it has all its parents ordered
            order.append(stack.pop())  # a marker sits on a node
            continue
        if node._mark is visited:
            continue
        node._mark = visited
        if node.parents:
            stack.append(node)
            stack.append(None)
            for parent in reversed(node.parents):
                if parent._mark is not visited:
                    stack.append(parent)
        else:
            order.append(node)
    return order


def _local_grad_graph(node: Value) -> tuple:
    """The node's local derivatives as differentiable Values (for higher order).

    Applies the table's rule to the parent Values themselves. Only a node the
    engine built from the table holds its ``ops.Op``; a node built by hand
    (``Value(..., local_grads=...)``, whatever its op is called) has numbers
    for local derivatives, whose own derivatives are unknown: an error, never
    a wrong number.
    """
    op = node.op
    if not isinstance(op, ops.Op):
        raise RuntimeError(
            f"gradients(create_graph=True): the op {op!r} ({_describe(node)}) has number "
            "local_grads from Value(..., local_grads=...), not a rule of the derivative "
            "table, so it cannot be differentiated twice; write it with the Value "
            "operators and methods for higher-order derivatives"
        )
    return op.local_grads(node, node.parents)


def gradients(root: Value, wrt: Sequence[Value], create_graph: bool = False) -> list:
    """∂root/∂w for each w in ``wrt``, without touching any ``.grad``.

    With ``create_graph=True`` the results are Values whose graphs depend on
    the inputs, so they can be differentiated again (grad of grad,
    Hessian-vector products); otherwise floats.

    Example:
        >>> from autograd_scalar import Value
        >>> x = Value(3.0)
        >>> (dx,) = gradients(x ** 3, [x], create_graph=True)
        >>> dx.data, gradients(dx, [x])[0]
        (27.0, 18.0)
    """
    if not create_graph:
        return _sweep(root, wrt, False)
    with enable_grad():  # asking for a graph records it, also inside no_grad (as PyTorch)
        return _sweep(root, wrt, True)


def _sweep(root: Value, wrt: Sequence[Value], create_graph: bool) -> list:
    """The reverse sweep of :func:`gradients`, into a dict rather than ``.grad``."""
    order = topological_order(root)
    # Only nodes that depend on some w carry a gradient to it. Skipping the
    # others keeps create_graph from building derivatives toward constants,
    # such as the nan ∂(x^2)/∂2 at x < 0 (which detect_anomaly would reject).
    needed = set(wrt)
    mark_needed(order, needed)
    grads = {root: new_node(1.0, (), (), CONST) if create_graph else 1.0}
    sweep(order, grads, needed, create_graph)
    # With create_graph every result can be differentiated again, 0 included.
    zero = new_node(0.0, (), (), CONST) if create_graph else 0.0
    return [grads.get(w, zero) for w in wrt]


def mark_needed(order: list, needed: set) -> None:
    """Add to ``needed`` every node of ``order`` that depends on one already in it.

    Example:
        >>> x, c = Value(1.0), Value(2.0); y = x * c
        >>> needed = {x}; mark_needed(topological_order(y), needed); y in needed, c in needed
        (True, False)
    """
    for node in order:
        if node.parents and any(map(needed.__contains__, node.parents)):
            needed.add(node)


class Deferred(str):
    """The op of a node whose local derivatives are known only during backward.

    A checkpointed segment (:mod:`autograd_scalar.checkpointing`) keeps no graph
    between its inputs and its output; :func:`sweep` hands such a node to its
    op's ``sweep``, which rebuilds the segment and sweeps through it.
    """

    __slots__ = ()

    def sweep(self, node: Value, g, grads: dict, needed: set, create_graph: bool) -> None:
        """Add the node's share of the gradients to ``grads`` (g is its v̄)."""
        raise NotImplementedError


def sweep(order: list, grads: dict, needed: set, create_graph: bool) -> None:
    """The reverse sweep over ``order``: each needed node passes its v̄ in ``grads`` on.

    ``grads`` maps nodes to their v̄ so far (floats, or Values with
    ``create_graph``); ``needed`` holds the nodes that lead to a wanted
    gradient (:func:`mark_needed`).
    """
    for node in reversed(order):
        g = grads.get(node)
        if g is None or node not in needed or not node.parents:
            continue
        if isinstance(node.op, Deferred):  # a checkpointed segment: rebuilt here
            node.op.sweep(node, g, grads, needed, create_graph)
            continue
        local_grads = _local_grad_graph(node) if create_graph else node.local_grads
        upstream = g.data if isinstance(g, Value) else g  # a Value iff create_graph
        # An inf or nan upstream gradient passes nothing through a masked parent.
        masked = masked_parents(node) if upstream - upstream else (False,) * len(node.parents)
        for parent, local, skip in zip(node.parents, local_grads, masked):
            if skip or parent not in needed:
                continue
            contribution = local * g
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution
