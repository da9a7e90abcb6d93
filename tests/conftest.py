"""Shared oracles for the tests: PyTorch float64 and a float comparison.

Every numeric test compares the engine with an independent truth; these
helpers keep that comparison spelled the same way everywhere.
"""

import atexit
import contextlib
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest
import torch
from hypothesis import settings
from playwright.sync_api import sync_playwright

# Compiled WebAssembly Graphviz goes to a cache of the test run's own, which the
# CLI subprocesses inherit: the user's cache is neither read nor written.
_CACHE = tempfile.mkdtemp(prefix="autograd-scalar-test-cache-")
os.environ["AUTOGRAD_SCALAR_CACHE_DIR"] = _CACHE
atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

# On CI the property tests replay the same examples on every run and never time
# a single example (a busy 2-core machine is not a slow engine); locally they
# keep exploring new examples. CI=true is set by .ci/run.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

# Scalar float64 work: one thread avoids thread-pool start-up and keeps sums deterministic.
torch.set_num_threads(1)

#: Relative tolerance against exact (sympy) or float64 (torch) truth.
REL = 1e-12


def assert_close(actual, expected, rel=REL, abs_tol=1e-14, what=""):
    """``actual`` equals ``expected`` to ``rel`` (inf and nan must match exactly)."""
    actual, expected = float(actual), float(expected)
    if math.isnan(expected) or math.isinf(expected):
        assert (math.isnan(actual) and math.isnan(expected)) or actual == expected, (
            f"{what}: got {actual!r}, expected {expected!r}"
        )
        return
    assert math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol), (
        f"{what}: got {actual!r}, expected {expected!r} "
        f"(relative error {abs(actual - expected) / max(abs(expected), 1e-300):.3g})"
    )


def torch_leaves(values):
    """float64 tensors that require grad, one per value."""
    return [torch.tensor(float(v), dtype=torch.float64, requires_grad=True) for v in values]


def torch_gradient(out, inputs, create_graph=False):
    """∂out/∂inputs by torch.autograd; inputs ``out`` does not reach get 0."""
    if not out.requires_grad:
        return [torch.zeros((), dtype=torch.float64) for _ in inputs]
    # retain_graph: a Hessian differentiates several first derivatives that
    # share one graph (dot's ∂/∂w_i and ∂/∂x_i).
    grads = torch.autograd.grad(
        out, inputs, create_graph=create_graph, retain_graph=True, allow_unused=True
    )
    return [torch.zeros((), dtype=torch.float64) if g is None else g for g in grads]


def torch_hessian(f, values):
    """Full Hessian of the scalar function ``f`` of float64 tensors, as floats."""
    xs = torch_leaves(values)
    first = torch_gradient(f(*xs), xs, create_graph=True)
    return [[torch_float(h) for h in torch_gradient(g, xs)] for g in first]


def torch_float(tensor) -> float:
    """A scalar tensor's value as a Python float."""
    return float(tensor.detach())


# -- the browser: headless Chromium (Debian's package), driven by playwright ---------

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module. CI installs it (.ci/run): missing is a failure."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} not found: install Debian's chromium package "
            "(apt-get install chromium), as .ci/run does"
        )
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page):
        self.messages = []
        page.on("console", lambda m: self.messages.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.messages.append(str(e)))


def page_with_script(browser, script: str):
    """A blank page that ran ``script`` with no error (the page's module fixture)."""
    page = browser.new_page()
    errors = PageErrors(page)
    page.set_content(f"<script>{script}</script>")
    assert errors.messages == []
    return page


# -- Jupyter: one server per test run, on 127.0.0.1, in temporary Jupyter folders ----

JUPYTER_START_SECONDS, JUPYTER_STOP_SECONDS = 120, 20
#: Where each front end opens a notebook: JupyterLab and Notebook 7 share one server.
JUPYTER_APPS = {"jupyterlab": "lab/tree", "notebook": "notebooks"}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class JupyterServer:
    """A running server: ``url(app, notebook)`` opens a notebook of ``home/work`` in it."""

    def __init__(self, home, port, token):
        self.home, self.port, self.token = home, port, token

    def url(self, notebook, app="jupyterlab"):
        """The notebook's page; in JupyterLab in a workspace of its own, so no tab another
        test opened is restored beside it (their cells would be in the page too)."""
        where = JUPYTER_APPS[app]
        if app == "jupyterlab":
            where = f"lab/workspaces/{secrets.token_hex(4)}/tree"
        return f"http://127.0.0.1:{self.port}/{where}/{notebook}?token={self.token}"

    def log(self) -> str:
        return (self.home / "server.log").read_text(errors="replace")[-3000:]


def jupyter_home(home):
    """Temporary Jupyter folders under ``home`` (the user's own are never read)."""
    (home / "work").mkdir(parents=True, exist_ok=True)
    settings = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True, exist_ok=True)
    # No "get Jupyter news?" toast over the screenshots (and no request for it).
    (settings / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    return home


def _wait_until_up(server, jupyter):
    deadline = time.monotonic() + JUPYTER_START_SECONDS
    status = f"http://127.0.0.1:{jupyter.port}/api/status?token={jupyter.token}"
    while True:
        try:
            urllib.request.urlopen(status, timeout=5)
            return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Jupyter did not start:\n" + jupyter.log())
            time.sleep(0.5)


@contextlib.contextmanager
def jupyter_server(home):
    """A Jupyter server (JupyterLab and Notebook 7) on 127.0.0.1 serving ``home/work``,
    with a random token and an empty trust database: it has never seen a notebook."""
    jupyter = JupyterServer(home, free_port(), secrets.token_hex(16))
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
    )
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={jupyter.port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={jupyter.token}",
        f"--ServerApp.root_dir={home / 'work'}",
        "--NotebookNotary.db_file=:memory:",
    ]
    with open(home / "server.log", "a") as log:
        server = subprocess.Popen(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_until_up(server, jupyter)
        yield jupyter
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(JUPYTER_STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(JUPYTER_STOP_SECONDS)


@pytest.fixture(scope="session")
def jupyter(tmp_path_factory):
    """One Jupyter server for the whole run (JupyterLab and Notebook 7 pages of it).

    Each test copies its notebook into ``jupyter.home / "work"`` under a name of its own.
    """
    with jupyter_server(jupyter_home(tmp_path_factory.mktemp("jupyter"))) as server:
        yield server
