"""Pages survive inf and nan, and show them as the text output does.

JSON has no inf or nan, so the pages' data writes them as markers that the
page's reader (``agsData``) turns back into numbers. Truths: Python's own
float arithmetic and formatting (``repr``, ``names.format_number``), the
Python trace of the same expression, and a page that opens in headless
Chromium with no console error. Screenshots (1280x800) go to tmp_path.
"""

import math

import pytest

from autograd_scalar import Value, cli, names, palette, trace_backward
from autograd_scalar.web import pages
from conftest import PageErrors
from sum_over_paths import sum_over_paths_graph
from test_browser import SCREEN


def open_file(browser, path):
    page = browser.new_page(viewport=SCREEN)
    errors = PageErrors(page)
    page.goto(path.as_uri())
    return page, errors


def output(page) -> str:
    return page.locator(".ags-live-out .ags-num").text_content()


def test_data_with_inf_and_nan_reads_back_as_those_numbers(browser):
    data = {
        "numbers": [math.inf, -math.inf, math.nan, 1.5, -0.0, 1e308],
        "nested": [[{"x": math.nan}], "NaN", "Infinity", '{"$float":"nan"}', "</script>"],
    }
    page = browser.new_page()
    page.set_content(
        f'<script type="application/json" id="d">{names.script_json(data)}</script>'
        f"<script>{pages.scripts()}</script>"
    )
    got = page.evaluate("""() => { const d = agsData(document.getElementById("d"));
        const code = (x) => Number.isNaN(x) ? "nan" : x === Infinity ? "inf"
            : x === -Infinity ? "-inf" : Object.is(x, -0) ? "-0" : x;
        return [d.numbers.map(code), code(d.nested[0][0].x), d.nested.slice(1)]; }""")
    assert got == [
        ["inf", "-inf", "nan", 1.5, "-0", 1e308],
        "nan",
        ["NaN", "Infinity", '{"$float":"nan"}', "</script>"],
    ]
    page.close()


def test_the_cli_live_page_of_an_overflowing_expression_starts_and_shows_nan(
    browser, tmp_path, monkeypatch
):
    """exp(1000)·0 is inf·0 = nan in Python; with x = 1 the output is y again."""
    monkeypatch.chdir(tmp_path)
    args = ["graph", "exp(x)*0 + y", "--set", "x=1000", "y=2", "--trace", "t.html"]
    assert cli.main(args + ["-o", "g.svg"]) == 0
    page, errors = open_file(browser, tmp_path / "t.html")
    assert output(page) == "nan"
    texts = " ".join(page.locator(".ags-viewport text").all_text_contents())
    assert "inf" in texts and "nan" in texts
    page.screenshot(path=str(tmp_path / "inf-page.png"))
    page.get_by_label("x", exact=True).fill("1")
    assert output(page) == "2"
    assert errors.messages == []
    page.close()


def test_an_input_near_the_float_limit_gets_a_slider_and_a_page(browser, tmp_path, monkeypatch):
    """2·1e308 overflows to inf, as Python's float product does."""
    monkeypatch.chdir(tmp_path)
    args = ["graph", "x*2", "--set", "x=1e308", "--trace", "t.html", "-o", "g.svg"]
    assert cli.main(args) == 0
    page, errors = open_file(browser, tmp_path / "t.html")
    assert output(page) == names.format_number(1e308 * 2)
    slider = page.get_by_label("x (slider)", exact=True)
    assert float(slider.get_attribute("min")) <= 1e308 <= float(slider.get_attribute("max"))
    page.get_by_label("x", exact=True).fill("3")
    assert output(page) == "6"
    assert errors.messages == []
    page.close()


def test_a_live_page_computes_pow_as_python_does(browser, tmp_path):
    """1.0 ** (exp(a) − exp(a)) at a = 1000 is 1.0 ** nan, which is 1 in Python."""
    a = Value(0.0, label="a")
    y = Value(1.0) ** (a.exp() - a.exp())
    y.label = "y"
    expected = 1.0 ** (math.exp(700) * 1e300 - math.exp(700) * 1e300)
    page, errors = open_file(browser, trace_backward(y).save_html(tmp_path / "p.html", live=True))
    page.get_by_label("a", exact=True).fill("1000")
    assert output(page) == names.format_number(expected) == "1"
    assert errors.messages == []
    page.close()


