"""The Fashion-MNIST dataset of clothing images, loaded as Keras loads it.

60,000 training and 10,000 test grayscale images of 28x28 pixels in 10 classes:
0 T-shirt/top, 1 trouser, 2 pullover, 3 dress, 4 coat, 5 sandal, 6 shirt,
7 sneaker, 8 bag, 9 ankle boot. See :func:`load_data`.
"""

from __future__ import annotations

import os

import numpy as np

from tensorgrad.datasets.cache import DataFile, Dataset, load_dataset

__all__ = ["CLASS_NAMES", "FILES", "MIRRORS", "NAME", "load_data", "load_test_data"]

NAME = "fashion-mnist"  # the directory name Debian's dataset-fashion-mnist uses
DEBIAN_PACKAGE = "dataset-fashion-mnist"

CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# Base URLs tried in order; a file's URL is the base followed by the file name.
MIRRORS: tuple[str, ...] = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)

# SHA-256 of the DECOMPRESSED files, so re-compressed copies verify too.
FILES: tuple[DataFile, ...] = (
    DataFile(
        "train-images-idx3-ubyte.gz",
        (60000, 28, 28),
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        "images",
    ),
    DataFile(
        "train-labels-idx1-ubyte.gz",
        (60000,),
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        "labels",
    ),
    DataFile(
        "t10k-images-idx3-ubyte.gz",
        (10000, 28, 28),
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        "images",
    ),
    DataFile(
        "t10k-labels-idx1-ubyte.gz",
        (10000,),
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        "labels",
    ),
)


def load_data(
    path: str | os.PathLike[str] | None = None,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Fashion-MNIST dataset, as ``keras.datasets.fashion_mnist.load_data`` does.

    Each of the four files (``train-images-idx3-ubyte.gz``,
    ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
    ``t10k-labels-idx1-ubyte.gz``, or the same names without ``.gz``) is taken
    from the first of these places that has it:

    1. the directory ``path``, if given;
    2. the cache directory ``$TENSORGRAD_HOME/datasets/fashion-mnist/``
       (``TENSORGRAD_HOME`` defaults to ``~/.tensorgrad``);
    3. ``DIR/fashion-mnist/`` for each ``DIR`` in ``TENSORGRAD_DATA_PATH``
       (separated by ``os.pathsep``);
    4. ``/usr/share/datasets/fashion-mnist/`` (installed by Debian's
       ``dataset-fashion-mnist`` package), then
       ``/usr/local/share/datasets/fashion-mnist/``;
    5. otherwise it is downloaded from the mirrors in ``MIRRORS`` into the cache.

    Every file is verified (IDX header, length and SHA-256 of its decompressed
    content) before use.

    Args:
        path: a directory holding the files, looked in first.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: writeable uint8 arrays of
        shapes (60000, 28, 28), (60000,), (10000, 28, 28) and (10000,); pixels
        are 0-255 and labels 0-9 (see ``CLASS_NAMES``).

    Raises:
        CorruptFileError: if a file is truncated, corrupt or not Fashion-MNIST's.
        DatasetNotFoundError: if files are missing and cannot be downloaded;
            the message lists every place tried and how to supply the files.
    """
    dataset = Dataset(NAME, FILES, tuple(MIRRORS), DEBIAN_PACKAGE)
    x_train, y_train, x_test, y_test = load_dataset(dataset, path)
    return (x_train, y_train), (x_test, y_test)


def load_test_data(path: str | os.PathLike[str] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Loads only the 10,000 test images and labels of Fashion-MNIST, looked for and verified as in
    :func:`load_data`; useful when only the test files are at hand.

    Returns:
        ``(x_test, y_test)``: uint8 arrays of shapes (10000, 28, 28) and (10000,).
    """
    dataset = Dataset(NAME, FILES[2:], tuple(MIRRORS), DEBIAN_PACKAGE)
    x_test, y_test = load_dataset(dataset, path)
    return x_test, y_test
