"""Whole-file datasets (archives, .npz): found locally or downloaded, verified by SHA-256.

The same places as the IDX datasets are searched, in the same order (see
`datasets.cache`): `path=`, the cache `$TENSORGRAD_HOME/datasets/<name>/`,
`$TENSORGRAD_DATA_PATH`, the system data directories; then the mirrors, into the cache,
through a temporary file that is verified before it is renamed into place. The SHA-256 is
of the file as published (here the compressed archive itself), so a file that does not
match is never used, and a failed download leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path

from tensorgrad.datasets import cache

__all__ = ["WholeFile", "fetch_file"]


@dataclass(frozen=True)
class WholeFile:
    """A dataset file checked as a whole: its name, the digest of its bytes (SHA-256 unless
    the publisher gives only another, such as Keras' MD5 of the word indexes), and the most
    bytes a download may bring (a mirror sending more is cut off: not the file)."""

    name: str
    digest: str
    algorithm: str = "sha256"
    max_bytes: int = 1 << 30

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)


def _digest(path: Path, algorithm: str) -> str:
    digest = hashlib.new(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _verify(path: Path, spec: WholeFile, source: str, advice: str) -> None:
    try:
        found = _digest(path, spec.algorithm)
    except OSError as error:
        raise cache.CorruptFileError(f"{source}: cannot be read ({error}); {advice}") from None
    if found != spec.digest:
        raise cache.CorruptFileError(
            f"{source}: expected {spec.algorithm.upper().replace('SHA', 'SHA-')} {spec.digest}, "
            f"found {found}: the file is truncated, corrupt or not the expected dataset; {advice}"
        )


def _download(url: str, dest: Path, spec: WholeFile, timeout: float) -> None:
    cache.download_verified(
        url,
        dest,
        spec.max_bytes,
        lambda tmp: _verify(tmp, spec, url, "the download was discarded"),
        timeout,
    )


def fetch_file(
    name: str,
    spec: WholeFile,
    mirrors: tuple[str, ...],
    path: str | os.PathLike[str] | None = None,
    timeout: float = cache.DOWNLOAD_TIMEOUT_S,
) -> Path:
    """The verified local path of `spec` for the dataset `name`, downloading if needed.

    `path` may be a directory holding the file or the file itself (Keras' `path=` names a
    file).

    Raises:
        CorruptFileError: the file found or downloaded does not have the expected SHA-256.
        DatasetNotFoundError: nowhere to be found nor downloaded; lists every place tried.
    """
    if path is not None and Path(path).is_file():
        _verify(Path(path), spec, str(path), "replace it with a good copy")
        return Path(path)
    skipped = cache._Skipped()
    dirs = cache._search_dirs(name, path, skipped)
    for where, candidate in cache._candidates(spec, dirs, skipped):  # type: ignore[arg-type]
        _verify(candidate, spec, str(candidate), cache._advice(where))
        return candidate
    attempts: list[tuple[str, str]] = []
    corrupt: list[str] = []
    dest = cache.cache_dir(name) / spec.name
    for mirror in mirrors:
        url = mirror + spec.name
        try:
            _download(url, dest, spec, timeout)
            return dest
        except (OSError, HTTPException, ValueError) as error:  # ValueError: CorruptFileError
            attempts.append((url, cache._reason(error, url)))
            if isinstance(error, cache.CorruptFileError) and not corrupt:
                corrupt.append(spec.name)
    dataset = cache.Dataset(name, (spec,), mirrors)  # type: ignore[arg-type]
    raise cache._not_found(dataset, [spec], dirs, attempts, skipped, corrupt)  # type: ignore[list-item]
