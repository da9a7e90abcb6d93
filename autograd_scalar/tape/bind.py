"""Stage 4 of the tape compiler, code generation: instructions bound to a batch size's buffers.

A :class:`Plan` allocates the two stores' values and adjoints for one batch
size and binds each instruction to them as a (forward, backward) pair of
closures that run the table's forward functions and rules over numpy
arrays, the grouped dots as matrix products (the D^l recursion).
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional, Sequence, cast

from .layout import INVARIANT, VARYING, Layout, Store
from .passes import Elementwise, Instruction, MatMul, Nary
from .table import DOT, batch_form, numpy_module

#: The table's dot over arrays: ∂/∂w = x and ∂/∂x = w, for the grouped products.
_DOT_PARTIALS = batch_form(DOT).partials


class Writer(NamedTuple):
    """How a binder adds a contribution to some rows' adjoints.

    ``add(contribution)`` adds it. ``into`` is the view of those rows when the
    writer is their first (it assigns, so a binder may compute the
    contribution straight into ``into`` and skip ``add``), else ``None``.
    """

    add: Callable
    into: Optional[object] = None


class Step(NamedTuple):
    """One instruction bound to a plan's buffers (``backward`` None: no
    argument needs a gradient)."""

    forward: Callable
    backward: Optional[Callable]


def _reader(plan: "Plan", store: Store, rows) -> Callable:
    """A function returning the rows' current values (a view of a slice, a copy of a gather)."""
    values = plan.values[store]
    if isinstance(rows, slice):
        view = values[rows]
        return lambda: view
    return lambda: values[rows]


def _writer(plan: "Plan", store: Store, rows, reduce: bool) -> Writer:
    """A :class:`Writer` of the rows' adjoints.

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
        return Writer(add, view if assign else None)

    def add_over_batch(c):
        add(c.sum(axis=1, keepdims=True))

    return Writer(add_over_batch)


def _bind_elementwise(instruction: Elementwise, plan: "Plan", layout: Layout, needed: list) -> Step:
    """k nodes of one op over their rows: out = forward(*args); backward, each
    argument's adjoint gets rule_j(out, *args)·g (nothing where the table masks)."""
    np, op = plan.np, batch_form(instruction.op)
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
    forward_op, rules, constants, masks = op.forward, op.rules, op.constant_local_grads, op.masks

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
                write.add(contribution)

    return Step(forward, backward if any(writers) else None)


def _bind_nary(instruction: Nary, plan: "Plan", layout: Layout, needed: list) -> Step:
    """One ``sum`` or ``dot`` node over its parents stacked in one array; backward,
    each parent's adjoint gets its partial·g."""
    np, op, parents = plan.np, batch_form(instruction.op), instruction.args
    store, out_rows = layout.rows(instruction.nodes)
    out, g = plan.values[store][out_rows], plan.adjoints[store][out_rows]
    parts = [[k for k, p in enumerate(parents) if layout.store[p] == s] for s in Store]
    if len(set(layout.store[p] for p in parents)) == 1:
        read = _reader(plan, layout.store[parents[0]], layout.rows(parents)[1])
    else:  # parents in both stores: stack them into one buffer, invariant rows broadcast
        stacked = np.empty((len(parents), out.shape[1]))
        sources = [
            (parts[s], _reader(plan, s, layout.rows([parents[k] for k in parts[s]])[1]))
            for s in Store
        ]

        def read():
            for positions, source in sources:
                stacked[positions] = source()
            return stacked

    writers = [
        (
            positions,
            _writer(plan, Store(s), layout.rows([parents[k] for k in positions])[1], s != store),
        )
        for s, positions in enumerate(parts)
        if positions and any(needed[parents[k]] for k in positions)
    ]

    forward_op, partial_derivatives = op.forward, cast(Callable, op.partials)

    def forward():
        out[...] = forward_op(read())

    def backward():
        partials = partial_derivatives(out[0], read())
        if set(map(type, partials)) <= _FLOAT:
            local = np.array(partials)[:, None]
        else:
            local = np.stack(np.broadcast_arrays(*partials, g[0])[:-1])
        contribution = local * g
        for positions, write in writers:
            write.add(contribution[positions])

    return Step(forward, backward if writers else None)


_FLOAT = frozenset([float])


def _nonfinite(total) -> bool:
    """Whether a sum is inf or nan (then some term is, or the sum overflowed)."""
    return bool(total - total != 0.0)


