"""A backward trace as a step-through HTML page, and its Jupyter display.

The page holds ONE drawing of the graph (laid out by :mod:`autograd_scalar.viz`,
showing the v̄ of this pass) and one small JSON record per step; the script
``web/trace.js`` recolours nodes and edges by CSS class and fills in the
gradients as you step, so the page grows linearly with the graph. Nodes and
edges are found by their element ids from :mod:`autograd_scalar.names`.
Without JavaScript the page is static and still readable: the drawing with
every v̄, and every step's equation in order.
"""

from __future__ import annotations

import itertools

from . import viz
from .names import edge_id, element_ids, format_number, html_text, op_id, script_json
from .trace_text import BAR, equation, formula
from .web import pages

__all__ = ["to_html", "repr_html", "page_title"]

_page_ids = itertools.count(1)


def page_title(trace) -> str:
    """The root's label, else the root's forward line (``v7 = v5 / v6``)."""
    if trace.root.label:
        return trace.root.label
    return str(trace.forward[-1])


def _term_record(trace, step, term, index: dict) -> list:
    return [index[term.consumer], format_number(term.local),
            "; ".join(trace.rules(step, term)) or "custom op",
            format_number(term.consumer_grad), format_number(term.product)]


def _data(trace, prefix: str) -> dict:
    """The per-step records the script reads: element ids, names, numbers, equations."""
    ident = element_ids(trace.order)  # as in the DOT source; the SVG ids add the prefix
    index = {node: k for k, node in enumerate(trace.order)}
    step_of = {step.node: k for k, step in enumerate(trace.steps)}
    nodes = [[prefix + ident[node], prefix + op_id(ident[node]) if node.parents else "",
              trace.names[node],
              str(line), step_of.get(node, -1)]
             for node, line in zip(trace.order, trace.forward)]
    steps = [[index[step.node], format_number(step.grad), equation(step, trace.names),
              [_term_record(trace, step, term, index) for term in step.terms],
              [prefix + edge_id(ident[step.node], op_id(ident[term.consumer]))
               for term in step.terms]]
             for step in trace.steps]
    return {"nodes": nodes, "steps": steps, "bar": f"v{BAR}"}


def _static_steps(trace) -> str:
    """Every step's equation, in order: the page without JavaScript."""
    return "".join(f"<li>{html_text(equation(step, trace.names))}</li>" for step in trace.steps)


def _check_size(trace, max_steps) -> None:
    if max_steps is not None and len(trace.steps) > max_steps:
        raise ValueError(
            f"to_html: the trace has {len(trace.steps):,} steps, more than "
            f"max_steps={max_steps:,}; laying out a graph that size takes Graphviz minutes. "
            "Trace a smaller graph, or pass a larger max_steps (None: no limit)")


def to_html(trace, max_steps, full_page: bool = True, title=None) -> str:
    """The page of ``BackwardTrace.to_html`` (see there)."""
    _check_size(trace, max_steps)
    page = f"ags{next(_page_ids)}-{id(trace):x}"
    grads = {step.node: step.grad for step in trace.steps}
    drawing = viz.draw(trace.root, show_grad=grads, max_nodes=None, id_prefix=page + "-")
    svg = viz.render(drawing.source).decode("utf-8")
    title = html_text(page_title(trace) if title is None else title)
    fragment = pages.fill(
        "trace.html", page=page, title=title, css=pages.read("trace.css"),
        svg=svg[svg.index("<svg"):], n=str(len(trace.steps)),
        last=str(len(trace.steps) - 1), steps=_static_steps(trace),
        forward=html_text("\n".join(str(line) for line in trace.forward)),
        data=script_json(_data(trace, page + "-")), script=pages.read("trace.js"))
    if not full_page:
        return fragment
    return pages.fill("page.html", title=title, body=fragment)


def repr_html(trace) -> str:
    """The Jupyter display: the page fragment, or the equations above the size bound."""
    from .trace import DEFAULT_MAX_STEPS
    if len(trace.steps) > DEFAULT_MAX_STEPS:
        return (f"<p>{len(trace.steps):,} steps: too many to lay out; the equations:</p>"
                f"<pre>{html_text(trace.to_text())}</pre>")
    return to_html(trace, None, full_page=False)
