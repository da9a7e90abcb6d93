"""The tape: record a scalar program once, replay it over a whole batch with numpy.

:func:`record` runs ``fn`` once on one example and keeps its graph as a
*tape* (a Wengert list): the nodes v_1, ..., v_N in topological order, each
with its op from the derivative table :mod:`autograd_scalar.ops` and the
indices of its parents. Every leaf is a parameter (one of ``params``, by
identity), an input (built from the example's arguments) or a constant.
Replaying the tape over a batch evaluates each node for all the rows at
once: the forward through the table's forward functions, the backward
through the table's rules (``op.rules``, ``op.partials``), which also accept
numpy arrays. So a tape carries no derivative of its own: it is the third
use of the one table, after floats and Values.

The tape is a small compiler, one stage per module, each reading only the
stages before it (:func:`record` is the driver that runs them):

1. :mod:`~autograd_scalar.tape.recording`, the front end: ``fn``'s graph as
   a typed :class:`~autograd_scalar.tape.recording.WengertList`, checked.
2. :mod:`~autograd_scalar.tape.passes`, scheduling: which nodes run as one
   array operation (the two passes below), as typed instructions.
3. :mod:`~autograd_scalar.tape.layout`, memory: the store and row of every node.
4. :mod:`~autograd_scalar.tape.bind`, code generation: the instructions bound
   to one batch size's buffers as closures.
5. :mod:`~autograd_scalar.tape.replay`, the runtime: :class:`Tape` stages a
   batch and runs the bound steps forward and backward.

Beside them: :mod:`~autograd_scalar.tape.table`, the instruction set (the
table's ops as the stages read them, over arrays too: their one adapter to
:mod:`autograd_scalar.ops`), :mod:`~autograd_scalar.tape.text` (the
printout, ``Tape.to_text()``), and two more back ends,
:mod:`~autograd_scalar.tape.torch_export` and
:mod:`~autograd_scalar.tape.onnx_export`.

Two passes turn the list into fewer, larger array operations; they are
where the matrix form of backpropagation comes from:

* **group**: the ``dot`` nodes that read the same batch-varying inputs (a
  layer's neurons) become ONE matrix product, z = W·h + b. Each ``dot``'s
  pairs split into weight × input terms (the weight invariant over the
  batch, in either half of the ``dot``) and invariant pairs (the bias times
  the layer's constant 1), which become the broadcast term b. Backward, the
  table's partials of ``dot`` (∂/∂w = x, ∂/∂x = w) meet the adjoints as the
  products D·hᵀ and Wᵀ·D: the D^l recursion. A parameter appearing twice in
  one group is scattered with ``numpy.add.at`` (``+=`` would drop repeats).
* **lift**: nodes with the same op at the same depth (a relu on every row of
  a layer, the p·p of an L2 penalty) run as one array op over their rows.
  Rows are laid out so that the next group reads a layer's activations as
  a matrix slice, with no per-row work and no copying.

The tape is one path through the program, as with ``jax.jit``:

* While ``fn`` runs, the numbers of its inputs, of ``params`` and of every
  node computed from them are hidden (:mod:`autograd_scalar.traced`, like
  JAX's tracers): any read (an ``if`` on ``.data``, ``float``, a comparison,
  ``Value(x.data)``) raises :class:`TapeError` naming the node and the line
  of ``fn``, whatever the example's values. ``check`` examples are traced
  too and must give the same graph.
* The backward honours the table's ``masks`` as ``backward()`` does (relu
  at x <= 0 passes nothing, not even an inf adjoint); a grouped dot whose
  sum is not finite is recomputed term by term in its own order, as the
  table's forward sums it. Calls on one tape take turns (a lock): its
  buffers serve one call at a time.
* A number ``fn`` closes over (a label, say) is a constant of the tape, the
  same for every row: pass it as an argument to give each row its own. A
  Value leaf that is neither in ``params`` nor an input is a constant too.
* Only ops of the table can be replayed: a node built by hand with float
  ``local_grads`` raises :class:`TapeError` at record time.
* Domain errors are the scalar engine's (``log`` of a negative number,
  division by zero), naming the op, the tape node and the batch row.
  Otherwise arithmetic is IEEE float64, as with Python floats (overflow to
  inf, inf - inf = nan), without numpy warnings.

numpy is imported on first use (here and in the table's array branch):
``import autograd_scalar`` does not need it. Its matrices are small, so run
with ``OPENBLAS_NUM_THREADS=1`` on a shared machine (the demo sets it):
BLAS threads spinning against other programs cost ten times the work.

Example (one tanh neuron, a batch of three inputs):
    >>> from autograd_scalar import Value, tape
    >>> w, b = Value(0.5, label="w"), Value(0.1, label="b")
    >>> t = tape.record(lambda x: (w * x + b).tanh(), 1.0, params=[w, b])
    >>> t.forward([0.0, 1.0, 2.0]).round(6).tolist()
    [0.099668, 0.53705, 0.800499]
    >>> loss, grads = t.value_and_grad([0.0, 1.0, 2.0])
    >>> round(loss, 6), [round(g, 6) for g in grads]
    (0.479072, [0.47666, 0.686948])
    >>> print(t.to_text())
    v0 = w  (parameter 0)
    v1 = x  (input 0)
    v3 = b  (parameter 1)
    v2 = v0 * v1
    v4 = v2 + v3
    v5 = tanh(v4)
    output: v5 (3 nodes on the tape, 3 instructions)
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

from ..engine import Value
from ..traced import TapeError
from . import recording
from .replay import Tape

__all__ = ["record", "Tape", "TapeError"]

# Tracebacks name the error by its public path: autograd_scalar.tape.TapeError.
TapeError.__module__ = __name__


def record(
    fn: Callable, *example, params: Iterable[Value] = (), check: Sequence[Sequence] = ()
) -> "Tape":
    """Run ``fn`` once on ``example`` and keep its graph as a :class:`Tape`.

    While ``fn`` runs, the numbers of its inputs, of ``params`` and of every
    node computed from them are hidden (:mod:`autograd_scalar.traced`): ``fn``
    builds its graph with Value ops, and any read of such a number (``.data``
    in an ``if``, ``float``, a comparison) raises :class:`TapeError` naming
    the node and the line, whatever the example's values.

    Args:
        fn: a function of Values returning ONE Value: the output, or the loss,
            of a single example.
        *example: one example's arguments, each a number or a list of numbers
            (each becomes a Value input, or a list of them).
        params: the Values to differentiate with respect to (leaves,
            identified by identity; read again at every call, so optimizer
            updates show).
        check: more examples (tuples of arguments) to trace; their graphs must
            be the example's (they can differ only if ``fn`` depends on
            something besides its arguments, such as a global).

    Raises:
        TapeError: ``fn`` reads a number it computes with, computes a node
            under ``no_grad``, uses a node that is not from the derivative
            table, or returns no Value; a parameter is not a leaf.

    Example:
        >>> from autograd_scalar import Value
        >>> w = Value(2.0)
        >>> def branchy(x):
        ...     return w * x if x.data > 0 else w - x
        >>> record(branchy, 1.0, params=[w])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        autograd_scalar.tape.TapeError: fn reads the number of input x (a comparison (>)) at line 2 of fn ...
    """
    params = recording.checked_params(params)
    return Tape(recording.wengert_list(fn, example, params, check), params)
