"""Graphviz in the browser: under Pyodide, drawings are laid out by the page's viz-js.

In a web page (Pyodide, ``sys.platform == "emscripten"``) neither the
Graphviz program nor wasmtime exists, but the browser runs WebAssembly
itself: viz-js is Graphviz compiled for it, and gives the same SVG for the
same DOT. This module reaches it through Pyodide's JavaScript bridge.

Loading it is asynchronous (the browser compiles the WebAssembly), so it
starts once, without waiting, the first time a drawing module is imported
(:func:`start`); :func:`render` then uses it. A page that wants the first
drawing without a pause awaits :func:`setup` before running the learner's code.
If a drawing is asked for before it is ready, :func:`render` waits for it where
the browser can pause Python (JavaScript Promise Integration), else it says to
run the cell again.

Where viz-js comes from: ``globalThis.AGS_VIZ``, the promise of an instance,
if the page started loading it (the playground does, while Python starts), else
``viz.js`` beside Pyodide's own files (where ``docs/build_browser.py`` puts it).
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["ACTIVE", "FORMATS", "BrowserGraphvizError", "start", "setup", "ready", "render"]

#: True in a web page under Pyodide: drawings are rendered here, not by ``dot`` or wasmtime.
ACTIVE = sys.platform == "emscripten"

#: The Graphviz output formats this renderer is asked for.
FORMATS = ("svg", "plain")

# The one viz-js instance of this Python: its promise while loading, then itself.
_loaded: dict = {"promise": None, "instance": None, "error": None}

_LOAD = """(url) => import(url).then((module) => module.instance())"""


class BrowserGraphvizError(RuntimeError):
    """The browser's Graphviz is not ready, could not load, or rejected the graph."""


def _load() -> Any:
    """The promise of a viz-js instance: the page's own if it started one, else a new one."""
    import js  # Pyodide's bridge to the page
    import pyodide_js
    from pyodide.code import run_js

    started = getattr(js, "AGS_VIZ", None)
    if started is not None:
        return started
    return run_js(_LOAD)(js.URL.new("viz.js", pyodide_js._api.config.indexURL).href)


def start() -> Any:
    """Begin loading viz-js once, without waiting; the promise of its instance."""
    if _loaded["promise"] is None:
        from pyodide.ffi import create_once_callable

        promise = _load()
        _loaded["promise"] = promise
        promise.then(
            create_once_callable(lambda instance: _loaded.update(instance=instance)),
            create_once_callable(lambda error: _loaded.update(error=str(error))),
        )
    return _loaded["promise"]


async def setup() -> None:
    """Load viz-js now and wait for it (``await viz.browser.setup()``)."""
    _loaded["instance"] = await start()


def ready() -> bool:
    """Whether a drawing can be rendered now without waiting."""
    return _loaded["instance"] is not None


def _instance() -> Any:
    if _loaded["instance"] is not None:
        return _loaded["instance"]
    if _loaded["error"] is not None:
        raise BrowserGraphvizError(
            f"the browser's Graphviz (viz-js) did not load: {_loaded['error']}"
        )
    from pyodide.ffi import can_run_sync, run_sync

    promise = start()
    if not can_run_sync():
        raise BrowserGraphvizError(
            "the browser's Graphviz is still loading: run this again in a moment "
            "(or `await autograd_scalar.viz.browser.setup()` first)"
        )
    _loaded["instance"] = run_sync(promise)
    return _loaded["instance"]


def render(dot_source: str, format: str = "svg") -> bytes:
    """DOT source rendered by viz-js as ``svg`` or Graphviz's ``plain`` layout."""
    if format not in FORMATS:
        raise BrowserGraphvizError(
            f"in the browser a drawing is made as svg only, not {format}: save it as .svg"
        )
    import js
    from pyodide.ffi import JsException, to_js

    options = to_js({"format": format}, dict_converter=js.Object.fromEntries)
    try:
        text = _instance().renderString(dot_source, options)
    except JsException as exc:
        raise BrowserGraphvizError(
            f"the browser's Graphviz could not render the graph: {exc}"
        ) from exc
    return str(text).encode("utf-8")
