"""Atomic file writes: readers never see a half-written file.

Every file the package writes (graphs, trace pages, saved models, the demo's
pictures) goes through here: the content goes to a temporary file in the same
directory, which ``os.replace`` renames over the target (atomic on POSIX and
Windows). If anything fails, the temporary file is removed and the target
keeps its previous content, or stays absent.

Writing to a symbolic link writes to the file it points to (the link stays a
link), a file that already exists keeps its permission bits, and errors name
the file the caller asked for, never the temporary one. The temporary file's
name has a bounded length, so any name the file system accepts can be written.
Several files can be written as one: all of them, or none (:func:`write_files`).

A file's suffix is its format: every ``save`` of the package asks
:func:`suffix_format` which format to write, and refuses a name whose suffix
names a format it does not write (no SVG bytes in a ``.png``).

Reading the user's files goes through :func:`open_regular`, which opens
only a regular file, never waiting on a named pipe or a device.
"""

from __future__ import annotations

import errno
import os
import stat
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator, Sequence, Tuple, Union

__all__ = [
    "atomic_path",
    "atomic_paths",
    "write_atomic",
    "write_files",
    "open_regular",
    "SUFFIX_FORMATS",
    "suffix_format",
]

PathLike = Union[str, os.PathLike]

#: Bytes of the target's name kept in the temporary file's name: enough to
#: recognise it, short enough that a 255-byte name still fits (NAME_MAX).
_NAME_PREFIX_BYTES = 40


def _target(path: PathLike) -> Path:
    """The file that writing to ``path`` replaces: a symbolic link's target."""
    text = os.fspath(path)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text:
        raise ValueError("cannot write a file with an empty name")
    target = Path(text)
    return Path(os.path.realpath(target)) if target.is_symlink() else target


def _temporary(target: Path) -> Path:
    # A fresh name rather than mkstemp's file: whoever writes the temp file
    # creates it, so it gets the usual permissions (mkstemp's are 0600).
    prefix = os.fsdecode(os.fsencode(target.name)[:_NAME_PREFIX_BYTES])
    return target.with_name(f".{prefix}.{uuid.uuid4().hex}.tmp")


def _naming_target(error: OSError, temporaries: dict) -> OSError:
    """``error`` with the caller's file in place of a temporary file's name."""
    names = {os.fspath(tmp): os.fspath(path) for tmp, path in temporaries.items()}
    filename = names.get(os.fspath(error.filename)) if error.filename is not None else None
    if error.errno is None or filename is None:
        return error
    return type(error)(error.errno, error.strerror, filename)


@contextmanager
def atomic_paths(*paths: PathLike) -> Iterator[Tuple[Path, ...]]:
    """Yield one temporary path per path; on success move each onto its path.

    All of them are moved, or none: if writing any temporary file fails, or
    moving one, no target changes (targets already replaced get their previous
    content back from a hard link, on file systems that have them; new ones
    are removed).

    Example:
        >>> import tempfile, os
        >>> folder = Path(tempfile.mkdtemp())
        >>> with atomic_paths(folder / "a.txt", folder / "b.txt") as (a, b):
        ...     _ = a.write_text("A"); _ = b.write_text("B")
        >>> sorted(os.listdir(folder))
        ['a.txt', 'b.txt']
    """
    targets = [_target(path) for path in paths]
    temporaries = {
        _temporary(target): Path(os.fsdecode(os.fspath(path)))
        for target, path in zip(targets, paths)
    }
    try:
        yield tuple(temporaries)
        _commit(list(zip(temporaries, targets)))
    except OSError as error:
        raise _naming_target(error, temporaries) from None
    finally:
        for tmp in temporaries:
            tmp.unlink(missing_ok=True)


def _commit(moves: list) -> None:
    """Move every temporary file onto its target, keeping modes; all or none."""
    backups, existed = {}, set()
    try:
        for tmp, target in moves:
            try:
                mode = stat.S_IMODE(os.stat(target).st_mode)
            except FileNotFoundError:
                continue
            existed.add(target)
            os.chmod(tmp, mode)
            if len(moves) > 1:
                backups[target] = _backup(target)
        _replace_all(moves, backups, existed)
    finally:
        for backup in backups.values():
            if backup is not None:
                backup.unlink(missing_ok=True)


def _backup(target: Path):
    """A hard link to ``target``'s current content (for a rollback), or None."""
    backup = _temporary(target)
    try:
        os.link(target, backup)
    except OSError:  # no hard links here (some file systems): no rollback for it
        return None
    return backup


