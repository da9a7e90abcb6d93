"""Practice problems: reproducible by seed, hand-doable at levels 1-3, never on
a kink or pole, and every answer of the key equal to PyTorch float64's (and to
sympy's exact derivative at levels 1-3). The command line runs as a subprocess."""

import json
import math
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy
import torch

from autograd_scalar import practice, topological_order

SEEDS = range(10)
LEVELS = range(1, 6)


def torch_answers(problem):
    """f and ∂f/∂x by PyTorch float64, evaluating the same expression text."""
    x = {
        n: torch.tensor(float(v), dtype=torch.float64, requires_grad=True)
        for n, v in problem.values.items()
    }
    scope = {"__builtins__": {}, "tanh": torch.tanh, "exp": torch.exp, "relu": torch.relu}
    f = eval(problem.expression, scope, dict(x))
    f.backward()
    return f.item(), {n: x[n].grad.item() for n in problem.asked}


def sympy_answers(problem):
    """f and ∂f/∂x exactly (sympy), at the exact rational values."""
    symbols = {n: sympy.Symbol(n) for n in problem.values}
    scope = {"tanh": sympy.tanh, "exp": sympy.exp, "relu": lambda z: sympy.Max(0, z), **symbols}
    f = sympy.sympify(problem.expression, locals=scope)
    at = {symbols[n]: sympy.Rational(Fraction(v)) for n, v in problem.values.items()}
    return f.subs(at), {n: sympy.diff(f, symbols[n]).subs(at) for n in problem.asked}


def test_the_same_seed_gives_the_same_problem_pinned():
    problem = practice.generate(3, 4)
    assert (problem.expression, problem.values) == (
        practice.generate(3, 4).expression,
        practice.generate(3, 4).values,
    )
    assert problem.to_json() == PINNED


PINNED = {
    "name": "level3-seed4",
    "level": 3,
    "seed": 4,
    "topic": "tanh, exp, relu, powers and division",
    "expression": "(a + b) / c",
    "values": {"a": 1, "b": 1, "c": 1},
    "asked": ["a", "b", "c"],
    "value": 2.0,  # (1 + 1) / 1
    "gradients": {"a": 1.0, "b": 1.0, "c": -2.0},  # 1/c, 1/c, -(a + b)/c²
}


@pytest.mark.parametrize("level", LEVELS)
def test_every_answer_agrees_with_pytorch_float64(level):
    for seed in SEEDS:
        problem = practice.generate(level, seed)
        key = problem.answers()
        value, gradients = torch_answers(problem)
        assert math.isclose(key["value"], value, rel_tol=1e-12, abs_tol=1e-15)
        for x in problem.asked:
            assert math.isclose(key["gradients"][x], gradients[x], rel_tol=1e-12, abs_tol=1e-15)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_hand_levels_are_exact_small_numbers_that_agree_with_sympy(level):
    for seed in range(40):
        problem = practice.generate(level, seed)
        assert all(2 * v == int(2 * v) and abs(v) <= 9 for v in problem.values.values())
        key = problem.answers()
        value, gradients = sympy_answers(problem)
        assert key["value"] == float(value) and (8 * value).is_integer
        for x in problem.asked:
            assert key["gradients"][x] == float(gradients[x]), (problem.expression, x)
            assert (8 * gradients[x]).is_integer  # quarters and eighths at worst


def test_level_three_never_lands_on_a_kink_a_pole_or_a_domain_edge():
    seen = set()
    for seed in range(200):
        root, _ = practice.generate(3, seed).graph()
        for node in topological_order(root):
            seen.add(str(node.op))
            if node.op == "relu":
                assert node.parents[0].data != 0  # relu's kink
            if node.op == "div":
                assert node.parents[1].data != 0  # the pole of x / y
            if node.op == "pow":
                assert node.parents[0].data != 0
    assert {"tanh", "exp", "relu", "pow", "div"} <= seen


@pytest.mark.parametrize("level", [1, 2, 3])
def test_each_level_practises_what_it_says(level):
    texts = {practice.generate(level, seed).expression for seed in range(60)}
    if level == 1:
        assert all(set(t) <= set("abc +*()") for t in texts)
        assert all(t.count(x) <= 1 for t in texts for x in "abc")
    if level == 2:  # some input appears on two paths in every problem
        assert all(any(t.count(x) >= 2 for x in "abc") for t in texts)


