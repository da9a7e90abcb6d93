"""The backward pass as an animation: one frame per step, then the finished pass.

A frame is the step's picture as :mod:`autograd_scalar.trace.frames` draws
it (the page's colours, ``grad ?`` where v̄ is not computed yet,
∂v_j/∂v_i on the edges of the step's terms) above the step's equation
v̄_i = Σ_j (∂v_j/∂v_i)·v̄_j in numbers. Rasterising the whole drawing for every
step costs seconds a frame once the graph is large (one MLP(2, [16, 16, 1])
example's loss draws about 1000 nodes), so the film is composed step by step:

* the drawing with no v̄ known yet is rasterised once: the *canvas*;
* each frame is the visible part of the canvas with small pictures pasted on
  it of what the step shows: the edges of its terms, its children Ch(v_i),
  the current node v_i, the ∂ labels; then v_i, now done, is pasted on the
  canvas for the steps after it;
* every small picture is rasterised by resvg on the canvas's own pixel grid
  (an integer pixel box of the same drawing at the same scale), so pasting it
  gives the pixels a whole rendering gives, up to antialiasing where two
  pieces touch.

Frames are at most ``max_width`` × ``max_height`` pixels. A drawing that does
not fit is seen through a window that follows the current node and moves
only when the node nears the window's edge; the last frame shows the finished
pass where the last step was. Figures for both examples:
``benchmarks/animation.py`` and benchmarks/README.md.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import xml.etree.ElementTree as ET
from typing import Iterator, Optional

from ..viz import image
from ..web import pages
from .frames import (
    CAPTION_FONT,
    CHAR_WIDTH,
    SVG_NS,
    StepDrawing,
    add_caption,
    caption_height,
    svg_size,
)

__all__ = ["frames", "animation", "ANIMATION_FORMATS"]

_ENCODERS = {"gif": "GIF", "webp": "WEBP", "png": "PNG"}  # png: an animated PNG (APNG)
ANIMATION_FORMATS = tuple(_ENCODERS)

_PX_PER_PT = 96 / 72
_MIN_CAPTION_SCALE = 0.75  # a caption stays 14 px high when a large graph is scaled down
_PAD = 3.0  # points around a piece: the widest stroke (2.5) and antialiasing
_FOLLOW_MARGIN = 0.15  # the window moves when the current node comes this close to its edge
_MAX_PIXELS = 100_000_000  # the canvas, as RGB: 300 MB
_NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _tag(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _coordinates(element: ET.Element) -> list:
    """The points an SVG shape passes through (Graphviz writes absolute coordinates)."""
    tag = _tag(element)
    if tag in ("polygon", "polyline", "path"):
        text = element.get("points") or element.get("d") or ""
        numbers = [float(n) for n in _NUMBER.findall(text)]
        return list(zip(numbers[0::2], numbers[1::2]))
    if tag == "ellipse":
        cx, cy = float(element.get("cx", 0)), float(element.get("cy", 0))
        rx, ry = float(element.get("rx", 0)), float(element.get("ry", 0))
        return [(cx - rx, cy - ry), (cx + rx, cy + ry)]
    if tag == "text":
        size = float(element.get("font-size", 11))
        width = len(element.text or "") * size * 0.62 + 4  # a generous advance, and the halo
        x, y = float(element.get("x", 0)), float(element.get("y", 0))
        anchor = element.get("text-anchor") or "start"
        left = {"middle": x - width / 2, "end": x - width}.get(anchor, x)
        return [(left, y - size), (left + width, y + size * 0.3)]
    return []


def _extent(pieces: list) -> Optional[tuple]:
    """``(x0, y0, x1, y1)``: the box around ``pieces`` in the graph group's coordinates."""
    points = [p for piece in pieces for e in piece.iter() for p in _coordinates(e)]
    if not points:
        return None
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return min(xs) - _PAD, min(ys) - _PAD, max(xs) + _PAD, max(ys) + _PAD


