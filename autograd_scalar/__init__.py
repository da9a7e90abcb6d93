"""autograd_scalar: a scalar reverse-mode automatic differentiation engine.

Build expressions out of :class:`Value` nodes, call ``backward()``, read every
``grad``; draw the graph, step through the chain rule, train small networks.

Example:
    >>> from autograd_scalar import Value
    >>> a, b = Value(2.0, label="a"), Value(3.0, label="b")
    >>> c = a + b; d = a * b; o = c * d / 2
    >>> o.backward()
    >>> a.grad, b.grad
    (10.5, 8.0)
"""

from .engine import Value, dot, gradients, sum_values as sum, topological_order
from .functional import GradcheckError, grad, gradcheck, hvp, jvp, value_and_grad
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope
from . import viz
from .trace import BackwardTrace, trace_backward

__version__ = "0.1.0"

__all__ = [
    "Value", "sum", "dot", "topological_order", "gradients",
    "grad", "value_and_grad", "hvp", "jvp", "gradcheck", "GradcheckError",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "scope",
    "viz", "trace_backward", "BackwardTrace",
]
