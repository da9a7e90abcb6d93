"""Record one example's graph as a Wengert list; replay it over a batch with numpy.

:func:`record` runs ``fn`` once on one example and keeps its graph as a
*tape* (a Wengert list): the nodes v_1, ..., v_N in topological order, each
with its op from the derivative table :mod:`autograd_scalar.ops` and the
indices of its parents. Every leaf is a parameter (one of ``params``, by
identity), an input (built from the example's arguments) or a constant.
Replaying the tape over a batch evaluates each node for all the rows at
once: the forward and the backward through each row's batch forms
(:mod:`autograd_scalar.tape.batch`: by default the table's own forward and
rules, which also accept numpy arrays). So a tape carries no derivative of its own: it is the third
use of the one table, after floats and Values.

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

numpy is imported on first use (``extras.numpy()``):
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

import numbers
import threading
from typing import Callable, Iterable, Optional, Sequence, cast

from .. import extras, ops, traced
from ..engine import Deferred, Value, new_node, topological_order
from ..modes import enable_grad
from ..traced import TapeError
from . import batch

__all__ = ["record", "Tape", "TapeError"]

_DOT = ops.TABLE["dot"]

#: Batch sizes whose buffers a tape keeps (each size gets its own plan).
KEEP_PLANS = 4


# -- recording --------------------------------------------------------------------------


class _Trace:
    """One run of ``fn``: the nodes in topological order and what each leaf is.

    ``ops[i]`` is the table's Op (interior nodes) or ``None`` (leaves);
    ``parents[i]`` a tuple of node indices; ``leaves[i]`` is ``("param", k)``,
    ``("input", arg, element)`` or ``("const", value)`` for leaves.
    """

    def __init__(self, nodes: list, params: Sequence[Value], inputs: dict):
        index = {id(node): i for i, node in enumerate(nodes)}
        param_index = {id(p): k for k, p in enumerate(params)}
        self.labels = [node.label for node in nodes]
        # Exactly one of ops[i], leaves[i] is None, which no element type says.
        self.ops: list = []
        self.parents: list[tuple[int, ...]] = []
        self.leaves: list = []
        for i, node in enumerate(nodes):
            self.parents.append(tuple(index[id(p)] for p in node.parents))
            if node.parents:
                self.ops.append(_table_op(node, i))
                self.leaves.append(None)
            else:
                self.ops.append(None)
                self.leaves.append(
                    ("param", param_index[id(node)])
                    if id(node) in param_index
                    else inputs.get(id(node)) or _constant(node, i)
                )

    def signature(self, i: int) -> tuple:
        """What must agree between two traces at node ``i`` (a constant by its
        repr, so that a nan constant equals itself)."""
        leaf = self.leaves[i]
        if leaf is not None and leaf[0] == "const":
            leaf = ("const", repr(leaf[1]))
        return (self.ops[i], self.parents[i], leaf)


def _table_op(node: Value, i: int) -> ops.Op:
    if isinstance(node.op, Deferred):
        raise TapeError(
            f"node v{i} ({_describe(node)}) is a checkpointed segment: a tape keeps the whole "
            "graph once and replays it, so there is nothing to recompute; call the segment's "
            "function without checkpoint inside fn"
        )
    op = ops.TABLE.get(node.op)
    if op is None or op is not node.op or (op.arity is not None and op.arity != len(node.parents)):
        raise TapeError(
            f"node v{i} ({node.op or 'unnamed op'!s}, {_describe(node)}) was built by hand with "
            "float local_grads: a tape replays only the ops of the derivative table "
            "(ops.TABLE); build it from table ops, or compute it outside fn"
        )
    batch.forms(op)  # an op with no batch form is refused here, by name
    return op


def _constant(node: Value, i: int) -> tuple:
    if traced.is_traced(node.data):
        raise TapeError(
            f"node v{i} is computed from the inputs or parameters under no_grad "
            f"({cast(traced.Traced, node.data).describe()}): the tape would keep the example's number as a "
            "constant for every row; compute it with gradients recorded"
        )
    return ("const", node.data)


def _describe(node: Value) -> str:
    return f"label {node.label!r}" if node.label else f"data {node.data!r}"


def _example_values(example: Sequence, recording: traced.Recording) -> tuple:
    """The arguments as input Values (numbers) or lists of them, whose numbers
    are hidden; {id: ("input", a, e)}; and each argument's length (None: a number)."""
    values: list = []
    inputs: dict[int, tuple] = {}
    shapes: list[Optional[int]] = []
    for a, arg in enumerate(example):
        if _is_number(arg):
            leaf = _input(arg, f"x{a}" if len(example) > 1 else "x", recording)
            inputs[id(leaf)] = ("input", a, None)
            values.append(leaf)
            shapes.append(None)
            continue
        if not isinstance(arg, (list, tuple)) or not all(map(_is_number, arg)):
            raise TapeError(
                f"example argument {a} must be a number or a list of numbers, "
                f"got {type(arg).__name__}: {arg!r}"
            )
        leaves = [_input(v, f"x{a}[{e}]", recording) for e, v in enumerate(arg)]
        inputs.update((id(leaf), ("input", a, e)) for e, leaf in enumerate(leaves))
        values.append(leaves)
        shapes.append(len(arg))
    return tuple(values), inputs, shapes


