"""Fixtures for the dataset tests: tiny IDX files and an environment isolated from the machine."""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tensorgrad.datasets import cache, fashion_mnist, mnist

IDX_CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}


def _idx_bytes(array: np.ndarray) -> bytes:
    """Encodes an array as IDX: magic, big-endian dims, big-endian data."""
    array = np.asarray(array)
    header = bytes([0, 0, IDX_CODES[array.dtype.name], array.ndim])
    dims = b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + dims + array.astype(array.dtype.newbyteorder(">")).tobytes()


def _write(path: Path, content: bytes, gz: bool = True, level: int = 9) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(content, compresslevel=level, mtime=0) if gz else content)
    return path


@pytest.fixture
def idx_bytes() -> Callable[[np.ndarray], bytes]:
    """Returns a function encoding an array as IDX content."""
    return _idx_bytes


@pytest.fixture
def write_file() -> Callable[..., Path]:
    """Returns ``write(path, content, gz=True, level=9)``, gzip-compressing unless told not to."""
    return _write


TINY_SHAPES = {
    "train-images-idx3-ubyte.gz": ((6, 2, 3), "images"),
    "train-labels-idx1-ubyte.gz": ((6,), "labels"),
    "t10k-images-idx3-ubyte.gz": ((2, 2, 3), "images"),
    "t10k-labels-idx1-ubyte.gz": ((2,), "labels"),
}


def tiny_content(name: str, variant: int = 0) -> bytes:
    """IDX content of a tiny stand-in for ``name``; each variant holds different values."""
    shape, _ = TINY_SHAPES[name]
    values = (np.arange(int(np.prod(shape))) + 7 * variant) % 256
    return _idx_bytes(values.astype(np.uint8).reshape(shape))


@pytest.fixture
def tiny() -> SimpleNamespace:
    """A tiny four-file dataset in the MNIST layout.

    ``files`` verifies by SHA-256 (variant 0 only); ``any_files`` by structure
    only, so that the variant found tells which place a file came from.
    """
    files = tuple(
        cache.DataFile(name, shape, hashlib.sha256(tiny_content(name)).hexdigest(), noun)
        for name, (shape, noun) in TINY_SHAPES.items()
    )
    any_files = tuple(cache.DataFile(f.name, f.shape, None, f.noun) for f in files)
    return SimpleNamespace(
        files=files, any_files=any_files, names=list(TINY_SHAPES), content=tiny_content
    )


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """Points every lookup place into ``tmp_path`` and disables downloads.

    ``TENSORGRAD_HOME`` is ``tmp_path/home``, ``TENSORGRAD_DATA_PATH`` is unset,
    the system data directories are ``tmp_path/usr-share`` and
    ``tmp_path/usr-local-share``, and both datasets have no mirrors.
    """
    home = tmp_path / "home"
    monkeypatch.setenv(cache.HOME_ENV, str(home))
    monkeypatch.delenv(cache.DATA_PATH_ENV, raising=False)
    system = (tmp_path / "usr-share", tmp_path / "usr-local-share")
    monkeypatch.setattr(cache, "SYSTEM_DATA_DIRS", system)
    monkeypatch.setattr(mnist, "MIRRORS", ())
    monkeypatch.setattr(fashion_mnist, "MIRRORS", ())
    return SimpleNamespace(tmp=tmp_path, home=home, system=system)
