"""Gradient checkpointing: keep a segment's inputs and outputs, rebuild the rest in backward.

Backpropagation reads every local derivative of the forward pass, so the
whole graph stays in memory until ``backward()`` has used it: a chain of n
nodes holds n nodes. :func:`checkpoint` runs a function ``fn`` (a
*segment*) and keeps only one node per output, whose parents are the
segment's inputs; the nodes in between are dropped. When the backward pass
reaches the segment, it runs ``fn`` again on the same inputs, checks that
the outputs came out bit for bit the same, backpropagates through the
rebuilt nodes and lets them go. A chain of n nodes cut into √n segments
then holds about √n segment outputs plus one rebuilt segment of √n nodes
at a time: memory 2·√n instead of n, for one more forward pass of time.
:func:`checkpoint_sequential` cuts a list of functions into such segments.

The gradients are the floats plain backpropagation gives, bit for bit: the
rebuilt nodes are the same nodes with the same numbers, attached to the
real inputs, and backpropagated in the same order, adding into the same
``grad`` slots (``backward``) or dictionary (:func:`~autograd_scalar.gradients`,
``create_graph`` and so higher order). One caveat keeps this honest: for a segment with several outputs, plain
backpropagation may reach nodes outside the segment between the segment's
nodes of two outputs (its DFS interleaves them); a sum into an input is
then added in another order, and the gradients agree to rounding instead.
Single-output segments (chains, residual blocks) and an MLP's layers are
bit for bit. Second derivatives agree to rounding: the derivative graph
reaches a segment's input both through the rebuilt nodes and through the
kept segment node, the same terms in another order.

What the engine sees: a segment's output node has ``op`` a
:class:`~autograd_scalar.engine.Deferred` and, for local derivatives,
objects whose product with the upstream v̄ runs the segment's backward
pass. The engine's backward loop needs no branch (and does not slow down).

A segment must be a function of its arguments: it may read parameters
(leaves) it closes over, but a computed Value it uses must be passed as an
argument (refused at once otherwise). Random numbers or a branch on
outside state would rebuild a different segment: the output check raises
:class:`CheckpointError` naming the segment rather than give wrong
gradients. Under ``no_grad`` nothing is recorded and ``checkpoint(fn, *args)``
is ``fn(*args)``. A tape and forward mode (``jvp``) refuse checkpointed graphs.
"""

from __future__ import annotations

import itertools
import math
import struct
import threading
from contextlib import contextmanager
from typing import Callable, Iterator, NamedTuple, Optional, Sequence

from .engine import (
    Deferred,
    Value,
    backpropagate,
    graph_order,
    mark_needed,
    new_node,
    sweep,
)
from .modes import enable_grad, scope, state

__all__ = [
    "rebuilt_in",
    "Rebuilt",
    "checkpoint",
    "checkpoint_sequential",
    "CheckpointError",
    "is_checkpointed",
    "segment_of",
    "watching",
]

_numbering = itertools.count(1)
_pack = struct.Struct("<d").pack


# float(): a number hidden by a recording tape then refuses with a TapeError
# naming the segment's line (struct alone says "required argument is not a float").
def _bits(value: float) -> bytes:
    return _pack(float(value))


def _all_bits(values: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(values)}d", *map(float, values))


class CheckpointError(RuntimeError):
    """A segment cannot be checkpointed, or its recomputation differed from its forward pass."""


class _Watchers(threading.local):
    def __init__(self) -> None:
        self.callbacks: list = []


_watchers = _Watchers()


@contextmanager
def watching(callback: Callable) -> Iterator[None]:
    """Call ``callback(segment, outputs, nodes)`` at every rebuild, in this thread.

    ``segment`` is the rebuilt segment (its ``name``), ``outputs`` maps the
    positions of the outputs the backward pass reached to the rebuilt output
    nodes, ``outputs`` the rebuilt output nodes and ``nodes`` the rebuilt
    nodes in topological order (the inputs left out). The benchmark counts
    the nodes alive with it. (The segment keeps no reference to its node:
    a cycle would wait for the cyclic garbage collector.)
    """
    _watchers.callbacks.append(callback)
    try:
        yield
    finally:
        _watchers.callbacks.remove(callback)


