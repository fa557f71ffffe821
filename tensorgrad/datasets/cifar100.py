"""CIFAR-100: 50,000 training and 10,000 test 32x32 colour images in 100 classes (20
coarse superclasses). See :func:`load_data`.
"""

from __future__ import annotations

import os

import numpy as np

from tensorgrad.datasets.cifar import read_batches
from tensorgrad.datasets.files import WholeFile, fetch_file

__all__ = ["FILE", "MIRRORS", "NAME", "load_data"]

NAME = "cifar100"
MIRRORS: tuple[str, ...] = ("https://www.cs.toronto.edu/~kriz/",)
# The SHA-256 Keras verifies for this archive (keras/src/datasets/cifar100.py).
FILE = WholeFile(
    "cifar-100-python.tar.gz",
    "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7",
    max_bytes=200 << 20,  # the archive is about 161 MiB
)


def load_data(
    label_mode: str = "fine", path: str | os.PathLike[str] | None = None
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-100 as `keras.datasets.cifar100.load_data` does.

    Args:
        label_mode: "fine" (100 classes) or "coarse" (20 superclasses).
        path: a directory holding `cifar-100-python.tar.gz`, looked in first.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (50000, 32, 32, 3) and
        (10000, 32, 32, 3); uint8 labels (50000, 1) and (10000, 1).

    Raises:
        ValueError: label_mode is neither "fine" nor "coarse".
        CorruptFileError, DatasetNotFoundError: as `datasets.mnist.load_data`.
    """
    if label_mode not in ("fine", "coarse"):
        raise ValueError(
            f'cifar100.load_data: label_mode must be "fine" or "coarse", got {label_mode!r}'
        )
    archive = fetch_file(NAME, FILE, MIRRORS, path)
    key = f"{label_mode}_labels"
    return (
        read_batches(archive, ["cifar-100-python/train"], key),
        read_batches(archive, ["cifar-100-python/test"], key),
    )
