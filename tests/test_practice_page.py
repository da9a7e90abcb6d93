"""The trace page's practice mode, driven in Chromium with the keyboard only:
right answers advance, wrong ones climb the hint ladder, the score adds up,
and nothing beyond the answered steps is revealed. The right answers are the
engine's gradients (and, for the leaves, the closed forms 21 and 16)."""

import json
import random
import re

import pytest

from autograd_scalar import Value, nn, trace_backward
from autograd_scalar.names import format_number
from autograd_scalar.web import pages
from conftest import PageErrors


def sum_over_paths():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a + b
    c.label = "c"
    d = a * b
    d.label = "d"
    o = c * d
    o.label = "o"
    return trace_backward(o)


@pytest.fixture
def practice_page(browser, tmp_path):
    trace = sum_over_paths()
    path = tmp_path / "practice.html"
    path.write_text(trace.to_html(practice=True), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    errors = PageErrors(page)
    page.goto(path.as_uri())
    yield page, trace
    assert errors.messages == []
    page.close()


def tab_to(page, css_class):
    for _ in range(20):
        if page.evaluate("document.activeElement.className") == css_class:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached .{css_class}")


def answer(page, text):
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def test_a_keyboard_only_path_scores_hints_and_reveals(practice_page):
    page, trace = practice_page
    grads = {step.node.label: step.grad for step in trace.steps}
    names = [step.node.label for step in trace.steps]
    assert names[0] == "o" and grads["a"] == 21.0 and grads["b"] == 16.0  # d + c·b, d + c·a
    tab_to(page, "ags-answer")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")  # visible focus
    assert page.inner_text(".ags-prompt") == f"Step 2 of 5: v̄[{names[1]}] ="

    answer(page, f"{grads[names[1]]:g}")  # right at once: 3 points
    assert page.inner_text(".ags-prompt") == f"Step 3 of 5: v̄[{names[2]}] ="
    answer(page, "1000")  # wrong: hint 1, the children
    assert "Hint 1: sum over the children" in page.inner_text(".ags-feedback")
    answer(page, f"{grads[names[2]]:g}")  # right after one hint: 2 points
    assert "score 5 of 6" in page.inner_text(".ags-score")

    feedback = []
    for _ in range(4):  # three hints, then the answer
        answer(page, "1000")
        feedback.append(page.inner_text(".ags-feedback"))
    assert [f.split(":")[0] for f in feedback[:3]] == [
        "Not yet. Hint 1",
        "Not yet. Hint 2",
        "Not yet. Hint 3",
    ]
    assert "d(x*y)/d" in feedback[1] or "d(x+y)/d" in feedback[1]  # the table's rule text
    assert feedback[3].startswith(f"Revealed: v̄[{names[3]}]")
    assert feedback[3].endswith(f"= {grads[names[3]]:g}")
    assert "score 5 of 9" in page.inner_text(".ags-score")

    tab_to(page, "ags-show")  # "show me", by keyboard
    page.keyboard.press("Enter")
    assert "score 5 of 12 (4 of 4 steps answered)" in page.inner_text(".ags-score")
    assert page.inner_text(".ags-prompt").startswith("All 5 steps done")
    log = page.inner_text(".ags-log").splitlines()
    assert [line.rsplit(", ", 1)[1] for line in log] == ["3 of 3", "2 of 3", "0 of 3", "0 of 3"]


def test_clicking_a_future_node_or_stepping_ahead_reveals_nothing(practice_page):
    page, trace = practice_page
    ids = page.evaluate("JSON.parse(document.querySelector('.ags-data').textContent).nodes")
    leaf = next(n for n in ids if n[2] == "a")
    page.click(f"[id='{leaf[0]}']")
    assert "not reached yet" in page.inner_text(".ags-inspect")
    assert "21" not in page.inner_text(".ags-inspect")
    grad_text = page.evaluate(
        "(id) => [...document.getElementById(id).querySelectorAll('text')]"
        ".map(t => t.textContent.trim()).filter(t => t.startsWith('grad'))",
        leaf[0],
    )
    assert grad_text == ["grad ?"]
    tab_to(page, "ags-next")
    page.keyboard.press("Enter")
    page.keyboard.press("ArrowRight")
    assert page.inner_text(".ags-pos").startswith("step 1 of 5")


def test_reset_starts_over(practice_page):
    page, trace = practice_page
    tab_to(page, "ags-answer")
    answer(page, f"{trace.steps[1].grad:g}")
    tab_to(page, "ags-reset")
    page.keyboard.press("Enter")
    assert "score 0 of 0" in page.inner_text(".ags-score") and page.inner_text(".ags-log") == ""


def test_several_practice_fragments_on_one_page_keep_their_own_state(browser, tmp_path):
    trace = sum_over_paths()
    body = "".join(trace.to_html(practice=True, full_page=False) for _ in range(2))
    path = tmp_path / "two.html"
    path.write_text(f"<!DOCTYPE html><meta charset=utf-8><body>{body}</body>", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(path.as_uri())
    inputs = page.locator(".ags-answer")
    inputs.nth(1).focus()
    answer(page, f"{trace.steps[1].grad:g}")
    scores = page.locator(".ags-score").all_inner_texts()
    assert scores[0].startswith("score 0 of 0") and scores[1].startswith("score 3 of 3")
    page.close()


def test_the_mlp_practice_page_is_small_and_checks_an_answer_fast(browser, tmp_path):
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    trace = trace_backward(nn.hinge([model([0.5, -1.0])], [1]))
    html = trace.to_html(practice=True, max_steps=None)
    size = len(html.encode("utf-8"))
    path = tmp_path / "mlp.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(path.as_uri())
    right = f"{trace.steps[1].grad!r}"
    elapsed = page.evaluate(
        """(right) => {
        const input = document.querySelector('.ags-answer'), check = document.querySelector('.ags-check');
        input.value = right;
        const t0 = performance.now(); check.click(); return performance.now() - t0; }""",
        right,
    )
    print(
        f"MLP practice page: {len(trace.steps)} steps, {size:,} bytes, answer checked in {elapsed:.1f} ms"
    )
    assert len(trace.steps) > 300 and size <= 3_000_000 and elapsed <= 50
    assert page.inner_text(".ags-score").startswith("score 3 of 3")
    page.close()


def test_the_graph_command_writes_a_practice_page_and_refuses_practice_without_a_page(tmp_path):
    import subprocess
    import sys

    def graph(*args):
        return subprocess.run(
            [
                sys.executable,
                "-m",
                "autograd_scalar",
                "graph",
                "a*b + a",
                "--set",
                "a=2",
                "b=3",
                "-o",
                "g.svg",
                *args,
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=300,
        )

    made = graph("--trace", "t.html", "--practice")
    assert made.returncode == 0, made.stderr
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert 'class="ags-practice' in page and "agsPracticeStart" in page
    assert 'class="ags-input"' not in page  # no live input fields: a practice page is not live
    (tmp_path / "g.svg").unlink()
    refused = graph("--practice")
    assert refused.returncode == 2 and "--practice" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.html"]


def test_the_checker_holds_no_second_copy_of_the_math():
    """The practice script compares with the engine's numbers in the page's step records;
    it computes no derivative itself (only |x - v̄|), so no rule is written twice."""
    script = pages.read("practice.js")
    assert set(re.findall(r"Math\.(\w+)", script)) == {"abs"}
    trace = sum_over_paths()
    html = trace.to_html(practice=True)
    assert "agsOps" not in html  # no table either: nothing recomputed in the page
    start = html.index('class="ags-data">') + len('class="ags-data">')
    data = json.loads(html[start : html.index("</script>", start)])
    grad = data["fields"]["step"].index("grad")
    assert [r[grad] for r in data["steps"]] == [format_number(step.grad) for step in trace.steps]
