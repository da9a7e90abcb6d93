"""A trace of a checkpointed graph shows each segment's recomputation and the nodes alive.

Truth: the plain chain's gradients (the trace's v̄ must be the plain backward's
floats), and the count of nodes: the kept graph (segment nodes and input),
plus one rebuilt segment during its steps.
"""

from autograd_scalar import Value, checkpoint_sequential, trace_backward


def checkpointed_chain():
    x = Value(0.5, label="x")
    y = checkpoint_sequential([Value.tanh] * 9, 3, x)
    y.label = "y"
    return x, y


def test_the_trace_announces_each_rebuild_and_steps_through_the_rebuilt_nodes():
    x, y = checkpointed_chain()
    trace = trace_backward(y)
    notes = [step.note for step in trace.steps]
    assert notes.count("recomputed") == 9 and sum(n.startswith("recompute ") for n in notes) == 3
    plain = Value(0.5)
    out = plain
    for _ in range(9):
        out = out.tanh()
    out.backward()
    assert trace.steps[-1].node is x and trace.steps[-1].grad == plain.grad
    assert x.grad == 0.0  # the trace computes its own v̄ and leaves .grad alone
    text = trace.to_text()
    assert "⟳ recompute 'segment 3 of 3': 3 nodes rebuilt from its inputs" in text
    assert "nan" not in text
    # kept: x and three segment nodes; while a segment is rebuilt, its 3 nodes too
    assert trace.live == [4, 7, 7, 7, 7, 4, 7, 7, 7, 7, 4, 7, 7, 7, 7, 4]


def test_the_page_draws_the_rebuilt_segment_and_moves_the_memory_marker(browser, tmp_path):
    _, y = checkpointed_chain()
    path = trace_backward(y).save_html(tmp_path / "checkpointed.html")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path.as_uri())
    clusters = page.eval_on_selector_all("g.ags-scope > text", "els => els.map(e => e.textContent)")
    # each rebuilt segment is drawn in its own cluster, named
    assert sorted(c.split(" #")[0] for c in clusters) == [
        "segment 1 of 3",
        "segment 2 of 3",
        "segment 3 of 3",
    ]
    assert page.inner_text(".ags-memory-count") == "nodes alive: 4"
    page.keyboard.press("ArrowRight")
    assert page.inner_text(".ags-equation").startswith("⟳ recompute 'segment 3 of 3'")
    assert page.inner_text(".ags-memory-count") == "nodes alive: 7"
    assert float(page.locator(".ags-memory-at").get_attribute("x1")) > 0
    page.screenshot(path=str(tmp_path / "checkpointed.png"))
    assert errors == []
    page.close()
