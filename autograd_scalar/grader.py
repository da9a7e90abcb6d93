"""Grading a learner's own engine: ``check_engine(MyValue)``.

A learner who writes their own ``Value`` (``+``, ``*``, ``tanh``,
``backward``, micrograd style) hands the class to :func:`check_engine`. It
builds the same small programs with their class and with this engine's
:class:`~autograd_scalar.Value`, runs ``backward()`` on both and compares every
node's gradient (the adjoint v̄ = ∂root/∂node) against ours. The properties,
each a list of cases from the smallest graph up, so the first failing case is
the smallest one found:

* ``random graphs``: random expression graphs of growing size;
* ``node used twice``: ``b = a + a``, ``a * a`` (the ``=`` instead of ``+=`` bug);
* ``shared subexpression``: one node reaching the output along two paths (the
  reverse topological order matters);
* ``backward twice``: a second ``backward()`` on the same graph gives the leaves
  either the same gradients again (an engine that resets) or twice them (one
  that accumulates, as PyTorch's leaves do), never interior nodes counted twice;
* ``zero_grad``: after setting every leaf's ``grad`` to 0, as ``zero_grad()``
  does, ``backward()`` gives the first pass's gradients again;
* ``deep chain``: a chain 10,000 nodes deep (a recursive topological sort dies
  at Python's recursion limit).

A program is a list of steps ``(name, op, arguments)`` over named leaves; it
prints as the lines a learner would write, and :meth:`Failure.draw` draws it
with the expected and the learner's gradient in each node.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Callable, Optional

from .engine import Value

__all__ = ["check_engine", "EngineReport", "Failure", "Program", "PROPERTIES", "DEEP_CHAIN"]

#: How deep the deep-chain property's chain is.
DEEP_CHAIN = 10_000

#: Gradients agree when within this relative (or absolute, near 0) distance of ours.
RELATIVE, ABSOLUTE = 1e-9, 1e-12


@dataclass(frozen=True)
class Program:
    """A small straight-line program: leaves with values, then one op per step.

    ``steps`` are ``(name, op, arguments)`` with op ``"+"``, ``"*"`` or
    ``"tanh"``; the last step is the output.
    """

    leaves: tuple
    steps: tuple

    def __str__(self) -> str:
        leaves = [f"{name} = Value({value!r})" for name, value in self.leaves]
        if len(leaves) > 6:
            leaves = leaves[:3] + [f"... ({len(leaves) - 4} more)"] + leaves[-1:]
        lines = [", ".join(leaves)]
        written = [_line(step) for step in self.steps]
        if len(written) > 8:  # a deep chain: its start and its end
            skipped = len(written) - 5
            written = written[:3] + [f"... ({skipped} more steps like these)"] + written[-2:]
        return "\n".join(lines + written)

    def ops(self) -> set:
        return {op for _, op, _ in self.steps}

    def build(self, cls) -> dict:
        """Every node of the program made with ``cls``: name -> node."""
        nodes = {name: cls(value) for name, value in self.leaves}
        for name, op, arguments in self.steps:
            args = [nodes[a] for a in arguments]
            nodes[name] = args[0].tanh() if op == "tanh" else _BINARY[op](*args)
        return nodes

    @property
    def output(self) -> str:
        return self.steps[-1][0]


_BINARY: dict = {"+": lambda x, y: x + y, "*": lambda x, y: x * y}


def _line(step) -> str:
    name, op, arguments = step
    if op == "tanh":
        return f"{name} = {arguments[0]}.tanh()"
    return f"{name} = {arguments[0]} {op} {arguments[1]}"


@dataclass
class Failure:
    """One property the learner's engine got wrong, on the smallest graph found.

    Attributes:
        prop: the property's name (a key of :data:`PROPERTIES`).
        program: the failing program.
        expected: node name -> ∂output/∂node from this engine.
        got: node name -> the learner's ``.grad`` (or None where it is missing).
        error: the exception the learner's engine raised, if any.
        hint: what usually causes this failure.
    """

    prop: str
    program: Program
    expected: dict
    got: dict
    error: Optional[str] = None
    hint: str = ""

    def __str__(self) -> str:
        lines = [f"FAIL  {self.prop}: {PROPERTIES[self.prop][0]}", "  the smallest failing graph:"]
        lines += ["    " + line for line in str(self.program).splitlines()]
        lines.append(f"    {self.program.output}.backward()" + _rounds(self.prop))
        if self.error:
            lines.append(f"  your engine raised {self.error}")
        else:
            lines += ["  " + row for row in self.table()]
        lines.append(f"  hint: {self.hint}")
        return "\n".join(lines)

    def table(self) -> list:
        """The expected and the learner's gradients side by side, wrong ones marked."""
        width = max(len(name) for name in self.expected)
        rows = [f"{'node':<{width}}  {'expected grad':>16}  {'your grad':>16}"]
        shown = list(self.expected)
        if len(shown) > 12:  # a deep chain: the nodes that differ first
            shown = [n for n in shown if not _agrees(self.expected[n], self.got.get(n))][:6]
            shown += [n for n in (self.program.leaves[0][0], self.program.output) if n not in shown]
        for name in shown:
            want, have = self.expected[name], self.got.get(name)
            mark = "" if _agrees(want, have) else "   <- wrong"
            rows.append(f"{name:<{width}}  {want:>16.10g}  {_show(have):>16}{mark}")
        return rows

    def draw(self):
        """The failing graph drawn by :func:`autograd_scalar.viz.draw`, each node
        labelled with the expected and the learner's gradient."""
        from . import viz

        nodes = self.program.build(Value)
        for name, node in nodes.items():
            node.label = (
                f"{name}: want {self.expected[name]:.4g}, yours {_show(self.got.get(name))}"
            )
        return viz.draw(nodes[self.program.output], show_grad=False)


