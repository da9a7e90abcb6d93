"""The Hessian-vector product as a graph one can draw and trace, checked against sympy.

f(x, y) = x²·y + sin(x)·y³ at (0.7, -1.3), v = (0.4, 2.0): sympy's exact
Hessian times v is the truth for the gradients of the second backward pass.
"""

import xml.etree.ElementTree as ET

import sympy

from autograd_scalar import hvp, hvp_graph, trace_backward, viz
from autograd_scalar.names import node_names

POINT, VECTOR = [0.7, -1.3], [0.4, 2.0]


def f(x, y):
    return x * x * y + x.sin() * y * y * y


def exact_hvp() -> list:
    x, y = sympy.symbols("x y")
    hessian = sympy.hessian(x**2 * y + sympy.sin(x) * y**3, (x, y))
    at = hessian.subs({x: POINT[0], y: POINT[1]})
    return [float(sum(at[i, j] * VECTOR[j] for j in range(2))) for i in range(2)]


def test_the_second_backward_pass_of_the_graph_gives_sympys_hessian_times_v():
    graph = hvp_graph(f, POINT, VECTOR)
    trace = trace_backward(graph.output)  # the second pass, step by step
    want = exact_hvp()
    second = {step.node: step.grad for step in trace.steps}  # the trace's own v̄
    for x, h in zip(graph.inputs, want):
        assert abs(second[x] - h) <= 1e-12 * max(1.0, abs(h))
    assert [second[x] for x in graph.inputs] == hvp(f, POINT, VECTOR)
    steps = {step.name for step in trace.steps}
    assert {"∂f/∂x0", "∂f/∂x1", "g·v", "x0", "x1"} <= steps


def test_the_drawing_puts_the_derivative_nodes_in_their_own_marked_cluster():
    graph = hvp_graph(f, POINT, VECTOR)
    svg = viz.render(viz.draw(graph.output, max_nodes=None).source).decode()
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    clusters = {
        "".join(g.find("s:text", ns).itertext()): g
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if "ags-scope" in (g.get("class") or "")
    }
    assert "derivative (backward)" in clusters and "g·v" in clusters
    names = node_names(list(graph.inputs))
    assert all(name in svg for name in names.values())
    # the derivative nodes are drawn; f's own nodes are not inside the cluster
    assert "∂f/∂x0" in svg and "∂f/∂x1" in svg
