"""One step of the backward pass as a still picture.

A step's picture is the trace page at that step, made in Python for slides
and handouts: the same drawing (laid out by :mod:`autograd_scalar.viz`), the
same CSS classes and colours (``web/trace.css``: the current node v_i, its
children Ch(v_i), the nodes already done), ``grad ?`` where v̄ is not yet
computed, each term's local derivative ∂v_j/∂v_i on its edge, and the step's
equation v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j in numbers as a caption. The animation
(:mod:`autograd_scalar.trace.film`) strings such pictures into frames.

Images come from :mod:`autograd_scalar.viz.image` (resvg), so no system
Graphviz, Cairo or fonts are needed.
"""

from __future__ import annotations

import pathlib
import re
import xml.etree.ElementTree as ET
from typing import Optional

from .. import viz
from ..files import suffix_format, write_atomic
from ..names import FIELD_WORDS, GRAD_FIELD, edge_id, element_ids, format_number, op_id
from ..viz import image
from ..web import pages
from .text import equation

__all__ = ["StepDrawing", "step_svg", "save_step", "STILL_FORMATS"]

STILL_FORMATS = ("svg", "png", "pdf")

SVG_NS = "http://www.w3.org/2000/svg"
_SVG = SVG_NS
CAPTION_FONT = 14.0  # points
CHAR_WIDTH = 0.6 * CAPTION_FONT  # DejaVu Sans Mono's advance, for wrapping
_PREFIX = "f-"

ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


class StepDrawing:
    """The trace's drawing, laid out once; each step's picture is a marked copy of it.

    The marks are the page's: ``ags-done`` on the nodes whose v̄ is known,
    ``ags-consumer`` on the current node's children, ``ags-current`` on the
    node itself, ``ags-term`` on the edges of its terms with ∂v_j/∂v_i
    beside them, and ``grad ?`` where v̄ is not computed yet. The methods
    that set one mark are public so that the animation
    (:mod:`autograd_scalar.trace.film`) can draw the same marks piece by piece.
    """

    def __init__(self, trace):
        self.trace = trace
        grads = {step.node: step.grad for step in trace.steps}
        drawing = viz.draw(trace.root, show_grad=grads, max_nodes=None, id_prefix=_PREFIX)
        self.svg_text = viz.render(drawing.source).decode("utf-8")
        self.ident = element_ids(trace.order)
        self.step_of = {step.node: k for k, step in enumerate(trace.steps)}

    def fresh(self) -> tuple:
        """``(root, groups, layer)``: a new copy of the drawing, its groups by id, its graph group."""
        root = ET.fromstring(self.svg_text)
        root.set("class", "ags-trace")
        groups = {g.get("id"): g for g in root.iter(f"{{{_SVG}}}g") if g.get("id")}
        found = root.find(f"{{{_SVG}}}g")
        return root, groups, root if found is None else found

    def group(self, groups: dict, node) -> Optional[ET.Element]:
        """The group that draws ``node``'s record (``None`` if the drawing has none)."""
        return groups.get(_PREFIX + self.ident[node])

    def mark(self, groups: dict, node, cls: str) -> None:
        """Add the class ``cls`` to ``node``'s group."""
        g = self.group(groups, node)
        if g is not None:
            g.set("class", f"{g.get('class', '')} {cls}".strip())

    def hide_grads_after(self, groups: dict, k: int) -> None:
        """``grad ?`` on every node whose step comes after step ``k``."""
        for node, s in self.step_of.items():
            g = self.group(groups, node)
            if g is None or s <= k:
                continue
            for text in g.iter(f"{{{_SVG}}}text"):
                if text.get("class") == GRAD_FIELD:
                    text.text = FIELD_WORDS["unknown"]

    def mark_terms(self, groups: dict, layer: ET.Element, step) -> list:
        """Mark the edges of ``step``'s terms, each with ∂v_j/∂v_i beside it in ``layer``.

        Returns ``(edge group, label)`` per marked edge.
        """
        marked = []
        for term in step.terms:
            ident = _PREFIX + edge_id(self.ident[step.node], op_id(self.ident[term.consumer]))
            edge = groups.get(ident)
            if edge is None:
                continue
            edge.set("class", f"{edge.get('class', '')} ags-term".strip())
            path = edge.find(f"{{{_SVG}}}path")
            if path is not None:
                x, y = _midpoint(path.get("d", ""))
                label = ET.SubElement(layer, f"{{{_SVG}}}text", {"class": "ags-local"})
                label.set("x", f"{x:.2f}")
                label.set("y", f"{y - 4:.2f}")
                label.set("text-anchor", "middle")
                label.text = "\u2202 = " + format_number(term.local)
                marked.append((edge, label))
        return marked

    def marked(self, k: Optional[int]) -> ET.Element:
        """The drawing at step ``k`` (``None``: the finished pass), without a caption."""
        root, groups, layer = self.fresh()
        steps = self.trace.steps
        done = steps if k is None else steps[:k]
        for step in done:
            self.mark(groups, step.node, "ags-done")
        if k is not None:
            step = steps[k]
            for term in step.terms:
                self.mark(groups, term.consumer, "ags-consumer")
            self.mark(groups, step.node, "ags-current")
            self.hide_grads_after(groups, k)
            self.mark_terms(groups, layer, step)
        return root

    def caption(self, k: Optional[int], width_chars: int) -> list:
        """The caption's lines at step ``k``: which step and node, then its equation."""
        steps = self.trace.steps
        if k is None:
            return [f"Backward pass done: every v\u0304 of the {len(steps)} steps"]
        step = steps[k]
        name = self.trace.names[step.node]
        caption = [f"Step {k + 1} of {len(steps)}: node {name}"]
        return caption + _wrap(equation(step, self.trace.names), width_chars)

    def svg(self, k: Optional[int], width_chars: int = 0) -> str:
        """The picture at step ``k`` (``None``: the finished pass), with its caption."""
        root = self.marked(k)
        return _with_caption(root, self.caption(k, width_chars or _width_chars(root)))


