"""SVG drawings as PNG and PDF, with no system Graphviz, Cairo or fonts.

resvg (a small SVG renderer written in Rust, installed as a wheel for Linux,
macOS and Windows) rasterises the SVG that :mod:`autograd_scalar.viz`
renders; the text is set in the DejaVu fonts that matplotlib ships, so a
machine with no system fonts draws the same letters as any other. A PDF is
one page holding that picture at print resolution (300 dpi by default) and
at the drawing's own size in points.

Sizes: the SVG's points are 1/72 inch; ``dpi`` says how many pixels an inch
becomes (96, the screen's CSS pixel, by default) and ``scale`` multiplies
that, so ``scale=2`` gives a sharp image for a slide.
"""

from __future__ import annotations

import io
import math
import pathlib
from typing import Optional

__all__ = ["FORMATS", "to_png", "to_pdf", "convert", "font_files"]

#: The raster and page formats this module makes from SVG.
FORMATS = ("png", "pdf")

_SCREEN_DPI = 96.0
_PRINT_DPI = 300.0


def font_files() -> list:
    """The TrueType files of the DejaVu fonts matplotlib ships (sans, bold, mono)."""
    import matplotlib  # a dependency of the package; its fonts are package data

    folder = pathlib.Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    names = (
        "DejaVuSans.ttf",
        "DejaVuSans-Bold.ttf",
        "DejaVuSansMono.ttf",
        "DejaVuSansMono-Bold.ttf",
    )
    return [str(folder / name) for name in names if (folder / name).exists()]


def _check_size(scale: float, dpi: float) -> None:
    for name, x in (("scale", scale), ("dpi", dpi)):
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x <= 0:
            raise ValueError(f"image: {name} must be a finite number > 0, got {x!r}")


def to_png(
    svg: str,
    scale: float = 1.0,
    dpi: float = _SCREEN_DPI,
    style: Optional[str] = None,
    background: Optional[str] = "white",
) -> bytes:
    """PNG bytes of an SVG document, on a white background (``background=None``: transparent).

    Args:
        svg: the SVG document (text).
        scale: a zoom factor on top of ``dpi``.
        dpi: pixels per inch of the drawing's size in points (96: one CSS pixel a pixel).
        style: a CSS style sheet applied while parsing (class selectors work).
        background: a CSS colour under the drawing, or ``None`` to leave it transparent.

    Example:
        >>> png = to_png('<svg xmlns="http://www.w3.org/2000/svg" width="10pt" height="20pt"/>')
        >>> png[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
        True
    """
    import resvg_py

    _check_size(scale, dpi)
    try:
        data = resvg_py.svg_to_bytes(
            svg_string=svg,
            background=background,
            dpi=float(dpi),
            zoom=float(scale),
            style_sheet=style,
            skip_system_fonts=True,
            font_files=font_files(),
            font_family="DejaVu Sans",
            sans_serif_family="DejaVu Sans",
            serif_family="DejaVu Sans",
            monospace_family="DejaVu Sans Mono",
        )
    except ValueError as exc:
        raise ValueError(f"image: could not rasterise the SVG: {exc}") from exc
    return bytes(data)


def to_pdf(svg: str, dpi: float = _PRINT_DPI, style: Optional[str] = None) -> bytes:
    """A one-page PDF of an SVG document: the picture at ``dpi``, the page at its size in points.

    Example:
        >>> pdf = to_pdf('<svg xmlns="http://www.w3.org/2000/svg" width="72pt" height="36pt"/>')
        >>> pdf[:5]
        b'%PDF-'
    """
    from PIL import Image  # a dependency of matplotlib

    png = to_png(svg, dpi=dpi, style=style)
    out = io.BytesIO()
    with Image.open(io.BytesIO(png)) as picture:
        # resolution = pixels per inch, so the page is the drawing's size in inches.
        picture.convert("RGB").save(out, format="PDF", resolution=float(dpi))
    return out.getvalue()


def convert(svg: str, format: str, scale: float = 1.0, dpi: Optional[float] = None) -> bytes:
    """``svg`` as ``format`` (``"png"`` or ``"pdf"``); ``dpi`` defaults to 96 for PNG, 300 for PDF."""
    if format == "png":
        return to_png(svg, scale=scale, dpi=_SCREEN_DPI if dpi is None else dpi)
    if format == "pdf":
        return to_pdf(svg, dpi=(_PRINT_DPI if dpi is None else dpi) * scale)
    raise ValueError(f"image: unknown format {format!r}; use one of {', '.join(FORMATS)}")
