"""Function transformations in the style of JAX, built on the engine.

* :func:`grad`, :func:`value_and_grad` -- reverse mode; composable, so
  ``grad(grad(f))`` is the second derivative (the inner call records its
  derivative as a graph when it is given Values: create_graph).
* :func:`hvp` -- Hessian-vector product H·v by reverse-over-reverse (second
  derivatives as derivatives of a recorded derivative), never forming H.
* :func:`jvp` -- forward-mode accumulation over the recorded graph in
  topological order, ṽ_j = Σ_i (∂v_j/∂v_i)·ṽ_i (tangents flow with the
  evaluation), using the same local derivatives as ``backward``.
* :func:`gradcheck` -- analytic gradients against central finite differences.

``f`` receives :class:`~autograd_scalar.Value` arguments (numbers are wrapped
as fresh leaves; Values pass through, which is what makes nesting work) and
must return a Value or a number. The transformations record ``f``'s graph even
inside ``no_grad()`` (a derivative is what the caller asked for), and a ``grad``
running inside another transformation returns Values, so that ``f`` may close
over the outer function's arguments:
``grad(lambda x: grad(lambda y: x * y)(3.0))(2.0)`` is 1.
"""

from __future__ import annotations

import numbers
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, NamedTuple, Sequence, Union

from .engine import Deferred, Value, gradients, masked_parents, sum_values, topological_order
from .modes import enable_grad, no_grad, scope

__all__ = ["grad", "value_and_grad", "hvp", "jvp", "gradcheck", "GradcheckError"]
__all__ += ["hvp_graph", "HVPGraph"]  # the graph of an HVP, to draw and trace

ArgNums = Union[int, Sequence[int]]


class GradcheckError(ValueError):
    """Raised by :func:`gradcheck` when an analytic gradient disagrees."""


def _argnum_tuple(argnums: ArgNums, nargs: int, who: str) -> tuple:
    nums = (argnums,) if isinstance(argnums, int) else argnums
    if not isinstance(nums, (tuple, list)):
        raise TypeError(
            f"{who}: argnums must be an int or a tuple of ints, "
            f"got {type(argnums).__name__}: {argnums!r}"
        )
    if not nums:
        raise ValueError(f"{who}: argnums must name at least one argument")
    for n in nums:
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"{who}: argnums entries must be ints, got {type(n).__name__}: {n!r}")
        if not -nargs <= n < nargs:
            raise ValueError(
                f"{who}: argnums entry {n!r} is out of range for "
                f"a call with {nargs} positional arguments"
            )
    return tuple(n % nargs for n in nums)


def _leaves(args: Sequence, who: str) -> list:
    """Values pass through (nested transformations); numbers become new leaves."""
    wrapped = []
    for k, a in enumerate(args):
        if isinstance(a, Value):
            wrapped.append(a)
        elif isinstance(a, numbers.Real):
            wrapped.append(Value(a))
        else:
            raise TypeError(
                f"{who}: argument {k} must be a number or a Value, got {type(a).__name__}: {a!r}"
            )
    return wrapped


class _Tracing(threading.local):
    """How many transformations are tracing ``f`` right now, in this thread
    (see :func:`_tracing`): a ``grad`` in another thread is not nested."""

    depth = 0


_tracing_state = _Tracing()


@contextmanager
def _tracing() -> Iterator[None]:
    """Record graphs while a transformation runs ``f``, even under ``no_grad``.

    Inside, an inner ``grad`` called with plain numbers still returns Values:
    ``f`` may close over the outer transformation's Values, and a float there
    would silently cut the outer derivative to 0.
    """
    _tracing_state.depth += 1
    try:
        with enable_grad():
            yield
    finally:
        _tracing_state.depth -= 1


def _call(f: Callable, inputs: list, who: str) -> Value:
    out = f(*inputs)
    if isinstance(out, Value):
        return out
    if isinstance(out, numbers.Real):
        return Value(out)  # a constant function: every gradient is 0
    raise TypeError(f"{who}: f must return a Value or a number, got {type(out).__name__}: {out!r}")


