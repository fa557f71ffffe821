"""Arrays of strings as model inputs: how they are recognised, and kept apart from tensors.

Raw text (what `layers.TextVectorization` turns into numbers) travels through fit, predict
and a model's layers as a NumPy array of str, never as a tensor: it has no gradient and no
float type. `Input(shape=(1,), dtype="string")` declares such an input.
"""

from __future__ import annotations

from typing import Any

import numpy as np

STRING_DTYPES = ("string", "str")
"""The names `Input(dtype=...)` takes for text, as in Keras."""


def is_string_dtype(dtype: Any) -> bool:
    """Whether `dtype` ("string", str, np.str_, "U", object...) names text rather than numbers."""
    if dtype is str or dtype is bytes or (isinstance(dtype, str) and dtype in STRING_DTYPES):
        return True
    try:
        return np.dtype(dtype).kind in "USO"
    except TypeError:
        return False


def is_text(value: Any) -> bool:
    """Whether `value` is raw text: a str, a NumPy array of str/bytes, or a list of str."""
    if isinstance(value, (str, bytes)):
        return True
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return True
        return value.dtype.kind == "O" and value.size > 0 and _is_string(value.flat[0])
    if isinstance(value, (list, tuple)) and value:
        first = value[0]
        if isinstance(first, (list, tuple)) and first:  # [["a text"], ["another"]]
            first = first[0]
        return _is_string(first)
    return False


def as_text_array(value: Any) -> np.ndarray:
    """Raw text as a NumPy array of str (a single str becomes a batch of one)."""
    if isinstance(value, (str, bytes)):
        value = [value]
    array = np.asarray(value)
    return array if array.dtype.kind in "USO" else array.astype(str)


def _is_string(item: Any) -> bool:
    return isinstance(item, (str, bytes, np.str_, np.bytes_))
