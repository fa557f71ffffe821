"""Array creation and dtype policy, kept in one place.

Every array the engine makes goes through this module, so that swapping NumPy for an
API-compatible library (CuPy) or changing the default float type touches one file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

xp = np
"""The array module the engine computes with."""

_default_float = np.dtype(np.float32)


def default_float() -> np.dtype:
    """The float dtype new tensors get when none is asked for (float32 unless changed)."""
    return _default_float


def set_default_dtype(dtype: Any) -> None:
    """Make `dtype` ("float32" or "float64") the default float type of new tensors."""
    global _default_float
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    _default_float = dtype


def as_array(data: Any, dtype: Any = None, copy: bool = False) -> np.ndarray:
    """Convert `data` to an array following the dtype policy.

    Floats become the default float type unless `dtype` says otherwise; integers and
    booleans keep their kind (labels and indices stay integers).
    """
    if dtype is not None:
        array = xp.array(data, dtype=dtype, copy=True) if copy else xp.asarray(data, dtype=dtype)
    else:
        array = xp.array(data, copy=True) if copy else xp.asarray(data)
        if array.dtype.kind == "f" and array.dtype != _default_float:
            return array.astype(_default_float)
    if array.dtype.kind not in "fiub":
        raise TypeError(
            f"tensor: expected numbers (float, int or bool), got an array of dtype {array.dtype}"
        )
    return array
