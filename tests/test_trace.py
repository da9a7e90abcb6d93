"""trace_backward: the adjoint rule v̄_i = Σ_{j ∈ Ch(v_i)} (∂v_j/∂v_i) v̄_j, one node at a time.

Truths checked against: the sum-over-paths example (∂o/∂a = 3·1 + 2.5·3 = 10.5,
∂o/∂b = 8, ∂o/∂c = 3, ∂o/∂d = 2.5), PyTorch float64 gradients of every node of
random graphs, the graph's own structure (Ch(v_i) = the nodes computed directly
from v_i), and plain backward() for how leaf gradients accumulate.
"""

import html
import json
import random
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import torch

from autograd_scalar import (
    BackwardTrace,
    Value,
    dot,
    names,
    sum as value_sum,
    topological_order,
    trace as trace_module,
    trace_backward,
)
from autograd_scalar.trace import records
from autograd_scalar.web import pages
from conftest import assert_close
from sum_over_paths import sum_over_paths_graph as paths_example

# -- the sum-over-paths example ----------------------------------------------------


def test_sum_over_paths_step_of_a_is_3_times_1_plus_2_5_times_3():
    a, b, c, d, o = paths_example()
    trace = trace_backward(o)
    (step,) = [s for s in trace.steps if s.node is a]
    assert step.grad == 10.5
    assert [(t.consumer, t.local, t.consumer_grad) for t in step.terms] == [
        (c, 1.0, 3.0),
        (d, 3.0, 2.5),
    ]
    assert trace.equation(step) == "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5"


def test_sum_over_paths_every_derivative_of_the_worked_example():
    a, b, c, d, o = paths_example()
    grads = {s.node: s.grad for s in trace_backward(o).steps}
    assert (grads[o], grads[c], grads[d], grads[a], grads[b]) == (1.0, 3.0, 2.5, 10.5, 8.0)


def test_steps_run_output_first_in_reverse_topological_order():
    *_, o = paths_example()
    trace = trace_backward(o, constants=True)
    order = topological_order(o)
    assert [s.node for s in trace.steps] == order[::-1]
    assert trace.steps[0].node is o and trace.steps[0].grad == 1.0 and trace.steps[0].terms == ()
    assert trace.equation(trace.steps[0]) == "v̄[o] = 1"


def test_constants_take_no_step_by_default_and_a_step_when_asked():
    """Nobody asked for ∂o/∂2: by default the steps are the non-constant nodes, in order."""
    *_, o = paths_example()
    order = topological_order(o)
    default = trace_backward(o)
    assert [s.node for s in default.steps] == [n for n in order[::-1] if n.op != "const"]
    assert len(default.steps) == 6
    with_constants = trace_backward(o, constants=True)
    (step,) = [s for s in with_constants.steps if s.node.op == "const"]
    assert with_constants.equation(step) == "v̄[2] = v̄[o]·∂o/∂2 = 1·(-7.5) = -7.5"
    assert "2 = 2  (constant)" in default.to_text()  # still in the forward list


def test_trace_steps_carry_the_grads_backward_stores_and_touch_no_grad():
    traced, plain = paths_example(), paths_example()
    trace = trace_backward(traced[-1])
    plain[-1].backward()
    by_node = {step.node: step.grad for step in trace.steps}
    assert [by_node[v] for v in traced] == [v.grad for v in plain]
    assert [v.grad for v in traced] == [0.0] * 5  # only backward() writes .grad


# -- Ch(v_i) and the sum ---------------------------------------------------------------


def test_terms_are_exactly_the_children_in_topological_order():
    *_, o = paths_example()
    trace = trace_backward(o)
    order = topological_order(o)
    for step in trace.steps:
        children = [n for n in order if step.node in n.parents]
        assert [t.consumer for t in step.terms] == children


