"""The adapters from generators and PyDatasets to epochs of batches, and PyDataset's loading
ahead in threads and processes: order, epochs, shuffling, and the errors for bad input."""

from __future__ import annotations

import itertools
import os
import threading
import time

import numpy as np
import pytest

from tensorgrad import utils
from tensorgrad.models.data_adapters import GeneratorBatches, get_adapter
from tensorgrad.utils.py_dataset import PyDataset, prefetch


class Numbered(PyDataset):
    """Batch i is (full of i, i); records which thread loaded it and its epoch hooks."""

    def __init__(self, count: int = 6, delay: float = 0.0, **kwargs) -> None:
        super().__init__(**kwargs)
        self.count, self.delay = count, delay
        self.threads: set[str] = set()
        self.events: list[str] = []

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int):
        if self.delay:
            time.sleep(self.delay * ((index * 7) % 3))  # uneven, so order is tested
        self.threads.add(threading.current_thread().name)
        return np.full((2, 3), index, np.float32), np.full((2, 1), index, np.float32), os.getpid()

    def on_epoch_begin(self) -> None:
        self.events.append("begin")

    def on_epoch_end(self) -> None:
        self.events.append("end")


def _epoch(adapter) -> list[int]:
    return [int(x[0, 0]) for x, _, _ in adapter]


def test_pydataset_batches_in_order_and_epoch_hooks() -> None:
    data = Numbered()
    adapter = get_adapter(data, shuffle=False)
    assert len(adapter) == 6 and adapter.num_steps == 6
    assert _epoch(adapter) == [0, 1, 2, 3, 4, 5] and _epoch(adapter) == [0, 1, 2, 3, 4, 5]
    assert data.events == ["begin", "end", "begin", "end"]


def test_pydataset_batch_order_is_shuffled_per_epoch_with_the_library_seed() -> None:
    # Keras 3 shuffles a PyDataset's batch order when fit's shuffle=True
    utils.set_random_seed(0)
    adapter = get_adapter(Numbered(count=20), shuffle=True)
    first, second = _epoch(adapter), _epoch(adapter)
    assert sorted(first) == list(range(20)) and first != second
    utils.set_random_seed(0)
    assert _epoch(get_adapter(Numbered(count=20), shuffle=True)) == first


@pytest.mark.parametrize("processes", [False, True])
def test_workers_load_ahead_and_keep_the_order(processes) -> None:
    data = Numbered(
        count=12, delay=0.01, workers=3, use_multiprocessing=processes, max_queue_size=4
    )
    batches = list(prefetch(data, range(12)))
    assert [int(b[0][0, 0]) for b in batches] == list(range(12))
    pids = {b[2] for b in batches}
    if processes:
        assert os.getpid() not in pids
    else:
        assert pids == {os.getpid()} and all(t.startswith("pydataset") for t in data.threads)


def test_workers_load_several_batches_at_once() -> None:
    # each load waits until four loads are in progress together: only concurrent loading
    # gets past the barrier (a serial loader would break it after the timeout)
    barrier = threading.Barrier(4, timeout=10)

    class Together(Numbered):
        def __getitem__(self, index):
            if index < 4:
                barrier.wait()
            return super().__getitem__(index)

    batches = list(prefetch(Together(count=8, workers=4), range(8)))
    assert [int(b[0][0, 0]) for b in batches] == list(range(8))


def test_endless_pydataset_needs_steps() -> None:
    class Endless(PyDataset):
        @property
        def num_batches(self):
            return None

        def __getitem__(self, index):
            return np.full((1, 2), index, np.float32), np.zeros((1, 1))

    with pytest.raises(ValueError, match="Endless is endless .* steps_per_epoch is needed"):
        get_adapter(Endless(), steps=None)
    adapter = get_adapter(Endless(), steps=3)
    assert _epoch(adapter) == [0, 1, 2] and _epoch(adapter) == [3, 4, 5]


def test_generator_with_steps_continues_across_epochs_and_stops_when_it_runs_out() -> None:
    def finite():
        for i in range(5):
            yield np.full((2, 3), i, np.float32), np.zeros((2, 1))

    adapter = get_adapter(finite(), steps=2)
    assert _epoch(adapter) == [0, 1] and _epoch(adapter) == [2, 3]
    with pytest.warns(UserWarning, match="ran out of data after 1 step"):
        assert _epoch(adapter) == [4]
    assert adapter.exhausted


