"""Tests of the lookup order, verification and download of dataset files, on tiny files."""

from __future__ import annotations

import hashlib
import io
import os
import socket
import urllib.error
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from tensorgrad.datasets import cache, fashion_mnist, mnist
from tensorgrad.datasets.cache import (
    CorruptFileError,
    DataFile,
    Dataset,
    DatasetError,
    DatasetNotFoundError,
)

ORDER = ["path", "cache", "data_path", "system"]


def _variant_of(array: np.ndarray, tiny, name: str) -> int:
    """Which tiny variant an array is (they differ by a shift of 7)."""
    for variant in range(4):
        content = tiny.content(name, variant)
        header = len(content) - array.size
        if np.array_equal(np.frombuffer(content, np.uint8, offset=header), array.ravel()):
            return variant
    raise AssertionError("unknown content")


def _place(isolated, kind: str) -> Path:
    """The directory holding the files for ``kind``, one of ORDER."""
    return {
        "path": isolated.tmp / "given",
        "cache": isolated.home / "datasets" / "mnist",
        "data_path": isolated.tmp / "shared" / "mnist",
        "system": isolated.system[0] / "mnist",
    }[kind]


def _load(tiny, monkeypatch, files=None, path=None):
    monkeypatch.setattr(mnist, "FILES", files if files is not None else tiny.files)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=path)
    return [x_train, y_train, x_test, y_test]


@pytest.mark.parametrize("first", range(len(ORDER)))
def test_lookup_order(isolated, tiny, write_file, monkeypatch, first):
    # Every place from `first` on holds every file, each place a different variant.
    for variant, kind in enumerate(ORDER):
        if variant >= first:
            for name in tiny.names:
                write_file(_place(isolated, kind) / name, tiny.content(name, variant))
    monkeypatch.setenv(cache.DATA_PATH_ENV, str(isolated.tmp / "shared"))
    arrays = _load(tiny, monkeypatch, files=tiny.any_files, path=isolated.tmp / "given")
    assert [_variant_of(a, tiny, n) for a, n in zip(arrays, tiny.names)] == [first] * 4


def test_each_file_from_the_first_place_that_has_it(isolated, tiny, write_file, monkeypatch):
    homes = ["path", "cache", "data_path", "system"]
    for variant, (kind, name) in enumerate(zip(homes, tiny.names)):
        write_file(_place(isolated, kind) / name, tiny.content(name, variant))
        for later in homes[variant + 1 :]:  # lower-priority copies are ignored
            write_file(_place(isolated, later) / name, tiny.content(name, 3))
    monkeypatch.setenv(cache.DATA_PATH_ENV, str(isolated.tmp / "shared"))
    arrays = _load(tiny, monkeypatch, files=tiny.any_files, path=isolated.tmp / "given")
    assert [_variant_of(a, tiny, n) for a, n in zip(arrays, tiny.names)] == [0, 1, 2, 3]


def test_returns_writeable_uint8_in_keras_order(isolated, tiny, write_file, monkeypatch):
    for name in tiny.names:
        write_file(isolated.tmp / "given" / name, tiny.content(name))
    arrays = _load(tiny, monkeypatch, path=str(isolated.tmp / "given"))
    assert [a.shape for a in arrays] == [(6, 2, 3), (6,), (2, 2, 3), (2,)]
    assert all(a.dtype == np.uint8 and a.flags.writeable for a in arrays)


def test_data_path_lists_several_dirs_relative_ones_too(isolated, tiny, write_file, monkeypatch):
    for name in tiny.names[:2]:
        write_file(isolated.tmp / "b" / "mnist" / name, tiny.content(name))
    for name in tiny.names[2:]:
        write_file(isolated.tmp / "c" / "mnist" / name, tiny.content(name))
    monkeypatch.chdir(isolated.tmp / "b")
    value = os.pathsep.join(["", str(isolated.tmp / "a"), ".", "", "../c"])
    monkeypatch.setenv(cache.DATA_PATH_ENV, value)
    assert len(_load(tiny, monkeypatch)) == 4


