"""The documentation: its text explains itself, its code runs, its site builds.

Sources of truth: the pages' own code blocks (each formula on the math page
comes with code that checks it), and `mkdocs build --strict`, which fails on
any warning (a broken link, a missing page, a docstring it cannot read).
"""

import pathlib
import re

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


def test_every_code_block_of_the_math_page_runs():
    """Each formula's check, in page order, in one namespace."""
    text = (DOCS / "math.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 8
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/math.md", "exec"), namespace)
