"""CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 pixels in 10 classes.

See :func:`load_data`.
"""

from __future__ import annotations

import os

import numpy as np

from tensorgrad.datasets.cifar import read_batches
from tensorgrad.datasets.files import WholeFile, fetch_file

__all__ = ["FILE", "MIRRORS", "NAME", "load_data"]

NAME = "cifar10"
MIRRORS: tuple[str, ...] = ("https://www.cs.toronto.edu/~kriz/",)
# The SHA-256 Keras verifies for this archive (keras/src/datasets/cifar10.py).
FILE = WholeFile(
    "cifar-10-python.tar.gz",
    "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    max_bytes=200 << 20,  # the archive is about 163 MiB
)
TRAIN = [f"cifar-10-batches-py/data_batch_{i}" for i in range(1, 6)]
TEST = ["cifar-10-batches-py/test_batch"]


def load_data(
    path: str | os.PathLike[str] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads CIFAR-10 as `keras.datasets.cifar10.load_data` does.

    The archive `cifar-10-python.tar.gz` is looked for in `path`, the cache and the data
    directories (as `datasets.mnist.load_data`), else downloaded, and always verified by
    its SHA-256 before use; batches are read without extracting or unpickling code.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: uint8 images (50000, 32, 32, 3) and
        (10000, 32, 32, 3), channels last; uint8 labels 0-9 of shapes (50000, 1) and
        (10000, 1). Classes: airplane, automobile, bird, cat, deer, dog, frog, horse,
        ship, truck.

    Raises:
        CorruptFileError, DatasetNotFoundError: as `datasets.mnist.load_data`.
    """
    archive = fetch_file(NAME, FILE, MIRRORS, path)
    return read_batches(archive, TRAIN), read_batches(archive, TEST)