def _input(number, label: str, recording: traced.Recording) -> Value:
    return new_node(
        traced.hidden(float(number), recording, label=f"input {label}"), (), (), "", label
    )


def _is_number(x) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _trace(fn: Callable, example: Sequence, params: Sequence[Value]) -> tuple:
    """Run ``fn`` on the example with every number hidden: (its trace, the arguments' shapes)."""
    recording = traced.Recording(fn)
    values, inputs, shapes = _example_values(example, recording)
    numbers_of = [p.data for p in params]
    for k, p in enumerate(params):  # a branch on a parameter would freeze its value too
        p.data = traced.hidden(float(p.data), recording, label=f"parameter {p.label or k}")
    try:
        with enable_grad():
            out = fn(*values)
    finally:
        for p, number in zip(params, numbers_of):
            p.data = number
    if not isinstance(out, Value):
        raise TapeError(
            f"fn must return a Value (the loss or output of one example), "
            f"got {type(out).__name__}: {out!r}"
        )
    return _Trace(topological_order(out), params, inputs), shapes


def _compare(first: _Trace, other: _Trace, which: str) -> None:
    """Raise ``TapeError`` at the first node where ``other`` differs from ``first``."""
    for i in range(max(len(first.ops), len(other.ops))):
        if i >= len(first.ops) or i >= len(other.ops):
            raise TapeError(
                f"fn builds another graph for {which}: {len(other.ops)} nodes, not the "
                f"example's {len(first.ops)}; a tape records one path through the program"
            )
        a, b = first.signature(i), other.signature(i)
        if a != b:
            raise TapeError(
                f"fn builds another graph for {which}: node v{i} is {_what(first, i)} for "
                f"the example but {_what(other, i)} there (fn depends on something besides "
                "its arguments' numbers, such as a global or a random draw); a tape "
                "records one path through the program"
            )


def _what(trace: _Trace, i: int) -> str:
    if trace.ops[i] is None:
        kind, *rest = trace.leaves[i]
        return f"{kind} leaf {rest[0]!r}" if kind != "input" else f"input {rest}"
    return f"{trace.ops[i].name}({', '.join(f'v{p}' for p in trace.parents[i])})"


def _checked_params(params: Iterable[Value]) -> list:
    params = list(params)
    for k, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"record: params[{k}] must be a Value, got {type(p).__name__}")
        if p.parents:
            raise TapeError(
                f"record: params[{k}] ({_describe(p)}) is computed from other Values "
                f"(a {p.op} node), not a leaf: a tape differentiates with respect to "
                "leaves, as an optimizer steps them; pass the leaves it is computed from"
            )
    if len({id(p) for p in params}) != len(params):
        raise TapeError("record: params lists a Value twice")
    return params


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
    params = _checked_params(params)
    trace, shapes = _trace(fn, example, params)
    for k, other in enumerate(check):
        _compare(trace, _trace(fn, other, params)[0], f"check example {k} {list(other)!r}")
    return Tape(trace, params, shapes)


# -- the two passes: which nodes run together ------------------------------------------


class _Instruction:
    """Nodes evaluated by one array operation.

    ``kind`` is ``"elementwise"`` (k nodes of one fixed-arity op; ``args[j]``
    lists each node's j-th parent), ``"nary"`` (one ``sum`` or ``dot`` node;
    ``args`` is its parents) or ``"matmul"`` (k ``dot`` nodes grouped:
    ``args`` the m varying inputs they share, ``weights`` a k×m table of the
    invariant partners, ``pairs`` k lists of invariant (a, b) pairs, ``terms``
    each node's (a, b) pairs in its own order, for the exact sum).
    """

    def __init__(
        self,
        kind: str,
        op: ops.Op,
        nodes: list,
        args,
        level: int,
        weights=None,
        pairs=None,
        terms=None,
    ):
        self.kind, self.op, self.nodes, self.args, self.level = kind, op, nodes, args, level
        self.weights, self.pairs, self.terms = weights, pairs, terms


def _levels(trace: _Trace) -> list:
    """Depth of each node: 0 for leaves, 1 + the deepest parent otherwise."""
    level: list[int] = []
    for parents in trace.parents:
        level.append(1 + max(level[p] for p in parents) if parents else 0)
    return level


