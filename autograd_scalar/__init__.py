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

from .engine import (
    Value,
    dot,
    gradients,
    sum_values as sum,
    table_functions as _table_functions,
    topological_order,
)
from .functional import (
    GradcheckError,
    HVPGraph,
    grad,
    gradcheck,
    hvp,
    hvp_graph,
    jvp,
    value_and_grad,
)
from .modes import detect_anomaly, enable_grad, is_grad_enabled, no_grad, scope

# Submodules and renderers load on first use (PEP 562): `import autograd_scalar`
# and the engine stay free of graphviz (house rule: engine imports no renderer),
# and importing the package stays quick. One entry per name:
# name -> (module, attribute or None for the module itself).
_LAZY = {
    "nn": ("nn", None),
    "optim": ("optim", None),
    "data": ("data", None),
    "viz": ("viz", None),
    "tape": ("tape", None),
    "explore": ("explore", None),
    "trace_backward": ("trace", "trace_backward"),
    "BackwardTrace": ("trace", "BackwardTrace"),
    "check_engine": ("grader", "check_engine"),
    "checkpoint": ("checkpointing", "checkpoint"),
    "checkpoint_sequential": ("checkpointing", "checkpoint_sequential"),
}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    module_name, attribute = _LAZY[name]
    try:
        module = import_module(f".{module_name}", __name__)
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{module_name}":
            raise
        raise AttributeError(
            f"{__name__}.{name} is not part of this version ({__version__})"
        ) from None
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value
    return value


# The table's one-argument functions, like jax.numpy's: autograd_scalar.sin(x),
# exp, log, tanh, sigmoid, relu, cos, sqrt, abs (generated from ops.TABLE).
globals().update(_table_functions)

__version__ = "0.1.0"

__all__ = [
    "Value",
    "sum",
    "dot",
    "topological_order",
    "gradients",
    "grad",
    "value_and_grad",
    "hvp",
    "hvp_graph",
    "HVPGraph",
    "jvp",
    "gradcheck",
    "GradcheckError",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "scope",
    "viz",
    "trace_backward",
    "BackwardTrace",
    "check_engine",
    "checkpoint",
    "checkpoint_sequential",
    *_table_functions,
]
