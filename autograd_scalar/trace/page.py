"""A backward trace as a step-through HTML page, and its Jupyter display.

The page holds ONE drawing of the graph (laid out by :mod:`autograd_scalar.viz`,
showing the v̄ of this pass) and one small JSON record per step (their fields
named once in :mod:`autograd_scalar.trace.records`; the page carries that
schema and the scripts read every field by name); the script
``web/trace.js`` recolours nodes and edges by CSS class and fills in the
gradients as you step, so the page grows linearly with the graph. Nodes and
edges are found by their element ids from :mod:`autograd_scalar.names`.
Without JavaScript the page is static and still readable: the drawing with
every v̄, and every step's equation in order.

A live page (``live=True``) adds a field and a slider per input leaf; the
script ``web/trace_live.js`` re-runs the forward and backward pass in the
page (``web/live.js``, from the derivative table's JavaScript) and writes the
new numbers into the drawing, the step records and the forward list. The
records carry the names-only parts of the equations and forward lines
(:func:`~autograd_scalar.trace.text.equation_head`, ``ForwardStep.parts``),
so the words are Python's and only numbers are written in the page. A graph
with hand-built ops (no rule to re-run) gets a static page that says so.
"""

from __future__ import annotations

import itertools
import math
import sys

from .. import viz
from ..names import (
    FIELD_WORDS,
    derivative_name,
    edge_id,
    element_ids,
    format_number,
    html_text,
    op_id,
    script_json,
)
from ..web import pages
from .live import live_graph
from .records import FORWARD, NODE, SCHEMA, STEP, TERM, record
from .text import BAR, equation, equation_head, formula

__all__ = ["to_html", "repr_html", "repr_bundle", "page_title"]

_page_ids = itertools.count(1)
_LARGEST = sys.float_info.max


def page_title(trace) -> str:
    """The root's label, else the root's forward line (``v7 = v5 / v6``)."""
    if trace.root.label:
        return trace.root.label
    return str(trace.forward[-1])


def _term_record(trace, step, term, index: dict) -> list:
    return record(
        TERM,
        consumer=index[term.consumer],
        local=format_number(term.local),
        rule="; ".join(trace.rules(step, term)) or "custom op",
        consumer_grad=format_number(term.consumer_grad),
        product=format_number(term.product),
    )


def _derivative_field(name: str):
    """The name as it reads after ∂ and Δ where it differs (``(exp(x)*0 + y)``), else None:
    a node record's optional last field (the script falls back to the name)."""
    wrapped = derivative_name(name)
    return wrapped if wrapped != name else None


def _data(trace, prefix: str) -> dict:
    """The per-step records the script reads: element ids, names, numbers, equations."""
    ident = element_ids(trace.order)  # as in the DOT source; the SVG ids add the prefix
    index = {node: k for k, node in enumerate(trace.order)}
    step_of = {step.node: k for k, step in enumerate(trace.steps)}
    nodes = [
        record(
            NODE,
            id=prefix + ident[node],
            op_id=prefix + op_id(ident[node]) if node.parents else "",
            name=trace.names[node],
            forward=str(line),
            step=step_of.get(node, -1),
            derivative=_derivative_field(trace.names[node]),
        )
        for node, line in zip(trace.order, trace.forward)
    ]
    steps = [
        record(
            STEP,
            node=index[step.node],
            grad=format_number(step.grad),
            equation=equation(step, trace.names),
            terms=[_term_record(trace, step, term, index) for term in step.terms],
            edges=[
                prefix + edge_id(ident[step.node], op_id(ident[term.consumer]))
                for term in step.terms
            ],
        )
        for step in trace.steps
    ]
    fields = {kind: list(names) for kind, names in SCHEMA.items()}
    data = {
        "fields": fields,
        "nodes": nodes,
        "steps": steps,
        "bar": f"v{BAR}",
        "words": FIELD_WORDS,
    }
    if trace.rebuilt:  # a checkpointed graph: the memory curve beside the steps
        data["alive"] = trace.live
    return data


