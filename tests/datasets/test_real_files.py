"""Tests on the real MNIST and Fashion-MNIST files kept in the shared data directory."""

from __future__ import annotations

import gzip
import hashlib
import tempfile
from pathlib import Path

import numpy as np
import pytest

from tensorgrad.datasets import cache, fashion_mnist, load_idx, mnist

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"

pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"no local copy of the datasets at {SHARED}"
)

MNIST_TRAIN_FIRST_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
MNIST_TEST_FIRST_LABELS = [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
FASHION_TRAIN_FIRST_LABELS = [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
FASHION_TEST_FIRST_LABELS = [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]


def _decompressed_sha256(path: Path) -> str:
    with gzip.open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


@pytest.fixture(scope="module")
def fashion():
    """Fashion-MNIST loaded once through TENSORGRAD_DATA_PATH, with nothing else to find."""
    with pytest.MonkeyPatch.context() as mp, tempfile.TemporaryDirectory() as home:
        mp.setenv(cache.HOME_ENV, home)
        mp.setenv(cache.DATA_PATH_ENV, str(SHARED))
        mp.setattr(cache, "SYSTEM_DATA_DIRS", ())
        mp.setattr(fashion_mnist, "MIRRORS", ())
        yield fashion_mnist.load_data()


def test_fashion_mnist_load_data_end_to_end(fashion):
    (x_train, y_train), (x_test, y_test) = fashion
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
        assert array.flags.writeable and array.flags.c_contiguous
    assert y_train[:10].tolist() == FASHION_TRAIN_FIRST_LABELS
    assert y_test[:10].tolist() == FASHION_TEST_FIRST_LABELS
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert x_train.max() == 255 and x_train.min() == 0


def test_fashion_mnist_checksums_match_the_shared_files():
    for spec in fashion_mnist.FILES:
        assert _decompressed_sha256(SHARED / "fashion-mnist" / spec.name) == spec.sha256


@pytest.mark.parametrize(
    "name", ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"]
)
def test_mnist_checksums_match_the_shared_files(name):
    spec = next(f for f in mnist.FILES if f.name == name)
    assert _decompressed_sha256(SHARED / "mnist" / name) == spec.sha256


def test_mnist_test_set_via_load_idx():
    images = load_idx(SHARED / "mnist" / "t10k-images-idx3-ubyte.gz")
    labels = load_idx(SHARED / "mnist" / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels[:10].tolist() == MNIST_TEST_FIRST_LABELS
    assert images.flags.writeable and labels.flags.writeable


def test_mnist_train_labels_via_load_idx():
    labels = load_idx(SHARED / "mnist" / "train-labels-idx1-ubyte.gz")
    assert labels.shape == (60000,)
    assert labels[:10].tolist() == MNIST_TRAIN_FIRST_LABELS


def test_mnist_without_training_images_names_only_that_file(isolated, monkeypatch):
    monkeypatch.setenv(cache.DATA_PATH_ENV, str(SHARED))
    with pytest.raises(cache.DatasetNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "could not find 1 of 4 files (train-images-idx3-ubyte.gz)" in message
    assert str(SHARED / "mnist") in message


def test_recompressed_copy_of_a_real_file_is_accepted(isolated, monkeypatch, tmp_path):
    # Debian re-compresses the files: the checksum is of the decompressed content.
    for spec in mnist.FILES[1:]:
        content = gzip.decompress((SHARED / "mnist" / spec.name).read_bytes())
        (tmp_path / spec.name).write_bytes(gzip.compress(content, compresslevel=1, mtime=0))
    big = mnist.FILES[0]
    tiny_images = cache.DataFile(big.name, (1, 28, 28), None, "images")
    (tmp_path / big.name).write_bytes(
        bytes([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28]) + bytes(784)
    )
    monkeypatch.setattr(mnist, "FILES", (tiny_images, *mnist.FILES[1:]))
    (_, y_train), (x_test, y_test) = mnist.load_data(path=tmp_path)
    assert y_train[:10].tolist() == MNIST_TRAIN_FIRST_LABELS
    assert y_test[:10].tolist() == MNIST_TEST_FIRST_LABELS
    assert x_test.shape == (10000, 28, 28)


def test_truncated_real_labels_file(isolated, tmp_path):
    content = gzip.decompress((SHARED / "mnist" / "t10k-labels-idx1-ubyte.gz").read_bytes())
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(content[:5000]))
    spec = next(f for f in mnist.FILES if f.name == path.name)
    with pytest.raises(cache.CorruptFileError) as info:
        cache.load_dataset(cache.Dataset("mnist", (spec,), ()), path=tmp_path)
    assert str(info.value) == (
        f"{path}: expected 10000 labels (10008 bytes), found 5000 bytes: the file is truncated; "
        "replace it with a good copy or remove it"
    )
