"""The lessons in notebooks/ run top to bottom, and their numbers are right.

A notebook is documentation that executes: if the API changes under it, this
fails. Each notebook runs once (a module-scoped fixture) in a fresh python3
kernel whose working directory is an empty temporary folder, so a file it
wrote there would show. The lessons keep asserts out of their flow; the checks
of what they teach live here, against closed forms computed in the test.
"""

import ast
import importlib.metadata
import json
import pathlib
import re
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from autograd_scalar.exercises import EXERCISES

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the [test] extra brings tomli
    import tomli as tomllib

ROOT = pathlib.Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


# What each lesson teaches, checked in the lesson's own kernel after its last
# cell: closed forms worked out here, and agreement between the hand-written
# computation and the engine.
CHECKS = {
    "01_by_hand.ipynb": """
assert by_hand == {"a": 10.5, "b": 8.0, "c": 3.0, "d": 2.5}   # 3·1 + 2.5·3, 3·1 + 2.5·2
assert engine == by_hand and forward_mode == {"a": 10.5, "b": 8.0}
assert all(math.isclose(engine_lr[k], bar[k], rel_tol=1e-12) for k in bar)
assert bar["w"] < 0 and math.isclose(lam.grad, r.data, rel_tol=1e-12)
assert all(math.isclose(e, h, rel_tol=1e-12, abs_tol=1e-15)
           for el, hl in zip(engine_delta, delta) for e, h in zip(el, hl))
for i, layer in enumerate(layers):
    for j, neuron in enumerate(layer.neurons):
        assert math.isclose(neuron.b.grad, delta[i][j], rel_tol=1e-12, abs_tol=1e-15)
        assert all(math.isclose(w.grad, delta[i][j] * a_vals[i][k], rel_tol=1e-12, abs_tol=1e-15)
                   for k, w in enumerate(neuron.w))
""",
    "02_tracing.ipynb": """
assert (a.grad, b.grad, c.grad, d.grad) == (10.5, 8.0, 3.0, 2.5)
assert "3·1 + 2.5·3 = 10.5" in trace.to_text()
dn = 1 - y.data ** 2                                 # closed form: ∂y/∂n = 1 - tanh²n
assert math.isclose(dn, 0.5, rel_tol=1e-12)
for got, want in [(w1.grad, x1.data * dn), (w2.grad, x2.data * dn), (x1.grad, w1.data * dn),
                  (x2.grad, w2.data * dn), (bias.grad, dn)]:
    assert math.isclose(got, want, rel_tol=1e-12), (got, want)
assert svg_path.read_text().rstrip().endswith("</svg>") and svg_path.parent == out_dir
""",
    "03_topological_order.ipynb": """
assert a.grad == 4.0 == ordered[a]                   # c = 4a
assert naive[a] == 6.0 and once[a] == 2.0            # the two wrong answers the lesson explains
assert [v.label for v in order] == ["a", "b", "c"]
""",
    "04_training.ipynb": """
assert result.accuracy >= 0.95 and result.losses[-1] < result.losses[0]
assert blob_losses[-1] < blob_losses[0] and blob_accuracy() >= 0.9
assert len(dead_reckless) > len(dead) and dead_grads and all(g == 0.0 for g in dead_grads)
assert copy.state_dict() == model.state_dict()
""",
    "05_matrix_form.ipynb": """
assert np.isclose(numpy_cost, C.data, rtol=1e-12) and worst < 1e-12
assert max(agreement) < 1e-12 and [r[5] for r in rows] == [r[0] * r[1] for r in rows]
assert all(math.isclose(fm, cf, rel_tol=1e-12) and math.isclose(rm, cf, rel_tol=1e-12)
           for fm, rm, cf in zip(forward_mode, reverse_mode, closed_form))
assert all(math.isclose(hessian_columns[j][i], exact[i][j], rel_tol=1e-12)
           for i in range(2) for j in range(2))
assert hvp_error < 1e-7
assert tape_error < 1e-12   # the tape replays the same table as the Values
""",
    "06_watching_training.ipynb": """
assert [p.data for p in plain.parameters()] == [p.data for p in model.parameters()]   # recording changes nothing
assert list(rec.snapshots[0].params) == [p.data for p in start().parameters()]
assert [s.step for s in rec.snapshots] == list(range(60))
assert sum((model(x).data > 0) == (t > 0) for x, t in zip(X, labels)) / len(X) >= 0.9
dead_normal, dead_hot = dead_neurons(model, X), dead_neurons(hot_model, X)
assert len(dead_hot) > len(dead_normal)
hot_model.zero_grad(); hinge([hot_model(x) for x in X], labels).backward()
dead_params = [p for l, j in dead_hot for p in hot_model.layers[l].neurons[j].parameters()]
assert dead_params and all(p.grad == 0.0 for p in dead_params)   # relu'(z) = 0 on every point
assert (out_dir / "training.html").is_file() and hot_path.parent == out_dir
""",
    "07_memory_and_second_derivative.ipynb": """
assert kept == 1001 and most_alive == (32 + 1) + (32 + 1)   # k + 1 saved, one segment of ⌈n/k⌉ + its leaf
assert math.isclose(by_hand_grad, plain_grad, rel_tol=1e-12)
assert all(g == g_ckpt for _, _, g, _, g_ckpt in rows)       # the same floats
assert 0.95 < plain_exponent < 1.05 and 0.4 < checkpointed_exponent < 0.6
assert all(c <= 3 * math.isqrt(n) + 8 for n, _, _, c, _ in rows)
from autograd_scalar import hvp
assert hvp_error < 1e-12 and hvp_engine == hvp(f, [0.7, -1.3], [0.4, 2.0])
assert exercise_same
""",
    "08_outgrow_scalars.ipynb": """
assert export_error < 1e-12 and drift < 1e-12 and module_error < 1e-12   # float64 both sides
assert worst < 1e-12 and len(torch_losses) == len(more_tape_losses) == 30  # the same loss curve
assert torch_losses[-1] < tape_losses[0] / 10
assert back.architecture() == model.architecture()
assert onnx_error < 1e-9 and accuracy >= 0.95 and path.parent == out_dir
assert shard_error < 1e-12                                   # the mean of equal shares' means
assert changed_names == ["layers.1.neurons.5.w.7"] and torch_name(changed_names[0]) == ("2.weight", (5, 7))
assert weighted_error < 1e-12 and plain_error > 1e-6
""",
    "09_build_your_own.ipynb": """
assert (a.grad, b.grad) == (21.0, 16.0)              # d + bc and d + ac at a = 2, b = 3
assert set(first_report.failed) == {"deep chain", "backward twice", "zero_grad"}
assert my_report.ok and my_report.passed == list(PROPERTIES)
assert "node used twice" in assigning_report.failed and not check_engine(AssigningValue).ok
""",
}