def memory_curve(live: list) -> str:
    """The nodes alive at each step as a small SVG curve, with a marker the script moves."""
    if not live:
        return ""
    top, n = max(live), max(len(live) - 1, 1)
    points = " ".join(f"{200 * k / n:.1f},{40 - 36 * v / top:.1f}" for k, v in enumerate(live))
    return (
        '<div class="ags-memory"><span class="ags-memory-count">nodes alive: '
        f"{live[0]:,}</span>"
        '<svg viewBox="-2 0 204 42" width="240" height="50" role="img" aria-label="nodes alive at '
        f'each step, at most {top:,}"><polyline points="{points}" fill="none" stroke="#5c6bc0"'
        ' stroke-width="1.5"/><line class="ags-memory-at" x1="0" x2="0" y1="0" y2="42"'
        ' stroke="#e53935" stroke-width="1.5"/></svg></div>'
    )


def _live_data(trace, graph: dict) -> dict:
    """What a live page's script needs beyond the step records: the graph and the words."""
    return {
        "graph": graph,
        "root": derivative_name(trace.names[trace.root]),  # as it reads after ∂ and Δ
        "heads": [equation_head(step, trace.names) for step in trace.steps],
        "forward": [
            record(FORWARD, before=before, after=after)
            for before, after in (line.parts() for line in trace.forward)
        ],
        "inputs": [k for k, node in enumerate(graph["nodes"]) if node["kind"] == "input"],
    }


def _field_value(x: float) -> str:
    """A float for an ``<input type=number>``, with the 6 digits of the rest of the page.

    The page keeps the full value until the field is edited. Example:
        >>> _field_value(0.1 + 0.2), _field_value(-2e-7), _field_value(float("nan"))
        ('0.3', '-2e-07', '')
    """
    return format_number(x) if math.isfinite(x) else ""


def _slider_range(x: float) -> tuple:
    """A slider's (low, high, step) around ``x``: x ± twice its size, on a round grid.

    Near the float limit the range stops at the largest finite float.

    Example:
        >>> _slider_range(3.0), _slider_range(-0.25)
        ((-3.0, 9.0, 0.01), (-2.25, 1.75, 0.01))
        >>> _slider_range(1e308)
        (-1.7976931348623157e+308, 1.7976931348623157e+308, 1e+306)
    """
    x = x if math.isfinite(x) else 0.0
    span = max(1.0, abs(x))
    digits = 2 - math.floor(math.log10(span))  # a hundredth of span's decade
    step = 10.0**-digits
    # x ± 2·span and their grid points may overflow to ±inf (never an error for floats).
    low = round(math.floor(max(x - 2 * span, -_LARGEST) / step) * step, max(digits, 0))
    high = round(math.ceil(min(x + 2 * span, _LARGEST) / step) * step, max(digits, 0))
    return max(low, -_LARGEST), min(high, _LARGEST), step


def _input_row(trace, page: str, k: int, grads: dict) -> str:
    """One input's labelled number field, slider and ∂root/∂x."""
    node, root = trace.order[k], trace.names[trace.root]
    low, high, step = _slider_range(node.data)
    grad = grads.get(node, 0.0)
    return pages.fill(
        "live_input.html",
        node=str(k),
        id=f"{page}-in{k}",
        label=html_text(trace.names[node]),
        value=_field_value(node.data),
        low=_field_value(low),
        high=_field_value(high),
        step=repr(step),
        partial=html_text(f"∂{derivative_name(root)}/∂{derivative_name(trace.names[node])}"),
        grad=format_number(grad),
    )


def _blocked_note(trace, blocked: list) -> str:
    """The static page's word on why it is not live: the hand-built nodes, by name."""
    shown = [
        f"{trace.names[trace.order[k]]} = {formula(trace.order[k], trace.names)}"
        for k in blocked[:8]
    ]
    more = f" and {len(blocked) - 8} more" if len(blocked) > 8 else ""
    verb = "was" if len(blocked) == 1 else "were"
    return (
        '<p class="ags-live-blocked">Live editing is off: '
        + html_text(", ".join(shown) + more)
        + f" {verb} built by hand (local gradients given as numbers, no rule in the "
        "derivative table to re-run), so this page shows the recorded values only.</p>"
    )


def _live_panel(trace, page: str, data: dict) -> str:
    """The inputs panel of a live page, or the note on a graph that cannot be live."""
    graph = live_graph(trace.order)
    if graph["blocked"]:
        return _blocked_note(trace, graph["blocked"])
    data["live"] = _live_data(trace, graph)
    root = html_text(trace.names[trace.root])
    grads = {step.node: step.grad for step in trace.steps}
    rows = "".join(_input_row(trace, page, k, grads) for k in data["live"]["inputs"])
    return pages.fill(
        "live.html",
        root=root,
        d_root=html_text(derivative_name(trace.names[trace.root])),
        inputs=rows,
        value=format_number(trace.root.data),
    )