def test_generator_without_steps_runs_one_epoch_until_it_ends() -> None:
    adapter = get_adapter(iter([(np.zeros((2, 3)), np.zeros(2))] * 3))
    assert adapter.num_steps is None and len(_epoch(adapter)) == 3 and not adapter.exhausted
    with pytest.raises(TypeError, match="unknown"):
        len(adapter)
    with pytest.warns(UserWarning, match="ran out of data after 0 step"):
        assert _epoch(adapter) == []


def test_batches_are_standardized_to_x_y_weights() -> None:
    x = np.zeros((2, 3))
    forms = [x, (x,), (x, x[:, 0]), [x, x[:, 0], np.ones(2)]]
    got = [next(iter(get_adapter(iter([form])))) for form in forms]
    assert [tuple(v is None for v in b) for b in got] == [
        (False, True, True),
        (False, True, True),
        (False, False, True),
        (False, False, False),
    ]
    with pytest.raises(ValueError, match=r"gave y of shape \(2,\) at step 1, but y of shape None"):
        list(get_adapter(iter([(x,), (x, x[:, 0])])))
    with pytest.raises(
        ValueError,
        match=r"\(x,\), \(x, y\) or \(x, y, sample_weight\); at step 0 it gave a tuple of 4",
    ):
        list(get_adapter(iter([(x, x, x, x)])))


def test_endless_generators_without_steps_are_refused_at_the_start() -> None:
    def forever():
        while True:
            yield np.zeros((2, 3)), np.zeros(2)

    def stops():
        while True:
            if np.random.default_rng().random() < 2:
                return
            yield np.zeros((2, 3)), np.zeros(2)

    for endless in (
        forever(),
        itertools.cycle([(np.zeros((1, 1)), np.zeros(1))]),
        itertools.repeat((np.zeros((1, 1)),)),
    ):
        with pytest.raises(ValueError, match="never ends .* steps_per_epoch is needed"):
            get_adapter(endless)
    assert isinstance(get_adapter(stops()), GeneratorBatches)  # it may end: allowed
    assert isinstance(get_adapter(forever(), steps=4), GeneratorBatches)


def test_inconsistent_shapes_name_the_step_and_both_shapes() -> None:
    def changing():
        yield np.zeros((4, 3)), np.zeros(4)
        yield np.zeros((4, 3)), np.zeros(4)
        yield np.zeros((2, 3)), np.zeros(2)  # a smaller last batch is fine
        yield np.zeros((4, 5)), np.zeros(4)

    adapter = get_adapter(changing(), op="fit")
    with pytest.raises(
        ValueError,
        match=r"fit: the generator gave x of shape \(4, 5\) at step 3, "
        r"but x of shape \(4, 3\) at step 0",
    ):
        list(adapter)
    labels = iter([(np.zeros((4, 3)), np.zeros((4, 1))), (np.zeros((4, 3)), np.zeros((4, 2)))])
    with pytest.raises(
        ValueError, match=r"gave y of shape \(4, 2\) at step 1, but y of shape \(4, 1\)"
    ):
        list(get_adapter(labels))


def test_y_beside_a_dataset_is_refused() -> None:
    with pytest.raises(ValueError, match="y must not be given when x is a PyDataset"):
        get_adapter(Numbered(), np.zeros(3))
    with pytest.raises(ValueError, match="steps_per_epoch must be a positive integer"):
        get_adapter(Numbered(), steps=0)
    assert get_adapter(np.zeros((3, 2))) is None  # arrays are batched elsewhere


def test_a_pydataset_with_inconsistent_shapes_names_the_batch_index() -> None:
    class Uneven(Numbered):
        def __getitem__(self, index):
            x, y, _ = super().__getitem__(index)
            return (x[:, :2], y) if index == 4 else (x, y)

    with pytest.raises(
        ValueError,
        match=r"Uneven gave x of shape \(2, 2\) at batch 4, but x of shape \(2, 3\) at batch 0",
    ):
        list(get_adapter(Uneven(), shuffle=False))
