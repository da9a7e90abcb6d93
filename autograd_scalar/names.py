"""Names and element ids of the nodes of a drawing or trace, and the one place that escapes text.

Every node of a graph gets two things here, shared by :mod:`~autograd_scalar.viz`,
the trace and the tests: a display name (:func:`node_names`) and an element id
(:func:`element_ids`), the identifier of its node in the DOT source and the
``id`` of its SVG group. Ids are ``v<i>`` with i the node's 1-based position
in the topological order (the v_1..v_N of the backward rule), the operation
that computes v_i is ``v<i>_op`` (:func:`op_id`), and the edge from a node
into an operation is :func:`edge_id`.

User-supplied text (labels, op names, scope names) reaches three languages:
DOT, HTML and XML (SVG). Each has one escaping function here, so no other
module escapes by hand. This module imports no renderer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Iterable

from . import ops

__all__ = [
    "node_names",
    "derivative_name",
    "element_ids",
    "op_id",
    "edge_id",
    "DATA_FIELD",
    "GRAD_FIELD",
    "FIELD_WORDS",
    "format_number",
    "op_symbol",
    "dot_string",
    "dot_record",
    "html_text",
    "terminal_text",
    "script_json",
]

# Characters XML 1.0 does not allow at all: control characters (but tab and
# newline), lone surrogates (os.fsdecode makes them; UTF-8 cannot encode them)
# and the non-characters U+FFFE and U+FFFF. DEL is shown escaped too.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def format_number(x: float) -> str:
    """A float as drawings and traces show it: 6 significant digits, no ``.0``.

    Example:
        >>> format_number(10.5), format_number(3.0), format_number(-0.2099871), format_number(-0.0)
        ('10.5', '3', '-0.209987', '0')
    """
    return f"{x + 0.0:.6g}"  # + 0.0 turns -0.0 into 0.0: no "-0" anywhere


def op_symbol(op: str) -> str:
    """How a node's operation is written: the table's symbol, else its name (``f`` if unnamed).

    Example:
        >>> op_symbol("mul"), op_symbol("tanh"), op_symbol("cube"), op_symbol("")
        ('*', 'tanh', 'cube', 'f')
    """
    entry = ops.TABLE.get(op)
    if entry is not None:
        return entry.symbol
    return op or "f"


def _fresh(base: str, taken: set) -> str:
    """``base``, else ``base#2``, ``base#3``, ...: the first name not in ``taken``."""
    name, k = base, 1
    while name in taken:
        k += 1
        name = f"{base}#{k}"
    return name


def node_names(order: Iterable) -> dict:
    """Display names of the nodes of a topological order, shared by drawings and traces.

    The scheme, so that no two nodes of one graph show the same name:

    * a labelled node shows its label; the first node (in topological order)
      with a label keeps it, later nodes with the same label become
      ``label#2``, ``label#3``, ... (skipping any suffix a user took);
    * an unlabelled node is ``v<i>``, i its 1-based position in ``order`` (the
      v_1..v_N of the backward rule), so names are stable whichever nodes
      carry labels; if a user labelled another node ``v<i>``, it is ``v<i>#2``;
    * a constant shows its number: numbers are values, not names, and two
      constants 1 are interchangeable in every formula.

    Example:
        >>> from autograd_scalar import Value, topological_order
        >>> a = Value(2.0, label="a"); o = a * a + 1
        >>> list(node_names(topological_order(o)).values())
        ['a', 'v2', '1', 'v4']
        >>> b1, b2 = Value(1.0, label="b"), Value(2.0, label="v3")
        >>> list(node_names(topological_order(b1 * b2 + Value(0.5, label="b"))).values())
        ['b', 'v3', 'v3#2', 'b#2', 'v5']
    """
    order = list(order)
    taken = {node.label for node in order if node.label and node.op != ops.CONST}
    names, claimed = {}, set()
    for node in order:
        if node.label and node.op != ops.CONST and node.label not in claimed:
            names[node] = node.label
            claimed.add(node.label)
    for i, node in enumerate(order, 1):
        if node in names:
            continue
        if node.op == ops.CONST and not node.label:
            names[node] = format_number(node.data)
            continue
        name = _fresh(node.label or f"v{i}", taken)
        names[node] = name
        taken.add(name)
    return {node: names[node] for node in order}


def _symbol_char(ch: str) -> bool:
    return ch.isalnum() or ch in "_#'." or unicodedata.category(ch).startswith("M")


def derivative_name(name: str) -> str:
    """``name`` as it reads after ∂ or Δ: in parentheses unless it is one symbol.

    A symbol is letters, digits, ``_``, ``#``, ``'``, ``.`` (a number: 1.5) and
    combining marks (``v̄``); anything else (an expression the CLI named its
    output after, a negative number) is wrapped, so ``∂(exp(x)*0 + y)/∂x``
    does not read as ``∂exp(x)*0 + y/∂x``.

    Example:
        >>> [derivative_name(n) for n in ("x1", "v̄", "b#2", "exp(x)*0 + y", "-1.5")]
        ['x1', 'v̄', 'b#2', '(exp(x)*0 + y)', '(-1.5)']
    """
    return name if name and all(_symbol_char(ch) for ch in name) else f"({name})"


def element_ids(order: Iterable, prefix: str = "") -> dict:
    """``{node: element id}``: ``prefix + "v<i>"``, i the 1-based position in ``order``.

    The prefix keeps ids unique when several drawings share one HTML page.

    Example:
        >>> from autograd_scalar import Value, topological_order
        >>> x = Value(1.0); y = x.tanh()
        >>> list(element_ids(topological_order(y)).values()), op_id("v2")
        (['v1', 'v2'], 'v2_op')
    """
    return {node: f"{prefix}v{i}" for i, node in enumerate(order, 1)}


