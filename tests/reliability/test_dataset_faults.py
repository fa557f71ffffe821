"""Dataset files under faults: bombs and oversized files, a mirror that streams too much,
locations that cannot be read, and a download with the wrong content.

The tests run as root, whom file modes do not stop, so an unreadable location is made
with what stops root too (a symlink loop, a path component that is a file) or, for
permission errors, by making os.stat and open raise EACCES for paths under one folder."""

from __future__ import annotations

import builtins
import errno
import gzip
import hashlib
import http.server
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from tensorgrad.datasets import cache, idx
from tensorgrad.datasets.cache import CorruptFileError, DatasetNotFoundError

SHAPE = (50, 10, 10)  # 5,016 bytes of IDX content
NAME = "train-images-idx3-ubyte.gz"


def content(variant: int = 0) -> bytes:
    values = ((np.arange(np.prod(SHAPE)) + variant) % 256).astype(np.uint8)
    dims = b"".join(int(n).to_bytes(4, "big") for n in SHAPE)
    return bytes([0, 0, 8, 3]) + dims + values.tobytes()


def dataset(mirrors: tuple[str, ...] = ()) -> cache.Dataset:
    spec = cache.DataFile(NAME, SHAPE, hashlib.sha256(content()).hexdigest(), "images")
    return cache.Dataset("tiny", (spec,), mirrors)


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    home = tmp_path / "home"
    monkeypatch.setenv(cache.HOME_ENV, str(home))
    monkeypatch.delenv(cache.DATA_PATH_ENV, raising=False)
    monkeypatch.setattr(cache, "SYSTEM_DATA_DIRS", (tmp_path / "system",))
    return {"home": home, "cache": home / "datasets" / "tiny", "tmp": tmp_path}


# ----- reading stops at the expected size -----
def test_a_gzip_bomb_stops_at_the_expected_size(places: dict[str, Path]) -> None:
    bomb = places["cache"] / NAME
    bomb.parent.mkdir(parents=True)
    with gzip.open(bomb, "wb", compresslevel=9) as f:
        f.write(content())
        for _ in range(64):  # 64 MiB more, in a file of about 64 KB
            f.write(bytes(2**20))
    with pytest.raises(CorruptFileError, match=r"decompresses to more than 5016 bytes"):
        cache.load_dataset(dataset())


def test_an_oversized_raw_file_is_refused_before_reading_it(places: dict[str, Path]) -> None:
    big = places["cache"] / NAME.removesuffix(".gz")
    big.parent.mkdir(parents=True)
    with open(big, "wb") as f:
        f.truncate(256 * 2**20)  # sparse: 256 MiB that take no disk space (peak memory: in
    with pytest.raises(CorruptFileError, match=r"268435456 bytes.*at most"):  # test_bombs)
        cache.load_dataset(dataset())


def test_load_idx_still_reads_any_file(tmp_path: Path) -> None:
    path = tmp_path / "x-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(content()))
    assert idx.load_idx(path).shape == SHAPE


class _Endless(http.server.BaseHTTPRequestHandler):
    sent = 0

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        chunk = bytes(2**16)
        try:
            for _ in range(3200):  # 200 MiB, unless the client hangs up first
                self.wfile.write(chunk)
                type(self).sent += len(chunk)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


