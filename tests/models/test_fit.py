"""fit: learning, batches, history, progress output, determinism."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tensorgrad import callbacks, layers, models, optimizers, utils
from tensorgrad.engine import random
from tensorgrad.utils import progbar

from .conftest import small_model

PROGRESS = re.compile(
    r"^\d+/\d+ \[=+\] - \d+s \d+(s|ms|us)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$"
)


class BatchRecorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append((batch, dict(logs)))


def test_fit_learns_a_small_problem(model, data):
    x, y, _ = data
    before = model.evaluate(x, y, verbose=0)[1]
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    acc = history.history["accuracy"]
    assert acc[-1] > acc[0] and acc[-1] > 0.85
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(x, y, verbose=0)[1] > max(before, 0.85)


def test_fit_returns_history_with_the_metric_names_asked_for(data):
    x, y, _ = data
    model = small_model()
    model.compile("rmsprop", "categorical_crossentropy", metrics=["acc"])
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.2)
    assert list(history.history) == ["loss", "acc", "val_loss", "val_acc"]
    assert history.epoch == [0, 1] and all(len(v) == 2 for v in history.history.values())
    assert model.history is history
    model.compile("rmsprop", "categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, epochs=1, verbose=0, validation_data=(x[:50], y[:50]))
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(isinstance(v[0], float) for v in history.history.values())


def test_steps_per_epoch_include_the_last_partial_batch(model, data):
    x, y, _ = data
    x, y = np.concatenate([x, x[:400]]), np.concatenate([y, y[:400]])  # 1000 samples
    sizes = []
    original = model.train_step

    def recording_step(batch):
        xb, _ = batch  # (x, y), as Keras hands it over
        sizes.append(len(xb))
        return original(batch)

    model.train_step = recording_step
    recorder = BatchRecorder()
    model.fit(x, y, batch_size=128, epochs=2, verbose=0, callbacks=[recorder])
    assert [b for b, _ in recorder.batches] == list(range(8)) * 2
    assert sizes == [128] * 7 + [104] + [128] * 7 + [104]
    assert recorder.params["steps"] == 8 and recorder.params["epochs"] == 2


def test_the_logged_loss_is_the_sample_weighted_running_mean(model, data):
    x, y, _ = data
    model.compile(optimizers.SGD(learning_rate=0.0), "categorical_crossentropy", ["accuracy"])
    history = model.fit(x[:300], y[:300], batch_size=128, epochs=1, verbose=0)  # 128+128+44
    loss, acc = model.evaluate(x[:300], y[:300], batch_size=300, verbose=0)
    assert history.history["loss"][0] == pytest.approx(loss, rel=1e-5)
    assert history.history["accuracy"][0] == pytest.approx(acc)


def test_validation_split_takes_the_last_samples_before_shuffling(model, data):
    x, y, _ = data
    history = model.fit(x, y, epochs=1, verbose=0, validation_split=0.25)
    loss, acc = model.evaluate(x[450:], y[450:], verbose=0)
    assert history.history["val_loss"][0] == pytest.approx(loss, rel=1e-5)
    assert history.history["val_accuracy"][0] == pytest.approx(acc)


def test_shuffled_batches_equal_fancy_indexing_with_the_library_generator(data):
    x, y, _ = data
    x, y = x[:300], y[:300]
    first = small_model(seed=5)
    first.compile("sgd", "categorical_crossentropy")
    utils.set_random_seed(9)
    first.fit(x, y, batch_size=64, epochs=1, verbose=0)

    second = small_model(seed=5)
    second.compile("sgd", "categorical_crossentropy")
    second._resolve_metrics(y)
    utils.set_random_seed(9)
    order = random.generator().permutation(len(x))
    for start in range(0, len(x), 64):
        index = order[start : start + 64]
        second.train_step((x[index], y[index]))
    for a, b in zip(first.get_weights(), second.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_same_seed_same_training(data):
    x, y, _ = data
    results = []
    for _ in range(2):
        model = small_model(seed=11)
        model.compile("adam", "categorical_crossentropy", ["accuracy"])
        history = model.fit(x, y, epochs=2, verbose=0)
        results.append((history.history, model.get_weights()))
    assert results[0][0] == results[1][0]
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_array_equal(a, b)


def test_no_shuffle_uses_the_data_in_order(data):
    x, y, _ = data
    a, b = small_model(seed=2), small_model(seed=2)
    for model in (a, b):
        model.compile("sgd", "categorical_crossentropy")
    utils.set_random_seed(0)
    a.fit(x, y, epochs=1, verbose=0, shuffle=False)
    utils.set_random_seed(1)  # a different generator state changes nothing without shuffling
    b.fit(x, y, epochs=1, verbose=0, shuffle=False)
    np.testing.assert_array_equal(a.get_weights()[0], b.get_weights()[0])


def test_integer_labels_with_sparse_loss_and_accuracy(data):
    x, _, labels = data
    model = small_model()
    model.compile(optimizers.RMSprop(0.01), "sparse_categorical_crossentropy", ["accuracy"])
    history = model.fit(x, labels.astype(np.uint8), epochs=3, verbose=0)
    assert history.history["accuracy"][-1] > 0.8


def test_progress_output_is_one_plain_line_per_epoch_when_not_a_terminal(model, data, capsys):
    x, y, _ = data
    model.fit(x, y, batch_size=128, epochs=3)
    out = capsys.readouterr().out
    assert "\r" not in out and "\b" not in out
    lines = out.splitlines()
    assert lines[0::2] == ["Epoch 1/3", "Epoch 2/3", "Epoch 3/3"]
    progress = lines[1::2]
    assert len(lines) == 6 and all(PROGRESS.match(line) for line in progress), out
    assert all(line.startswith("5/5 [==============================]") for line in progress)


def test_progress_line_shows_validation_values(model, data, capsys):
    x, y, _ = data
    model.fit(x, y, epochs=1, validation_split=0.1)
    (line,) = capsys.readouterr().out.splitlines()  # a single epoch prints no "Epoch 1/1"
    assert re.search(
        r"- loss: \d\.\d{4} - accuracy: \d\.\d{4} - val_loss: \d\.\d{4} - "
        r"val_accuracy: \d\.\d{4}$",
        line,
    )


def test_verbose_0_is_silent_and_verbose_2_prints_one_line_per_epoch(model, data, capsys):
    x, y, _ = data
    model.fit(x, y, epochs=2, verbose=0)
    assert capsys.readouterr().out == ""
    model.fit(x, y, epochs=2, verbose=2)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 4 and lines[0] == "Epoch 1/2"
    assert re.match(
        r"^19/19 - \d+s - \d+(s|ms|us)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}$", lines[1]
    )


def test_progress_bar_is_live_on_a_terminal(model, data, capsys, monkeypatch):
    monkeypatch.setattr(progbar, "dynamic_display", lambda: True)
    x, y, _ = data
    model.fit(x, y, epochs=1)
    out = capsys.readouterr().out
    assert out.count("\r") >= 2 and out.endswith("\n")
    assert out.count("\n") == 1
    assert PROGRESS.match(out.split("\r")[-1].rstrip().rstrip())


def test_import_prints_nothing():
    import subprocess
    import sys

    code = "import tensorgrad.models, tensorgrad.callbacks"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout == "" and result.stderr == ""


def test_initial_epoch_and_zero_epochs(model, data):
    x, y, _ = data
    history = model.fit(x, y, epochs=3, initial_epoch=1, verbose=0)
    assert history.epoch == [1, 2]
    assert model.fit(x, y, epochs=0, verbose=0).history == {}


def test_weights_are_updated_in_place_and_gradients_cleared(model, data):
    x, y, _ = data
    kernel = model.layers[0].kernel
    before = kernel.data.copy()
    model.fit(x, y, epochs=1, verbose=0)
    assert model.layers[0].kernel is kernel
    assert not np.array_equal(kernel.data, before)
    assert all(w.grad is None for w in model.weights)
    assert model.optimizer.iterations == 19


def test_frozen_layers_are_not_trained(model, data):
    x, y, _ = data
    model.layers[0].trainable = False
    frozen = model.layers[0].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    for a, b in zip(frozen, model.layers[0].get_weights()):
        np.testing.assert_array_equal(a, b)


def test_float64_inputs_are_cast_once_to_float32(model, data):
    x, y, _ = data
    history = model.fit(x.astype(np.float64), y.astype(np.float64), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x[:2].astype(np.float64)).dtype == np.float32


def test_dropout_is_active_in_fit_only(data):
    x, y, _ = data
    utils.set_random_seed(0)
    model = models.Sequential(
        [layers.Dropout(0.5, input_shape=(20,)), layers.Dense(3, activation="softmax")]
    )
    model.compile(optimizers.SGD(learning_rate=0.0), "categorical_crossentropy")
    train_loss = model.fit(x, y, epochs=1, verbose=0).history["loss"][0]
    test_loss = model.evaluate(x, y, verbose=0)
    assert train_loss != pytest.approx(test_loss, rel=1e-3)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
    np.testing.assert_allclose(model.predict(x), model.layers[1](x).numpy(), rtol=1e-6)
