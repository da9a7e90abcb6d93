"""Wall time of one ``autograd-scalar graph`` call, as a user runs it: a new process.

Three cases, each the median of ``--runs`` calls, every call in a fresh temporary
directory with its own cache directory (``AUTOGRAD_SCALAR_CACHE_DIR``), so the
user's cache is never touched:

* ``cold``: an empty cache, so wasmtime compiles graphviz.wasm (what every call
  cost before the cache);
* ``warm``: the cache that the cold call just filled;
* ``no render``: ``-o g.dot``, which never starts Graphviz: the floor (Python
  start-up, imports, parsing, backward).

Wall time is what a user waits; the CPU time of the child process (user + system,
from ``getrusage``) is printed too, since this machine's cores are often shared
and other programs stretch wall time but hardly CPU time. POSIX only.

Usage: ``python benchmarks/graph_startup.py [--runs 5]``
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GRAPH = [
    sys.executable,
    "-m",
    "autograd_scalar",
    "graph",
    "tanh(a*b + c)",
    "--set",
    "a=2",
    "b=-3",
    "c=10",
]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def call_seconds(cwd: Path, cache: Path, output: str) -> tuple:
    """(wall, CPU) seconds one graph call takes, start to exit."""
    env = {**os.environ, "AUTOGRAD_SCALAR_CACHE_DIR": str(cache)}
    started, cpu = time.perf_counter(), _children_cpu()
    subprocess.run([*GRAPH, "-o", output], cwd=cwd, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started, _children_cpu() - cpu


def measure(runs: int) -> dict:
    times: dict = {"cold": [], "warm": [], "no render": []}
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            times["cold"].append(call_seconds(folder, folder / "cache", "cold.svg"))
            times["warm"].append(call_seconds(folder, folder / "cache", "warm.svg"))
            times["no render"].append(call_seconds(folder, folder / "cache", "g.dot"))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="calls per case (default: 5)")
    times = measure(parser.parse_args().runs)
    for case, pairs in times.items():
        wall, cpu = zip(*pairs)
        print(
            f"{case:>10}: wall median {statistics.median(wall):.2f} s (min {min(wall):.2f}, "
            f"max {max(wall):.2f}); CPU median {statistics.median(cpu):.2f} s; "
            f"{len(pairs)} calls"
        )


if __name__ == "__main__":
    main()