def _replace_all(moves: list, backups: dict, existed: set) -> None:
    done = []
    try:
        for tmp, target in moves:
            os.replace(tmp, target)
            done.append(target)
    except BaseException:
        for target in done:  # undo: old content back, new files removed
            if backups.get(target) is not None:
                os.replace(backups.pop(target), target)
            elif target not in existed:
                target.unlink(missing_ok=True)
        raise


@contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success move it onto ``path``.

    Example:
        >>> import tempfile, os
        >>> target = Path(tempfile.mkdtemp()) / "note.txt"
        >>> with atomic_path(target) as tmp:
        ...     _ = tmp.write_text("hello")
        >>> target.read_text(), os.listdir(target.parent)
        ('hello', ['note.txt'])
    """
    with atomic_paths(path) as (tmp,):
        yield tmp


def write_files(items: Sequence[Tuple[PathLike, bytes]]) -> list:
    """Write each ``(path, bytes)`` pair atomically, all of them or none; the paths.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> [p.name for p in write_files([(folder / "g.svg", b"<svg/>"), (folder / "t.html", b"")])]
        ['g.svg', 't.html']
    """
    for path, data in items:
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(
                f"write_files: the data for {os.fspath(path)!r} must be bytes, "
                f"got {type(data).__name__}"
            )
    with atomic_paths(*(path for path, _ in items)) as temporaries:
        for tmp, (_, data) in zip(temporaries, items):
            tmp.write_bytes(data)
    return [Path(path) for path, _ in items]


def write_atomic(path: PathLike, data: bytes) -> Path:
    """Write the bytes ``data`` to ``path`` atomically; return the path.

    Example:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "g.svg"
        >>> write_atomic(target, b"<svg/>").read_bytes()
        b'<svg/>'
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"write_atomic: data must be bytes, got {type(data).__name__}")
    (written,) = write_files([(path, data)])
    return written


@contextmanager
def open_regular(path: PathLike, follow_links: bool = True) -> Iterator[BinaryIO]:
    """``path`` open for reading (binary) if it is a regular file, else ``OSError``.

    The file is opened without blocking and checked once open, so a named
    pipe or a device is refused at once (reading a pipe would wait for a
    writer forever) and what was checked is what is read.
    ``follow_links=False`` refuses a symbolic link too.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> with open_regular(write_atomic(folder / "a.txt", b"A")) as file:
        ...     file.read()
        b'A'
        >>> with open_regular(folder) as file:
        ...     pass
        Traceback (most recent call last):
        ...
        IsADirectoryError: [Errno 21] Is a directory: ...
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if not follow_links:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    with open(os.open(path, flags), "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), os.fspath(path))
        if not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, "not a regular file", os.fspath(path))
        yield file


#: The format a file's suffix names: what a file with that suffix holds.
SUFFIX_FORMATS = {
    ".svg": "svg",
    ".dot": "dot",
    ".gv": "dot",
    ".png": "png",
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".json": "json",
    ".gif": "gif",
    ".webp": "webp",
}


def suffix_format(path: PathLike, formats: Sequence[str], writer: str) -> str:
    """The format ``path``'s suffix names, if ``writer`` writes it (one of ``formats``).

    Otherwise ``ValueError``, one line naming the suffixes ``writer`` accepts.

    Example:
        >>> suffix_format("graph.SVG", ("svg", "dot"), "viz.save")
        'svg'
        >>> suffix_format("graph.png", ("svg", "dot"), "viz.save")
        Traceback (most recent call last):
        ...
        ValueError: viz.save: cannot write 'graph.png': a file's suffix names its format, and viz.save writes .svg, .dot or .gv files
    """
    text = os.fspath(path)
    text = os.fsdecode(text) if isinstance(text, bytes) else text
    if not text:
        raise ValueError("cannot write a file with an empty name")
    if SUFFIX_FORMATS.get(Path(text).suffix.lower()) not in formats:
        suffixes = [suffix for suffix, format in SUFFIX_FORMATS.items() if format in formats]
        listed = ", ".join(suffixes[:-1]) + " or " if len(suffixes) > 1 else ""
        raise ValueError(
            f"{writer}: cannot write {Path(text).name!r}: a file's suffix names its "
            f"format, and {writer} writes {listed}{suffixes[-1]} files"
        )
    return SUFFIX_FORMATS[Path(text).suffix.lower()]
