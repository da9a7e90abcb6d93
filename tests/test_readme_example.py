"""The README's ten-line example runs and prints what its comments say."""

import contextlib
import io
import os
import re
from pathlib import Path

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
    assert lines[0] == "10.5 8.0"  # seed 003: ∂o/∂a = 10.5, ∂o/∂b = 8
    assert "  v̄[a] = v̄[v3]·∂v3/∂a + v̄[v4]·∂v4/∂a = 3·1 + 2.5·3 = 10.5" in lines
    assert lines[-1] == "12.0"  # d²(x³)/dx² = 6x at 2
    assert (tmp_path / "o.svg").read_text().rstrip().endswith("</svg>")
