"""The README's examples run and print what the README says they print."""

import contextlib
import io
import math
import os
import re
import shlex
from pathlib import Path

from autograd_scalar import cli

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_prints_what_its_comments_claim(tmp_path):
    text = README.read_text(encoding="utf-8")
    code = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    out = io.StringIO()
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    lines = out.getvalue().splitlines()
    assert lines[0] == "10.5 8.0"  # the sum-over-paths example: ∂o/∂a = 10.5, ∂o/∂b = 8
    # The intermediates are labelled, so the trace names them as the reader did.
    assert "  v̄[a] = v̄[c]·∂c/∂a + v̄[d]·∂d/∂a = 3·1 + 2.5·3 = 10.5" in lines
    assert "  o = v5 / 2 = 15" in lines
    assert lines[-1] == "12.0"  # d²(x³)/dx² = 6x at 2
    assert (tmp_path / "o.svg").read_text().rstrip().endswith("</svg>")


def readme_command_example():
    """The README's command-line example: (argv after the program name, the printed lines)."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"\n    \$ autograd-scalar (graph .*?)\n((?:    .*\n|\n)+)", text)
    output = [line.removeprefix("    ") for line in block.group(2).rstrip().split("\n")]
    return shlex.split(block.group(1)), output


def test_readme_command_line_example_prints_exactly_what_the_readme_shows(
    tmp_path, monkeypatch, capsys
):
    args, expected = readme_command_example()
    monkeypatch.chdir(tmp_path)
    assert cli.main(args) == 0
    assert capsys.readouterr().out.rstrip("\n").split("\n") == expected


def test_readme_command_line_example_is_a_neuron_whose_gradients_teach(tmp_path, monkeypatch):
    """tanh(n) = 1/√2, so ∂y/∂n = 1 - ½: each weight's gradient is its input times 0.5."""
    args, expected = readme_command_example()
    assert "--digits" in args
    values = dict(item.split("=") for item in args[args.index("--set") + 1 :] if "=" in item)
    x1, x2, w1, w2, b = (float(values[k]) for k in ("x1", "x2", "w1", "w2", "b"))
    slope = 1 - math.tanh(x1 * w1 + x2 * w2 + b) ** 2  # closed form: tanh' = 1 - tanh²
    assert math.isclose(slope, 0.5, rel_tol=1e-12)
    rows = [line.split() for line in expected]
    printed = {row[0]: float(row[2]) for row in rows if row and row[0] in values}
    assert printed == {"x1": w1 * 0.5, "x2": w2 * 0.5, "w1": x1 * 0.5, "w2": x2 * 0.5, "b": 0.5}