def _flat_values(args: Sequence) -> list:
    """The Values among ``args`` (one level of lists and tuples), each once."""
    found: dict = {}
    for arg in args:
        items = arg if isinstance(arg, (list, tuple)) else (arg,)
        for item in items:
            if isinstance(item, Value):
                found.setdefault(item, None)
    return list(found)


def _outputs(result, name: str) -> tuple:
    """``fn``'s distinct outputs, where each position of the result is among them,
    and whether the result was a single Value."""
    if isinstance(result, Value):
        return (result,), [0], True
    if isinstance(result, (list, tuple)) and result and all(isinstance(r, Value) for r in result):
        distinct = list(dict.fromkeys(result))  # a node returned twice stays one node
        index = {node: k for k, node in enumerate(distinct)}
        return tuple(distinct), [index[node] for node in result], False
    raise TypeError(
        f"checkpoint {name!r}: fn must return a Value or a non-empty list of Values, "
        f"got {type(result).__name__}: {result!r}"
    )


class _Segment:
    """One checkpointed call: what it keeps, and how it rebuilds and backpropagates."""

    def __init__(self, fn: Callable, args: tuple, name: str):
        self.fn, self.args, self.name = fn, args, name
        self.number = next(_numbering)
        self.scope_name = f"{name} #{self.number}"
        self.single = True
        self.list_type: type = list
        self.positions: list = [0]  # for each place of fn's result, which distinct output
        self.boundary: tuple = ()  # the kept parents: the inputs and the leaves fn reads
        self.boundary_bits = b""
        self.output_bits: tuple = ()
        self.size = 0  # nodes between the inputs and the outputs
        self.seeds: dict = {}  # output index -> its v̄, as the backward pass reaches each

    def record(self) -> tuple:
        """The first forward pass: the outputs' numbers; the graph is dropped after."""
        inputs = _flat_values(self.args)
        with scope(self.scope_name):
            tag = state.scope or ""
            result = self.fn(*self.args)
        outputs, self.positions, self.single = _outputs(result, self.name)
        self.list_type = type(result) if not self.single else list
        nodes = graph_order(outputs, stop=inputs)
        self.boundary = tuple(self._boundary(nodes, inputs, tag))
        self.boundary_bits = _all_bits([node.data for node in self.boundary])
        self.output_bits = tuple(_bits(out.data) for out in outputs)
        self.size = len(nodes)
        return tuple(out.data for out in outputs), tuple(out.label for out in outputs)

    def _boundary(self, nodes: list, inputs: list, tag: str) -> list:
        """The inputs in the order the segment first uses them, the leaves it reads, the rest."""
        inside = tag + "/"
        kept: dict = {}
        for node in nodes:
            if node.scope == tag or (node.scope or "").startswith(inside):
                continue
            if node.parents:
                raise CheckpointError(
                    f"checkpoint {self.name!r}: fn uses a computed Value it was not given "
                    f"({node.op} node {node.label or node.data!r}); pass it as an argument, "
                    "so that the segment can be rebuilt from its inputs"
                )
            kept.setdefault(node, None)
        ordered: dict = {}
        kept_inputs = set(inputs)
        for node in nodes:
            for parent in node.parents:
                if parent in kept_inputs:
                    ordered.setdefault(parent, None)
            if node in kept:
                ordered.setdefault(node, None)
        ordered.update(dict.fromkeys(inputs))
        return list(ordered)

    def rebuild(self, reached: list) -> tuple:
        """Run fn again; check it; the rebuilt outputs and the nodes between (from ``reached``)."""
        if _all_bits([node.data for node in self.boundary]) != self.boundary_bits:
            self._changed_input()
        if state.grad_enabled:
            with scope(self.scope_name):
                result = self.fn(*self.args)
        else:
            with enable_grad(), scope(self.scope_name):
                result = self.fn(*self.args)
        outputs = _outputs(result, self.name)[0]
        self._check(outputs)
        nodes = graph_order([outputs[i] for i in reached], stop=self.boundary)
        for callback in list(_watchers.callbacks):
            callback(self, {i: outputs[i] for i in reached}, nodes)
        return outputs, nodes

    def _changed_input(self) -> None:
        for k, node in enumerate(self.boundary):
            if _bits(node.data) != self.boundary_bits[8 * k : 8 * k + 8]:
                raise CheckpointError(
                    f"checkpoint {self.name!r}: its input {node.label or k!r} changed after the "
                    f"forward pass (now {node.data!r}); the recorded gradient would be of "
                    "another function. Run backward before changing the inputs"
                )

    def _check(self, outputs: tuple) -> None:
        if len(outputs) != len(self.output_bits):
            raise CheckpointError(
                f"checkpoint {self.name!r}: recomputing it gave {len(outputs)} outputs, the "
                f"forward pass {len(self.output_bits)}"
            )
        for i, out in enumerate(outputs):
            if _bits(out.data) != self.output_bits[i]:
                before = struct.unpack("<d", self.output_bits[i])[0]
                raise CheckpointError(
                    f"checkpoint {self.name!r}: recomputing it in backward gave output {i} = "
                    f"{out.data!r}, the forward pass {before!r}. The segment is not a "
                    "function of its inputs alone (random numbers, or a branch on a value "
                    "it is not given), so its gradients would be wrong; pass such values "
                    "as arguments, or seed the randomness inside fn"
                )

    def reached(self, g) -> tuple:
        """The outputs the backward pass reached, parents-first order, and their v̄."""
        seeds = {0: g} if self.single else self.seeds
        self.seeds = {}
        # Outputs arrive output-last (reverse topological order): walk them the other way.
        reached = list(reversed(seeds))
        return reached, [seeds[i] for i in reached]

    def backward(self, g: float) -> None:
        """``Value.backward`` through the segment: rebuild, seed, backpropagate into ``grad``."""
        reached, seeds = self.reached(g)
        outputs, nodes = self.rebuild(reached)
        for i, seed in zip(reached, seeds):
            outputs[i].grad += seed
        backpropagate(nodes)

    def sweep_through(self, g, grads: dict, needed: set, create_graph: bool) -> None:
        """:func:`~autograd_scalar.gradients` through the segment, into ``grads``."""
        reached, seeds = self.reached(g)
        outputs, nodes = self.rebuild(reached)
        for i, seed in zip(reached, seeds):
            previous = grads.get(outputs[i])
            grads[outputs[i]] = seed if previous is None else previous + seed
        mark_needed(nodes, needed)
        sweep(nodes, grads, needed, create_graph)