def test_after_an_edit_each_term_shows_the_product_of_its_factors(browser, tmp_path):
    """At a = b = 3 the step of a has the terms v̄[c]·∂c/∂a = 4.5·1 and v̄[d]·∂d/∂a = 3·3.

    The truth is the Python trace of the same graph built at a = b = 3.
    """
    trace = trace_backward(sum_over_paths_graph()[-1])
    page, errors = open_file(browser, trace.save_html(tmp_path / "s.html", live=True))
    page.get_by_label("a", exact=True).fill("3")
    page.get_by_label("b", exact=True).fill("3")
    page.locator(".ags-slider").fill(page.locator(".ags-slider").get_attribute("max"))
    shown = page.locator(".ags-side .ags-terms li").all_text_contents()
    a, b = Value(3.0, label="a"), Value(3.0, label="b")
    c, d = a + b, a * b
    c.label, d.label = "c", "d"
    o = c * d / 2
    o.label = "o"
    step = trace_backward(o).steps[-1]
    assert [term.product for term in step.terms] == [4.5, 9.0]
    assert len(shown) == len(step.terms)
    for text, term in zip(shown, step.terms):
        factors = f"= {names.format_number(term.local)} ("
        assert factors in text and text.endswith(
            f"] = {names.format_number(term.consumer_grad)}, "
            f"term = {names.format_number(term.product)}"
        )
    assert errors.messages == []
    page.close()


DIVERGED = {
    "lr": ["--dataset", "circles", "--lr", "1e300"],
    "noise": ["--dataset", "circles", "--noise", "1e200"],
    "csv": ["--data", "big.csv"],
}


@pytest.mark.parametrize("options", list(DIVERGED.values()), ids=list(DIVERGED))
def test_the_explorer_of_a_diverged_run_starts_and_says_it_diverged(
    browser, tmp_path, monkeypatch, options
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "big.csv").write_text("1e308,1e308,1\n0,0,0\n1,1,1\n0,1,0\n", encoding="utf-8")
    assert cli.main(["demo", *options, "--steps", "12", "--out", "out"]) == 0
    page, errors = open_file(browser, tmp_path / "out" / "training.html")
    note = page.locator(".ags-ex-note")
    assert note.is_visible() and note.text_content().startswith("Training diverged: the loss is ")
    page.locator(".ags-ex-slider").fill(page.locator(".ags-ex-slider").get_attribute("max"))
    shown = page.locator(".ags-explorer").inner_text()
    assert "NaN" not in shown and "Infinity" not in shown  # written as Python writes them
    if options[-1] == "1e300":  # every cell's output is nan: the palette's diverged grey
        corner = page.evaluate(
            "() => Array.from(document.querySelector('.ags-ex-heat').getContext('2d')"
            ".getImageData(0, 0, 1, 1).data.slice(0, 3))"
        )
        assert "#" + "".join(f"{c:02x}" for c in corner) == palette.DIVERGED
    page.screenshot(path=f"/tmp/p19/diverged-{options[-1]}.png")
    assert errors.messages == []
    page.close()


def test_a_gradient_step_that_would_leave_the_floats_is_refused_with_a_reason(browser, tmp_path):
    """w·w at w = 1e300 has ∂/∂w = 2e300; a step with lr 1e10 takes w to -inf."""
    w = Value(1e300, label="w")
    loss = w * w
    loss.label = "loss"
    page, errors = open_file(
        browser, trace_backward(loss).save_html(tmp_path / "w.html", live=True)
    )
    page.locator(".ags-lr").fill("1e10")
    page.click(".ags-gstep")
    expected = names.format_number(1e300 - 1e10 * (2 * 1e300))
    assert page.locator(".ags-nudge").text_content() == (
        f"No gradient step: it would take w to {expected}."
    )
    assert page.get_by_label("w", exact=True).input_value() == "1e+300"
    assert errors.messages == []
    page.close()
