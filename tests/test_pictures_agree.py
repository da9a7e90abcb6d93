"""A drawing and a trace of one root never disagree silently, whatever was called before.

The semantics: only ``backward()`` writes ``.grad`` (leaves accumulate, as in
PyTorch; interior nodes hold the latest pass through them). ``trace_backward``
computes ∂root/∂v for every node without touching ``.grad``, and its drawing
shows those numbers. ``viz.draw(root)`` shows ``.grad``; where a node's
``.grad`` is not ∂root/∂v, the node also shows ``∂root/∂v = …`` and the
drawing's caption says why.

Truth: the sum-over-paths example's closed forms (∂o/∂a = 10.5, ∂o/∂b = 8,
∂o/∂c = 3, ∂o/∂d = 2.5) and, for the property test, the trace itself checked
against ``gradients`` (the engine's reverse sweep into a dict). Drawings are
read from the rendered SVG, parsed as XML.
"""

import pathlib
import subprocess
import sys
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings, strategies as st

from autograd_scalar import gradients, topological_order, trace_backward, viz
from autograd_scalar.names import element_ids, format_number
from autograd_scalar.web import pages
from sum_over_paths import sum_over_paths_graph

SVG = "{http://www.w3.org/2000/svg}"
ROOT = pathlib.Path(__file__).resolve().parent.parent


def drawn(svg: str) -> tuple:
    """``({element id: [texts of that node]}, [caption lines])`` of a rendered drawing."""
    graph = ET.fromstring(svg).find(f"{SVG}g")
    nodes = {
        g.get("id"): [t.text or "" for t in g.iter(f"{SVG}text")]
        for g in graph.iter(f"{SVG}g")
        if "node" in (g.get("class") or "").split()
    }
    caption = [t.text or "" for t in graph.findall(f"{SVG}text")]
    return nodes, caption


def check_agreement(root, svg: str) -> None:
    """Every value node shows the trace's v̄, or shows it beside .grad with a caption."""
    trace = trace_backward(root)
    nodes, caption = drawn(svg)
    ident, names = element_ids(trace.order), trace.names
    for step in trace.steps:
        texts = [text.strip() for text in nodes[ident[step.node]]]
        grad = next(text for text in texts if text.startswith("grad "))
        if grad == "grad " + format_number(step.grad):
            continue
        if caption and caption[0].startswith("No backward pass yet"):
            assert grad == "grad 0"  # and the caption says that no pass ran
            continue
        partial = f"∂{names[root]}/∂{names[step.node]} = {format_number(step.grad)}"
        assert partial in texts, (texts, step.grad)
        assert caption, "a node differs from the trace and the drawing does not say why"


def test_readme_ten_lines_draw_what_they_print(tmp_path):
    """The README's example, run as a script, writes o.svg with a: grad 10.5 and b: grad 8."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "ten_lines.py").write_text(code, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "ten_lines.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines()[0] == "10.5 8.0"
    nodes, caption = drawn((tmp_path / "o.svg").read_text(encoding="utf-8"))
    by_name = {texts[0]: texts for texts in nodes.values() if texts}
    assert "grad 10.5" in by_name["a"] and "grad 8" in by_name["b"]
    assert caption == []  # one backward pass: nothing to explain


def test_tracing_leaves_every_grad_alone():
    a, b, c, d, o = sum_over_paths_graph()
    o.backward()
    before = [v.grad for v in topological_order(o)]
    first = trace_backward(o).to_text()
    second = trace_backward(o).to_text()
    assert first == second  # re-running a trace cell shows the same numbers
    assert [v.grad for v in topological_order(o)] == before
    assert (a.grad, b.grad, c.grad, d.grad) == (10.5, 8.0, 3.0, 2.5)


def test_a_trace_of_a_fresh_graph_gives_the_closed_forms_and_leaves_grad_zero():
    a, b, c, d, o = sum_over_paths_graph()
    steps = {step.node: step.grad for step in trace_backward(o).steps}
    assert [steps[v] for v in (a, b, c, d)] == [10.5, 8.0, 3.0, 2.5]
    assert all(v.grad == 0.0 for v in topological_order(o))


def test_a_drawing_after_two_backward_calls_says_why_a_is_21():
    a, b, c, d, o = sum_over_paths_graph()
    o.backward()
    o.backward()
    nodes, caption = drawn(viz.to_svg(o))
    ident = element_ids(topological_order(o))
    assert [t.strip() for t in nodes[ident[a]]] == ["a", "data 2", "grad 21", "∂o/∂a = 10.5"]
    assert [t.strip() for t in nodes[ident[c]]] == [
        "c",
        "data 5",
        "grad 3",
    ]  # interior: latest pass
    said = " ".join(caption)
    assert "21 = 2 × 10.5" in said and "o.backward()" in said


def test_a_drawing_before_any_backward_says_so():
    *_, o = sum_over_paths_graph()
    nodes, caption = drawn(viz.to_svg(o))
    assert " ".join(caption) == "No backward pass yet: every grad is 0 until o.backward()."
    check_agreement(o, viz.to_svg(o))


def test_a_trace_draws_the_trace_numbers_not_grad():
    a, b, c, d, o = sum_over_paths_graph()
    for _ in range(3):
        o.backward()  # a.grad = 31.5
    (svg,) = pages.pictures(trace_backward(o).to_html(full_page=False))
    nodes, caption = drawn(svg)
    by_name = {texts[0]: [t.strip() for t in texts] for texts in nodes.values() if texts}
    assert "grad 10.5" in by_name["a"] and "grad 31.5" not in by_name["a"]


# -- the property: any sequence of calls ----------------------------------------------

ACTIONS = st.lists(
    st.sampled_from(["backward o", "backward d", "trace o", "zero", "draw o", "draw c"]),
    min_size=1,
    max_size=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_no_sequence_of_calls_makes_a_drawing_and_a_trace_disagree_silently(actions):
    nodes = dict(zip("abcdo", sum_over_paths_graph()))
    last_svg: dict = {}
    for action in actions:
        verb, _, name = action.partition(" ")
        root = nodes.get(name)
        if verb == "backward":
            root.backward()
            last_svg.clear()  # .grad changed: a new drawing may differ
        elif verb == "zero":
            for v in topological_order(nodes["o"]):
                v.grad = 0.0
            last_svg.clear()
        elif verb == "trace":
            grads = [v.grad for v in topological_order(root)]
            trace = trace_backward(root)
            truth = gradients(root, [step.node for step in trace.steps])
            assert [step.grad for step in trace.steps] == truth
            assert [v.grad for v in topological_order(root)] == grads
        else:
            svg = viz.to_svg(root)
            check_agreement(root, svg)
            assert last_svg.setdefault(name, svg) == svg  # re-drawing shows the same
