"""Every file iamlint writes goes through here: a temporary file beside the target, renamed into place
only once it is complete and on disk.

A reader (a later `iamlint check`, a CI upload step, a second run) therefore sees the previous file or the
complete new one, never a truncated or interleaved one: Ctrl-C, an exception, a failed scan or two runs
writing the same path at once all leave a whole file. The temporary file is hidden (``.NAME.*.tmp``) so
that a directory walk never takes it for an input, and it is removed when the write fails; only a run
killed outright (SIGKILL) can leave one behind, and never in place of the target.

Targets that are not regular files (``/dev/stdout``, ``/dev/null``, a named pipe) cannot be replaced and
are written to directly. A symlink stays a symlink: the file it points at is replaced.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import cache
from pathlib import Path
from typing import TextIO

from iamlint.errors import IamlintError


class WriteError(IamlintError):
    """A file iamlint was asked to write cannot be written; the message names it and why."""

    def __init__(self, path: str | os.PathLike[str], reason: str, option: str | None = None) -> None:
        named = f"{option} {os.fspath(path)}" if option else os.fspath(path)
        super().__init__(f"cannot write {named}: {reason}")


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


@cache
def _umask() -> int:
    # The process umask can only be read by setting it; read once, before any thread writes.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """An existing file keeps its permissions; a new one gets what ``open(path, "w")`` would give it."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def _is_special(target: Path) -> bool:
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def check_writable(path: str | os.PathLike[str], option: str | None = None) -> None:
    """Raise WriteError now when ``path`` cannot be written later (its directory is missing or read-only,
    or it is a directory), so that a long run fails before it starts instead of at its end. ``option``
    names the command-line option that gave the path, for the message."""
    target = Path(os.path.realpath(path))
    if target.is_dir():
        raise WriteError(path, "it is a directory", option)
    if _is_special(target):
        return
    directory = target.parent
    if not directory.is_dir():
        raise WriteError(path, f"no such directory {os.path.dirname(os.fspath(path)) or '.'}", option)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise WriteError(path, f"the directory {directory} is not writable", option)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); where directories cannot be opened this is skipped."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_writer(path: str | os.PathLike[str], *, encoding: str = "utf-8") -> Iterator[TextIO]:
    """A text stream whose content replaces ``path`` when the block ends normally, and is thrown away
    when it raises (KeyboardInterrupt and GeneratorExit included). Raises WriteError for I/O failures."""
    target = Path(os.path.realpath(path))
    if _is_special(target):
        try:
            with open(target, "w", encoding=encoding) as stream:
                yield stream
        except OSError as error:
            raise WriteError(path, _reason(error)) from None
        return
    if target.is_dir():
        raise WriteError(path, "it is a directory")
    mode = _mode_for(target)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise WriteError(path, _reason(error)) from None
    try:
        with os.fdopen(fd, "w", encoding=encoding) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException as error:
        with suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise WriteError(path, _reason(error)) from None
        raise
    _sync_directory(target.parent)


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """``path`` holds exactly ``text`` afterwards, or (on any failure) what it held before."""
    with atomic_writer(path) as stream:
        stream.write(text)
