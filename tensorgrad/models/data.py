"""Data for fit, evaluate and predict: checks with clear messages, then batches.

Every check runs before the first training step, so a mistake costs no time. Inputs are
cast once per call (float32 by default), and shuffled batches are gathered with
`np.take(..., out=buffer)` into two buffers reused for the whole fit: each batch's arrays
are valid only until the next batch is drawn.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.backend import default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.input_spec import format_shape, reshape_hint


def as_array(data: Any, name: str, op: str) -> np.ndarray:
    """`data` (array, tensor, nested lists) as an array of numbers with a samples axis.

    Raises:
        ValueError: missing data or a scalar.
        TypeError: several inputs, or values that are not numbers.
    """
    if data is None:
        raise ValueError(f"{op}: {name} is missing")
    if isinstance(data, Tensor):
        return data.data
    if isinstance(data, Mapping) or (
        isinstance(data, (list, tuple))
        and data
        and isinstance(data[0], (np.ndarray, Tensor))
        and len({np.shape(d) for d in data}) > 1
    ):
        raise TypeError(
            f"{op}: {name} must be one array (samples first); models here take a single input "
            f"and give a single output, got {type(data).__name__} of several arrays"
        )
    try:
        array = np.asarray(data)
    except ValueError as error:
        raise TypeError(f"{op}: {name} could not be turned into an array: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op}: {name} must hold numbers, got an array of dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{op}: {name} must have a samples axis first, got a scalar")
    return array


def check_same_samples(x: np.ndarray, y: np.ndarray, op: str) -> None:
    """Raise a ValueError unless x and y hold the same number of samples."""
    if len(x) != len(y):
        raise ValueError(
            f"{op}: x and y must hold the same number of samples, got x of shape "
            f"{x.shape} ({len(x)} samples) and y of shape {y.shape} ({len(y)} samples)"
        )
    if len(x) == 0:
        raise ValueError(f"{op}: x and y hold no samples")


def check_finite(array: np.ndarray, name: str, op: str) -> None:
    """Raise a ValueError naming the first NaN or infinite value of a float array, or the first
    value the cast to the default float type would turn into infinity (1e39 in float32)."""
    if array.dtype.kind != "f" or array.size == 0:
        return
    # min and max propagate NaN and reach +-inf, without a temporary array of flags.
    low, high = array.min(), array.max()
    if np.isfinite(low) and np.isfinite(high):
        target = default_float()
        if array.dtype.itemsize <= target.itemsize:
            return
        largest = np.finfo(target).max
        if -largest <= low and high <= largest:
            return
        index = tuple(int(i) for i in np.argwhere(np.abs(array) > largest)[0])
        raise ValueError(
            f"{op}: {name} contains {array[index]} at index {index} (sample {index[0]}), beyond "
            f"the range of {target} (+-{largest:.4g}), which would make it infinite; scale the "
            f"data, or compute in float64 with tensorgrad.set_default_dtype('float64')"
        )
    index = tuple(int(i) for i in np.argwhere(~np.isfinite(array))[0])
    raise ValueError(
        f"{op}: {name} contains {array[index]} at index {index} (sample {index[0]}); "
        f"remove or replace non-finite values before training"
    )


def warn_if_unscaled(x: np.ndarray, op: str, stacklevel: int = 2) -> bool:
    """Warn (UserWarning) when x holds integers above 1, such as raw uint8 pixels.

    `stacklevel` counts frames from this function up to the user's call, as for warnings.warn.
    """
    if x.dtype.kind not in "iu" or x.size == 0:
        return False
    largest = x.max()
    if largest <= 1:
        return False
    warnings.warn(
        f"{op}: x is an integer array ({x.dtype}) with values up to {largest}; networks learn "
        f"poorly from unscaled inputs (a common reason MNIST does not learn). Scale it first, "
        f'e.g. x = x.astype("float32") / {255 if largest <= 255 else largest}',
        UserWarning,
        stacklevel=stacklevel,
    )
    return True


def as_float(array: np.ndarray) -> np.ndarray:
    """The array in the default float type (no copy when it already is)."""
    return array.astype(default_float(), copy=False)


def check_input_shape(expected: tuple[Any, ...], x: np.ndarray, op: str, name: str = "x") -> None:
    """Raise a ValueError (with a reshape hint) unless x fits the model's input shape."""
    if len(expected) == x.ndim and all(e is None or e == g for e, g in zip(expected, x.shape)):
        return
    raise ValueError(
        f"{op}: the model expects {name} of shape {format_shape(expected)} (samples first), "
        f"got an array of shape {format_shape(x.shape)}{reshape_hint(expected, x.shape, name)}"
    )


def unpack_validation(validation_data: Any) -> tuple[Any, Any]:
    """(x_val, y_val) from fit's `validation_data`."""
    if isinstance(validation_data, (tuple, list)) and len(validation_data) == 2:
        return validation_data[0], validation_data[1]
    raise ValueError(
        "fit: validation_data must be a tuple (x_val, y_val), got "
        f"{type(validation_data).__name__}"
        + (
            f" of length {len(validation_data)}"
            if isinstance(validation_data, (tuple, list))
            else ""
        )
    )


def split_validation(
    x: np.ndarray, y: np.ndarray, validation_split: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The LAST `validation_split` fraction of the samples, taken before shuffling (Keras)."""
    if isinstance(validation_split, bool) or not 0 < validation_split < 1:
        raise ValueError(
            f"fit: validation_split must be a fraction in [0, 1), got {validation_split!r}"
        )
    split_at = math.floor(len(x) * (1.0 - validation_split))
    if split_at == 0 or split_at == len(x):
        raise ValueError(
            f"fit: validation_split={validation_split} of {len(x)} samples leaves "
            f"{split_at} for training and {len(x) - split_at} for validation; both need some"
        )
    return x[:split_at], y[:split_at], x[split_at:], y[split_at:]


class ArrayBatches:
    """The batches of one epoch, in order or shuffled with the library's generator.

    Iterating yields (x_batch, y_batch) pairs; the last batch holds the remaining samples.
    Shuffled batches are written into buffers reused at every step (no allocation per
    batch), so a batch must not be kept past the next step.

    >>> batches = ArrayBatches(np.zeros((1000, 3)), np.zeros(1000), batch_size=128)
    >>> len(batches), [len(xb) for xb, _ in batches][-1]
    (8, 104)
    """

    def __init__(
        self, x: np.ndarray, y: np.ndarray | None, batch_size: int, shuffle: bool = False
    ) -> None:
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.num_samples = len(x)
        rows = min(batch_size, self.num_samples)
        self._x_buffer = np.empty((rows,) + x.shape[1:], x.dtype) if shuffle else None
        self._y_buffer = (
            np.empty((rows,) + y.shape[1:], y.dtype) if shuffle and y is not None else None
        )

    def __len__(self) -> int:
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        x, y, n, size = self.x, self.y, self.num_samples, self.batch_size
        order = random.generator().permutation(n) if self.shuffle else None
        for start in range(0, n, size):
            stop = min(start + size, n)
            if order is None:
                yield x[start:stop], (None if y is None else y[start:stop])
                continue
            index = order[start:stop]
            rows = stop - start
            # mode="clip" lets NumPy write straight into `out` (indices are valid anyway)
            x_batch = np.take(x, index, axis=0, out=self._x_buffer[:rows], mode="clip")
            y_batch = None
            if y is not None:
                y_batch = np.take(y, index, axis=0, out=self._y_buffer[:rows], mode="clip")
            yield x_batch, y_batch