class _SegmentOp(Deferred):
    """The op of the node that stands for a segment: ``checkpoint``."""

    segment: _Segment

    def sweep(self, node: Value, g, grads: dict, needed: set, create_graph: bool) -> None:
        self.segment.sweep_through(g, grads, needed, create_graph)


class _OutputOp(Deferred):
    """The op of output i of a segment with several outputs: passes v̄ to the segment."""

    segment: _Segment
    position: int

    def sweep(self, node: Value, g, grads: dict, needed: set, create_graph: bool) -> None:
        self.segment.seeds[self.position] = g
        grads.setdefault(node.parents[0], 0.0)  # so that the sweep visits the segment node


class _Share:
    """A segment node's local derivative toward its first parent, known only in backward.

    ``parent.grad += share * v̄`` is the backward loop's step. The product
    runs the segment's backward pass, which adds every gradient into the
    parents' ``grad`` in the order plain backpropagation would; it returns
    an :class:`_Added`, whose sum with the ``grad`` read before is the
    ``grad`` now. The other parents' shares are :data:`_LATER`: by the time
    the loop reads their ``grad``, it is already complete. The sum of shares
    is nan, so the loop never skips the node as one that passes nothing.
    """

    __slots__ = ("segment", "parent")

    def __init__(self, segment: Optional[_Segment], parent: Optional[Value]):
        self.segment, self.parent = segment, parent

    def __mul__(self, g):
        if self.segment is None:
            return _KEPT
        self.segment.backward(g)
        return _Added(self.parent)

    __rmul__ = __mul__

    def __radd__(self, other):
        return math.nan

    def __repr__(self) -> str:
        return "<∂ of a checkpointed segment: recomputed in backward>"


