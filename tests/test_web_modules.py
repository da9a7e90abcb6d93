"""Every script of the pages is one module in one pattern.

``var agsX = window.agsX || (function () { ... })();`` defines one global,
``agsX``, and a page (or a notebook, which repeats a view's scripts in every
output) can include the file twice: the second time keeps the first module.
Truths: the files themselves, and what a real browser's ``window`` gains when
it runs them.
"""

import re
from importlib import resources

import pytest

from autograd_scalar import ops
from autograd_scalar.web import pages

WEB = resources.files("autograd_scalar.web")
SCRIPTS = sorted(p.name for p in WEB.iterdir() if p.name.endswith(".js"))
HEAD = re.compile(r"var (ags[A-Z]\w*) = window\.\1 \|\| \(function \(\) \{")
# Load order: a module may use another's global while it is being defined.
FIRST = ["data.js", "numbers.js", "ops.js"]


def code_lines(name: str) -> list:
    """The file's lines after its opening comment."""
    lines = pages.read(name).split("\n")
    start = 0
    if lines[0].startswith("/*"):
        start = next(k for k, line in enumerate(lines) if line.rstrip().endswith("*/")) + 1
    while lines[start].startswith("//"):
        start += 1
    return lines[start:]


def module_name(name: str) -> str:
    match = HEAD.fullmatch(code_lines(name)[0])
    assert match, f"{name}: does not start with var agsX = window.agsX || (function () {{"
    return match.group(1)


def source(name: str) -> str:
    """The script as a page includes it (ops.js with the derivative table filled in)."""
    return pages.fill(name, table=ops.javascript_table()) if name == "ops.js" else pages.read(name)


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_script_is_one_module_and_nothing_else_at_top_level(name):
    lines = code_lines(name)
    module_name(name)
    while lines[-1] == "":
        lines.pop()
    assert lines[-1] == "})();", f"{name}: does not end with the module's }})();"
    top_level = [line for line in lines[1:-1] if line and not line[0].isspace()]
    assert top_level == [], f"{name}: code at top level outside its module"


def test_every_script_has_its_own_global():
    names = [module_name(name) for name in SCRIPTS]
    assert len(set(names)) == len(names) == len(SCRIPTS)


def test_a_browser_gains_one_global_per_script_and_keeps_it_when_included_again(browser):
    page = browser.new_page()
    page.set_content("<!DOCTYPE html><html><body></body></html>")
    order = FIRST + [name for name in SCRIPTS if name not in FIRST]
    keys = "Object.keys(window)"
    gained = {}
    for name in order:
        before = set(page.evaluate(keys))
        page.add_script_tag(content=source(name))
        gained[name] = sorted(set(page.evaluate(keys)) - before)
    assert gained == {name: [module_name(name)] for name in order}
    page.evaluate(
        "window.agsFirst = {}; Object.keys(window).filter(k => k.startsWith('ags') && "
        "k !== 'agsFirst').forEach(k => { agsFirst[k] = window[k]; })"
    )
    before = set(page.evaluate(keys))
    for name in order:
        page.add_script_tag(content=source(name))
    assert set(page.evaluate(keys)) == before
    kept = page.evaluate("Object.keys(agsFirst).filter(k => window[k] !== agsFirst[k])")
    assert kept == []
    page.close()
