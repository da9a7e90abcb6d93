"""Adding an op is one table entry plus its oracle: nothing else is edited.

The test copies the package and the oracle test to a temporary folder, adds a
throwaway op ``cube`` (x³, with its rule 3x²) as ONE entry of the derivative
table, and shows that it then appears everywhere the table drives: a ``Value``
method (first and second derivatives), a function of the expression language,
a row of the README's op table, a formula and a rule in the backward trace,
and the JavaScript table of live pages.
The oracle test then fails until the op has an oracle entry, and passes with
one: a new op cannot land untested.
"""

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKER = "    # (new entries go above this line)\n"
CUBE_ENTRY = (
    '    _unary_function("cube", lambda x: x * x * x, lambda out, x: 3.0 * x * x,\n'
    '                    "d cube(x)/dx = 3*x^2", "x cubed.",\n'
    '                    js="x * x * x", js_rule="3 * x * x"),\n'
)
CUBE_ORACLE = (
    '    "cube": Oracle(lambda x: x.cube(), lambda x: x ** 3, lambda x: x ** 3,\n'
    "                   ((-1.5,), (0.5,), (2.0,))),\n"
)

CHECKS = textwrap.dedent("""
    from autograd_scalar import Value, expr, grad, ops, trace_backward

    x = Value(2.0, label="x")
    y = x.cube(); y.backward()
    print("value", y.data, x.grad)
    print("second", grad(grad(lambda v: v.cube()))(2.0))
    root, leaves = expr.evaluate("cube(a) + 1", {"a": 2.0})
    print("expr", root.data, "cube" in expr.FUNCTIONS)
    print("readme", [row for row in ops.markdown_table().splitlines() if "cube" in row][0])
    a = Value(2.0, label="a"); out = a.cube(); out.label = "out"
    trace = trace_backward(out)
    print("trace", [line.strip() for line in trace.to_text().splitlines() if "cube" in line][0])
    step = trace.steps[-1]
    print("rule", trace.rules(step, step.terms[0]))
    print("javascript", '"cube": {forward: function (x) { return x * x * x; }' in ops.javascript_table())
""")


@pytest.fixture(scope="module")
def project_with_cube(tmp_path_factory) -> Path:
    """A copy of the package and the oracle test, with ``cube`` added to the table only."""
    copy = tmp_path_factory.mktemp("with_cube")
    shutil.copytree(
        ROOT / "autograd_scalar",
        copy / "autograd_scalar",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    (copy / "tests").mkdir()
    for name in ("conftest.py", "test_ops_oracle.py"):
        shutil.copy(ROOT / "tests" / name, copy / "tests" / name)
    ops_py = copy / "autograd_scalar" / "ops.py"
    source = ops_py.read_text(encoding="utf-8")
    assert source.count(MARKER) == 1, "the table's end marker is missing"
    ops_py.write_text(source.replace(MARKER, CUBE_ENTRY + MARKER), encoding="utf-8")
    return copy


def _run(args: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        args,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd), "HOME": str(cwd)},
    )


def test_a_new_table_entry_appears_in_value_expr_readme_table_trace_and_javascript(
    project_with_cube,
):
    result = _run([sys.executable, "-c", CHECKS], project_with_cube)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["value"] == "8.0 12.0"  # x³ = 8 and 3x² = 12 at x = 2
    assert lines["second"] == "12.0"  # d²(x³)/dx² = 6x = 12, from the rule as a graph
    assert lines["expr"] == "9.0 True"
    assert lines["readme"] == "| `cube` | 1 | `d cube(x)/dx = 3*x^2` |"
    assert lines["trace"] == "out = cube(a) = 8"
    assert lines["rule"] == "['d cube(x)/dx = 3*x^2']"
    assert lines["javascript"] == "True"  # what live pages recompute with


def test_the_oracle_test_fails_without_an_oracle_and_passes_with_one(project_with_cube):
    pytest_args = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        "tests/test_ops_oracle.py",
    ]
    without = _run(pytest_args + ["-k", "covers_every_op"], project_with_cube)
    assert without.returncode == 1 and "1 failed" in without.stdout, without.stdout

    oracle_test = project_with_cube / "tests" / "test_ops_oracle.py"
    source = oracle_test.read_text(encoding="utf-8")
    anchor = "\n}\n\nCASES"
    assert source.count(anchor) == 1
    oracle_test.write_text(
        source.replace(anchor, "\n" + CUBE_ORACLE.rstrip("\n") + anchor), encoding="utf-8"
    )
    with_oracle = _run(pytest_args + ["-k", "cube or covers_every_op"], project_with_cube)
    assert with_oracle.returncode == 0, with_oracle.stdout + with_oracle.stderr
    assert " passed" in with_oracle.stdout and "failed" not in with_oracle.stdout