def _split_dot(parents: tuple, varying: list):
    """A dot's pairs as (weights, varying inputs, invariant pairs), or None.

    Weights may sit in either half; a pair of two varying factors is no
    matrix product, so such a dot is not grouped.
    """
    n = len(parents) // 2
    weights, inputs, pairs = [], [], []
    for a, b in zip(parents[:n], parents[n:]):
        if varying[a] and varying[b]:
            return None
        if varying[a] or varying[b]:
            weight, x = (b, a) if varying[a] else (a, b)
            weights.append(weight)
            inputs.append(x)
        else:
            pairs.append((a, b))
    return weights, tuple(inputs), pairs


def _terms(parents: tuple) -> list:
    """A dot's (w, x) pairs in the order its forward sums them."""
    n = len(parents) // 2
    return list(zip(parents[:n], parents[n:]))


def _group(trace: _Trace, varying: list, level: list, todo: list) -> list:
    """Pass 1: dot nodes reading the same varying inputs, at one depth -> matmul."""
    groups: dict[tuple, list] = {}
    for i in todo:
        if trace.ops[i] is _DOT:
            split = _split_dot(trace.parents[i], varying)
            if split is not None:
                weights, inputs, pairs = split
                groups.setdefault((inputs, len(pairs), level[i]), []).append((i, weights, pairs))
    return [
        _Instruction(
            "matmul",
            _DOT,
            [i for i, _, _ in members],
            list(inputs),
            lvl,
            weights=[w for _, w, _ in members],
            pairs=[p for _, _, p in members],
            terms=[_terms(trace.parents[i]) for i, _, _ in members],
        )
        for (inputs, _, lvl), members in groups.items()
    ]


def _lift(trace: _Trace, varying: list, level: list, todo: list, lift: bool) -> list:
    """Pass 2: nodes of one fixed-arity op at one depth -> one array op (if ``lift``)."""
    units: dict[object, list[int]] = {}
    singles = []
    for i in todo:
        op, parents = trace.ops[i], trace.parents[i]
        if op.arity is None:
            singles.append(_Instruction("nary", op, [i], list(parents), level[i]))
            continue
        key = (op, level[i], varying[i], tuple(varying[p] for p in parents))
        units.setdefault(key if lift else i, []).append(i)
    lifted = []
    for members in units.values():
        i = members[0]
        args = [[trace.parents[m][j] for m in members] for j in range(trace.ops[i].arity)]
        lifted.append(_Instruction("elementwise", trace.ops[i], members, args, level[i]))
    return lifted + singles


def _instructions(trace: _Trace, varying: list, group: bool, lift: bool) -> list:
    """The tape's nodes as instructions, in an order where parents come first."""
    level = _levels(trace)
    todo = [i for i, op in enumerate(trace.ops) if op is not None]
    grouped = _group(trace, varying, level, todo) if group else []
    done = {i for instruction in grouped for i in instruction.nodes}
    rest = [i for i in todo if i not in done]
    instructions = grouped + _lift(trace, varying, level, rest, lift)
    # Same depth means no path between the nodes: any order within a level works.
    return sorted(instructions, key=lambda instruction: instruction.level)


# -- layout: every node is a row of one of two stores ---------------------------------------

VARYING, INVARIANT = 0, 1  # store of the rows that change along the batch, and the others


class _Layout:
    """Row of each node: batch-varying nodes in a (rows × batch) store, the rest
    (parameters, constants, what only they determine) in a (rows × 1) store.

    Inputs come first, one block per example argument; then parameters (in
    ``params`` order) and constants; then each instruction's outputs as one
    contiguous block, so a lifted op reads a layer's rows as a slice.
    """

    def __init__(self, trace: _Trace, varying: list, shapes: list, n_params: int):
        self.store = [VARYING if v else INVARIANT for v in varying]
        self.row = [0] * len(varying)
        self.input_rows, n = [], 0
        for shape in shapes:
            self.input_rows.append(n)
            n += 1 if shape is None else shape
        self.size = [n, n_params]
        self.constants = []
        for i, leaf in enumerate(trace.leaves):
            if leaf is None:
                continue
            if leaf[0] == "input":
                self.row[i] = self.input_rows[leaf[1]] + (leaf[2] or 0)
            elif leaf[0] == "param":
                self.row[i] = leaf[1]
            else:
                self.row[i] = self._allocate(INVARIANT, 1)
                self.constants.append((self.row[i], leaf[1]))

    def _allocate(self, store: int, count: int) -> int:
        start = self.size[store]
        self.size[store] += count
        return start

    def place(self, instruction: _Instruction) -> None:
        """Give the instruction's outputs contiguous rows (lifted members sorted
        by their parents' rows, so they read slices and write one)."""
        if instruction.kind == "elementwise" and len(instruction.nodes) > 1:
            order = sorted(
                range(len(instruction.nodes)),
                key=lambda m: [(self.store[arg[m]], self.row[arg[m]]) for arg in instruction.args],
            )
            instruction.nodes = [instruction.nodes[m] for m in order]
            instruction.args = [[arg[m] for m in order] for arg in instruction.args]
        store = self.store[instruction.nodes[0]]
        start = self._allocate(store, len(instruction.nodes))
        for k, node in enumerate(instruction.nodes):
            self.row[node] = start + k

    def rows(self, nodes: list):
        """(store, rows) of nodes in one store: a slice when contiguous, else an index array."""
        store, rows = self.store[nodes[0]], [self.row[n] for n in nodes]
        if rows == list(range(rows[0], rows[0] + len(rows))):
            return store, slice(rows[0], rows[0] + len(rows))
        return store, _np().array(rows)


