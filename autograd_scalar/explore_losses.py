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

from typing import Callable

from .engine import Value, topological_order
from .nn import binary_cross_entropy_with_logits, cross_entropy, hinge, mse

__all__ = ["LOSS_FUNCTIONS", "term_program"]

#: The explorer's loss names and the functions of ``nn.losses`` they trace.
LOSS_FUNCTIONS: dict[str, Callable] = {
    "hinge": hinge,
    "logistic": binary_cross_entropy_with_logits,
    "cross_entropy": cross_entropy,
    "squared": mse,
}


def _one_point_loss(name: str, outputs: int) -> Value:
    """The loss of one point whose outputs and label are leaves: its term, without the mean."""
    outs = [Value(0.5, label=f"out{k}") for k in range(outputs)]
    if name == "cross_entropy":  # one example already; a one-hot target: one graph per class
        return cross_entropy(outs, [Value(1.0, label=f"target{k}") for k in range(outputs)])
    mean = LOSS_FUNCTIONS[name]([outs[0]], [Value(1.0, label="label")])
    # _mean of one term is sum([term]) * 1.0: the term is the sum's only parent.
    total = mean.parents[0]
    if mean.op != "mul" or total.op != "sum" or len(total.parents) != 1:
        raise ValueError(f"explorer: the {name} loss is no longer a mean of per-point terms")
    return total.parents[0]


def term_program(name: str, outputs: int = 1) -> list:
    """The nodes of one point's loss term, parents first (see the module doc).

    Example:
        >>> [node.get("op") or node.get("leaf") or node["const"] for node in term_program("hinge")]
        [1.0, 'out0', 'label', 'mul', 'sub', 'relu']
    """
    if name not in LOSS_FUNCTIONS:
        raise ValueError(f"explorer: loss must be one of {', '.join(LOSS_FUNCTIONS)}, got {name!r}")
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
