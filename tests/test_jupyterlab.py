"""Lesson 02 in a real JupyterLab and Jupyter Notebook 7, driven by headless Chromium.

One Jupyter server for the run (the ``jupyter`` fixture of conftest.py: 127.0.0.1,
a random token, its own temporary Jupyter folders) serves both front ends. In
each, a copy of 02_tracing.ipynb is run from the Run menu, and the test checks
what a reader sees: the inline graph; a trace stepper that steps; the trace
cells run again (after ``o.backward()`` filled ``.grad``) showing the same
numbers; arrow keys that step the trace after clicking it and never outside
it. JupyterLab's saved copy is then opened by a fresh server whose trust
database is empty, as someone who downloaded it would: the notebook is
untrusted, no script runs, and the trace must still read as a list of steps.
A practice page (``trace_backward(o).practice()``) is answered keyboard-only.

Sources of truth: the trace's own text rendering (``to_text``), the
sum-over-paths example's closed forms (∂o/∂a = c̄·1 + d̄·b = 3·1 + 2.5·3 = 10.5,
∂o/∂b = 8), and for the practice graph o = c·d: v̄[c] = d = 6, v̄[d] = c = 5.
Every wait is bounded and waits on a condition. Screenshots (1280x800) are
written in the server's temporary folder.
"""

import json
import pathlib
import re
import shutil
import time

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from autograd_scalar import trace_backward
from autograd_scalar.demo import sum_over_paths_graph
from conftest import jupyter_server

ROOT = pathlib.Path(__file__).parent.parent
NOTEBOOK = "02_tracing.ipynb"
#: Hang guards (a loaded 2-core machine starts a kernel and runs the lesson slowly).
START_SECONDS, RUN_MS = 180, 600_000
#: Lesson 02's cells (markdown cells count): ``trace = trace_backward(o)`` and ``trace``.
TRACE_CELL, SHOWN_CELL = 5, 9


def sum_over_paths_equations():
    """The backward lines of the lesson's first trace, as the trace itself writes them."""
    *_, o = sum_over_paths_graph()
    text = trace_backward(o).to_text()
    return [line.strip() for line in text.split("output first:")[1].splitlines() if line.strip()]


def open_notebook(browser, url, app="jupyterlab"):
    """The notebook open, its kernel started (accepting the kernel dialog if it asks)."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(120_000)
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    # The status bar reads "Python 3 (ipykernel) | Idle" once the kernel is up (JupyterLab);
    # Notebook 7 has no status bar, its toolbar's execution indicator says "idle".
    if app == "notebook":
        idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    else:
        idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\(ipykernel\) \| Idle"))
    deadline = time.monotonic() + START_SECONDS
    while not idle.count():
        assert time.monotonic() < deadline, "the kernel did not start"
        accept_kernel_dialog(page)
        page.wait_for_timeout(250)
    return page


def trace_output(page):
    """The output area of the first trace (the one with the step slider)."""
    return page.locator(".jp-OutputArea-output").filter(has=page.locator("input[type=range]")).first


def visible_text(page, locator, expected):
    """The locator's rendered text once it shows ``expected``: JupyterLab renders
    only the cells near the viewport, so scroll there and let it lay them out."""
    deadline = time.monotonic() + 60
    while True:
        locator.scroll_into_view_if_needed()
        text = locator.inner_text()
        if expected in text or time.monotonic() > deadline:
            return text
        page.wait_for_timeout(500)


def prompts(page) -> list:
    return page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_text_contents()


#: A prompt that shows its cell queued or run: ``[*]:`` or ``[3]:``.
STARTED = """() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')]
                  .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""
#: Every code cell ran.
FINISHED = """() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                     return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)); }"""


def accept_kernel_dialog(page) -> bool:
    """Click "Select" if Jupyter asks which kernel to start (the notebook names python3)."""
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
    if select.count():
        select.click()
        return True
    return False


