"""The trace page in a real browser: headless Chromium (Debian's `chromium`) driven by playwright.

Checks what a reader does: arrow keys straight after load, next/prev and the
slider, clicking a node, zooming and panning; the lit node and the equation
follow the backward pass (the sum-over-paths example's order: o first, a last with
v̄[a] = 3·1 + 2.5·3 = 10.5), with no JavaScript errors; a step of the trace of
an MLP(2, [16, 16, 1]) loss is fast; and without JavaScript the page stays
readable. Screenshots (1280x800) go to the test's tmp_path. CI installs
chromium (.ci/run), so a missing browser is a failure, not a skip.
"""

import random
import statistics

import pytest

from autograd_scalar import names, nn, trace_backward
from autograd_scalar.trace import records
from autograd_scalar.web import pages
from conftest import PageErrors
from sum_over_paths import sum_over_paths_graph

SCREEN = {"width": 1280, "height": 800}


def sum_over_paths_trace():
    return trace_backward(sum_over_paths_graph()[-1])


def mlp_trace():
    """One example's hinge loss through micrograd's demo network, as in `autograd-scalar demo`."""
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    loss = nn.hinge([model([0.5, -1.0])], [1])
    loss.label = "loss"
    return trace_backward(loss)


def open_page(browser, tmp_path, trace, name="trace.html"):
    path = trace.save_html(tmp_path / name)
    page = browser.new_page(viewport=SCREEN)
    errors = PageErrors(page)
    page.goto(path.as_uri())
    return page, errors


def lit_node(page, k: int = 0) -> str:
    """The DOT id (its SVG <title>) of the highlighted node of the k-th trace on the page."""
    return page.locator(".ags-trace").nth(k).locator("g.ags-current title").text_content()


def view_box(page) -> list:
    return [float(x) for x in page.locator(".ags-viewport svg").get_attribute("viewBox").split()]


def test_arrow_keys_step_straight_after_load(browser, tmp_path):
    trace = sum_over_paths_trace()
    ident = names.element_ids(trace.order)
    expected = [ident[s.node] for s in trace.steps]  # v7 (o), v5, d, c, b, a: no constant
    page, errors = open_page(browser, tmp_path, trace)
    seen = [lit_node(page)]
    for _ in range(len(expected) - 1):
        page.keyboard.press("ArrowRight")  # nothing clicked or focused first
        seen.append(lit_node(page))
    assert seen == expected
    assert page.locator(".ags-side .ags-equation").text_content() == (
        "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5"
    )
    # The local derivatives ∂v_j/∂v_i of the step are written on its edges.
    assert page.locator("text.ags-local").all_text_contents() == ["∂ = 1", "∂ = 3"]
    page.screenshot(path=str(tmp_path / "last-step.png"))
    page.keyboard.press("ArrowLeft")
    assert lit_node(page) == expected[-2]
    assert errors.messages == []
    page.close()


def test_buttons_and_slider_step_and_grads_fill_in(browser, tmp_path):
    trace = sum_over_paths_trace()
    ident = names.element_ids(trace.order)
    page, errors = open_page(browser, tmp_path, trace)

    def grads():
        texts = page.locator("g.ags-value text").all_text_contents()
        return [t for t in texts if t.startswith("grad ")]

    assert grads().count("grad ?") == 5  # only o is done: a, b, c, d, v5 wait
    page.click(".ags-next")
    page.click(".ags-next")
    page.click(".ags-prev")
    assert lit_node(page) == ident[trace.steps[1].node]
    page.locator(".ags-slider").fill("1")
    assert lit_node(page) == ident[trace.steps[1].node]
    assert page.locator(".ags-pos").text_content() == "step 2 of 6: node v5"
    assert grads().count("grad ?") == 4 and "grad 0.5" in grads()
    page.screenshot(path=str(tmp_path / "step-2.png"))
    assert errors.messages == []
    page.close()


def click_node(page, dot_id: str) -> None:
    """Click the centre of the drawn node whose DOT id (SVG <title>) is ``dot_id``."""
    box = page.evaluate(
        """id => { for (const g of document.querySelectorAll("g.node")) {
        if (g.querySelector("title").textContent === id) { const r = g.getBoundingClientRect();
          return [r.x + r.width / 2, r.y + r.height / 2]; } } }""",
        dot_id,
    )
    page.mouse.click(*box)


def test_clicking_a_node_shows_its_formula_and_its_equation_with_numbers(browser, tmp_path):
    trace = sum_over_paths_trace()
    a, c = trace.order[0], trace.order[2]
    ident = names.element_ids(trace.order)
    page, errors = open_page(browser, tmp_path, trace)
    click_node(page, ident[a])
    inspect = page.locator(".ags-inspect")
    assert "forward: a = 2  (input)" in inspect.text_content()
    assert inspect.locator(".ags-equation").text_content() == (
        "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5"
    )
    click_node(page, names.op_id(ident[c]))  # an operation shows the value it computes
    assert "forward: c = a + b = 5" in inspect.text_content()
    page.screenshot(path=str(tmp_path / "clicked.png"))
    assert errors.messages == []
    page.close()


