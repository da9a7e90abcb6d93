"""A recorded graph as data for live pages, which recompute it in the browser.

A live page lets a reader edit the inputs of an expression and watch every
value and gradient change. The browser re-runs the forward pass in
topological order and then the backward rule v̄_N = 1,
v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j, using each op's JavaScript forward and rules from
the derivative table (``web/ops.js``). This module gives it the graph: per
node its op, its parents (as positions in the topological order), its
recorded value and its kind (input, constant, or computed).

A node built by hand (``Value(..., parents=..., local_grads=..., op="cube")``)
has no rule to re-run: such nodes are listed in ``blocked``, and a page with
any of them stays static.
"""

from __future__ import annotations

from typing import Sequence

from .. import ops
from ..engine import CONST, Value

__all__ = ["live_graph"]


def _kind(node: Value) -> str:
    if node.parents:
        return ""
    return "const" if node.op == CONST else "input"


def live_graph(order: Sequence[Value]) -> dict:
    """``{"nodes": [...], "blocked": [...]}`` for the nodes ``order`` (topological).

    Each node is ``{"op", "parents", "data", "kind"}``; ``blocked`` holds the
    positions of nodes whose op is not from the derivative table.

    Example:
        >>> from autograd_scalar import Value, topological_order
        >>> a = Value(2.0, label="a"); y = (a * 3).tanh()
        >>> graph = live_graph(topological_order(y))
        >>> [(n["op"], n["parents"], n["kind"]) for n in graph["nodes"]]
        [('', [], 'input'), ('const', [], 'const'), ('mul', [0, 1], ''), ('tanh', [2], '')]
        >>> graph["blocked"]
        []
    """
    index = {node: k for k, node in enumerate(order)}
    nodes = [
        {
            "op": str(node.op),
            "parents": [index[p] for p in node.parents],
            "data": node.data,
            "kind": _kind(node),
        }
        for node in order
    ]
    blocked = [
        k for k, node in enumerate(order) if node.parents and not isinstance(node.op, ops.Op)
    ]
    return {"nodes": nodes, "blocked": blocked}