def test_a_mirror_that_streams_too_much_is_cut_off(places: dict[str, Path]) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with pytest.raises(CorruptFileError, match="more than") as info:
            cache.load_dataset(dataset((url,)), timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert url in str(info.value)
    assert _Endless.sent < 16 * 2**20  # the client stopped reading long before 200 MiB
    assert not any(places["cache"].iterdir())  # nothing kept


# ----- locations that cannot be read are skipped -----
def _write_good(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / NAME).write_bytes(gzip.compress(content()))


def test_a_symlink_loop_in_a_data_path_entry_is_skipped(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = places["tmp"] / "loop"
    loop.symlink_to(loop)
    good = places["tmp"] / "good"
    _write_good(good / "tiny")
    monkeypatch.setenv(cache.DATA_PATH_ENV, os.pathsep.join([str(loop), str(good)]))
    [array] = cache.load_dataset(dataset())
    assert array.shape == SHAPE
    monkeypatch.setenv(cache.DATA_PATH_ENV, str(loop))
    with pytest.raises(DatasetNotFoundError, match=r"(?s)loop.*cannot be read.*(loop|Too many)"):
        cache.load_dataset(dataset())


def test_a_home_that_is_a_file_does_not_stop_files_found_elsewhere(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    home = places["tmp"] / "home-file"
    home.write_text("not a folder")
    monkeypatch.setenv(cache.HOME_ENV, str(home))
    _write_good(places["tmp"] / "given")
    [array] = cache.load_dataset(dataset(), path=places["tmp"] / "given")
    assert array.shape == SHAPE


def _deny(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """EACCES for every path under `folder`, as a non-root user would meet."""
    prefix = str(folder)
    real_stat, real_open = os.stat, builtins.open

    def denied(path: object) -> bool:
        return isinstance(path, (str, os.PathLike)) and os.fspath(path).startswith(prefix)

    def stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if denied(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_stat(path, *args, **kwargs)

    def open_(path: object, *args: object, **kwargs: object) -> object:
        if denied(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "stat", stat)
    monkeypatch.setattr(builtins, "open", open_)


def test_an_unreadable_cache_is_skipped_for_a_later_location(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_good(places["cache"])
    good = places["tmp"] / "shared"
    _write_good(good / "tiny")
    monkeypatch.setenv(cache.DATA_PATH_ENV, str(good))
    _deny(monkeypatch, places["home"])
    [array] = cache.load_dataset(dataset())
    assert array.shape == SHAPE
    monkeypatch.delenv(cache.DATA_PATH_ENV)
    with pytest.raises(DatasetNotFoundError, match=r"cache.*cannot be read.*Permission denied"):
        cache.load_dataset(dataset())


def test_an_unreadable_found_file_is_skipped_too(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_good(places["cache"])
    good = places["tmp"] / "shared"
    _write_good(good / "tiny")
    monkeypatch.setenv(cache.DATA_PATH_ENV, str(good))
    real_open = builtins.open
    target = str(places["cache"] / NAME)

    def open_(path: object, *args: object, **kwargs: object) -> object:
        if isinstance(path, (str, os.PathLike)) and os.fspath(path) == target:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), target)
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    [array] = cache.load_dataset(dataset())
    assert array.shape == SHAPE


def test_a_read_only_cache_is_never_needed_when_files_are_elsewhere(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_writes(*args: object, **kwargs: object) -> None:
        raise AssertionError("tried to write to the cache")

    good = places["tmp"] / "shared"
    _write_good(good / "tiny")
    monkeypatch.setenv(cache.DATA_PATH_ENV, str(good))
    monkeypatch.setattr(Path, "mkdir", no_writes)
    monkeypatch.setattr(cache.tempfile, "mkstemp", no_writes)
    [array] = cache.load_dataset(dataset(("http://127.0.0.1:9/",)))
    assert array.shape == SHAPE


# ----- found, but wrong -----
def test_a_download_with_the_wrong_content_is_found_and_failed_its_checksum(
    places: dict[str, Path],
) -> None:
    mirror = places["tmp"] / "mirror"
    mirror.mkdir()
    (mirror / NAME).write_bytes(gzip.compress(content(variant=3)))
    with pytest.raises(CorruptFileError) as info:
        cache.load_dataset(dataset((mirror.as_uri() + "/",)))
    message = str(info.value)
    assert "could not find" not in message.splitlines()[0]
    assert "failed its checksum" in message.splitlines()[0]
    assert hashlib.sha256(content()).hexdigest() in message
    assert hashlib.sha256(content(variant=3)).hexdigest() in message
