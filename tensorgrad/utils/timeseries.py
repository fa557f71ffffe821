"""`timeseries_dataset_from_array`: batches of sliding windows over a series, as Keras 3.

Window i starts at `start_index + p_i` where p_i = 0, s, 2s, ... (s = sequence_stride) and
takes `sequence_length` steps spaced `sampling_rate` apart:
`data[start + p_i : start + p_i + sequence_length * sampling_rate : sampling_rate]`; its
target is `targets[start + p_i]`. There are `end_index - start_index -
(sequence_length - 1) * sampling_rate` candidate starts (at most len(targets)), as Keras.

>>> import numpy as np
>>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=5, batch_size=4)
>>> [batch.tolist() for batch in ds]  # doctest: +NORMALIZE_WHITESPACE
[[[0, 1, 2, 3, 4], [1, 2, 3, 4, 5], [2, 3, 4, 5, 6], [3, 4, 5, 6, 7]],
 [[4, 5, 6, 7, 8], [5, 6, 7, 8, 9]]]

With `shuffle`, the start positions are shuffled once by `np.random.RandomState(seed)`, as
Keras does first; Keras then also shuffles within a buffer of batch_size * 8 windows per
epoch, which is not repeated here, so the windows of a shuffled dataset are Keras' windows
in another order.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.utils.py_dataset import PyDataset

__all__ = ["TimeseriesDataset", "timeseries_dataset_from_array"]


class TimeseriesDataset(PyDataset):
    """Windows over `data` (and their targets) in batches; made by
    `timeseries_dataset_from_array`. Batches are gathered when indexed, so a long series
    is never copied into windows all at once."""

    def __init__(
        self,
        data: np.ndarray,
        targets: np.ndarray | None,
        starts: np.ndarray,
        sequence_length: int,
        sampling_rate: int,
        batch_size: int | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.data, self.targets, self.starts = data, targets, starts
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size

    def __len__(self) -> int:
        if self.batch_size is None:
            return len(self.starts)
        return math.ceil(len(self.starts) / self.batch_size)

    def __getitem__(self, index: int) -> Any:
        if not 0 <= index < len(self):
            raise IndexError(f"TimeseriesDataset: batch {index} out of range (0..{len(self) - 1})")
        if self.batch_size is None:
            starts = self.starts[index : index + 1]
        else:
            starts = self.starts[index * self.batch_size : (index + 1) * self.batch_size]
        windows = self.data[starts[:, None] + self.offsets]
        targets = None if self.targets is None else self.targets[starts]
        if self.batch_size is None:
            windows = windows[0]
            targets = None if targets is None else targets[0]
        return windows if targets is None else (windows, targets)


def _positive(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"timeseries_dataset_from_array: {name} must be a positive integer, got {value!r}"
        )
    return int(value)


def timeseries_dataset_from_array(
    data: Any,
    targets: Any,
    sequence_length: int,
    sequence_stride: int = 1,
    sampling_rate: int = 1,
    batch_size: int | None = 128,
    shuffle: bool = False,
    seed: int | None = None,
    start_index: int | None = None,
    end_index: int | None = None,
    workers: int = 1,
) -> TimeseriesDataset:
    """A dataset of sliding windows over `data` (timesteps first), as Keras 3's.

    Args:
        data: array (timesteps, ...) of the series.
        targets: array of targets, `targets[i]` for the window starting at step i; or None.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: steps between the elements of a window (6: one in six).
        batch_size: windows per batch (128); None for single windows.
        shuffle, seed: shuffle the windows (see the module docstring).
        start_index, end_index: use only data[start_index:end_index] (end excluded).
        workers: threads that gather batches ahead during fit (see PyDataset).

    Raises:
        ValueError: the same bad arguments Keras rejects, with the same rules.
    """
    data = np.asarray(data)
    name = "timeseries_dataset_from_array"
    if data.ndim == 0:
        raise ValueError(f"{name}: data must have a timesteps axis, got a scalar")
    sequence_length = _positive("sequence_length", sequence_length)
    sequence_stride = _positive("sequence_stride", sequence_stride)
    sampling_rate = _positive("sampling_rate", sampling_rate)
    n = len(data)
    if start_index:
        if start_index < 0 or start_index >= n:
            raise ValueError(
                f"{name}: start_index must be in [0, {n}) (the data has {n} steps), "
                f"got {start_index}"
            )
    if end_index:
        if start_index and end_index <= start_index:
            raise ValueError(
                f"{name}: end_index must be above start_index, got start_index="
                f"{start_index}, end_index={end_index}"
            )
        if end_index >= n or end_index <= 0:
            raise ValueError(
                f"{name}: end_index must be in (0, {n}) (the data has {n} steps), got {end_index}"
            )
    for arg, value in (("sampling_rate", sampling_rate), ("sequence_stride", sequence_stride)):
        if value >= n:
            raise ValueError(f"{name}: {arg} must be lower than the data's {n} steps, got {value}")
    if batch_size is not None:
        batch_size = _positive("batch_size", batch_size)
    start = start_index or 0
    stop = end_index or n
    num_seqs = stop - start - (sequence_length - 1) * sampling_rate
    if targets is not None:
        targets = np.asarray(targets)
        num_seqs = min(num_seqs, len(targets))
    starts = np.arange(0, max(num_seqs, 0), sequence_stride, dtype=np.int64)
    if targets is not None and len(starts) and start + starts[-1] >= len(targets):
        raise ValueError(
            f"{name}: the window starting at step {start + starts[-1]} has no target: "
            f"targets holds {len(targets)} values; give one target per step of data"
        )
    if shuffle:
        if seed is None:
            seed = int(random.generator().integers(1_000_000))  # set_random_seed repeats it
        np.random.RandomState(seed).shuffle(starts)
    return TimeseriesDataset(
        data, targets, starts + start, sequence_length, sampling_rate, batch_size, workers=workers
    )
