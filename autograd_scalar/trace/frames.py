"""One step of the backward pass as a still picture, and the whole pass as an animation.

A step's picture is the trace page at that step, made in Python for slides
and handouts: the same drawing (laid out by :mod:`autograd_scalar.viz`), the
same CSS classes and colours (``web/trace.css``: the current node v_i, its
children Ch(v_i), the nodes already done), ``grad ?`` where v̄ is not yet
computed, each term's local derivative ∂v_j/∂v_i on its edge, and the step's
equation v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j in numbers as a caption. The animation
strings one such frame per step, then a last frame of the finished pass
(every v̄ shown), held longer.

Images come from :mod:`autograd_scalar.viz.image` (resvg), so no system
Graphviz, Cairo or fonts are needed.
"""

from __future__ import annotations

import io
import pathlib
import re
import xml.etree.ElementTree as ET
from typing import Optional

from .. import viz
from ..files import suffix_format, write_atomic
from ..names import edge_id, element_ids, format_number, op_id
from ..viz import image
from ..web import pages
from .text import equation

__all__ = [
    "step_svg",
    "save_step",
    "animation",
    "save_animation",
    "STILL_FORMATS",
    "ANIMATION_FORMATS",
]

STILL_FORMATS = ("svg", "png", "pdf")
ANIMATION_FORMATS = ("gif", "webp", "png")  # png: an animated PNG (APNG)

_SVG = "http://www.w3.org/2000/svg"
_CAPTION_FONT = 14.0  # points
_CHAR_WIDTH = 0.6 * _CAPTION_FONT  # DejaVu Sans Mono's advance, for wrapping
_PREFIX = "f-"

ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


class _Frames:
    """The trace's drawing parsed once; each call to :meth:`svg` marks one step."""

    def __init__(self, trace):
        self.trace = trace
        grads = {step.node: step.grad for step in trace.steps}
        drawing = viz.draw(trace.root, show_grad=grads, max_nodes=None, id_prefix=_PREFIX)
        self.svg_text = viz.render(drawing.source).decode("utf-8")
        self.ident = element_ids(trace.order)
        self.step_of = {step.node: k for k, step in enumerate(trace.steps)}

    def _groups(self, root: ET.Element) -> dict:
        return {g.get("id"): g for g in root.iter(f"{{{_SVG}}}g") if g.get("id")}

    def _mark(self, groups: dict, node, cls: str) -> None:
        g = groups.get(_PREFIX + self.ident[node])
        if g is not None:
            g.set("class", f"{g.get('class', '')} {cls}".strip())

    def _grad_texts(self, groups: dict, k: int) -> None:
        for node, s in self.step_of.items():
            g = groups.get(_PREFIX + self.ident[node])
            if g is None or s <= k:
                continue
            for text in g.iter(f"{{{_SVG}}}text"):
                if (text.text or "").strip().startswith("grad "):
                    text.text = "grad ?"

    def _term_edges(self, groups: dict, layer: ET.Element, step) -> None:
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

    def svg(self, k: Optional[int], width_chars: int = 0) -> str:
        """The picture at step ``k`` (``None``: the finished pass), with its caption."""
        root = ET.fromstring(self.svg_text)
        root.set("class", "ags-trace")
        groups = self._groups(root)
        found = root.find(f"{{{_SVG}}}g")
        layer = root if found is None else found
        steps = self.trace.steps
        if k is None:
            for step in steps:
                self._mark(groups, step.node, "ags-done")
            caption = [f"Backward pass done: every v\u0304 of the {len(steps)} steps"]
        else:
            for step in steps[:k]:
                self._mark(groups, step.node, "ags-done")
            step = steps[k]
            for term in step.terms:
                self._mark(groups, term.consumer, "ags-consumer")
            self._mark(groups, step.node, "ags-current")
            self._grad_texts(groups, k)
            self._term_edges(groups, layer, step)
            name = self.trace.names[step.node]
            caption = [f"Step {k + 1} of {len(steps)}: node {name}"]
            caption += _wrap(equation(step, self.trace.names), width_chars or _width_chars(root))
        return _with_caption(root, caption)


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


def _size(root: ET.Element) -> tuple:
    box = [float(v) for v in root.get("viewBox", "0 0 100 100").split()]
    return box[2], box[3]


def _width_chars(root: ET.Element) -> int:
    width, _ = _size(root)
    return max(40, int(max(width, 480) / _CHAR_WIDTH))


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


