"""Engine state that users switch with context managers.

* :func:`no_grad` -- Values created inside record no parents (inference,
  plotting a decision boundary), like ``torch.no_grad``.
* :func:`detect_anomaly` -- the first NaN or inf produced in a forward op or in
  a backward pass raises ``FloatingPointError`` naming the op and the node,
  like ``torch.autograd.detect_anomaly``.
* :func:`scope` -- Values created inside are tagged with a scope name (nested
  scopes join with ``/``); graph drawings cluster them. :func:`scoped_each`
  does the same for each item of a loop, and :func:`scope_names` gives the
  tags nested scopes make (``nn`` tags its layers' and neurons' nodes with
  them).

The state lives in one module-level object, :data:`state`, read by the engine
on every op. It is per thread, as PyTorch's grad mode is: ``no_grad()`` in one
thread leaves recording on in the others, and each new thread starts with the
defaults (recording on, no anomaly checks, no scope). The context managers
restore the previous state on exit, also when an exception passes through.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Generator, Iterable, Iterator, Optional

__all__ = [
    "no_grad",
    "enable_grad",
    "detect_anomaly",
    "scope",
    "scoped_each",
    "scope_names",
    "is_grad_enabled",
    "state",
    "switched",
]


class _State(threading.local):
    """The switches of the current thread (``__init__`` runs once in each thread)."""

    def __init__(self) -> None:
        self.grad_enabled: bool = True
        self.anomaly: bool = False
        self.scope: Optional[str] = None
        # Derived: the default mode, recording with no anomaly checks, the
        # engine's common case (one flag to test per op instead of two).
        self.default_mode: bool = True


#: The engine's switches, per thread. Read them; change them with the context
#: managers.
state = _State()


class _Switched:
    """How many mode blocks are open, in all threads together.

    ``mode_blocks`` counts no_grad, enable_grad and detect_anomaly blocks:
    while none is, every thread is in the default mode (recording, no
    checks). ``scopes`` counts scope blocks and running :func:`scoped_each`
    loops: while none is, no thread has a scope. The engine reads these plain
    slots instead of the thread-local ``state``, once per node: a slot is
    cheaper to read (the figures are in benchmarks/README.md).
    """

    __slots__ = ("mode_blocks", "scopes")

    def __init__(self) -> None:
        self.mode_blocks = 0
        self.scopes = 0


#: Read by the engine on every op; kept by the context managers.
switched = _Switched()
_counting = threading.Lock()  # += on a shared slot is not atomic across threads


def _count(counter: str, change: int) -> None:
    with _counting:
        setattr(switched, counter, getattr(switched, counter) + change)


def is_grad_enabled() -> bool:
    """True unless inside :func:`no_grad` (in this thread)."""
    return state.grad_enabled


@contextmanager
def _switch(name: str, value) -> Iterator[None]:
    counter = "scopes" if name == "scope" else "mode_blocks"  # a scope keeps the mode
    _count(counter, +1)
    previous = getattr(state, name)
    setattr(state, name, value)
    state.default_mode = state.grad_enabled and not state.anomaly
    try:
        yield
    finally:
        setattr(state, name, previous)
        state.default_mode = state.grad_enabled and not state.anomaly
        _count(counter, -1)


def no_grad():
    """Context manager: Values created inside record no parents.

    Example:
        >>> from autograd_scalar import Value, no_grad
        >>> x = Value(2.0)
        >>> with no_grad():
        ...     y = x * x
        >>> y.parents
        ()
    """
    return _switch("grad_enabled", False)


def enable_grad():
    """Context manager: re-enable recording inside a :func:`no_grad` block."""
    return _switch("grad_enabled", True)


def detect_anomaly():
    """Context manager: raise ``FloatingPointError`` at the first NaN/inf.

    Checked in every forward op (the result) and in ``backward()`` (each
    node's gradient). The message names the op and the node's label.

    Example:
        >>> from autograd_scalar import Value, detect_anomaly
        >>> with detect_anomaly():
        ...     Value(1000.0, label="x").exp()
        Traceback (most recent call last):
        ...
        FloatingPointError: exp produced inf from x=1000.0
    """
    return _switch("anomaly", True)


def scope(name: str):
    """Context manager: tag the Values created inside with ``name``.

    Nested scopes join with ``/`` (``"layer0/neuron3"``); the tag is stored in
    ``Value.scope`` and used by ``viz.draw`` to cluster nodes.

    Example:
        >>> from autograd_scalar import Value, scope
        >>> with scope("neuron"):
        ...     y = Value(1.0) * 2
        >>> y.scope
        'neuron'
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"scope: name must be a non-empty str, got {name!r}")
    return _switch("scope", scope_names(state.scope, (name,))[0])


def scope_names(outer: Optional[str], names: Iterable[str]) -> list:
    """The tag that ``scope(name)`` gives inside the scope ``outer``, for each name.

    Nested scopes join with ``/``; ``outer`` None is no scope. :func:`scope`
    and :func:`scoped_each` join names with it, and so does code that tags
    the nodes it makes itself instead of opening a scope per item (``nn``: a
    layer's neurons).

    Example:
        >>> scope_names("layer0", ["neuron0", "neuron1"]), scope_names(None, ["neuron0"])
        (['layer0/neuron0', 'layer0/neuron1'], ['neuron0'])
    """
    if outer is None:
        return list(names)
    return [f"{outer}/{name}" for name in names]


def scoped_each(items: Iterable, names: Iterable[str]) -> Generator:
    """Yield each item with the scope set to its name, inside the active scope.

    Like ``with scope(name): ...`` around each loop iteration, but without
    entering a context manager per item (the cost adds up over a layer's
    neurons); names are joined to the active scope as :func:`scope` joins
    them. The outer scope is restored when the generator finishes or is
    closed, so wrap it in ``contextlib.closing`` when the loop may stop early
    or raise.

    Example:
        >>> from contextlib import closing
        >>> from autograd_scalar import Value
        >>> with scope("layer0"), closing(scoped_each([1.0, 2.0], ["n0", "n1"])) as xs:
        ...     [(Value(x) * 2).scope for x in xs]
        ['layer0/n0', 'layer0/n1']
        >>> print(state.scope)
        None
    """
    outer = state.scope
    _count("scopes", +1)
    try:
        for item, name in zip(items, scope_names(outer, names)):
            state.scope = name
            yield item
    finally:
        state.scope = outer
        _count("scopes", -1)
