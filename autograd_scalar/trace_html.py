"""A backward trace as a step-through HTML page, and its Jupyter display.

The graph is laid out once by :mod:`autograd_scalar.viz`; each frame is that
SVG with CSS classes set on the groups of the current node (``ags-current``),
its children (``ags-consumer``), the nodes already done (``ags-done``) and the
edges of the step's terms (``ags-term``), found by their element ids from
:mod:`autograd_scalar.names`. Colours live in ``web/trace.css``, the stepper
in ``web/trace.js``; the page is filled from ``web/trace.html``.
"""

from __future__ import annotations

import copy
import itertools
import xml.etree.ElementTree as ET

from . import viz
from .names import edge_id, element_ids, format_number, html_text, op_id
from .trace_text import BAR, formula
from .web import pages

__all__ = ["to_html", "repr_html"]

_SVG_NS = "http://www.w3.org/2000/svg"
_SVG = "{%s}" % _SVG_NS
ET.register_namespace("", _SVG_NS)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_page_ids = itertools.count(1)


def _layout(trace) -> ET.Element:
    """The graph laid out once, each node showing its v̄ of this pass.

    Every frame reuses this layout: one Graphviz run per page, and nodes keep
    their size and place from frame to frame.
    """
    grads = {step.node: step.grad for step in trace.steps}
    svg = viz.render(viz.draw(trace.root, show_grad=grads, max_nodes=None).source)
    return ET.fromstring(svg)


def _frame_svg(trace, k: int, layout: ET.Element, ident: dict, prefix: str) -> str:
    """The layout at step k, its groups classed by their role in the step."""
    step = trace.steps[k]
    roles = {ident[s.node]: "ags-done" for s in trace.steps[:k]}
    for term in step.terms:
        roles[ident[term.consumer]] = "ags-consumer"
        roles[edge_id(ident[step.node], op_id(ident[term.consumer]))] = "ags-term"
    roles[ident[step.node]] = "ags-current"
    pending = {ident[s.node] for s in trace.steps[k + 1:]}
    svg = copy.deepcopy(layout)
    for group in svg.iter(f"{_SVG}g"):
        ident_ = group.get("id", "")
        if ident_ in roles:
            group.set("class", f"{group.get('class', '')} {roles[ident_]}")
        if ident_ in pending:
            for text in group.iter(f"{_SVG}text"):
                if (text.text or "").startswith("grad "):
                    text.text = "grad ?"
    for element in svg.iter():
        if element.get("id"):
            element.set("id", f"{prefix}-f{k}-{element.get('id')}")
    return ET.tostring(svg, encoding="unicode")


def _term_items(trace, step) -> str:
    items = []
    for term in step.terms:
        child = html_text(trace.names[term.consumer])
        rules = "; ".join(trace.rules(step, term))
        items.append(
            f"<li><b>{child}</b> = {html_text(formula(term.consumer, trace.names))}: "
            f"∂{child}/∂{html_text(step.name)} = {format_number(term.local)} "
            f"<span class=\"ags-rule\">({html_text(rules or 'custom op')})</span>, "
            f"v{BAR}[{child}] = {format_number(term.consumer_grad)}, "
            f"term = {format_number(term.product)}</li>")
    return "".join(items)


def _frame(trace, k: int, svg: str) -> str:
    step = trace.steps[k]
    kind = ("output: v̄_N = 1" if not step.terms else
            f"{len(step.terms)} child{'ren' if len(step.terms) > 1 else ''} in Ch")
    name = html_text(step.name)
    return (f'<li class="ags-frame" data-step="{k}" data-node="{name}">'
            f'<div class="ags-graph">{svg}</div>'
            f'<div class="ags-side"><div class="ags-stepno">Step {k + 1} of '
            f'{len(trace.steps)}: node <b>{name}</b> ({kind})</div>'
            f'<div class="ags-equation">{html_text(trace.equation(step))}</div>'
            f'<ul class="ags-terms">{_term_items(trace, step)}</ul></div></li>')


def to_html(trace, max_frames, full_page: bool = True) -> str:
    """The page of ``BackwardTrace.to_html`` (see there)."""
    if max_frames is not None and len(trace.steps) > max_frames:
        raise ValueError(
            f"to_html: the trace has {len(trace.steps):,} steps (one frame each), more "
            f"than max_frames={max_frames}; trace a smaller graph, or pass "
            "max_frames=None (the page grows with the square of the graph size)")
    page = f"ags{next(_page_ids)}-{id(trace):x}"
    layout = _layout(trace)
    ident = element_ids(trace.order)
    frames = "".join(_frame(trace, k, _frame_svg(trace, k, layout, ident, page))
                     for k in range(len(trace.steps)))
    fragment = pages.fill(
        "trace.html", page=page, css=pages.read("trace.css"), n=str(len(trace.steps)),
        last=str(len(trace.steps) - 1), frames=frames, script=pages.read("trace.js"),
        forward=html_text("\n".join(str(line) for line in trace.forward)))
    if not full_page:
        return fragment
    return pages.fill("page.html", title=html_text(f"Backward trace of {trace.names[trace.root]}"),
                      body=fragment)


def repr_html(trace) -> str:
    """The Jupyter display: the page fragment, or the equations when too long for frames."""
    from .trace import DEFAULT_MAX_FRAMES
    if len(trace.steps) > DEFAULT_MAX_FRAMES:
        return (f"<p>{len(trace.steps):,} steps: too many for frames; the equations:</p>"
                f"<pre>{html_text(trace.to_text())}</pre>")
    return to_html(trace, None, full_page=False)