def _np():
    return extras.numpy()  # imported on first use: the scalar engine never needs it


# -- binding instructions to a batch size's buffers -------------------------------------------


def _reader(plan: "_Plan", store: int, rows) -> Callable:
    """A function returning the rows' current values (a view of a slice, a copy of a gather)."""
    values = plan.values[store]
    if isinstance(rows, slice):
        view = values[rows]
        return lambda: view
    return lambda: values[rows]


def _writer(plan: "_Plan", store: int, rows, reduce: bool) -> Callable:
    """A function adding a contribution to the rows' adjoints.

    Instructions are bound in backward order, so the first writer of
    batch-varying rows is known: it assigns instead of adding, and those rows
    need no zeroing (a pass over memory saved; ``into`` is then the view to
    compute into). ``reduce`` sums a (rows × batch) contribution over the
    batch, for the invariant store. Repeated rows need ``numpy.add.at``:
    ``a[i] += c`` applies only one of the contributions to a repeated index.
    """
    np, adjoint = plan.np, plan.adjoints[store]
    listed = list(range(rows.start, rows.stop)) if isinstance(rows, slice) else rows.tolist()
    unique = len(set(listed)) == len(listed)
    assign = store == VARYING and unique and plan.written.isdisjoint(listed)
    if store == VARYING:
        if not assign:
            plan.unwritten.extend(set(listed) - plan.written)
        plan.written.update(listed)
    view = adjoint[rows] if isinstance(rows, slice) else None
    if assign:

        def add(c):
            adjoint[rows] = c
    elif view is not None:

        def add(c):
            np.add(view, c, out=view)
    elif not unique:

        def add(c):
            np.add.at(adjoint, rows, c)
    else:

        def add(c):
            adjoint[rows] += c

    if not reduce:
        add.into = view if assign else None  # type: ignore[attr-defined]  # read by the binders
        return add

    def add_over_batch(c):
        add(c.sum(axis=1, keepdims=True))

    add_over_batch.into = None  # type: ignore[attr-defined]  # read by the binders
    return add_over_batch


def _bind_elementwise(
    instruction: _Instruction, plan: "_Plan", layout: _Layout, needed: list
) -> tuple:
    np, op = plan.np, instruction.op
    store, out_rows = layout.rows(instruction.nodes)
    out, g = plan.values[store][out_rows], plan.adjoints[store][out_rows]
    readers, writers = [], []
    for arg in instruction.args:
        arg_store, rows = layout.rows(arg)
        readers.append(_reader(plan, arg_store, rows))
        writers.append(
            _writer(plan, arg_store, rows, arg_store != store)
            if any(needed[p] for p in arg)
            else None
        )
    forms = batch.forms(op)  # the table's batch forms of the op
    forward_op, rules, masks = forms.forward, forms.rules, forms.masks
    constants = op.constant_local_grads

    def forward():
        out[...] = forward_op(*[read() for read in readers])

    def backward():
        args = [read() for read in readers]
        for j, write in enumerate(writers):
            if write is None:
                continue
            local = constants[j] if constants else rules[j](out, *args)
            contribution = np.multiply(local, g, out=write.into)
            if masks[j] is not None and _nonfinite(np.add.reduce(contribution, axis=None)):
                # Where the table masks (relu at x <= 0, x ** y in x at y = 0), nothing
                # passes, not even an inf or nan adjoint (0·inf would be nan): as backward().
                # The rule gives 0 there, so only a non-finite contribution can differ:
                # one sum tests it (the mask costs two passes more).
                np.copyto(contribution, 0.0, where=masks[j](out, *args))
            if write.into is None:
                write(contribution)

    return forward, (backward if any(writers) else None)


