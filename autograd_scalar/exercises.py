"""Checked exercises for the lessons: ``check(exercise, answer, ...)`` and the student edition.

Every "Your turn" cell of a lesson ends with ``check("01.1", answer)``: the
learner puts their result in ``answer`` and the check says whether it is right,
with a hint when it is not. It never shows the expected answer; the worked
solution stays folded under the exercise. The truth each check compares
with is computed here independently (a closed form, or the engine's number
for the learner's own graph when the question is about that graph).

:func:`student_notebook` removes the folded solutions from a lesson (the
command ``autograd-scalar lessons --student DIR`` does it for every lesson).

Example:
    >>> check("03.1", (26.0, 2.0, 8.0))
    03.1: right.
    >>> verdict = check("03.1", (26.0, 2.0, 4.0)); bool(verdict)
    False
    >>> check("03.1", ...)
    03.1: not answered yet: put your answer in `answer` (replace the ...) and run the cell again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

from .grader import check_engine

__all__ = ["check", "Verdict", "EXERCISES", "student_notebook", "RELATIVE", "ABSOLUTE"]

#: A number is right within this relative distance (or absolute, near 0): 6 significant digits.
RELATIVE, ABSOLUTE = 1e-6, 1e-9


@dataclass(frozen=True)
class Verdict:
    """What :func:`check` says: true when right; shows as its message."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"{self.exercise}: {self.message}"


@dataclass(frozen=True)
class Exercise:
    """One exercise: what ``answer`` holds, how to find the truth, and a hint.

    ``truth(**given)`` returns the expected answer, or a predicate
    ``answer -> bool`` where a range of answers is right.
    """

    asks: str
    truth: Callable[..., Any]
    hint: str


def _same(answer, expected) -> bool:
    """Numbers within the tolerance; sequences element by element (nested too)."""
    pairs = [(answer, expected)]
    while pairs:  # a stack, not recursion (house rule)
        answer, expected = pairs.pop()
        if isinstance(expected, (list, tuple)):
            if not isinstance(answer, (list, tuple)) or len(answer) != len(expected):
                return False
            pairs.extend(zip(answer, expected))
        elif not _same_number(answer, expected):
            return False
    return True


def _same_number(answer, expected: float) -> bool:
    try:
        number = float(answer)
    except (TypeError, ValueError):
        number = float(getattr(answer, "data", math.nan))  # a Value: its number
    return math.isclose(number, expected, rel_tol=RELATIVE, abs_tol=ABSOLUTE)


def _tanh_chain_slope(start: float, depth: int) -> float:
    """d/dx of tanh applied ``depth`` times, at ``start``: Π (1 - tanh²) along the chain."""
    slope, x = 1.0, start
    for _ in range(depth):
        x = math.tanh(x)
        slope *= 1 - x * x
    return slope


def _grad_norms(rec) -> Callable:
    return lambda answer: _same(list(answer), list(rec.snapshots[0].grad_norms))


def _failing_properties(answer) -> bool:
    engine, predicted = answer
    return sorted(predicted) == sorted(check_engine(engine).failed) != []


def _dead_unit(model, X) -> Callable:
    def right(answer) -> bool:
        j, largest = answer
        neuron = model.layers[0].neurons[j]
        z = [sum(w.data * xi for w, xi in zip(neuron.w, x)) + neuron.b.data for x in X]
        return max(z) <= 0 and _same(largest, max(z))

    return right