class _Added:
    """What a segment added to ``parent.grad``: ``old + added`` is its ``grad`` now."""

    __slots__ = ("parent",)

    def __init__(self, parent: Optional[Value]):
        self.parent = parent

    def __radd__(self, old):
        return old if self.parent is None else self.parent.grad


#: The share of every parent after the first, and what its product adds (nothing).
_LATER, _KEPT = _Share(None, None), _Added(None)


class _Seed:
    """Output i's local derivative toward the segment node: hands its v̄ to the segment.

    The product records v̄ and adds -0.0 to the segment node's ``grad``
    (which leaves any float as it is); the sum is nan, as for :class:`_Share`.
    """

    __slots__ = ("segment", "index")

    def __init__(self, segment: _Segment, index: int):
        self.segment, self.index = segment, index

    def __mul__(self, g):
        self.segment.seeds[self.index] = g
        return -0.0

    __rmul__ = __mul__

    def __radd__(self, other):
        return math.nan

    def __repr__(self) -> str:
        return f"<output {self.index} of checkpoint {self.segment.name!r}>"


def _segment_node(segment: _Segment, data: float, label: str) -> Value:
    op = _SegmentOp("checkpoint")
    op.segment = segment
    boundary = segment.boundary
    shares = ((_Share(segment, boundary[0]),) + (_LATER,) * (len(boundary) - 1)) if boundary else ()
    return new_node(data, boundary, shares, op, label)


def checkpoint(fn: Callable, *args, name: Optional[str] = None):
    """``fn(*args)``, keeping only its inputs and outputs; rebuilt in backward.

    Args:
        fn: the segment, a function of Values (or lists of Values) returning
            a Value or a list of Values. It may read parameters it closes
            over; any other Value it uses must be one of ``args``.
        args: Values, lists or tuples of Values, or other arguments.
        name: the segment's name in errors, traces and drawings (default
            ``fn.__name__``).

    Returns:
        Nodes with the same numbers as ``fn(*args)``'s outputs: one Value, or
        a list (a tuple if ``fn`` returned one).

    Raises:
        CheckpointError: fn uses a computed Value it was not given; in
            backward, the inputs changed or the recomputation differed.

    Example (the same gradient as without checkpointing):
        >>> from autograd_scalar import Value
        >>> x, plain = Value(0.5), Value(0.5)
        >>> y = checkpoint(lambda v: (v * v).tanh() * 3, x); y.backward()
        >>> ((plain * plain).tanh() * 3).backward(); x.grad == plain.grad
        True
        >>> y.op, len(y.parents)  # one node kept, its parent the input
        ('checkpoint', 1)
    """
    name = name if name is not None else getattr(fn, "__name__", "segment")
    if not state.grad_enabled:
        return fn(*args)  # nothing is recorded: nothing to keep or rebuild
    segment = _Segment(fn, args, name)
    data, labels = segment.record()
    if segment.single:
        return _segment_node(segment, data[0], labels[0])
    node = _segment_node(segment, 0.0, f"[{name}]")
    outputs = []
    for i, (value, label) in enumerate(zip(data, labels)):
        op = _OutputOp("checkpoint output")
        op.segment, op.position = segment, i
        outputs.append(new_node(value, (node,), (_Seed(segment, i),), op, label))
    return segment.list_type(outputs[i] for i in segment.positions)


