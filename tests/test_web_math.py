"""One copy of the math: the pages' JavaScript writes no formula of its own.

Every derivative, activation and loss a page computes comes from the
derivative table's generated JavaScript (``ops.js``, filled from
``ops.javascript_table()``) or from a program traced from Python (the
explorer's loss terms); every colour from the palette or the stylesheets.
This test reads each ``.js`` file the package and the browser site ship,
without its comments, and finds what would be a second copy: the functions
those formulas are made of (``Math.exp``, ``Math.tanh``, ``Math.log``,
``Math.pow``, ``Math.sqrt``, ...), the ``**`` operator, ``1 - t*t`` (tanh's
derivative), ``1 / (1 + ...)`` (the sigmoid), ``Math.max(0, x)`` (relu) and
colour literals (``#rrggbb``, ``rgb(...)``, ``[r, g, b]``). What remains is allowed below,
file by file and kind by kind with its count and a reason, so one more of
anything fails.

The records and the page shell are checked elsewhere; this is only about
formulas.
"""

import re
from pathlib import Path

import pytest

import autograd_scalar

PACKAGE = Path(autograd_scalar.__file__).resolve().parent
ROOT = PACKAGE.parent
SCRIPTS = sorted(
    [*(PACKAGE / "web").glob("*.js"), *(ROOT / "docs").glob("browser_site/*.js")]
    + [*(ROOT / "docs").glob("assets/*.js")]
)

FORMULAS = {
    "Math function": re.compile(
        r"\bMath\.(?:exp|expm1|log|log1p|log2|log10|pow|sqrt|cbrt|hypot"
        r"|tanh|sinh|cosh|asinh|acosh|atanh|sin|cos|tan|asin|acos|atan|atan2)\b"
    ),
    "power operator": re.compile(r"\*\*"),
    "1 - t*t": re.compile(r"\b1(?:\.0*)?\s*-\s*([A-Za-z_$][\w$.]*)\s*\*\s*\1\b"),
    "1 / (1 + ...)": re.compile(r"\b1(?:\.0*)?\s*/\s*\(\s*1(?:\.0*)?\s*\+"),
    "Math.max(0, x)": re.compile(r"\bMath\.max\(\s*0(?:\.0*)?\s*,\s*[\w$.\[\]]+\s*\)"),
    "colour literal": re.compile(
        r"#(?:[0-9a-fA-F]{8}|[0-9a-fA-F]{6}|[0-9a-fA-F]{3,4})\b|\b(?:rgba?|hsla?)\("
        r"|\[\s*\d{2,3}\s*,\s*\d{2,3}\s*,\s*\d{2,3}\s*\]"  # an [r, g, b] triple
    ),
}

# (file, kind) -> (count, reason). Anything else found is a hand-written formula.
ALLOWED = {
    ("autograd_scalar/web/ops.js", "Math function"): (
        1,
        "the table's pow helper: Python's x ** y where ECMAScript's differs (1 ** nan)",
    ),
    ("autograd_scalar/web/explore_train.js", "Math function"): (
        5,
        "Adam's bias corrections and the gradient norm per layer: optim.py's update, "
        "not a derivative (test_explore_train holds 50 steps equal to Python's)",
    ),
    ("autograd_scalar/web/trace.js", "Math function"): (
        1,
        "the mouse wheel's zoom factor, 1.0015 ** deltaY",
    ),
    ("autograd_scalar/web/explore.js", "colour literal"): (
        2,
        "palette colours written as rgb(r,g,b) for SVG fills and strokes",
    ),
}