def op_id(value_id: str) -> str:
    """The element id of the operation node that computes the value ``value_id``."""
    return value_id + "_op"


def edge_id(source_id: str, target_id: str) -> str:
    """The element id of the edge from ``source_id`` into ``target_id``.

    Example:
        >>> edge_id("v1", op_id("v3"))
        'v1__v3_op'
    """
    return f"{source_id}__{target_id}"


#: The classes of a value's data and grad fields (their ``<text>`` elements) in
#: a drawing's SVG, by which pages and pictures find and rewrite them.
DATA_FIELD = "ags-data-field"
GRAD_FIELD = "ags-grad-field"
#: The words before the numbers in those fields (``data 2``, ``grad 10.5``), and
#: the grad field of a v̄ not computed yet; pages write new numbers after them.
FIELD_WORDS = {"data": "data ", "grad": "grad ", "unknown": "grad ?"}


def _printable(text: str) -> str:
    """``text`` with each character XML cannot hold written as ``\\xNN`` or ``\\uNNNN``.

    Example:
        >>> print(_printable("a\\x01b\\uffffc\\udcff"))
        a\\x01b\\uffffc\\udcff
    """
    return _CONTROL.sub(_escape_code, text)


def _escape_code(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def dot_string(text: str) -> str:
    """``text`` as the inside of a quoted DOT string: quotes and backslashes escaped.

    Control characters become ``\\xNN`` (XML, hence SVG, cannot hold them);
    newlines become spaces, so one label is one line.

    Example:
        >>> print(dot_string('say "hi"\\\\ \\x00'))
        say \\"hi\\"\\\\ \\\\x00
    """
    text = _printable(str(text)).replace("\n", " ").replace("\r", " ")
    # Graphviz reads "&name;" in labels as an entity: "&" itself must be one.
    return text.replace("&", "&amp;").replace("\\", "\\\\").replace('"', '\\"')


def dot_record(text: str) -> str:
    """``text`` as one field of a DOT record label: record syntax escaped too.

    Example:
        >>> print(dot_record("{a|b}"))
        \\{a\\|b\\}
    """
    text = _printable(str(text)).replace("\n", " ").replace("\r", " ").replace("&", "&amp;")
    for ch in '\\{}|<>"':
        text = text.replace(ch, "\\" + ch)
    return text


def terminal_text(text: str) -> str:
    r"""``text`` for a terminal, on one line, control characters shown escaped (``\x1b``).

    User text is echoed to a terminal (the command line's messages, the
    expression language's errors), where an escape sequence would act.

    Example:
        >>> terminal_text("a*b\x1b[2J\n+ c")
        'a*b\\x1b[2J + c'
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in " ".join(text.split()))


def html_text(text: str) -> str:
    """``text`` for HTML or XML content and attribute values (also drops control characters).

    Example:
        >>> html_text('<b>"x" & y</b>\\x00')
        '&lt;b&gt;&quot;x&quot; &amp; y&lt;/b&gt;\\\\x00'
    """
    text = _printable(str(text))
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace('"', "&quot;")
        .replace("'", "&#x27;")
    )


_LATEX_SPECIAL = {c: "\\" + c for c in "#$%&_{}"}
_LATEX_SPECIAL.update({"\\": r"\textbackslash{}", "^": r"\^{}", "~": r"\~{}"})


def latex_text(text: str) -> str:
    """``text`` for LaTeX text mode: its special characters escaped, control characters shown.

    Example:
        >>> print(latex_text("a_1 & 50% {x}"))
        a\\_1 \\& 50\\% \\{x\\}
    """
    return "".join(_LATEX_SPECIAL.get(c, c) for c in _printable(str(text)))


#: A JSON string, or one of the tokens ``json.dumps`` writes for non-finite floats.
_JSON_NONFINITE = re.compile(r'"(?:[^"\\]|\\.)*"|-?Infinity|NaN')
_SURROGATE = re.compile("[\ud800-\udfff]")
_FLOAT_MARKERS = {"Infinity": "inf", "-Infinity": "-inf", "NaN": "nan"}


def _float_marker(match: re.Match) -> str:
    token = match.group(0)
    if token[0] == '"':
        return token
    return '{"$float":"' + _FLOAT_MARKERS[token] + '"}'


def script_json(data) -> str:
    """``data`` as JSON that is safe inside an HTML ``<script>`` element.

    ``<``, ``>`` and ``&`` never appear (so no ``</script>`` or comment can
    end the element early), nor the two line separators JavaScript rejects.
    JSON has no inf or nan (a browser's ``JSON.parse`` throws on Python's
    ``Infinity`` and ``NaN``): a non-finite float is written as the object
    ``{"$float": "inf"}`` (``"-inf"``, ``"nan"``), which every page turns
    back into its number when it reads its data (``agsData``, ``web/data.js``).
    No page's data has an object with the key ``$float`` of its own.

    Example:
        >>> print(script_json({"label": "</script>&"}))
        {"label":"\\u003c/script\\u003e\\u0026"}
        >>> print(script_json([1.5, float("inf"), float("nan"), "NaN"]))
        [1.5,{"$float":"inf"},{"$float":"nan"},"NaN"]
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    if "Infinity" in text or "NaN" in text:  # rare: skip the scan of a large page's data
        text = _JSON_NONFINITE.sub(_float_marker, text)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    # A lone surrogate (os.fsdecode makes them) cannot be written as UTF-8: JSON's escape can.
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
