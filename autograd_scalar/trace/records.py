"""The trace page's records: their schema, written once here and carried by the page.

A trace page (:mod:`autograd_scalar.trace.page`) holds one small record per
graph node and per step of the backward pass, and its scripts
(``web/trace.js``, ``trace_live.js``, ``practice.js``, ``share.js``) read
them. The records stay positional arrays, so a page grows by the numbers and
words of a step, not by field names; the names are written once, in the
tuples below, and the page carries them as ``data.fields``. The scripts turn
them into positions (``agsData.fields`` in ``web/data.js``) and read every field
by its name: ``node[F.node.name]``, never ``node[2]``.

The fields, in order:

- a **node** (one per value, in topological order): ``id``, its group's
  element id in the drawing; ``op_id``, its operation's ("" for a leaf);
  ``name``; ``forward``, its forward line (``c = a + b = 5``); ``step``, the
  backward step that finds its v̄ (-1 if none); ``derivative``, the name as
  it reads after ∂ and Δ (``(exp(x)*0 + y)``), written only where it differs
  from ``name``.
- a **step** (one per node of the backward pass, output first): ``node``, the
  node's position among the nodes; ``grad``, its v̄; ``equation``,
  v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j in names and numbers; ``terms``, a term record
  per child v_j; ``edges``, the element id of each term's edge.
- a **term**: ``consumer``, the child's position; ``local``, ∂v_j/∂v_i;
  ``rule``, the derivative table's rule for it; ``consumer_grad``, v̄_j;
  ``product``, their product.
- a **forward** line of a live page: ``before`` and ``after``, the text
  around the value (``ForwardStep.parts``).

Example:
    >>> record(TERM, consumer=3, local="1", rule="d(x+y)/dx = 1", consumer_grad="2", product="2")
    [3, '1', 'd(x+y)/dx = 1', '2', '2']
    >>> record(NODE, id="v1", op_id="", name="a", forward="a = 2  (input)", step=5, derivative=None)
    ['v1', '', 'a', 'a = 2  (input)', 5]
"""

from __future__ import annotations

__all__ = ["NODE", "STEP", "TERM", "FORWARD", "SCHEMA", "record"]

NODE = ("id", "op_id", "name", "forward", "step", "derivative")
STEP = ("node", "grad", "equation", "terms", "edges")
TERM = ("consumer", "local", "rule", "consumer_grad", "product")
FORWARD = ("before", "after")

#: Every record kind by the name the page's ``data.fields`` gives it.
SCHEMA = {"node": NODE, "step": STEP, "term": TERM, "forward": FORWARD}


def record(fields: tuple, **values) -> list:
    """The record of ``values`` (one per field name) in the order of ``fields``.

    Trailing fields whose value is ``None`` are left out (a reader finds
    ``undefined`` there); a missing or unknown field name is a ``TypeError``.
    """
    if set(values) != set(fields):
        missing, unknown = set(fields) - set(values), set(values) - set(fields)
        raise TypeError(f"record: missing {sorted(missing)}, unknown {sorted(unknown)}")
    row = [values[name] for name in fields]
    while row and row[-1] is None:
        row.pop()
    return row