def test_a_node_used_twice_by_one_child_gives_one_term_with_the_total_partial():
    x = Value(3.0, label="x")
    y = x * x
    z = x + x
    out = y + z
    step = trace_backward(out).steps[-1]
    assert step.node is x
    assert [(t.consumer, t.local) for t in step.terms] == [(y, 6.0), (z, 2.0)]  # 2x and 1 + 1
    assert step.grad == 8.0


def random_graph(rng: random.Random):
    """A random expression DAG built twice: as Values and as float64 torch tensors."""
    leaves = [rng.uniform(-1.5, 1.5) for _ in range(rng.randint(2, 5))]
    values = [Value(x, label=f"x{k}") for k, x in enumerate(leaves)]
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in leaves]
    for _ in range(rng.randint(3, 25)):
        kind = rng.choice(
            ["add", "sub", "mul", "div", "tanh", "sin", "exp", "square", "sum", "dot", "const"]
        )
        i, j = rng.randrange(len(values)), rng.randrange(len(values))
        x, y, tx, ty = values[i], values[j], tensors[i], tensors[j]
        if kind == "add":
            v, t = x + y, tx + ty
        elif kind == "sub":
            v, t = x - y, tx - ty
        elif kind == "mul":
            v, t = x * y, tx * ty
        elif kind == "div":
            v, t = x / (y * y + 1.0), tx / (ty * ty + 1.0)
        elif kind == "tanh":
            v, t = x.tanh(), torch.tanh(tx)
        elif kind == "sin":
            v, t = x.sin(), torch.sin(tx)
        elif kind == "exp":
            v, t = (x * 0.1).exp(), torch.exp(tx * 0.1)
        elif kind == "square":
            v, t = x * x, tx * tx
        elif kind == "sum":
            v, t = value_sum([x, y, x]), tx + ty + tx
        elif kind == "dot":
            v, t = dot([x, y], [y, 2.0]), tx * ty + ty * 2.0
        else:
            v, t = 2.5 * x - 1, 2.5 * tx - 1
        values.append(v)
        tensors.append(t)
    out, t_out = values[-1], tensors[-1]
    for t in tensors:
        if t.requires_grad and not t.is_leaf:
            t.retain_grad()
    t_out.backward()
    return values, tensors, out


@pytest.mark.parametrize("seed", range(25))
def test_every_steps_grad_matches_torch_and_its_terms_sum_to_it(seed):
    values, tensors, out = random_graph(random.Random(seed))
    trace = trace_backward(out)
    by_node = {s.node: s for s in trace.steps}
    for v, t in zip(values, tensors):
        if v in by_node:  # nodes the output does not depend on are not in the pass
            expected = t.grad.item() if t.grad is not None else 0.0
            assert_close(by_node[v].grad, expected, what=f"v̄ of {trace.names[v]}")
    for step in trace.steps[1:]:
        assert_close(sum(t.product for t in step.terms), step.grad, what=step.name)
        for term in step.terms:
            assert term.consumer_grad == by_node[term.consumer].grad


def test_tracing_twice_after_backward_changes_nothing_and_shows_one_pass():
    a, b, c, d, o = paths_example()
    o.backward()
    o.backward()
    first = trace_backward(o)
    second = trace_backward(o)
    assert (a.grad, b.grad, c.grad) == (21.0, 16.0, 3.0)  # backward()'s, untouched
    assert [s.grad for s in second.steps] == [s.grad for s in first.steps]
    assert second.steps[-1].grad == 10.5


def test_a_leaf_output_has_one_step_with_grad_one():
    x = Value(4.0, label="x")
    trace = trace_backward(x)
    assert [(s.node, s.grad, s.terms) for s in trace.steps] == [(x, 1.0, ())]
    assert x.grad == 0.0


def test_trace_rejects_non_values():
    with pytest.raises(TypeError, match="root must be a Value, got int"):
        trace_backward(3)


# -- renderings ----------------------------------------------------------------------


