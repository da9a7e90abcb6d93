"""Losses built only from Value operations, so the derivative table differentiates them.

:func:`mse`, :func:`hinge` (micrograd's demo), :func:`binary_cross_entropy_with_logits`,
:func:`cross_entropy` and the penalties :func:`l2` and :func:`l1`. Each takes numbers or
Values and returns one Value to call ``backward()`` on. The exponentials are
rearranged so that large logits give finite losses and gradients, without a
branch on any number: the graph has the same shape for every input, so a tape
(:mod:`autograd_scalar.tape`) can record each loss once and replay it.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Callable

from ..checks import count
from ..engine import Value, as_values, dot, sum_values
from ..traced import is_traced

__all__ = [
    "mse",
    "hinge",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "l2",
    "l1",
    "Loss",
    "LOSSES",
]


def _paired(preds, targets, who: str) -> tuple:
    preds = as_values(preds, f"{who} predictions")
    targets = list(targets)
    if len(preds) != len(targets):
        raise ValueError(f"{who}: {len(preds)} predictions but {len(targets)} targets")
    if not preds:
        raise ValueError(f"{who}: no predictions (the mean of nothing is undefined)")
    return preds, targets


def _mean(terms: list) -> Value:
    return sum_values(terms) * (1.0 / len(terms))


def _check_labels(labels: list, allowed, who: str, meaning: str) -> None:
    for k, y in enumerate(labels):
        y = y.data if isinstance(y, Value) else y
        if is_traced(y):  # an input of a recording tape: a number per row, unknown here
            continue
        if isinstance(y, bool) or not isinstance(y, numbers.Real) or not allowed(y):
            raise ValueError(f"{who}: label {k} is {y!r}; labels must be {meaning}")


def mse(preds, targets) -> Value:
    """Mean squared error (1/n) Σ_i (p_i - t_i)².

    Example:
        >>> from autograd_scalar import Value
        >>> p = Value(3.0); loss = mse([p, 1.0], [1.0, 2.0]); loss.backward()
        >>> loss.data, p.grad
        (2.5, 2.0)
    """
    preds, targets = _paired(preds, targets, "mse")
    return _mean([(p - t) * (p - t) for p, t in zip(preds, targets)])


def hinge(scores, labels) -> Value:
    """Max-margin loss (1/n) Σ_i max(0, 1 - y_i·s_i), labels y_i = ±1 (micrograd's demo).

    Example:
        >>> hinge([2.0, 0.5, -1.0], [1, 1, 1]).data  # (0 + 0.5 + 2) / 3
        0.8333333333333333
    """
    scores, labels = _paired(scores, labels, "hinge")
    _check_labels(labels, _plus_minus_one, "hinge", "+1 or -1")
    return _mean([_hinge_term(s, y) for s, y in zip(scores, labels)])


def _plus_minus_one(y) -> bool:
    return y in (1, -1)


def _hinge_term(score: Value, label) -> Value:
    """max(0, 1 - y·s): one example's hinge term."""
    return (1.0 - score * label).relu()


def _softplus(z: Value) -> Value:
    """log(1 + e^z), the log-sum-exp of 0 and z, shifted by m = relu(z) = max(0, z):
    m + log(e^-m + e^(z-m)). Both exponents are <= 0, so it never overflows, and
    no branch reads z. The gradient through m cancels, leaving σ(z), also at z = 0."""
    m = z.relu()
    return m + ((-m).exp() + (z - m).exp()).log()


def binary_cross_entropy_with_logits(logits, labels) -> Value:
    """Mean of -[y log σ(z) + (1 - y) log(1 - σ(z))] for logits z, labels y in [0, 1].

    Computed as softplus(z) - y·z (the same function, rearranged), with
    softplus shifted so that exp cannot overflow, so logits in the thousands
    give finite losses and the gradient σ(z) - y.

    Example:
        >>> from autograd_scalar import Value
        >>> z = Value(0.0); loss = binary_cross_entropy_with_logits([z], [1]); loss.backward()
        >>> round(loss.data, 6), z.grad   # log 2, σ(0) - 1
        (0.693147, -0.5)
    """
    logits, labels = _paired(logits, labels, "binary_cross_entropy_with_logits")
    _check_labels(labels, _probability, "binary_cross_entropy_with_logits", "in [0, 1]")
    return _mean([_logistic_term(z, y) for z, y in zip(logits, labels)])


def _probability(y) -> bool:
    return 0.0 <= y <= 1.0


def _squared_term(output: Value, target) -> Value:
    """(output - target)², one example's squared error (the mean of these is :func:`mse`)."""
    return (output - target) ** 2


def _logistic_term(logit: Value, label) -> Value:
    """softplus(z) - y·z: one example's binary cross-entropy on its logit."""
    return _softplus(logit) - logit * label


def cross_entropy(logits, target_index) -> Value:
    """-log softmax(logits)[target] for ONE example: log Σ_k e^{z_k} - z_target.

    ``target_index`` is the class index, or a list of class probabilities p
    (a one-hot vector, say; numbers or Values), which gives
    log Σ_k e^{z_k} - Σ_k p_k z_k (PyTorch's probability targets). A one-hot
    list gives a tape the same graph for every class.

    The log-sum-exp is m + log Σ e^{z_k - m} with m the largest logit, so
    every exponent is <= 0 and any finite logits give a finite loss (unless
    the loss itself exceeds the largest float). m is built in the graph (see
    :func:`_maximum`), so the graph has the same shape for every input and a
    tape can replay it. Log-sum-exp does not depend on m, so the gradient
    through m cancels and the gradient is softmax(z) - target. Average over a
    batch yourself: ``sum(cross_entropy(z, t) for ...) / n``.

    Example:
        >>> round(cross_entropy([1000.0, 0.0], 1).data, 6)
        1000.0
        >>> cross_entropy([-1e19, 3000.0], 0).data  # 1e19 + 3000, rounded, as PyTorch
        1.0000000000000002e+19
        >>> round(cross_entropy([1.0, 2.0], [0.0, 1.0]).data, 6) == round(cross_entropy([1.0, 2.0], 1).data, 6)
        True
    """
    logits = as_values(logits, "cross_entropy logits")
    if not logits:
        raise ValueError("cross_entropy: no logits")
    target = _cross_entropy_target(target_index, logits)
    level = list(logits)
    while len(level) > 1:  # a knockout tournament: log2(n) rounds
        winners = [_maximum(a, b) for a, b in zip(level[::2], level[1::2])]
        level = winners + level[2 * len(winners) :]
    m = level[0]
    log_sum_exp = sum_values([(z - m).exp() for z in logits]).log() + m
    return log_sum_exp - target


def _maximum(a: Value, b: Value) -> Value:
    """max(a, b) in the graph: s·a + (1 - s)·b with s = min(relu(a - b), 1).

    Where a and b differ by 1 or more, s is 0 or 1 and the result is exactly
    the larger one (a + relu(b - a) would round: for a = -1e19, b = 3000 it
    gives 0, and e^3000 overflows). Closer together it blends them, at most
    1/4 below the larger, which a log-sum-exp's shift tolerates (after the
    log2(n) rounds of :func:`cross_entropy`, every exponent is below
    log2(n)/4).
    """
    s = 1.0 - (1.0 - (a - b).relu()).relu()
    return s * a + (1.0 - s) * b


def _cross_entropy_target(target, logits: tuple) -> Value:
    """z_target for a class index, Σ_k p_k z_k for a list of probabilities."""
    if isinstance(target, (list, tuple)):
        if len(target) != len(logits):
            raise ValueError(
                f"cross_entropy: {len(target)} target probabilities for {len(logits)} logits"
            )
        return dot(as_values(target, "cross_entropy target"), logits)
    return logits[count(target, "cross_entropy: target_index", 0, len(logits) - 1)]


def l2(params) -> Value:
    """Σ_p p², the L2 penalty (micrograd's demo adds 1e-4 · l2(model.parameters())).

    One ``dot`` node p·p (each p in both halves, so its gradient 2p arrives as
    p + p), not n products and a sum: the same floats, 2n fewer nodes.

    Example:
        >>> l2([3.0, 4.0]).data
        25.0
    """
    params = as_values(params, "l2")
    return dot(params, params)


def l1(params) -> Value:
    """Σ_p |p|, the L1 penalty: one ``sum`` node over each parameter's ``abs``.

    Its gradient is sign(p) (0 at p = 0, as ``abs``'s rule says), so it pulls
    every weight towards zero by the same amount, whatever its size.

    Example:
        >>> from autograd_scalar import Value
        >>> p = Value(-3.0); penalty = l1([p, 4.0]); penalty.backward()
        >>> penalty.data, p.grad
        (7.0, -1.0)
    """
    params = as_values(params, "l1")
    return sum_values([abs(p) for p in params])


# -- the losses by name ------------------------------------------------------------------


@dataclass(frozen=True)
class Loss:
    """A loss by name (:data:`LOSSES`): the mean over the examples of one term each.

    ``term(output, label)`` is one example's term (``output`` a Value for a
    one-output model, the list of logits for a classifier with ``classes``);
    ``check(labels, outputs)`` refuses labels the term is not defined for,
    once, before training; ``encode(k)`` is the label of class k (hinge:
    -1 or +1); ``target(label, outputs)`` is the label as a tape
    input (a class index becomes its one-hot vector, so one recorded graph
    serves every class). Pages that recompute a term replay ``term`` traced
    (:mod:`autograd_scalar.explore_losses`) with the derivative table's
    JavaScript, so a loss is written once, here in Python.
    """

    name: str
    term: Callable[..., Value]
    #: the labels it takes, in words (for messages and the CLI's help)
    labels: str
    #: True: one output per class (the labels are class indices); False: one output
    classes: bool
    allowed: Callable[[float], bool] = lambda y: True
    #: a class index (0, 1, ...) as this loss's label
    encode: Callable[[int], float] = lambda k: k

    def check(self, labels, outputs: int) -> None:
        """Raise ``ValueError`` if a label is not one this loss takes from ``outputs`` outputs."""
        allowed = (lambda y: 0 <= y < outputs) if self.classes else self.allowed
        _check_labels(list(labels), allowed, self.name, self.labels)

    def mean(self, outputs, labels) -> Value:
        """(1/n) Σ_i term(outputs_i, labels_i): the loss of a batch (labels checked already)."""
        return _mean([self.term(out, y) for out, y in zip(outputs, labels)])

    def target(self, label, outputs: int):
        """The label as a tape's input: a one-hot list for a class index, else the number."""
        return [float(k == label) for k in range(outputs)] if self.classes else label


#: The training losses by name: ``demo --loss`` offers these, the trainer
#: (:mod:`autograd_scalar.train`) and the explorer page use them. A new loss is
#: one entry here.
LOSSES = {
    loss.name: loss
    for loss in (
        Loss(
            "hinge",
            _hinge_term,
            "+1 or -1",
            classes=False,
            allowed=_plus_minus_one,
            encode=lambda k: 2 * k - 1,  # classes 0/1 -> -1/+1
        ),
        Loss(
            "logistic",
            _logistic_term,
            "0 or 1",
            classes=False,
            allowed=lambda y: y in (0, 1),
        ),
        Loss(
            "squared",
            _squared_term,
            "any real number",
            classes=False,
        ),
        Loss(
            "cross_entropy",
            cross_entropy,
            "class indices 0, 1, ..., k-1",
            classes=True,
        ),
    )
}
