"""The printable worksheet: ``autograd-scalar practice --worksheet``.

Truths checked against: the backward trace of each problem (one box per step,
the key's v̄ and equations are the trace's), PyTorch float64 (the key's
∂f/∂x), Chromium's print to PDF read back by pypdf (what a teacher hands out
holds every box and no answer; the key holds every answer), and the command
line run as a subprocess (its bad options are in test_practice.py); a failed write
leaves no file.
"""

import html
import io
import math
import re
import subprocess
import sys

import pypdf

from autograd_scalar import practice, trace_backward, viz
from autograd_scalar.names import format_number
from test_practice import torch_answers


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "autograd_scalar", "practice", "--worksheet", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def printed(browser, path) -> str:
    page = browser.new_page()
    page.goto(path.as_uri())
    pdf = page.pdf(format="A4")
    page.close()
    return squeeze("".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages))


def squeeze(text: str) -> str:
    """``text`` without white space: the PDF breaks lines anywhere, even inside ∂f/∂c."""
    return re.sub(r"\s+", "", text)


def test_the_worksheet_has_a_box_per_gradient_and_the_key_fills_each_with_the_trace():
    problems = practice.problem_set(3, 2, 3)
    drawings = [viz.to_svg(p.graph()[0], show_grad=False) for p in problems]
    sheet = practice.worksheet(problems, drawings)
    key = practice.worksheet(problems, drawings, key=True)
    traces = [trace_backward(p.graph()[0]) for p in problems]
    steps = sum(len(t.steps) for t in traces)
    assert sheet.count("<div class=box></div>") == steps  # blank
    assert key.count("<div class=box><span class=answer>") == steps  # filled
    for trace in traces:
        for step in trace.steps:
            equation = trace.equation(step)
            assert html.escape(equation) in key and html.escape(equation) not in sheet
            assert f"<span class=answer>{format_number(step.grad)}</span>" in key


def test_the_printed_worksheet_holds_every_box_and_no_answer_and_the_key_every_answer(
    browser, tmp_path
):
    done = cli("--level", "2", "--seed", "4", "--count", "3", "--out", "ws", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "worksheet written to ws/worksheet.html" in done.stdout
    written = sorted(str(p.relative_to(tmp_path / "ws")) for p in (tmp_path / "ws").rglob("*.*"))
    assert written == ["answers/answers.json", "answers/worksheet-key.html", "worksheet.html"]
    sheet = printed(browser, tmp_path / "ws" / "worksheet.html")
    key = printed(browser, tmp_path / "ws" / "answers" / "worksheet-key.html")
    for problem in practice.problem_set(2, 4, 3):
        trace = trace_backward(problem.graph()[0])
        assert squeeze(problem.statement()) in sheet and squeeze(problem.statement()) in key
        for step in trace.steps:
            assert f"v̄[{step.name}]" in sheet
            assert squeeze(trace.equation(step)) in key
            assert squeeze(trace.equation(step)) not in sheet
        _, truth = torch_answers(problem)
        for x in problem.asked:
            (step,) = [s for s in trace.steps if s.name == x]
            assert math.isclose(step.grad, truth[x], rel_tol=1e-12, abs_tol=1e-15)
            assert f"v̄[{x}]=∂f/∂{x}" in sheet


def test_a_failed_write_leaves_no_worksheet(tmp_path):
    (tmp_path / "ws" / "answers" / "worksheet-key.html").mkdir(parents=True)  # not a file
    result = cli("--count", "2", "--out", "ws", cwd=tmp_path)
    assert result.returncode != 0 and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "ws" / "worksheet.html").exists()
    assert not (tmp_path / "ws" / "answers" / "answers.json").exists()