def _bind_matmul(instruction: MatMul, plan: "Plan", layout: Layout, needed: list) -> Step:
    """k dot nodes sharing their m varying inputs X: out = W·X + b, backward
    dW = D·Xᵀ, dX = Wᵀ·D, db from D summed over the batch (the D^l recursion).
    Without varying inputs (an invariant dot such as p·p) only b remains."""
    np, xs = plan.np, instruction.inputs
    store, out_rows = layout.rows(instruction.nodes)
    out, g = plan.values[store][out_rows], plan.adjoints[store][out_rows]
    read_x = _reader(plan, VARYING, layout.rows(xs)[1]) if xs else None
    write_x = (
        _writer(plan, VARYING, layout.rows(xs)[1], False) if any(needed[x] for x in xs) else None
    )
    node_tables = [instruction.weights] + [
        [[pair[side] for pair in row] for row in instruction.pairs] for side in (0, 1)
    ]
    tables = [
        (
            np.array([[layout.row[n] for n in row] for row in table], dtype=int),
            any(needed[n] for row in table for n in row),
        )
        for table in node_tables
    ]
    read_w, read_a, read_b = [_table_reader(plan, rows) for rows, _ in tables]
    write_w, write_a, write_b = [_scatter(plan, rows) if use else None for rows, use in tables]
    has_pairs = tables[1][0].size > 0
    gathered: dict = {}  # this call's W and X, read by the forward, reused by the backward

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
            by_w, by_x = _DOT_PARTIALS(out, (gathered["w"], gathered["x"]))
            if write_w is not None:
                write_w.add(g @ by_w.T)
            if write_x is not None and write_x.into is not None:
                np.matmul(by_x.T, g, out=write_x.into)
            elif write_x is not None:
                write_x.add(by_x.T @ g)
        if has_pairs and (write_a or write_b):
            d = g.sum(axis=1, keepdims=True)
            by_a, by_b = _DOT_PARTIALS(None, (read_a(), read_b()))
            for write, by in ((write_a, by_a), (write_b, by_b)):
                if write is not None:
                    write.add(by * d)

    writes = (write_w, write_x, write_a, write_b)
    return Step(forward, backward if any(write is not None for write in writes) else None)


def _exact_dots(instruction: MatMul, plan: "Plan", layout: Layout, out) -> Callable:
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


def _row_of(plan: "Plan", layout: Layout, node: int):
    return plan.values[layout.store[node]][layout.row[node]]


def _regular_view(array, rows):
    """``array[rows]`` as a strided view when the index table is regular
    (row r, column c at start + r·step_r + c·step_c, as a layer's weights are
    laid out), else ``None``: a view costs no gather and no scatter."""
    np = numpy_module()
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


def _table_reader(plan: "Plan", rows) -> Callable:
    """A function returning the invariant values at a table of rows."""
    column = plan.values[INVARIANT][:, 0]
    view = _regular_view(column, rows)
    if view is not None:
        return lambda: view
    return lambda: column[rows]


def _scatter(plan: "Plan", rows) -> Writer:
    """A :class:`Writer` adding a table of contributions onto invariant rows
    (a row may repeat: add.at)."""
    np, adjoint = plan.np, plan.adjoints[INVARIANT][:, 0]
    if len(set(rows.ravel().tolist())) < rows.size:
        return Writer(lambda c: np.add.at(adjoint, rows, c))
    view = _regular_view(adjoint, rows)
    if view is not None:
        return Writer(lambda c: np.add(view, c, out=view))

    def add(c):
        adjoint[rows] += c

    return Writer(add)


_BINDERS: dict[type, Callable[..., Step]] = {
    Elementwise: _bind_elementwise,
    Nary: _bind_nary,
    MatMul: _bind_matmul,
}


class Plan:
    """A tape's buffers for one batch size, allocated once and reused by every
    call, and its instructions bound to them as :class:`Step` closures.

    ``values[store]`` and ``adjoints[store]`` are the two stores' buffers
    (:class:`~autograd_scalar.tape.layout.Store`); ``zero_rows`` the varying
    adjoint rows a backward pass zeroes first (the others are assigned first).
    """

    def __init__(
        self, layout: Layout, instructions: Sequence[Instruction], needed: list, batch: int
    ):
        np = self.np = numpy_module()
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
            _BINDERS[type(instruction)](instruction, self, layout, needed)
            for instruction in reversed(instructions)
        ]  # see _writer
        self.steps: list[Step] = backward_order[::-1]
        self.zero_rows = np.array(sorted(self.unwritten), dtype=int)
