"""Atomic file writes: a file is either the old one or the complete new one, never half.

Data goes to a temporary file in the same directory, is flushed and fsynced, and only
then renamed over the target (a rename within a directory is atomic on POSIX and Windows).

A process killed mid-write (SIGKILL, power loss) leaves its temporary file behind. Each
write first removes the temporaries of the same target that are clearly stale: named
exactly as this module names them (`.<target name>.<8 characters>.tmp`), plain files, and
untouched for `STALE_AFTER_S` seconds (a live writer keeps touching its file). Nothing else
in the folder is ever removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

STALE_AFTER_S = 3600.0
"""A temporary file of a target unchanged for this long is a leftover of a killed write."""

_TEMP_PREFIX, _TEMP_SUFFIX = ".", ".tmp"
_RANDOM_PART = re.compile(r"[a-z0-9_]{8}")  # what tempfile.mkstemp puts between the two


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "wb") -> Iterator[IO[Any]]:
    """Open a temporary file beside `path`; on success it replaces `path`, on error it vanishes.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_write(target, "w") as f:
    ...     _ = f.write("hello")
    >>> target.read_text()
    'hello'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(path)
    fd, tmp = tempfile.mkstemp(prefix=_prefix(path), suffix=_TEMP_SUFFIX, dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; use the usual mode
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _prefix(path: Path) -> str:
    return f"{_TEMP_PREFIX}{path.name}."


def remove_stale_temporaries(
    path: str | os.PathLike[str], older_than: float = STALE_AFTER_S
) -> int:
    """Remove the temporaries that killed writes of `path` left; returns how many.

    Only plain files named as `atomic_write` names them, for this very target, and not
    modified for `older_than` seconds; errors (a file another process just removed, a
    folder that cannot be listed) are ignored: cleaning is a courtesy, never a failure.
    """
    path = Path(path)
    prefix = _prefix(path)
    cutoff = time.time() - older_than
    removed = 0
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TEMP_SUFFIX)):
            continue
        if not _RANDOM_PART.fullmatch(name[len(prefix) : -len(_TEMP_SUFFIX)]):
            continue
        with contextlib.suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                os.unlink(entry.path)
                removed += 1
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
    """Rename `source` over `target` and make the rename durable by syncing the directory."""
    os.replace(source, target)
    if hasattr(os, "O_DIRECTORY"):
        fd = os.open(Path(target).parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
