"""The sum-over-paths example as a graph, shared by the viz, trace and browser tests.

a = 2, b = 3, c = a + b, d = a·b, o = c·d/2; its derivatives (each a sum over the paths to o) are
∂o/∂a = 10.5, ∂o/∂b = 8, ∂o/∂c = 3, ∂o/∂d = 2.5 (test_trace checks them).
Built here, from the public API, so the tests do not depend on the demo's copy.
"""

from autograd_scalar import Value

__all__ = ["sum_over_paths_graph"]


def sum_over_paths_graph() -> tuple:
    """The labelled nodes ``(a, b, c, d, o)``, not yet backpropagated."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a + b
    c.label = "c"
    d = a * b
    d.label = "d"
    o = c * d / 2
    o.label = "o"
    return a, b, c, d, o
