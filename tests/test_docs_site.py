"""The documentation: its text explains itself, its code runs, its site builds.

Sources of truth: the pages' own code blocks (each formula on the math page
comes with code that checks it), and `mkdocs build --strict`, which fails on
any warning (a broken link, a missing page, a docstring it cannot read).
"""

import functools
import http.server
import importlib.util
import os
import pathlib
import re
import subprocess
import sys
import threading
from html import unescape

import pytest

from conftest import PageErrors

ROOT = pathlib.Path(__file__).parent.parent
DOCS = ROOT / "docs"

# Course notes cited by number ("seed 003", "the lecture") mean nothing to a
# reader; the text names the idea instead. A random seed ("--seed") is fine.
# Nor do issue numbers, in the package, its tests and its benchmarks.
CITATION = re.compile(
    r"\bseeds?[\s_]*0\d\d|\bseed_\d|\bthe seeds\b|\bseeds'|\blecture|\bissues?\s*#?\d", re.I
)


def user_facing_texts():
    paths = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "mkdocs.yml"]
    paths += sorted(DOCS.rglob("*.md")) + sorted(DOCS.rglob("*.py"))
    paths += sorted((ROOT / "notebooks").glob("*.ipynb"))
    paths += sorted((ROOT / "autograd_scalar").rglob("*.py"))
    paths += sorted((ROOT / "benchmarks").glob("*.*"))
    # The tests, but this one: its own examples of what the pattern catches.
    paths += [
        path
        for path in sorted((ROOT / "tests").glob("*.py"))
        if path.name != pathlib.Path(__file__).name
    ]
    return [path for path in paths if path.exists()]


def test_the_citation_pattern_catches_course_note_numbers_but_not_random_seeds():
    assert CITATION.search("seed 003's example") and CITATION.search("the lecture's rule")
    assert CITATION.search("seed_003_graph") and CITATION.search("in the seeds' notation")
    assert CITATION.search("as issue 18 asks") and CITATION.search("see issue #7")
    assert not CITATION.search("--seed 1337, with the default random seed")


@pytest.mark.parametrize("path", user_facing_texts(), ids=lambda p: p.name)
def test_user_facing_text_never_cites_course_notes_by_number(path):
    found = [m.group(0) for m in CITATION.finditer(path.read_text(encoding="utf-8"))]
    assert found == [], f"{path.name} cites course notes: {found}"


def test_no_lesson_is_named_after_course_notes():
    assert [p.name for p in (ROOT / "notebooks").iterdir() if "seed" in p.name] == []


def code_blocks(page):
    return re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(encoding="utf-8"), re.S)


def test_every_code_block_of_the_math_page_runs():
    """Each formula's check, in page order, in one namespace."""
    blocks = code_blocks("math.md")
    assert len(blocks) >= 8
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/math.md", "exec"), namespace)


