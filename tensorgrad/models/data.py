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
from tensorgrad.utils import nest, text_arrays


def as_structure(data: Any, name: str, op: str) -> Any:
    """`data` as one array, or a list or dict of arrays (a model's several inputs).

    A list or tuple counts as several arrays when its items are arrays or tensors; a list
    of numbers (or of lists of numbers) is one array.

    Raises:
        ValueError: missing data, or an empty list or dict.
    """
    if data is None:
        raise ValueError(f"{op}: {name} is missing")
    if isinstance(data, Mapping):
        if not data:
            raise ValueError(f"{op}: {name} is an empty dict")
        return {k: as_array(v, f"{name}[{k!r}]", op, text=True) for k, v in data.items()}
    if (
        isinstance(data, (list, tuple))
        and data
        and all(isinstance(d, (np.ndarray, Tensor)) for d in data)
    ):
        return [as_array(d, f"{name}[{i}]", op, text=True) for i, d in enumerate(data)]
    return as_array(data, name, op, text=True)


def named_arrays(structure: Any, name: str) -> list[tuple[str, np.ndarray]]:
    """(label, array) for each array of a structure from `as_structure`, for messages."""
    if isinstance(structure, Mapping):
        return [(f"{name}[{k!r}]", structure[k]) for k in sorted(structure)]
    if isinstance(structure, list):
        return [(f"{name}[{i}]", a) for i, a in enumerate(structure)]
    return [(name, structure)]


def as_array(data: Any, name: str, op: str, text: bool = False) -> np.ndarray:
    """`data` (array, tensor, nested lists) as an array of numbers with a samples axis.

    With `text`, an array (or list) of strings is taken too: raw text for a model that
    starts with a TextVectorization layer.

    Raises:
        ValueError: missing data or a scalar.
        TypeError: values that are not numbers.
    """
    if data is None:
        raise ValueError(f"{op}: {name} is missing")
    if isinstance(data, Tensor):
        return data.data
    try:
        array = np.asarray(data)
    except ValueError as error:
        raise TypeError(f"{op}: {name} could not be turned into an array: {error}") from None
    if array.dtype.kind not in "biuf" and not (text and text_arrays.is_text(array)):
        raise TypeError(f"{op}: {name} must hold numbers, got an array of dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{op}: {name} must have a samples axis first, got a scalar")
    return array


def check_samples(named: list[tuple[str, np.ndarray]], op: str) -> int:
    """The number of samples all the arrays share; a ValueError naming them if they differ."""
    counts = {label: len(array) for label, array in named}
    if len(set(counts.values())) > 1:
        listed = " and ".join(
            f"{label} of shape {a.shape} ({len(a)} samples)" for label, a in named
        )
        raise ValueError(
            f"{op}: x and y must hold the same number of samples (first axis), got {listed}"
        )
    n = next(iter(counts.values()))
    if n == 0:
        raise ValueError(f"{op}: {', '.join(counts)} hold no samples")
    return n


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


def unpack_validation(validation_data: Any) -> tuple[Any, Any, Any]:
    """(x_val, y_val, sample_weight_val or None) from fit's `validation_data`."""
    if isinstance(validation_data, (tuple, list)) and len(validation_data) in (2, 3):
        weights = validation_data[2] if len(validation_data) == 3 else None
        return validation_data[0], validation_data[1], weights
    raise ValueError(
        "fit: validation_data must be a tuple (x_val, y_val) or (x_val, y_val, "
        "sample_weight_val), got "
        f"{type(validation_data).__name__}"
        + (
            f" of length {len(validation_data)}"
            if isinstance(validation_data, (tuple, list))
            else ""
        )
    )


