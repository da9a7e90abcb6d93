"""The live trace page in headless Chromium: edit an input, watch every value and gradient change.

Truths: the sum-over-paths example's closed form (o = (a + b)·(a·b)/2; at
a = 3, b = 3, o = 27 and ∂o/∂a = (ab + (a + b)b)/2 = 13.5); the Python engine
on the same expression rebuilt with the new inputs; Python's own equation and
number formatting (``trace.equation``, ``names.format_number``), which the
page's JavaScript must reproduce on the recorded values; and the static page,
which a live page must still read as without JavaScript. Screenshots
(1280x800) go to each test's tmp_path.
"""

import math
import random
import statistics

import pytest

from autograd_scalar import Value, cli, names, sum as sum_values, topological_order, trace_backward
from autograd_scalar.web import pages
from conftest import PageErrors, assert_close
from sum_over_paths import sum_over_paths_graph
from test_browser import SCREEN


def open_live(browser, tmp_path, trace, name="live.html"):
    path = trace.save_html(tmp_path / name, live=True)
    page = browser.new_page(viewport=SCREEN)
    errors = PageErrors(page)
    page.goto(path.as_uri())
    return page, errors


def drawn(page, trace, node, field: str) -> str:
    """The number after ``data``/``grad`` in ``node``'s box of the drawing."""
    ident = (
        page.locator(".ags-trace").get_attribute("id") + "-" + names.element_ids(trace.order)[node]
    )
    texts = page.locator(f'[id="{ident}"] text').all_text_contents()
    (text,) = [t.strip() for t in texts if t.strip().startswith(field + " ")]
    return text[len(field) + 1 :]


def go_to_last_step(page) -> None:
    page.locator(".ags-slider").fill(page.locator(".ags-slider").get_attribute("max"))


def input_grad(page, name: str) -> str:
    row = page.locator(".ags-input").filter(has=page.get_by_label(name, exact=True))
    return row.locator(".ags-num").text_content()


def test_setting_a_to_3_through_its_label_shows_o_27_and_do_da_13_5(browser, tmp_path):
    a, b, c, d, o = sum_over_paths_graph()
    trace = trace_backward(o)
    page, errors = open_live(browser, tmp_path, trace)
    page.evaluate("window.notReloaded = true")
    page.get_by_label("a", exact=True).fill("3")
    assert page.evaluate("window.notReloaded") is True
    assert page.locator(".ags-live-out .ags-num").text_content() == "27"
    assert input_grad(page, "a") == "13.5" and input_grad(page, "b") == "13.5"
    assert drawn(page, trace, o, "data") == "27" and drawn(page, trace, c, "data") == "6"
    go_to_last_step(page)  # a's step: both paths, with the new numbers
    assert page.locator(".ags-side .ags-equation").text_content() == (
        "v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 4.5·1 + 3·3 = 13.5"
    )
    assert drawn(page, trace, a, "grad") == "13.5" and drawn(page, trace, d, "grad") == "3"
    assert page.locator(".ags-forward pre").text_content().splitlines()[-1] == "o = v5 / 2 = 27"
    page.screenshot(path=str(tmp_path / "a-is-3.png"))
    assert errors.messages == []
    page.close()


def test_the_slider_moves_the_field_and_the_values(browser, tmp_path):
    trace = trace_backward(sum_over_paths_graph()[-1])
    page, errors = open_live(browser, tmp_path, trace)
    page.get_by_label("b (slider)", exact=True).fill("4")
    assert page.get_by_label("b", exact=True).input_value() == "4"
    assert page.locator(".ags-live-out .ags-num").text_content() == "24"  # (2+4)·8/2
    assert errors.messages == []
    page.close()


def test_the_nudge_readout_compares_the_change_of_o_with_grad_times_the_change_of_a(
    browser, tmp_path
):
    """o moves by 27 - 15 = 12; the linear prediction ∂o/∂a·Δa is 10.5·1."""
    page, errors = open_live(browser, tmp_path, trace_backward(sum_over_paths_graph()[-1]))
    page.get_by_label("a", exact=True).fill("3")
    readout = page.locator(".ags-nudge").text_content()
    assert "Δo = 12" in readout and "∂o/∂a·Δa = 10.5·1 = 10.5" in readout
    assert "differ by 1.5" in readout
    assert errors.messages == []
    page.close()


