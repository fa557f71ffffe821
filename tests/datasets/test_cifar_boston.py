"""CIFAR-10, CIFAR-100 and Boston Housing on small generated files in the real formats:
tar.gz archives of pickled batch dicts (bytes keys, a uint8 (n, 3072) array, int lists)
and an .npz of x and y; found locally or "downloaded" from a file:// mirror, verified by
SHA-256, and refused when tampered with."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest

from tensorgrad.datasets import (
    CorruptFileError,
    DatasetNotFoundError,
    boston_housing,
    cache,
    cifar10,
    cifar100,
)
from tensorgrad.datasets.files import WholeFile


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(cache.HOME_ENV, str(tmp_path / "home"))
    monkeypatch.delenv(cache.DATA_PATH_ENV, raising=False)
    monkeypatch.setattr(cache, "SYSTEM_DATA_DIRS", ())
    for module in (cifar10, cifar100, boston_housing):
        monkeypatch.setattr(module, "MIRRORS", ())
    return tmp_path


def _batch(n: int, seed: int, keys: dict[str, list[int]]) -> bytes:
    rng = np.random.default_rng(seed)
    batch = {b"batch_label": b"batch", b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8)}
    batch.update({k.encode(): v for k, v in keys.items()})
    batch[b"filenames"] = [f"img_{i}.png".encode() for i in range(n)]
    return pickle.dumps(batch, protocol=2)  # protocol 2, as the published files


def _tar(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return path


def _use(monkeypatch: pytest.MonkeyPatch, module, path: Path) -> None:
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    monkeypatch.setattr(module, "FILE", WholeFile(module.FILE.name, sha))


def _cifar10(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    members = {
        f"cifar-10-batches-py/data_batch_{i}": _batch(4, i, {"labels": [i, 1, 2, 9]})
        for i in range(1, 6)
    }
    members["cifar-10-batches-py/test_batch"] = _batch(3, 9, {"labels": [3, 4, 5]})
    return _tar(folder / "cifar-10-python.tar.gz", members)


def test_cifar10_shapes_dtypes_and_pixel_layout(isolated, monkeypatch) -> None:
    archive = _cifar10(isolated / "given")
    _use(monkeypatch, cifar10, archive)
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(path=isolated / "given")
    assert x_train.shape == (20, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (20, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (3, 32, 32, 3) and y_test[:, 0].tolist() == [3, 4, 5]
    assert y_train[:4, 0].tolist() == [1, 1, 2, 9] and y_train[4, 0] == 2
    raw = np.random.default_rng(1).integers(0, 256, (4, 3072), dtype=np.uint8)
    # 1024 red values row by row, then green, then blue: channel c of pixel (r, k)
    assert x_train[0, 5, 7, 2] == raw[0, 2 * 1024 + 5 * 32 + 7]
    assert x_train[3, 31, 0, 0] == raw[3, 31 * 32]


def test_cifar100_fine_and_coarse(isolated, monkeypatch) -> None:
    folder = isolated / "given"
    folder.mkdir()
    labels = {"fine_labels": [99, 0, 42], "coarse_labels": [19, 0, 7]}
    archive = _tar(
        folder / "cifar-100-python.tar.gz",
        {
            "cifar-100-python/train": _batch(3, 0, labels),
            "cifar-100-python/test": _batch(3, 1, labels),
        },
    )
    _use(monkeypatch, cifar100, archive)
    (x, fine), _ = cifar100.load_data(path=folder)
    (_, coarse), (x_test, _) = cifar100.load_data("coarse", path=folder)
    assert x.shape == (3, 32, 32, 3) and x_test.dtype == np.uint8
    assert fine[:, 0].tolist() == [99, 0, 42] and coarse[:, 0].tolist() == [19, 0, 7]
    assert fine.shape == (3, 1) and fine.dtype == np.uint8
    with pytest.raises(ValueError, match="label_mode"):
        cifar100.load_data("medium", path=folder)


def test_download_from_a_mirror_into_the_cache_then_offline(isolated, monkeypatch) -> None:
    archive = _cifar10(isolated / "mirror")
    _use(monkeypatch, cifar10, archive)
    monkeypatch.setattr(cifar10, "MIRRORS", ((isolated / "mirror").as_uri() + "/",))
    (x_first, _), _ = cifar10.load_data()
    cached = cache.cache_dir("cifar10") / "cifar-10-python.tar.gz"
    assert cached.is_file()
    monkeypatch.setattr(cifar10, "MIRRORS", ())
    archive.unlink()
    (x_again, _), _ = cifar10.load_data()  # offline, from the cache
    np.testing.assert_array_equal(x_first, x_again)


def test_a_tampered_or_missing_archive_is_refused(isolated, monkeypatch) -> None:
    archive = _cifar10(isolated / "given")
    _use(monkeypatch, cifar10, archive)
    archive.write_bytes(archive.read_bytes()[:-10])
    with pytest.raises(CorruptFileError, match="SHA-256"):
        cifar10.load_data(path=isolated / "given")
    archive.unlink()
    with pytest.raises(DatasetNotFoundError, match="cifar-10-python.tar.gz"):
        cifar10.load_data(path=isolated / "given")


def test_a_pickle_that_calls_code_is_refused_even_with_a_matching_hash(
    isolated, monkeypatch
) -> None:
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo owned",))

    folder = isolated / "given"
    folder.mkdir()
    members = {f"cifar-10-batches-py/data_batch_{i}": pickle.dumps(Evil(), 2) for i in range(1, 6)}
    members["cifar-10-batches-py/test_batch"] = pickle.dumps(Evil(), 2)
    _use(monkeypatch, cifar10, _tar(folder / "cifar-10-python.tar.gz", members))
    with pytest.raises(
        CorruptFileError, match="refusing to load posix.system|refusing to load os.system"
    ):
        cifar10.load_data(path=folder)


def _boston(folder: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    folder.mkdir(parents=True, exist_ok=True)
    x = np.arange(506 * 13, dtype=np.float64).reshape(506, 13)
    y = np.arange(506, dtype=np.float64) / 10
    np.savez(folder / "boston_housing.npz", x=x, y=y)
    return folder / "boston_housing.npz", x, y


def test_boston_housing_split_as_keras(isolated, monkeypatch) -> None:
    path, x, y = _boston(isolated / "given")
    _use(monkeypatch, boston_housing, path)
    (x_train, y_train), (x_test, y_test) = boston_housing.load_data(path=isolated / "given")
    assert x_train.shape == (404, 13) and x_test.shape == (102, 13)
    assert x_train.dtype == np.float64 and y_train.shape == (404,)
    order = np.arange(506)
    np.random.RandomState(113).shuffle(order)  # Keras' shuffle before the split
    np.testing.assert_array_equal(x_train, x[order[:404]])
    np.testing.assert_array_equal(y_test, y[order[404:]])
    (x_small, _), (x_big, _) = boston_housing.load_data(
        path=isolated / "given", test_split=0.5, seed=1
    )
    assert len(x_small) == 253 and len(x_big) == 253
    with pytest.raises(ValueError, match="test_split"):
        boston_housing.load_data(path=isolated / "given", test_split=1.0)
