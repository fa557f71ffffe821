"""pad_sequences: lists of different lengths made one array, as Keras pads them.

>>> pad_sequences([[1, 2, 3, 4], [5]], maxlen=3)
array([[2, 3, 4],
       [0, 0, 5]], dtype=int32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def pad_sequences(
    sequences: Sequence[Any],
    maxlen: int | None = None,
    dtype: Any = "int32",
    padding: str = "pre",
    truncating: str = "pre",
    value: Any = 0.0,
) -> np.ndarray:
    """Pad (or cut) every sequence to `maxlen` and stack them: (len(sequences), maxlen, ...).

    Keras' defaults: padding and truncating both at the front ("pre"), so a long review
    keeps its end and short ones start with `value`.

    Args:
        sequences: a list of sequences (lists or arrays; the items may be vectors of one
            shape, which gives a 3-D result).
        maxlen: the length of the result; the longest sequence's length when None.
        dtype: the result's dtype ("int32"; object for strings).
        padding: "pre" or "post": where `value` goes in short sequences.
        truncating: "pre" or "post": which end of long sequences is dropped.
        value: the padding value.

    Raises:
        ValueError: not a list of sequences, an unknown padding / truncating, items of
            different shapes, or values that the dtype cannot hold (strings into int32).
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(
            f"pad_sequences: sequences must be a list of sequences, got {type(sequences).__name__}"
        )
    for name, where in (("padding", padding), ("truncating", truncating)):
        if where not in ("pre", "post"):
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post', got {where!r}")
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"pad_sequences: {dtype!r} is not a NumPy dtype") from None
    lengths, sample_shape, found = [], (), False
    for i, s in enumerate(sequences):
        if isinstance(s, (str, bytes)) or not hasattr(s, "__len__"):
            raise ValueError(
                f"pad_sequences: sequences must be a list of sequences (lists or arrays); "
                f"item {i} is {type(s).__name__} {s!r}"
            )
        lengths.append(len(s))
        if not found and len(s):
            sample_shape = _as_array(s, None, i).shape[1:]
            found = True
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError(f"pad_sequences: maxlen must be a non-negative integer, got {maxlen!r}")
    if isinstance(value, str) and dtype.kind not in "OUS":
        raise ValueError(
            f"pad_sequences: the padding value {value!r} is a string but dtype is {dtype}; "
            f"use dtype=object for strings"
        )
    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for i, s in enumerate(sequences):
        if not len(s):
            continue
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        kept = _as_array(kept, dtype, i)
        if kept.shape[1:] != sample_shape:
            raise ValueError(
                f"pad_sequences: the items of sequence {i} have shape {kept.shape[1:]}, "
                f"those of the first non-empty sequence {sample_shape}; all must match"
            )
        if padding == "post":
            out[i, : len(kept)] = kept
        else:
            out[i, -len(kept) :] = kept
    return out


def _as_array(values: Any, dtype: Any, index: int) -> np.ndarray:
    """One sequence as an array of `dtype`, or a ValueError that names the sequence."""
    try:
        array = np.asarray(values, dtype=dtype)
    except (ValueError, TypeError) as e:
        shown = list(values)[:5]
        raise ValueError(
            f"pad_sequences: sequence {index} cannot be made an array of dtype "
            f"{dtype if dtype is not None else 'any'} ({e}); its first values are {shown!r}. "
            f"Sequences must hold numbers (token ids) of one shape; pass dtype=object for "
            f"strings"
        ) from None
    if array.dtype == object and dtype is None:
        raise ValueError(
            f"pad_sequences: sequence {index} is ragged inside (its items have different "
            f"lengths); each item must be a number or a vector of one shape"
        )
    return array
