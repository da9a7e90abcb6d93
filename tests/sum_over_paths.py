"""The sum-over-paths example as a graph, shared by the viz, trace and browser tests.

a = 2, b = 3, c = a + b, d = a·b, o = c·d/2; its derivatives (each a sum over the paths to o) are
∂o/∂a = 10.5, ∂o/∂b = 8, ∂o/∂c = 3, ∂o/∂d = 2.5 (test_trace checks them).
The package's one copy of it (autograd_scalar.examples), which the demo and
the docs site draw too.
"""

from autograd_scalar.examples import sum_over_paths as sum_over_paths_graph

__all__ = ["sum_over_paths_graph"]
