"""Hidden numbers: what a node holds for ``data`` while a tape records.

A tape (:mod:`autograd_scalar.tape`) runs ``fn`` once on one example and
replays the graph it built over every row of a batch. That is right only if
the graph is the same for every row: ``fn`` may compute with Values, but it
must not look at their numbers (``if x.data < 5``, ``float(x.data)``,
``Value(x.data)``), which would bake the example's number into the tape.

So while ``fn`` runs, every input, every parameter and every node computed
from them holds a :class:`Traced` number instead of a float, as JAX's
tracers stand for arrays under ``jax.jit``. The engine computes with it (its
slow path, taken only when ``data`` is not a float, runs the table's forward
and rules on the example's floats), so building the graph works as usual;
anything else that uses the number (a comparison, ``bool``, ``float``,
arithmetic, formatting it) raises :class:`TapeError` naming the node and the
line of ``fn`` that read it, whatever the example's values.

This module sits below the engine (the engine imports it) and imports nothing
of the package.
"""

from __future__ import annotations

import linecache
import os
import sys
from types import FrameType
from typing import Any, Callable, Optional, cast

__all__ = ["TapeError", "Traced", "Recording", "hidden", "is_traced", "example_of", "refuse"]


class TapeError(ValueError):
    """The function cannot be replayed as a tape, or a batch does not fit it."""


class Recording:
    """One run of ``fn`` under ``tape.record``: what a read of a number is reported against."""

    def __init__(self, fn: Callable):
        # A function's code, or a callable object's __call__ (a model).
        call = fn if hasattr(fn, "__code__") else type(fn).__call__
        code = getattr(call, "__code__", None)
        self.fn_code = code


class Traced:
    """The number of a node while a tape records: used, it raises :class:`TapeError`.

    ``example`` is the number at the recorded example, which only the engine
    reads (to compute the next node's example); ``op`` and ``parents`` say
    which node this is (``op`` None for an input or a parameter, named by
    ``label``), for the error message.
    """

    __slots__ = ("example", "recording", "op", "parents", "label")

    def __init__(self, example: float, recording: Recording, op=None, parents=(), label=""):
        self.example, self.recording = example, recording
        self.op, self.parents, self.label = op, parents, label

    def describe(self) -> str:
        """The node in words: its label, or its op over its parents' names."""
        if self.label or self.op is None:
            return self.label or "a leaf"
        names = [_short_name(p) for p in self.parents]
        return f"{self.op.name} node {self.op.format(names)!r}"

    def __repr__(self) -> str:  # printing a node while recording says what it is
        return f"<number of {self.describe()}, hidden while a tape records>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if spec:
            raise _read(self, f"formatting it as {spec!r}")
        return repr(self)

    def __getattr__(self, name: str):
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)  # protocol probes (numpy's, hasattr) see a plain object
        raise _read(self, f"its attribute .{name}")

    def __hash__(self):
        raise _read(self, "hashing it")


def _refusal(how: str) -> Callable:
    def refuse(self, *other):
        raise _read(self, how)

    refuse.__name__ = how
    return refuse


# Every use of the number raises: truth, conversion, comparison, arithmetic.
for _name, _how in {
    "__bool__": "its truth value (an if or while on it)",
    "__float__": "float() of it",
    "__int__": "int() of it",
    "__index__": "it as an index",
    "__complex__": "complex() of it",
    "__round__": "round() of it",
    "__trunc__": "math.trunc() of it",
    "__floor__": "math.floor() of it",
    "__ceil__": "math.ceil() of it",
    "__neg__": "-it",
    "__pos__": "+it",
    "__abs__": "abs() of it",
    "__lt__": "a comparison (<)",
    "__le__": "a comparison (<=)",
    "__gt__": "a comparison (>)",
    "__ge__": "a comparison (>=)",
    "__eq__": "a comparison (==)",
    "__ne__": "a comparison (!=)",
}.items():
    setattr(Traced, _name, _refusal(_how))
for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "divmod"):
    for _form in (f"__{_name}__", f"__r{_name}__"):
        setattr(Traced, _form, _refusal(f"arithmetic on it ({_name})"))


def hidden(example: float, recording: Recording, op=None, parents=(), label="") -> float:
    """A :class:`Traced` number, typed as the float it stands in for (a node's ``data``)."""
    return cast(float, Traced(example, recording, op, parents, label))


def is_traced(x) -> bool:
    """Whether ``x`` (a Value's ``data``) is a number hidden by a recording tape."""
    return type(x) is Traced


def example_of(x) -> float:
    """The float behind ``x``: a Traced number's example, or ``x`` itself."""
    return x.example if type(x) is Traced else x


def _short_name(node) -> str:
    data = node.data
    if node.label:
        return node.label
    if type(data) is Traced:
        return data.op.name if data.op is not None else "leaf"
    return repr(data)


def _read(hidden: Traced, how: str) -> TapeError:
    # The message is written when shown: the engine catches the reads it makes
    # itself while recording (a dot's sum), one per node.
    return TapeError(_ReadMessage(hidden, how, sys._getframe(1)))


class _ReadMessage:
    """The text of a read's :class:`TapeError`, written on first use."""

    def __init__(self, hidden: Traced, how: str, frame: FrameType):
        self.hidden, self.how, self.frame = hidden, how, frame

    def __str__(self) -> str:
        where = _where(self.frame, self.hidden.recording)
        return (
            f"fn reads the number of {self.hidden.describe()} ({self.how}){where}: while "
            "tape.record runs fn, the inputs, the parameters and every node computed from "
            "them hide their numbers, because a tape replays ONE graph for every row of a "
            "batch; compute with the Value ops instead of branching on .data (relu, abs, "
            "sigmoid, ... of the derivative table), pass the number as an input, or record "
            "one tape per branch"
        )

    __repr__ = __str__


def refuse(x: Any, how: str):
    """Raise the :class:`TapeError` of a read of the hidden number ``x`` (``how``: what read it)."""
    raise _read(x, how)


_HERE = os.path.dirname(os.path.abspath(__file__))
_ENGINE_FILES = {os.path.join(_HERE, name) for name in ("traced.py", "engine.py")}


def _where(frame: Optional[FrameType], recording: Recording) -> str:
    """`` at line N of fn (file:N `source`)``: where the read happened."""
    while frame is not None and os.path.abspath(frame.f_code.co_filename) in _ENGINE_FILES:
        frame = frame.f_back
    if frame is None:
        return ""
    fn_frame: Optional[FrameType] = frame
    while fn_frame is not None and fn_frame.f_code is not recording.fn_code:
        fn_frame = fn_frame.f_back
    if fn_frame is frame:
        return f" at line {frame.f_lineno} of fn ({_line(frame)})"
    called = "" if fn_frame is None else f", called from line {fn_frame.f_lineno} of fn"
    return f" at {_line(frame)}{called}"


def _line(frame: FrameType) -> str:
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    source = linecache.getline(filename, lineno).strip()
    return f"{os.path.basename(filename)}:{lineno}" + (f" `{source}`" if source else "")
