"""Read the front-end files of this package and fill the page templates: one mechanism.

Templates are ``string.Template`` files (``$name`` placeholders); scripts and
styles are plain ``.js`` and ``.css`` files, inlined into the page, so a page
needs no network and no build step.

Example:
    >>> "agsTraceStart" in read("trace.js")
    True
    >>> fill("page.html", title="t &amp; u", body="<p>hi</p>").count("<title>t &amp; u</title>")
    1
"""

from __future__ import annotations

import functools
import string
from importlib import resources

from .. import ops

__all__ = ["read", "fill", "scripts", "ops_script"]


@functools.lru_cache(maxsize=None)
def read(name: str) -> str:
    """The text of the package-data file ``name`` in ``autograd_scalar/web``."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def fill(name: str, **values: str) -> str:
    """The template ``name`` with its ``$placeholders`` replaced; a missing one raises KeyError."""
    return string.Template(read(name)).substitute(values)


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
    its ``agsRepr``, as Python's ``repr`` does.

    Example:
        >>> "agsOps" in ops_script() and '"tanh": {forward: function (x)' in ops_script()
        True
    """
    return read("numbers.js") + "\n" + fill("ops.js", table=ops.javascript_table())
