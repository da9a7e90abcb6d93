"""Lesson 02 in a real JupyterLab, driven by headless Chromium.

The test starts JupyterLab (the [notebooks] extra) on 127.0.0.1 with a random
token and its own temporary Jupyter folders, opens a copy of
02_tracing.ipynb, runs all cells from the Run menu, and checks what a reader
sees: the inline graph, and a trace stepper that steps. It saves the notebook,
stops the server, and opens the saved file in a fresh server whose trust
database is empty, as someone who downloaded it would: the notebook is then
untrusted, no script runs, and the trace must still read as a list of steps.

Sources of truth: the trace's own text rendering (``to_text``) and the
sum-over-paths example's closed forms (∂o/∂2 = -c·d/2² = -7.5, ∂o/∂a = 10.5).
Every wait is bounded; each server is started and stopped by the test.
Screenshots (1280x800) are written next to the copied notebook.
"""

import contextlib
import json
import os
import pathlib
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from autograd_scalar import trace_backward
from autograd_scalar.demo import sum_over_paths_graph

ROOT = pathlib.Path(__file__).parent.parent
NOTEBOOK = "02_tracing.ipynb"
START_SECONDS, RUN_MS, STOP_SECONDS = 90, 240_000, 20


def sum_over_paths_equations():
    """The backward lines of the lesson's first trace, as the trace itself writes them."""
    *_, o = sum_over_paths_graph()
    text = trace_backward(o).to_text()
    return [line.strip() for line in text.split("output first:")[1].splitlines() if line.strip()]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


#: The two front ends: the server module to run and where it opens a notebook.
APPS = {"jupyterlab": "lab/tree", "notebook": "notebooks"}


@contextlib.contextmanager
def jupyterlab(home, app="jupyterlab", notebook=NOTEBOOK):
    """A JupyterLab (or Notebook 7) server on 127.0.0.1 serving ``home/work``; yields
    the notebook's URL with the token."""
    port, token = free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    command = [
        sys.executable,
        "-m",
        app,
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={home / 'work'}",
        # An empty trust database per server: a restarted server has never seen the notebook.
        "--NotebookNotary.db_file=:memory:",
    ]
    with open(home / "server.log", "a") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2
                )
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"{app} did not start:\n" + (home / "server.log").read_text()[-3000:]
                    )
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/{APPS[app]}/{notebook}?token={token}"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(STOP_SECONDS)


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    """Temporary Jupyter folders and a working copy of the lesson (the checkout stays untouched)."""
    home = tmp_path_factory.mktemp("jupyterlab")
    (home / "work").mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, home / "work" / NOTEBOOK)
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # No "get Jupyter news?" toast over the screenshots (and no request for it).
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    return home


def open_notebook(browser, url, app="jupyterlab"):
    """The notebook open, its kernel started (accepting the kernel dialog if it asks)."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select", exact=True)
    # The status bar reads "Python 3 (ipykernel) | Idle" once the kernel is up (JupyterLab);
    # Notebook 7 has no status bar, its toolbar's execution indicator says "idle".
    if app == "notebook":
        idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    else:
        idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\(ipykernel\) \| Idle"))
    deadline = time.monotonic() + START_SECONDS
    while not idle.count():
        assert time.monotonic() < deadline, "the kernel did not start"
        if select.count():
            select.click()
        page.wait_for_timeout(250)
    return page


def trace_output(page):
    """The output area of the first trace (the one with the step slider)."""
    return page.locator(".jp-OutputArea-output").filter(has=page.locator("input[type=range]")).first


def visible_text(page, locator, expected):
    """The locator's rendered text once it shows ``expected``: JupyterLab renders
    only the cells near the viewport, so scroll there and let it lay them out."""
    deadline = time.monotonic() + 30
    while True:
        locator.scroll_into_view_if_needed()
        text = locator.inner_text()
        if expected in text or time.monotonic() > deadline:
            return text
        page.wait_for_timeout(500)


def run_all_cells(page):
    """Run > Run All Cells, until every cell ran."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        """() => { const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')];
                   return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent)); }""",
        timeout=RUN_MS,
    )


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


@pytest.fixture(scope="module")
def ran(browser, home):
    """Run All Cells in JupyterLab, step the first trace, save; what the reader saw."""
    seen = {}
    with jupyterlab(home) as url:
        page = open_notebook(browser, url)
        run_all_cells(page)
        seen["graph_texts"] = [
            svg.text_content() for svg in page.locator(".jp-OutputArea-output svg").all()
        ]
        stepper = trace_output(page)
        seen["before"] = visible_text(page, stepper, "Step 1 of")
        page.screenshot(path=home / "1_ran_all.png")
        stepper.get_by_role("button", name=re.compile("next")).click()
        seen["after"] = stepper.inner_text()
        seen["slider"] = stepper.locator("input[type=range]").input_value()
        page.screenshot(path=home / "2_stepped.png")
        for _ in range(5):
            stepper.get_by_role("button", name=re.compile("next")).click()
        seen["last"] = stepper.inner_text()
        page.keyboard.press("Control+s")
        saved = home / "work" / NOTEBOOK
        deadline = time.monotonic() + 30
        while not any(cell.get("outputs") for cell in json.loads(saved.read_text())["cells"]):
            assert time.monotonic() < deadline, "the notebook was not saved with its outputs"
            time.sleep(0.5)
        seen["keys"] = keys_after_clicks(page, home / "4_keys.png")
        page.close()
    seen["errors"] = [
        output
        for cell in json.loads(saved.read_text())["cells"]
        for output in cell.get("outputs", [])
        if output["output_type"] == "error"
    ]
    return seen


def test_run_all_cells_in_jupyterlab_saves_no_error(ran):
    assert ran["errors"] == []


def test_the_inline_graph_shows_in_jupyterlab(ran):
    """viz.draw's SVG is in the page: o = c·d/2 = 15 and a = 2 are drawn as records."""
    assert any("data 15" in text and "data 2" in text for text in ran["graph_texts"])


def test_the_trace_stepper_steps_in_jupyterlab(ran):
    equations = sum_over_paths_equations()
    # o = v5 / 2: v̄[v5] = v̄[o]·∂o/∂v5 = 1·(1/2); constants take no step.
    assert equations[0] == "v̄[o] = 1" and equations[1].endswith("= 1·0.5 = 0.5")
    assert equations[0] in ran["before"] and equations[1] not in ran["before"]
    assert equations[1] in ran["after"] and ran["slider"] == "1"
    assert equations[-1] in ran["last"] and equations[-1].endswith("= 3·1 + 2.5·3 = 10.5")


def test_the_saved_notebook_reopened_untrusted_shows_every_step_as_text(ran, browser, home):
    """No script runs in an untrusted notebook: the trace falls back to all its steps, in order."""
    equations = sum_over_paths_equations()
    with jupyterlab(home) as url:
        page = open_notebook(browser, url)
        text = visible_text(page, trace_output(page), "The backward pass, output first")
        page.screenshot(path=home / "3_untrusted.png")
        page.close()
    positions = [text.find(equation) for equation in equations]
    assert -1 not in positions and positions == sorted(positions), (equations, text[:2000])
    assert "Step 1 of" not in text  # the script's step panel stays empty: no script ran


def test_arrow_keys_step_the_clicked_trace_in_jupyterlab_and_nothing_else(ran):
    check_keys(ran["keys"])
