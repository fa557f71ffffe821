"""IMDB and Reuters loaders on small files in Keras' formats, checked against Keras' own code."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tensorgrad.datasets import cache, imdb, reuters
from tensorgrad.datasets import sequence_files as files


def _ragged(rng, n, vocab=60):
    out = np.empty(n, dtype=object)
    for i in range(n):
        out[i] = [int(w) for w in rng.integers(1, vocab, rng.integers(1, 12))]
    return out


def _write_npz(path: Path, **arrays) -> files.VerifiedFile:
    np.savez(path, **arrays)
    return files.VerifiedFile(path.name, hashlib.sha256(path.read_bytes()).hexdigest())


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv(cache.HOME_ENV, str(tmp_path / "home"))
    monkeypatch.delenv(cache.DATA_PATH_ENV, raising=False)
    monkeypatch.setattr(cache, "SYSTEM_DATA_DIRS", ())
    monkeypatch.setattr(imdb, "MIRRORS", ())
    monkeypatch.setattr(reuters, "MIRRORS", ())
    return tmp_path


@pytest.fixture
def imdb_file(isolated, monkeypatch):
    rng = np.random.default_rng(0)
    path = isolated / "imdb.npz"
    spec = _write_npz(
        path,
        x_train=_ragged(rng, 30),
        y_train=rng.integers(0, 2, 30),
        x_test=_ragged(rng, 20),
        y_test=rng.integers(0, 2, 20),
    )
    monkeypatch.setattr(imdb, "DATA", spec)
    return path


@pytest.fixture
def reuters_file(isolated, monkeypatch):
    rng = np.random.default_rng(1)
    path = isolated / "reuters.npz"
    spec = _write_npz(path, x=_ragged(rng, 40), y=rng.integers(0, 46, 40))
    monkeypatch.setattr(reuters, "DATA", spec)
    return path


def _keras_loader(module: str, path: Path, monkeypatch):
    from tests.layers.keras_reference import keras

    keras()
    import importlib

    mod = importlib.import_module(f"keras.src.datasets.{module}")
    monkeypatch.setattr(mod, "get_file", lambda **kwargs: str(path))
    return mod.load_data


def _same(ours, theirs):
    for a, b in zip(ours, theirs):
        for u, v in zip(a, b):
            assert len(u) == len(v)
            assert (
                [list(s) for s in u] == [list(s) for s in v]
                if u.dtype == object
                else (np.array_equal(u, v))
            )


IMDB_OPTIONS = [
    {},
    {"num_words": 20, "skip_top": 3},
    {"maxlen": 8, "seed": 7},
    {"start_char": None, "oov_char": None, "index_from": 0, "num_words": 30},
]


@pytest.mark.parametrize("options", IMDB_OPTIONS)
def test_imdb_matches_keras(imdb_file, monkeypatch, options):
    keras_load = _keras_loader("imdb", imdb_file, monkeypatch)
    _same(imdb.load_data(path=imdb_file.parent, **options), keras_load(**options))


@pytest.mark.parametrize("options", IMDB_OPTIONS[:3] + [{"test_split": 0.5}])
def test_reuters_matches_keras(reuters_file, monkeypatch, options):
    keras_load = _keras_loader("reuters", reuters_file, monkeypatch)
    _same(reuters.load_data(path=reuters_file, **options), keras_load(**options))


def test_imdb_shapes_and_first_marks(imdb_file):
    (x_train, y_train), (x_test, _) = imdb.load_data(path=imdb_file.parent, num_words=10)
    assert x_train.shape == (30,) and x_test.shape == (20,) and x_train.dtype == object
    assert y_train.dtype.kind == "i" and set(y_train) <= {0, 1}
    assert all(s[0] == 1 and max(s) < 10 for s in x_train)
    with pytest.raises(ValueError, match="no sequence is shorter than maxlen=1"):
        imdb.load_data(path=imdb_file.parent, maxlen=1)


def test_cache_lookup_and_word_index(isolated, imdb_file, monkeypatch):
    home = isolated / "home" / "datasets" / "imdb"
    home.mkdir(parents=True)
    os.replace(imdb_file, home / "imdb.npz")
    assert len(imdb.load_data()[0][0]) == 30  # found in the cache, no path given
    index = {"the": 1, "and": 2, "film": 19}
    (home / "imdb_word_index.json").write_text(json.dumps(index))
    digest = hashlib.md5((home / "imdb_word_index.json").read_bytes()).hexdigest()
    monkeypatch.setattr(
        imdb, "WORD_INDEX", files.VerifiedFile("imdb_word_index.json", digest, "md5")
    )
    assert imdb.get_word_index() == index


def test_wrong_checksum_missing_file_and_bad_word_index(isolated, imdb_file, monkeypatch):
    monkeypatch.setattr(imdb, "DATA", files.VerifiedFile("imdb.npz", "0" * 64))
    with pytest.raises(cache.CorruptFileError, match="expected SHA-256 0000"):
        imdb.load_data(path=imdb_file.parent)
    with pytest.raises(cache.DatasetNotFoundError, match="imdb: could not find 1 of 1 files"):
        reuters_missing = files.VerifiedFile("imdb.npz", "0" * 64)
        files.fetch("imdb", reuters_missing, isolated / "elsewhere", ())
    bad = isolated / "word_index.json"
    bad.write_text(json.dumps({"the": "one"}))
    with pytest.raises(cache.CorruptFileError, match="not a mapping of words"):
        files.read_word_index(bad)


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def test_npz_reader_refuses_code_and_non_integer_items(tmp_path):
    evil = np.empty(1, dtype=object)
    evil[0] = _Evil()
    np.savez(tmp_path / "evil.npz", x=evil)
    with pytest.raises(cache.CorruptFileError, match="refusing to load"):
        files.read_sequences_npz(tmp_path / "evil.npz")
    strings = np.empty(2, dtype=object)
    strings[0], strings[1] = [1, 2], ["a"]
    np.savez(tmp_path / "strings.npz", x=strings)
    with pytest.raises(cache.CorruptFileError, match=r"x\[1\] is not a list of non-negative"):
        files.read_sequences_npz(tmp_path / "strings.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(cache.CorruptFileError, match="not an .npz"):
        files.read_sequences_npz(tmp_path / "junk.npz")
    assert pickle  # the format under test is pickle's


class _Response:
    def __init__(self, body: bytes):
        self._body, self.headers = io.BytesIO(body), {"Content-Length": str(len(body))}

    def read(self, n=-1):
        return self._body.read(n)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_download_is_verified_then_cached(isolated, imdb_file, monkeypatch):
    body = imdb_file.read_bytes()
    imdb_file.unlink()
    served = []

    def urlopen(url, timeout):
        served.append(url)
        return _Response(body)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setattr(imdb, "MIRRORS", ("https://mirror.example/",))
    assert len(imdb.load_data()[0][0]) == 30
    assert served == ["https://mirror.example/imdb.npz"]
    assert (isolated / "home" / "datasets" / "imdb" / "imdb.npz").read_bytes() == body
    monkeypatch.setattr(imdb, "DATA", files.VerifiedFile("imdb.npz", "1" * 64))
    (isolated / "home" / "datasets" / "imdb" / "imdb.npz").unlink()
    with pytest.raises(cache.CorruptFileError):
        imdb.load_data()
    assert not list((isolated / "home" / "datasets" / "imdb").iterdir())  # nothing left behind