def run_all_cells(page, jupyter, attempts=3):
    """Run > Run All Cells, until every cell ran (bounded: a hang fails with what it saw).

    Notebook 7 can show its kernel "idle" before the page has attached the
    kernel; a Run All then finds no kernel and either asks which kernel to
    start (answered as a person would: Select) or clears the cells instead of
    running them (they stay ``[ ]``). So if no cell is queued within 30 s, Run
    All is chosen again (nothing ran, so nothing runs twice).
    """
    for _ in range(attempts):
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_text("Run All Cells", exact=True).click()
        deadline = time.monotonic() + 30
        while not page.evaluate(STARTED) and time.monotonic() < deadline:
            if accept_kernel_dialog(page):
                deadline = time.monotonic() + 30
            page.wait_for_timeout(250)
        if page.evaluate(STARTED):
            break
    try:
        page.wait_for_function(FINISHED, timeout=RUN_MS)
    except PlaywrightTimeout:
        page.screenshot(path=jupyter.home / "run_all_timeout.png")
        pytest.fail(f"Run All did not finish: prompts {prompts(page)}\n{jupyter.log()}")


def cell(page, index):
    """The notebook's cell at ``index`` (markdown cells count), scrolled into view."""
    found = page.locator(".jp-Notebook .jp-Cell").nth(index)
    found.scroll_into_view_if_needed()
    return found


def rerun(page, index):
    """Click into the code cell's editor, Shift+Enter, until its prompt shows a new number."""
    prompt = cell(page, index).locator(".jp-InputPrompt")
    before = prompt.text_content()
    cell(page, index).locator(".cm-content").click()
    page.keyboard.press("Shift+Enter")
    deadline = time.monotonic() + RUN_MS / 1000
    while not (re.search(r"\[\d+\]", prompt.text_content()) and prompt.text_content() != before):
        assert time.monotonic() < deadline, f"cell {index} did not run again: {prompts(page)}"
        page.wait_for_timeout(250)


def trace_numbers(page):
    """What lesson 02 shows of its first trace: the printed steps (the cell
    ``trace = trace_backward(o)``) and the stepper's own list of equations."""
    printed = cell(page, TRACE_CELL).locator(".jp-OutputArea-output").inner_text()
    listed = cell(page, SHOWN_CELL).locator(".ags-steps li").all_text_contents()
    return printed, listed


def keys_after_clicks(page, shot):
    """The first trace's step (slider value) after keys pressed: having clicked its
    drawing, then a markdown cell outside it, then while typing in a code cell."""
    stepper = trace_output(page)
    slider = stepper.locator("input[type=range]")
    stepper.scroll_into_view_if_needed()
    seen = {"start": int(slider.input_value()), "last": int(slider.get_attribute("max"))}
    stepper.locator(".ags-viewport").click(position={"x": 12, "y": 12})
    for key in ("ArrowLeft", "ArrowLeft", "ArrowRight"):
        page.keyboard.press(key)
    seen["clicked"] = int(slider.input_value())
    page.screenshot(path=shot)
    page.locator(".jp-MarkdownCell").nth(1).click()
    page.keyboard.press("ArrowLeft")
    seen["outside"] = int(slider.input_value())
    editor = page.locator(".jp-CodeCell .cm-content").last
    editor.scroll_into_view_if_needed()
    editor.click()
    page.keyboard.type("x-1")
    page.keyboard.press("ArrowLeft")
    seen["typed"], seen["editing"] = editor.inner_text(), int(slider.input_value())
    return seen


def check_keys(seen):
    """Two steps back and one forward, clamped to the trace; nothing once outside it."""
    expected = seen["start"]
    for move in (-1, -1, 1):
        expected = min(max(expected + move, 0), seen["last"])
    assert seen["clicked"] == expected != seen["start"], seen
    assert seen["outside"] == seen["clicked"] == seen["editing"], seen
    assert "x-1" in seen["typed"], seen


def saved_cells(path) -> list:
    """The cells of the notebook file at ``path``; none while Jupyter is still writing it."""
    try:
        return json.loads(path.read_text())["cells"]
    except (json.JSONDecodeError, KeyError):
        return []


def saved_errors(path) -> list:
    deadline = time.monotonic() + 30
    while not (cells := saved_cells(path)):
        assert time.monotonic() < deadline, f"{path.name} is not a notebook with cells"
        time.sleep(0.5)
    return [
        output
        for cell in cells
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    ]