def value_and_grad(f: Callable, argnums: ArgNums = 0) -> Callable:
    """Return a function giving ``(f(*args), ∂f/∂args[argnums])``.

    Called with numbers it returns floats; called with Values, or while another
    transformation traces its ``f``, it returns Values that can be
    differentiated again.

    Example:
        >>> from autograd_scalar import value_and_grad
        >>> value_and_grad(lambda x, y: x * y + y, argnums=(0, 1))(2.0, 3.0)
        (9.0, (3.0, 3.0))
    """
    single = isinstance(argnums, int)

    def transformed(*args):
        who = getattr(f, "__name__", "f")
        nums = _argnum_tuple(argnums, len(args), f"value_and_grad({who})")
        nested = _tracing_state.depth > 0 or any(isinstance(a, Value) for a in args)
        inputs = _leaves(args, f"grad({who})")
        with _tracing():
            out = _call(f, inputs, f"grad({who})")
            results = gradients(out, [inputs[n] for n in nums], create_graph=nested)
        # With create_graph every result is already a Value (0 toward an unrelated input too).
        if not nested:
            results = [float(r) for r in results]
        value = out if nested else out.data
        return value, (results[0] if single else tuple(results))

    transformed.__name__ = f"value_and_grad_{getattr(f, '__name__', 'f')}"
    transformed.__doc__ = f"value_and_grad of {getattr(f, '__name__', 'f')}"
    return transformed


def grad(f: Callable, argnums: ArgNums = 0) -> Callable:
    """Return the function ∂f/∂args[argnums] (a tuple when argnums is a tuple).

    Composable: ``grad(grad(f))`` is the second derivative.

    Example:
        >>> from autograd_scalar import grad
        >>> grad(lambda x: x ** 3)(2.0)
        12.0
        >>> grad(grad(grad(lambda x: x ** 3)))(2.0)
        6.0
    """
    with_value = value_and_grad(f, argnums)

    def transformed(*args):
        return with_value(*args)[1]

    transformed.__name__ = f"grad_{getattr(f, '__name__', 'f')}"
    transformed.__doc__ = f"gradient of {getattr(f, '__name__', 'f')}"
    return transformed


def _check_pairs(primals: Sequence, others: Sequence, who: str, other_name: str) -> None:
    if len(primals) != len(others):
        raise ValueError(f"{who}: {len(primals)} primals but {len(others)} {other_name}")
    for k, t in enumerate(others):
        if not isinstance(t, numbers.Real):
            raise TypeError(
                f"{who}: {other_name}[{k}] must be a number, got {type(t).__name__}: {t!r}"
            )


class HVPGraph(NamedTuple):
    """The graph of a Hessian-vector product, built to be drawn and traced.

    Attributes:
        output: g(x)·v, whose graph holds f's graph, the derivative graph g
            that the first backward pass recorded (its nodes in the scope
            ``"derivative (backward)"``) and the product with v (scope
            ``"g·v"``). Backpropagating it is the second backward pass: the
            inputs' gradients are then H·v.
        inputs: the input leaves x.
        gradient: the derivative nodes g_i = ∂f/∂x_i (labelled so).
    """

    output: Value
    inputs: list
    gradient: list


def hvp_graph(f: Callable, primals: Sequence[float], vector: Sequence[float]) -> HVPGraph:
    """Record H·v as a graph: f, then its derivative graph, then the product with v.

    Drawn with ``viz.draw(graph.output)``, the derivative nodes sit in their
    own cluster beside f's nodes (they read f's nodes: ∂tanh/∂x is built
    from tanh's output), so one sees that the second derivative is
    "backpropagation through the backward pass". ``trace_backward(graph.output)``
    steps through that second pass.

    Example (f = x²y at (1, 2), v = (1, 0): H·v = (2y, 2x) = (4, 2)):
        >>> from autograd_scalar import hvp_graph
        >>> graph = hvp_graph(lambda x, y: x * x * y, [1.0, 2.0], [1.0, 0.0])
        >>> graph.output.backward(); [x.grad for x in graph.inputs]
        [4.0, 2.0]
        >>> graph.gradient[0].label, graph.gradient[0].scope
        ('∂f/∂x0', 'derivative (backward)')
    """
    _check_pairs(primals, vector, "hvp", "vector")
    inputs = _leaves(primals, "hvp")
    for k, x in enumerate(inputs):
        x.label = x.label or f"x{k}"
    with _tracing():
        out = _call(f, inputs, "hvp")
        with scope("derivative (backward)"):
            g = gradients(out, inputs, create_graph=True)
        with scope("g·v"):
            directional = sum_values([gi * float(vi) for gi, vi in zip(g, vector)])
    for gi, x in zip(g, inputs):
        gi.label = f"∂f/∂{x.label}"
    directional.label = "g·v"
    return HVPGraph(directional, inputs, g)