CHECK_IMPORTS = "import math\nfrom autograd_scalar.grader import PROPERTIES\n"

SOLUTION = re.compile(r"<details><summary>Solution</summary>\s*```python\n(.*?)```", re.S)


def solutions(notebook):
    """The code of every hidden solution, in order."""
    return [
        code
        for cell in notebook.cells
        if cell.cell_type == "markdown"
        for code in SOLUTION.findall(cell.source)
    ]


# A wrong answer per exercise (a typical mistake), as code run after its solution:
# the exercise's check must then say "not yet" with a hint.
WRONG = {
    "01.1": "(10.5, 8.0)",  # the answers of o, which has the ½
    "01.2": "1.0",
    "02.1": "(6.0, 1)",  # only the product's term
    "02.2": "1.0",
    "03.1": "(26.0, 2.0, 4.0)",
    "03.2": "[2 * k for k in range(1, 11)]",
    "04.1": "(36, small_result.accuracy)",
    "05.1": "[[4.0, 2.0], [2.0, math.sin(2.0)]]",  # the sign of -sin y
    "06.1": "[2 * g for g in answer]",
    "06.2": "(answer[0], answer[1] + 1)",
    "09.2": '(AssigningValue, ["node used twice"])',
}

CHECK_CALL = re.compile(r'^check\("(\d\d\.\d)", answer.*\)$', re.M)


def checked(solution):
    """A solution whose check must pass, followed by a wrong answer whose check must fail."""
    lines = solution.rstrip().splitlines()
    call = CHECK_CALL.fullmatch(lines[-1])
    if call is None:
        return solution
    return solution + (
        f"_verdict = {lines[-1]}\n"
        "assert _verdict, repr(_verdict)\n"
        f"answer = {WRONG[call.group(1)]}\n"
        f"_verdict = {lines[-1]}\n"
        'assert not _verdict and "Hint:" in repr(_verdict), repr(_verdict)\n'
    )


def _run(path, workdir):
    """Execute the lesson, then its hidden solutions (each check right, then wrong)
    and its checks, in one kernel."""
    notebook = nbformat.read(path, as_version=4)
    extra = [checked(s) for s in solutions(notebook)] + [CHECK_IMPORTS + CHECKS[path.name]]
    notebook.cells += [nbformat.v4.new_code_cell(code) for code in extra]
    client = NotebookClient(
        notebook, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(workdir)}}
    )
    client.execute()  # raises CellExecutionError naming the cell on any error
    return notebook


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """name -> (executed notebook, its working directory), each run once."""
    cache = {}

    def run(name):
        if name not in cache:
            workdir = tmp_path_factory.mktemp(name.split(".")[0])
            cache[name] = (_run(ROOT / "notebooks" / name, workdir), workdir)
        return cache[name]

    return run