def _midpoint(d: str) -> tuple:
    """The middle of a Graphviz edge path (``M x,y C ...``): its middle control point's curve."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", d)]
    points = list(zip(numbers[0::2], numbers[1::2]))
    if not points:
        return 0.0, 0.0
    segments = max(1, (len(points) - 1) // 3)
    s = segments // 2
    p0, p1, p2, p3 = (points[min(3 * s + i, len(points) - 1)] for i in range(4))
    t = 0.5 if segments % 2 else 0.0  # the middle of the middle Bezier, or the joint
    x = (
        (1 - t) ** 3 * p0[0]
        + 3 * (1 - t) ** 2 * t * p1[0]
        + 3 * (1 - t) * t**2 * p2[0]
        + t**3 * p3[0]
    )
    y = (
        (1 - t) ** 3 * p0[1]
        + 3 * (1 - t) ** 2 * t * p1[1]
        + 3 * (1 - t) * t**2 * p2[1]
        + t**3 * p3[1]
    )
    return x, y


def svg_size(root: ET.Element) -> tuple:
    """An SVG's width and height in its own units (its viewBox)."""
    box = [float(v) for v in root.get("viewBox", "0 0 100 100").split()]
    return box[2], box[3]


def _width_chars(root: ET.Element) -> int:
    width, _ = svg_size(root)
    return max(40, int(max(width, 480) / CHAR_WIDTH))


def _wrap(text: str, width: int) -> list:
    """``text`` in lines of at most ``width`` characters, broken at spaces where possible."""
    lines, line = [], ""
    for word in text.split(" "):
        while len(word) > width:
            if line:
                lines.append(line)
                line = ""
            lines.append(word[:width])
            word = word[width:]
        candidate = f"{line} {word}" if line else word
        if len(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + ([line] if line else [])


def caption_height(lines: int) -> float:
    """The height in points of a caption of ``lines`` lines (with its margins)."""
    return CAPTION_FONT * 1.35 * lines + 12


def add_caption(parent: ET.Element, caption: list, top: float) -> None:
    """Append ``caption``'s lines to ``parent`` as text from ``top`` down (points, bold first)."""
    line_height = CAPTION_FONT * 1.35
    for i, line in enumerate(caption):
        text = ET.SubElement(parent, f"{{{_SVG}}}text")
        text.set("x", "8")
        text.set("y", f"{top + 6 + line_height * (i + 0.8):.2f}")
        text.set("font-family", "DejaVu Sans Mono, monospace")
        text.set("font-size", f"{CAPTION_FONT:g}")
        text.set("font-weight", "bold" if i == 0 else "normal")
        text.set("xml:space", "preserve")
        text.text = line


def _with_caption(graph: ET.Element, caption: list) -> str:
    """A new SVG: the graph above, ``caption`` lines below it, sizes in points."""
    width, height = svg_size(graph)
    total_width = max(width, max(len(line) for line in caption) * CHAR_WIDTH + 16)
    total_height = height + caption_height(len(caption))
    graph.set("x", f"{(total_width - width) / 2:.2f}")
    graph.set("y", "0")
    graph.set("width", f"{width:.2f}")
    graph.set("height", f"{height:.2f}")
    outer = ET.Element(
        f"{{{_SVG}}}svg",
        {
            "width": f"{total_width:.2f}pt",
            "height": f"{total_height:.2f}pt",
            "viewBox": f"0 0 {total_width:.2f} {total_height:.2f}",
            "class": "ags-trace",
        },
    )
    ET.SubElement(outer, f"{{{_SVG}}}style").text = pages.read("trace.css")
    outer.append(graph)
    add_caption(outer, caption, height)
    return ET.tostring(outer, encoding="unicode")


def check_step(trace, k) -> int:
    """``k`` as a step index from 0, or ``ValueError`` naming the range."""
    n = len(trace.steps)
    if isinstance(k, bool) or not isinstance(k, int) or not -n <= k < n:
        raise ValueError(
            f"step must be an int from 0 to {n - 1} (or negative from the end), got {k!r}"
        )
    return k % n


def step_svg(trace, k: int) -> str:
    """The SVG of step ``k`` (0 is the output's step; negative counts from the end)."""
    return StepDrawing(trace).svg(check_step(trace, k))


def save_step(trace, k: int, path, scale: float = 1.0, dpi: Optional[float] = None) -> pathlib.Path:
    """Write step ``k``'s picture to ``path`` (.svg, .png or .pdf by its suffix), atomically."""
    format = suffix_format(path, STILL_FORMATS, "save_step")
    svg = step_svg(trace, k)
    data = svg.encode("utf-8") if format == "svg" else image.convert(svg, format, scale, dpi)
    return write_atomic(path, data)
