"""Problems on demand: ``practice.generate(level, seed)`` and ``autograd-scalar practice``.

A problem is one expression of the expression language (:mod:`~autograd_scalar.expr`)
with a value for each variable; the learner computes ∂f/∂x for each asked
variable x by the backward rule v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j, and the answer key
holds the numbers this engine computes (the same ``backward()``). Levels:

1. ``+`` and ``*`` on two or three inputs;
2. fan-out: an input on several paths, so its gradient is a sum over paths;
3. ``tanh``, ``exp``, ``relu``, ``**`` and ``/``;
4. one tanh neuron with a squared-error loss (the weights and bias are asked);
5. a two-layer net (two tanh units, one linear output) on one example.

At levels 1-3 every number is a small integer or a half, and the values are
chosen so the arithmetic works by hand: a ``tanh`` or ``exp`` gets the
argument 0 (tanh 0 = 0, its slope 1; e^0 = 1), ``relu`` a nonzero argument
(never its kink), a divisor ±1/2, ±1 or ±2 (never the pole at 0). Levels 4-5
use halves for weights and inputs; their answers need a calculator.

Reproducible everywhere: the generator is ``random.Random`` seeded with the
text ``"level:seed"`` (string seeds hash with SHA-512, the same on every
platform and Python version), and it only ever picks from fixed lists, so no
float arithmetic decides which problem comes out.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Callable

from . import expr
from .names import format_number, html_text
from .trace import trace_backward
from .web import pages

__all__ = ["Problem", "generate", "LEVELS", "problem_set", "worksheet", "worksheet_files"]

#: level -> what it practises.
LEVELS = {
    1: "+ and * on two or three inputs",
    2: "fan-out: one input on several paths (the sum over paths)",
    3: "tanh, exp, relu, powers and division",
    4: "one tanh neuron with a squared-error loss",
    5: "a two-layer net on one example",
}

_SMALL = (-3, -2, -1, 1, 2, 3)
_HALVES = (-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2)
_DIVISORS = (-2, -1, -0.5, 0.5, 1, 2)


@dataclass(frozen=True)
class Problem:
    """One practice problem: f(variables) and the gradients asked for.

    Attributes:
        level, seed: what :func:`generate` was called with.
        expression: f in the expression language, e.g. ``"(a + b) * a"``.
        values: variable -> its value.
        asked: the variables whose ∂f/∂x the learner computes, in order.
    """

    level: int
    seed: int
    expression: str
    values: dict
    asked: tuple

    @property
    def name(self) -> str:
        return f"level{self.level}-seed{self.seed}"

    def graph(self) -> tuple:
        """``(root, leaves)``: f built with this engine, backward already run."""
        root, leaves = expr.evaluate(self.expression, self.values)
        root.backward()
        return root, leaves

    def answers(self) -> dict:
        """The key: ``{"value": f, "gradients": {x: ∂f/∂x}}`` from this engine."""
        root, leaves = self.graph()
        # + 0.0 turns a -0.0 (tanh 0 times a negative number) into 0.0 for the page
        gradients = {x: leaves[x].grad + 0.0 for x in self.asked}
        return {"value": root.data + 0.0, "gradients": gradients}

    def to_json(self) -> dict:
        """The problem and its key as JSON-ready data."""
        return {
            "name": self.name,
            "level": self.level,
            "seed": self.seed,
            "topic": LEVELS[self.level],
            "expression": self.expression,
            "values": dict(self.values),
            "asked": list(self.asked),
            **self.answers(),
        }

    def statement(self) -> str:
        """The problem as one paragraph of text."""
        given = ", ".join(f"{x} = {_number(v)}" for x, v in self.values.items())
        wanted = ", ".join(f"∂f/∂{x}" for x in self.asked)
        return f"f = {self.expression}  at  {given}.  Find {wanted}."


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


# -- the generators, one per level ------------------------------------------------------


def _level1(rng: random.Random) -> tuple:
    shape = rng.choice(["a + b", "a * b", "a * b + c", "(a + b) * c", "a * b * c", "a + b * c"])
    return shape, {x: rng.choice(_SMALL) for x in "abc" if x in shape}


def _level2(rng: random.Random) -> tuple:
    shape = rng.choice(
        [
            "(a + b) * a",
            "a * b + a",
            "a * a + b",
            "(a + b) * (a * b)",
            "(a * b) * (a + c)",
            "a * b + b * c",
            "(a + b) * (b + c)",
        ]
    )
    return shape, {x: rng.choice(_SMALL) for x in "abc" if x in shape}


def _level3(rng: random.Random) -> tuple:
    a, b = rng.choice(_SMALL), rng.choice(_SMALL)
    kind = rng.choice(["tanh", "exp", "relu", "pow", "div"])
    if kind == "tanh":  # a*b + c = 0: tanh 0 = 0 and its slope is 1
        return "tanh(a * b + c) * d", {"a": a, "b": b, "c": -a * b, "d": rng.choice(_SMALL)}
    if kind == "exp":  # a - b = 0: e^0 = 1
        return "exp(a - b) * c", {"a": a, "b": a, "c": b}
    if kind == "relu":  # a*b is never 0: no kink
        return "relu(a * b) + c * a", {"a": a, "b": b, "c": rng.choice(_SMALL)}
    if kind == "pow":
        power = rng.choice([2, 3])
        return f"a ** {power} * b + b", {"a": a, "b": b}
    return "(a + b) / c", {"a": a, "b": b, "c": rng.choice(_DIVISORS)}


def _literal(x: float) -> str:
    """A number as it stands in a product: negative ones in brackets."""
    return f"({_number(x)})" if x < 0 else _number(x)


def _neuron(weights: list, inputs: list, bias: str) -> str:
    return (
        "tanh(" + " + ".join(f"{w}*{_literal(x)}" for w, x in zip(weights, inputs)) + f" + {bias})"
    )


def _loss(output: str, target: float) -> str:
    """(output - target)², the target written without a double minus."""
    offset = f"- {_number(target)}" if target > 0 else f"+ {_number(-target)}"
    return f"({output} {offset}) ** 2"


def _unsaturated(rng: random.Random, inputs: list, names: list) -> dict:
    """Weights and bias (``names``) from the halves with |w·x + b| <= 2: a tanh
    unit far out on its flat tail would make every gradient below it vanish."""
    while True:
        values = {name: rng.choice(_HALVES) for name in names}
        *weights, bias = values.values()
        if abs(sum(w * x for w, x in zip(weights, inputs)) + bias) <= 2:
            return values


def _level4(rng: random.Random) -> tuple:
    x = [rng.choice(_HALVES) for _ in range(2)]
    target = rng.choice([-1, -0.5, 0.5, 1])
    values = _unsaturated(rng, x, ["w1", "w2", "b"])
    return _loss(_neuron(["w1", "w2"], x, "b"), target), values


def _level5(rng: random.Random) -> tuple:
    x = [rng.choice(_HALVES) for _ in range(2)]
    target = rng.choice([-1, -0.5, 0.5, 1])
    values: dict = {}
    for j in (1, 2):
        values |= _unsaturated(rng, x, [f"w{j}1", f"w{j}2", f"b{j}"])
    values |= {name: rng.choice(_HALVES) for name in ("v1", "v2", "c")}
    hidden = [_neuron([f"w{j}1", f"w{j}2"], x, f"b{j}") for j in (1, 2)]
    return _loss(f"v1*{hidden[0]} + v2*{hidden[1]} + c", target), values


_GENERATORS: dict[int, Callable[[random.Random], tuple]] = {
    1: _level1,
    2: _level2,
    3: _level3,
    4: _level4,
    5: _level5,
}


def generate(level: int, seed: int) -> Problem:
    """The practice problem of ``level`` (1-5) and ``seed``: the same on every machine.

    Example:
        >>> p = generate(2, 7)
        >>> p.expression, p.values
        ('(a + b) * (a * b)', {'a': 1, 'b': 3})
        >>> p.answers()["gradients"]
        {'a': 15.0, 'b': 7.0}
    """
    if type(level) is not int or level not in _GENERATORS:
        raise ValueError(f"practice level must be 1, 2, 3, 4 or 5, got {level!r}")
    if type(seed) is not int or seed < 0:
        raise ValueError(f"practice seed must be a non-negative integer, got {seed!r}")
    text, values = _GENERATORS[level](random.Random(f"{level}:{seed}"))
    asked = tuple(values)
    return Problem(level, seed, text, values, asked)


def problem_set(level: int, seed: int, count: int) -> list:
    """``count`` problems of ``level``: seeds ``seed``, ``seed + 1``, ..."""
    return [generate(level, seed + k) for k in range(count)]


# -- pages -------------------------------------------------------------------------------


def student_page(problem: Problem, drawing: str = "") -> str:
    """The problem for a learner: the statement, the graph, a table to fill in; no answers."""
    rows = "".join(
        f"<tr><td>∂f/∂{html_text(x)}</td><td class=blank></td></tr>" for x in problem.asked
    )
    body = (
        f"<h1>Practice {html_text(problem.name)}</h1>"
        f"<p>{html_text(LEVELS[problem.level])}.</p>"
        f"<p class=statement>{html_text(problem.statement())}</p>"
        f"<div class=drawing>{drawing}</div>"
        f"<table>{rows}</table>"
        "<p>The drawing shows the forward values. Work backward from the output: v̄ = 1 at f, then each node's v̄ is the sum, over the "
        "nodes that use it, of (local derivative) × (that node's v̄).</p>"
    )
    return _page(f"Practice {problem.name}", body)


def key_page(problem: Problem) -> str:
    """The answer key of one problem, for the teacher."""
    key = problem.answers()
    rows = "".join(
        f"<tr><td>∂f/∂{html_text(x)}</td><td>{g:.12g}</td></tr>"
        for x, g in key["gradients"].items()
    )
    body = (
        f"<h1>Answer key {html_text(problem.name)}</h1>"
        f"<p class=statement>{html_text(problem.statement())}</p>"
        f"<table><tr><th>f</th><td>{key['value']:.12g}</td></tr>{rows}</table>"
    )
    return _page(f"Answer key {problem.name}", body)


def _page(title: str, body: str) -> str:
    style = f"<style>{pages.read('problem.css')}</style>"
    return pages.document(title, style + body)


def files(problems: list, drawings: list) -> list:
    """``(relative path, bytes)`` of every file of a problem set: student pages under
    ``problems/``, the keys under ``answers/`` (HTML per problem and one JSON)."""
    out = []
    for problem, drawing in zip(problems, drawings):
        out.append((f"problems/{problem.name}.html", student_page(problem, drawing)))
        out.append((f"answers/{problem.name}.html", key_page(problem)))
    key = json.dumps([p.to_json() for p in problems], indent=1, ensure_ascii=False)
    out.append(("answers/answers.json", key + "\n"))
    return [(path, text.encode("utf-8")) for path, text in out]


# -- a printable worksheet ---------------------------------------------------------------


def _worksheet_section(number: int, problem: Problem, drawing: str, key: bool) -> str:
    """One problem of the worksheet: its statement, its graph, a box per v̄ in backward order.

    The boxes follow the backward pass (the trace's steps: the output first,
    then each node once all the nodes that use it are done); the key fills
    each box with v̄ and the equation that gives it.
    """
    root, _ = problem.graph()
    trace = trace_backward(root)
    asked = set(problem.asked)
    cells = []
    for step in trace.steps:
        name = html_text(step.name)
        wanted = f" = ∂f/∂{name}" if step.name in asked else ""
        value = format_number(step.node.data)
        answer = (
            f"<span class=answer>{format_number(step.grad)}</span>"
            f"<span class=equation>{html_text(trace.equation(step))}</span>"
            if key
            else ""
        )
        cells.append(
            f"<div class=cell><span class=head>v̄[{name}]{wanted}</span>"
            f"<span class=value>value {value}</span><div class=box>{answer}</div></div>"
        )
    return (
        f"<section class=problem><h2>Problem {number} <small>({html_text(problem.name)}: "
        f"{html_text(LEVELS[problem.level])})</small></h2>"
        f"<p class=statement>{html_text(problem.statement())}</p>"
        f"<div class=drawing>{drawing}</div><div class=cells>{''.join(cells)}</div></section>"
    )


def worksheet(problems: list, drawings: list, key: bool = False) -> str:
    """A printable page of ``problems`` with a blank box for each v̄ (``key=True``: filled in).

    ``drawings`` are the problems' graphs as SVG, with forward values and no
    gradients (the CLI draws them with ``viz.to_svg(root, show_grad=False)``).
    The key holds every v̄ with its equation v̄_i = Σ_j v̄_j·∂v_j/∂v_i in numbers.
    """
    title = "Backpropagation worksheet" + (": answer key" if key else "")
    seeds = f"seeds {problems[0].seed}–{problems[-1].seed}" if problems else "no problems"
    sections = "".join(
        _worksheet_section(i + 1, problem, drawing, key)
        for i, (problem, drawing) in enumerate(zip(problems, drawings))
    )
    header = (
        "<p class=keep-apart>Keep this key apart from the students' sheets.</p>"
        if key
        else "<p class=who>Name <span class=line></span> Date <span class=line></span></p>"
    )
    body = (
        f"<style>{pages.read('worksheet.css')}</style><h1>{title}</h1>{header}"
        f"<p class=how>{len(problems)} problems, {html_text(seeds)}. Work backward from "
        "the output f, where v̄ = 1: each node's v̄ is the sum, over the nodes that use it, "
        "of that node's v̄ times the local derivative. Fill the boxes in the order given; "
        "the ones marked ∂f/∂x are the answers asked for.</p>"
        f"{sections}"
    )
    return pages.document(title, body)


def worksheet_files(problems: list, drawings: list) -> list:
    """``(relative path, bytes)`` of a worksheet: ``worksheet.html`` for the students, and
    apart from it ``answers/worksheet-key.html`` and ``answers/answers.json``."""
    key = json.dumps([p.to_json() for p in problems], indent=1, ensure_ascii=False)
    out = [
        ("worksheet.html", worksheet(problems, drawings)),
        ("answers/worksheet-key.html", worksheet(problems, drawings, key=True)),
        ("answers/answers.json", key + "\n"),
    ]
    return [(path, text.encode("utf-8")) for path, text in out]