def _bind_nary(instruction: _Instruction, plan: "_Plan", layout: _Layout, needed: list) -> tuple:
    np, op, parents = plan.np, instruction.op, instruction.args
    store, out_rows = layout.rows(instruction.nodes)
    out, g = plan.values[store][out_rows], plan.adjoints[store][out_rows]
    parts = [[k for k, p in enumerate(parents) if layout.store[p] == s] for s in (0, 1)]
    if len(set(layout.store[p] for p in parents)) == 1:
        read = _reader(plan, layout.store[parents[0]], layout.rows(parents)[1])
    else:  # parents in both stores: stack them into one buffer, invariant rows broadcast
        stacked = np.empty((len(parents), out.shape[1]))
        sources = [
            (parts[s], _reader(plan, s, layout.rows([parents[k] for k in parts[s]])[1]))
            for s in (0, 1)
        ]

        def read():
            for positions, source in sources:
                stacked[positions] = source()
            return stacked

    writers = [
        (positions, _writer(plan, s, layout.rows([parents[k] for k in positions])[1], s != store))
        for s, positions in enumerate(parts)
        if positions and any(needed[parents[k]] for k in positions)
    ]

    forms = batch.forms(op)

    def forward():
        out[...] = forms.forward(read())

    def backward():
        partials = forms.partials(out[0], read())
        if set(map(type, partials)) <= _FLOAT:
            local = np.array(partials)[:, None]
        else:
            local = np.stack(np.broadcast_arrays(*partials, g[0])[:-1])
        contribution = local * g
        for positions, write in writers:
            write(contribution[positions])

    return forward, (backward if writers else None)


_FLOAT = frozenset([float])


def _nonfinite(total) -> bool:
    """Whether a sum is inf or nan (then some term is, or the sum overflowed)."""
    return bool(total - total != 0.0)


def _bind_matmul(instruction: _Instruction, plan: "_Plan", layout: _Layout, needed: list) -> tuple:
    """k dot nodes sharing their m varying inputs X: out = W·X + b, backward
    dW = D·Xᵀ, dX = Wᵀ·D, db from D summed over the batch (the D^l recursion).
    Without varying inputs (an invariant dot such as p·p) only b remains."""
    np, xs = plan.np, instruction.args
    store, out_rows = layout.rows(instruction.nodes)
    out, g = plan.values[store][out_rows], plan.adjoints[store][out_rows]
    read_x = _reader(plan, VARYING, layout.rows(xs)[1]) if xs else None
    write_x = (
        _writer(plan, VARYING, layout.rows(xs)[1], False) if any(needed[x] for x in xs) else None
    )
    tables = [instruction.weights] + [
        [[pair[side] for pair in row] for row in instruction.pairs] for side in (0, 1)
    ]
    tables = [
        (
            np.array([[layout.row[n] for n in row] for row in table], dtype=int),
            any(needed[n] for row in table for n in row),
        )
        for table in tables
    ]
    read_w, read_a, read_b = [_table_reader(plan, rows) for rows, _ in tables]
    write_w, write_a, write_b = [_scatter(plan, rows) if use else None for rows, use in tables]
    has_pairs = tables[1][0].size > 0
    gathered = {}  # this call's W and X, read by the forward, reused by the backward

    exact = _exact_dots(instruction, plan, layout, out)

    def forward():
        if read_x is None:
            out.fill(0.0)
        else:
            gathered["w"], gathered["x"] = read_w(), read_x()
            np.matmul(gathered["w"], gathered["x"], out=out)
        if has_pairs:
            np.add(out, (read_a() * read_b()).sum(axis=1, keepdims=True), out=out)
        if _nonfinite(np.add.reduce(out, axis=None)):
            exact()  # an inf or nan may depend on the order of the sum (and on BLAS's fma)

    def backward():
        if read_x is not None:
            # The table's dot partials, ∂/∂w = x and ∂/∂x = w, contracted with D.
            by_w, by_x = _DOT.partials(out, (gathered["w"], gathered["x"]))
            if write_w is not None:
                write_w(g @ by_w.T)
            if write_x is not None and write_x.into is not None:
                np.matmul(by_x.T, g, out=write_x.into)
            elif write_x is not None:
                write_x(by_x.T @ g)
        if has_pairs and (write_a or write_b):
            d = g.sum(axis=1, keepdims=True)
            by_a, by_b = _DOT.partials(None, (read_a(), read_b()))
            for write, by in ((write_a, by_a), (write_b, by_b)):
                if write is not None:
                    write(by * d)

    writes = (write_w, write_x, write_a, write_b)
    return forward, (backward if any(write is not None for write in writes) else None)


def _exact_dots(instruction: _Instruction, plan: "_Plan", layout: _Layout, out) -> Callable:
    """Recompute the grouped dots term by term, in each node's own order, as the
    table's forward sums them: where a sum overflows, inf + (-inf) = nan or not
    depends on that order."""
    values = [
        [(_row_of(plan, layout, a), _row_of(plan, layout, b)) for a, b in node_terms]
        for node_terms in instruction.terms
    ]

    def exact():
        for k, pairs in enumerate(values):
            total = 0.0
            for a, b in pairs:
                total = total + a * b
            out[k] = total

    return exact