def hvp(f: Callable, primals: Sequence[float], vector: Sequence[float]) -> list:
    """Hessian-vector product ∇²f(primals)·vector, as a list of floats.

    Reverse over reverse: the gradient is recorded as a graph g(x), then
    ∇(g(x)·v) = H·v, without forming the Hessian (:func:`hvp_graph` keeps
    that graph to draw it).

    Example (f = x²y, H = [[2y, 2x], [2x, 0]] at (1, 2)):
        >>> from autograd_scalar import hvp
        >>> hvp(lambda x, y: x * x * y, [1.0, 2.0], [1.0, 0.0])
        [4.0, 2.0]
    """
    graph = hvp_graph(f, primals, vector)
    return [float(h) for h in gradients(graph.output, graph.inputs)]


def jvp(f: Callable, primals: Sequence[float], tangents: Sequence[float]) -> tuple:
    """Forward mode: ``(f(primals), ∇f(primals)·tangents)``.

    Sweeps the recorded graph in topological order with
    ṽ_j = Σ_i (∂v_j/∂v_i)·ṽ_i, starting from the input tangents: one sweep
    per direction, where reverse mode needs one sweep per output.

    Example:
        >>> from autograd_scalar import jvp
        >>> jvp(lambda x, y: x * y, [2.0, 3.0], [1.0, 0.0])
        (6.0, 3.0)
    """
    _check_pairs(primals, tangents, "jvp", "tangents")
    inputs = _leaves(primals, "jvp")
    with _tracing():
        out = _call(f, inputs, "jvp")
    tangent: dict[Value, float] = {}
    for x, t in zip(inputs, tangents):
        tangent[x] = tangent.get(x, 0.0) + float(t)
    for node in topological_order(out):
        if isinstance(node.op, Deferred):
            raise ValueError(
                f"jvp: f checkpoints a segment ({node.op}); forward mode keeps no graph for a "
                "backward pass, so there is nothing to save: call it without checkpoint"
            )
        # Only parents that depend on the inputs carry a tangent: a constant's
        # local derivative may be nan (∂(x^3)/∂3 at x < 0), and nan·0 is nan.
        # A masked parent (relu at x <= 0) passes nothing, even an inf tangent.
        moving = [
            local * tangent[parent]
            for parent, local, masked in zip(node.parents, node.local_grads, masked_parents(node))
            if parent in tangent and not masked
        ]
        if moving:
            tangent[node] = sum(moving)
    return out.data, tangent.get(out, 0.0)


def gradcheck(
    f: Callable, inputs: Sequence[float], eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-4
) -> bool:
    """Compare reverse-mode gradients with central differences; True if all agree.

    For each argument i: numeric = (f(x + eps·e_i) - f(x - eps·e_i)) / (2·eps);
    it must satisfy |analytic - numeric| <= atol + rtol·|numeric|.

    Raises:
        GradcheckError: naming the argument, the analytic and the numeric value.

    Example:
        >>> from autograd_scalar import gradcheck
        >>> gradcheck(lambda x, y: (x * y).tanh(), [0.3, -0.7])
        True
    """
    point = [float(x) for x in inputs]
    who = getattr(f, "__name__", "f")
    analytic = grad(f, argnums=tuple(range(len(point))))(*point)

    def f_at(values):
        with no_grad():
            return _call(f, [Value(v) for v in values], f"gradcheck({who})").data

    for i, a in enumerate(analytic):
        plus, minus = list(point), list(point)
        plus[i] += eps
        minus[i] -= eps
        numeric = (f_at(plus) - f_at(minus)) / (2.0 * eps)
        if not abs(a - numeric) <= atol + rtol * abs(numeric):
            raise GradcheckError(
                f"gradcheck({who}): argument {i} (value {point[i]!r}): analytic "
                f"gradient {a!r} differs from numeric {numeric!r} "
                f"(tolerance atol={atol} + rtol={rtol}·|numeric|)"
            )
    return True