@pytest.mark.parametrize("level", [4, 5])
def test_network_levels_keep_their_tanh_units_off_the_flat_tails(level):
    for seed in SEEDS:
        root, _ = practice.generate(level, seed).graph()
        units = [n for n in topological_order(root) if n.op == "tanh"]
        assert len(units) == level - 3
        assert all(abs(unit.parents[0].data) <= 2 for unit in units)


def test_bad_levels_and_seeds_are_refused():
    with pytest.raises(ValueError, match="level must be 1, 2, 3, 4 or 5"):
        practice.generate(6, 0)
    with pytest.raises(ValueError, match="non-negative integer"):
        practice.generate(1, -1)


def test_the_student_page_holds_no_answer_and_the_key_holds_them_all():
    problem = practice.generate(2, 3)
    key = problem.answers()
    student, teacher = practice.student_page(problem), practice.key_page(problem)
    for g in key["gradients"].values():
        assert f"<td>{g:.12g}</td>" in teacher and f"<td>{g:.12g}</td>" not in student
    assert problem.expression.replace("*", "") in student.replace("*", "")


# -- the command line, as a subprocess ------------------------------------------------


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "practice", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


@pytest.mark.parametrize("level", LEVELS)
def test_the_command_writes_pages_and_keys_that_agree_with_pytorch(level, tmp_path):
    result = cli(
        "--level", str(level), "--seed", "11", "--count", "10", "--out", "set", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    problems = sorted(p.name for p in (tmp_path / "set" / "problems").iterdir())
    answers = sorted(p.name for p in (tmp_path / "set" / "answers").iterdir())
    assert len(problems) == 10 and answers == sorted(problems + ["answers.json"])
    for entry in json.loads((tmp_path / "set" / "answers" / "answers.json").read_text()):
        problem = practice.generate(entry["level"], entry["seed"])
        value, gradients = torch_answers(problem)
        assert math.isclose(entry["value"], value, rel_tol=1e-12, abs_tol=1e-15)
        assert all(
            math.isclose(entry["gradients"][x], gradients[x], rel_tol=1e-12, abs_tol=1e-15)
            for x in problem.asked
        )
        page = (tmp_path / "set" / "problems" / f"{entry['name']}.html").read_text()
        assert "<svg" in page and "answers" not in page


def test_the_command_is_reproducible_by_seed(tmp_path):
    for out in ("one", "two"):
        assert (
            cli(
                "--level", "3", "--seed", "5", "--count", "4", "--out", out, cwd=tmp_path
            ).returncode
            == 0
        )
    one = {p.relative_to(tmp_path / "one"): p.read_bytes() for p in (tmp_path / "one").rglob("*.*")}
    two = {p.relative_to(tmp_path / "two"): p.read_bytes() for p in (tmp_path / "two").rglob("*.*")}
    assert one == two and len(one) == 9


@pytest.mark.parametrize(
    "args, message",
    [
        (["--level", "6"], "--level: value must be"),
        (["--level", "two"], "--level"),
        (["--count", "0"], "--count: value must be"),
        (["--seed", "-1"], "--seed"),
        (["--out", "afile"], "exists and is not a directory"),
        (["--colour"], "unrecognized arguments: --colour"),
        (["--worksheet", "--level", "6"], "--level: value must be"),
        (["--worksheet", "--count", "0"], "--count: value must be"),
        (["--worksheet", "--out", "afile"], "exists and is not a directory"),
        (["--worksheet=yes"], "--worksheet: ignored explicit argument 'yes'"),
    ],
)
def test_bad_options_give_one_line_exit_2_and_no_files(args, message, tmp_path):
    (tmp_path / "afile").write_text("x")
    result = cli(*args, cwd=tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_a_failed_write_leaves_no_student_page(tmp_path):
    (tmp_path / "set" / "answers" / "answers.json").mkdir(parents=True)  # cannot become a file
    result = cli("--count", "3", "--out", "set", cwd=tmp_path)
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1
    assert not any((tmp_path / "set" / "problems").glob("*.html"))
    assert not any((tmp_path / "set" / "answers").glob("*.html"))
