"""Saving and loading a model's parameters, checked before anything changes.

A model here is anything with ``named_parameters()`` (``[(name, Value), ...]``)
and ``architecture()`` (a JSON-able dict), as :class:`autograd_scalar.nn.Module`
has; ``Module``'s ``state_dict``, ``load_state_dict``, ``save`` and ``load``
call the functions of this module.

The file is JSON: ``format`` (:data:`FORMAT`), ``version``
(:data:`FORMAT_VERSION`), ``architecture`` and ``parameters`` (name -> float;
Python's float repr round-trips exactly). :func:`save` writes it atomically;
:func:`load` validates the whole file before it changes a single parameter.
"""

from __future__ import annotations

import json
import math
import numbers
import os
from pathlib import Path
from typing import Mapping

from ..files import atomic_path, suffix_format

__all__ = ["FORMAT", "FORMAT_VERSION", "state_dict", "load_state_dict", "save", "load"]

#: The ``"format"`` field of saved files, and the version this code writes.
FORMAT = "autograd_scalar.module"
FORMAT_VERSION = 1


def state_dict(model) -> dict:
    """``{name: float}`` for every parameter of ``model``, in parameter order.

    Each value is a Python float, whatever number type the parameter holds
    (a numpy scalar gets there from ``p.data -= lr * p.grad`` with a numpy
    ``lr``), so the result is JSON-able and compares as plain numbers.
    """
    return {name: float(p.data) for name, p in model.named_parameters()}


def load_state_dict(model, state: Mapping, where: str = "load_state_dict") -> None:
    """Set ``model``'s parameters from ``{name: number}``; all-or-nothing.

    Every name must be present, no other name may appear, and every value
    must be a finite real number; otherwise ``ValueError`` (starting with
    ``where``) names the problem and no parameter changes.
    """
    values = _checked_values(model, state, where)  # all checks before any change
    for (_, p), value in zip(model.named_parameters(), values):
        p.data = value


def _checked_values(model, state, where: str) -> list:
    """The values of ``state`` in parameter order, after checking all of them."""
    if not isinstance(state, Mapping):
        raise ValueError(
            f"{where}: parameters must be a mapping of name -> number, got {type(state).__name__}"
        )
    names = [name for name, _ in model.named_parameters()]
    if len(state) != len(names):
        raise ValueError(f"{where}: {len(state)} parameters given but the model has {len(names)}")
    missing = [name for name in names if name not in state]
    if missing:
        unexpected = sorted(set(map(str, state)) - set(names))
        raise ValueError(
            f"{where}: parameter {missing[0]!r} is missing"
            + (f" (unexpected {unexpected[0]!r})" if unexpected else "")
        )
    return [_finite(state[name], name, where) for name in names]


def _finite(value, name: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(
            f"{where}: parameter {name!r} must be a number, got {type(value).__name__}: {value!r}"
        )
    try:
        value = float(value)
    except OverflowError:  # an int beyond float range
        value = math.inf
    if not math.isfinite(value):
        raise ValueError(f"{where}: parameter {name!r} is not finite ({value!r})")
    return value


def save(model, path) -> None:
    """Write ``model`` to ``path`` as JSON, atomically (temp file + rename).

    Refuses (``ValueError``) a name not ending in ``.json`` and a model with
    a non-finite parameter, since the file could not be loaded back.
    """
    suffix_format(path, ("json",), "save")
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            raise ValueError(
                f"save: parameter {name!r} is not finite ({p.data!r}); "
                "refusing to write a file that cannot be loaded"
            )
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "architecture": model.architecture(),
        "parameters": state_dict(model),
    }
    text = json.dumps(document, indent=1, allow_nan=False)
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


def load(model, path) -> None:
    """Load parameters written by :func:`save` into ``model``.

    The file is read and checked completely first -- valid JSON, the format
    name, a version this code reads, the same architecture, the same
    parameter names and count, finite numbers -- and only then are the
    parameters set. Any problem raises ``ValueError`` naming it, and the
    model is left exactly as it was.
    """
    where = f"load {os.fspath(path)}"
    document = _read_document(Path(path).read_bytes(), where)
    if document.get("format") != FORMAT:
        raise ValueError(f"{where}: format is {document.get('format')!r}, expected {FORMAT!r}")
    version = document.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise ValueError(
            f"{where}: format version {version!r} is not supported "
            f"(this code reads version {FORMAT_VERSION})"
        )
    if document.get("architecture") != model.architecture():
        raise ValueError(
            f"{where}: architecture mismatch: the file has "
            f"{document.get('architecture')!r}, the model is "
            f"{model.architecture()!r}"
        )
    if "parameters" not in document:
        raise ValueError(f"{where}: the 'parameters' field is missing")
    load_state_dict(model, document["parameters"], where)


def _read_document(raw: bytes, where: str) -> dict:
    """The file's JSON object, or a ``ValueError`` saying why it is not one."""
    try:
        document = json.loads(raw.decode("utf-8"), object_pairs_hook=_no_duplicate_keys)
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{where}: not UTF-8 text ({error.reason} at byte {error.start})"
        ) from None
    except json.JSONDecodeError as error:
        raise ValueError(
            f"{where}: not valid JSON, the file may be truncated "
            f"({error.msg} at line {error.lineno} column {error.colno})"
        ) from None
    except RecursionError:
        raise ValueError(f"{where}: not a model file (JSON nested too deeply)") from None
    except ValueError as error:  # duplicate keys, integers too long to parse
        raise ValueError(f"{where}: {error}") from None
    if not isinstance(document, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(document).__name__}")
    return document


def _no_duplicate_keys(pairs: list) -> dict:
    document = {}
    for key, value in pairs:
        if key in document:
            raise ValueError(f"duplicate key {key!r} in the file")
        document[key] = value
    return document