def square_loss(w_value):
    """(w·x − y)² with x = 2, y = 5: at w = 1 the loss is 9 and ∂loss/∂w = 2(wx − y)x = −12."""
    w = Value(w_value, label="w")
    loss = (w * 2.0 - 5.0) ** 2
    loss.label = "loss"
    return loss


def test_a_gradient_step_lowers_a_square_loss_by_the_closed_form(browser, tmp_path):
    page, errors = open_live(browser, tmp_path, trace_backward(square_loss(1.0)))
    output = page.locator(".ags-live-out .ags-num")
    assert output.text_content() == "9"
    page.locator(".ags-lr").fill("0.05")
    losses, w = [9.0], 1.0
    for _ in range(3):
        page.click(".ags-gstep")
        w -= 0.05 * 2 * (2 * w - 5) * 2  # w ← w − lr·∂loss/∂w
        assert page.get_by_label("w", exact=True).input_value() == names.format_number(w)
        losses.append(float(output.text_content()))
        assert losses[-1] == pytest.approx((2 * w - 5) ** 2, rel=1e-5)  # 6 digits shown
    assert losses == sorted(losses, reverse=True) and losses[-1] < 9
    assert "Gradient step (lr 0.05) on 1 input" in page.locator(".ags-nudge").text_content()
    page.screenshot(path=str(tmp_path / "after-steps.png"))
    page.click(".ags-reset")
    assert output.text_content() == "9" and page.get_by_label("w", exact=True).input_value() == "1"
    assert errors.messages == []
    page.close()


def log_graph():
    """y = log(a − 1)·2: at a = 0.5 log meets −0.5."""
    a = Value(2.0, label="a")
    y = (a - 1.0).log() * 2
    y.label = "y"
    return a, y


def test_a_domain_error_is_shown_on_its_node_not_as_nan_everywhere(browser, tmp_path):
    a, y = log_graph()
    trace = trace_backward(y)
    page, errors = open_live(browser, tmp_path, trace)
    page.get_by_label("a", exact=True).fill("0.5")
    log_node = y.parents[0]
    ident = (
        page.locator(".ags-trace").get_attribute("id")
        + "-"
        + names.element_ids(trace.order)[log_node]
    )
    assert page.locator("g.ags-error").get_attribute("id") == ident
    assert page.locator("text.ags-error-text").text_content() == (
        "log: argument must be positive, got -0.5"
    )
    assert (
        f"Cannot compute {trace.names[log_node]}: log: argument must be positive, got -0.5"
        in page.locator(".ags-live-error").text_content()
    )
    texts = page.locator(".ags-viewport text").all_text_contents()
    assert not any("nan" in t for t in texts)
    assert drawn(page, trace, log_node.parents[0], "data") == "-0.5"  # computed before the log
    assert drawn(page, trace, y, "data") == "?"
    page.screenshot(path=str(tmp_path / "domain-error.png"))
    page.get_by_label("a", exact=True).fill("3")  # back in the domain: all clear
    assert page.locator("g.ags-error").count() == 0 and page.locator(".ags-live-error").is_hidden()
    assert_close(
        float(page.locator(".ags-live-out .ags-num").text_content()), 2 * math.log(2.0), rel=1e-5
    )
    assert errors.messages == []
    page.close()


def test_a_hand_built_op_keeps_the_page_static_and_names_the_node(browser, tmp_path):
    x = Value(2.0, label="x")
    cube = Value(8.0, parents=(x,), local_grads=(12.0,), op="cube")
    out = cube + 1
    out.label = "out"
    trace = trace_backward(out)
    html = trace.to_html(live=True)
    assert 'class="ags-live"' not in html and "var agsRecompute" not in html
    page, errors = open_live(browser, tmp_path, trace)
    note = page.locator(".ags-live-blocked")
    assert note.is_visible()
    assert "Live editing is off: v2 = cube(x) was built by hand" in note.text_content()
    assert page.locator("input[type=number]").count() == 0
    page.click(".ags-next")  # still a working step-through page
    assert page.locator(".ags-pos").text_content().startswith("step 2 of")
    page.screenshot(path=str(tmp_path / "blocked.png"))
    assert errors.messages == []
    page.close()


