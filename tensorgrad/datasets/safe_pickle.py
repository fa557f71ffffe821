"""Reading the pickled CIFAR batches without running what a pickle may ask to run.

`pickle.load` calls any function a file names, so a tampered file could run code. The
CIFAR batches are dicts of bytes, lists of ints and bytes, and NumPy arrays; the
unpickler here resolves only the four names such files use, each to a stand-in of ours:

- `_codecs.encode(text, "latin1")` (how Python 3 writes bytes in protocol 2) -> bytes;
- `numpy.core.multiarray._reconstruct` / `numpy._core.multiarray._reconstruct`,
  `numpy.ndarray` and `numpy.dtype` -> records of the array's shape, dtype code and raw
  bytes, turned into an array by `np.frombuffer` after loading, for numeric dtypes only.

Any other name (os.system, builtins.eval, ...) is an UnpicklingError; no NumPy code runs
on the file's state. Python 2 strings load as bytes (encoding="bytes"), as in Keras.
"""

from __future__ import annotations

import io
import pickle
from typing import Any, BinaryIO

import numpy as np

__all__ = ["load"]


class _DType:
    """Stand-in for numpy.dtype: the type code and, from the state, the byte order."""

    def __init__(self, code: Any, align: Any = 0, copy: Any = 0) -> None:
        self.code = code.decode("ascii") if isinstance(code, bytes) else str(code)
        self.order = "|"

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) > 1 and state[1] in ("<", ">", "|", "="):
            self.order = state[1]

    def resolve(self) -> np.dtype:
        dtype = np.dtype(self.code)
        if dtype.kind not in "biuf":
            raise pickle.UnpicklingError(f"refusing an array of dtype {self.code!r}")
        return dtype.newbyteorder(self.order) if self.order in "<>" else dtype


class _NDArrayMarker:
    """Stand-in for the class argument of _reconstruct."""


class _Array:
    """Stand-in for an ndarray: its state (shape, dtype, Fortran order, raw bytes)."""

    def __init__(self) -> None:
        self.state: Any = None

    def __setstate__(self, state: Any) -> None:
        self.state = state

    def resolve(self) -> np.ndarray:
        if not isinstance(self.state, tuple) or len(self.state) != 5:
            raise pickle.UnpicklingError("malformed array state")
        _, shape, dtype, fortran, raw = self.state
        if not isinstance(dtype, _DType) or not isinstance(raw, (bytes, bytearray)):
            raise pickle.UnpicklingError("malformed array state")
        resolved = dtype.resolve()
        count = int(np.prod(shape, dtype=np.int64))
        if count * resolved.itemsize != len(raw):
            raise pickle.UnpicklingError(
                f"array of shape {tuple(shape)} and dtype {resolved} needs "
                f"{count * resolved.itemsize} bytes, the file holds {len(raw)}"
            )
        array = np.frombuffer(raw, dtype=resolved).reshape(shape, order="F" if fortran else "C")
        return array.astype(resolved.newbyteorder("="), copy=True)


def _reconstruct(cls: Any, shape: Any, code: Any) -> _Array:
    if cls is not _NDArrayMarker:
        raise pickle.UnpicklingError("_reconstruct of something other than an ndarray")
    return _Array()


def _encode(text: Any, encoding: Any = "latin1") -> bytes:
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("unexpected _codecs.encode call")
    return text.encode("latin1")


_ALLOWED = {
    ("_codecs", "encode"): _encode,
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _NDArrayMarker,
    ("numpy", "dtype"): _DType,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(
                f"refusing to load {module}.{name}: a CIFAR batch holds only dicts, lists, "
                "bytes, numbers and NumPy arrays; the file is corrupt or not a CIFAR batch"
            ) from None


def _resolve(value: Any) -> Any:
    if isinstance(value, _Array):
        return value.resolve()
    if isinstance(value, dict):
        return {_resolve(k): _resolve(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_resolve(v) for v in value)
    if isinstance(value, (_DType, _NDArrayMarker)) or value is _NDArrayMarker:
        raise pickle.UnpicklingError("a dtype or class outside an array")
    return value


def load(file: BinaryIO | bytes) -> Any:
    """The object pickled in `file` (a binary file or bytes), restricted as described above.

    >>> import pickle, numpy as np
    >>> data = pickle.dumps({b"data": np.arange(3, dtype=np.uint8), b"labels": [1]}, 2)
    >>> load(data)
    {b'data': array([0, 1, 2], dtype=uint8), b'labels': [1]}
    >>> load(pickle.dumps(print))
    Traceback (most recent call last):
    ...
    _pickle.UnpicklingError: refusing to load builtins.print: ...
    """
    stream = io.BytesIO(file) if isinstance(file, (bytes, bytearray)) else file
    return _resolve(_Unpickler(stream, encoding="bytes").load())
