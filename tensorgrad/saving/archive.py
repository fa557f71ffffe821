"""The archive format on disk: a zip of `config.json` and `.npy` members, read without trust.

Model saving (`tensorgrad.saving`) decides what goes into an archive; this module
decides how it is stored and how it is read back safely. Writing goes through
`atomic_write`, so a crash leaves the old file or the new one; members are stored
uncompressed with a fixed timestamp, so the same content gives the same bytes.

Reading never runs anything from the file: members are read in memory (nothing is
extracted); their names must be plain relative paths; `config.json` is bounded in size and
must name a known format and version; each `.npy` header is checked (plain numeric dtypes
only, the expected shape, a declared size that matches the header) before its data is read
with `allow_pickle=False`, and the zip CRC is verified. Any failure is a `SavingError`
naming the file and the problem.

>>> import tempfile, numpy as np
>>> with tempfile.TemporaryDirectory() as folder:
...     path = Path(folder) / "demo.weights.npz"
...     write_archive(path, header(WEIGHTS_FORMAT), {"w/0.npy": np.arange(3.0)})
...     with ArchiveReader(path, "demo") as archive:
...         config = archive.read_config(WEIGHTS_FORMAT)
...         archive.read_array("w/0.npy", (3,), "a demo array")
array([0., 1., 2.])
"""

from __future__ import annotations

import errno
import json
import math
import os
import re
import stat
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from tensorgrad.saving import safe_json
from tensorgrad.utils.atomic import atomic_write

FORMAT_VERSION = 1
"""The archive layout this version writes and reads."""

CONFIG_MEMBER = "config.json"
MAX_CONFIG_BYTES = 16 * 2**20  # far above any real config; bounds memory on hostile files
MAX_INFLATION = 16  # members may expand to this many times the file (it holds stored arrays)
MAX_INFLATED_BYTES = 16 * 2**20  # ...plus this much, for small files re-zipped with deflate
MODEL_FORMAT = "tensorgrad.model"
WEIGHTS_FORMAT = "tensorgrad.weights"

_SAFE_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # same bytes for the same model, whenever it is saved