def split_validation(arrays: Any, validation_split: float, n: int) -> tuple[Any, Any]:
    """The structure of arrays cut in two: the LAST `validation_split` fraction of the
    samples is held out, taken before shuffling (Keras' rule)."""
    if isinstance(validation_split, bool) or not 0 < validation_split < 1:
        raise ValueError(
            f"fit: validation_split must be a fraction in [0, 1), got {validation_split!r}"
        )
    split_at = math.floor(n * (1.0 - validation_split))
    if split_at == 0 or split_at == n:
        raise ValueError(
            f"fit: validation_split={validation_split} of {n} samples leaves "
            f"{split_at} for training and {n - split_at} for validation; both need some"
        )
    flat = nest.flatten(arrays)
    train = [None if a is None else a[:split_at] for a in flat]
    held = [None if a is None else a[split_at:] for a in flat]
    return nest.pack_sequence_as(arrays, train), nest.pack_sequence_as(arrays, held)


class ArrayBatches:
    """The batches of one epoch, in order or shuffled with the library's generator.

    `x`, `y` and `sample_weight` may each be an array, a list or dict of arrays, or None;
    iterating yields `(x_batch, y_batch, sample_weight_batch)` in the same structures. The
    last batch holds the remaining samples. Shuffled batches are written into buffers
    reused at every step (no allocation per batch), so a batch must not be kept past the
    next step.

    >>> batches = ArrayBatches(np.zeros((1000, 3)), np.zeros(1000), batch_size=128)
    >>> len(batches), [len(xb) for xb, _, _ in batches][-1]
    (8, 104)
    """

    def __init__(
        self,
        x: Any,
        y: Any = None,
        batch_size: int = 32,
        shuffle: bool = False,
        sample_weight: Any = None,
    ) -> None:
        self._structure = (x, y, sample_weight)
        self._flat = nest.flatten(self._structure)
        # one array of inputs and one of targets (the common case): no packing per batch
        self._plain = (
            type(x) is np.ndarray and (y is None or type(y) is np.ndarray) and sample_weight is None
        )
        self.batch_size = batch_size
        self.shuffle = shuffle
        arrays = [a for a in self._flat if a is not None]
        self.num_samples = len(arrays[0])
        rows = min(batch_size, self.num_samples)
        self._buffers = [
            None if a is None or not shuffle else np.empty((rows,) + a.shape[1:], a.dtype)
            for a in self._flat
        ]

    def __len__(self) -> int:
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[Any, Any, Any]]:
        n, size, flat, structure = self.num_samples, self.batch_size, self._flat, self._structure
        order = random.generator().permutation(n) if self.shuffle else None
        for start in range(0, n, size):
            stop = min(start + size, n)
            if order is None:
                batch = [None if a is None else a[start:stop] for a in flat]
            else:
                index = order[start:stop]
                rows = stop - start
                # mode="clip" lets NumPy write straight into `out` (indices are valid anyway)
                batch = [
                    None if a is None else np.take(a, index, axis=0, out=b[:rows], mode="clip")
                    for a, b in zip(flat, self._buffers)
                ]
            if self._plain:
                yield batch[0], batch[1], None
            else:
                yield nest.pack_sequence_as(structure, batch)


def keras_batch(batch: tuple[Any, Any, Any]) -> Any:
    """A batch (x, y, sample_weight) in the form Keras hands to train_step, test_step and
    predict_step: (x, y, sample_weight); (x, y) without weights; x alone without targets
    ((x,) when x is itself a tuple), so that a step of one's own can unpack it as in Keras."""
    x, y, sample_weight = batch
    if sample_weight is not None:
        return x, y, sample_weight
    if y is not None:
        return x, y
    return (x,) if isinstance(x, tuple) else x


def class_weight_to_sample_weight(y: np.ndarray, class_weight: Mapping[Any, float]) -> np.ndarray:
    """One weight per sample: the weight of its class, from labels or one-hot rows (Keras).

    Raises:
        ValueError: a class in the targets that `class_weight` does not list.
    """
    labels = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    labels = np.round(labels).astype(np.int64)
    weights = {int(k): float(v) for k, v in class_weight.items()}
    missing = sorted(set(np.unique(labels).tolist()) - set(weights))
    if missing:
        raise ValueError(
            f"fit: class_weight has no weight for class {missing[0]} (it gives {sorted(weights)})"
        )
    table = np.zeros(max(max(weights), int(labels.max())) + 1)
    for k, v in weights.items():
        if k >= 0:
            table[k] = v
    return table[labels]
