"""The command line: `autograd-scalar graph` and the argument handling of `demo`.

Success is checked against closed forms (d tanh(ab+c)/da = (1 - tanh²)·b, ...)
and by parsing the files written; every bad-input class must give exit code 2,
exactly one line on stderr, no traceback and no output file.
"""

import math
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_scalar import cli
from conftest import assert_close

PYTHON = sys.executable
SCRIPT = Path(sys.executable).parent / "autograd-scalar"
ACCEPTANCE = ["graph", "tanh(a*b + c)", "--set", "a=2", "b=-3", "c=10", "-o", "g.svg"]
# Generous: these finish in well under a second; the limit only stops a hang.
TIMEOUT = 60


def run_module(args, cwd, env=None):
    return subprocess.run(
        [PYTHON, "-m", "autograd_scalar", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def gradient_rows(stdout):
    """``{name: (value, gradient)}`` from the printed table."""
    lines = stdout.splitlines()
    start = lines.index(next(line for line in lines if line.startswith("variable"))) + 1
    rows = {}
    for line in lines[start:]:
        if not line.strip():
            break
        name, value, gradient = line.split()[:3]
        rows[name] = (float(value), float(gradient))
    return rows


def check_acceptance_output(stdout, directory):
    a, b, c = 2.0, -3.0, 10.0
    t = math.tanh(a * b + c)
    first = stdout.splitlines()[0]
    assert first.startswith("tanh(a*b + c) = ")
    assert_close(float(first.split("=")[1]), t)
    rows = gradient_rows(stdout)
    assert set(rows) == {"a", "b", "c"}
    assert_close(rows["a"][1], (1 - t * t) * b)
    assert_close(rows["b"][1], (1 - t * t) * a)
    assert_close(rows["c"][1], 1 - t * t)
    assert [rows[n][0] for n in "abc"] == [a, b, c]
    svg = ET.parse(directory / "g.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in svg.iter("{http://www.w3.org/2000/svg}text"))
    assert "tanh" in texts


# -- success --------------------------------------------------------------------------


def test_acceptance_command_as_a_process(tmp_path):
    result = run_module(ACCEPTANCE, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    check_acceptance_output(result.stdout, tmp_path)
    assert "graph written to g.svg" in result.stdout


def test_acceptance_command_through_the_console_script(tmp_path):
    result = subprocess.run(
        [str(SCRIPT), *ACCEPTANCE], cwd=tmp_path, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert result.returncode == 0, result.stderr
    check_acceptance_output(result.stdout, tmp_path)


def test_acceptance_command_in_process(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(ACCEPTANCE) == 0
    out, err = capsys.readouterr()
    assert err == ""
    check_acceptance_output(out, tmp_path)


def test_default_output_is_graph_svg_in_the_current_directory(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "x * y", "--set", "x=1.5", "--set", "y=4"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg"]
    ET.parse(tmp_path / "graph.svg")
    assert gradient_rows(capsys.readouterr().out) == {"x": (1.5, 4.0), "y": (4.0, 1.5)}


def test_format_dot_writes_dot_source_with_the_rankdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert (
        cli.main(["graph", "exp(x) + x", "--set", "x=0", "--format", "dot", "--rankdir", "TB"]) == 0
    )
    source = (tmp_path / "graph.dot").read_text()
    assert source.lstrip().startswith("digraph") and "rankdir=TB" in source


def test_format_is_taken_from_the_output_suffix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "x", "--set", "x=1", "-o", "x.gv"]) == 0
    assert (tmp_path / "x.gv").read_text().lstrip().startswith("digraph")


def test_the_output_is_named_after_the_expression_in_the_drawing_and_the_trace(
    tmp_path, monkeypatch
):
    """Not by its position in the graph (v6): the reader wrote the expression, not v6."""
    monkeypatch.chdir(tmp_path)
    args = ["graph", "tanh(a*b  + c)", "--set", "a=2", "b=-3", "c=10", "-o", "g.gv"]
    assert cli.main(args + ["--trace", "t.html"]) == 0
    source = (tmp_path / "g.gv").read_text()
    page = (tmp_path / "t.html").read_text()
    # The node's record in the drawing, its line of the forward pass in the trace
    # (whitespace as in the text, runs of it as one space).
    assert "{tanh(a*b + c)|data 0.999329|grad 1}" in source and "v6|data" not in source
    assert "tanh(a*b + c) = tanh(v5) = 0.999329" in page and "v6 = " not in page


def test_a_long_expression_names_its_output_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = " + ".join(f"x{k} * x{k}" for k in range(6))
    assert len(text) > cli.MAX_OUTPUT_NAME
    assert cli.main(["graph", text, "--set", *[f"x{k}=1" for k in range(6)], "-o", "g.gv"]) == 0
    assert "output" in (tmp_path / "g.gv").read_text()


def test_a_lone_variable_keeps_its_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "x", "--set", "x=1", "-o", "x.gv"]) == 0
    source = (tmp_path / "x.gv").read_text()
    assert "x" in source and "output" not in source


def test_trace_writes_a_self_contained_html_page(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert (
        cli.main(
            [
                "graph",
                "(a + b) * (a * b) / 2",
                "--set",
                "a=2",
                "b=3",
                "--trace",
                "trace.html",
                "-o",
                "g.svg",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    page = (tmp_path / "trace.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "http://" not in page.replace("http://www.w3.org", "")  # nothing fetched
    ET.parse(tmp_path / "g.svg")
    # the sum-over-paths example: o = (a + b)(ab)/2 at a = 2, b = 3 gives ∂o/∂a = 10.5, ∂o/∂b = 8.
    assert gradient_rows(out) == {"a": (2.0, 10.5), "b": (3.0, 8.0)}
    assert "trace written to trace.html" in out


def test_one_variable_feeding_a_long_chain_renders(tmp_path):
    # a*a*...*a: Graphviz's unbounded network simplex once took minutes here.
    result = run_module(
        ["graph", "*".join(["a"] * 100), "--set", "a=1.01", "-o", "g.svg"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert_close(gradient_rows(result.stdout)["a"][1], 100 * 1.01**99)
    ET.parse(tmp_path / "g.svg")


def test_unused_variable_is_listed_with_zero_gradient(capsys, tmp_path):
    assert cli.main(["graph", "x ** 2", "--set", "x=3", "y=1", "-o", str(tmp_path / "g.dot")]) == 0
    out = capsys.readouterr().out
    assert gradient_rows(out) == {"x": (3.0, 6.0), "y": (1.0, 0.0)}
    assert "(not in the expression)" in out


def test_expression_without_variables(capsys, tmp_path):
    assert cli.main(["graph", "2 ** 10 - 24", "-o", str(tmp_path / "g.svg")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("2 ** 10 - 24 = 1000.0") and "(no variables)" in out


def test_expression_starting_with_minus_goes_after_double_dash(capsys, tmp_path):
    assert cli.main(["graph", "--set", "a=2", "-o", str(tmp_path / "g.svg"), "--", "-a*a"]) == 0
    assert gradient_rows(capsys.readouterr().out) == {"a": (2.0, -4.0)}


def test_help_and_version_exit_zero(capsys):
    assert cli.main(["--help"]) == 0
    assert "graph" in capsys.readouterr().out
    assert cli.main(["graph", "--help"]) == 0
    assert "--trace" in capsys.readouterr().out
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("autograd-scalar ")


# -- bad input: exit 2, one line, no traceback, no file ------------------------------

BAD_GRAPH = {
    "syntax error": ["a * * b"],
    "unknown variable": ["a * d"],
    "attribute access": ["a.__class__"],
    "subscript": ["a[0]"],
    "lambda": ["(lambda: a)()"],
    "comprehension": ["[a for a in b]"],
    "call to __import__": ["__import__('os')"],
    "call to open": ["open('g.svg', 'w')"],
    "keyword arguments": ["tanh(x=a)"],
    "string": ["a + 'b'"],
    "exponent tower": ["a ** 10 ** 10 ** 10"],
    "huge literal": ["a * 1e400"],
    "long literal": ["a * " + "9" * 70],
    "too many nodes": ["+".join(["a"] * 600)],
    "too long": ["a" + "+a" * 1500],
    # One process argument holds at most 128 KiB on Linux: 100000 levels run in process below.
    "60000 nested parentheses": ["(" * 60_000 + "a" + ")" * 60_000],
    "nesting": ["(" * 150 + "a" + ")" * 150],
    "log of a negative number": ["log(a - b)"],
    "division by zero": ["a / (b - b)"],
    "bad --set value": ["a", "--set", "a=foo"],
    "bad --set name": ["a", "--set", "1a=2"],
    "--set without =": ["a", "--set", "a"],
    "--set twice": ["a", "--set", "a=1", "a=2"],
    "--set infinite": ["a", "--set", "a=inf"],
    "unknown format": ["a", "--format", "jpg"],
    "format does not match -o": ["a", "--format", "dot"],
    "unknown suffix": ["a", "-o", "g.jpg"],
    "a suffix that is no format, with --format": ["a", "-o", "g.txt", "--format", "svg"],
    "no suffix, with --format": ["a", "-o", "graph", "--format", "dot"],
    "bad rankdir": ["a", "--rankdir", "XY"],
    "trace longer than --max-steps": ["+".join(["a*b"] * 45), "--max-steps", "10"],
    "--set shadowing the constant pi": ["pi * a", "--set", "pi=3"],
    "--set shadowing the constant e": ["e * a", "--set", "e=3"],
    "a constant called as a function": ["pi(a)"],
    "--digits 0": ["a", "--digits", "0"],
    "--digits 18": ["a", "--digits", "18"],
}


def assert_one_error_line(stderr):
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("autograd-scalar: error: "), stderr
    assert "Traceback" not in stderr


@pytest.mark.parametrize("args", BAD_GRAPH.values(), ids=BAD_GRAPH.keys())
def test_bad_graph_input_exits_2_with_one_line_and_no_file(args, tmp_path):
    expression, options = args[0], args[1:]
    if "--set" not in options:
        options = [*options, "--set", "a=1", "b=2"]
    if "-o" not in options:
        options = [*options, "-o", "g.svg"]
    started = time.monotonic()
    result = run_module(["graph", expression, *options, "--trace", "t.html"], tmp_path)
    elapsed = time.monotonic() - started  # reported, not asserted: timings vary by machine
    assert result.returncode == 2, (result.stdout, result.stderr, elapsed)
    assert_one_error_line(result.stderr)
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_100000_nested_parentheses_in_process(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "(" * 100_000 + "a" + ")" * 100_000, "--set", "a=1"]) == 2
    err = capsys.readouterr().err
    assert_one_error_line(err)
    assert "too long: 200001 characters" in err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').system('touch pwned')",
        "open('pwned', 'w')",
        "().__class__.__bases__[0].__subclasses__()",
        "[open('pwned', 'w') for _ in (1,)]",
        "(lambda: __import__('os').system('touch pwned'))()",
        "tanh(a) + __import__('pathlib').Path('pwned').touch()",
        "a if __import__('os').system('touch pwned') else a",
    ],
)
def test_injection_attempts_execute_nothing(expression, tmp_path):
    result = run_module(["graph", expression, "--set", "a=1"], tmp_path)
    assert result.returncode == 2
    assert_one_error_line(result.stderr)
    assert not (tmp_path / "pwned").exists()
    assert list(tmp_path.iterdir()) == []


def test_injection_in_a_set_value_executes_nothing(tmp_path):
    result = run_module(
        ["graph", "a", "--set", "a=__import__('os').system('touch pwned')"], tmp_path
    )
    assert result.returncode == 2 and "is not a number" in result.stderr
    assert not (tmp_path / "pwned").exists()


def test_error_messages_name_the_problem_and_position(tmp_path, capsys):
    assert (
        cli.main(
            ["graph", "tanh(a) + log(a - b)", "--set", "a=1", "b=3", "-o", str(tmp_path / "g.svg")]
        )
        == 2
    )
    assert capsys.readouterr().err == (
        "autograd-scalar: error: log: argument must be "
        "positive, got -2.0 (at column 11: log(a - b))\n"
    )
    assert cli.main(["graph", "a * d", "--set", "a=1", "b=3"]) == 2
    assert capsys.readouterr().err == (
        "autograd-scalar: error: unknown variable 'd' "
        "(at column 5: d); values were given for a, b\n"
    )


def test_failed_run_leaves_an_existing_output_untouched(tmp_path, capsys):
    output = tmp_path / "g.svg"
    output.write_text("earlier drawing")
    assert cli.main(["graph", "log(a)", "--set", "a=-1", "-o", str(output)]) == 2
    assert output.read_text() == "earlier drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.svg"]  # no temp file left


def test_png_and_pdf_without_graphviz_are_written(tmp_path):
    # PATH without the Graphviz program: PNG and PDF are made in-process all the same.
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    for name, magic in (("g.png", b"\x89PNG\r\n\x1a\n"), ("g.pdf", b"%PDF-")):
        result = run_module(["graph", "a*b", "--set", "a=1", "b=2", "-o", name], tmp_path, env=env)
        assert result.returncode == 0, result.stderr
        assert (tmp_path / name).read_bytes().startswith(magic)


@pytest.mark.parametrize(
    "target, words",
    [
        ("missing/g.svg", "does not exist"),
        (".", "needs a file name"),
        ("fifo.svg", "not a regular file"),
    ],
)
def test_unwritable_output_paths_are_refused_before_any_work(
    target, words, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "fifo.svg")
    assert cli.main(["graph", "a", "--set", "a=1", "-o", target]) == 2
    err = capsys.readouterr().err
    assert_one_error_line(err)
    assert words in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo.svg"]


def test_graph_and_trace_on_the_same_file_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.html").symlink_to(tmp_path / "x.svg")  # one file under two names
    assert cli.main(["graph", "a", "--set", "a=1", "-o", "x.svg", "--trace", "x.html"]) == 2
    assert "its own file" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["x.html"]


def test_missing_command_is_one_line(capsys):
    assert cli.main([]) == 2
    assert_one_error_line(capsys.readouterr().err)


# -- demo: argument checks and how its result is reported -------------------------------

BAD_DEMO = {
    "steps zero": ["--steps", "0"],
    "steps negative": ["--steps", "-5"],
    "steps not a number": ["--steps", "abc"],
    "steps fractional": ["--steps", "1.5"],
    "steps too many": ["--steps", str(cli.MAX_STEPS + 1)],
    "seed not a number": ["--seed", "abc"],
    "seed negative": ["--seed", "-1"],
    "seed too large": ["--seed", str(2**32)],
    "out is a file": ["--out", "file.txt"],
    "out inside a file": ["--out", "file.txt/sub"],
    "out empty": ["--out", ""],
    "unknown option": ["--epochs", "3"],
}


@pytest.mark.parametrize("args", BAD_DEMO.values(), ids=BAD_DEMO.keys())
def test_bad_demo_arguments_exit_2_with_one_line(args, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file.txt").write_text("")
    assert cli.main(["demo", *args]) == 2
    err = capsys.readouterr().err
    assert_one_error_line(err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.txt"]  # no out/ created


def test_bad_demo_argument_as_a_process(tmp_path):
    result = run_module(["demo", "--steps", "zero"], tmp_path)
    assert result.returncode == 2
    assert_one_error_line(result.stderr)
    assert "--steps" in result.stderr and list(tmp_path.iterdir()) == []


class FakeResult:
    def __init__(self, accuracy, files, interrupted):
        self.accuracy, self.files, self.interrupted = accuracy, files, interrupted


def test_demo_passes_its_arguments_and_prints_accuracy_and_files(tmp_path, monkeypatch, capsys):
    from autograd_scalar import demo

    calls = []

    def fake_run(steps, out, seed):
        calls.append((steps, Path(out), seed))
        return FakeResult(0.97, [Path(out) / "loss_curve.png"], False)

    monkeypatch.setattr(demo, "run", fake_run)
    assert cli.main(["demo", "--steps", "7", "--out", str(tmp_path / "o"), "--seed", "3"]) == 0
    assert calls == [(7, tmp_path / "o", 3)]
    out = capsys.readouterr().out
    assert "accuracy: 97.0%" in out and str(tmp_path / "o" / "loss_curve.png") in out


def test_demo_defaults(monkeypatch, tmp_path, capsys):
    from autograd_scalar import demo

    calls = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        demo,
        "run",
        lambda steps, out, seed: (
            calls.append((steps, Path(out), seed)) or FakeResult(1.0, [], False)
        ),
    )
    assert cli.main(["demo"]) == 0
    assert calls == [(100, Path("out"), 1337)]


def test_interrupted_demo_reports_and_exits_130(monkeypatch, capsys):
    from autograd_scalar import demo

    monkeypatch.setattr(demo, "run", lambda steps, out, seed: FakeResult(0.5, [], True))
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_ctrl_c_anywhere_is_one_line_and_exit_130(monkeypatch, capsys):
    from autograd_scalar import demo

    def interrupted(steps, out, seed):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "run", interrupted)
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_sigint_during_demo_stops_cleanly(tmp_path):
    # A real Ctrl-C: wait until the progress bar shows training, then interrupt.
    process = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "autograd_scalar",
            "demo",
            "--steps",
            str(cli.MAX_STEPS),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    chunks = []
    reader = threading.Thread(
        target=lambda: chunks.extend(iter(lambda: process.stderr.read(1), "")), daemon=True
    )
    reader.start()
    try:
        deadline = time.monotonic() + TIMEOUT
        while "/100000 [" not in "".join(chunks):  # tqdm's "k/100000 [elapsed<left, ...]"
            assert time.monotonic() < deadline and process.poll() is None, "".join(chunks)
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        out = process.stdout.read()
        process.wait(timeout=TIMEOUT)
        reader.join(timeout=TIMEOUT)
    finally:
        process.kill()
    err = "".join(chunks)
    assert process.returncode == 130, err
    assert "Traceback" not in err
    assert err.rstrip().splitlines()[-1] == "interrupted"
    assert "accuracy:" in out


def test_trace_of_a_100_node_expression_writes_the_graph_and_the_page(
    tmp_path, monkeypatch, capsys
):
    """No step cap: a sum of 35 products is 107 nodes; the title is the expression."""
    monkeypatch.chdir(tmp_path)
    expression = " + ".join(["a*b*c"] * 35)
    assert (
        cli.main(
            ["graph", expression, "--set", "a=1", "b=2", "c=3", "--trace", "t.html", "-o", "g.svg"]
        )
        == 0
    )
    ET.parse(tmp_path / "g.svg")
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert f"<title>{expression}</title>" in page
    assert page.count('class="ags-trace"') == 1 and page.count("<svg") == 1
    assert "trace written to t.html" in capsys.readouterr().out


def test_demo_passes_engine_points_and_dataset_only_when_given(monkeypatch):
    from autograd_scalar import demo

    calls = []
    monkeypatch.setattr(
        demo, "run", lambda **kwargs: calls.append(kwargs) or FakeResult(1.0, [], False)
    )
    assert cli.main(["demo", "--engine", "tape", "--points", "500", "--dataset", "moons"]) == 0
    assert cli.main(["demo"]) == 0
    assert calls[0]["engine"] == "tape" and calls[0]["points"] == 500
    assert calls[0]["dataset"] == "moons" and "engine" not in calls[1]


@pytest.mark.parametrize(
    "args",
    [
        ["--engine", "jax"],
        ["--points", "1"],
        ["--dataset", "mnist"],
        ["--dataset", "digits", "--engine", "scalar"],
    ],
)
def test_bad_engine_points_or_dataset_exit_2_with_one_line(args, tmp_path, capsys):
    assert cli.main(["demo", "--out", str(tmp_path / "o"), *args]) == 2
    assert_one_error_line(capsys.readouterr().err)
    assert not (tmp_path / "o").exists()


# -- ergonomics: hints, all missing names, constants, warnings, --digits -------------


def run_suggested_command(stderr, cwd):
    """Run the command line an error message proposes (after its last ': ')."""
    command = shlex.split(stderr.strip().rsplit(": ", 1)[1])
    assert command[0] == "autograd-scalar"
    return run_module(command[1:], cwd)


def test_expression_swallowed_by_set_gets_a_hint_about_order_and_double_dash(tmp_path):
    """argparse gives --set every word up to the next option, EXPR included."""
    result = run_module(["graph", "--set", "a=2", "b=3", "a*b", "-o", "g.dot"], tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert_one_error_line(result.stderr)
    assert "EXPR is missing: --set took 'a*b' as a NAME=VALUE item" in result.stderr
    assert "put EXPR before --set, or after --" in result.stderr
    assert list(tmp_path.iterdir()) == []
    fixed = run_suggested_command(result.stderr, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert gradient_rows(fixed.stdout) == {"a": (2.0, 3.0), "b": (3.0, 2.0)}


def test_expression_with_a_leading_minus_gets_a_hint_about_double_dash(tmp_path):
    """d(-a*b)/da = -b, d(-a*b)/db = -a once the suggested command reads EXPR."""
    result = run_module(["graph", "-a*b", "--set", "a=2", "b=3", "-o", "g.dot"], tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert_one_error_line(result.stderr)
    assert (
        "'-a*b' starts with '-', so it was read as an option; an EXPR like that goes after --"
    ) in result.stderr
    assert list(tmp_path.iterdir()) == []
    fixed = run_suggested_command(result.stderr, tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert gradient_rows(fixed.stdout) == {"a": (2.0, -3.0), "b": (3.0, -2.0)}


def test_all_missing_variables_are_reported_in_one_line(tmp_path):
    result = run_module(["graph", "a*d + f - d*g", "--set", "a=3"], tmp_path)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "autograd-scalar: error: unknown variables 'd', 'f', 'g' "
        "(at column 3: d); values were given for a\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_pi_and_e_are_constants_drawn_under_their_names(tmp_path):
    """Closed form: d/da [sin(pi·a) + e**a] = pi·cos(pi·a) + e**a."""
    result = run_module(["graph", "sin(pi*a) + e**a", "--set", "a=0.25", "-o", "g.dot"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    ((value, gradient),) = gradient_rows(result.stdout).values()
    assert value == 0.25
    assert_close(gradient, math.pi * math.cos(math.pi / 4) + math.e**0.25)
    source = (tmp_path / "g.dot").read_text()
    assert '[label=pi class="ags-const"' in source
    assert '[label=e class="ags-const"' in source


def test_a_variable_may_not_shadow_pi(tmp_path):
    result = run_module(["graph", "pi * a", "--set", "a=1", "pi=3"], tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "autograd-scalar: error: --set pi=3: 'pi' is the constant "
        "3.141592653589793, not a variable; choose another variable "
        "name\n"
    )
    assert list(tmp_path.iterdir()) == []


NON_FINITE = {
    # value inf: 1e300·1e300 overflows float64; so does the gradient 1e300·1e300.
    "overflowing value": (
        ["a*1e300*1e300", "--set", "a=1"],
        "the value (inf), the gradient of a (inf)",
    ),
    # d sqrt(a)/da = 1/(2 sqrt(a)) = inf at a = 0, while the value 0 is finite.
    "infinite gradient": (["sqrt(a) + b", "--set", "a=0", "b=1"], "the gradient of a (inf)"),
    # inf - inf = nan.
    "nan value": (["a*1e300*1e300 - a*1e300*1e300", "--set", "a=1"], "the value (nan)"),
}


@pytest.mark.parametrize("args, named", NON_FINITE.values(), ids=NON_FINITE.keys())
def test_inf_or_nan_value_or_gradient_warns_on_stderr_and_exits_0(args, named, tmp_path):
    result = run_module(["graph", *args, "-o", "g.dot", "--trace", "t.html"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("autograd-scalar: warning: not finite: ")
    assert named in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["g.dot", "t.html"]


def test_digits_sets_the_significant_digits_of_printed_numbers(tmp_path):
    """a/b at a=1, b=3: value 1/3, d/da = 1/b = 1/3, d/db = -a/b² = -1/9."""
    result = run_module(
        ["graph", "a/b", "--set", "a=1", "b=3", "--digits", "3", "-o", "g.dot"], tmp_path
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "a/b = 0.333"
    assert lines[2:5] == [
        "variable  value  gradient",
        "a             1  0.333",
        "b             3  -0.111",
    ]


def test_trace_must_end_in_html(tmp_path):
    result = run_module(
        ["graph", "a*b", "--set", "a=1", "b=2", "-o", "g.svg", "--trace", "t.svg"], tmp_path
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == (
        "autograd-scalar: error: --trace t.svg: the trace page is "
        "HTML; give a file name ending in .html\n"
    )
    assert list(tmp_path.iterdir()) == []
