"""Shared oracles for the tests: PyTorch float64 and a float comparison.

Every numeric test compares the engine with an independent truth; these
helpers keep that comparison spelled the same way everywhere.
"""

import atexit
import math
import os
import shutil
import tempfile

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
