"""Finding, verifying and downloading the files of a dataset.

Each file of a dataset is looked up, in order, in:

1. the directory given as ``path=`` to ``load_data``;
2. the cache directory ``$TENSORGRAD_HOME/datasets/<name>/`` (``TENSORGRAD_HOME``
   defaults to ``~/.tensorgrad``);
3. ``<dir>/<name>/`` for each ``<dir>`` listed in ``TENSORGRAD_DATA_PATH``
   (separated by ``os.pathsep``);
4. the system data directories ``/usr/share/datasets/<name>/`` and
   ``/usr/local/share/datasets/<name>/`` (where Debian's dataset packages install);

and is otherwise downloaded from the dataset's mirrors into the cache. A file is
found under its standard gzip name or uncompressed; it is taken from the first
place that has it, so the files of one dataset may come from different places.
A place that cannot be read (no permission, a symlink loop) is skipped, and listed
as such in the error if a file is found nowhere; the cache is written to only for
a download.

The size of each file's content is known, so no read goes past it: a larger file
is refused before it is read, decompression stops one byte past the size (a gzip
bomb costs no more than the real file), and a mirror that sends more is cut off.

Every file is verified before use: its IDX magic number, dimensions and length,
and the SHA-256 of its decompressed content (so a re-compressed copy passes).
A file that fails raises :class:`CorruptFileError` and is never used. A download
goes to a temporary file in the cache directory that is synced, verified and
only then renamed into place, so a failed or mismatching download leaves nothing.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import sys
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from tensorgrad.datasets.idx import IdxError, describe, max_file_size, parse_idx, read_idx_bytes

__all__ = [
    "DATA_PATH_ENV",
    "HOME_ENV",
    "SYSTEM_DATA_DIRS",
    "CorruptFileError",
    "DataFile",
    "Dataset",
    "DatasetError",
    "DatasetNotFoundError",
    "cache_dir",
    "load_dataset",
    "tensorgrad_home",
]

HOME_ENV = "TENSORGRAD_HOME"
DATA_PATH_ENV = "TENSORGRAD_DATA_PATH"
DEFAULT_HOME = "~/.tensorgrad"
SYSTEM_DATA_DIRS: tuple[Path, ...] = (
    Path("/usr/share/datasets"),
    Path("/usr/local/share/datasets"),
)
DOWNLOAD_TIMEOUT_S = 30.0
_CHUNK = 1 << 16


class DatasetError(ValueError):
    """Base class of the errors raised while loading a dataset."""


class CorruptFileError(DatasetError):
    """Raised when a dataset file is truncated, corrupt or not the expected file."""


class DatasetNotFoundError(DatasetError, FileNotFoundError):
    """Raised when files are neither found locally nor downloadable; lists every place tried."""


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset and what its decompressed content must be.

    Attributes:
        name: the standard file name, e.g. ``"train-images-idx3-ubyte.gz"``.
        shape: the array shape the IDX header must declare.
        sha256: SHA-256 of the decompressed content, or ``None`` to verify by
            structure only (magic number, dimensions and length).
        noun: what one item is, for messages (``"images"``, ``"labels"``).
    """

    name: str
    shape: tuple[int, ...]
    sha256: str | None
    noun: str

    @property
    def names(self) -> tuple[str, ...]:
        """Accepted file names: the standard one, uncompressed, and LeCun's ``a-b.idxN-ubyte``."""
        raw = self.name.removesuffix(".gz")
        stem, _, kind = raw.rpartition("-idx")
        return tuple(dict.fromkeys((self.name, raw, f"{stem}.idx{kind}")))

    @property
    def nbytes(self) -> int:
        """The size of the decompressed content: header and one byte per value."""
        return 4 + 4 * len(self.shape) + int(np.prod(self.shape))

    @property
    def expected(self) -> str:
        """E.g. ``10000 labels (10008 bytes)``."""
        return f"{describe(self.shape, self.noun)} ({self.nbytes} bytes)"