def _with_caption(graph: ET.Element, caption: list) -> str:
    """A new SVG: the graph above, ``caption`` lines below it, sizes in points."""
    width, height = _size(graph)
    line_height = _CAPTION_FONT * 1.35
    total_width = max(width, max(len(line) for line in caption) * _CHAR_WIDTH + 16)
    total_height = height + line_height * len(caption) + 12
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
    for i, line in enumerate(caption):
        text = ET.SubElement(outer, f"{{{_SVG}}}text")
        text.set("x", "8")
        text.set("y", f"{height + 6 + line_height * (i + 0.8):.2f}")
        text.set("font-family", "DejaVu Sans Mono, monospace")
        text.set("font-size", f"{_CAPTION_FONT:g}")
        text.set("font-weight", "bold" if i == 0 else "normal")
        text.set("xml:space", "preserve")
        text.text = line
    return ET.tostring(outer, encoding="unicode")


def _check_step(trace, k) -> int:
    n = len(trace.steps)
    if isinstance(k, bool) or not isinstance(k, int) or not -n <= k < n:
        raise ValueError(
            f"step must be an int from 0 to {n - 1} (or negative from the end), got {k!r}"
        )
    return k % n


def step_svg(trace, k: int) -> str:
    """The SVG of step ``k`` (0 is the output's step; negative counts from the end)."""
    return _Frames(trace).svg(_check_step(trace, k))


def save_step(trace, k: int, path, scale: float = 1.0, dpi: Optional[float] = None) -> pathlib.Path:
    """Write step ``k``'s picture to ``path`` (.svg, .png or .pdf by its suffix), atomically."""
    format = suffix_format(path, STILL_FORMATS, "save_step")
    svg = step_svg(trace, k)
    data = svg.encode("utf-8") if format == "svg" else image.convert(svg, format, scale, dpi)
    return write_atomic(path, data)


def _frame_scale(svg_width_pt: float, max_width: int) -> float:
    return min(1.0, max_width / (svg_width_pt * 96 / 72))


def animation(
    trace, format: str, seconds_per_step: float = 1.2, pause: float = 4.0, max_width: int = 1280
) -> bytes:
    """The bytes of :func:`save_animation`'s file in ``format`` (gif, webp or png)."""
    from PIL import Image  # a dependency of matplotlib

    if format not in ANIMATION_FORMATS:
        raise ValueError(f"animation: format must be one of {', '.join(ANIMATION_FORMATS)}")
    for name, x in (("seconds_per_step", seconds_per_step), ("pause", pause)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x < 3600:
            raise ValueError(
                f"save_animation: {name} must be a number of seconds in (0, 3600), got {x!r}"
            )
    if isinstance(max_width, bool) or not isinstance(max_width, int) or not 16 <= max_width <= 8192:
        raise ValueError(
            f"save_animation: max_width must be an int from 16 to 8192, got {max_width!r}"
        )
    frames = _Frames(trace)
    width_chars = _width_chars(ET.fromstring(frames.svg_text))
    svgs = [frames.svg(k, width_chars) for k in range(len(trace.steps))]
    svgs.append(frames.svg(None, width_chars))
    scale = _frame_scale(max(_size(ET.fromstring(svg))[0] for svg in svgs), max_width)
    pictures = [
        Image.open(io.BytesIO(image.to_png(svg, scale=scale))).convert("RGB") for svg in svgs
    ]
    size = (max(p.width for p in pictures), max(p.height for p in pictures))
    canvas = []
    for picture in pictures:
        frame = Image.new("RGB", size, "white")
        frame.paste(picture, (0, 0))
        canvas.append(frame)
    durations = [round(seconds_per_step * 1000)] * (len(canvas) - 1) + [round(pause * 1000)]
    out = io.BytesIO()
    canvas[0].save(
        out,
        format={"gif": "GIF", "webp": "WEBP", "png": "PNG"}[format],
        save_all=True,
        append_images=canvas[1:],
        duration=durations,
        loop=0,
    )
    return out.getvalue()


def save_animation(
    trace,
    path,
    seconds_per_step: float = 1.2,
    pause: float = 4.0,
    max_width: int = 1280,
) -> pathlib.Path:
    """Write the backward pass as an animation: one frame per step, then the finished pass.

    The format is the suffix's: ``.gif``, ``.webp`` or ``.png`` (an animated
    PNG). Frames are at most ``max_width`` pixels wide (a large graph is
    scaled down to fit), all of one size; the last frame, every v̄ shown,
    stays ``pause`` seconds.
    """
    # .png is an animated PNG here.
    format = suffix_format(path, ANIMATION_FORMATS, "save_animation")
    return write_atomic(path, animation(trace, format, seconds_per_step, pause, max_width))
