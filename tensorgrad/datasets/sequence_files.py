"""The files of the text datasets (IMDB, Reuters): found, verified and read safely.

Each file is looked for in the places every dataset uses (see `datasets.cache`:
`path=`, `$TENSORGRAD_HOME/datasets/<name>/`, `$TENSORGRAD_DATA_PATH`, the system data
directories), then downloaded into the cache through a temporary file that is verified
before it is renamed into place. The .npz files are verified by the SHA-256 that Keras
publishes for them; for the word-index .json files Keras publishes only an MD5, which is
what is checked (the JSON is parsed by `json`, which runs no code, and must map words to
integers).

The .npz files hold the reviews or newswires as NumPy object arrays of Python lists,
which NumPy stores as pickles (`np.load` needs `allow_pickle=True`, which would run any
function a tampered file names). `read_sequences_npz` unpickles with stand-ins for the
three names such an array uses (numpy's `_reconstruct`, `ndarray`, `dtype`), runs no
NumPy code on the file's content, and accepts only lists of non-negative integers or
plain integer arrays; anything else is a CorruptFileError.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from tensorgrad.datasets import cache
from tensorgrad.datasets.files import WholeFile, fetch_file

KERAS_MIRROR = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/"


VerifiedFile = WholeFile  # a file checked as a whole; see datasets.files


def fetch(
    dataset: str,
    spec: WholeFile,
    path: str | os.PathLike[str] | None = None,
    mirrors: tuple[str, ...] = (KERAS_MIRROR,),
    timeout: float = cache.DOWNLOAD_TIMEOUT_S,
) -> Path:
    """The verified local path of `spec` for `dataset` (see `datasets.files.fetch_file`)."""
    return fetch_file(dataset, spec, mirrors, path, timeout)


# ----- the .npz of integer sequences -----
class _DType:
    def __init__(self, code: Any, align: Any = 0, copy: Any = 0) -> None:
        self.code = code.decode("ascii") if isinstance(code, bytes) else str(code)

    def __setstate__(self, state: Any) -> None:
        pass


class _ArrayMarker:
    pass


class _Array:
    def __init__(self) -> None:
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state


def _reconstruct(cls: Any, shape: Any, code: Any) -> _Array:
    return _Array()


class _Unpickler(pickle.Unpickler):
    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy", "ndarray"): _ArrayMarker,
        ("numpy", "dtype"): _DType,
    }

    def find_class(self, module: str, name: str) -> Any:
        found = self.ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name}")
        return found


def _int_list(item: Any, where: str) -> list[int]:
    if isinstance(item, np.ndarray) and item.dtype.kind in "iu" and item.ndim == 1:
        item = item.tolist()
    if not isinstance(item, list) or not all(type(w) is int and w >= 0 for w in item):
        raise pickle.UnpicklingError(f"{where} is not a list of non-negative integers")
    return item


def _object_array(member: str, stream: io.BytesIO) -> np.ndarray:
    loaded = _Unpickler(stream).load()
    if not isinstance(loaded, _Array) or not isinstance(loaded.state, tuple):
        raise pickle.UnpicklingError(f"{member} is not an array")
    _, shape, dtype, _, items = loaded.state
    if not isinstance(dtype, _DType) or dtype.code[:1] != "O" or not isinstance(items, list):
        raise pickle.UnpicklingError(f"{member} is not an object array of sequences")
    if tuple(shape) != (len(items),):
        raise pickle.UnpicklingError(f"{member} has shape {shape} but {len(items)} items")
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):
        out[i] = _int_list(item, f"{member}[{i}]")
    return out


def read_sequences_npz(path: str | os.PathLike[str], source: str | None = None) -> dict:
    """The arrays of an .npz of integer sequences: {member name: array}, read safely.

    Numeric members are read with pickles disabled; object members must be 1-D arrays of
    lists of non-negative integers.

    Raises:
        CorruptFileError: not an .npz, or a member holding anything else.
    """
    source = source or str(path)
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                stream = io.BytesIO(archive.read(member))
                version = np.lib.format.read_magic(stream)
                header = (
                    np.lib.format.read_array_header_1_0
                    if version == (1, 0)
                    else np.lib.format.read_array_header_2_0
                )
                _, _, dtype = header(stream)
                stream.seek(0)
                name = member[: -len(".npy")]
                if dtype.hasobject:
                    np.lib.format.read_magic(stream)
                    header(stream)
                    arrays[name] = _object_array(name, stream)
                elif dtype.kind in "biuf":
                    arrays[name] = np.lib.format.read_array(stream, allow_pickle=False)
                else:
                    raise pickle.UnpicklingError(f"{name} has dtype {dtype}")
    except (zipfile.BadZipFile, pickle.UnpicklingError, ValueError, EOFError, OSError) as e:
        raise cache.CorruptFileError(
            f"{source}: not an .npz of integer sequences ({e}); replace it with a good copy"
        ) from None
    return arrays


def read_word_index(path: str | os.PathLike[str]) -> dict[str, int]:
    """A word-index .json: {word: index}.

    Raises:
        CorruptFileError: not JSON, or not a mapping of strings to integers.
    """
    try:
        with open(path, encoding="utf-8") as f:
            index = json.load(f)
    except (OSError, ValueError) as e:
        raise cache.CorruptFileError(f"{path}: not a word index ({e})") from None
    if not isinstance(index, dict) or not all(
        isinstance(k, str) and type(v) is int for k, v in index.items()
    ):
        raise cache.CorruptFileError(f"{path}: not a mapping of words to integer indices")
    return index


def offset_sequences(xs: Any, start_char: int | None, index_from: int) -> list[list[int]]:
    """Keras' first step: word ranks moved up by index_from, start_char put in front."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in xs]
    if index_from:
        return [[w + index_from for w in x] for x in xs]
    return [list(x) for x in xs]


def cut_vocabulary(
    xs: list[list[int]], num_words: int | None, skip_top: int, oov_char: int | None
) -> list[list[int]]:
    """Keras' last step: ids outside [skip_top, num_words) become oov_char (or go)."""
    if not num_words:
        num_words = max((max(x) for x in xs if x), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in xs]
    return [[w for w in x if skip_top <= w < num_words] for x in xs]


def remove_long(maxlen: int, xs: list[list[int]], labels: Any) -> tuple[list[list[int]], list]:
    """The sequences shorter than maxlen (strictly, as Keras) and their labels."""
    kept = [(x, y) for x, y in zip(xs, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def object_array(xs: list[list[int]]) -> np.ndarray:
    """A 1-D object array of lists (np.array(xs, dtype=object) would make a 2-D array
    when all the lists have one length)."""
    out = np.empty(len(xs), dtype=object)
    for i, x in enumerate(xs):
        out[i] = x
    return out