@pytest.mark.parametrize("suffix", ["uncompressed", "lecun"])
def test_accepts_uncompressed_names(isolated, tiny, write_file, monkeypatch, suffix):
    for name in tiny.names:
        raw = name.removesuffix(".gz")
        if suffix == "lecun":  # train-images.idx3-ubyte
            raw = raw.replace("-idx", ".idx")
        write_file(isolated.system[1] / "mnist" / raw, tiny.content(name), gz=False)
    assert len(_load(tiny, monkeypatch)) == 4


def test_recompressed_copy_passes_checksum(isolated, tiny, write_file, monkeypatch):
    for name in tiny.names:
        write_file(isolated.tmp / "given" / name, tiny.content(name), level=1)
    assert len(_load(tiny, monkeypatch, path=isolated.tmp / "given")) == 4


def test_default_home(monkeypatch, tmp_path):
    monkeypatch.delenv(cache.HOME_ENV, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert (
        cache.cache_dir("fashion-mnist") == tmp_path / ".tensorgrad" / "datasets" / "fashion-mnist"
    )


# Verification of local files ---------------------------------------------------------


def test_wrong_checksum_names_file_expected_and_found(isolated, tiny, write_file, monkeypatch):
    for name in tiny.names:
        write_file(isolated.tmp / "given" / name, tiny.content(name))
    bad = write_file(isolated.tmp / "given" / tiny.names[1], tiny.content(tiny.names[1], 1))
    with pytest.raises(CorruptFileError) as info:
        _load(tiny, monkeypatch, path=isolated.tmp / "given")
    message = str(info.value)
    assert str(bad) in message
    assert f"expected decompressed SHA-256 {tiny.files[1].sha256}" in message
    assert hashlib.sha256(tiny.content(tiny.names[1], 1)).hexdigest() in message


def test_truncated_file_in_cache_raises_and_is_not_skipped(isolated, tiny, write_file, monkeypatch):
    name = "t10k-labels-idx1-ubyte.gz"
    for n in tiny.names:  # a good copy further down the list must not be used instead
        write_file(isolated.system[0] / "mnist" / n, tiny.content(n))
    bad = write_file(isolated.home / "datasets" / "mnist" / name, tiny.content(name)[:9])
    with pytest.raises(CorruptFileError) as info:
        _load(tiny, monkeypatch)
    assert str(info.value) == (
        f"{bad}: expected 2 labels (10 bytes), found 9 bytes: the file is truncated; "
        "delete it and load again"
    )
    assert isinstance(info.value, DatasetError) and isinstance(info.value, ValueError)


def test_truncated_gzip_stream_says_what_was_expected(isolated, tiny, write_file, monkeypatch):
    name = "train-images-idx3-ubyte.gz"
    path = write_file(isolated.tmp / "given" / name, tiny.content(name))
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(CorruptFileError, match=r"expected 6 images of 2x3 \(52 bytes\).*truncated"):
        _load(tiny, monkeypatch, path=isolated.tmp / "given")


def test_wrong_file_under_a_standard_name(isolated, tiny, write_file, monkeypatch):
    # The labels file saved under the images name.
    write_file(
        isolated.tmp / "given" / "t10k-images-idx3-ubyte.gz",
        tiny.content("t10k-labels-idx1-ubyte.gz"),
    )
    with pytest.raises(CorruptFileError, match="expected IDX magic number 0x00000803"):
        _load(tiny, monkeypatch, path=isolated.tmp / "given")


def test_bad_magic(isolated, tiny, write_file, monkeypatch):
    write_file(isolated.tmp / "given" / "t10k-images-idx3-ubyte.gz", b"<html>not found</html>")
    with pytest.raises(CorruptFileError, match="not an IDX file"):
        _load(tiny, monkeypatch, path=isolated.tmp / "given")


# Downloads ----------------------------------------------------------------------------


def _mirror(isolated, tiny, write_file, label: str, variant: int = 0, names=None) -> str:
    """A directory served as a file:// mirror; returns its base URL."""
    d = isolated.tmp / "mirrors" / label
    d.mkdir(parents=True)
    for name in names if names is not None else tiny.names:
        write_file(d / name, tiny.content(name, variant))
    return d.as_uri() + "/"


def test_download_tries_mirrors_in_order(isolated, tiny, write_file, monkeypatch, capsys):
    empty = _mirror(isolated, tiny, write_file, "empty", names=[])
    good = _mirror(isolated, tiny, write_file, "good")
    monkeypatch.setattr(mnist, "MIRRORS", (empty, good))
    arrays = _load(tiny, monkeypatch)
    assert [_variant_of(a, tiny, n) for a, n in zip(arrays, tiny.names)] == [0] * 4
    cached = isolated.home / "datasets" / "mnist"
    assert sorted(p.name for p in cached.iterdir()) == sorted(tiny.names)  # no temp files
    err = capsys.readouterr().err
    assert f"Downloading {good}train-images-idx3-ubyte.gz" in err

    # Second load: from the cache, without any mirror.
    monkeypatch.setattr(mnist, "MIRRORS", ())
    assert len(_load(tiny, monkeypatch)) == 4


def test_download_only_missing_files(isolated, tiny, write_file, monkeypatch):
    for name in tiny.names[1:]:
        write_file(isolated.tmp / "given" / name, tiny.content(name))
    monkeypatch.setattr(mnist, "MIRRORS", (_mirror(isolated, tiny, write_file, "m"),))
    _load(tiny, monkeypatch, path=isolated.tmp / "given")
    cached = isolated.home / "datasets" / "mnist"
    assert [p.name for p in cached.iterdir()] == [tiny.names[0]]


@pytest.mark.parametrize("problem", ["checksum", "truncated"])
def test_mismatching_download_leaves_no_file(isolated, tiny, write_file, monkeypatch, problem):
    d = isolated.tmp / "mirrors" / "bad"
    for name in tiny.names:
        content = tiny.content(name, 1) if problem == "checksum" else tiny.content(name)[:-1]
        write_file(d / name, content)
    monkeypatch.setattr(mnist, "MIRRORS", (d.as_uri() + "/",))
    with pytest.raises(CorruptFileError, match="found and downloaded") as info:  # not "not found"
        _load(tiny, monkeypatch)
    cached = isolated.home / "datasets" / "mnist"
    assert list(cached.iterdir()) == []
    expected = "expected decompressed SHA-256" if problem == "checksum" else "truncated"
    assert expected in str(info.value)
    assert "the download was discarded" in str(info.value)


def test_bad_download_falls_back_to_next_mirror(isolated, tiny, write_file, monkeypatch):
    bad = _mirror(isolated, tiny, write_file, "bad", variant=2)
    good = _mirror(isolated, tiny, write_file, "good")
    monkeypatch.setattr(mnist, "MIRRORS", (bad, good))
    arrays = _load(tiny, monkeypatch)
    assert [_variant_of(a, tiny, n) for a, n in zip(arrays, tiny.names)] == [0] * 4


def test_interrupted_download_leaves_no_file(isolated, tiny, monkeypatch):
    class Broken(io.BytesIO):
        headers: ClassVar[dict[str, str]] = {"Content-Length": "1000"}

        def read(self, size=-1):
            raise TimeoutError("timed out")

    monkeypatch.setattr(cache.urllib.request, "urlopen", lambda url, timeout: Broken())
    monkeypatch.setattr(mnist, "MIRRORS", ("https://example.invalid/",))
    with pytest.raises(DatasetNotFoundError, match="train-images-idx3-ubyte.gz: timed out"):
        _load(tiny, monkeypatch)
    assert list((isolated.home / "datasets" / "mnist").iterdir()) == []


def test_unreachable_mirror_is_not_retried_for_every_file(isolated, tiny, monkeypatch):
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        raise urllib.error.URLError(socket.gaierror(-2, "Name or service not known"))

    monkeypatch.setattr(cache.urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(mnist, "MIRRORS", ("https://a.invalid/", "https://b.invalid/"))
    with pytest.raises(DatasetNotFoundError) as info:
        _load(tiny, monkeypatch)
    assert calls == [
        "https://a.invalid/train-images-idx3-ubyte.gz",
        "https://b.invalid/train-images-idx3-ubyte.gz",
    ]
    message = str(info.value)
    for name in tiny.names:  # still, every URL is listed
        assert f"https://b.invalid/{name}: " in message
    assert "not tried: the mirror failed earlier ([Errno -2] Name or service not known)" in message


def test_progress_bar_on_a_terminal(isolated, tiny, write_file, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(cache.sys, "stderr", terminal)
    monkeypatch.setattr(mnist, "MIRRORS", (_mirror(isolated, tiny, write_file, "m"),))
    _load(tiny, monkeypatch)
    out = terminal.getvalue()
    assert "\rDownloading train-images-idx3-ubyte.gz [" in out
    assert "100%" in out and out.endswith("\n")


# The error when nothing is found ------------------------------------------------------


def test_offline_error_lists_every_place(isolated, tiny, write_file, monkeypatch):
    write_file(isolated.tmp / "given" / tiny.names[0], tiny.content(tiny.names[0]))
    (isolated.tmp / "d1" / "fashion-mnist").mkdir(parents=True)
    monkeypatch.setenv(
        cache.DATA_PATH_ENV, os.pathsep.join([str(isolated.tmp / "d1"), str(isolated.tmp / "d2")])
    )
    mirrors = (f"{(isolated.tmp / 'm1').as_uri()}/", f"{(isolated.tmp / 'm2').as_uri()}/")
    monkeypatch.setattr(fashion_mnist, "MIRRORS", mirrors)
    monkeypatch.setattr(fashion_mnist, "FILES", tiny.files)
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist.load_data(path=isolated.tmp / "given")
    error = info.value
    assert isinstance(error, DatasetError) and isinstance(error, FileNotFoundError)
    message = str(error)
    assert "could not find 3 of 4 files" in message
    places = [
        isolated.tmp / "given",
        isolated.home / "datasets" / "fashion-mnist",
        isolated.tmp / "d1" / "fashion-mnist",
        isolated.tmp / "d2" / "fashion-mnist",
        isolated.system[0] / "fashion-mnist",
        isolated.system[1] / "fashion-mnist",
    ]
    positions = [message.index(f": {p} (") for p in places]
    assert positions == sorted(positions)  # listed in lookup order
    assert f"{isolated.tmp / 'd2' / 'fashion-mnist'} (no such directory)" in message
    assert f"{isolated.tmp / 'd1' / 'fashion-mnist'} (not there)" in message
    for name in tiny.names[1:]:
        for mirror in mirrors:
            assert f"  - {mirror}{name}: " in message
    assert f"{mirrors[0]}{tiny.names[0]}" not in message  # found locally, not downloaded
    assert "load_data(path=DIR)" in message
    assert str(isolated.home / "datasets" / "fashion-mnist") in message
    assert f"set {cache.DATA_PATH_ENV}=DIR" in message
    assert "dataset-fashion-mnist" in message


def test_offline_error_for_mnist_without_data_path(isolated, tiny, monkeypatch):
    with pytest.raises(DatasetNotFoundError) as info:
        _load(tiny, monkeypatch)
    message = str(info.value)
    assert f"{cache.DATA_PATH_ENV}: not set" in message
    assert "Tried downloading: no mirrors configured" in message
    assert "dataset-fashion-mnist" not in message  # Debian packages only Fashion-MNIST


def test_data_file_names():
    spec = DataFile("train-images-idx3-ubyte.gz", (1,), None, "images")
    assert spec.names == (
        "train-images-idx3-ubyte.gz",
        "train-images-idx3-ubyte",
        "train-images.idx3-ubyte",
    )


def test_load_dataset_directly(isolated, tiny, write_file):
    for name in tiny.names:
        write_file(isolated.home / "datasets" / "tiny" / name, tiny.content(name))
    arrays = cache.load_dataset(Dataset("tiny", tiny.files, ()))
    assert [a.shape for a in arrays] == [f.shape for f in tiny.files]
