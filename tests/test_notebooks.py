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
import tomllib

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _run(path, workdir):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
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


def outputs_text(notebook, tag):
    """Everything the cells tagged ``tag`` printed or returned, as one string."""
    texts = []
    for cell in notebook.cells:
        if tag in cell.get("metadata", {}).get("tags", []):
            for output in cell.get("outputs", []):
                texts.append(output.get("text", ""))
                texts.append(output.get("data", {}).get("text/plain", ""))
    return "\n".join(texts)


def test_the_tracing_notebook_is_among_those_run():
    assert "02_tracing.ipynb" in [path.name for path in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.name for path in NOTEBOOKS])
def test_notebook_runs_without_errors_and_writes_nothing_beside_itself(path, executed):
    """Files a lesson writes go to a temporary folder, never its working directory."""
    notebook, workdir = executed(path.name)
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


def test_every_notebook_import_comes_with_the_notebooks_extra():
    """Source of truth: pyproject's runtime dependencies plus the [notebooks] extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    allowed = _installed_closure(_requirement_names(
        project["dependencies"] + project["optional-dependencies"]["notebooks"]))
    distributions = importlib.metadata.packages_distributions()
    missing = {}
    for path in NOTEBOOKS:
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
