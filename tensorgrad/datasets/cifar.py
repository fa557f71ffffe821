"""Reading the CIFAR archives (`cifar-10-python.tar.gz`, `cifar-100-python.tar.gz`).

Each archive holds pickled batches: dicts with b"data", a uint8 array (n, 3072) of n
32x32 colour images stored channel by channel (1024 red, 1024 green, 1024 blue values,
row by row), and labels as a list of ints (b"labels"; CIFAR-100: b"fine_labels" and
b"coarse_labels"). Members are read straight from the archive (nothing is extracted)
and unpickled by `datasets.safe_pickle`, which refuses anything but those types.
"""

from __future__ import annotations

import pickle
import tarfile
from pathlib import Path

import numpy as np

from tensorgrad.datasets import safe_pickle
from tensorgrad.datasets.cache import CorruptFileError

__all__ = ["read_batches"]


def _batch(archive: tarfile.TarFile, member: str, label_key: str, source: Path):
    try:
        handle = archive.extractfile(member)
    except KeyError:
        handle = None
    if handle is None:
        raise CorruptFileError(f"{source}: the archive has no member {member!r}")
    try:
        batch = safe_pickle.load(handle)
    except (pickle.UnpicklingError, EOFError, ValueError) as error:
        raise CorruptFileError(f"{source}: {member} is not a CIFAR batch ({error})") from None
    if not isinstance(batch, dict):
        raise CorruptFileError(f"{source}: {member} is not a CIFAR batch (not a dict)")
    batch = {k.decode("utf8") if isinstance(k, bytes) else k: v for k, v in batch.items()}
    data, labels = batch.get("data"), batch.get(label_key)
    if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 3072:
        got = getattr(data, "shape", type(data).__name__)
        raise CorruptFileError(f"{source}: {member}: expected data of shape (n, 3072), got {got}")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(data),):
        raise CorruptFileError(
            f"{source}: {member}: {len(data)} images but labels of shape {labels.shape}"
        )
    return data.astype(np.uint8, copy=False).reshape(-1, 3, 32, 32), labels.astype(np.uint8)


def read_batches(
    path: Path, members: list[str], label_key: str = "labels"
) -> tuple[np.ndarray, np.ndarray]:
    """Images (n, 32, 32, 3) uint8, channels last, and labels (n, 1) uint8 of `members`."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            parts = [_batch(archive, m, label_key, path) for m in members]
    except (tarfile.TarError, OSError, EOFError) as error:
        raise CorruptFileError(f"{path}: not a readable .tar.gz archive ({error})") from None
    images = np.concatenate([p[0] for p in parts]).transpose(0, 2, 3, 1)
    labels = np.concatenate([p[1] for p in parts]).reshape(-1, 1)
    return np.ascontiguousarray(images), labels