def test_text_has_the_forward_wengert_list_and_each_equation():
    *_, o = paths_example()
    text = trace_backward(o).to_text()
    for line in [
        "a = 2  (input)",
        "c = a + b = 5",
        "d = a * b = 6",
        "v5 = c * d = 30",
        "2 = 2  (constant)",
        "o = v5 / 2 = 15",
        "v̄[o] = 1",
        "v̄[c] = v̄[v5]·∂v5/∂c = 0.5·6 = 3",
        "v̄[b] = v̄[c]·∂c/∂b + v̄[d]·∂d/∂b = 3·1 + 2.5·2 = 8",
        "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5",
    ]:
        assert f"  {line}\n" in text + "\n", line


def test_text_writes_functions_and_nary_nodes():
    x = [Value(float(k), label=f"x{k}") for k in range(8)]
    s = value_sum(x)
    y = dot([x[0], x[1]], [s, -3.0]).tanh()
    text = trace_backward(y).to_text()
    assert "v9 = x0 + x1 + x2 + … + x7 = 28" in text
    assert "v11 = x0*v9 + x1*(-3) = -3" in text
    assert "v12 = tanh(v11) = -0.995055" in text


def test_custom_ops_are_written_as_functions():
    x = Value(2.0, label="x")
    cube = Value(8.0, parents=(x,), local_grads=(12.0,), op="cube")
    unnamed = Value(8.0, parents=(cube,), local_grads=(1.0,))
    trace = trace_backward(unnamed)
    text = trace.to_text()
    assert "v2 = cube(x) = 8" in text and "v3 = f(v2) = 8" in text
    assert r"\operatorname{cube}\left(x\right)" in trace.to_latex()
    assert "v̄[x] = v̄[v2]·∂v2/∂x = 1·12 = 12" in text


def test_latex_has_bars_fractions_and_balanced_braces():
    *_, o = paths_example()
    latex = trace_backward(o).to_latex()
    assert latex.startswith("$$\\begin{aligned}") and latex.endswith("\\end{aligned}$$")
    assert (
        r"\bar{a} &= \bar{c}\,\frac{\partial c}{\partial a} + "
        r"\bar{d}\,\frac{\partial d}{\partial a} = 3 \cdot 1 + 2.5 \cdot 3 = 10.5"
    ) in latex
    assert r"o &= \frac{v_{5}}{2} = 15" in latex
    depth = 0
    for ch in latex.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0


def test_latex_escapes_label_characters():
    x = Value(1.0, label="w_1#")
    latex = trace_backward(x.exp()).to_latex()
    assert r"\mathrm{w\_1\#}" in latex


SVG = "{http://www.w3.org/2000/svg}"


def page_parts(page: str) -> tuple:
    """The page's one drawing (parsed as XML) and its per-step records (parsed as JSON)."""
    drawings = pages.pictures(page)
    data = re.search(
        r'<script type="application/json" class="ags-data">(.*?)</script>', page, re.S
    ).group(1)
    return drawings, json.loads(data)


def named(data: dict, kind: str, row: list) -> dict:
    """A record as {field: value}, by the schema the page carries (a left-out last field: None)."""
    fields = data["fields"][kind]
    return {name: row[k] if k < len(row) else None for k, name in enumerate(fields)}


def test_html_holds_one_drawing_and_one_record_per_step_naming_its_svg_elements():
    """The page scales: one SVG, and per step the ids of the nodes and edges to light."""
    *_, o = paths_example()
    trace = trace_backward(o)
    drawings, data = page_parts(trace.to_html())
    assert len(drawings) == 1
    svg = ET.fromstring(drawings[0])
    groups = {g.get("id"): g for g in svg.iter(f"{SVG}g")}
    ident = names.element_ids(trace.order)
    assert len(data["steps"]) == len(trace.steps) == 6
    nodes = [named(data, "node", row) for row in data["nodes"]]
    for row, step in zip(data["steps"], trace.steps):
        record = named(data, "step", row)
        node_id = nodes[record["node"]]["id"]
        assert groups[node_id].find(f"{SVG}title").text == ident[step.node]
        assert record["equation"] == trace.equation(step)
        consumers = [named(data, "term", t)["consumer"] for t in record["terms"]]
        assert consumers == [trace.order.index(t.consumer) for t in step.terms]
        for edge, term in zip(record["edges"], step.terms):
            title = groups[edge].find(f"{SVG}title").text
            assert title == f"{ident[step.node]}->{names.op_id(ident[term.consumer])}"
    last = named(data, "step", data["steps"][-1])
    assert last["equation"] == "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5"


