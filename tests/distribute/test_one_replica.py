"""DataParallel in one process changes nothing; scopes bind models; the pieces in isolation."""

from __future__ import annotations

import re
import sys

import numpy as np
import pytest

import tensorgrad
from tensorgrad import callbacks, distribute, layers, metrics, models, utils
from tensorgrad.distribute.communicator import LocalCommunicator, world


def _model(strategy: distribute.Strategy | None = None) -> models.Model:
    utils.set_random_seed(3)
    scope = strategy.scope() if strategy is not None else None
    if scope is not None:
        scope.__enter__()
    try:
        model = models.Sequential(
            [layers.Dense(8, activation="relu", input_shape=(5,)), layers.Dense(3, "softmax")]
        )
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    finally:
        if scope is not None:
            scope.__exit__(None, None, None)
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 5)).astype(np.float32)
    return x, np.eye(3, dtype=np.float32)[rng.integers(0, 3, 50)]


def test_one_replica_trains_exactly_as_without_a_strategy():
    strategy = distribute.DataParallel()
    assert (strategy.rank, strategy.size, strategy.is_chief) == (0, 1, True)
    x, y = _data()
    plain, parallel = _model(), _model(strategy)
    assert parallel.distribute_strategy is strategy
    utils.set_random_seed(5)  # the same shuffles for both
    h1 = plain.fit(x, y, batch_size=7, epochs=2, verbose=0)
    utils.set_random_seed(5)
    h2 = parallel.fit(x, y, batch_size=7, epochs=2, verbose=0)
    for a, b in zip(plain.get_weights(), parallel.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert h1.history == h2.history
    assert plain.evaluate(x, y, verbose=0) == parallel.evaluate(x, y, verbose=0)


def test_scopes_nest_and_bind_the_models_made_in_them():
    outer, inner = distribute.DataParallel(), distribute.DataParallel()
    default = distribute.get_strategy()
    assert type(default) is distribute.Strategy and not distribute.in_scope()
    with outer.scope():
        created = models.Sequential([layers.Dense(1, input_shape=(2,))])
        with inner.scope():
            assert distribute.get_strategy() is inner
        assert distribute.get_strategy() is outer
    assert distribute.get_strategy() is default
    created.compile(optimizer="sgd", loss="mse")  # compiled outside: keeps its strategy
    assert created.distribute_strategy is outer
    assert models.Sequential([layers.Dense(1)]).distribute_strategy is default


def test_a_launch_of_several_processes_without_mpi4py_fails_clearly(monkeypatch):
    monkeypatch.setitem(sys.modules, "mpi4py", None)  # import mpi4py now raises ImportError
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", None)
    for name in ("OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "SLURM_NTASKS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PMI_SIZE", "1")
    assert isinstance(world(), LocalCommunicator)
    monkeypatch.setenv("PMI_SIZE", "4")
    with pytest.raises(RuntimeError, match=r"one of 4 .*pip install \"tensorgrad\[mpi\]\""):
        distribute.DataParallel()


class _LoneRank(LocalCommunicator):
    """Rank `rank` of `size` whose peers contribute nothing: sums equal this rank's part."""

    def __init__(self, rank: int, size: int) -> None:
        self.rank, self.size = rank, size


def _parallel(communicator: LocalCommunicator) -> distribute.DataParallel:
    return distribute.DataParallel(comm=communicator, abort_on_error=False)


def test_each_rank_takes_its_contiguous_share_of_every_array_of_the_batch():
    shares = []
    batch = ([np.arange(8), {"b": np.arange(8) * 2}], np.arange(8) * 10, None)
    for rank in range(3):
        strategy = _parallel(_LoneRank(rank, 3))
        strategy.run_step(lambda share: shares.append(share) or {}, batch)
    assert [x[0].tolist() for (x, _, _) in shares] == [[0, 1], [2, 3, 4], [5, 6, 7]]
    assert [x[1]["b"].tolist() for (x, _, _) in shares] == [[0, 2], [4, 6, 8], [10, 12, 14]]
    assert [y.tolist() for (_, y, _) in shares] == [[0, 10], [20, 30, 40], [50, 60, 70]]
    assert all(w is None for (_, _, w) in shares)


def test_gradients_are_weighted_by_the_share_of_the_batch():
    strategy = _parallel(_LoneRank(1, 2))
    w = tensorgrad.tensor(np.ones((2, 3)), requires_grad=True)
    v = tensorgrad.tensor(np.ones(4), requires_grad=True)
    w.grad = np.full((2, 3), 6.0)
    got = []
    strategy.run_step(
        lambda batch: got.extend(strategy.reduce_gradients([w, v])) or {}, (np.zeros(9), None)
    )  # rank 1 of 2 takes 5 of 9 samples
    np.testing.assert_allclose(got[0], np.full((2, 3), 6.0 * 5 / 9))
    assert got[1] is None  # no rank had a gradient for v
    # a step run by hand, outside fit: each of the 2 ranks counts for half
    np.testing.assert_allclose(strategy.reduce_gradients([w, v])[0], np.full((2, 3), 3.0))


def test_a_rank_without_samples_changes_neither_weights_nor_metrics():
    # rank 0 of 2 gets no sample of a one-sample batch: every step of this fit is idle
    strategy = _parallel(_LoneRank(0, 2))
    model = _model(strategy)
    before = model.get_weights()
    x, y = _data()
    history = model.fit(x[:6], y[:6], batch_size=1, epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert history.history == {"loss": [0.0], "accuracy": [0.0]}
    assert (model._loss_tracker.total, model._loss_tracker.count) == (0.0, 0.0)


def test_metrics_are_combined_from_totals_and_counts():
    strategy = _parallel(_LoneRank(0, 2))
    mean = metrics.Mean()
    mean.update_state(2.0, weight=4)
    assert strategy.metric_results([mean]) == [2.0]
    assert (mean.total, mean.count) == (8.0, 4)  # the rank's own state is kept

    class Opaque:
        name = "opaque"

        def result(self) -> float:
            return 1.0

    with pytest.raises(TypeError, match="opaque.*keeps no running total and count"):
        strategy.metric_results([Opaque()])


def test_other_ranks_drop_the_callbacks_that_print_or_write(tmp_path):
    lambda_cb = callbacks.LambdaCallback()
    given = [
        callbacks.ModelCheckpoint(tmp_path / "m.tensorgrad"),
        callbacks.BackupAndRestore(tmp_path / "b"),
        callbacks.ProgbarLogger(),
        callbacks.CSVLogger(tmp_path / "log.csv"),
        callbacks.TensorBoard(tmp_path / "logs"),
        lambda_cb,
    ]
    chief = _parallel(_LoneRank(0, 2))
    other = _parallel(_LoneRank(1, 2))
    assert chief.for_rank(given, 1) == (given, 1)
    assert other.for_rank(given, 1) == ([lambda_cb], 0)
    written = []
    other.on_chief(written.append, "file")
    chief.on_chief(written.append, "file")
    assert written == ["file"]


def test_the_mnist_command_runs_distributed_in_one_process(monkeypatch, capsys):
    from tensorgrad.datasets import fashion_mnist
    from tensorgrad.examples import mnist

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (120, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, 120).astype(np.uint8)
    monkeypatch.setattr(
        fashion_mnist, "load_data", lambda path=None: ((images, labels), (images, labels))
    )
    options = ["--dataset", "fashion_mnist", "--epochs", "1", "--seed", "0"]
    assert mnist.main([*options, "--distributed"]) == 0
    distributed = capsys.readouterr().out
    assert mnist.main(options) == 0
    alone = capsys.readouterr().out
    assert "Trained 1 epoch(s)" in distributed
    # the same run: equal losses, accuracies and predictions (timings aside)
    assert _numbers(distributed) == _numbers(alone)


def _numbers(text: str) -> list[str]:
    return re.findall(r"(?:loss|accuracy): [0-9.]+", text)
