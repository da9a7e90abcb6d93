"""Adding an op is one table row plus one test-spec entry, then regenerating.

The test copies the whole project (package, tests, README, docs, notebooks)
to a temporary folder and adds a throwaway op ``cube`` (x³, with its rule
3x²) as ONE row of the derivative table (``autograd_scalar/ops.py``) and ONE
entry of the tests' op spec (``tests/op_spec.py``), then runs
``python -m autograd_scalar.ops --write`` (the README's op table and Value's
type stubs). Nothing else is edited. It shows that:

* the new op appears everywhere the table drives: a ``Value`` method (first
  and second derivatives), a function of the expression language, a row of
  the README's op table, a formula and a rule in the backward trace, the
  JavaScript of live pages, and a tape over a batch;
* without its spec entry the suite fails (a new op cannot land untested);
* with it, the copy's WHOLE test suite passes (oracles, properties, rule
  text, JavaScript in the browser, tape and exports, house rules, ...).
  This runs the suite once more, on the copy: about as long as the suite
  itself (five minutes on an idle two-core machine).
"""

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ROW_MARKER = "        # (new entries go above this line)\n"
SPEC_MARKER = "    # (new entries go above this line)\n"
CUBE_ROW = """\
        Op(
            "cube",
            forward=lambda x: x * x * x,
            js="x * x * x",
            rules=(Rule(lambda out, x: 3.0 * x * x, "d cube(x)/dx = 3*x^2", js="3 * x * x"),),
            function=True,
            doc="x cubed.",
        ),
"""
CUBE_SPEC = """\
    "cube": OpSpec(lambda x: x.cube(), lambda x: x**3, lambda x: x**3, ((-1.5,), (0.5,), (2.0,))),
"""
#: What the copy needs beside the package and the tests (the tests read them).
PROJECT = (
    "autograd_scalar",
    "tests",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    "pyproject.toml",
    "mkdocs.yml",
    "docs",
    "notebooks",
    "benchmarks",
    ".ci",
    ".gitignore",
)

CHECKS = textwrap.dedent("""
    from autograd_scalar import Value, expr, grad, ops, tape, trace_backward

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
    t = tape.record(lambda v: v.cube(), 1.0)
    print("tape", t.forward([2.0, -1.0]).tolist())
""")


def _ignore(folder, names):
    return [n for n in names if n in ("__pycache__", ".pytest_cache", "site", ".ci-venv")]


@pytest.fixture(scope="module")
def project_with_cube(tmp_path_factory) -> Path:
    """A copy of the project with ``cube`` as one table row (no spec entry yet)."""
    copy = tmp_path_factory.mktemp("with_cube")
    for name in PROJECT:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=_ignore)
        elif source.exists():
            shutil.copy(source, copy / name)
    _insert(copy / "autograd_scalar" / "ops.py", ROW_MARKER, CUBE_ROW)
    regenerated = _run([sys.executable, "-m", "autograd_scalar.ops", "--write"], copy)
    assert regenerated.returncode == 0, regenerated.stderr
    return copy


def _insert(path: Path, marker: str, text: str) -> None:
    source = path.read_text(encoding="utf-8")
    assert source.count(marker) == 1, f"the end marker of {path.name} is missing"
    path.write_text(source.replace(marker, text + marker), encoding="utf-8")


def _run(args: list, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(cwd)}  # the copy's package, not ours
    return subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=environment
    )


def _pytest(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    options = ["-o", "addopts=--doctest-modules", "-q", "-p", "no:cacheprovider"]
    command = [sys.executable, "-m", "pytest", *options, *args]
    return _run(command, cwd, timeout)


def test_a_new_row_appears_in_value_expr_readme_trace_javascript_and_tape(project_with_cube):
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
    assert lines["tape"] == "[8.0, -1.0]"  # the default batch form: the forward on arrays


def test_the_row_alone_fails_the_suite_and_with_its_spec_entry_the_whole_suite_passes(
    project_with_cube,
):
    without = _pytest(project_with_cube, "tests/test_ops_oracle.py", "-k", "covers_every_op")
    assert without.returncode == 1 and "1 failed" in without.stdout, without.stdout

    _insert(project_with_cube / "tests" / "op_spec.py", SPEC_MARKER, CUBE_SPEC)
    whole = _pytest(
        project_with_cube,
        "--ignore=tests/test_table_drives_everything.py",  # this test, once is enough
        timeout=3600,
    )
    assert whole.returncode == 0, whole.stdout[-8000:] + whole.stderr[-2000:]
    assert " passed" in whole.stdout and "failed" not in whole.stdout
