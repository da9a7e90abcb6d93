"""Atomic file writes: readers never see a half-written file.

Every file the package writes (graphs, trace pages, saved models, the demo's
pictures) goes through here: the content goes to a temporary file in the same
directory, which ``os.replace`` renames over the target (atomic on POSIX and
Windows). If anything fails, the temporary file is removed and the target
keeps its previous content, or stays absent.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Union

__all__ = ["atomic_path", "write_atomic"]


@contextmanager
def atomic_path(path: Union[str, os.PathLike]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path``.

    Example:
        >>> import tempfile, os
        >>> target = Path(tempfile.mkdtemp()) / "note.txt"
        >>> with atomic_path(target) as tmp:
        ...     _ = tmp.write_text("hello")
        >>> target.read_text(), os.listdir(target.parent)
        ('hello', ['note.txt'])
    """
    path = Path(path)
    # A fresh name rather than mkstemp's file: whoever writes the temp file
    # creates it, so it gets the usual permissions (mkstemp's are 0600).
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Union[str, os.PathLike], data: bytes) -> Path:
    """Write the bytes ``data`` to ``path`` atomically; return the path.

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "g.svg"
        >>> write_atomic(target, b"<svg/>").read_bytes()
        b'<svg/>'
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"write_atomic: data must be bytes, got {type(data).__name__}")
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)