def _rounds(prop: str) -> str:
    if prop == "backward twice":
        return "; backward() again"
    if prop == "zero_grad":
        return "; every leaf's grad = 0; backward() again"
    return ""


def _show(x) -> str:
    return "missing" if x is None else f"{x:.10g}"


def _agrees(want: float, have) -> bool:
    if have is None:
        return False
    if math.isnan(want):
        return math.isnan(have)
    return math.isclose(have, want, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


@dataclass
class EngineReport:
    """What :func:`check_engine` found: ``passed`` properties and ``failures``.

    Prints as a short report; ``report.ok`` is True when every property passed.
    """

    name: str
    passed: list = field(default_factory=list)
    failures: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failed(self) -> list:
        """The names of the properties that failed."""
        return [failure.prop for failure in self.failures]

    def __str__(self) -> str:
        head = f"check_engine({self.name}): {len(self.passed)} of {len(PROPERTIES)} properties pass"
        lines = [head] + [f"PASS  {prop}: {PROPERTIES[prop][0]}" for prop in self.passed]
        lines += [f"SKIP  {prop}: {why}" for prop, why in self.skipped.items()]
        return "\n".join(lines + [str(failure) for failure in self.failures])

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, printer, cycle) -> None:
        printer.text(str(self))


# -- running one program on the learner's class ----------------------------------


def _grads(nodes: dict) -> dict:
    return {name: _read_grad(node) for name, node in nodes.items()}


def _read_grad(node):
    try:
        return float(node.grad)
    except (AttributeError, TypeError, ValueError):
        return None


def _reset_leaves(nodes: dict, program: Program) -> None:
    for name, _ in program.leaves:
        nodes[name].grad = 0.0


def _expected(program: Program, rounds: str) -> dict:
    """Our gradients after the property's backward calls (ours pass every property)."""
    return _run(Value, program, rounds)


def _run(cls, program: Program, rounds: str) -> dict:
    """The gradients of ``cls``'s nodes after the property's backward calls."""
    nodes = program.build(cls)
    root = nodes[program.output]
    root.backward()
    if rounds == "backward twice":
        root.backward()
    elif rounds == "zero_grad":
        _reset_leaves(nodes, program)
        root.backward()
    return _grads(nodes)