def _special_kind(mode: int) -> str | None:
    """What a file that is not regular is ("a FIFO"...), or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return kind
    return "a special file"


class SavingError(ValueError):
    """A file that cannot be saved to or loaded safely; the message names the file and why."""


def header(fmt: str) -> dict[str, Any]:
    """The start of every `config.json`: format name, format version and library version."""
    from tensorgrad import __version__

    return {"format": fmt, "format_version": FORMAT_VERSION, "tensorgrad_version": __version__}


# ----- writing -----
def write_archive(
    path: Path,
    config: Mapping[str, Any],
    arrays: Mapping[str, np.ndarray],
    operation: str = "save",
) -> None:
    """Write `config.json` and each array as an `.npy` member, atomically (no compression:
    weights barely compress, and stored members keep sizes easy to check on reading).

    Raises:
        PermissionError: `path` is a file made read-only (as `open` refuses it in Keras and
            NumPy); make it writable or delete it first.
        SavingError: the file cannot be written (a full disk, a missing permission on the
            folder...): the message names the path and the cause, which is chained.
    """
    _check_replaceable(Path(path), operation)
    text = json.dumps(config, indent=1, allow_nan=False)
    try:
        with atomic_write(path, "wb") as f, zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr(_member_info(CONFIG_MEMBER), text.encode("utf-8"))
            for name, array in arrays.items():
                array = np.ascontiguousarray(array)
                with zf.open(_member_info(name), "w", force_zip64=array.nbytes > 2**30) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
    except OSError as e:
        code = errno.errorcode.get(e.errno, "") if e.errno else ""
        cause = f"{e.strerror or e}" + (f" [{code}]" if code else "")
        where = f" ({e.filename})" if e.filename and str(e.filename) != str(path) else ""
        raise SavingError(
            f"{operation}: cannot write {str(path)!r}: {cause}{where}; nothing was replaced"
        ) from e


def _check_replaceable(path: Path, operation: str) -> None:
    """Refuse to replace a file its owner made read-only (a rename would get past the mode)."""
    try:
        info = path.stat()
    except OSError:
        return  # nothing there yet (or unreachable: writing will say why)
    if stat.S_ISREG(info.st_mode) and (not info.st_mode & 0o222 or not os.access(path, os.W_OK)):
        raise PermissionError(
            errno.EACCES,
            f"{operation}: {str(path)!r} is read-only (mode {stat.filemode(info.st_mode)}); "
            "make it writable (chmod u+w) or delete it to save over it",
            str(path),
        )


def _member_info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
    info.external_attr = 0o644 << 16
    return info


# ----- reading -----
class ArchiveReader:
    """Read members of a tensorgrad archive in memory, checking each before trusting it.

    On opening, every member name must be a plain relative path (no `..`, no absolute or
    drive paths, no backslashes), unique, unencrypted and stored or deflated.
    """

    def __init__(self, path: Path, operation: str) -> None:
        self.path = Path(path)
        self.operation = operation
        self._file = self._open_regular()
        try:
            self._zip = zipfile.ZipFile(self._file)
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as e:
            self._file.close()
            raise self.error(
                f"is not a readable zip archive ({e}); the file may be truncated or not "
                "a tensorgrad file"
            ) from None
        except BaseException:
            self._file.close()
            raise
        try:
            self._members = self._check_members()
        except BaseException:
            self.__exit__()
            raise

    def _open_regular(self) -> Any:
        """The file, opened only if it is a regular file: a FIFO would block the open until
        a writer comes, and a device such as /dev/zero never ends."""
        kind = _special_kind(os.stat(self.path).st_mode)  # FileNotFoundError stays as is
        if kind is None:
            flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
            fd = os.open(self.path, flags | getattr(os, "O_BINARY", 0))
            kind = _special_kind(os.fstat(fd).st_mode)  # what was opened, if it changed since
            if kind is None:
                return os.fdopen(fd, "rb")
            os.close(fd)
        raise self.error(f"is not a regular file but {kind}; give the path of a saved file")

    def _check_members(self) -> dict[str, zipfile.ZipInfo]:
        members: dict[str, zipfile.ZipInfo] = {}
        archive_size = os.fstat(self._file.fileno()).st_size
        inflated = 0
        for info in self._zip.infolist():
            name = info.filename
            parts = name.split("/")
            if not all(_SAFE_PART.fullmatch(p) and p not in (".", "..") for p in parts):
                raise self.error(
                    f"member {name!r} has an unsafe path; members must be relative paths "
                    "inside the archive made of letters, digits, '_', '-' and '.'"
                )
            if name in members:
                raise self.error(f"member {name!r} appears twice")
            if info.flag_bits & 0x41:  # traditional or strong encryption
                raise self.error(f"member {name!r} is encrypted")
            if info.flag_bits & 0x20:
                raise self.error(f"member {name!r} uses unsupported zip features (patched data)")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise self.error(f"member {name!r} uses an unsupported compression method")
            if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
                raise self.error(
                    f"member {name!r} is stored uncompressed but declares {info.file_size} "
                    f"bytes in {info.compress_size}; the file is damaged"
                )
            if info.compress_size > archive_size:
                raise self.error(
                    f"member {name!r} declares {info.compress_size} bytes in a file of "
                    f"{archive_size}; the file is truncated or damaged"
                )
            inflated += info.file_size - info.compress_size
            members[name] = info
        if inflated > MAX_INFLATION * archive_size + MAX_INFLATED_BYTES:
            raise self.error(
                f"has members that would expand from {archive_size} bytes to "
                f"{archive_size + inflated}, more than {MAX_INFLATION} times the file; "
                "tensorgrad stores arrays uncompressed, so this is not a saved model"
            )
        return members

    def member_size(self, name: str) -> int | None:
        """The uncompressed size `name` declares, or None if there is no such member."""
        info = self._members.get(name)
        return None if info is None else info.file_size

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._zip.close()
        finally:
            self._file.close()

    def error(self, problem: str) -> SavingError:
        return SavingError(f"{self.operation}: {str(self.path)!r} {problem}")

    def guard(self, what: str, build: Any) -> Any:
        """Run `build()`, turning errors from data in the file into a SavingError."""
        try:
            return build()
        except SavingError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, MemoryError) as e:
            raise self.error(f"has an invalid {what}: {e}") from e

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self._members.get(name)
        if info is None:
            raise self.error(f"is missing the member {name!r}; the file is incomplete")
        return info

    def read_config(self, *formats: str) -> dict[str, Any]:
        """Parse `config.json`, checking the format name and version."""
        info = self._info(CONFIG_MEMBER)
        if info.file_size > MAX_CONFIG_BYTES:
            raise self.error(
                f"has a {info.file_size}-byte {CONFIG_MEMBER}; at most {MAX_CONFIG_BYTES} "
                "bytes are accepted"
            )
        try:
            with self._zip.open(info) as f:
                raw = f.read(MAX_CONFIG_BYTES + 1)
        except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as e:
            raise self.error(f"is damaged: {CONFIG_MEMBER} cannot be read ({e})") from None
        if len(raw) > MAX_CONFIG_BYTES:
            raise self.error(
                f"has a {CONFIG_MEMBER} of more than {MAX_CONFIG_BYTES} bytes; at most "
                f"{MAX_CONFIG_BYTES} are accepted"
            )
        try:
            config = safe_json.loads(raw)
        except safe_json.JsonLimitError as e:
            raise self.error(f"has a {CONFIG_MEMBER} that {e}") from None
        del raw
        if not isinstance(config, dict):
            raise self.error(f"has a {CONFIG_MEMBER} that is not a JSON object")
        found = config.get("format")
        if found not in formats:
            if found in (MODEL_FORMAT, WEIGHTS_FORMAT):
                hint = (
                    "; it holds weights only: use model.load_weights"
                    if found == WEIGHTS_FORMAT
                    else ""
                )
                raise self.error(f"is a {found!r} file, expected {' or '.join(formats)}{hint}")
            raise self.error(f"is not a tensorgrad archive (format {found!r})")
        version = config.get("format_version")
        if version != FORMAT_VERSION or isinstance(version, bool):
            from tensorgrad import __version__

            newer = isinstance(version, int) and version > FORMAT_VERSION
            raise self.error(
                f"has format version {version!r}, but tensorgrad {__version__} reads version "
                f"{FORMAT_VERSION}" + ("; it was written by a newer tensorgrad" if newer else "")
            )
        return config

    def read_array(
        self, name: Any, expected_shape: tuple[int, ...] | None, what: str
    ) -> np.ndarray:
        """Read the `.npy` member `name` after checking its dtype, shape and size.

        Raises:
            SavingError: a missing member, a dtype that is not a plain number (object arrays
                would need pickle), a shape other than `expected_shape`, or a declared size
                that disagrees with the array header (a truncated file or a zip bomb).
        """
        if not isinstance(name, str):
            raise self.error(f"names the array of {what} as {name!r}, not a member path")
        info = self._info(name)
        try:
            with self._zip.open(info) as f:
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, _, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, _, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    raise ValueError(f"unsupported .npy version {version}")
                header_bytes = f.tell()
                if dtype.hasobject or dtype.kind not in "biuf" or dtype.fields is not None:
                    raise self.error(
                        f"holds {what} in {name!r} as an array of dtype {dtype}; only plain "
                        "numbers are accepted (object arrays would need pickle)"
                    )
                if expected_shape is not None and tuple(shape) != tuple(expected_shape):
                    raise self.error(
                        f"holds {what} of shape {tuple(shape)} in {name!r}, expected shape "
                        f"{tuple(expected_shape)}"
                    )
                data_bytes = math.prod(shape) * dtype.itemsize
                if info.file_size != header_bytes + data_bytes:
                    raise self.error(
                        f"member {name!r} declares {info.file_size} bytes but its header "
                        f"describes {header_bytes + data_bytes}; the file is damaged"
                    )
                f.seek(0)
                array = np.lib.format.read_array(f, allow_pickle=False)
                f.read(1)  # reach the end, so that zipfile checks the CRC
        except SavingError:
            raise
        except (
            ValueError,
            zipfile.BadZipFile,
            EOFError,
            OSError,
            NotImplementedError,
            RuntimeError,
        ) as e:
            raise self.error(f"has a damaged array {name!r} ({what}): {e}") from None
        return array