class Rebuilt(NamedTuple):
    """What :func:`rebuilt_in` finds: for a trace of a checkpointed graph."""

    rebuilds: list  # (the node standing for the segment, its name, its rebuilt nodes)
    outputs: list  # the rebuilt output nodes
    stand_in: dict  # rebuilt output -> the kept node that stands for it


def rebuilt_in(kept: list, rebuilds: list) -> Rebuilt:
    """Match the rebuilds :func:`watching` saw to the kept nodes standing for them.

    ``rebuilds`` holds the ``(segment, outputs, nodes)`` of each callback.
    """
    segment_node, output_node = {}, {}
    for node in kept:
        op = node.op
        if isinstance(op, _SegmentOp):
            segment_node[op.segment] = node
        elif isinstance(op, _OutputOp):
            output_node[(op.segment, op.position)] = node
    found = Rebuilt([], [], {})
    for segment, outputs, nodes in rebuilds:
        node = segment_node.get(segment)
        if node is None:
            continue
        found.rebuilds.append((node, segment.name, nodes))
        for i, out in outputs.items():
            found.outputs.append(out)
            found.stand_in[out] = node if segment.single else output_node[(segment, i)]
    return found


def is_checkpointed(node: Value) -> bool:
    """True for a node that stands for a checkpointed segment (or one of its outputs)."""
    return isinstance(node.op, (_SegmentOp, _OutputOp))


def segment_of(node: Value) -> Optional[str]:
    """The segment's name, for a node that stands for one (else None).

    Example:
        >>> from autograd_scalar import Value
        >>> segment_of(checkpoint(lambda v: v.exp(), Value(1.0), name="first"))
        'first'
    """
    op = node.op
    return op.segment.name if isinstance(op, (_SegmentOp, _OutputOp)) else None


def _segment_sizes(n: int, segments: Optional[int]) -> list:
    """How many functions go in each segment: √n segments by default, as even as can be.

    Example:
        >>> _segment_sizes(10, None), _segment_sizes(7, 2)
        ([4, 3, 3], [4, 3])
    """
    if segments is None:
        segments = max(1, round(math.sqrt(n)))
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
        raise ValueError(
            f"checkpoint_sequential: segments must be a positive int, got {segments!r}"
        )
    segments = min(segments, n)
    base, extra = divmod(n, segments)
    return [base + (1 if k < extra else 0) for k in range(segments)]


def _composed(fns: Sequence[Callable]) -> Callable:
    def run(x):
        for fn in fns:
            x = fn(x)
        return x

    return run


def checkpoint_sequential(fns: Sequence[Callable], segments: Optional[int], x):
    """Apply ``fns`` in turn to ``x``, in ``segments`` checkpointed segments (None: √n).

    With n functions and √n segments the kept graph holds √n segment
    outputs, and the backward pass rebuilds one segment of √n nodes at a
    time: about 2·√n nodes alive instead of n. ``x`` is a Value or a list of
    Values; each function maps it to the next one of the same kind.

    Example (a chain of 100 tanh in 10 segments):
        >>> from autograd_scalar import Value
        >>> x = Value(0.5); y = checkpoint_sequential([Value.tanh] * 100, None, x)
        >>> y.backward(); round(x.grad, 6)
        0.013062
    """
    fns = list(fns)
    if not fns:
        raise ValueError("checkpoint_sequential: fns is empty; give at least one function")
    sizes = _segment_sizes(len(fns), segments)
    start = 0
    for k, size in enumerate(sizes):
        group = fns[start : start + size]
        name = f"segment {k + 1} of {len(sizes)}"
        x = checkpoint(_composed(group), x, name=name)
        start += size
    return x