def test_page_records_follow_the_schema_the_page_carries():
    """data.fields is trace/records.py's schema, and every record fits it: a node's step
    is the step that finds its v̄, a term's numbers are the trace's (the sum-over-paths
    example: o = (a + b)·(a·b)/2)."""
    *_, o = paths_example()
    trace = trace_backward(o)
    _, data = page_parts(trace.to_html())
    assert data["fields"] == {kind: list(fields) for kind, fields in records.SCHEMA.items()}
    nodes = [named(data, "node", row) for row in data["nodes"]]
    assert [n["name"] for n in nodes] == [trace.names[node] for node in trace.order]
    assert [n["forward"] for n in nodes] == [str(line) for line in trace.forward]
    for k, step in enumerate(trace.steps):
        record = named(data, "step", data["steps"][k])
        assert nodes[record["node"]]["step"] == k
        assert record["grad"] == names.format_number(step.grad)
        for row, term in zip(record["terms"], step.terms):
            assert named(data, "term", row) == {
                "consumer": trace.order.index(term.consumer),
                "local": names.format_number(term.local),
                "rule": "; ".join(trace.rules(step, term)),
                "consumer_grad": names.format_number(term.consumer_grad),
                "product": names.format_number(term.product),
            }
    assert all(len(row) == len(records.NODE) - 1 for row in data["nodes"])  # no name wrapped


def test_the_scripts_read_records_by_field_name_never_by_position():
    """No script that reads the trace's records indexes anything by a number literal
    (node[2], step[3][t][1]): fields go through the schema, F.node.name. The one
    plain list indexed so is named here."""
    plain_lists = {"moved": "trace_live.js: the inputs an edit changed"}
    for script in ("trace.js", "trace_live.js", "practice.js", "share.js"):
        code = pages.read(script)
        for at in re.finditer(r"\[\d+\]", code):
            before = re.search(r"(\w*)\s*$", code[: at.start()]).group(1)
            assert before in plain_lists, f"{script}: {code[at.start() - 30 : at.end()]!r}"
    assert "agsData.fields(data.fields)" in pages.read("trace.js")


def test_a_node_record_carries_its_derivative_name_only_where_it_is_wrapped():
    x = Value(2.0, label="x")
    y = x * 3
    y.label = "3 x"  # not one symbol: ∂(3 x)/∂x
    _, data = page_parts(trace_backward(y.tanh()).to_html())
    nodes = {n["name"]: n for n in (named(data, "node", row) for row in data["nodes"])}
    assert nodes["3 x"]["derivative"] == names.derivative_name("3 x") == "(3 x)"
    assert nodes["x"]["derivative"] is None


def test_html_cites_the_derivative_tables_rules():
    *_, o = paths_example()
    _, data = page_parts(trace_backward(o).to_html())
    a_terms, b_terms = (named(data, "step", row)["terms"] for row in data["steps"][-1:-3:-1])
    assert [named(data, "term", t)["rule"] for t in a_terms] == ["d(x+y)/dx = 1", "d(x*y)/dx = y"]
    assert named(data, "term", b_terms[1])["rule"] == "d(x*y)/dy = x"  # b is d = a * b's second


