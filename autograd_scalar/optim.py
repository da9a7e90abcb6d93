"""Optimizers that update Values from their gradients: :class:`SGD` and :class:`Adam`.

Both follow PyTorch's update rules exactly (``torch.optim.SGD`` with
dampening 0 and no Nesterov; ``torch.optim.Adam`` with bias correction, no
AMSGrad), so a model trained here and one trained with ``torch.optim`` on the
same gradients take the same steps. Each reads ``p.grad`` and changes
``p.data``; gradients are left alone until :meth:`Optimizer.zero_grad`. A step
computes every new value before it changes any: if it fails, no parameter and
no optimizer state has moved.

The learning rate is a plain mutable attribute, so schedules are one line:
``opt.lr = 1.0 - 0.9 * k / steps`` (micrograd's demo).
"""

from __future__ import annotations

import math
import numbers
from typing import Iterable

from .checks import real_in
from .engine import Value

__all__ = ["Optimizer", "SGD", "Adam", "BETAS", "EPS", "MOMENTUM", "constants"]

#: Adam's defaults (PyTorch's): the decay rates β1, β2 of m and v, and eps.
BETAS = (0.9, 0.999)
EPS = 1e-8
#: The momentum of "SGD with momentum" where none is chosen (the training
#: explorer's "momentum" optimizer): 0.9, the usual heavy-ball value. SGD's
#: own default stays 0, plain SGD, as in PyTorch.
MOMENTUM = 0.9


def constants() -> dict:
    """The optimizers' constants as a page reads them (the explorer trains with these).

    Example:
        >>> constants()
        {'momentum': 0.9, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-08}
    """
    return {"momentum": MOMENTUM, "beta1": BETAS[0], "beta2": BETAS[1], "eps": EPS}


def _gradients(params: list, who: str) -> list:
    """Every parameter's ``grad`` as a float, checked before a step changes anything."""
    grads = []
    for k, p in enumerate(params):
        g = p.grad
        if isinstance(g, bool) or not isinstance(g, numbers.Real):
            raise TypeError(
                f"{who}.step: parameter {k} has a grad that is not a number "
                f"({type(g).__name__}: {g!r}); nothing was updated"
            )
        grads.append(float(g))
    return grads


class Optimizer:
    """Holds the parameters and a validated, mutable learning rate ``lr``."""

    def __init__(self, params: Iterable[Value], lr: float):
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for k, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__}: parameter {k} must be a Value, "
                    f"got {type(p).__name__}: {p!r}"
                )
        self.lr = lr

    @property
    def lr(self) -> float:
        """The learning rate; assign to it to follow a schedule."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = real_in(value, "lr")

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and L2 weight decay.

    PyTorch's rule, per parameter p with gradient g:

        g ← g + weight_decay · p
        b ← g on the first step, then b ← momentum · b + g   (if momentum > 0)
        p ← p - lr · b   (or p - lr · g without momentum)

    Example (f = p², gradient 2p; lr 0.1 takes p = 1 to 1 - 0.1·2 = 0.8):
        >>> from autograd_scalar import Value
        >>> p = Value(1.0); opt = SGD([p], lr=0.1)
        >>> (p * p).backward(); opt.step(); p.data
        0.8
    """

    def __init__(
        self, params: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ):
        super().__init__(params, lr)
        self.momentum = real_in(momentum, "momentum")
        self.weight_decay = real_in(weight_decay, "weight_decay")
        self.buffers = [None] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current ``grad`` (all or none)."""
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay
        grads = _gradients(self.params, "SGD")
        data = [float(p.data) for p in self.params]
        buffers = list(self.buffers)
        for k, g in enumerate(grads):
            if decay:
                g += decay * data[k]
            if momentum:
                b = buffers[k]
                g = buffers[k] = g if b is None else momentum * b + g
            data[k] -= lr * g
        self.buffers = buffers
        for p, value in zip(self.params, data):
            p.data = value


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015) with PyTorch's bias-corrected update.

    Per parameter p with gradient g, at step t = 1, 2, ...:

        m ← β1·m + (1 - β1)·g
        v ← β2·v + (1 - β2)·g²
        p ← p - (lr / (1 - β1^t)) · m / (√v / √(1 - β2^t) + eps)

    Example (the first step moves each parameter by about lr, whatever the
    gradient's scale):
        >>> from autograd_scalar import Value
        >>> p = Value(1.0); opt = Adam([p], lr=0.01)
        >>> (p * 1000).backward(); opt.step(); round(p.data, 9)
        0.99
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple = BETAS,
        eps: float = EPS,
    ):
        super().__init__(params, lr)
        try:
            beta1, beta2 = betas
        except (TypeError, ValueError):
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
        self.betas = (
            real_in(beta1, "betas[0]", high=1, high_open=True),
            real_in(beta2, "betas[1]", high=1, high_open=True),
        )
        # eps > 0: with eps = 0 a parameter whose gradients were all 0 divides 0 by 0.
        self.eps = real_in(eps, "eps", low_open=True)
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """Update every parameter once from its current ``grad`` (all or none)."""
        t = self.t + 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1.0 - beta1**t)
        root_correction2 = math.sqrt(1.0 - beta2**t)
        grads = _gradients(self.params, "Adam")
        m = [beta1 * m_k + (1.0 - beta1) * g for m_k, g in zip(self.m, grads)]
        v = [beta2 * v_k + (1.0 - beta2) * g * g for v_k, g in zip(self.v, grads)]
        data = [
            float(p.data) - step_size * m_k / (math.sqrt(v_k) / root_correction2 + self.eps)
            for p, m_k, v_k in zip(self.params, m, v)
        ]
        self.t, self.m, self.v = t, m, v
        for p, value in zip(self.params, data):
            p.data = value
