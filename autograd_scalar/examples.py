"""Worked examples as graphs, built from the public API: the demo, the docs and the tests use these.

:func:`sum_over_paths` is the smallest graph in which one input reaches the
output along two paths, so that its adjoint is a sum over the paths:
a = 2, b = 3, c = a + b, d = a·b, o = c·d/2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .engine import Value

if TYPE_CHECKING:
    from .trace import BackwardTrace

__all__ = ["sum_over_paths", "sum_over_paths_trace"]


def sum_over_paths() -> tuple:
    """The sum-over-paths example, labelled: a = 2, b = 3, c = a + b, d = a·b, o = c·d/2.

    a and b each reach o along two paths (through c and through d), and the
    backward pass sums the paths: v̄[a] = v̄[c]·1 + v̄[d]·b. Returns the nodes
    ``(a, b, c, d, o)``, not yet backpropagated; the derivatives are
    ∂o/∂a = 10.5, ∂o/∂b = 8, ∂o/∂c = 3, ∂o/∂d = 2.5.

    Example:
        >>> a, b, c, d, o = sum_over_paths(); o.backward()
        >>> o.data, a.grad, b.grad, c.grad, d.grad
        (15.0, 10.5, 8.0, 3.0, 2.5)
    """
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a + b
    c.label = "c"
    d = a * b
    d.label = "d"
    o = c * d / 2
    o.label = "o"
    return a, b, c, d, o


def sum_over_paths_trace() -> BackwardTrace:
    """The backward trace of the sum-over-paths example (the demo's page, the docs site's).

    Example:
        >>> sum_over_paths_trace().to_text().splitlines()[-1]
        '  v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5'
    """
    from .trace import trace_backward  # the trace pulls in the page machinery: on first use

    return trace_backward(sum_over_paths()[-1])