def test_zoom_buttons_wheel_and_drag_move_the_view(browser, tmp_path):
    page, errors = open_page(browser, tmp_path, sum_over_paths_trace())
    start = view_box(page)
    page.click(".ags-zoom-in")
    zoomed = view_box(page)
    assert zoomed[2] == pytest.approx(start[2] / 1.25)
    page.click(".ags-zoom-out")
    assert view_box(page)[2] == pytest.approx(start[2])
    box = page.locator(".ags-viewport").bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.move(*middle)
    page.mouse.wheel(0, -400)
    assert view_box(page)[2] < start[2]
    before = view_box(page)
    page.mouse.down()
    page.mouse.move(middle[0] + 100, middle[1] + 40, steps=5)
    page.mouse.up()
    after = view_box(page)
    assert after[0] < before[0] and after[1] < before[1] and after[2] == before[2]
    page.click(".ags-fit")
    assert view_box(page)[2] >= start[2] - 1e-6
    assert errors.messages == []
    page.close()


def test_stepping_through_the_mlp_trace_is_fast_and_keeps_the_current_node_in_view(
    browser, tmp_path
):
    trace = mlp_trace()
    page_html = trace.to_html()
    assert len(page_html.encode("utf-8")) <= 3_000_000
    page, errors = open_page(browser, tmp_path, trace, "mlp.html")
    page.screenshot(path=str(tmp_path / "mlp-start.png"))
    times = page.evaluate(
        """() => { const next = document.querySelector(".ags-next"), out = [];
        for (let i = 1; i < %d; i++) { const t0 = performance.now(); next.click();
          document.body.getBoundingClientRect(); out.push(performance.now() - t0); }
        return out; }"""
        % len(trace.steps)
    )
    mean = statistics.mean(times)
    print(
        f"MLP(2, [16, 16, 1]) trace: {len(trace.steps)} steps, "
        f"{len(page_html.encode('utf-8')):,} bytes, {mean:.1f} ms per step (mean), "
        f"{max(times):.1f} ms worst"
    )
    assert mean <= 200, times
    ident = names.element_ids(trace.order)
    assert lit_node(page) == ident[trace.steps[-1].node]
    assert page.locator(".ags-side .ags-equation").text_content() == trace.equation(trace.steps[-1])
    current = page.locator("g.ags-current").bounding_box()
    viewport = page.locator(".ags-viewport").bounding_box()
    assert viewport["x"] <= current["x"] + current["width"] / 2 <= viewport["x"] + viewport["width"]
    assert (
        viewport["y"] <= current["y"] + current["height"] / 2 <= viewport["y"] + viewport["height"]
    )
    page.screenshot(path=str(tmp_path / "mlp-end.png"))
    assert errors.messages == []
    page.close()


def test_two_traces_on_one_page_step_independently(browser, tmp_path):
    first, second = sum_over_paths_trace(), sum_over_paths_trace()
    html = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        f"{first._repr_html_()}{second._repr_html_()}</body></html>"
    )
    path = tmp_path / "two.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport=SCREEN)
    errors = PageErrors(page)
    page.goto(path.as_uri())
    traces = page.locator(".ags-trace")
    traces.nth(1).locator(".ags-next").click()
    page.keyboard.press("ArrowRight")  # the keys go to the trace last used
    assert [lit_node(page, 0), lit_node(page, 1)] == ["v7", "v4"]  # o; and v5 then d
    assert errors.messages == []
    page.close()


def test_without_javascript_the_drawing_and_every_equation_are_shown(browser, tmp_path):
    trace = sum_over_paths_trace()
    path = trace.save_html(tmp_path / "trace.html")
    context = browser.new_context(java_script_enabled=False, viewport=SCREEN)
    page = context.new_page()
    page.goto(path.as_uri())
    steps = page.locator(".ags-steps li")
    assert steps.all_text_contents() == [trace.equation(s) for s in trace.steps]
    assert all(steps.nth(k).is_visible() for k in range(len(trace.steps)))
    picture = page.locator(".ags-viewport img")
    assert picture.is_visible() and picture.evaluate("i => i.complete && i.naturalWidth > 100")
    assert not page.locator(".ags-toolbar").is_visible()
    page.screenshot(path=str(tmp_path / "no-js.png"), full_page=True)
    context.close()


def test_the_record_schema_gives_positions_and_refuses_a_field_it_lacks(browser):
    """agsData.fields turns the page's schema into positions; a misspelt field name is an
    error at once, not an undefined read (the schema is trace/records.py's)."""
    page = browser.new_page()
    page.set_content("<!DOCTYPE html><html><body></body></html>")
    page.add_script_tag(content=pages.read("data.js"))
    schema = {kind: list(fields) for kind, fields in records.SCHEMA.items()}
    positions = page.evaluate(
        "s => { var F = agsData.fields(s); return [F.node.name, F.step.terms, F.term.rule]; }",
        schema,
    )
    assert positions == [
        records.NODE.index("name"),
        records.STEP.index("terms"),
        records.TERM.index("rule"),
    ]
    error = page.evaluate(
        "s => { try { return agsData.fields(s).node.nam; } catch (e) { return e.message; } }",
        schema,
    )
    assert error == "the page's node records have no field nam"
    page.close()