def test_html_without_javascript_lists_every_steps_equation_and_the_final_grads():
    *_, o = paths_example()
    trace = trace_backward(o)
    page = trace.to_html()
    static = re.search(r'<div class="ags-steps">.*?<ol>(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r"<li>(.*?)</li>", static) == [
        html.escape(trace.equation(s)) for s in trace.steps
    ]
    drawn = [t.text for t in ET.fromstring(page_parts(page)[0][0]).iter(f"{SVG}text")]
    assert {"grad 10.5", "grad 8", "grad 3", "grad 2.5", "grad 1"} <= set(drawn)


def test_the_title_is_the_roots_label_else_its_formula_or_the_callers():
    *_, o = paths_example()
    assert "<title>o</title>" in trace_backward(o).to_html()
    x = Value(2.0, label="x")
    assert "<title>v2 = tanh(x) = 0.964028</title>" in trace_backward(x.tanh()).to_html()
    assert "<title>tanh(x)</title>" in trace_backward(x.tanh()).to_html(title="tanh(x)")


def test_html_is_self_contained_with_unique_ids():
    *_, o = paths_example()
    page = trace_backward(o).to_html()
    assert page.startswith("<!DOCTYPE html>") and "<script>" in page
    # the drawing is an <img> whose src is the SVG itself (a data: URL)
    assert not re.search(r"<(?:script|img|link|iframe)[^>]+(?:src|href)=(?!'data:image/svg)", page)
    assert not re.search(r"(?:src|href)=\"https?:", page)
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


def test_repr_html_is_a_fragment_and_two_traces_do_not_share_ids():
    *_, o = paths_example()
    first, second = trace_backward(o)._repr_html_(), trace_backward(o)._repr_html_()
    assert "<html" not in first and 'class="ags-trace"' in first
    assert set(re.findall(r' id="([^"]+)"', first)).isdisjoint(re.findall(r' id="([^"]+)"', second))


def test_long_traces_are_pages_up_to_a_generous_bound_with_a_clear_refusal_above():
    y = Value(0.1, label="x")
    for _ in range(60):
        y = y.sin()
    trace = trace_backward(y)
    assert 'class="ags-trace"' in trace.to_html()  # no 50-step refusal any more
    with pytest.raises(ValueError, match=r"61 steps, more than max_steps=40"):
        trace.to_html(max_steps=40)
    assert trace_module.DEFAULT_MAX_STEPS >= 5_000
    for _ in range(trace_module.DEFAULT_MAX_STEPS):
        y = y.sin()
    big = trace_backward(y)
    assert "too many to lay out" in big._repr_html_() and "v̄[x]" in big._repr_html_()


def test_save_html_writes_the_page_atomically(tmp_path):
    *_, o = paths_example()
    trace = trace_backward(o)
    out = trace.save_html(tmp_path / "trace.html")
    # each rendering: own id prefix (in the drawing's data: URL, "-" is "%26%2345;")
    same_page = re.compile(r"ags\d+(?:-|&#45;|%26%2345;)[0-9a-f]+")
    assert same_page.sub("ID", out.read_text(encoding="utf-8")) == same_page.sub(
        "ID", trace.to_html()
    )
    with pytest.raises(ValueError):
        trace.save_html(tmp_path / "small.html", max_steps=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trace.html"]


def test_repr_and_len():
    *_, o = paths_example()
    trace = trace_backward(o)
    assert isinstance(trace, BackwardTrace) and len(trace) == 6
    assert repr(trace) == "<BackwardTrace of 'o': 6 steps>"


def test_plain_text_and_latex_need_no_graphviz():
    """The renderers are separate modules: text output must not pay for graphviz."""
    code = (
        "import sys\nfrom autograd_scalar import Value, trace_backward\n"
        "x = Value(2.0, label='x'); t = trace_backward((x * x).tanh())\n"
        "t.to_text(); t.to_latex()\n"
        "assert 'graphviz' not in sys.modules and 'autograd_scalar.viz' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
