"""The optional libraries, imported only when a feature asks for one.

PyTorch and ONNX are *extras* of the package (``pip install
"autograd-scalar[torch]"``, ``"autograd-scalar[onnx]"``): the core install
needs neither, and ``import autograd_scalar`` never imports them. An export
calls :func:`require` at the moment it needs the library; if it is missing,
the error is one line saying which extra to install.

numpy, which every install has (it is a dependency), is imported here too,
lazily (:func:`numpy`): the float and Value paths of the engine never need it,
only a tape's batches and the pictures do.

This module imports nothing from the package, so every module may use it.
"""

from __future__ import annotations

import functools
from importlib import import_module
from types import ModuleType

__all__ = ["EXTRAS", "MissingExtraError", "require", "numpy"]

#: Module -> (the extra that installs it, what it is called in messages).
EXTRAS = {
    "torch": ("torch", "PyTorch"),
    "onnx": ("onnx", "ONNX"),
    "onnxruntime": ("onnx", "ONNX Runtime"),
}


class MissingExtraError(ModuleNotFoundError):
    """An optional library is not installed; the message names the extra."""


def require(module: str, who: str) -> ModuleType:
    """Import the optional library ``module`` for the feature ``who``.

    Raises:
        MissingExtraError: (a ``ModuleNotFoundError``) in one line naming the
            feature, the library and the ``pip install`` that brings it.

    Example:
        >>> require("math", "a doctest").sqrt(4.0)
        2.0
    """
    extra, name = EXTRAS.get(module, (module, module))
    try:
        return import_module(module)
    except ModuleNotFoundError as error:
        if error.name is not None and error.name.split(".")[0] != module.split(".")[0]:
            raise  # the library is there but something it needs is not: its own message
        raise MissingExtraError(
            f'{who} needs {name}, which is not installed: pip install "autograd-scalar[{extra}]"',
            name=module,
        ) from None


@functools.lru_cache(maxsize=None)
def numpy() -> ModuleType:
    """numpy, imported on first use: the package's one lazy numpy import.

    Example:
        >>> numpy().add([1.0], [2.0]).tolist()
        [3.0]
    """
    return import_module("numpy")