def _row_of(plan: "_Plan", layout: _Layout, node: int):
    return plan.values[layout.store[node]][layout.row[node]]


def _regular_view(array, rows):
    """``array[rows]`` as a strided view when the index table is regular
    (row r, column c at start + r·step_r + c·step_c, as a layer's weights are
    laid out), else ``None``: a view costs no gather and no scatter."""
    np = _np()
    k, m = rows.shape
    if rows.size == 0:
        return None
    start = int(rows[0, 0])
    step_r = int(rows[1, 0] - start) if k > 1 else 0
    step_c = int(rows[0, 1] - start) if m > 1 else 0
    expected = start + step_r * np.arange(k)[:, None] + step_c * np.arange(m)[None, :]
    if step_r < 0 or step_c < 0 or not np.array_equal(rows, expected):
        return None
    size = array.strides[0]
    return np.lib.stride_tricks.as_strided(
        array[start:], shape=(k, m), strides=(step_r * size, step_c * size)
    )


def _table_reader(plan: "_Plan", rows) -> Callable:
    """A function returning the invariant values at a table of rows."""
    column = plan.values[INVARIANT][:, 0]
    view = _regular_view(column, rows)
    if view is not None:
        return lambda: view
    return lambda: column[rows]


def _scatter(plan: "_Plan", rows) -> Callable:
    """Adds a table of contributions onto invariant rows (a row may repeat: add.at)."""
    np, adjoint = plan.np, plan.adjoints[INVARIANT][:, 0]
    if len(set(rows.ravel().tolist())) < rows.size:
        return lambda c: np.add.at(adjoint, rows, c)
    view = _regular_view(adjoint, rows)
    if view is not None:
        return lambda c: np.add(view, c, out=view)

    def add(c):
        adjoint[rows] += c

    return add


_BIND = {"elementwise": _bind_elementwise, "nary": _bind_nary, "matmul": _bind_matmul}


class _Plan:
    """A tape's buffers for one batch size, allocated once and reused by every
    call, and its instructions bound to them as (forward, backward) closures."""

    def __init__(self, tape: "Tape", batch: int):
        np = self.np = _np()
        layout = tape._layout
        self.batch = batch
        self.values = [
            np.zeros((layout.size[VARYING], batch)),
            np.zeros((layout.size[INVARIANT], 1)),
        ]
        self.adjoints = [np.zeros_like(self.values[VARYING]), np.zeros_like(self.values[INVARIANT])]
        for row, value in layout.constants:
            self.values[INVARIANT][row, 0] = value
        self.written: set[int] = set()
        self.unwritten: list[int] = []  # rows that backward must zero, found while binding
        # An instruction binds a backward (None: no argument needs a gradient) only
        # with the writers it runs at every call, so no adjoint row goes stale.
        backward_order = [
            _BIND[instruction.kind](instruction, self, layout, tape._needed)
            for instruction in reversed(tape._instructions)
        ]  # see _writer
        self.steps: list[tuple[Callable, Callable]] = backward_order[::-1]
        self.zero_rows = np.array(sorted(self.unwritten), dtype=int)


# -- the tape ---------------------------------------------------------------------------