def run_lesson(browser, jupyter, app, name):
    """Lesson 02 copied to ``name``, run from the menus of ``app``; its first trace
    stepped by its buttons, its trace cells re-run, saved, keys pressed: what a reader saw."""
    home = jupyter.home
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, home / "work" / name)
    page = open_notebook(browser, jupyter.url(name, app), app)
    run_all_cells(page, jupyter)
    seen = {"graph_texts": [svg.text_content() for svg in page.locator(".jp-OutputArea svg").all()]}
    stepper = cell(page, SHOWN_CELL).locator(".jp-OutputArea-output").first
    stepper.locator(".ags-trace.ags-js").wait_for()  # its script ran
    seen["before"] = visible_text(page, stepper, "Step 1 of")
    page.screenshot(path=home / f"1_{app}_ran_all.png")
    stepper.get_by_role("button", name=re.compile("next")).click()
    seen["after"] = stepper.inner_text()
    seen["slider"] = stepper.locator("input[type=range]").input_value()
    page.screenshot(path=home / f"2_{app}_stepped.png")
    for _ in range(5):
        stepper.get_by_role("button", name=re.compile("next")).click()
    seen["last"] = stepper.inner_text()
    # A normal notebook habit: run the trace cells again (after o.backward() filled .grad).
    seen["first_run"] = trace_numbers(page)
    rerun(page, TRACE_CELL)
    rerun(page, SHOWN_CELL)
    cell(page, SHOWN_CELL).locator(".ags-trace.ags-js").wait_for()
    seen["rerun"] = trace_numbers(page)
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    saved = home / "work" / name
    deadline = time.monotonic() + 60
    while not any(cell.get("outputs") for cell in saved_cells(saved)):
        assert time.monotonic() < deadline, "the notebook was not saved with its outputs"
        time.sleep(0.5)
    seen["keys"] = keys_after_clicks(page, home / f"4_{app}_keys.png")
    page.close()
    seen["errors"] = saved_errors(saved)
    return seen


@pytest.fixture(scope="module")
def ran(browser, jupyter):
    """Lesson 02 run from JupyterLab's menus."""
    return run_lesson(browser, jupyter, "jupyterlab", NOTEBOOK)


@pytest.fixture(scope="module")
def ran7(browser, jupyter):
    """Lesson 02 run from Jupyter Notebook 7's menus."""
    return run_lesson(browser, jupyter, "notebook", "02_notebook7.ipynb")


APPS = {"jupyterlab": "ran", "notebook": "ran7"}


@pytest.fixture(params=sorted(APPS))
def lesson(request):
    return request.getfixturevalue(APPS[request.param])


def test_run_all_cells_saves_no_error(lesson):
    assert lesson["errors"] == []


def test_the_inline_graph_shows(lesson):
    """viz.draw's SVG is in the page: o = c·d/2 = 15 and a = 2 are drawn as records."""
    assert any("data 15" in text and "data 2" in text for text in lesson["graph_texts"])


def test_the_trace_stepper_steps(lesson):
    equations = sum_over_paths_equations()
    # o = v5 / 2: v̄[v5] = v̄[o]·∂o/∂v5 = 1·(1/2); constants take no step.
    assert equations[0] == "v̄[o] = 1" and equations[1].endswith("= 1·0.5 = 0.5")
    assert equations[0] in lesson["before"] and equations[1] not in lesson["before"]
    assert equations[1] in lesson["after"] and lesson["slider"] == "1"
    assert equations[-1] in lesson["last"] and equations[-1].endswith("= 3·1 + 2.5·3 = 10.5")


def test_rerunning_the_trace_cells_leaves_the_numbers_unchanged(lesson):
    """After o.backward() and a second trace_backward(o): still ā = 10.5, b̄ = 8."""
    printed, listed = lesson["rerun"]
    assert lesson["rerun"] == lesson["first_run"]
    assert listed == sum_over_paths_equations()
    assert "= 3·1 + 2.5·3 = 10.5" in printed and "= 3·1 + 2.5·2 = 8" in printed


def test_arrow_keys_step_the_clicked_trace_and_nothing_else(lesson):
    check_keys(lesson["keys"])


