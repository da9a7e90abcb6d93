"""The backward pass, step by step: ``trace_backward(root)``.

* :mod:`~autograd_scalar.trace.model`: the trace itself, one step per node in
  reverse topological order with the terms of v̄_i = Σ_j (∂v_j/∂v_i) v̄_j;
* :mod:`~autograd_scalar.trace.text`: its text and LaTeX;
* :mod:`~autograd_scalar.trace.page`: the step-through page (HTML and Jupyter);
* :mod:`~autograd_scalar.trace.live`: the data for live pages, which recompute
  every value and gradient in the browser.
"""

from .model import DEFAULT_MAX_STEPS, BackwardTrace, ForwardStep, Step, Term, trace_backward

__all__ = ["trace_backward", "BackwardTrace", "Step", "Term", "ForwardStep", "DEFAULT_MAX_STEPS"]
