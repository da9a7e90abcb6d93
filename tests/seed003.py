"""Seed 003's worked example as a graph, shared by the viz, trace and browser tests.

a = 2, b = 3, c = a + b, d = a·b, o = c·d/2; the seed's derivatives are
∂o/∂a = 10.5, ∂o/∂b = 8, ∂o/∂c = 3, ∂o/∂d = 2.5. The demo draws the same
graph, so there is one definition of it (its doctest checks those numbers).
"""

from autograd_scalar.demo import seed_003_graph as seed003_graph

__all__ = ["seed003_graph"]