def test_the_saved_notebook_reopened_untrusted_shows_every_step_as_text(ran, browser, jupyter):
    """No script runs in an untrusted notebook: the trace falls back to all its steps, in order.
    A fresh server has an empty trust database: it never saw the notebook signed."""
    equations = sum_over_paths_equations()
    with jupyter_server(jupyter.home) as fresh:
        page = open_notebook(browser, fresh.url(NOTEBOOK))
        text = visible_text(page, trace_output(page), "The backward pass, output first")
        page.screenshot(path=jupyter.home / "3_untrusted.png")
        page.close()
    positions = [text.find(equation) for equation in equations]
    assert -1 not in positions and positions == sorted(positions), (equations, text[:2000])
    assert "Step 1 of" not in text  # the script's step panel stays empty: no script ran


PRACTICE = """from autograd_scalar import Value, trace_backward
a, b = Value(2.0, label="a"), Value(3.0, label="b")
c = a + b; c.label = "c"
d = a * b; d.label = "d"
o = c * d; o.label = "o"
trace_backward(o).practice()"""


def tab_to_answer(page, limit=80):
    """Tab from the notebook until the practice page's answer field has the focus."""
    for _ in range(limit):
        if page.evaluate("document.activeElement.classList.contains('ags-answer')"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the practice page's answer field")


def practise(browser, jupyter, app):
    """A practice page run in ``app``, answered with the keyboard only."""
    name = f"practice_{app}.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(PRACTICE)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    nbformat.write(notebook, jupyter.home / "work" / name)
    page = open_notebook(browser, jupyter.url(name, app), app)
    run_all_cells(page, jupyter)
    panel = page.locator(".ags-practice")
    page.locator(".ags-trace.ags-js").wait_for()
    seen = {"asked": panel.locator(".ags-prompt").inner_text()}
    page.keyboard.press("Escape")  # command mode: the keys are the notebook's until Tab
    tab_to_answer(page)
    seen["focus"] = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    page.keyboard.type("6")  # v̄[c] = d = 6 (or v̄[d] = c = 5, whichever the trace asks first)
    if seen["asked"].endswith("v̄[d] ="):
        page.keyboard.press("Backspace")
        page.keyboard.type("5")
    page.keyboard.press("Enter")
    seen["next"] = panel.locator(".ags-prompt").inner_text()
    seen["score"] = panel.locator(".ags-score").inner_text()
    page.keyboard.type("1000")
    page.keyboard.press("Enter")
    seen["wrong"] = panel.locator(".ags-feedback").inner_text()
    seen["cells"] = page.locator(".jp-Notebook .jp-Cell").count()  # no cell added by a key
    page.screenshot(path=jupyter.home / f"8_{app}_practice.png")
    page.close()
    return seen


@pytest.mark.parametrize("app", sorted(APPS))
def test_a_practice_page_is_answered_keyboard_only(browser, jupyter, app):
    """Type, Enter: a right answer advances, a wrong one shows hint 1 (the children)."""
    seen = practise(browser, jupyter, app)
    assert seen["asked"] in ("Step 2 of 5: v̄[c] =", "Step 2 of 5: v̄[d] ="), seen
    assert seen["focus"] not in ("", "none"), seen  # visible focus
    assert seen["next"] == "Step 3 of 5: v̄[d] =" or seen["next"] == "Step 3 of 5: v̄[c] =", seen
    assert seen["next"] != seen["asked"].replace("Step 2", "Step 3"), seen
    assert "score 3 of 3" in seen["score"], seen
    assert seen["wrong"].startswith("Not yet. Hint 1: sum over the children of "), seen
    assert seen["wrong"].endswith(": o."), seen  # c and d each have one child, o
    assert seen["cells"] == 1, seen


# -- the training explorer in a notebook -----------------------------------------------

EXPLORER = """import random
from autograd_scalar.data import make_moons
from autograd_scalar.explore import Recorder
from autograd_scalar.nn import MLP, hinge
from autograd_scalar.optim import SGD
X, y = make_moons(30, noise=0.1, seed=1)
labels = [2 * c - 1 for c in y]
model = MLP(2, [6, 1], rng=random.Random(0))
optimizer = SGD(model.parameters(), lr=0.3)
rec = Recorder(model, X, labels)
for step in range(8):
    loss = hinge([model(x) for x in X], labels)
    optimizer.zero_grad(); loss.backward(); rec.record(loss); optimizer.step()
rec"""


def explore_in(browser, jupyter, app):
    """A notebook whose cell shows a Recorder, run in ``app``: what a reader saw of the
    explorer (its step text before and after the slider and the train button), the
    page's uncaught errors; saved with its output for the untrusted reopen."""
    name = f"explorer_{app}.ipynb"
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(EXPLORER)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)"}
    nbformat.write(notebook, jupyter.home / "work" / name)
    page = open_notebook(browser, jupyter.url(name, app), app)
    failures = []
    page.on("pageerror", lambda error: failures.append(str(error)))
    run_all_cells(page, jupyter)
    explorer = page.locator(".ags-explorer.ags-ex-ready")
    explorer.wait_for()
    explorer.scroll_into_view_if_needed()
    position = explorer.locator(".ags-ex-pos")
    seen = {"start": position.inner_text()}
    explorer.locator(".ags-ex-slider").fill("5")
    explorer.locator(".ags-ex-slider").dispatch_event("input")
    seen["slid"] = position.inner_text()
    explorer.locator(".ags-ex-run").click()
    page.wait_for_function(
        "() => /of (\\d+) snapshots/.exec(document.querySelector('.ags-ex-pos').textContent)[1] > 20"
    )
    explorer.locator(".ags-ex-run").click()  # pause
    seen["trained"] = position.inner_text()
    seen["heat"] = explorer.locator(".ags-ex-heat").is_visible()
    page.screenshot(path=jupyter.home / f"9_{app}_explorer.png")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+s")
    saved = jupyter.home / "work" / name
    deadline = time.monotonic() + 60
    while not any(cell.get("outputs") for cell in json.loads(saved.read_text())["cells"]):
        assert time.monotonic() < deadline, "the notebook was not saved with its outputs"
        time.sleep(0.5)
    page.close()
    seen["errors"], seen["saved"] = failures + saved_errors(saved), name
    return seen