#: exercise id ("lesson.number") -> Exercise.
EXERCISES = {
    "01.1": Exercise(
        "(∂o2/∂a, ∂o2/∂b) for o2 = c·d at a = 2, b = 3",
        lambda: (2 * 3 + 3 * (2 + 3), 2 * 3 + 2 * (2 + 3)),  # d + c·b, d + c·a
        "o2 has no ½, so every path's product doubles; a reaches o2 through c and through d",
    ),
    "01.2": Exercise(
        "λ̄ = ∂L/∂λ",
        lambda lam: lam.grad,
        "L = ℓ + λ·r: differentiate with respect to λ, holding the rest fixed; "
        "the answer is one of the forward values",
    ),
    "02.1": Exercise(
        "(x̄, the number of terms in x's step) for f = x·x + x at x = 3",
        lambda: (2 * 3 + 1, 2),
        "x has two children, the product and the sum: one term each; "
        "the product uses x twice, so its local derivative is x + x",
    ),
    "02.2": Exercise(
        "start.grad after backward through 100,000 tanh's from 0.5",
        lambda: _tanh_chain_slope(0.5, 100_000),
        "build the chain from start = Value(0.5) with exactly 100,000 .tanh() calls, call "
        "backward() on the last one, and put start.grad in answer; each step multiplies by 1 - tanh²",
    ),
    "03.1": Exercise(
        "(naive, visit-once, in-order) v̄[a] for d = c + c",
        lambda: (26.0, 2.0, 8.0),
        "d = 8a, so the right pass gives 8; run each of the three passes on d itself",
    ),
    "03.2": Exercise(
        "the call counts for k = 1, ..., 10 doublings",
        lambda: [2 ** (k + 1) - 1 for k in range(1, 11)],
        "count one call per visit, the first one included; each node calls itself on "
        "its two parent slots, and both are the same node",
    ),
    "04.1": Exercise(
        "(the number of parameters of MLP(2, [4, 4, 1]), its training accuracy)",
        lambda: lambda answer: _same(answer[0], 37) and 0.5 <= answer[1] <= 1.0,
        "a layer of n neurons on m inputs has n·(m + 1) parameters; accuracy is the "
        "fraction (0 to 1) that demo.train returns",
    ),
    "05.1": Exercise(
        "the Hessian of x²y + sin y at (1, 2), as its two columns",
        lambda: [[2 * 2.0, 2 * 1.0], [2 * 1.0, -math.sin(2.0)]],
        "hvp(g, point, e) is H·e: the column of H for the unit vector e; the Hessian of "
        "x²y + sin y has 2y, 2x and -sin y in it",
    ),
    "06.1": Exercise(
        "the gradient norm of each layer at step 0, first layer first",
        _grad_norms,
        "start() again, one forward and backward pass of the whole training loss (hinge plus "
        "the 1e-4 L2 term), then for each layer the square root of the sum of its grad²",
    ),
    "06.2": Exercise(
        "(j, the largest z of dead first-layer unit j over the data)",
        _dead_unit,
        "pick j from dead_neurons(hot_model, X) with layer 0, then z = w·x + b for every x "
        "in X with the unit's own weights and bias; a dead unit's largest z is at most 0",
    ),
    "09.2": Exercise(
        "(your class with = in __add__, the list of the properties it fails)",
        lambda: _failing_properties,
        "= keeps only the last share a node receives: which graphs give some node two "
        "shares through an addition? A node used twice, a shared subexpression, and most "
        "random graphs do",
    ),
}

_UNANSWERED = (
    "not answered yet: put your answer in `answer` (replace the ...) and run the cell again."
)


def check(exercise: str, answer, **given) -> Verdict:
    """Whether ``answer`` to the lesson exercise ``exercise`` ("03.1") is right.

    ``given`` passes the lesson's objects that the truth depends on (for
    example ``rec=rec``). Right: "right."; wrong: "not yet" with a hint;
    ``answer`` still ``...``: a reminder. Never the expected answer.
    """
    if exercise not in EXERCISES:
        raise ValueError(f"check: no exercise {exercise!r}; the exercises are {sorted(EXERCISES)}")
    entry = EXERCISES[exercise]
    if answer is ...:
        return Verdict(exercise, False, _UNANSWERED)
    truth = entry.truth(**given)
    try:
        right = truth(answer) if callable(truth) else _same(answer, truth)
    except (TypeError, ValueError, IndexError, AttributeError):
        right = False  # an answer of the wrong shape is a wrong answer
    if right:
        return Verdict(exercise, True, "right.")
    return Verdict(exercise, False, f"not yet ({entry.asks}). Hint: {entry.hint}.")


# -- the student edition -------------------------------------------------------------

#: A folded worked solution in a markdown cell.
SOLUTION = re.compile(r"<details><summary>Solution</summary>.*?</details>\s*", re.S)


def student_notebook(notebook: dict) -> dict:
    """A lesson (notebook JSON) without its folded solutions and outputs.

    Markdown cells that held only a solution go; the others keep their text.
    """
    cells = []
    for cell in notebook["cells"]:
        cell = dict(cell)
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown" and SOLUTION.search(source):
            source = SOLUTION.sub("", source)
            if not source.strip():
                continue
            cell["source"] = source
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
        cells.append(cell)
    return {**notebook, "cells": cells}
