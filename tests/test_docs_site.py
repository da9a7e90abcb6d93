"""The documentation: its text explains itself, its code runs, its site builds.

Sources of truth: the pages' own code blocks (each formula on the math page
comes with code that checks it), and `mkdocs build --strict`, which fails on
any warning (a broken link, a missing page, a docstring it cannot read).
"""

import os
import pathlib
import re
import subprocess
import sys
from html import unescape

import pytest

ROOT = pathlib.Path(__file__).parent.parent
DOCS = ROOT / "docs"

# Course notes cited by number ("seed 003", "the lecture") mean nothing to a
# reader; the text names the idea instead. A random seed ("--seed") is fine.
CITATION = re.compile(r"\bseeds?[\s_]*0\d\d|\bseed_\d|\bthe seeds\b|\bseeds'|\blecture", re.I)


def user_facing_texts():
    paths = [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "mkdocs.yml"]
    paths += sorted(DOCS.rglob("*.md")) + sorted(DOCS.rglob("*.py"))
    paths += sorted((ROOT / "notebooks").glob("*.ipynb"))
    return [path for path in paths if path.exists()]


def test_the_citation_pattern_catches_course_note_numbers_but_not_random_seeds():
    assert CITATION.search("seed 003's example") and CITATION.search("the lecture's rule")
    assert CITATION.search("seed_003_graph") and CITATION.search("in the seeds' notation")
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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """`mkdocs build --strict` into a temporary folder, once (it executes the lessons)."""
    site_dir = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    warnings = [line for line in result.stderr.splitlines() if line.startswith("WARNING")]
    assert result.returncode == 0 and warnings == [], result.stderr[-3000:]
    return site_dir


def page(site, path):
    return (site / path / "index.html").read_text(encoding="utf-8")


def page_text(site, path):
    """The page as a reader sees it: no tags, entities decoded."""
    return unescape(re.sub(r"<[^>]+>", "", page(site, path)))


def test_the_site_builds_strictly_with_home_math_and_trace_pages(site):
    assert "the sum-over-paths example" in page(site, "")
    assert "Hessian-vector products" in page(site, "math")
    assert 'src="../trace/sum_over_paths.html"' in page(site, "trace")


def test_the_live_trace_page_is_the_sum_over_paths_trace(site):
    """Generated at build time by trace_backward(...).to_html(): a's step sums two paths."""
    html = (site / "trace" / "sum_over_paths.html").read_text(encoding="utf-8")
    assert "<svg" in html and "<script" in html
    assert "3·1 + 2.5·3 = 10.5" in html


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_lesson_is_a_page_executed_at_build_time(site, lesson):
    html = page(site, f"notebooks/{lesson}")
    assert "The question." in html and "Solution" in html
    assert "Out[" in html or "output_png" in html or "<svg" in html  # outputs, not bare code


def test_the_executed_tracing_lesson_shows_its_graph_and_its_stepper(site):
    html = page(site, "notebooks/02_tracing")
    assert "<svg" in html and 'type="range"' in html
    assert "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5" in html


def test_the_lessons_math_renders_offline(site):
    """MathJax is part of the site, and the lessons load it from there, not from a CDN."""
    assert (site / "assets" / "mathjax" / "MathJax.js").is_file()
    html = page(site, "notebooks/01_by_hand")
    assert '<script src="../../assets/mathjax/MathJax.js' in html
    assert not re.search(r"<script[^>]*src=\"https?://", html)


def test_the_api_reference_has_a_page_per_module_from_the_docstrings(site):
    """Source of truth: the package's modules and their docstrings."""
    import autograd_scalar.engine
    import autograd_scalar.functional

    package = ROOT / "autograd_scalar"
    modules = sorted(
        [p.stem for p in package.glob("*.py") if not p.stem.startswith("_")]
        + [p.parent.name for p in package.glob("*/__init__.py")]
    )
    assert sorted(p.name for p in (site / "api").iterdir() if p.is_dir()) == modules
    for module, function in [
        ("engine", autograd_scalar.engine.topological_order),
        ("functional", autograd_scalar.functional.hvp),
    ]:
        summary = function.__doc__.splitlines()[0].replace("`", "")
        assert f'id="autograd_scalar.{module}.{function.__name__}"' in page(site, f"api/{module}")
        assert summary in page_text(site, f"api/{module}")
    assert all(f"{name}/" in page(site, "api") for name in modules)
