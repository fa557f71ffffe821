"""Array helpers from the book: one-hot encoding (`to_categorical`) and row-major reshape."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor


def to_categorical(y: Any, num_classes: int | None = None, dtype: Any = "float32") -> np.ndarray:
    """One-hot encode integer class labels: label k becomes a row with 1 at index k.

    As in Keras, labels of shape (n, 1) give (n, num_classes), and `num_classes` defaults
    to the largest label plus one.

    >>> to_categorical([0, 2, 1])
    array([[1., 0., 0.],
           [0., 0., 1.],
           [0., 1., 0.]], dtype=float32)

    Raises:
        ValueError: labels that are not whole numbers, negative, or not below `num_classes`.
    """
    labels = np.asarray(y.data if isinstance(y, Tensor) else y)
    if labels.dtype.kind == "f":
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise ValueError(
                "to_categorical: labels must be whole numbers (class indices), got float "
                "values with a fractional part, NaN or inf"
            )
    elif labels.dtype.kind not in "iub":
        raise ValueError(f"to_categorical: labels must be integers, got dtype {labels.dtype}")
    labels = labels.astype(np.int64)
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    labels = labels.reshape(-1)
    if labels.size and labels.min() < 0:
        raise ValueError(f"to_categorical: labels must be non-negative, got {labels.min()}")
    largest = int(labels.max()) if labels.size else -1
    if num_classes is None:
        num_classes = largest + 1
    elif largest >= num_classes:
        raise ValueError(
            f"to_categorical: label {largest} does not fit num_classes={num_classes}; labels "
            f"must lie in [0, {num_classes})"
        )
    out = np.zeros((labels.size, num_classes), dtype=dtype)
    out[np.arange(labels.size), labels] = 1
    return out.reshape(shape + (num_classes,))


def array_reshape(x: Any, shape: int | Sequence[int]) -> Any:
    """Reshape in row-major (C) order, as the book's `array_reshape`; -1 infers one axis.

    Arrays (and lists) give a NumPy array, tensors a tensor (gradients flow through).

    >>> array_reshape(np.arange(6), (2, 3))
    array([[0, 1, 2],
           [3, 4, 5]])

    Raises:
        ValueError: the new shape does not hold the same number of elements.
    """
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    if isinstance(x, Tensor):
        return shape_ops.reshape(x, shape)
    array = np.asarray(x)
    known = int(np.prod([n for n in shape if n != -1]))
    fits = (
        known == array.size
        if -1 not in shape
        else shape.count(-1) == 1 and known > 0 and array.size % known == 0
    )
    if not fits:
        raise ValueError(
            f"array_reshape: cannot reshape an array of shape {array.shape} ({array.size} "
            f"elements) into shape {shape}"
        )
    return np.reshape(array, shape, order="C")