@pytest.fixture(scope="module")
def explored(browser, jupyter):
    return {app: explore_in(browser, jupyter, app) for app in sorted(APPS)}


@pytest.mark.parametrize("app", sorted(APPS))
def test_the_explorer_starts_slides_and_trains_in_the_notebook(explored, app):
    seen = explored[app]
    assert seen["start"] == "step 0 (1 of 8 snapshots)", seen
    assert seen["slid"] == "step 5 (6 of 8 snapshots)", seen
    match = re.fullmatch(r"step (\d+) \((\d+) of (\d+) snapshots\)", seen["trained"])
    assert match and int(match[3]) > 20 and match[2] == match[3], seen  # the last, trained, step
    assert seen["heat"] and seen["errors"] == [], seen


@pytest.mark.parametrize("app", sorted(APPS))
def test_the_explorer_reopened_untrusted_shows_its_static_picture(explored, browser, jupyter, app):
    """No script runs: the picture of the last recorded step stands in, and no live view."""
    with jupyter_server(jupyter.home) as fresh:
        page = open_notebook(browser, fresh.url(explored[app]["saved"], app), app)
        output = page.locator(".jp-OutputArea-output").first
        output.scroll_into_view_if_needed()
        picture = output.locator("img").first
        picture.wait_for()
        seen = {
            "alt": picture.get_attribute("alt"),
            "src": picture.get_attribute("src")[:40],
            "width": picture.evaluate("i => i.naturalWidth"),
            "ready": page.locator(".ags-explorer.ags-ex-ready").count(),
            "text": output.inner_text(),
            # no dead controls: the page's controls are hidden until its script runs
            "controls": output.locator("button, input, select, summary").evaluate_all(
                "all => all.filter(e => e.getClientRects().length > 0).length"
            ),
        }
        page.screenshot(path=jupyter.home / f"10_{app}_explorer_untrusted.png")
        page.close()
    assert seen["src"].startswith("data:image/svg+xml"), seen
    assert seen["width"] > 300 and seen["ready"] == 0 and seen["controls"] == 0, seen