def without_comments(source: str) -> str:
    """The JavaScript ``source`` with its comments blanked; strings and regexes kept.

    A ``/`` starts a regular expression after an operator or bracket and at the
    start of a statement, else it divides (enough for these plain scripts).

    Example:
        >>> without_comments('var u = "http://a"; // b\\nx = 1 / 2; /* c */ y = /[/]/;')
        'var u = "http://a"; \\nx = 1 / 2;  y = /[/]/;'
    """
    out, i, n, last = [], 0, len(source), ""
    while i < n:
        ch, two = source[i], source[i : i + 2]
        if two == "//":
            i = source.find("\n", i)
            i = n if i < 0 else i
            continue
        if two == "/*":
            end = source.find("*/", i + 2)
            i = n if end < 0 else end + 2
            continue
        if ch in "\"'`" or (ch == "/" and (last == "" or last in "(,=:[!&|?{};+-*%<>~^")):
            j = _literal_end(source, i)
            out.append(source[i:j])
            last, i = source[j - 1], j
            continue
        out.append(ch)
        if not ch.isspace():
            last = ch
        i += 1
    return "".join(out)


def _literal_end(source: str, start: int) -> int:
    """The index after the string or regular expression that starts at ``start``."""
    quote, i, in_class = source[start], start + 1, False
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if quote == "/" and ch in "[]":
            in_class = ch == "["
        elif ch == quote and not in_class:
            return i + 1
        elif ch == "\n" and quote != "`":
            return i  # an unterminated literal ends its line
        i += 1
    return i


def found(source: str) -> dict:
    """{kind: the formulas of that kind} in a script, comments not counted."""
    code = without_comments(source)
    return {kind: hits for kind, rx in FORMULAS.items() if (hits := rx.findall(code))}


def violations(name: str, source: str) -> list:
    """What ``source`` (the script ``name``) holds beyond its allowances."""
    wrong = []
    for kind, hits in found(source).items():
        allowed, reason = ALLOWED.get((name, kind), (0, "nothing of this kind is allowed here"))
        if len(hits) > allowed:
            wrong.append(f"{name}: {kind} {hits} (allowed {allowed}: {reason})")
    return wrong


def test_the_scan_reads_every_shipped_script():
    names = {p.name for p in SCRIPTS}
    assert {"trace.js", "trace_live.js", "explore.js", "explore_train.js", "ops.js"} <= names
    assert {"playground.js", "runner.js"} <= names  # the browser site's


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_script_writes_a_formula_of_its_own(script):
    assert violations(str(script.relative_to(ROOT)), script.read_text(encoding="utf-8")) == []


def test_every_allowance_is_used_in_full():
    """An allowance larger than what is there would let a new formula in unnoticed."""
    for (name, kind), (count, _) in ALLOWED.items():
        assert len(found((ROOT / name).read_text(encoding="utf-8")).get(kind, [])) == count, name


@pytest.mark.parametrize(
    "line, kind",
    [
        ("var t = Math.tanh(z);", "Math function"),
        ("return 1 - t * t;", "1 - t*t"),
        ("return 1.0 / (1.0 + Math.exp(-z));", "1 / (1 + ...)"),
        ("var r = Math.max(0, z);", "Math.max(0, x)"),
        ('el.setAttribute("fill", "#1f6fb4");', "colour literal"),
        ('el.style.fill = "rgb(" + rgb + ")";', "colour literal"),
        ("return [176, 176, 176];", "colour literal"),
        ("var y = x ** 2;", "power operator"),
    ],
)
def test_a_formula_added_to_trace_js_is_found(line, kind):
    """trace.js with one more line of math fails the scan (and a comment does not)."""
    name = "autograd_scalar/web/trace.js"
    source = (ROOT / name).read_text(encoding="utf-8")
    assert violations(name, source) == []
    wrong = violations(name, source + "\nfunction added(z) { " + line + " }\n")
    assert any(w.startswith(f"{name}: {kind} ") for w in wrong), wrong
    assert violations(name, source + "\n// " + line + "\n/* " + line + " */\n") == []


def test_comment_stripping_keeps_urls_strings_and_regexes():
    code = without_comments(
        'var svg = "http://www.w3.org/2000/svg"; // #ff0000\n'
        "var base = src.replace(/[^/]*$/, ''); /* Math.exp( */ var q = a / b / c;\n"
    )
    assert "http://www.w3.org/2000/svg" in code and "/[^/]*$/" in code and "a / b / c" in code
    assert "#ff0000" not in code and "Math.exp" not in code