def _scripts(live: bool) -> str:
    """trace.js and its share links, and for a live page the table's JavaScript and the recomputation."""
    if not live:
        return pages.scripts("picture.js", "share.js", "trace.js")
    return (
        pages.ops_script()
        + "\n"
        + pages.scripts("picture.js", "live.js", "trace_live.js", "share.js", "trace.js")
    )


def _static_steps(trace) -> str:
    """Every step's equation, in order: the page without JavaScript."""
    return "".join(f"<li>{html_text(equation(step, trace.names))}</li>" for step in trace.steps)


def _check_size(trace, max_steps) -> None:
    if max_steps is not None and len(trace.steps) > max_steps:
        raise ValueError(
            f"to_html: the trace has {len(trace.steps):,} steps, more than "
            f"max_steps={max_steps:,}; laying out a graph that size takes Graphviz minutes. "
            "Trace a smaller graph, or pass a larger max_steps (None: no limit)"
        )


def _practice_parts(page: str) -> dict:
    """What a practice page adds: its panel, style and script; no list of every step."""
    return {
        "live": pages.fill("practice.html", page=page),
        "css": pages.read("trace.css") + pages.read("practice.css"),
        "steps": "",
        "script": pages.scripts("picture.js", "practice.js", "trace.js"),
    }


def _page(trace, title, live: bool, practice: bool = False) -> tuple:
    """``(fragment, svg)``: the page's fragment and the SVG drawing it shows."""
    page = f"ags{next(_page_ids)}-{id(trace):x}"
    grads = {step.node: step.grad for step in trace.steps}
    # A live page's numbers change: room for "data -0.12" in every field (longer ones squeeze in).
    drawing = viz.draw(
        trace.root,
        show_grad=grads,
        max_nodes=None,
        id_prefix=page + "-",
        number_width=10 if live else 0,
        also=trace.rebuilt,
    )
    svg = viz.render(drawing.source).decode("utf-8")
    title = html_text(page_title(trace) if title is None else title)
    data = _data(trace, page + "-")
    panel = _live_panel(trace, page, data) if live else ""
    if trace.rebuilt:
        panel += memory_curve(trace.live)
    parts = {
        "live": panel,
        "css": pages.read("trace.css"),
        "steps": _static_steps(trace),
        "script": _scripts("live" in data),
    }
    if practice:
        parts |= _practice_parts(page)
    fragment = pages.fill(
        "trace.html",
        page=page,
        title=title,
        svg=pages.picture(svg, f"the computation graph of {page_title(trace)}, with every v̄"),
        n=str(len(trace.steps)),
        last=str(len(trace.steps) - 1),
        forward=html_text("\n".join(str(line) for line in trace.forward)),
        data=script_json(data),
        **parts,
    )
    return fragment, svg


def to_html(
    trace, max_steps, full_page: bool = True, title=None, live: bool = False, practice=False
) -> str:
    """The page of ``BackwardTrace.to_html`` (see there)."""
    _check_size(trace, max_steps)
    fragment, _ = _page(trace, title, live, practice)
    if not full_page:
        return fragment
    return pages.document(page_title(trace) if title is None else title, fragment)


def _too_long(trace) -> str:
    return (
        f"<p>{len(trace.steps):,} steps: too many to lay out; the equations:</p>"
        f"<pre>{html_text(trace.to_text())}</pre>"
    )


def repr_html(trace, max_steps: int) -> str:
    """The Jupyter display: the page fragment, or the equations above ``max_steps``."""
    if len(trace.steps) > max_steps:
        return _too_long(trace)
    return to_html(trace, None, full_page=False)


def repr_bundle(trace, max_steps: int) -> dict:
    """The Jupyter display as a MIME bundle: the stepper (HTML) and its drawing (SVG).

    Every viewer finds a picture: the HTML carries the drawing as an ``<img>``
    and the ordered equations (what an untrusted notebook shows), the SVG is
    there for viewers that take images only. Above ``max_steps`` the equations
    alone, as text.
    """
    if len(trace.steps) > max_steps:
        return {"text/html": _too_long(trace)}
    fragment, svg = _page(trace, None, False)
    return {"text/html": fragment, "image/svg+xml": svg}
