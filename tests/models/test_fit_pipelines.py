"""fit, evaluate and predict on generators and PyDatasets: the same training as from arrays
with the same batches, steps_per_epoch and validation_steps, progress bars and callbacks,
epochs that end when a generator runs out, and the errors for bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tensorgrad import callbacks, datasets, layers, models, utils
from tensorgrad.utils import PyDataset

from .conftest import blobs, small_model


class ArrayDataset(PyDataset):
    """Batch i of arrays x and y, in order (the Keras docs' example PyDataset)."""

    def __init__(self, x, y, batch_size, weights=None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size, self.weights = x, y, batch_size, weights
        self.epochs_ended = 0

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        if self.weights is not None:
            return self.x[rows], self.y[rows], self.weights[rows]
        return self.x[rows], self.y[rows]

    def on_epoch_end(self) -> None:
        self.epochs_ended += 1


def batches_of(x, y, batch_size, repeat=1):
    for _ in range(repeat):
        for start in range(0, len(x), batch_size):
            yield x[start : start + batch_size], y[start : start + batch_size]


def fashion_model() -> models.Sequential:
    utils.set_random_seed(3)
    model = models.Sequential(
        [
            layers.Rescaling(1 / 255, input_shape=(28, 28)),
            layers.Flatten(),
            layers.Dense(32, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def fashion():
    (x, y), _ = datasets.fashion_mnist.load_data()
    return x[:3000].astype("float32"), y[:3000]


@pytest.mark.parametrize(("workers", "processes"), [(1, False), (3, False), (2, True)])
def test_pydataset_over_fashion_mnist_trains_exactly_as_the_arrays(fashion, workers, processes):
    x, y = fashion
    from_arrays = fashion_model()
    h1 = from_arrays.fit(x, y, batch_size=100, epochs=2, shuffle=False, verbose=0)
    from_dataset = fashion_model()
    dataset = ArrayDataset(x, y, 100, workers=workers, use_multiprocessing=processes)
    h2 = from_dataset.fit(dataset, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(from_arrays.get_weights(), from_dataset.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert h1.history == h2.history and dataset.epochs_ended == 2
    assert h2.history["accuracy"][-1] > 0.6


def test_a_generator_with_steps_per_epoch_trains_as_the_arrays(fashion) -> None:
    x, y = fashion
    x, y = x[:1000], y[:1000]
    from_arrays = fashion_model()
    from_arrays.fit(x, y, batch_size=125, epochs=3, shuffle=False, verbose=0)
    from_generator = fashion_model()
    history = from_generator.fit_generator(
        batches_of(x, y, 125, repeat=3), steps_per_epoch=8, epochs=3, verbose=0
    )
    for a, b in zip(from_arrays.get_weights(), from_generator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert len(history.history["loss"]) == 3


def test_progress_bar_and_callbacks_see_every_step(capsys) -> None:
    x, labels = blobs(300)
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    seen: list[tuple[str, int]] = []
    record = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: seen.append(("epoch", epoch)),
        on_train_batch_end=lambda batch, logs: seen.append(("batch", batch)),
        on_test_end=lambda logs: seen.append(("val", 0)),
    )
    model.fit(
        ArrayDataset(x, labels, 64),
        validation_data=batches_of(x[:100], labels[:100], 50, repeat=2),
        validation_steps=2,
        epochs=2,
        callbacks=[record],
        verbose=1,
    )
    out = capsys.readouterr().out
    assert "5/5" in out and "val_loss" in out
    steps = [("batch", i) for i in range(5)]
    assert seen == [("epoch", 0), *steps, ("val", 0), ("epoch", 1), *steps, ("val", 0)]
    model.fit(batches_of(x, labels, 100), epochs=1, verbose=1)  # unknown length
    assert "3/Unknown" in capsys.readouterr().out


def test_unknown_length_generator_epoch_ends_when_it_runs_out() -> None:
    x, labels = blobs(250)
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy")
    steps: list[int] = []
    counter = callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))
    history = model.fit(batches_of(x, labels, 100), epochs=1, callbacks=[counter], verbose=0)
    assert steps == [0, 1, 2] and len(history.history["loss"]) == 1


def test_training_stops_with_a_warning_when_the_generator_runs_out() -> None:
    x, labels = blobs(400)
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy")
    with pytest.warns(UserWarning, match="ran out of data after 1 step"):
        history = model.fit(batches_of(x, labels, 100), steps_per_epoch=3, epochs=5, verbose=0)
    assert len(history.history["loss"]) == 2  # 3 steps, then 1 step and the stop


def test_sample_weights_and_class_weights_from_batches() -> None:
    x, labels = blobs(200)
    weights = np.where(labels == 0, 3.0, 1.0)
    a, b = small_model(), small_model()
    for m in (a, b):
        m.compile("sgd", "sparse_categorical_crossentropy")
    a.fit(x, labels, sample_weight=weights, batch_size=50, shuffle=False, epochs=2, verbose=0)
    b.fit(ArrayDataset(x, labels, 50, weights=weights), shuffle=False, epochs=2, verbose=0)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-6)
    c = small_model()
    c.compile("sgd", "sparse_categorical_crossentropy")
    c.fit(batches_of(x, labels, 50), class_weight={0: 3.0, 1: 1.0, 2: 1.0}, epochs=1, verbose=0)
    d = small_model()
    d.compile("sgd", "sparse_categorical_crossentropy")
    d.fit(x, labels, sample_weight=weights, batch_size=50, shuffle=False, epochs=1, verbose=0)
    for wc, wd in zip(c.get_weights(), d.get_weights()):
        np.testing.assert_allclose(wc, wd, rtol=1e-6)


def test_pydataset_batch_order_shuffles_with_fit_shuffle() -> None:
    x, labels = blobs(300)
    order: list[int] = []

    class Recording(ArrayDataset):
        def __getitem__(self, index):
            order.append(index)
            return super().__getitem__(index)

    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy")
    utils.set_random_seed(0)
    model.fit(Recording(x, labels, 30), epochs=1, verbose=0)  # shuffle=True, as Keras 3
    assert sorted(order[1:]) == list(range(10)) and order[1:] != list(range(10))


def test_evaluate_and_predict_on_datasets_and_generators_equal_the_arrays() -> None:
    x, labels = blobs(230)
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, epochs=2, verbose=0)
    expected = model.evaluate(x, labels, batch_size=50, verbose=0)
    np.testing.assert_allclose(model.evaluate(ArrayDataset(x, labels, 50), verbose=0), expected)
    np.testing.assert_allclose(
        model.evaluate(batches_of(x, labels, 50), steps=5, verbose=0), expected, rtol=1e-6
    )
    predicted = model.predict(x)
    np.testing.assert_allclose(model.predict(ArrayDataset(x, labels, 64)), predicted, rtol=1e-6)
    only_x = (x[i : i + 40] for i in range(0, len(x), 40))
    np.testing.assert_allclose(model.predict(only_x), predicted, rtol=1e-6)


def test_bad_input_fails_before_training_or_names_the_step() -> None:
    x, labels = blobs(200)
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy")

    def forever():
        while True:
            yield x[:10], labels[:10]

    with pytest.raises(ValueError, match="never ends .* steps_per_epoch is needed"):
        model.fit(forever(), epochs=1, verbose=0)
    history = model.fit(forever(), steps_per_epoch=4, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2

    def changing():
        yield x[:10], labels[:10]
        yield x[:10, :15], labels[:10]

    with pytest.raises(
        ValueError,
        match=r"gave x of shape \(10, 15\) at step 1, but x of shape \(10, 20\) at step 0",
    ):
        model.fit(changing(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="expects x of shape|expected|shape"):
        model.fit(batches_of(x[:, :5], labels, 50), epochs=1, verbose=0)
    with pytest.raises(ValueError, match="y must not be given when x is a generator"):
        model.fit(batches_of(x, labels, 50), labels, verbose=0)
    with pytest.raises(ValueError, match="batches hold no targets"):
        model.fit((x[i : i + 50] for i in range(0, 200, 50)), verbose=0)
    with pytest.raises(ValueError, match="validation_split needs arrays"):
        model.fit(ArrayDataset(x, labels, 50), validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="the generator yielded no batch at all"):
        model.fit(iter([]), verbose=0)


def test_first_edition_generator_calls_with_their_positional_order() -> None:
    x, labels = blobs(200)
    model = small_model()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit_generator(batches_of(x, labels, 50, repeat=6), 4, 3, 0)
    assert len(history.history["loss"]) == 3
    dataset = ArrayDataset(x, labels, 50)
    loss, accuracy = model.evaluate_generator(dataset, 4, None, 10, 2)
    assert dataset.workers == 2 and (loss, accuracy) == tuple(model.evaluate(x, labels, 50, 0))
    assert model.predict_generator(dataset, 4).shape == (200, 3)