@dataclass(frozen=True)
class Dataset:
    """A dataset made of IDX files of unsigned bytes.

    Attributes:
        name: the directory name, e.g. ``"fashion-mnist"``.
        files: the files, in the order ``load_dataset`` returns them.
        mirrors: base URLs, tried in order; a file's URL is base + file name.
        debian_package: the Debian package that installs the files, if any.
    """

    name: str
    files: tuple[DataFile, ...]
    mirrors: tuple[str, ...]
    debian_package: str | None = None


def tensorgrad_home() -> Path:
    """Returns ``$TENSORGRAD_HOME``, or ``~/.tensorgrad`` when it is unset or empty."""
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME).expanduser()


def cache_dir(name: str) -> Path:
    """Returns the cache directory of the dataset ``name``: ``$TENSORGRAD_HOME/datasets/<name>``."""
    return tensorgrad_home() / "datasets" / name


class _Skipped(list):
    """(where, directory, reason) of each location skipped because it cannot be read."""

    def add(self, where: str, d: Path, error: BaseException) -> None:
        reason = getattr(error, "strerror", None) or str(error) or type(error).__name__
        if all(entry[1] != d for entry in self):
            self.append((where, d, reason))


def _search_dirs(
    name: str, path: str | os.PathLike[str] | None, skipped: _Skipped | None = None
) -> list[tuple[str, Path]]:
    """The (where, directory) pairs to look in, in order, without duplicates; a location
    that cannot even be resolved (a symlink loop) is skipped and listed in `skipped`."""
    dirs: list[tuple[str, Path]] = []
    if path is not None:
        dirs.append(("path= argument", Path(path).expanduser()))
    dirs.append((f"cache (${HOME_ENV}/datasets/{name})", cache_dir(name)))
    for entry in os.environ.get(DATA_PATH_ENV, "").split(os.pathsep):
        if entry:
            dirs.append((f"{DATA_PATH_ENV} entry {entry!r}", Path(entry).expanduser() / name))
    for system in SYSTEM_DATA_DIRS:
        dirs.append(("system data directory", Path(system) / name))
    seen: set[Path] = set()
    unique = []
    for where, d in dirs:
        try:
            key = d.resolve()
        except (OSError, RuntimeError) as e:  # RuntimeError: a symlink loop (Python < 3.13)
            if skipped is not None:
                skipped.add(where, d, e)
            continue
        if key not in seen:
            seen.add(key)
            unique.append((where, d))
    return unique


def _candidates(
    spec: DataFile, dirs: list[tuple[str, Path]], skipped: _Skipped
) -> Iterator[tuple[str, Path]]:
    """Each (where, file) holding ``spec`` under an accepted name, in order; a location
    that cannot be read is listed in ``skipped`` and the search goes on."""
    for where, d in dirs:
        for name in spec.names:
            try:
                found = (d / name).is_file()
            except OSError as e:  # no permission on the folder, a loop below it...
                skipped.add(where, d, e)
                break
            if found:
                yield where, d / name


class _Unreadable(Exception):
    """A file found that cannot be opened or read (its content was never seen)."""


def _verify(path: Path, spec: DataFile, source: str, advice: str) -> np.ndarray:
    """Reads and fully verifies one file; raises CorruptFileError quoting ``source``
    (or _Unreadable when the file cannot be read at all)."""
    try:
        buf = read_idx_bytes(path, expected=spec.expected, max_bytes=spec.nbytes)
        array = parse_idx(
            buf, source, expected_shape=spec.shape, expected_dtype=np.uint8, noun=spec.noun
        )
    except IdxError as e:
        raise CorruptFileError(f"{e}; {advice}") from None
    except OSError as e:
        raise _Unreadable(e) from None
    if spec.sha256 is not None:
        found = hashlib.sha256(buf).hexdigest()
        if found != spec.sha256:
            raise CorruptFileError(
                f"{source}: expected decompressed SHA-256 {spec.sha256}, found {found}: "
                f"the file is corrupt or not the expected dataset; {advice}"
            )
    return array


def _advice(where: str) -> str:
    if where.startswith("cache"):
        return "delete it and load again"
    return "replace it with a good copy or remove it"


