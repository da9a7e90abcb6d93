"""Random tape programs over every op of the table, replayed and checked against the scalar path.

A program reads a list argument ``x`` (in any order), a number argument ``t``
and two parameters, and applies random ops of :data:`autograd_scalar.ops.TABLE`
to earlier nodes. Its rows mix ordinary numbers with ±0, subnormals, ±1e308,
±inf and nan. For each of the four pass combinations the tape must give, NaN
for NaN, the scalar engine's value on every row, its gradients on every row,
and a domain error exactly where the scalar path raises one.

Run ``python tests/tape_programs.py N SEED`` for N programs (the acceptance
figure: 3 × 2,000); the test suite runs fewer.
"""

from __future__ import annotations

import math
import random
import sys

import numpy as np

from autograd_scalar import Value, ops, sum as value_sum, tape
from autograd_scalar.engine import dot

SPECIAL = [0.0, -0.0, 5e-324, -5e-324, 2.2e-308, 1e308, -1e308, math.inf, -math.inf, math.nan]
PASSES = [(True, True), (True, False), (False, True), (False, False)]
WIDTH = 3  # elements of the list argument


def random_number(rng: random.Random) -> float:
    kind = rng.random()
    if kind < 0.3:
        return rng.choice(SPECIAL)
    if kind < 0.5:
        return float(rng.randint(-3, 3))
    return rng.uniform(-3.0, 3.0)


def random_program(rng: random.Random, length: int) -> list:
    """Steps (op name, argument indices or constants); nodes 0..WIDTH+2 are x[0..], t, w0, w1."""
    names = list(ops.TABLE)
    steps, available = [], WIDTH + 3
    for _ in range(length):
        name = rng.choice(names)
        op = ops.TABLE[name]
        arity = op.arity if op.arity is not None else 2 * rng.randint(1, 3)

        operands = [
            ("const", random_number(rng)) if rng.random() < 0.15 else rng.randrange(available)
            for _ in range(arity)
        ]
        steps.append((name, operands))
        available += 1
    return steps


def run(program: list, x: list, t, w: list):
    nodes = [*x, t, *w]
    for name, args in program:
        values = [nodes[a] if isinstance(a, int) else Value(a[1]) for a in args]
        op = ops.TABLE[name]
        if name == "sum":
            nodes.append(value_sum(values))
        elif name == "dot":
            half = len(values) // 2
            nodes.append(dot(values[:half], values[half:]))
        elif op.arity == 1:
            nodes.append(getattr(values[0], op.methods[0])())
        else:
            nodes.append(getattr(values[0], op.methods[0])(values[1]))
    # The output sums every node the program made, so each one is on the tape.
    return value_sum(nodes[WIDTH + 3 :])


def scalar_row(program, row, params):
    """(value, gradients) of one row on the scalar engine, or the exception type it raises."""
    w = [Value(p) for p in params]
    try:
        out = run(program, [Value(v) for v in row[0]], Value(row[1]), w)
        out.backward()
    except (ArithmeticError, ValueError) as error:
        return type(error)
    return out.data, [p.grad for p in w]


def same(a: float, b: float, rel_tol: float = 1e-9) -> bool:
    """NaN for NaN, inf for inf of the same sign, finite numbers close."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return math.isclose(a, b, rel_tol=rel_tol, abs_tol=1e-300)


#: numpy's exp, tanh, ... may differ from libm's by an ulp; a rule such as
#: 1 - tanh(x)^2 near tanh(x) = 1 magnifies that difference (1e-8 seen).
GRAD_TOL = 1e-6


def check_program(rng: random.Random) -> list:
    """The mismatches of one random program (empty when the tape agrees)."""
    program = random_program(rng, rng.randint(1, 6))
    params = [random_number(rng), random_number(rng)]
    rows = [([random_number(rng) for _ in range(WIDTH)], random_number(rng)) for _ in range(8)]
    truth = [scalar_row(program, row, params) for row in rows]
    good = [k for k, result in enumerate(truth) if isinstance(result, tuple)]
    if not good:
        return []
    w = [Value(p) for p in params]
    example = rows[good[0]]
    recorded = tape.record(lambda x, t: run(program, x, t, w), example[0], example[1], params=w)
    problems = []
    for group, lift in PASSES:
        taped = recorded.passes(group, lift)
        problems += _check_passes(taped, program, rows, truth, good, (group, lift))
    return problems


def _check_passes(taped, program, rows, truth, good, passes) -> list:
    problems = []
    xs = np.array([r[0] for r in rows])
    ts = np.array([r[1] for r in rows])
    if len(good) < len(rows):
        try:
            taped.forward(xs, ts)
            problems.append((program, passes, "no domain error where the scalar path raises"))
        except (ArithmeticError, ValueError) as error:
            row = error.batch_index[-1]  # where nodes of one row fail in two ways, the
            # tape may meet the other first: any domain error of that row is right
            if isinstance(truth[row], tuple):
                problems.append(
                    (program, passes, f"error {error!r} at a row the scalar path {truth[row]}")
                )
    values = taped.forward(xs[good], ts[good])
    for k, value in zip(good, values):
        if not same(float(value), truth[k][0]):
            problems.append((program, passes, f"row {rows[k]}: value {value} != {truth[k][0]}"))
        _, grads = taped.value_and_grad(xs[[k]], ts[[k]])
        for g, expected in zip(grads, truth[k][1]):
            if not same(g, expected, GRAD_TOL):
                problems.append((program, passes, f"row {rows[k]}: grads {grads} != {truth[k][1]}"))
                break
    return problems


def check_programs(count: int, seed: int) -> list:
    rng = random.Random(seed)
    problems = []
    for _ in range(count):
        problems += check_program(rng)
    return problems


if __name__ == "__main__":
    count, seed = int(sys.argv[1]), int(sys.argv[2])
    found = check_programs(count, seed)
    for problem in found[:20]:
        print(problem)
    print(f"{count} programs (seed {seed}), 4 pass combinations each: {len(found)} mismatches")