def table_graph():
    """Many of the table's ops, negative numbers, tiny and large values: the formatter's edges."""
    x, y = Value(-0.7, label="x"), Value(1.3, label="y")
    parts = [
        x.tanh(),
        (y * 1e-6).exp(),
        y.log(),
        x**3,
        (x * y).relu(),
        (y - x).sqrt(),
        x / y,
        (x * 1e7).sigmoid(),
        -x,
        y**x,
        abs(x) * 1e7,
        x.sin(),
        y.cos(),
        sum_values([x, y, x * 3e-5]),
    ]
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    total.label = "f"
    return total


@pytest.mark.parametrize(
    "build",
    [lambda: sum_over_paths_graph()[-1], lambda: square_loss(1.0), table_graph],
    ids=["sum-over-paths", "square", "table"],
)
def test_the_page_writes_every_equation_and_forward_line_as_python_does(browser, tmp_path, build):
    """Reset re-runs the page's own formatter on the recorded values: it must give Python's text."""
    trace = trace_backward(build())
    page, errors = open_live(browser, tmp_path, trace)
    page.click(".ags-reset")
    equations = page.evaluate("""() => { const s = document.querySelector(".ags-slider"), out = [];
        for (let k = 0; k <= +s.max; k++) { s.value = k; s.dispatchEvent(new Event("input"));
          out.push(document.querySelector(".ags-side .ags-equation").textContent); }
        return out; }""")
    assert equations == [trace.equation(step) for step in trace.steps]
    assert page.locator(".ags-forward pre").text_content() == "\n".join(
        str(line) for line in trace.forward
    )
    assert errors.messages == []
    page.close()


EDGE_NUMBERS = [
    0.0,
    -0.0,
    1.0,
    -2.5,
    10.5,
    0.1,
    1 / 3,
    -2 / 3,
    1e-4,
    9.99999e-5,
    0.000123456789,
    1e-5,
    1.5e-7,
    123456.0,
    999999.0,
    999999.5,
    1e6,
    1234567.0,
    1234565.0,
    100.0625,
    12.34375,
    0.0078125,
    2.5e-300,
    5e-324,
    1.7976931348623157e308,
    -1e16,
    1e21,
    0.5e-4,
    99999.95,
    math.pi,
    math.e,
    float("inf"),
    float("-inf"),
    float("nan"),
]


def written_in_the_browser(browser, formatter: str, numbers: list) -> list:
    """``numbers`` as numbers.js's ``formatter`` writes them in Chromium."""
    page = browser.new_page()
    page.set_content(f"<script>{pages.read('numbers.js')}</script>")
    # JSON has no inf or nan: send their names.
    sent = [repr(x) if not math.isfinite(x) else x for x in numbers]
    got = page.evaluate(
        f"""xs => xs.map(x => {formatter}(typeof x === "string" ?
        (x === "nan" ? NaN : x === "inf" ? Infinity : -Infinity) : x))""",
        sent,
    )
    page.close()
    return got


def test_numbers_are_written_as_python_writes_them(browser):
    """agsNumbers.number on edge values (ties to even, exponent switches) and 3000 random ones."""
    rng = random.Random(7)
    numbers = EDGE_NUMBERS + [rng.uniform(-1, 1) * 10 ** rng.uniform(-12, 12) for _ in range(2000)]
    numbers += [round(rng.uniform(-1e4, 1e4), rng.randint(0, 6)) for _ in range(1000)]
    got = written_in_the_browser(browser, "agsNumbers.number", numbers)
    expected = [names.format_number(x) for x in numbers]
    mismatches = [(x, g, e) for x, g, e in zip(numbers, got, expected) if g != e]
    assert mismatches == []