def _graph_transform(layer: ET.Element) -> tuple:
    """``(sx, sy, tx, ty)`` of Graphviz's graph group: a point p is drawn at s·(p + t)."""
    text = layer.get("transform", "")
    scale = re.search(r"scale\(\s*([^\s,)]+)(?:[\s,]+([^\s,)]+))?", text)
    move = re.search(r"translate\(\s*([^\s,)]+)(?:[\s,]+([^\s,)]+))?", text)
    sx = float(scale.group(1)) if scale else 1.0
    sy = float(scale.group(2) or scale.group(1)) if scale else 1.0
    tx = float(move.group(1)) if move else 0.0
    ty = float(move.group(2) or 0.0) if move else 0.0
    return sx, sy, tx, ty


class _Grid:
    """The drawing's pixel grid: pieces of it rasterised so that they line up."""

    def __init__(self, root: ET.Element, layer: ET.Element, scale: float):
        box = [float(v) for v in root.get("viewBox", "0 0 100 100").split()]
        self.origin = box[0], box[1]
        width_pt = float(re.sub(r"[a-z]+$", "", root.get("width", "")) or box[2])
        self.scale = scale
        self.px = scale * _PX_PER_PT * width_pt / box[2]  # pixels per drawing unit
        self.size = math.ceil(box[2] * self.px), math.ceil(box[3] * self.px)
        self.layer_transform = layer.get("transform", "")
        self.transform = _graph_transform(layer)
        self.css = pages.read("trace.css")

    def pixel_box(self, extent: tuple) -> tuple:
        """The integer pixel box (clipped to the picture) around a box in graph coordinates."""
        sx, sy, tx, ty = self.transform
        (ox, oy), px = self.origin, self.px
        xs = sorted(((extent[0] + tx) * sx - ox, (extent[2] + tx) * sx - ox))
        ys = sorted(((extent[1] + ty) * sy - oy, (extent[3] + ty) * sy - oy))
        x0, y0 = max(0, math.floor(xs[0] * px)), max(0, math.floor(ys[0] * px))
        x1 = min(self.size[0], math.ceil(xs[1] * px))
        y1 = min(self.size[1], math.ceil(ys[1] * px))
        return x0, y0, max(x1, x0 + 1), max(y1, y0 + 1)

    def rasterise(self, pieces: list, box: tuple, background: Optional[str] = None):
        """``pieces`` (graph-group children) drawn in pixel ``box`` of the picture, as RGBA."""
        from PIL import Image  # a dependency of matplotlib

        x0, y0, x1, y1 = box
        (ox, oy), px = self.origin, self.px
        view = f"{ox + x0 / px:.6f} {oy + y0 / px:.6f} {(x1 - x0) / px:.6f} {(y1 - y0) / px:.6f}"
        svg = ET.Element(
            f"{{{SVG_NS}}}svg",
            {"width": str(x1 - x0), "height": str(y1 - y0), "viewBox": view, "class": "ags-trace"},
        )
        ET.SubElement(svg, f"{{{SVG_NS}}}style").text = self.css
        group = ET.SubElement(svg, f"{{{SVG_NS}}}g", {"transform": self.layer_transform})
        group.extend(pieces)
        png = image.to_png(ET.tostring(svg, encoding="unicode"), background=background)
        with Image.open(io.BytesIO(png)) as picture:
            return picture.convert("RGBA")


