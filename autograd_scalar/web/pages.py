"""Read the front-end files of this package and fill the page templates: one mechanism.

Templates are ``string.Template`` files (``$name`` placeholders); scripts and
styles are plain ``.js`` and ``.css`` files, inlined into the page, so a page
needs no network and no build step.

Every view (a trace, the network view, the explorer, a practice problem)
writes one HTML fragment: its own root element with its style, data and
script, which is also its Jupyter display (``_repr_html_``). A whole page is
that fragment in the one shell, :func:`document` (``page.html``), and
:func:`save` writes a view's page or picture by the file's suffix, atomically.

Example:
    >>> "var agsTrace = window.agsTrace ||" in read("trace.js")
    True
    >>> fill("page.html", title="t &amp; u", body="<p>hi</p>").count("<title>t &amp; u</title>")
    1
"""

from __future__ import annotations

import functools
import html.parser
import os
import string
import urllib.parse
from importlib import resources
from pathlib import Path
from typing import Callable, Union

from .. import ops
from ..files import suffix_format, write_atomic
from ..names import html_text

__all__ = ["read", "fill", "document", "save", "scripts", "ops_script", "picture", "pictures"]

# Kept as they are in a data: URL inside a single-quoted attribute; the rest is
# percent-encoded (% # & ' and whitespace, which URL parsing would drop or cut at).
_URL_SAFE = '!"$()*+,-./:;<=>?@[]^_`{|}~ '


@functools.lru_cache(maxsize=None)
def read(name: str) -> str:
    """The text of the package-data file ``name`` in ``autograd_scalar/web``."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def fill(name: str, **values: str) -> str:
    """The template ``name`` with its ``$placeholders`` replaced; a missing one raises KeyError."""
    return string.Template(read(name)).substitute(values)


def document(title: str, fragment: str) -> str:
    """A whole page around a view's fragment: the one shell of every page (``page.html``).

    ``title`` is plain text (escaped here); the shell sets the character set,
    the viewport for phones and the page's margin.

    Example:
        >>> page = document("a < b", '<div class="ags-view">hi</div>')
        >>> page.startswith("<!DOCTYPE html>"), "<title>a &lt; b</title>" in page
        (True, True)
    """
    return fill("page.html", title=html_text(title), body=fragment)


def save(path: Union[str, os.PathLike], writer: str, **texts: Callable[[], str]) -> Path:
    """Write a view in the format ``path``'s suffix names, atomically (temp file + rename).

    ``texts`` maps each format the view writes to the function that gives
    its text (``html=view.to_html``); a suffix not among them is refused,
    with ``writer`` named, before anything is built or written.

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     save(Path(folder) / "v.htm", "View.save", html=lambda: "<p>v</p>").read_text()
        '<p>v</p>'
    """
    return write_atomic(path, texts[suffix_format(path, tuple(texts), writer)]().encode("utf-8"))


def scripts(*names: str) -> str:
    """The scripts ``names`` as one, after ``data.js``: every page reads its data with ``agsData``.

    Example:
        >>> text = scripts("network.js")
        >>> text.index("var agsData") < text.index("agsNetwork")
        True
    """
    return "\n".join(read(name) for name in ("data.js",) + names)


def ops_script() -> str:
    """``ops.js`` with the derivative table's JavaScript: defines ``agsOps`` in a page.

    ``numbers.js`` comes first: the table's error messages write numbers with
    its ``agsNumbers.repr``, as Python's ``repr`` does.

    Example:
        >>> "agsOps" in ops_script() and '"tanh": {forward: function (x)' in ops_script()
        True
    """
    return read("numbers.js") + "\n" + fill("ops.js", table=ops.javascript_table())


def picture(svg: str, alt: str, css_class: str = "ags-picture") -> str:
    """An SVG drawing as an ``<img>`` with a ``data:`` URL: a picture in every viewer.

    Untrusted notebooks (their HTML sanitised: no ``<svg>``, no scripts),
    ``nbconvert`` and repository viewers all keep an ``<img>``; a trusted page's
    script (``picture.js``) swaps it for the inline SVG it needs to restyle.

    Example:
        >>> tag = picture('<svg xmlns="http://www.w3.org/2000/svg"><text>a#1 & b</text></svg>', "o")
        >>> tag.startswith('<img class="ags-picture" alt="o"') and "a%231 %26 b" in tag
        True
    """
    start = svg.find("<svg")
    url = "data:image/svg+xml;charset=utf-8," + urllib.parse.quote(svg[start:], safe=_URL_SAFE)
    return (
        f'<img class="{css_class}" alt="{html_text(alt)}" '
        f"style=\"max-width:100%;height:auto\" src='{url}'>"
    )


class _Pictures(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.found: list = []

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src") or ""
        if tag == "img" and src.startswith("data:image/svg+xml"):
            self.found.append(urllib.parse.unquote(src.split(",", 1)[1]))


def pictures(page: str) -> list:
    """The SVG documents of the :func:`picture` images in an HTML page, in order.

    Example:
        >>> pictures("<p>" + picture('<svg xmlns="http://www.w3.org/2000/svg">\\n</svg>', "x") + "</p>")
        ['<svg xmlns="http://www.w3.org/2000/svg">\\n</svg>']
    """
    reader = _Pictures()
    reader.feed(page)
    return reader.found