def tanh_sum(x):
    """Σ_k tanh(w_k·x_k + x_{k+1}) over three inputs, grown until it has 100 nodes."""
    total, k = None, 0
    while total is None or len(topological_order(total)) < 100:
        term = (x[k % 3] * ((k % 5 - 2) * 0.3) + x[(k + 1) % 3]).tanh()
        total = term if total is None else total + term
        k += 1
    total.label = "s"
    return total


def test_an_edit_of_a_100_node_graph_updates_the_page_within_budget(browser, tmp_path):
    """The target is 50 ms; asserted generously (shared CI machines), the figure printed."""
    trace = trace_backward(tanh_sum([Value(0.1 * (k + 1), label=f"x{k}") for k in range(3)]))
    n = len(trace.order)
    page, errors = open_live(browser, tmp_path, trace, "hundred.html")
    go_to_last_step(page)
    times = page.evaluate("""() => { const f = document.querySelector(".ags-input-value"), out = [];
        for (let i = 1; i <= 40; i++) { const t0 = performance.now();
          f.value = String(0.1 + i / 100); f.dispatchEvent(new Event("input"));
          document.body.getBoundingClientRect(); out.push(performance.now() - t0); }
        return out; }""")
    mean, worst = statistics.mean(times), max(times)
    print(
        f"live edit of a {n}-node graph: {mean:.1f} ms mean, {worst:.1f} ms worst "
        f"({len(times)} edits)"
    )
    assert n >= 100
    assert mean <= 200, times
    # The last edit set x0 = 0.5: the page's output equals the engine's on the rebuilt graph.
    expected = tanh_sum([Value(v, label=f"x{k}") for k, v in enumerate((0.5, 0.2, 0.3))])
    assert_close(
        float(page.locator(".ags-live-out .ags-num").text_content()), expected.data, rel=1e-5
    )
    page.screenshot(path=str(tmp_path / "hundred.png"))
    assert errors.messages == []
    page.close()


def test_without_javascript_a_live_page_reads_as_the_static_page(browser, tmp_path):
    trace = trace_backward(sum_over_paths_graph()[-1])
    path = trace.save_html(tmp_path / "live.html", live=True)
    context = browser.new_context(java_script_enabled=False, viewport=SCREEN)
    page = context.new_page()
    page.goto(path.as_uri())
    assert page.locator(".ags-steps li").all_text_contents() == [
        trace.equation(s) for s in trace.steps
    ]
    assert not page.locator(".ags-live").is_visible()
    assert page.locator(".ags-viewport img").is_visible()
    page.screenshot(path=str(tmp_path / "no-js.png"), full_page=True)
    context.close()


def test_the_cli_trace_page_is_live_and_static_on_request(browser, tmp_path, monkeypatch):
    """tanh(a·b + c) at a = 2, b = −3, c = 10 is tanh(4); with c = 0 it is tanh(−6)."""
    monkeypatch.chdir(tmp_path)
    assert (
        cli.main(["graph", "tanh(a*b + c)", "--set", "a=2", "b=-3", "c=10", "--trace", "t.html"])
        == 0
    )
    assert (
        cli.main(
            [
                "graph",
                "tanh(a*b + c)",
                "--set",
                "a=2",
                "b=-3",
                "c=10",
                "--trace",
                "s.html",
                "--static",
                "-o",
                "s.svg",
            ]
        )
        == 0
    )
    assert 'class="ags-live"' not in (tmp_path / "s.html").read_text(encoding="utf-8")
    page = browser.new_page(viewport=SCREEN)
    errors = PageErrors(page)
    page.goto((tmp_path / "t.html").as_uri())
    assert page.locator(".ags-live-out .ags-num").text_content() == names.format_number(
        math.tanh(4)
    )
    page.get_by_label("c", exact=True).fill("0")
    assert page.locator(".ags-live-out .ags-num").text_content() == names.format_number(
        math.tanh(-6)
    )
    assert input_grad(page, "c") == names.format_number(1 - math.tanh(-6) ** 2)
    page.screenshot(path=str(tmp_path / "cli.png"))
    assert errors.messages == []
    page.close()


