"""Smoke tests of benchmarks/compare.py at tiny sizes: it runs, agrees, reports.

No timing is asserted (the figures belong in benchmarks/README.md); what is
checked is that the script keeps working, that every installed engine gives
the same loss and gradients as autograd_scalar (the script's own 1e-9 check,
against PyTorch float64 and numpy's matrix-form backprop), and that an engine
that is not installed (micrograd, absent from the ``test`` extra) is reported
in quick runs and refused in full runs.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "compare.py"


def run_compare(*args, hide=(), tmp_path=None):
    """Run the script; ``hide`` names modules made unimportable for it."""
    env = None
    if hide:
        import os

        shadow = tmp_path / "shadow"
        for name in hide:
            (shadow / name).mkdir(parents=True)
            (shadow / name / "__init__.py").write_text(
                f"raise ImportError('{name} hidden by the smoke test')\n"
            )
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(shadow), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300, env=env
    )


def test_quick_run_prints_the_table_and_all_engines_agree(tmp_path):
    figures = tmp_path / "figures.json"
    result = run_compare("--quick", "--json", str(figures))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for heading in (
        "1. micrograd's demo step",
        "2. Backward CPU time on chains",
        "bytes per node",
        "deepest chain",
        "3. The demo",
        "Targets (benchmarks/README.md)",
    ):
        assert heading in out
    data = json.loads(figures.read_text())
    engines = data["moons_step"]["engines"]
    assert data["moons_step"]["agree"] is True
    assert data["moons_step"]["parameters"] == 337
    for key, row in engines.items():
        if "missing" in row:
            assert key == "micrograd" and "micrograd not installed" in out
            continue
        assert row["ms_per_step"] > 0
        if key != "autograd_scalar":
            assert row["max_abs_diff_loss"] <= 1e-9
            assert row["max_abs_diff_grad"] <= 1e-9
    # the deep chain's gradient is checked against its closed form d v_n / d w = n
    assert all(row["ok"] for row in data["deepest_chain"]["ours"])
    assert data["demo"]["demo_accuracy"] >= 0.0
    # the tape: same loss and gradients as the scalar path, and as numpy on bigger batches
    assert "4. The tape" in out
    assert max(data["tape"]["agreement"].values()) <= 1e-9
    assert all(size["difference"] <= 1e-9 for size in data["tape"]["sizes"])


def test_missing_micrograd_is_a_row_in_quick_runs(tmp_path):
    result = run_compare("--quick", "--no-demo", hide=["micrograd"], tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "micrograd not installed" in result.stdout
    assert "PyTorch float64 0-dim tensors" in result.stdout


def test_full_run_refuses_to_start_without_micrograd(tmp_path):
    result = run_compare("--no-demo", hide=["micrograd"], tmp_path=tmp_path)
    assert result.returncode == 2
    assert "micrograd not installed" in result.stderr
    assert 'pip install -e ".[bench]"' in result.stderr
    assert "Traceback" not in result.stderr


def test_the_checkpoint_benchmark_runs_small_and_shows_root_n_memory():
    """benchmarks/checkpoint_memory.py at n = 400, 1600, 6400: its peak counts and exponents.

    The peak of a chain of n nodes is n + 1 plainly; with √n segments it is
    the kept √n segment nodes and input plus one rebuilt segment of √n nodes.
    """
    script = SCRIPT.parent / "checkpoint_memory.py"
    result = subprocess.run(
        [sys.executable, str(script), "400", "1600", "6400"],
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a figure
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    peaks = {}
    for line in lines:
        if line.strip().startswith("chain"):
            words = line.split()
            peaks[(int(words[1].replace(",", "")), words[2])] = int(words[3].replace(",", ""))
    for n in (400, 1600, 6400):
        assert peaks[(n, "plain")] == n + 1
        assert peaks[(n, "checkpointed")] == 2 * math.isqrt(n) + 1  # ≤ 3·√n + c
    exponents = next(line for line in lines if line.startswith("fitted exponent"))
    plain, checkpointed = (float(part.split()[-1]) for part in exponents.split(":")[1].split(","))
    assert 0.98 < plain < 1.02 and 0.45 < checkpointed < 0.55
    assert sum(line.strip().startswith("MLP") for line in lines) == 2
