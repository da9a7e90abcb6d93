"""Live mode of the Recorder under a real IPython kernel (nbclient).

The live view must use ONE output area, updated in place through a display
handle (update_display_data), at most once per ``live_interval``; without
IPython, recording works and shows nothing (tests/test_explore.py).
"""

from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

TRAIN = """
import random
from autograd_scalar.data import make_moons
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP, hinge
from autograd_scalar.optim import SGD
X, y = make_moons(20, noise=0.1, seed=1)
labels = [2 * c - 1 for c in y]
model = MLP(2, [4, 1], rng=random.Random(0))
opt = SGD(model.parameters(), lr=0.5)
rec = Recorder(model, X, labels, live=True, live_interval={interval})
for k in range(5):
    loss = hinge([model(x) for x in X], labels)
    opt.zero_grad(); loss.backward(); rec.record(loss); opt.step()
"""


def run_cells(*sources, tmp_path):
    notebook = new_notebook(cells=[new_code_cell(source) for source in sources])
    NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    return notebook.cells


def html_outputs(cell) -> list:
    return [
        out["data"]["text/html"]
        for out in cell.outputs
        if out.get("output_type") in ("display_data", "execute_result")
        and "text/html" in out.get("data", {})
    ]


def test_live_mode_updates_one_output_area_in_place_and_throttles(tmp_path):
    """With an hour between redraws, the loop shows step 0 only; finish() then
    redraws that same output area (in another cell) with the last step."""
    train, finish = run_cells(TRAIN.format(interval=3600), "rec.finish()", tmp_path=tmp_path)
    shown = html_outputs(train)
    assert len(shown) == 1 and "<b>step 4</b>" in shown[0] and "<svg" in shown[0]
    assert finish.outputs == []


def test_live_mode_shows_step_zero_until_the_interval_passes(tmp_path):
    (train,) = run_cells(TRAIN.format(interval=3600), tmp_path=tmp_path)
    shown = html_outputs(train)
    assert len(shown) == 1 and "<b>step 0</b>" in shown[0]


def test_live_mode_without_throttling_shows_the_last_step(tmp_path):
    (train,) = run_cells(TRAIN.format(interval=0), tmp_path=tmp_path)
    shown = html_outputs(train)
    assert len(shown) == 1 and "<b>step 4</b>" in shown[0]
