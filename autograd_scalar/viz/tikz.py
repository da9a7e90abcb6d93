"""The drawing as a TikZ picture, for papers and slides: Graphviz's layout, TeX's letters.

Each value is a three-part record (name | data | grad), each operation a
small circle, each number operand a grey box, placed where Graphviz places
them in the SVG (its ``plain`` output, in inches), with the edges as the same
Bézier curves. The picture needs ``\\usepackage{tikz}`` and
``\\usetikzlibrary{shapes.multipart}`` in the preamble (:data:`PREAMBLE`);
:func:`to_tikz` with ``standalone=True`` gives a whole document that
``pdflatex`` compiles as it is (the standard article class, TikZ and graphicx).
"""

from __future__ import annotations

import shlex

from ..engine import Value
from ..names import latex_text
from .graph import draw, render_layout

__all__ = ["to_tikz", "PREAMBLE"]

PREAMBLE = "\\usepackage{tikz}\n\\usetikzlibrary{shapes.multipart}\n"

_STYLES = (
    "x=1in, y=1in, >=stealth, font=\\sffamily\\large,\n"
    "  value/.style={draw, rounded corners=2pt, rectangle split, rectangle split horizontal,\n"
    "    rectangle split parts=3, inner sep=4pt},\n"
    "  op/.style={draw, circle, inner sep=1pt, minimum size=0.22in},\n"
    "  constant/.style={draw=gray, fill=gray!10, rounded corners=2pt, inner sep=2pt, font=\\sffamily},\n"
    "  box/.style={draw, dashed, rounded corners=2pt, inner sep=2pt, align=center}"
)


def _record_fields(label: str) -> list:
    """The fields of a DOT record label ``{a|data 2|grad 3}``, unescaped."""
    label = label.strip()
    if label.startswith("{") and label.endswith("}"):
        label = label[1:-1]
    fields, field, escaped = [], "", False
    for ch in label:
        if escaped:
            field += ch
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            fields.append(field)
            field = ""
        else:
            field += ch
    fields.append(field)
    return [f.replace("&amp;", "&").replace("\u00a0", " ").strip() for f in fields]


def _node(ident: str, words: list) -> str:
    """A TikZ node from a ``plain`` node line: centre and size in inches, label, shape, fill."""
    x, y, width, height = (float(w) for w in words[2:6])
    label, shape, fill = words[6], words[8], words[10]
    at = f"at ({x:.3f}, {y:.3f})"
    if shape == "record":
        parts = [latex_text(f) for f in _record_fields(label)]
        if len(parts) == 3:
            body = f"{parts[0]} \\nodepart{{two}} {parts[1]} \\nodepart{{three}} {parts[2]}"
            return f"\\node[value, minimum height={height:.3f}in] ({ident}) {at} {{{body}}};"
        lines = " \\\\ ".join(parts)
        return f"\\node[box] ({ident}) {at} {{{lines}}};"
    text = latex_text(label.replace("\\n", " ").replace("\\l", " "))
    if shape in ("circle", "ellipse"):
        return f"\\node[op, minimum size={width:.3f}in] ({ident}) {at} {{{text}}};"
    style = "constant" if fill != "white" else "box"
    return f"\\node[{style}, minimum height={height:.3f}in] ({ident}) {at} {{{text}}};"


def _edge(tail: str, head: str, numbers: list) -> str:
    """Graphviz's spline between two nodes, its ends on TikZ's own borders of them."""
    points = [f"({x:.3f}, {y:.3f})" for x, y in zip(numbers[0::2], numbers[1::2])]
    points[0], points[-1] = f"({tail})", f"({head})"
    path = points[0]
    for k in range(1, len(points) - 2, 3):
        path += f" .. controls {points[k]} and {points[k + 1]} .. {points[k + 2]}"
    return f"\\draw[->] {path};"


def _picture(plain: str) -> list:
    """TikZ commands from Graphviz's ``plain`` layout."""
    nodes: list = []
    edges: list = []
    ident: dict = {}
    for line in plain.splitlines():
        words = shlex.split(line, posix=True)
        if not words:
            continue
        if words[0] == "node":
            ident[words[1]] = "n" + str(len(nodes) + 1)
            nodes.append(_node(ident[words[1]], words))
        elif words[0] == "edge":
            n = int(words[3])
            spline = [float(w) for w in words[4 : 4 + 2 * n]]
            edges.append(_edge(ident[words[1]], ident[words[2]], spline))
    return nodes + edges


def to_tikz(root: Value, standalone: bool = False, **options) -> str:
    """The drawing of ``root`` as a ``tikzpicture`` (``options`` as for :func:`~autograd_scalar.viz.draw`).

    ``standalone=True`` wraps it in a whole document (article, the picture
    scaled to the text width) that ``pdflatex`` compiles as it is.

    Example:
        >>> from autograd_scalar import Value
        >>> x = Value(3.0, label="x"); y = x * x; y.label = "y"; y.backward()
        >>> tikz = to_tikz(y)
        >>> print(tikz.splitlines()[0])
        \\begin{tikzpicture}[x=1in, y=1in, >=stealth, font=\\sffamily\\large,
        >>> [line.strip() for line in tikz.splitlines() if "nodepart" in line][0].split(" at ")[1]
        '(0.843, 0.257) {x \\\\nodepart{two} data 3 \\\\nodepart{three} grad 6};'
    """
    plain = render_layout(draw(root, **options).source)
    lines = [f"\\begin{{tikzpicture}}[{_STYLES}]"] + _picture(plain) + ["\\end{tikzpicture}"]
    picture = "\n".join(lines) + "\n"
    if not standalone:
        return picture
    return (
        "\\documentclass{article}\n"
        + PREAMBLE
        + "\\usepackage{graphicx}\n\\pagestyle{empty}\n\\begin{document}\n\\noindent\n"
        + "\\resizebox{\\linewidth}{!}{%\n"
        + picture
        + "}\n\\end{document}\n"
    )