def _agree_twice(program: Program, expected: dict, got: dict) -> bool:
    """After two passes (``expected`` is ours, whose leaves accumulate): the
    learner's leaves hold twice one pass's gradients, or one pass's (an engine
    that resets every grad)."""
    leaves = [name for name, _ in program.leaves]
    return any(
        all(_agrees(factor * expected[name], got.get(name)) for name in leaves)
        for factor in (1.0, 0.5)
    )


def _check(cls, prop: str, program: Program) -> Optional[Failure]:
    """The failure of ``program`` under ``prop``, or None if the learner's engine agrees."""
    expected = _expected(program, prop)
    hint = PROPERTIES[prop][1]
    try:
        got = _run(cls, program, prop)
    except RecursionError:
        return Failure(prop, program, expected, {}, "RecursionError", hint)
    except Exception as error:  # the learner's code: report whatever it raised
        return Failure(prop, program, expected, {}, f"{type(error).__name__}: {error}", hint)
    if prop == "backward twice":
        if _agree_twice(program, expected, got):
            return None
        return Failure(prop, program, expected, got, None, hint)
    if all(_agrees(expected[name], got.get(name)) for name in expected):
        return None
    return Failure(prop, program, expected, got, None, hint)


# -- the cases of each property, smallest first --------------------------------------


def _used_twice() -> list:
    a = (("a", 1.5),)
    return [
        Program(a, (("b", "+", ("a", "a")),)),
        Program(a, (("b", "*", ("a", "a")),)),
        Program(a, (("b", "+", ("a", "a")), ("c", "tanh", ("b",)))),
    ]


def _shared() -> list:
    ab = (("a", 0.5), ("b", -1.5))
    return [
        Program(ab, (("c", "*", ("a", "b")), ("d", "+", ("c", "a")), ("e", "*", ("d", "c")))),
        Program(
            ab,
            (("c", "+", ("a", "b")), ("d", "*", ("a", "b")), ("e", "*", ("c", "d"))),
        ),
        Program(
            ab,
            (
                ("c", "*", ("a", "b")),
                ("d", "tanh", ("c",)),
                ("e", "+", ("d", "c")),
                ("f", "*", ("e", "d")),
            ),
        ),
    ]


def _random_program(rng: random.Random, size: int, ops: tuple) -> Program:
    """``size`` steps over up to three leaves; each step reads earlier nodes, the
    last one too, so the output depends on the steps before it."""
    leaves = tuple((name, rng.choice([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2])) for name in "abc")
    leaves = leaves[: rng.randint(1, 3)]
    names = [name for name, _ in leaves]
    steps = []
    for k in range(size):
        op = rng.choice(ops)
        latest = names[-1]
        arguments = (latest,) if op == "tanh" else (latest, rng.choice(names))
        name = f"v{k + 1}"
        steps.append((name, op, tuple(rng.sample(arguments, len(arguments)))))
        names.append(name)
    return Program(leaves, tuple(steps))


def _random_graphs(ops: tuple) -> list:
    rng = random.Random(20240521)  # fixed: every learner gets the same graphs
    return [_random_program(rng, size, ops) for size in range(1, 9) for _ in range(12)]


def _twice() -> list:
    ab = (("a", 2.0), ("b", -0.5))
    return [
        Program(ab, (("c", "*", ("a", "b")), ("d", "+", ("c", "a")))),
        Program(ab, (("c", "*", ("a", "b")), ("d", "tanh", ("c",)), ("e", "*", ("d", "b")))),
    ]


def _deep_chain() -> list:
    """x·w_1·w_2···w_10000 with w_k near 1, one multiplication per step."""
    leaves = [("x", 1.5)] + [(f"w{k}", 1.0 + (k % 7 - 3) / 1e4) for k in range(1, DEEP_CHAIN + 1)]
    steps, previous = [], "x"
    for k in range(1, DEEP_CHAIN + 1):
        steps.append((f"v{k}", "*", (previous, f"w{k}")))
        previous = f"v{k}"
    return [Program(tuple(leaves), tuple(steps))]