def _progress(label: str, done: int, total: int | None, final: bool = False) -> None:
    """Draws a one-line progress bar on a terminal stderr; prints plain lines otherwise."""
    err = sys.stderr
    if not err.isatty():
        if final:
            print(f"{label}: done, {done} bytes", file=err)
        return
    if total:
        filled = min(30, 30 * done // total)
        bar = f"[{'#' * filled}{'.' * (30 - filled)}] {100 * done // total:3d}%"
    else:
        bar = ""
    err.write(f"\r{label} {bar} {done / 1e6:.1f} MB")
    if final:
        err.write("\n")
    err.flush()


def _copy(
    response: BinaryIO, out: BinaryIO, label: str, total: int | None, limit: int, url: str
) -> None:
    """Copies the response into ``out`` in chunks, updating the progress display; a
    response longer than ``limit`` (the largest the file can be) is cut off there."""
    if total is not None and total > limit:
        raise CorruptFileError(
            f"{url}: the mirror announces {total} bytes, more than the {limit} the file can "
            "have: not the expected file; the download was discarded"
        )
    done = 0
    shown = -1
    while chunk := response.read(_CHUNK):
        done += len(chunk)
        if done > limit:
            raise CorruptFileError(
                f"{url}: the mirror sent more than {limit} bytes, the most the file can have: "
                "not the expected file; the download was discarded"
            )
        out.write(chunk)
        step = 100 * done // total if total else done >> 20
        if step != shown:
            shown = step
            _progress(label, done, total)
    _progress(label, done, total, final=True)


def download_verified(
    url: str, dest: Path, limit: int, verify: Callable[[Path], Any], timeout: float
) -> Any:
    """Download ``url`` to ``dest`` atomically; ``verify(temporary path)``'s result.

    The data goes to a temporary file next to ``dest`` (at most ``limit`` bytes), is
    flushed, fsynced and verified, and only then renamed to ``dest``; on any failure the
    temporary file is removed and ``dest`` is left untouched.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            if not sys.stderr.isatty():
                print(f"Downloading {url}", file=sys.stderr)
            with urllib.request.urlopen(url, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                _copy(response, out, f"Downloading {dest.name}", total, limit, url)
            out.flush()
            os.fsync(out.fileno())
        result = verify(tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    with contextlib.suppress(OSError):  # make the rename durable where the OS allows
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return result


def _download(url: str, dest: Path, spec: DataFile, timeout: float) -> np.ndarray:
    """Downloads one IDX file and returns its verified array (see `download_verified`)."""

    def verify(tmp: Path) -> np.ndarray:
        try:
            return _verify(tmp, spec, url, "the download was discarded")
        except _Unreadable as e:
            raise OSError(f"the downloaded file cannot be read back ({e})") from None

    return download_verified(url, dest, max_file_size(spec.nbytes), verify, timeout)


def _reason(error: BaseException, url: str = "") -> str:
    """A short reason for a failed download of ``url``."""
    if isinstance(error, CorruptFileError):
        return str(error).removeprefix(f"{url}: ")
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return f"{error.reason}"
    if isinstance(error, TimeoutError):
        return "timed out"
    return str(error) or type(error).__name__


def _mirror_unreachable(error: BaseException) -> bool:
    """Whether the failure concerns the host, not the file (so other files will fail too)."""
    if isinstance(error, urllib.error.URLError) and not isinstance(error, urllib.error.HTTPError):
        error = error.reason if isinstance(error.reason, BaseException) else error
    return isinstance(error, (socket.gaierror, ConnectionError, TimeoutError))


def _state_of(d: Path) -> str:
    try:
        return "not there" if d.is_dir() else "no such directory"
    except OSError as e:
        return f"cannot be read: {e.strerror or e}"


def _not_found(
    dataset: Dataset,
    missing: Sequence[DataFile],
    dirs: list[tuple[str, Path]],
    attempts: list[tuple[str, str]],
    skipped: _Skipped,
    corrupt: Sequence[str] = (),
) -> DatasetError:
    """Builds the one error that lists every place looked in and how to supply the files.

    When a file was downloaded but failed its verification, it was found: the error is a
    CorruptFileError whose first line says so (the reasons, with both hashes, follow)."""
    if corrupt:
        head = (
            f"{dataset.name}: found and downloaded {', '.join(corrupt)}, but each download "
            "failed its checksum or checks (see below) and was discarded."
        )
    else:
        head = (
            f"{dataset.name}: could not find {len(missing)} of {len(dataset.files)} files "
            f"({', '.join(s.name for s in missing)}) locally, nor download "
            f"{'it' if len(missing) == 1 else 'them'}."
        )
    lines = [
        head,
        (
            "Looked for each, gzip-compressed or not, under any of its names "
            f"(e.g. {', '.join(missing[0].names)}), in order in:"
        ),
    ]
    lines += [f"  - {where}: {d} ({_state_of(d)})" for where, d in dirs]
    lines += [f"  - {where}: {d} (skipped: cannot be read: {why})" for where, d, why in skipped]
    if DATA_PATH_ENV not in os.environ:
        lines.append(f"  - {DATA_PATH_ENV}: not set")
    lines.append("Tried downloading:" if attempts else "Tried downloading: no mirrors configured")
    lines += [f"  - {url}: {reason}" for url, reason in attempts]
    lines += [
        "To supply the files (gzip-compressed or not), do one of:",
        "  - pass load_data(path=DIR) where DIR holds the files;",
        (
            f"  - put them in the cache directory {cache_dir(dataset.name)}"
            f" (set {HOME_ENV} to move it);"
        ),
        (
            f"  - set {DATA_PATH_ENV}=DIR (several separated by {os.pathsep!r}) where "
            f"DIR/{dataset.name}/ holds the files;"
        ),
    ]
    if dataset.debian_package:
        lines.append(
            f"  - install Debian's {dataset.debian_package} package "
            f"(apt install {dataset.debian_package}), which provides "
            f"{SYSTEM_DATA_DIRS[0] / dataset.name};"
        )
    lines.append("  - or connect to the internet so they can be downloaded.")
    return (CorruptFileError if corrupt else DatasetNotFoundError)("\n".join(lines))


def load_dataset(
    dataset: Dataset,
    path: str | os.PathLike[str] | None = None,
    timeout: float = DOWNLOAD_TIMEOUT_S,
) -> list[np.ndarray]:
    """Finds (or downloads), verifies and loads every file of a dataset.

    Args:
        dataset: what to load and where to download it from.
        path: a directory to look in first, holding the files.
        timeout: seconds to wait on a mirror before giving up on it.

    Returns:
        One writeable uint8 array per file, in the order of ``dataset.files``.

    Raises:
        CorruptFileError: if a file found or downloaded is truncated or wrong.
        DatasetNotFoundError: if some files are nowhere to be found or downloaded;
            the message lists every directory and URL tried.
    """
    skipped = _Skipped()
    dirs = _search_dirs(dataset.name, path, skipped)
    arrays: dict[str, np.ndarray] = {}
    missing: list[DataFile] = []
    for spec in dataset.files:
        for where, file in _candidates(spec, dirs, skipped):
            try:
                arrays[spec.name] = _verify(file, spec, str(file), _advice(where))
                break
            except _Unreadable as e:  # found but unreadable: try the next location
                skipped.add(where, file.parent, e.args[0])
        else:
            missing.append(spec)

    attempts: list[tuple[str, str]] = []
    unreachable: dict[str, str] = {}
    unresolved: list[DataFile] = []
    corrupt: list[str] = []
    for spec in missing:
        for mirror in dataset.mirrors:
            url = mirror + spec.name
            if mirror in unreachable:
                attempts.append((url, f"not tried: {unreachable[mirror]}"))
                continue
            try:
                arrays[spec.name] = _download(
                    url, cache_dir(dataset.name) / spec.name, spec, timeout
                )
                break
            except (OSError, HTTPException, ValueError) as e:  # ValueError: CorruptFileError too
                attempts.append((url, _reason(e, url)))
                if isinstance(e, CorruptFileError) and spec.name not in corrupt:
                    corrupt.append(spec.name)
                if _mirror_unreachable(e):
                    unreachable[mirror] = f"the mirror failed earlier ({_reason(e)})"
        else:
            unresolved.append(spec)
    if unresolved:
        bad = [name for name in corrupt if any(s.name == name for s in unresolved)]
        raise _not_found(dataset, unresolved, dirs, attempts, skipped, bad)
    return [arrays[spec.name] for spec in dataset.files]
