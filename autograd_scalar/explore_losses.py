"""The explorer's losses as small programs its page runs, traced once from :mod:`autograd_scalar.nn.losses`.

The page trains in the browser with the derivative table's JavaScript
(``web/ops.js``). Its loss must be Python's loss, not a second copy of the
formulas, so each loss here is *traced*: the real function of
:mod:`autograd_scalar.nn.losses` is called on one point whose outputs and
label are leaves, and its graph is written out as a list of nodes in
topological order. The page replays that list per point with each op's
forward and local derivatives from the table, then takes the batch mean as
``_mean`` does: ``sum(terms) * (1/n)``.

A node is ``{"op": name, "parents": [positions]}``, ``{"leaf": name}`` (``out0``,
``out1``, ... the model's outputs; ``label``, or ``target0``, ... the one-hot
target of a class) or ``{"const": number}``; the last node is the point's term.
"""

from __future__ import annotations

from .engine import Value, topological_order
from .nn import LOSSES

__all__ = ["term_program"]


def _one_point_loss(name: str, outputs: int) -> Value:
    """One point's term (:data:`~autograd_scalar.nn.LOSSES`) with its outputs and label as leaves."""
    entry = LOSSES[name]
    outs = [Value(0.5, label=f"out{k}") for k in range(outputs)]
    if entry.classes:  # a one-hot target: one graph serves every class
        return entry.term(outs, [Value(1.0, label=f"target{k}") for k in range(outputs)])
    return entry.term(outs[0], Value(1.0, label="label"))


def term_program(name: str, outputs: int = 1) -> list:
    """The nodes of one point's loss term, parents first (see the module doc).

    Example:
        >>> [node.get("op") or node.get("leaf") or node["const"] for node in term_program("hinge")]
        [1.0, 'out0', 'label', 'mul', 'sub', 'relu']
    """
    if name not in LOSSES:
        raise ValueError(f"explorer: loss must be one of {', '.join(LOSSES)}, got {name!r}")
    order = topological_order(_one_point_loss(name, outputs))
    position = {id(node): k for k, node in enumerate(order)}
    program: list = []
    for node in order:
        if node.parents:
            program.append({"op": node.op, "parents": [position[id(p)] for p in node.parents]})
        elif node.op == "const":
            program.append({"const": node.data})
        else:
            program.append({"leaf": node.label})
    return program
