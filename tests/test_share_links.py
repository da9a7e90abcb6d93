"""Share links: a trace page's state lives in its URL fragment, and a link restores it.

Truths checked against: the page itself in headless Chromium (its step
counter, the clicked node's panel, the live inputs' fields and the output the
page recomputes, which the Python engine gives for the same inputs) and the
fragment the page writes as it is used.
"""

import pytest

from autograd_scalar import Value, trace_backward
from conftest import PageErrors
from sum_over_paths import sum_over_paths_graph


@pytest.fixture
def trace_file(tmp_path):
    def write(live: bool):
        path = tmp_path / ("live.html" if live else "trace.html")
        path.write_text(
            trace_backward(sum_over_paths_graph()[-1]).to_html(live=live), encoding="utf-8"
        )
        return path

    return write


def open_page(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(url)
    page.wait_for_selector(".ags-trace.ags-js")
    return page, errors


def position(page) -> str:
    return page.locator(".ags-pos").text_content()


def test_a_fragment_restores_step_node_and_hidden_panels(browser, trace_file):
    url = trace_file(live=False).as_uri() + "#step=5&node=b&hide=grads,equations"
    page, errors = open_page(browser, url)
    assert position(page) == "step 5 of 6: node b"
    assert page.locator(".ags-inspect b").text_content() == "b"
    root = page.locator(".ags-trace")
    assert "ags-hide-grads" in root.get_attribute("class")
    assert page.locator(".ags-side").is_hidden()  # equations hidden
    assert (
        page.locator("text.ags-grad-field").first.evaluate("e => getComputedStyle(e).visibility")
        == "hidden"
    )
    assert page.locator(".ags-hide-switch").is_checked()
    assert errors.messages == []


def test_the_page_writes_its_state_into_the_fragment(browser, trace_file):
    page, errors = open_page(browser, trace_file(live=False).as_uri())
    assert page.evaluate("location.hash") == "#step=1"
    page.click(".ags-next")
    page.click(".ags-next")
    assert page.evaluate("location.hash") == "#step=3"
    page.click(".ags-hide-switch")
    assert page.evaluate("location.hash") == "#step=3&hide=grads"
    # The link written is the link that restores it.
    again, _ = open_page(page.context.browser, page.url)
    assert position(again) == position(page) and again.locator(".ags-hide-switch").is_checked()
    assert errors.messages == []


def test_a_live_page_link_carries_the_edited_inputs(browser, trace_file):
    page, errors = open_page(browser, trace_file(live=True).as_uri() + "#a=1&step=2")
    a_field = page.locator(".ags-input", has=page.locator("label", has_text="a")).locator(
        ".ags-input-value"
    )
    assert a_field.input_value() == "1"
    a, b = Value(1.0), Value(3.0)
    o = (a + b) * (a * b) / 2  # the engine at the edited input: 6
    assert page.locator(".ags-live-out .ags-num").text_content() == f"{o.data:g}"
    assert position(page).startswith("step 2 of 6")
    a_field.fill("4")
    a_field.dispatch_event("input")
    assert "a=4" in page.evaluate("location.hash")
    assert errors.messages == []


def test_a_malformed_fragment_is_ignored(browser, trace_file):
    page, errors = open_page(
        browser, trace_file(live=False).as_uri() + "#step=99&node=%E0%A4%A&hide=nope"
    )
    assert position(page) == "step 6 of 6: node a" or position(page).startswith("step 6 of 6")
    assert errors.messages == []