def test_the_home_page_example_prints_what_its_comments_say(capsys):
    (block,) = code_blocks("index.md")
    exec(compile(block, "docs/index.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "10.5 8.0"  # ∂o/∂a = 3·1 + 2.5·3, ∂o/∂b = 3·1 + 2.5·2
    assert any(
        line.strip().startswith("v̄[a] =") and line.endswith("= 3·1 + 2.5·3 = 10.5")
        for line in lines
    )


# -- the site ------------------------------------------------------------------

LESSONS = sorted(path.stem for path in (ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """`mkdocs build --strict` into a temporary folder, once a session (it executes the lessons)."""
    site_dir = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert result.returncode == 0 and warnings == [], result.stderr[-3000:]
    return site_dir


def page(site, path):
    """The built page ``path`` ("" for the home page): one file per page, as opened from disk."""
    return (site / f"{path or 'index'}.html").read_text(encoding="utf-8")


def page_text(site, path):
    """The page as a reader sees it: no tags, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", page(site, path)))


def test_the_site_builds_strictly_with_home_math_and_trace_pages(site):
    assert "the sum-over-paths example" in page(site, "")
    assert "Hessian-vector products" in page(site, "math")
    assert 'src="trace/sum_over_paths.html"' in page(site, "trace")


def test_every_link_inside_the_site_names_a_file_so_it_opens_from_disk(site):
    """From disk a link to a folder shows a directory listing, not the page."""
    checked = 0
    # 404.html is for servers (its links are absolute); a page opened from disk never shows it.
    for html in set(site.rglob("*.html")) - {site / "404.html"}:
        text = html.read_text(encoding="utf-8")
        for target in re.findall(r'(?:href|src)="([^"#?]+)[^"]*"', text):
            if re.match(r"[a-z]+:|//", target):
                continue  # another site (the theme's credit line), data: URLs
            resolved = (html.parent / unescape(target)).resolve()
            assert resolved.is_file(), f"{html.relative_to(site)} links to {target}"
            checked += 1
    assert checked > 100


def test_the_stale_sentences_are_gone_and_the_lesson_count_is_not_written_down():
    """Lessons keep being added: the home page and the README name none by count."""
    count = re.compile(
        r"\b(one|two|three|four|five|six|seven|eight|nine|ten|\d+)\s+(short\s+|executed\s+)?"
        r"(lessons|notebooks)\b",
        re.I,
    )
    for path in (DOCS / "index.md", ROOT / "README.md"):
        assert not count.search(path.read_text(encoding="utf-8")), path.name
    assert "not part of this version" not in (DOCS / "trace.md").read_text(encoding="utf-8")


def test_the_math_page_writes_its_formulas_as_math_not_as_code(site):
    """Every <pre> on the page is one of its Python checks; the formulas are TeX for MathJax."""
    html = page(site, "math")
    assert html.count("<pre") == len(code_blocks("math.md"))
    assert html.count('class="arithmatex"') >= 25
    assert r"\bar v_i = \sum_{j \in \mathrm{Ch}(v_i)}" in html


def test_the_live_trace_page_is_the_sum_over_paths_trace(site):
    """Generated at build time by trace_backward(...).to_html(live=True): a's step sums two paths."""
    html = (site / "trace" / "sum_over_paths.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" in html
    assert "3·1 + 2.5·3 = 10.5" in html
    labels = re.findall(r'<label for="[^"]+">([^<]+)</label>', html)
    assert 'class="ags-live"' in html and labels == ["a", "b"]  # a field per input


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_is_a_page_executed_at_build_time(site, lesson):
    """The build publishes the lessons with their outputs (the committed notebooks have none)."""
    html = page(site, f"notebooks/{lesson}")
    assert "The question." in html and "Solution" in html
    assert "Out[" in html or "output_png" in html or "<svg" in html  # outputs, not bare code


def test_the_executed_tracing_lesson_shows_its_graph_and_its_stepper(site):
    html = page(site, "notebooks/02_tracing")
    assert "<svg" in html and 'type="range"' in html
    assert "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5" in html


def test_each_lesson_page_says_whether_it_runs_in_the_browser(site):
    """The browser site is part of the docs site; a lesson links to it or says why not."""
    link = 'href="../browser/lesson.html#01_by_hand">Run this lesson in your browser</a>'
    assert link in page(site, "notebooks/01_by_hand")
    assert (site / "browser" / "lesson.html").is_file()
    assert (site / "browser" / "lessons" / "01_by_hand.json").is_file()
    local = "Runs locally, not in the browser: it uses numpy"
    assert local in page_text(site, "notebooks/05_matrix_form")
    assert 'href="browser/index.html"' in page(site, "browser")


def test_the_math_renders_offline_with_mathjax_3_from_the_site(site):
    """MathJax 3 is part of the site, and the pages load it from there, not from a CDN."""
    assert (site / "assets" / "mathjax" / "tex-svg-full.js").is_file()
    lesson = page(site, "notebooks/01_by_hand")
    assert '<script src="../assets/math.js?dollars">' in lesson
    assert '<script src="assets/math.js">' in page(site, "math")
    for html in site.rglob("*.html"):
        assert not re.search(r"<script[^>]*src=\"(https?:)?//", html.read_text(encoding="utf-8"))


def docs_hooks():
    """docs/hooks.py, the module that makes the generated pages."""
    spec = importlib.util.spec_from_file_location("docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_api_reference_starts_with_the_public_api_and_keeps_internals_apart(site):
    """The first page names what a learner uses; each name links to its entry on a module page."""
    hooks = docs_hooks()

    html = page(site, "api/index")
    for name in ["Value", "grad", "viz.draw", "trace_backward", "nn.MLP", "optim.SGD"]:
        assert f"<code>{name}(" in html, name
    for name in ["data.make_moons", "explore.Recorder", "tape.record"]:
        assert f"<code>{name}(" in html, name
    links = re.findall(r'href="([a-z_]+)\.html#([\w.]+)"><code>', html)
    assert len(links) == sum(len(names) for _, names in hooks.PUBLIC_API)
    for module, anchor in links:
        assert module in hooks.LEARNER_MODULES, anchor  # no internal module on the first page
        assert f'id="{anchor}"' in page(site, f"api/{module}"), anchor
    nav = page(site, "api/ops")
    start = re.search(r">\s*Internals\s*<", nav).start()
    internals = nav[start : nav.index("md-sidebar--secondary", start)]  # to the menu's end
    assert 'href="ops.html"' in internals and 'href="names.html"' in internals
    assert 'href="engine.html"' not in internals and 'href="nn.html"' not in internals


def test_the_api_reference_has_a_page_per_module_from_the_docstrings(site):
    """Source of truth: the package's modules and their docstrings."""
    import autograd_scalar.engine
    import autograd_scalar.functional

    package = ROOT / "autograd_scalar"
    modules = sorted(
        [p.stem for p in package.glob("*.py") if not p.stem.startswith("_")]
        + [p.parent.name for p in package.glob("*/__init__.py")]
    )
    pages = sorted(p.stem for p in (site / "api").glob("*.html") if p.stem != "index")
    assert pages == modules
    for module, function in [
        ("engine", autograd_scalar.engine.topological_order),
        ("functional", autograd_scalar.functional.hvp),
    ]:
        summary = function.__doc__.splitlines()[0].replace("`", "")
        assert f'id="autograd_scalar.{module}.{function.__name__}"' in page(site, f"api/{module}")
        assert summary in page_text(site, f"api/{module}")
    assert all(f'href="{name}.html"' in page(site, "api/index") for name in modules)


# -- the site in a browser, over http and from disk -----------------------------------

BROWSER_PAGES = ["index", "math", "trace", "api/index"] + [f"notebooks/{n}" for n in LESSONS]


@pytest.fixture(scope="module")
def served(site):
    """The built site over http on 127.0.0.1, as `mkdocs serve` or any static server gives it."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class NetworkLog:
    """Every request of a page (frames included) that failed or got an error status."""

    def __init__(self, page):
        self.failed = []
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url}: {r.failure}"))
        page.on(
            "response",
            lambda r: self.failed.append(f"{r.url}: {r.status}") if r.status >= 400 else None,
        )


def open_typeset(browser, url):
    """The page at ``url``, after MathJax (if the page has math) has typeset all of it."""
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    log, errors = NetworkLog(page), PageErrors(page)
    page.goto(url, wait_until="load")
    if page.evaluate("() => 'MathJax' in window"):
        page.wait_for_function("() => window.MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise")
    page.wait_for_load_state("networkidle")
    return page, log, errors


MATH_REPORT = """() => ({
  text: document.body.innerText,
  formulas: document.querySelectorAll('mjx-container').length,
  errors: document.querySelectorAll('[data-mml-node="merror"], mjx-merror').length,
  // Each accent (the bar of v̄, the dot of v̇) against its letter: the gap between them in px.
  gaps: [...document.querySelectorAll('g[data-mml-node="mover"]')].map((g) => {
    const [base, accent] = [...g.children].map((c) => c.getBoundingClientRect());
    return base.top - accent.bottom;
  }),
})"""


@pytest.mark.parametrize("scheme", ["http", "file"])
@pytest.mark.parametrize("name", BROWSER_PAGES)
def test_the_site_in_chromium_has_no_math_errors_and_no_failed_requests(
    browser, served, site, scheme, name
):
    url = (served if scheme == "http" else site.as_uri() + "/") + f"{name}.html"
    page, log, errors = open_typeset(browser, url)
    report = page.evaluate(MATH_REPORT)
    page.close()
    assert log.failed == [] and errors.messages == []
    assert report["text"].count("Math Processing Error") == 0 and report["errors"] == 0
    # No TeX left as text: every formula was typeset.
    assert re.findall(r"\\(?:frac|bar|partial|sum|mathrm|tfrac)\b|\$\S", report["text"]) == []
    if name == "math" or name.startswith("notebooks/"):
        assert report["formulas"] >= 10
    # Bars and dots sit on their letters (MathJax 2 without its fonts drew them a line above).
    assert all(-1.0 <= gap <= 4.0 for gap in report["gaps"]), report["gaps"]


def test_a_lesson_is_reached_by_clicking_from_the_home_page_opened_from_disk(browser, site):
    page, log, errors = open_typeset(browser, (site / "index.html").as_uri())
    page.locator("article").get_by_role("link", name="backpropagation by hand").click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/notebooks/01_by_hand.html")
    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("The question.").first.is_visible()
    assert page.evaluate("() => document.querySelectorAll('mjx-container').length") > 10
    page.locator("nav").get_by_role("link", name=re.compile("^02")).first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/notebooks/02_tracing.html")
    page.close()
    assert log.failed == [] and errors.messages == []


def test_search_works_from_disk_without_fetching_anything(browser, site):
    """The theme's search worker runs in a frame of the page (docs/assets/file-worker.js)."""
    page, log, errors = open_typeset(browser, (site / "math.html").as_uri())
    page.locator("input[data-md-component='search-query']").click()
    page.keyboard.type("Wengert", delay=30)  # as a person types: the theme searches on keys
    page.locator(".md-search-result__list a").first.wait_for(timeout=15000)
    # The results name the math page and its section on the Wengert list.
    assert "The Wengert list" in page.locator(".md-search-result__list").inner_text()
    page.close()
    assert log.failed == [] and errors.messages == []