def test_every_lesson_has_checks_and_the_tracing_lesson_is_among_them():
    assert sorted(CHECKS) == [path.name for path in NOTEBOOKS]
    assert "02_tracing.ipynb" in CHECKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_every_lesson_is_a_lesson(path):
    """A question, a predict-then-check cell, a picture, exercises with hidden solutions, no asserts."""
    notebook = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
    assert "**The question.**" in markdown and "**Predict, then check.**" in markdown
    assert "viz.draw(" in code or "plt.show()" in code or "trace\n" in code + "\n"
    assert 1 <= len(solutions(notebook)) == markdown.count("**Exercise ")
    assert not re.search(r"^\s*assert\b", code, re.M)


def your_turn_cells(notebook):
    return [
        cell.source
        for cell in notebook.cells
        if cell.cell_type == "code" and cell.source.startswith("# Your turn")
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_every_your_turn_cell_ends_with_a_check_and_its_solution_with_the_same(path):
    notebook = nbformat.read(path, as_version=4)
    turns, answers = your_turn_cells(notebook), solutions(notebook)
    assert len(turns) == len(answers) >= 1
    for turn, solution in zip(turns, answers):
        last = turn.rstrip().splitlines()[-1]
        assert last.startswith(("check(", "check_engine(")), last
        assert solution.rstrip().splitlines()[-1] == last or last.startswith("check_engine(")
        call = CHECK_CALL.fullmatch(last)
        assert call is None or call.group(1) in WRONG


def test_every_exercise_of_the_checks_module_is_used_by_a_lesson():
    used = set()
    for path in NOTEBOOKS:
        for turn in your_turn_cells(nbformat.read(path, as_version=4)):
            used.update(CHECK_CALL.findall(turn))
    assert used == set(EXERCISES) == set(WRONG)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_lesson_runs_and_its_solutions_and_checks_hold(path, executed):
    """Files a lesson writes go to a temporary folder, never its working directory."""
    notebook, workdir = executed(path.name)  # the checks ran as its last cell
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code_cells and all(cell.get("execution_count") for cell in code_cells)
    assert sorted(p.name for p in workdir.iterdir()) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebooks_are_stored_without_outputs(path):
    """The checkout holds lessons, not results: outputs come from running them."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source[:60]


def _requirement_names(requirements):
    names = []
    for requirement in requirements:
        name = re.match(r"[A-Za-z0-9._-]+", requirement).group(0)
        names.append(re.sub(r"[-_.]+", "-", name).lower())
    return names


def _installed_closure(names):
    """The distributions ``names`` pull in, following installed metadata."""
    seen, todo = set(), list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        todo.extend(_requirement_names(r for r in requires if "extra ==" not in r))
    return seen


#: A lesson that needs more than the [notebooks] extra says so in its text, as
#: the install line a reader copies: pip install "autograd-scalar[notebooks,torch]".
INSTALL_LINE = re.compile(r'pip install "autograd-scalar\[([a-z,]+)\]"')


def _extras_named(path) -> list:
    markdown = "\n".join(
        "".join(cell["source"])
        for cell in json.loads(path.read_text())["cells"]
        if cell["cell_type"] == "markdown"
    )
    return sorted({extra for group in INSTALL_LINE.findall(markdown) for extra in group.split(",")})


def test_a_lesson_that_needs_an_export_extra_names_it_in_its_install_line():
    assert _extras_named(ROOT / "notebooks" / "08_outgrow_scalars.ipynb") == [
        "notebooks",
        "onnx",
        "torch",
    ]
    assert _extras_named(ROOT / "notebooks" / "01_by_hand.ipynb") == []


def test_every_notebook_import_comes_with_the_notebooks_extra():
    """Source of truth: pyproject's runtime dependencies plus the [notebooks] extra,
    plus the extras a lesson names in its install line (the export lesson's torch, onnx)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for path in NOTEBOOKS:
        named = [extras[extra] for extra in _extras_named(path)]
        allowed = _installed_closure(
            _requirement_names(sum(named, project["dependencies"] + extras["notebooks"]))
        )
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules = [node.module]
                else:
                    continue
                for module in modules:
                    top = module.split(".")[0]
                    if top in sys.stdlib_module_names or top == "autograd_scalar":
                        continue
                    dists = _requirement_names(distributions.get(top, [top]))
                    if not set(dists) & allowed:
                        missing.setdefault(path.name, []).append(top)
    assert missing == {}