def test_two_live_fragments_on_one_page_recompute_independently(browser, tmp_path):
    """As two notebook outputs: ids are unique, and each fragment recomputes its own graph."""
    first = trace_backward(sum_over_paths_graph()[-1]).to_html(live=True, full_page=False)
    second = trace_backward(square_loss(1.0)).to_html(live=True, full_page=False)
    path = tmp_path / "two.html"
    path.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
        f"{first}{second}</body></html>",
        encoding="utf-8",
    )
    page = browser.new_page(viewport=SCREEN)
    errors = PageErrors(page)
    page.goto(path.as_uri())
    page.get_by_label("a", exact=True).fill("3")
    outputs = page.locator(".ags-live-out .ags-num").all_text_contents()
    assert outputs == ["27", "9"]
    page.get_by_label("w", exact=True).fill("2.5")  # (2·2.5 − 5)² = 0
    assert page.locator(".ags-live-out .ags-num").all_text_contents() == ["27", "0"]
    assert errors.messages == []
    page.close()


def test_error_message_numbers_are_written_as_python_repr_writes_them(browser):
    """agsNumbers.repr (the numbers in domain-error messages) equals repr on edge and random floats."""
    rng = random.Random(11)
    numbers = EDGE_NUMBERS + [-1.0000000000065512e-05, 1e16, 9999999999999998.0, 1e-4, 1e22]
    numbers += [rng.uniform(-1, 1) * 10 ** rng.uniform(-30, 30) for _ in range(2000)]
    got = written_in_the_browser(browser, "agsNumbers.repr", numbers)
    mismatches = [(x, g) for x, g in zip(numbers, got) if g != repr(x)]
    assert mismatches == []


def test_a_long_output_name_is_parenthesised_after_d_and_delta(browser, tmp_path, monkeypatch):
    """The CLI names the output after its expression: f = exp(x)·0 + y reads ∂(exp(x)*0 + y)/∂y.

    At x = 1, y = 2: f = 2, ∂f/∂x = 0, ∂f/∂y = 1; y → 3 moves f by 1, predicted 1·1.
    """
    monkeypatch.chdir(tmp_path)
    args = ["graph", "exp(x)*0 + y", "--set", "x=1", "y=2", "--trace", "t.html"]
    assert cli.main(args) == 0
    page = browser.new_page(viewport=SCREEN)
    errors = PageErrors(page)
    page.goto((tmp_path / "t.html").as_uri())
    f = "(exp(x)*0 + y)"
    rows = page.locator(".ags-input-grad").all_text_contents()
    assert rows == [f"∂{f}/∂x = 0", f"∂{f}/∂y = 1"]
    assert f"∂{f}/∂x" in page.locator(".ags-nudge").text_content()
    page.get_by_label("y", exact=True).fill("3")
    readout = page.locator(".ags-nudge").text_content()
    assert f"Δ{f} = 1, ∂{f}/∂y·Δy = 1·1 = 1" in readout, readout
    slider, terms = page.locator(".ags-slider"), []
    for k in range(int(slider.get_attribute("max")) + 1):  # every step's side panel
        slider.fill(str(k))
        terms += page.locator(".ags-side .ags-terms li").all_text_contents()
    assert [t.split(": ", 1)[1].split(" (")[0] for t in terms if t.startswith(f"{f[1:-1]} =")] == [
        f"∂{f}/∂y = 1",  # f = v4 + y, v4 = exp(x)·0: d(x+y)/dx = d(x+y)/dy = 1
        f"∂{f}/∂v4 = 1",
    ], terms
    listed = page.locator(".ags-steps li").all_text_contents()  # Python's equations
    assert f"v̄[y] = v̄[{f[1:-1]}]·∂{f}/∂y = 1·1 = 1" in listed, listed
    page.screenshot(path=str(tmp_path / "long_name.png"))
    assert errors.messages == []
    page.close()