class _Scene:
    """The drawing's elements in drawing order, their pixel boxes, and the looks steps give them.

    A region of any frame is rasterised from the elements that reach into
    it, each in its look at that step, in the drawing's order: the pixels a
    whole rendering has there.
    """

    def __init__(self, drawing: StepDrawing, grid: _Grid, layer: ET.Element):
        self.drawing, self.grid = drawing, grid
        self.elements = list(layer)
        self.boxes = [self.box([element]) for element in self.elements]
        self.position = {e.get("id"): i for i, e in enumerate(self.elements) if e.get("id")}
        self.looks = {}
        for look in ("ags-done", "ags-current", "ags-consumer"):
            _, groups, _ = drawing.fresh()
            for node in drawing.ident:
                drawing.mark(groups, node, look)
            self.looks[look] = groups
        _, groups, labels = drawing.fresh()
        self.terms = [drawing.mark_terms(groups, labels, step) for step in drawing.trace.steps]
        self.done: dict = {}  # position -> the element in its done look, as steps finish

    def box(self, pieces: list) -> Optional[tuple]:
        extent = _extent(pieces)
        return None if extent is None else self.grid.pixel_box(extent)

    def look(self, node, look: str) -> dict:
        """``{position: element}``: ``node``'s group in ``look`` (empty if it is not drawn)."""
        group = self.drawing.group(self.looks[look], node)
        i = None if group is None else self.position.get(group.get("id"))
        return {} if i is None else {i: group}

    def step(self, k: int) -> tuple:
        """Step ``k``'s changes ``{position: element}`` and its ∂ labels (drawn on top)."""
        step, changes = self.drawing.trace.steps[k], {}
        for term in step.terms:
            changes.update(self.look(term.consumer, "ags-consumer"))
        changes.update(self.look(step.node, "ags-current"))
        for edge, _ in self.terms[k]:
            if edge.get("id") in self.position:
                changes[self.position[edge.get("id")]] = edge
        return changes, [label for _, label in self.terms[k]]

    def render(self, box: tuple, changes: dict, labels: list):
        """Pixel ``box`` of the picture with ``changes`` and ``labels``, as an RGB image."""
        picked = [
            changes.get(i, self.done.get(i, element))
            for i, (element, reach) in enumerate(zip(self.elements, self.boxes))
            if reach is not None and _overlap(reach, box)
        ]
        picked += [label for label in labels if _overlap(self.box([label]) or box, box)]
        return self.grid.rasterise(picked, box, "white").convert("RGB")


def _follow(corner: tuple, box: tuple, view: tuple, picture: tuple) -> tuple:
    """The window's new top-left corner: kept while ``box`` is well inside, else centred on it."""
    moved = []
    for axis in (0, 1):
        start, size, total = corner[axis], view[axis], picture[axis]
        lo, hi = box[axis], box[axis + 2]
        margin = _FOLLOW_MARGIN * size
        if lo >= start + margin and hi <= start + size - margin:
            moved.append(start)
            continue
        centred = round((lo + hi) / 2 - size / 2)
        moved.append(min(max(0, centred), total - size))
    return moved[0], moved[1]


def _fit_lines(lines: list, most: int) -> list:
    """At most ``most`` lines, the last one ending in an ellipsis when lines were cut."""
    if len(lines) <= most:
        return lines
    kept = lines[:most]
    kept[-1] = kept[-1][:-1] + "\u2026"
    return kept


