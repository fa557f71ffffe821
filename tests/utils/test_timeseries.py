"""timeseries_dataset_from_array: Keras' documented examples, a reference written with plain
loops from the documented rule, the weather chapter's settings, and the argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad.utils import PyDataset, timeseries_dataset_from_array


def _windows(ds) -> tuple[np.ndarray, np.ndarray | None]:
    batches = list(ds)
    if isinstance(batches[0], tuple):
        return np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches])
    return np.concatenate(batches), None


def reference(data, targets, length, stride, rate, start, end):
    """The rule of Keras' docstring, by loops: windows data[i], data[i + rate], ..."""
    start = start or 0
    end = end or len(data)
    xs, ys = [], []
    i = start
    while i + (length - 1) * rate < end and (targets is None or i - start < len(targets)):
        xs.append([data[i + k * rate] for k in range(length)])
        if targets is not None:
            ys.append(targets[i])
        i += stride
    return np.array(xs), (None if targets is None else np.array(ys))


def test_keras_docstring_example_of_strides_and_sampling() -> None:
    ds = timeseries_dataset_from_array(
        np.arange(99), None, sequence_length=10, sampling_rate=2, sequence_stride=3
    )
    x, _ = _windows(ds)
    assert x[0].tolist() == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]
    assert x[1].tolist() == [3, 5, 7, 9, 11, 13, 15, 17, 19, 21]
    assert x[2].tolist() == [6, 8, 10, 12, 14, 16, 18, 20, 22, 24]
    assert x[-1].tolist() == [78, 80, 82, 84, 86, 88, 90, 92, 94, 96]
    assert isinstance(ds, PyDataset) and len(ds) == 1 and ds[0].shape == (27, 10)


def test_keras_docstring_examples_of_targets() -> None:
    data = np.arange(50.0)[:, None]
    ds = timeseries_dataset_from_array(data[:-10], data[10:], sequence_length=10)
    inputs, targets = ds[0]
    np.testing.assert_array_equal(inputs[0], data[:10])
    np.testing.assert_array_equal(targets[0], data[10])
    x, y = np.arange(100), np.arange(100) * 2
    inputs = timeseries_dataset_from_array(x, None, sequence_length=20, sequence_stride=20)
    outputs = timeseries_dataset_from_array(y, None, sequence_length=20, sequence_stride=20)
    np.testing.assert_array_equal(inputs[0][0], x[:20])
    np.testing.assert_array_equal(outputs[0][1], y[20:40])


@pytest.mark.parametrize(
    ("length", "stride", "rate", "start", "end", "batch"),
    [(5, 1, 1, None, None, 7), (4, 3, 2, 5, 60, 4), (10, 7, 3, None, 80, 128), (1, 1, 1, 2, 9, 3)],
)
def test_windows_equal_the_loop_reference(length, stride, rate, start, end, batch) -> None:
    data = np.random.default_rng(0).random((100, 3))
    targets = np.arange(100) * 10
    ds = timeseries_dataset_from_array(
        data, targets, length, stride, rate, batch_size=batch, start_index=start, end_index=end
    )
    x, y = _windows(ds)
    ref_x, ref_y = reference(data, targets, length, stride, rate, start, end)
    np.testing.assert_array_equal(x, ref_x)
    np.testing.assert_array_equal(y, ref_y)
    assert all(len(b[0]) <= batch for b in ds)


def test_weather_chapter_settings_shuffled_with_a_seed() -> None:
    temperature = np.sin(np.arange(3000) / 50.0)
    raw = np.stack([temperature, np.cos(np.arange(3000) / 7.0)], axis=1)
    rate, length = 6, 120
    delay = rate * (length + 24 - 1)
    kwargs = dict(
        sampling_rate=rate, sequence_length=length, batch_size=256, start_index=0, end_index=1500
    )
    ds = timeseries_dataset_from_array(
        raw[:-delay], temperature[delay:], shuffle=True, seed=1, **kwargs
    )
    plain = timeseries_dataset_from_array(raw[:-delay], temperature[delay:], **kwargs)
    x, y = _windows(ds)
    px, _ = _windows(plain)
    assert x.shape == (1500 - (length - 1) * rate, length, 2)
    order = np.lexsort(x[:, :, 0].T[::-1])  # same windows, in another order
    np.testing.assert_array_equal(x[order], px[np.lexsort(px[:, :, 0].T[::-1])])
    assert not np.array_equal(x, px)
    starts = np.arange(len(px))
    np.random.RandomState(1).shuffle(starts)  # Keras' shuffle of the start positions
    np.testing.assert_array_equal(x[:, 0], raw[starts, :])
    np.testing.assert_array_equal(y, temperature[delay + starts])
    again = timeseries_dataset_from_array(
        raw[:-delay], temperature[delay:], shuffle=True, seed=1, **kwargs
    )
    np.testing.assert_array_equal(_windows(again)[0], x)


def test_unbatched_windows() -> None:
    ds = timeseries_dataset_from_array(np.arange(10), np.arange(10), 3, batch_size=None)
    assert len(ds) == 8 and ds[2][0].tolist() == [2, 3, 4] and ds[2][1] == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(start_index=-1), "start_index must be in"),
        (dict(start_index=5, end_index=5), "end_index must be above start_index"),
        (dict(end_index=20), "end_index must be in"),
        (dict(sampling_rate=0), "sampling_rate must be a positive integer"),
        (dict(sequence_stride=20), "sequence_stride must be lower"),
        (dict(sequence_length=0), "sequence_length must be a positive integer"),
    ],
)
def test_bad_arguments(kwargs, message) -> None:
    arguments = dict(data=np.arange(20), targets=None, sequence_length=3) | kwargs
    with pytest.raises(ValueError, match=message):
        timeseries_dataset_from_array(**arguments)
