"""Pictures of the graph: ``viz.draw(root)``, ``viz.save(root, path)``, ``viz.network(model)``.

* :mod:`~autograd_scalar.viz.graph`: a Value graph as Graphviz records (data and
  grad per node, one small node per op), collapsed above a size bound, and its
  rendering to SVG (system ``dot``, or Graphviz compiled to WebAssembly);
* :mod:`~autograd_scalar.viz.wasm_cache`: the compiled WebAssembly Graphviz,
  cached on disk;
* :mod:`~autograd_scalar.viz.browser`: in a web page (Pyodide), the browser's
  own Graphviz (viz-js), chosen automatically there;
* :mod:`~autograd_scalar.viz.network_view`: the textbook picture of an MLP
  (neurons as circles, weights as edges) and its page;
* :mod:`~autograd_scalar.viz.image`: SVG to PNG and PDF with no system tools;
* :mod:`~autograd_scalar.viz.tikz`: the drawing as a TikZ picture.

The names load on first use (PEP 562), as the package's own do: the explorer
uses the network view without paying for Graphviz, which only drawings need.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .graph import (
        DEFAULT_MAX_NODES,
        RenderError,
        ValueGraph,
        draw,
        format_number,
        node_names,
        op_symbol,
        render,
        save,
        to_svg,
    )
    from .network_view import network
    from .tikz import to_tikz

__all__ = [
    "draw",
    "to_svg",
    "save",
    "render",
    "network",
    "to_tikz",
    "node_names",
    "format_number",
    "op_symbol",
    "ValueGraph",
    "RenderError",
    "DEFAULT_MAX_NODES",
]

# name -> the module of this package that defines it
_HOME = {name: "graph" for name in __all__} | {"network": "network_view", "to_tikz": "tikz"}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_HOME[name]}", __name__), name)
    globals()[name] = value
    return value