class Tape:
    """A recorded graph, replayed over batches (made by :func:`record`).

    Attributes:
        params: the parameters, in the order of gradients.
        instructions: how many array operations one forward pass runs.
    """

    def __init__(
        self, trace: _Trace, params: list, shapes: list, group: bool = True, lift: bool = True
    ):
        self.params = params
        self._trace = trace
        varying: list[bool] = []
        needed: list[bool] = []
        for leaf, parents in zip(trace.leaves, trace.parents):
            varying.append(leaf[0] == "input" if leaf else any(varying[p] for p in parents))
            needed.append(leaf[0] == "param" if leaf else any(needed[p] for p in parents))
        self._varying, self._needed = varying, needed
        self._shapes: list[Optional[int]] = shapes  # each argument's length; None: a number
        self._layout = _Layout(trace, varying, self._shapes, len(params))
        self._instructions = _instructions(trace, varying, group, lift)
        for instruction in self._instructions:
            self._layout.place(instruction)
        self._plans: dict[int, _Plan] = {}
        self._running = threading.Lock()  # a plan's buffers serve one call at a time
        self.instructions = len(self._instructions)

    def passes(self, group: bool = True, lift: bool = True) -> "Tape":
        """The same tape with the grouping and lifting passes switched on or off.

        Every combination computes the same values and gradients; the passes
        only change how many array operations do it (``instructions``).
        """
        return Tape(self._trace, self.params, self._shapes, group, lift)

    def wengert_list(self) -> list:
        """The recorded nodes in topological order, for exporters: one
        ``(op, parents, leaf, label)`` per node.

        ``op`` is the table's Op (``None`` for a leaf), ``parents`` the node
        indices it reads; ``leaf`` is ``None`` for an op, else ``("param", k)``,
        ``("input", argument, element)`` (element ``None`` for a number
        argument) or ``("const", value)``. The last node is the output.
        """
        trace = self._trace
        return list(zip(trace.ops, trace.parents, trace.leaves, trace.labels))

    @property
    def arguments(self) -> list:
        """Per argument of the example: ``None`` for a number, the length of a list."""
        return list(self._shapes)

    def to_torch(self):
        """The program as a ``torch.nn.Module`` computing it with torch ops over a batch.

        See :func:`autograd_scalar.tape.torch_export.to_torch` (needs the
        ``[torch]`` extra).
        """
        from . import torch_export

        return torch_export.to_torch(self)

    def to_onnx(self, path):
        """Write the program as an ONNX model (float64) to ``path``; returns the path.

        See :func:`autograd_scalar.tape.onnx_export.to_onnx` (needs the
        ``[onnx]`` extra).
        """
        from . import onnx_export

        return onnx_export.to_onnx(self, path)

    def to_text(self) -> str:
        """The Wengert list in v-notation, groups shown as the matrix products they became.

        Leaves first (parameters, inputs, constants; summarised when there are
        many), then one line per instruction in the order they run.
        """
        trace, lines = self._trace, []
        leaves = [i for i, leaf in enumerate(trace.leaves) if leaf]
        if len(leaves) <= 12:
            lines += [f"v{i} = {self._leaf_text(i)}" for i in leaves]
        else:
            for kind in ("param", "input", "const"):
                nodes = [i for i in leaves if trace.leaves[i][0] == kind]
                if nodes:
                    lines.append(f"{_KINDS[kind]}: {_names(nodes)} ({len(nodes)})")
        lines += [_instruction_text(instruction, trace) for instruction in self._instructions]
        lines.append(
            f"output: v{len(trace.ops) - 1} ({len(trace.ops) - len(leaves)} nodes on "
            f"the tape, {self.instructions} instructions)"
        )
        return "\n".join(lines)

    def _leaf_text(self, i: int) -> str:
        kind, *where = self._trace.leaves[i]
        label = self._trace.labels[i]
        if kind == "const":
            return f"{where[0]!r}  (constant)"
        if kind == "param":
            return f"{label or 'p'}  (parameter {where[0]})"
        return f"{label}  (input {where[0]}{'' if where[1] is None else f', element {where[1]}'})"

    # -- running ------------------------------------------------------------------------

    def forward(self, *batch):
        """The output of every example of the batch, as a numpy array.

        Each argument has a leading batch axis: a sequence of numbers for a
        number argument of the example, a (batch × m) array or list of lists
        for a list argument of length m.
        """
        with self._running:
            plan = self._run_forward(batch)
            store, row = self._layout.store[-1], self._layout.row[-1]
            return plan.np.broadcast_to(plan.values[store][row], (plan.batch,)).copy()

    def value_and_grad(self, *batch) -> tuple:
        """``(mean of the output over the batch, [∂mean/∂p for p in params])``."""
        with self._running:
            plan = self._run_forward(batch)
            store, row = self._layout.store[-1], self._layout.row[-1]
            plan.adjoints[VARYING][plan.zero_rows] = 0.0  # the other rows are assigned first
            plan.adjoints[INVARIANT].fill(0.0)
            plan.adjoints[store][row] = 1.0 / plan.batch if store == VARYING else 1.0
            with plan.np.errstate(all="ignore"):  # no warnings, as in the forward
                loss = float(plan.values[store][row].mean())
                for _, backward in reversed(plan.steps):
                    if backward is not None:
                        backward()
            return loss, plan.adjoints[INVARIANT][: len(self.params), 0].tolist()

    def backward(self, *batch) -> float:
        """Add the batch-mean gradient to each parameter's ``grad``; the mean loss.

        ``optim.SGD`` and ``optim.Adam`` then step as after ``loss.backward()``.
        """
        loss, grads = self.value_and_grad(*batch)
        for p, g in zip(self.params, grads):
            p.grad += g
        return loss

    def _run_forward(self, batch: tuple) -> _Plan:
        plan = self._stage(batch)
        np = plan.np
        plan.values[INVARIANT][: len(self.params), 0] = [p.data for p in self.params]
        with np.errstate(all="ignore"):  # IEEE float64, as Python floats; domain errors raise
            for k, (forward, _) in enumerate(plan.steps):
                try:
                    forward()
                except (ArithmeticError, ValueError) as error:
                    raise self._located(error, self._instructions[k]) from None
        return plan

    def _stage(self, batch: tuple) -> _Plan:
        """Check the batch's shapes and copy it into the input rows of its plan."""
        if len(batch) != len(self._shapes):
            raise TapeError(
                f"the tape takes {len(self._shapes)} batch arguments "
                f"(one per argument of the example), got {len(batch)}"
            )
        arrays = [
            _batch_array(arg, a, shape) for a, (arg, shape) in enumerate(zip(batch, self._shapes))
        ]
        sizes = {array.shape[0] for array in arrays}
        if len(sizes) > 1:
            raise TapeError(f"batch arguments have different lengths {sorted(sizes)}")
        size = sizes.pop() if sizes else 1
        if size == 0:
            raise TapeError("empty batch: the mean over no examples is undefined")
        plan = self._plan(size)
        for array, start in zip(arrays, self._layout.input_rows):
            plan.values[VARYING][start : start + (1 if array.ndim == 1 else array.shape[1])] = (
                array.reshape(size, -1).T
            )
        return plan

    def _plan(self, size: int) -> _Plan:
        plan = self._plans.pop(size, None) or _Plan(self, size)
        self._plans[size] = plan  # most recently used last
        if len(self._plans) > KEEP_PLANS:
            del self._plans[next(iter(self._plans))]
        return plan

    def _located(self, error: Exception, instruction: _Instruction) -> Exception:
        """The error of an array op, naming the tape node and the batch row."""
        index = getattr(error, "batch_index", None)
        if index is None:
            return error
        node = instruction.nodes[index[0]] if len(index) > 1 else instruction.nodes[0]
        where = (
            f"batch row {index[-1]}"
            if self._varying[node]
            else "from the parameters and constants alone"
        )
        formula = instruction.op.formula([f"v{p}" for p in self._trace.parents[node]])
        located = type(error)(f"{error} (tape node v{node} = {formula}, {where})")
        located.batch_index = index  # type: ignore[attr-defined]  # as tape.batch sets it
        return located


