"""The browser pages' Python side: run a cell of code as Jupyter would, collect its outputs.

Loaded once into Pyodide by runner.js. A cell runs in one namespace shared by
the cells of a page; ``print`` output, ``display(...)`` calls and the value of
the cell's last expression become outputs, each a small dict for the page to
draw: ``{"type": "stream", "name": "stdout", "text": ...}``, ``{"type":
"display", "data": {mime: text}}``, ``{"type": "error", "text": ...}``.

Jupyter's ``IPython.display`` (display, HTML, SVG, Latex, Markdown) is not in
the browser's Python: a small stand-in with the same names is registered, so a
lesson's ``from IPython.display import display`` runs unchanged.
"""

import ast
import contextlib
import json
import sys
import traceback
import types

MIMES = (
    ("_repr_html_", "text/html"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_latex_", "text/latex"),
    ("_repr_markdown_", "text/markdown"),
)

_outputs = []


def bundle(obj) -> dict:
    """An object's rich representations by MIME type, as Jupyter asks for them."""
    data = {}
    if hasattr(obj, "_repr_mimebundle_"):
        found = obj._repr_mimebundle_()
        data.update(found[0] if isinstance(found, tuple) else found or {})
    for method, mime in MIMES:
        if mime not in data and hasattr(obj, method):
            text = getattr(obj, method)()
            if text is not None:
                data[mime] = text
    data.setdefault("text/plain", repr(obj))
    return {k: v for k, v in data.items() if isinstance(v, str)}


def display(*objects, **_) -> None:
    for obj in objects:
        _outputs.append({"type": "display", "data": bundle(obj)})


class _Shown:
    """IPython.display's wrappers: the text, shown as one MIME type."""

    mime = "text/plain"

    def __init__(self, data=None, **_):
        self.data = data or ""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {self.mime: self.data}


def _ipython_stand_in() -> None:
    shown = {
        name: type(name, (_Shown,), {"mime": mime})
        for name, mime in (
            ("HTML", "text/html"),
            ("SVG", "image/svg+xml"),
            ("Latex", "text/latex"),
            ("Math", "text/latex"),
            ("Markdown", "text/markdown"),
        )
    }
    module = types.ModuleType("IPython.display")
    module.__dict__.update(shown, display=display)
    package = types.ModuleType("IPython")
    package.display = module
    package.get_ipython = lambda: None
    sys.modules.setdefault("IPython", package)
    sys.modules.setdefault("IPython.display", module)


class _Stream:
    def __init__(self, name: str):
        self.name = name

    def write(self, text: str) -> int:
        if _outputs and _outputs[-1]["type"] == "stream" and _outputs[-1]["name"] == self.name:
            _outputs[-1]["text"] += text
        else:
            _outputs.append({"type": "stream", "name": self.name, "text": text})
        return len(text)

    def flush(self) -> None:
        pass


def _split(code: str):
    """The cell's statements, and its last expression apart (to be shown), compiled."""
    tree = ast.parse(code, "<cell>")
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    body = compile(tree, "<cell>", "exec", flags=flags)
    return body, (compile(last, "<cell>", "eval", flags=flags) if last else None)


async def _run(code: str, namespace: dict) -> None:
    body, last = _split(code)
    result = eval(body, namespace)
    if result is not None:  # a coroutine when the cell awaits
        await result
    if last is not None:
        value = eval(last, namespace)
        if hasattr(value, "__await__"):
            value = await value
        if value is not None:
            display(value)


async def run_cell(code: str, namespace: dict) -> str:
    """Run ``code`` in ``namespace``; its outputs as JSON (a list of dicts, see above)."""
    _outputs.clear()
    with (
        contextlib.redirect_stdout(_Stream("stdout")),
        contextlib.redirect_stderr(_Stream("stderr")),
    ):
        try:
            await _run(code, namespace)
        except Exception as exc:
            frames = traceback.extract_tb(exc.__traceback__)
            own = [f for f in frames if f.filename == "<cell>" or "autograd_scalar" in f.filename]
            text = "".join(traceback.format_list(own)) if own else ""
            _outputs.append({"type": "error", "text": text + f"{type(exc).__name__}: {exc}"})
    return json.dumps(_outputs)


_ipython_stand_in()