class _Film:
    """The frames of one trace's animation, composed as the module's docstring says."""

    def __init__(self, trace, max_width: int, max_height: int, scale: Optional[float] = None):
        self.steps = trace.steps
        self.drawing = StepDrawing(trace)
        base, groups, layer = self.drawing.fresh()
        self.drawing.hide_grads_after(groups, -1)
        width, _ = svg_size(base)
        if scale is None:
            scale = min(1.0, max_width / (width * _PX_PER_PT))
        self.grid = _Grid(base, layer, scale)
        pixels = self.grid.size[0] * self.grid.size[1]
        if pixels > _MAX_PIXELS:
            raise ValueError(
                f"save_animation: at scale {scale:.3g} the drawing is {self.grid.size[0]:,} x "
                f"{self.grid.size[1]:,} pixels, more than {_MAX_PIXELS:,}; give a smaller scale"
            )
        self.scene = _Scene(self.drawing, self.grid, layer)
        self._layout(max_width, max_height)

    def _layout(self, max_width: int, max_height: int) -> None:
        """Captions wrapped to the frame; the frame's size and the window's."""
        self.unit = _PX_PER_PT * max(self.grid.scale, _MIN_CAPTION_SCALE)  # pixels per point
        picture_width, picture_height = self.grid.size
        room = min(max_width, max(picture_width, round(480 * self.unit)))
        width_chars = max(20, int((room / self.unit - 16) / CHAR_WIDTH))
        most = max(2, int((max_height / 2 / self.unit - 12) / (CAPTION_FONT * 1.35)))
        self.captions = [
            _fit_lines(self.drawing.caption(k, width_chars), most)
            for k in [*range(len(self.steps)), None]
        ]
        longest = max(len(line) for lines in self.captions for line in lines)
        lines = max(len(lines) for lines in self.captions)
        self.caption_height = math.ceil(caption_height(lines) * self.unit)
        frame_width = max(picture_width, math.ceil((longest * CHAR_WIDTH + 16) * self.unit))
        frame_width = min(max_width, frame_width)
        self.view = (
            min(picture_width, frame_width),
            max(1, min(picture_height, max_height - self.caption_height)),
        )
        self.size = (frame_width, self.view[1] + self.caption_height)

    def _caption(self, lines: list):
        from PIL import Image

        width, height = self.size[0], self.caption_height
        svg = ET.Element(
            f"{{{SVG_NS}}}svg",
            {
                "width": str(width),
                "height": str(height),
                "viewBox": f"0 0 {width / self.unit:.4f} {height / self.unit:.4f}",
            },
        )
        add_caption(svg, lines, 0)
        png = image.to_png(ET.tostring(svg, encoding="unicode"))
        with Image.open(io.BytesIO(png)) as picture:
            return picture.convert("RGB")

    def _frame(self, picture, lines: list):
        from PIL import Image

        frame = Image.new("RGB", self.size, "white")
        frame.paste(picture, ((self.size[0] - picture.width) // 2, 0))
        frame.paste(self._caption(lines), (0, self.view[1]))
        return frame

    def _window(self, corner: tuple) -> tuple:
        return (corner[0], corner[1], corner[0] + self.view[0], corner[1] + self.view[1])

    def _view(self, canvas, k: int, corner: tuple) -> tuple:
        """The window's corner at step ``k`` and what it shows: the canvas, step ``k`` redrawn."""
        scene = self.scene
        changes, labels = scene.step(k)
        current = scene.box(list(scene.look(self.steps[k].node, "ags-current").values()))
        if current is not None:
            corner = _follow(corner, current, self.view, self.grid.size)
        window = self._window(corner)
        view = canvas.crop(window)
        reach = [scene.boxes[i] for i in changes] + [scene.box([label]) for label in labels]
        dirty = _union([_clip(box, window) for box in reach if box is not None])
        if dirty is not None:
            view.paste(
                scene.render(dirty, changes, labels), (dirty[0] - corner[0], dirty[1] - corner[1])
            )
        return corner, view

    def frames(self) -> Iterator:
        """One RGB picture per step, then the finished pass."""
        scene = self.scene
        canvas = scene.render((0, 0, *self.grid.size), {}, [])
        corner = (0, 0)
        for k, step in enumerate(self.steps):
            corner, view = self._view(canvas, k, corner)
            yield self._frame(view, self.captions[k])
            done = scene.look(step.node, "ags-done")
            scene.done.update(done)
            for box in (scene.boxes[i] for i in done):
                if box is not None:
                    canvas.paste(scene.render(box, {}, []), box[:2])
        # The finished pass where the last step was: every v̄ there is known.
        yield self._frame(canvas.crop(self._window(corner)), self.captions[-1])


def _overlap(box: tuple, window: tuple) -> bool:
    return box[0] < window[2] and window[0] < box[2] and box[1] < window[3] and window[1] < box[3]


def _clip(box: tuple, window: tuple) -> Optional[tuple]:
    if not _overlap(box, window):
        return None
    return (
        max(box[0], window[0]),
        max(box[1], window[1]),
        min(box[2], window[2]),
        min(box[3], window[3]),
    )


def _union(boxes: list) -> Optional[tuple]:
    boxes = [box for box in boxes if box is not None]
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


#: The page's colours (web/trace.css), white and black: kept exact in the palette.
_EXACT = ("#ffffff", "#000000", "#ffb74d", "#bbdefb", "#e8f5e9", "#e65100", "#bf360c")


_NEAR = 16  # levels of 255: two of the cells below


def _distance(a: tuple, b: tuple) -> int:
    return max(abs(x - y) for x, y in zip(a, b))


def _one_palette(frames: Iterator) -> Iterator:
    """The frames in 256 colours, one palette for all: the page's colours exactly, and
    the 249 that best cover the first two frames (the antialiased shades).

    One palette keeps colours steady from frame to frame, and a paletted frame
    takes a third of the memory while the encoder gathers the frames.
    """
    from PIL import Image, ImageColor

    head = list(itertools.islice(frames, 2))
    sample = Image.new("RGB", (head[0].width, sum(f.height for f in head)), "white")
    for i, frame in enumerate(head):
        sample.paste(frame, (0, i * head[0].height))
    exact = [ImageColor.getrgb(name)[:3] for name in _EXACT]
    found = (sample.quantize(256 - len(exact), method=Image.Quantize.MEDIANCUT).getpalette()) or []
    shades = [tuple(found[i : i + 3]) for i in range(0, len(found) - 2, 3)]
    # Pillow matches colours through a cache of 8-level cells: a shade that close to an
    # exact colour can take its place (white became 252, 252, 252, then 248, 250, 250).
    shades = [s for s in shades if min(_distance(s, e) for e in exact) > _NEAR]
    palette = Image.new("P", (1, 1))
    palette.putpalette([c for colour in exact + shades for c in colour][: 3 * 256])
    for frame in itertools.chain(head, frames):
        yield frame.quantize(palette=palette, dither=Image.Dither.NONE)


def _check_options(seconds_per_step, pause, max_width, max_height, scale=None) -> None:
    if scale is not None and (
        isinstance(scale, bool)
        or not isinstance(scale, (int, float))
        or not math.isfinite(scale)
        or not 0 < scale <= 4
    ):
        raise ValueError(f"save_animation: scale must be a number in (0, 4] or None, got {scale!r}")
    for name, x in (("seconds_per_step", seconds_per_step), ("pause", pause)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x < 3600:
            raise ValueError(
                f"save_animation: {name} must be a number of seconds in (0, 3600), got {x!r}"
            )
    for name, x, least in (("max_width", max_width, 16), ("max_height", max_height, 120)):
        if isinstance(x, bool) or not isinstance(x, int) or not least <= x <= 8192:
            raise ValueError(
                f"save_animation: {name} must be an int from {least} to 8192, got {x!r}"
            )


def frames(
    trace, max_width: int = 1280, max_height: int = 720, scale: Optional[float] = None
) -> Iterator:
    """The animation's frames as RGB Pillow images: one per step, then the finished pass.

    For a tool of one's own (a video encoder, slides); ``BackwardTrace.save_animation``
    writes them as a file, and says what the arguments do.
    """
    _check_options(1.0, 1.0, max_width, max_height, scale)
    return _Film(trace, max_width, max_height, scale).frames()


def animation(
    trace,
    format: str,
    seconds_per_step: float = 1.2,
    pause: float = 4.0,
    max_width: int = 1280,
    max_height: int = 720,
    scale: Optional[float] = None,
) -> bytes:
    """The animation as the bytes of a ``format`` file (gif, webp or png: an animated PNG).

    ``BackwardTrace.save_animation`` writes it and says what the arguments do.
    """
    if format not in ANIMATION_FORMATS:
        raise ValueError(f"animation: format must be one of {', '.join(ANIMATION_FORMATS)}")
    _check_options(seconds_per_step, pause, max_width, max_height, scale)
    # A list, not the generator: the APNG writer reads the frames twice.
    first, *rest = _one_palette(frames(trace, max_width, max_height, scale))
    durations = [round(seconds_per_step * 1000)] * len(trace.steps) + [round(pause * 1000)]
    out = io.BytesIO()
    first.save(
        out,
        format=_ENCODERS[format],
        save_all=True,
        append_images=rest,
        duration=durations,
        loop=0,
    )
    return out.getvalue()
