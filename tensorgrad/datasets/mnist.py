"""The MNIST dataset of handwritten digits, loaded as Keras loads it.

60,000 training and 10,000 test grayscale images of 28x28 pixels, each labelled
with its digit 0-9. See :func:`load_data`.
"""

from __future__ import annotations

import os

import numpy as np

from tensorgrad.datasets.cache import DataFile, Dataset, load_dataset

__all__ = ["FILES", "MIRRORS", "NAME", "load_data", "load_test_data"]

NAME = "mnist"

# Base URLs tried in order; a file's URL is the base followed by the file name.
MIRRORS: tuple[str, ...] = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)

# SHA-256 of the DECOMPRESSED files, so re-compressed copies verify too. The three
# smaller files were hashed from copies whose gzip MD5s match the published ones.
# The training images' hash is the one widely published for the uncompressed
# train-images-idx3-ubyte (47,040,016 bytes), listed next to the other three
# files' hashes, which agree with ours.
FILES: tuple[DataFile, ...] = (
    DataFile(
        "train-images-idx3-ubyte.gz",
        (60000, 28, 28),
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        "images",
    ),
    DataFile(
        "train-labels-idx1-ubyte.gz",
        (60000,),
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
        "labels",
    ),
    DataFile(
        "t10k-images-idx3-ubyte.gz",
        (10000, 28, 28),
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
        "images",
    ),
    DataFile(
        "t10k-labels-idx1-ubyte.gz",
        (10000,),
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        "labels",
    ),
)


def load_data(
    path: str | os.PathLike[str] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the MNIST dataset, as ``keras.datasets.mnist.load_data`` does.

    Each of the four files (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``, or the same names without ``.gz``) is taken
    from the first of these places that has it:

    1. the directory ``path``, if given;
    2. the cache directory ``$TENSORGRAD_HOME/datasets/mnist/``
       (``TENSORGRAD_HOME`` defaults to ``~/.tensorgrad``);
    3. ``DIR/mnist/`` for each ``DIR`` in ``TENSORGRAD_DATA_PATH``
       (separated by ``os.pathsep``);
    4. ``/usr/share/datasets/mnist/``, then ``/usr/local/share/datasets/mnist/``;
    5. otherwise it is downloaded from the mirrors in ``MIRRORS`` into the cache.

    Every file is verified (IDX header, length and SHA-256 of its decompressed
    content) before use.

    Args:
        path: a directory holding the files, looked in first.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: writeable uint8 arrays of
        shapes (60000, 28, 28), (60000,), (10000, 28, 28) and (10000,); pixels
        are 0-255 and labels 0-9.

    Raises:
        CorruptFileError: if a file is truncated, corrupt or not MNIST's.
        DatasetNotFoundError: if files are missing and cannot be downloaded;
            the message lists every place tried and how to supply the files.
    """
    dataset = Dataset(NAME, FILES, tuple(MIRRORS))
    x_train, y_train, x_test, y_test = load_dataset(dataset, path)
    return (x_train, y_train), (x_test, y_test)


def load_test_data(path: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Loads only the 10,000 test images and labels of MNIST, looked for and verified as in
    :func:`load_data`; useful when only the test files are at hand.

    Returns:
        ``(x_test, y_test)``: uint8 arrays of shapes (10000, 28, 28) and (10000,).
    """
    dataset = Dataset(NAME, FILES[2:], tuple(MIRRORS))
    x_test, y_test = load_dataset(dataset, path)
    return x_test, y_test
