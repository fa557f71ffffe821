"""Boston Housing: 506 samples of 13 features of Boston suburbs in the 1970s, with the median
home price (in $1000s) as target. See :func:`load_data`.
"""

from __future__ import annotations

import os
import zipfile

import numpy as np

from tensorgrad.datasets.cache import CorruptFileError
from tensorgrad.datasets.files import WholeFile, fetch_file

__all__ = ["FILE", "MIRRORS", "NAME", "load_data"]

NAME = "boston_housing"
MIRRORS: tuple[str, ...] = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",)
# The SHA-256 Keras verifies for this file (keras/src/datasets/boston_housing.py).
FILE = WholeFile(
    "boston_housing.npz",
    "f553886a1f8d56431e820c5b82552d9d95cfcb96d1e678153f8839538947dff5",
    max_bytes=1 << 20,  # the file is about 56 KiB
)


def load_data(
    path: str | os.PathLike[str] | None = None, test_split: float = 0.2, seed: int = 113
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads Boston Housing as `keras.datasets.boston_housing.load_data` does.

    The samples are shuffled by `np.random.RandomState(seed)` and the first
    `int(n * (1 - test_split))` are the training set, the rest the test set (Keras'
    split: 404 and 102 with the defaults).

    Args:
        path: a directory holding `boston_housing.npz`, looked in first.
        test_split: the fraction held out for testing, in [0, 1).
        seed: the seed of the shuffle before splitting.

    Returns:
        `(x_train, y_train), (x_test, y_test)`: float64 arrays (404, 13), (404,),
        (102, 13), (102,) with the defaults.

    Raises:
        ValueError: test_split outside [0, 1).
        CorruptFileError, DatasetNotFoundError: as `datasets.mnist.load_data`.
    """
    if not 0 <= test_split < 1:
        raise ValueError(
            f"boston_housing.load_data: test_split must be in [0, 1), got {test_split}"
        )
    file = fetch_file(NAME, FILE, MIRRORS, path)
    try:
        with np.load(file, allow_pickle=False) as f:
            x, y = f["x"], f["y"]
    except (KeyError, ValueError, OSError, zipfile.BadZipFile) as error:
        raise CorruptFileError(f"{file}: not the Boston Housing .npz ({error})") from None
    indices = np.arange(len(x))
    np.random.RandomState(seed).shuffle(indices)
    x, y = x[indices], y[indices]
    split = int(len(x) * (1 - test_split))
    return (np.array(x[:split]), np.array(y[:split])), (np.array(x[split:]), np.array(y[split:]))
