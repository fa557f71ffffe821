"""PyDataset (Keras 3's name; `Sequence` is the older one): a dataset of batches by index.

A subclass defines `__len__` (batches per epoch) and `__getitem__(index)` (one whole batch:
`x`, `(x, y)` or `(x, y, sample_weight)`), and optionally `on_epoch_begin`/`on_epoch_end`.
`workers`, `use_multiprocessing` and `max_queue_size` tell `fit` how to load batches ahead
(`prefetch` below): with `workers > 1`, or `workers >= 1` and `use_multiprocessing=True`,
batches are loaded in worker threads (or forked processes) while the model trains, and still
arrive in order. Iterating over a PyDataset directly loads batches one by one, in this thread.

>>> import numpy as np
>>> class Squares(PyDataset):
...     def __len__(self):
...         return 3
...     def __getitem__(self, index):
...         x = np.full((2, 1), index, dtype="float32")
...         return x, x**2
>>> [float(y[0, 0]) for _, y in Squares()]
[0.0, 1.0, 4.0]
"""

from __future__ import annotations

import concurrent.futures
import itertools
import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = ["PyDataset", "Sequence", "prefetch"]


class PyDataset:
    """Base class of datasets that produce whole batches by index (as `keras.utils.PyDataset`).

    Args:
        workers: how many threads (or processes) load batches ahead during fit; 1 loads in
            the training thread unless use_multiprocessing is True.
        use_multiprocessing: load in forked processes instead of threads (for loading that
            holds Python's lock, e.g. pure-Python decoding); the dataset must survive a fork.
        max_queue_size: how many batches may wait, loaded, ahead of training.

    Raises:
        ValueError: workers or max_queue_size not a positive integer (workers may be 0).
    """

    def __init__(
        self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10
    ) -> None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 0:
            raise ValueError(f"PyDataset: workers must be an integer >= 0, got {workers!r}")
        if isinstance(max_queue_size, bool) or not isinstance(max_queue_size, int):
            raise ValueError(
                f"PyDataset: max_queue_size must be a positive integer, got {max_queue_size!r}"
            )
        if max_queue_size < 1:
            raise ValueError(
                f"PyDataset: max_queue_size must be a positive integer, got {max_queue_size!r}"
            )
        self._workers = workers
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = max_queue_size

    # Subclasses that forget super().__init__() still get Keras' defaults.
    @property
    def workers(self) -> int:
        return getattr(self, "_workers", 1)

    @workers.setter
    def workers(self, value: int) -> None:
        self._workers = value

    @property
    def use_multiprocessing(self) -> bool:
        return getattr(self, "_use_multiprocessing", False)

    @use_multiprocessing.setter
    def use_multiprocessing(self, value: bool) -> None:
        self._use_multiprocessing = value

    @property
    def max_queue_size(self) -> int:
        return getattr(self, "_max_queue_size", 10)

    @max_queue_size.setter
    def max_queue_size(self, value: int) -> None:
        self._max_queue_size = value

    def __getitem__(self, index: int) -> Any:
        """The batch at position `index`: `x`, `(x, y)` or `(x, y, sample_weight)`."""
        raise NotImplementedError(
            f"{type(self).__name__}: a PyDataset must define __getitem__(self, index) "
            "returning one batch"
        )

    @property
    def num_batches(self) -> int | None:
        """Batches per epoch (`len(self)`), or None for an endless dataset."""
        if hasattr(self, "__len__"):
            return len(self)  # type: ignore[arg-type]
        raise NotImplementedError(
            f"{type(self).__name__}: a PyDataset must define __len__ (batches per epoch) "
            "or a num_batches property (None when endless)"
        )

    def __iter__(self) -> Iterator[Any]:
        count = self.num_batches
        for index in range(count) if count is not None else itertools.count():
            yield self[index]

    def on_epoch_begin(self) -> None:
        """Called by fit before each epoch."""

    def on_epoch_end(self) -> None:
        """Called by fit after each epoch (e.g. to reshuffle the samples)."""

    def map(self, function: Any, num_parallel_calls: Any = None, deterministic: Any = None) -> Any:
        """This dataset with `function` applied to every batch, as tf.data's `map`.

        A batch that is a tuple is unpacked into the arguments: `lambda x, y: (f(x), y)`.
        `num_parallel_calls` and `deterministic` are accepted for tf.data code and ignored
        (the batches load ahead in the dataset's workers during fit).
        """
        return MappedDataset(self, function)


class MappedDataset(PyDataset):
    """A PyDataset whose batches are another's passed through a function (see `map`)."""

    def __init__(self, source: PyDataset, function: Any) -> None:
        if not callable(function):
            raise TypeError(f"map: expected a function, got {type(function).__name__}")
        super().__init__(source.workers, source.use_multiprocessing, source.max_queue_size)
        self.source, self.function = source, function

    @property
    def num_batches(self) -> int | None:
        return self.source.num_batches

    def __len__(self) -> int:
        count = self.source.num_batches
        if count is None:
            raise TypeError("map: this dataset is endless, so it has no len()")
        return count

    def __getitem__(self, index: int) -> Any:
        batch = self.source[index]
        return self.function(*batch) if isinstance(batch, tuple) else self.function(batch)

    def __getattr__(self, name: str) -> Any:  # class_names, file_paths... of the source
        if name == "source":
            raise AttributeError(name)
        return getattr(self.source, name)

    def on_epoch_begin(self) -> None:
        self.source.on_epoch_begin()

    def on_epoch_end(self) -> None:
        self.source.on_epoch_end()


Sequence = PyDataset  # the Keras 2 name

_process_dataset: Any = None  # the dataset inside a worker process, set once at fork


def _set_process_dataset(dataset: Any) -> None:
    global _process_dataset
    _process_dataset = dataset


def _get_in_process(index: int) -> Any:
    return _process_dataset[index]


def prefetch(dataset: Any, indices: Iterable[int]) -> Iterator[Any]:
    """`dataset[i]` for each i of `indices`, in order, loaded ahead as the dataset asks.

    Up to `dataset.max_queue_size` batches are requested ahead of the one being consumed,
    from `dataset.workers` threads, or forked processes when `use_multiprocessing` is set
    (each forked worker holds a copy of the dataset as it was when the epoch began, which
    is why the pool is made again for every epoch, as Keras does). With one worker and no
    multiprocessing, batches are loaded in the caller's thread, one by one.
    """
    workers, processes = dataset.workers, dataset.use_multiprocessing
    if workers <= 1 and not (processes and workers >= 1):
        for index in indices:
            yield dataset[index]
        return
    if processes:
        executor: concurrent.futures.Executor = concurrent.futures.ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_set_process_dataset,
            initargs=(dataset,),
        )
        load: Any = _get_in_process
    else:
        executor = concurrent.futures.ThreadPoolExecutor(workers, "pydataset")
        load = dataset.__getitem__
    pending: deque[concurrent.futures.Future[Any]] = deque()
    index_iter = iter(indices)
    try:
        for index in itertools.islice(index_iter, dataset.max_queue_size):
            pending.append(executor.submit(load, index))
        while pending:
            batch = pending.popleft().result()
            for index in itertools.islice(index_iter, 1):
                pending.append(executor.submit(load, index))
            yield batch
    finally:
        for future in pending:
            future.cancel()
        executor.shutdown(wait=True, cancel_futures=True)
