"""Strategies: how `fit`, `evaluate` and saving share the work between processes.

`Strategy` is one replica, the default every model has: each of its hooks leaves training
exactly as it is. `DataParallel` runs the same script in N processes (under mpirun) that
train one model together, as Keras' `keras.distribution.DataParallel`, TensorFlow's
`MultiWorkerMirroredStrategy` and PyTorch's `DistributedDataParallel` do:

- `batch_size` in fit is the global batch: each process takes its contiguous share of it
  (the shares differ by at most one sample);
- after the backward pass each process scales its gradients by `local_n / global_n`
  (its share of the batch) into one flat buffer, and one Allreduce sums the buffers. The
  loss is a mean over the batch, so the sum is the gradient of the mean over the whole
  global batch: N processes make the update one process makes on that batch;
- the running totals and counts of the loss and metrics are summed across processes, so
  every process logs the values one process would, and callbacks decide alike;
- at the start of each fit the chief's weights, optimizer state, random generator state
  (hence the shuffle order) and resumed epoch are sent to all;
- only the chief (rank 0) prints progress and writes checkpoints, backups, CSV and
  TensorBoard logs and saved models.

The model created and compiled inside `strategy.scope()` is bound to the strategy.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from tensorgrad.distribute import faults, state
from tensorgrad.distribute.communicator import LocalCommunicator, world
from tensorgrad.utils import nest


class Strategy:
    """One replica in one process: the default strategy, which changes nothing.

    Models call the hooks below at fixed points of fit and evaluate; `DataParallel`
    overrides them to train across processes.
    """

    def __init__(self, communicator: Any = None) -> None:
        self.communicator = LocalCommunicator() if communicator is None else communicator
        self.gradient_seconds = 0.0  # time spent summing gradients across processes
        self.gradient_steps = 0

    @property
    def rank(self) -> int:
        """This process's number, 0 to size - 1."""
        return self.communicator.rank

    @property
    def size(self) -> int:
        """How many processes train together."""
        return self.communicator.size

    num_replicas_in_sync = size

    @property
    def is_chief(self) -> bool:
        """True on rank 0, the process that prints and writes files."""
        return self.rank == 0

    @contextlib.contextmanager
    def scope(self) -> Iterator[Strategy]:
        """Models created or compiled inside this block train with this strategy.

        >>> from tensorgrad import distribute, layers, models
        >>> strategy = distribute.DataParallel()  # one replica in a plain python process
        >>> with strategy.scope():
        ...     model = models.Sequential([layers.Dense(1, input_shape=(2,))])
        ...     model.compile(optimizer="sgd", loss="mse")
        >>> model.distribute_strategy is strategy, strategy.size
        (True, 1)
        """
        _stack.append(self)
        try:
            yield self
        finally:
            _stack.pop()

    # ----- the hooks Model calls -----
    def for_rank(self, callbacks: Sequence[Any] | None, verbose: int) -> tuple[Any, int]:
        """The callbacks and verbosity this process uses: all of them on the chief."""
        return callbacks, verbose

    def sync_training_state(self, model: Any) -> None:
        """Make every process start fit from the chief's state (nothing to do alone)."""

    def sync_weights(self, model: Any) -> None:
        """Give every process the chief's weights, as evaluate starts (nothing to do alone)."""

    def run_step(
        self, step: Callable[[Any], dict[str, float]], batch: Any, metrics: Sequence[Any] = ()
    ) -> dict[str, float]:
        """Run a train or test step on this process's share of a global batch; its logs,
        with the values of `metrics` (the model's) taken over every process."""
        return step(batch)

    def reduce_gradients(self, weights: Sequence[Any]) -> list[np.ndarray | None]:
        """The gradients of the whole global batch, one per weight (None: no gradient)."""
        return [w.grad for w in weights]

    def metric_results(self, metrics: Sequence[Any]) -> list[float]:
        """Each metric's result over the samples every process has seen."""
        return [m.result() for m in metrics]

    def on_chief(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `write` (saving a file) on the chief only."""
        return write(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(rank={self.rank}, size={self.size})"


_DEFAULT = Strategy()
_stack: list[Strategy] = []


def get_strategy() -> Strategy:
    """The strategy of the innermost active `scope()`, or the default one-replica strategy."""
    return _stack[-1] if _stack else _DEFAULT


def in_scope() -> bool:
    """Whether a `strategy.scope()` block is active."""
    return bool(_stack)


class DataParallel(Strategy):
    """Train one model with several processes, each on its share of every batch, over MPI.

    Start the same script in N processes with `mpirun -n N python train.py`. Without MPI
    (plain `python`, or mpi4py not installed) it is one replica and changes nothing.

    Args:
        comm: an mpi4py communicator (MPI_COMM_WORLD by default).
        abort_on_error: with several processes, make an uncaught exception in one of them
            stop all (MPI_Abort) instead of leaving the others waiting in a collective.

    Raises:
        RuntimeError: started as one of several processes but mpi4py is missing.

    Example (train.py):

        strategy = tensorgrad.distribute.DataParallel()
        with strategy.scope():
            model = models.Sequential([...])
            model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
        model.fit(x, y, batch_size=512, epochs=5)  # 512 samples per step in all
        loss = model.evaluate(x_test, y_test)  # on every rank: the ranks share the work
        if strategy.is_chief:
            print(loss)

    An uncaught exception in any process stops all of them (MPI_Abort) instead of leaving
    the others waiting. Random draws are identical on all processes (the generator state
    is sent at each fit), so a Dropout layer draws the same mask on each share.

    The updates equal one process's because every loss is a mean over the samples (also
    with sample weights). A masked loss averages over the real timesteps of each share
    instead, so with padded sequences the shares are weighted by samples, not timesteps.
    """

    def __init__(self, comm: Any = None, abort_on_error: bool = True) -> None:
        super().__init__(world(comm))
        self._single = self.size == 1
        self._local_n = self._global_n = 0
        self._buffers: tuple[tuple[int, ...], list[tuple[np.ndarray, list[Any]]]] | None = None
        if abort_on_error and not self._single:
            faults.abort_on_uncaught_exception(self.communicator)

    def for_rank(self, callbacks: Sequence[Any] | None, verbose: int) -> tuple[Any, int]:
        """On other ranks than the chief: silent, without the callbacks that print or write."""
        if self.is_chief:
            return callbacks, verbose
        from tensorgrad import callbacks as c

        chief_only = (c.BackupAndRestore, c.CSVLogger, c.ModelCheckpoint, c.ProgbarLogger)
        chief_only += (c.TensorBoard,)
        return [cb for cb in callbacks or [] if not isinstance(cb, chief_only)], 0

    def sync_training_state(self, model: Any) -> None:
        """Send the chief's weights, optimizer and random state and resumed epoch to all.

        Called right after the callbacks' on_train_begin, so a backup the chief's
        BackupAndRestore restored reaches every process (only the chief reads the backup:
        the others need no access to its folder).
        """
        if not self._single:
            state.broadcast_training_state(self.communicator, model)

    def sync_weights(self, model: Any) -> None:
        """Send the chief's weights to all, so that evaluate measures one model even before
        any fit (models built from unseeded random weights differ between processes)."""
        if not self._single:
            state.broadcast_weights(self.communicator, model.weights)

    def run_step(
        self, step: Callable[[Any], dict[str, float]], batch: Any, metrics: Sequence[Any] = ()
    ) -> dict[str, float]:
        """Run `step` on this rank's contiguous share of the global batch; the logs, with the
        values of `metrics` combined over all ranks.

        `batch` is (x, y, sample_weight), each an array, a structure of arrays or None.
        A batch smaller than the number of ranks (the last of an epoch) leaves some ranks
        without samples. Such a rank still takes part in every collective: it runs the step
        on one sample whose gradient is scaled by zero, contributes its metric totals from
        before the step, and then puts them back.
        """
        if self._single:
            return step(batch)
        n = len(next(a for a in nest.flatten(batch) if a is not None))
        start, stop = n * self.rank // self.size, n * (self.rank + 1) // self.size
        self._global_n, self._local_n = n, stop - start
        before = None
        if stop == start:
            before = [(m.total, m.count) for m in _combinable(metrics)]
            start, stop = 0, 1
        share = nest.map_structure(lambda a: None if a is None else a[start:stop], batch)
        try:
            logs = dict(step(share))
        finally:
            self._global_n = self._local_n = 0
        results = self._combined_results(metrics, before)
        if before is not None:
            for metric, (total, count) in zip(metrics, before):
                metric.total, metric.count = total, count
        for metric, value in zip(metrics, results):
            if metric.name in logs:
                logs[metric.name] = value
        return logs

    def reduce_gradients(self, weights: Sequence[Any]) -> list[np.ndarray | None]:
        """Sum `local_n / global_n` times each rank's gradients with one Allreduce.

        The gradients are copied (scaled) into one preallocated flat buffer per dtype, with
        one flag per weight after them saying whether it has a gradient; the optimizer then
        reads views of the summed buffer. A weight no rank has a gradient for gets None.
        A step run by hand rather than by fit (no share known) counts each rank's gradient
        1 / size.
        """
        if self._single:
            return [w.grad for w in weights]
        buffers = self._flat_buffers(weights)
        scale = self._local_n / self._global_n if self._global_n else 1.0 / self.size
        grads: list[np.ndarray | None] = [None] * len(weights)
        start = time.perf_counter()
        for flat, members in buffers:
            flags = flat[len(flat) - len(members) :]
            for k, (index, view) in enumerate(members):
                grad = weights[index].grad
                if grad is None:
                    view.fill(0)
                    flags[k] = 0
                else:
                    np.multiply(grad, scale, out=view)
                    flags[k] = 1
            self.communicator.allreduce_sum(flat)
            for k, (index, view) in enumerate(members):
                if flags[k] > 0:
                    grads[index] = view
        self.gradient_seconds += time.perf_counter() - start
        self.gradient_steps += 1
        return grads

    def _flat_buffers(self, weights: Sequence[Any]) -> list[tuple[np.ndarray, list[Any]]]:
        """One flat buffer per dtype with a view per weight (made once per set of weights)."""
        key = tuple(id(w) for w in weights) + tuple(s for w in weights for s in w.data.shape)
        if self._buffers is not None and self._buffers[0] == key:
            return self._buffers[1]
        by_dtype: dict[np.dtype, list[int]] = {}
        for index, weight in enumerate(weights):
            by_dtype.setdefault(weight.data.dtype, []).append(index)
        buffers = []
        for dtype, indices in by_dtype.items():
            sizes = [weights[i].data.size for i in indices]
            flat = np.zeros(sum(sizes) + len(indices), dtype)
            offsets = np.cumsum([0, *sizes])
            members = [
                (i, flat[offsets[k] : offsets[k + 1]].reshape(weights[i].data.shape))
                for k, i in enumerate(indices)
            ]
            buffers.append((flat, members))
        self._buffers = (key, buffers)
        return buffers

    def metric_results(self, metrics: Sequence[Any]) -> list[float]:
        """Results from the totals and counts of every rank, summed with one Allreduce.

        Metrics keep a running `total` and `count`; summing those (not averaging the
        ranks' averages) gives the value one process would compute on all the samples.
        Every rank must call it (it is a collective); each keeps its own totals.

        Raises:
            TypeError: a metric that keeps no total and count, which cannot be combined.
        """
        if self._single:
            return [m.result() for m in metrics]
        return self._combined_results(metrics, None)

    def _combined_results(
        self, metrics: Sequence[Any], own: list[tuple[float, float]] | None
    ) -> list[float]:
        """Results over all ranks, this rank contributing `own` (its current state if None)."""
        metrics = _combinable(metrics)
        if own is None:
            own = [(m.total, m.count) for m in metrics]
        sums = np.array(own, np.float64).reshape(-1)
        self.communicator.allreduce_sum(sums)
        results = []
        for k, metric in enumerate(metrics):
            mine = (metric.total, metric.count)
            metric.total, metric.count = float(sums[2 * k]), float(sums[2 * k + 1])
            results.append(metric.result())
            metric.total, metric.count = mine
        return results

    def on_chief(self, write: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run `write` on the chief only; the other ranks return at once, without waiting.

        No barrier: `if strategy.is_chief: model.save(...)`, the usual way to save once,
        must not wait for ranks that never call it. To read the file from other ranks on a
        shared filesystem, call `strategy.communicator.barrier()` on all ranks first.
        """
        return write(*args, **kwargs) if self.is_chief else None


def _combinable(metrics: Sequence[Any]) -> list[Any]:
    """The metrics, checked to keep a running total and count (what ranks can add up)."""
    for metric in metrics:
        if not (hasattr(metric, "total") and hasattr(metric, "count")):
            raise TypeError(
                f"DataParallel: metric {getattr(metric, 'name', metric)!r} "
                f"({type(metric).__name__}) keeps no running total and count, so its "
                "results cannot be combined across processes; give it `total` and "
                "`count` attributes with result() = total / count"
            )
    return list(metrics)


def strategy_for(model: Any) -> Strategy:
    """The strategy a model being compiled binds to: the active scope's, else its own."""
    if in_scope():
        return get_strategy()
    return getattr(model, "distribute_strategy", None) or get_strategy()