def _batch_array(arg, a: int, shape: Optional[int]):
    """Batch argument ``a`` as a float array of shape (batch,) or (batch, shape)."""
    np = _np()
    try:
        with np.errstate(all="ignore"):
            array = np.asarray(arg, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise TapeError(f"batch argument {a} is not an array of numbers") from None
    want = array.shape[:1] + (() if shape is None else (shape,))
    if array.ndim == 0 or array.shape != want:
        raise TapeError(
            f"batch argument {a} must have shape (batch,"
            f"{'' if shape is None else f' {shape}'}) like the example's "
            f"argument, got shape {array.shape}"
        )
    if not (isinstance(arg, np.ndarray) and arg.dtype.kind == "f") and np.isnan(array).any():
        _no_none(arg, a)  # numpy reads None as nan: only a nan may come from a None
    return array


def _no_none(arg, a: int) -> None:
    """Raise ``TapeError`` naming the first row of batch argument ``a`` that holds a None."""
    for r, row in enumerate(arg):
        cells = list(row) if isinstance(row, (list, tuple, _np().ndarray)) else [row]
        if any(cell is None for cell in cells):
            raise TapeError(
                f"batch argument {a}, row {r} holds None ({row!r}): give a number "
                "(float('nan') if the value is missing on purpose)"
            )


_KINDS = {"param": "parameters", "input": "inputs", "const": "constants"}


def _names(nodes: Sequence[int]) -> str:
    """``v3, v4, v5`` or, for many nodes, ``v3, v4, …, v40``."""
    names = [f"v{i}" for i in nodes]
    return ", ".join(names if len(names) <= 4 else names[:2] + ["…", names[-1]])


def _instruction_text(instruction: _Instruction, trace: _Trace) -> str:
    """One instruction in v-notation: a node, a lifted op over rows, or W·x + b."""
    nodes, op = instruction.nodes, instruction.op
    if instruction.kind == "matmul" and instruction.args:
        k, m = len(nodes), len(instruction.args)
        bias = " + b" if instruction.pairs[0] else ""
        return (
            f"[{_names(nodes)}] = W·[{_names(instruction.args)}]{bias}   ({k} dot "
            f"node{'s' * (k > 1)} as one matrix product; W is {k}×{m}, its first row "
            f"[{_names(instruction.weights[0])}]{'; b from the constant pairs' * bool(bias)})"
        )
    if instruction.kind != "elementwise" or len(nodes) == 1:
        return f"v{nodes[0]} = {op.formula([f'v{p}' for p in trace.parents[nodes[0]]])}"
    rows = op.formula([f"[{_names(arg)}]" for arg in instruction.args])
    return f"[{_names(nodes)}] = {rows}   ({len(nodes)} {op.name} nodes as one array op)"
