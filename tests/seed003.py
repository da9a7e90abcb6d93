"""Seed 003's worked example as a graph, shared by the viz, trace and browser tests.

a = 2, b = 3, c = a + b, d = a·b, o = c·d/2; the seed's derivatives are
∂o/∂a = 10.5, ∂o/∂b = 8, ∂o/∂c = 3, ∂o/∂d = 2.5.
"""

from autograd_scalar import Value


def seed003_graph():
    """The nodes (a, b, c, d, o), labelled, not yet backpropagated."""
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a + b
    c.label = "c"
    d = a * b
    d.label = "d"
    o = c * d / 2
    o.label = "o"
    return a, b, c, d, o
