"""The trace page in a real browser: headless Chromium (Debian's `chromium`) driven by playwright.

Checks what a reader does: step with next/prev and the slider, and the lit
node and the equation follow the backward pass (seed 003's order: o first,
a last with v̄[a] = 3·1 + 2.5·3 = 10.5), with no JavaScript errors; and that
without JavaScript every frame stays readable. CI installs chromium
(.ci/run), so a missing browser is a failure, not a skip.
"""

import os

import pytest
from playwright.sync_api import sync_playwright

from autograd_scalar import names, trace_backward
from seed003 import seed003_graph

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def seed003_trace():
    return trace_backward(seed003_graph()[-1])


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package "
                    "(apt-get install chromium), as .ci/run does")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """Console errors and uncaught exceptions of one page."""

    def __init__(self, page):
        self.messages = []
        page.on("console", lambda m: self.messages.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.messages.append(str(e)))


def lit_node(page) -> str:
    """The DOT id (its SVG <title>) of the highlighted node in the visible frame."""
    return page.locator(".ags-frame.ags-active g.ags-current title").text_content()


def test_stepping_moves_the_highlight_along_the_backward_pass(browser, tmp_path):
    trace = seed003_trace()
    ident = names.element_ids(trace.order)
    expected = [ident[s.node] for s in trace.steps]  # v7 (o), v6 (2), v5, d, c, b, a
    path = trace.save_html(tmp_path / "trace.html")
    page = browser.new_page(viewport={"width": 1100, "height": 700})
    errors = PageErrors(page)
    page.goto(path.as_uri())

    assert page.locator(".ags-frame.ags-active").count() == 1
    assert lit_node(page) == expected[0]
    seen = [lit_node(page)]
    for _ in range(len(expected) - 1):
        page.click(".ags-next")
        seen.append(lit_node(page))
    assert seen == expected
    assert page.locator(".ags-frame.ags-active .ags-equation").text_content() == (
        "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5")
    page.screenshot(path=str(tmp_path / "last-step.png"))

    page.click(".ags-next")  # already at the last step: stays
    assert lit_node(page) == expected[-1]
    page.click(".ags-prev")
    assert lit_node(page) == expected[-2]

    page.locator(".ags-slider").fill("2")
    assert lit_node(page) == expected[2]
    assert page.locator(".ags-pos").text_content() == "step 3 of 7: node v5"
    page.screenshot(path=str(tmp_path / "step-3.png"))

    page.locator(".ags-slider").focus()
    page.keyboard.press("ArrowRight")
    assert lit_node(page) == expected[3]
    assert errors.messages == []
    page.close()


def test_two_traces_on_one_page_step_independently(browser, tmp_path):
    first, second = seed003_trace(), seed003_trace()
    html = ("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
            f"{first._repr_html_()}{second._repr_html_()}</body></html>")
    path = tmp_path / "two.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page()
    errors = PageErrors(page)
    page.goto(path.as_uri())
    traces = page.locator(".ags-trace")
    traces.nth(1).locator(".ags-next").click()
    titles = [traces.nth(k).locator(".ags-frame.ags-active g.ags-current title").text_content()
              for k in range(2)]
    assert titles == ["v7", "v6"]
    assert errors.messages == []
    page.close()


def test_without_javascript_every_frame_is_shown(browser, tmp_path):
    trace = seed003_trace()
    path = trace.save_html(tmp_path / "trace.html")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(path.as_uri())
    frames = page.locator(".ags-frame")
    assert frames.count() == 7
    assert all(frames.nth(k).is_visible() for k in range(7))
    assert not page.locator(".ags-controls").is_visible()
    context.close()
