"""Pictures of the graph: ``viz.draw(root)``, ``viz.save(root, path)``, ``viz.network(model)``.

* :mod:`~autograd_scalar.viz.graph`: a Value graph as Graphviz records (data and
  grad per node, one small node per op), collapsed above a size bound, and its
  rendering to SVG (system ``dot``, or Graphviz compiled to WebAssembly);
* :mod:`~autograd_scalar.viz.wasm_cache`: the compiled WebAssembly Graphviz,
  cached on disk;
* :mod:`~autograd_scalar.viz.network_view`: the textbook picture of an MLP
  (neurons as circles, weights as edges) and its page.
"""

from .graph import (
    DEFAULT_MAX_NODES,
    RenderError,
    ValueGraph,
    draw,
    format_number,
    network,
    node_names,
    op_symbol,
    render,
    save,
    to_svg,
)

__all__ = [
    "draw",
    "to_svg",
    "save",
    "render",
    "network",
    "node_names",
    "format_number",
    "op_symbol",
    "ValueGraph",
    "RenderError",
    "DEFAULT_MAX_NODES",
]

# Tracebacks name the error by its public path: autograd_scalar.viz.RenderError.
RenderError.__module__ = __name__