#: name -> (what it checks, the usual cause when it fails, its cases given the ops).
PROPERTIES: dict[str, tuple[str, str, Callable[[tuple], list]]] = {
    "random graphs": (
        "gradients of random expression graphs agree with this engine's",
        "compare the wrong node's local derivative with the rule (d(x+y)/dx = 1, "
        "d(x*y)/dx = y, d tanh(x)/dx = 1 - tanh(x)^2) and check that backward "
        "visits nodes in reverse topological order",
        _random_graphs,
    ),
    "node used twice": (
        "b = a + a and b = a * a give a both contributions",
        "a node that is both arguments must receive both shares: write "
        "self.grad += ... and other.grad += ..., never =, since self is other",
        lambda ops: _used_twice() if "tanh" in ops else _used_twice()[:2],
    ),
    "shared subexpression": (
        "a node reached along two paths gets the sum over both",
        "a node may pass its gradient on only once every node that uses it has "
        "passed theirs to it: process the nodes in reverse topological order, each once",
        lambda ops: _shared() if "tanh" in ops else _shared()[:2],
    ),
    "backward twice": (
        "a second backward() does not count interior nodes twice",
        "before a pass, set the grad of every interior node (one with parents) to 0; "
        "leaves may accumulate, as in PyTorch (shown as expected), or restart from 0",
        lambda ops: _twice() if "tanh" in ops else _twice()[:1],
    ),
    "zero_grad": (
        "after every leaf's grad is set to 0, backward() gives the first pass's gradients",
        "interior nodes kept their old gradients: reset them at the start of backward()",
        lambda ops: _twice() if "tanh" in ops else _twice()[:1],
    ),
    "deep chain": (
        f"a chain {DEEP_CHAIN:,} nodes deep backpropagates",
        "a recursive topological sort stops at Python's recursion limit (about 1000): "
        "build the order with a loop and an explicit stack",
        lambda ops: _deep_chain(),
    ),
}


def _supported_ops(cls) -> tuple:
    return tuple(op for op, method in _METHODS.items() if callable(getattr(cls, method, None)))


_METHODS = {"+": "__add__", "*": "__mul__", "tanh": "tanh"}


def check_engine(cls, properties=None) -> EngineReport:
    """Grade a learner's ``Value`` class against this engine.

    ``cls(x)`` must make a leaf holding the number x in ``.data`` with
    ``.grad`` 0; nodes support ``+`` and ``*`` with each other, ``.tanh()``
    (graphs without it are used if it is missing, and the report says so), and
    ``.backward()``, after which every node's ``.grad`` is ∂output/∂node.

    Returns an :class:`EngineReport`; each failure names its property and
    shows the smallest failing graph found, with the expected and the
    learner's gradients side by side (``failure.draw()`` draws it).

    Example:
        >>> from autograd_scalar import Value, check_engine
        >>> check_engine(Value).ok
        True
    """
    ops = _supported_ops(cls)
    if not {"+", "*"} <= set(ops) or not callable(getattr(cls, "backward", None)):
        raise TypeError(
            f"check_engine: {getattr(cls, '__name__', cls)!r} needs __add__, __mul__ and "
            "backward (and tanh, for the graphs that use it)"
        )
    report = EngineReport(getattr(cls, "__name__", repr(cls)))
    if "tanh" not in ops:
        report.skipped["tanh"] = "your class has no tanh(); graphs with tanh were left out"
    for prop in properties or PROPERTIES:
        if prop not in PROPERTIES:
            raise ValueError(f"check_engine: no property {prop!r}; choose from {list(PROPERTIES)}")
        failure = next(
            (f for f in map(lambda p: _check(cls, prop, p), PROPERTIES[prop][2](ops)) if f), None
        )
        if failure is None:
            report.passed.append(prop)
        else:
            report.failures.append(failure)
    return report
