"""Callbacks: hooks and their order, History, EarlyStopping, TerminateOnNaN, LambdaCallback."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import callbacks, layers, models, optimizers, utils


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 5)).astype(np.float32)
    return x, utils.to_categorical((x[:, 0] > 0).astype(int), 2)


def make_model(lr=0.01):
    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(5,)),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizers.SGD(learning_rate=lr), "categorical_crossentropy", ["accuracy"])
    return model


class Recorder(callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.calls = []

    def __getattribute__(self, name):
        attr = object.__getattribute__(self, name)
        if name.startswith("on_") and callable(attr):

            def record(*args, **kwargs):
                object.__getattribute__(self, "calls").append(name)
                return attr(*args, **kwargs)

            return record
        return attr


def test_hooks_run_in_keras_order(data):
    x, y = data
    recorder = Recorder()
    model = make_model()
    model.fit(x, y, batch_size=100, epochs=2, verbose=0, validation_split=0.5, callbacks=[recorder])
    epoch = [
        "on_epoch_begin",
        "on_train_batch_begin",
        "on_batch_begin",
        "on_train_batch_end",
        "on_batch_end",
        "on_test_begin",
        "on_test_batch_begin",
        "on_test_batch_end",
        "on_test_end",
        "on_epoch_end",
    ]
    assert recorder.calls == ["on_train_begin"] + epoch * 2 + ["on_train_end"]
    assert recorder.model is model
    assert recorder.params == {"verbose": 0, "epochs": 2, "steps": 1}
    recorder.calls.clear()
    model.evaluate(x, y, batch_size=100, verbose=0, callbacks=[recorder])
    batch = ["on_test_batch_begin", "on_test_batch_end"]
    assert recorder.calls == ["on_test_begin"] + batch * 2 + ["on_test_end"]
    recorder.calls.clear()
    model.predict(x, batch_size=200, callbacks=[recorder])
    assert recorder.calls == [
        "on_predict_begin",
        "on_predict_batch_begin",
        "on_predict_batch_end",
        "on_predict_end",
    ]


def test_batch_logs_are_running_means_and_epoch_logs_have_val_values(data):
    x, y = data
    seen = {}
    cb = callbacks.LambdaCallback(
        on_batch_end=lambda batch, logs: seen.setdefault("batches", []).append(dict(logs)),
        on_epoch_end=lambda epoch, logs: seen.setdefault("epochs", []).append(dict(logs)),
        on_train_begin=lambda logs: seen.setdefault("begin", True),
    )
    make_model().fit(x, y, batch_size=50, epochs=1, verbose=0, validation_split=0.5, callbacks=[cb])
    assert seen["begin"] and len(seen["batches"]) == 2
    assert set(seen["batches"][0]) == {"loss", "accuracy"}
    assert set(seen["epochs"][0]) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert seen["epochs"][0]["loss"] == seen["batches"][-1]["loss"]


def test_lambda_callback_accepts_other_hooks_by_name_and_rejects_unknown_ones():
    called = []
    cb = callbacks.LambdaCallback(on_test_end=lambda logs: called.append(logs))
    callbacks.CallbackList([cb]).on_test_end({"loss": 1.0})
    assert called == [{"loss": 1.0}]
    with pytest.raises(TypeError, match="unknown hook 'on_epoch_finish'"):
        callbacks.LambdaCallback(on_epoch_finish=print)
    with pytest.raises(TypeError, match="must be callable"):
        callbacks.LambdaCallback(on_epoch_end=3)


def test_stop_training_from_a_callback_stops_after_the_current_batch(data):
    x, y = data
    model = make_model()
    steps = []

    def stop_at_third(batch, logs):
        steps.append(batch)
        if batch == 2:
            model.stop_training = True

    history = model.fit(
        x,
        y,
        batch_size=20,
        epochs=5,
        verbose=0,
        callbacks=[callbacks.LambdaCallback(on_batch_end=stop_at_third)],
    )
    assert steps == [0, 1, 2]
    assert history.epoch == [0]
    assert model.optimizer.iterations == 3


def test_history_is_returned_and_kept_on_the_model(data):
    x, y = data
    model = make_model()
    history = model.fit(x, y, epochs=3, verbose=0)
    assert isinstance(history, callbacks.History)
    assert model.history is history and history.model is model
    assert history.epoch == [0, 1, 2] and len(history.history["loss"]) == 3


class FakeModel:
    def __init__(self):
        self.stop_training = False
        self.weights = [np.zeros(2)]

    def get_weights(self):
        return [w.copy() for w in self.weights]

    def set_weights(self, weights):
        self.weights = [w.copy() for w in weights]


def drive(callback, values, monitor="val_loss"):
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    ran = []
    for epoch, value in enumerate(values):
        model.weights = [np.full(2, float(epoch))]
        ran.append(epoch)
        callback.on_epoch_end(epoch, {monitor: value})
        if model.stop_training:
            break
    callback.on_train_end()
    return ran, model


def test_early_stopping_patience_and_min_delta():
    ran, _ = drive(callbacks.EarlyStopping(patience=2), [1.0, 0.9, 0.95, 0.93, 0.5])
    assert ran == [0, 1, 2, 3]
    ran, _ = drive(callbacks.EarlyStopping(patience=0, min_delta=0.2), [1.0, 0.9, 0.1])
    assert ran == [0, 1]
    ran, _ = drive(callbacks.EarlyStopping(patience=1), [1.0, 0.9, 0.8, 0.7])
    assert ran == [0, 1, 2, 3]


def test_early_stopping_mode_auto_maximises_accuracy():
    stopper = callbacks.EarlyStopping(monitor="val_accuracy", patience=1)
    assert stopper.mode == "max"
    ran, _ = drive(stopper, [0.5, 0.6, 0.55, 0.58, 0.9], monitor="val_accuracy")
    assert ran == [0, 1, 2]
    assert callbacks.EarlyStopping(monitor="loss").mode == "min"
    with pytest.raises(ValueError, match="mode must be"):
        callbacks.EarlyStopping(mode="up")


def test_early_stopping_restores_the_best_weights(capsys):
    stopper = callbacks.EarlyStopping(patience=1, restore_best_weights=True, verbose=1)
    ran, model = drive(stopper, [1.0, 0.5, 0.7, 0.8])
    assert ran == [0, 1, 2] and stopper.best_epoch == 1 and stopper.best == 0.5
    np.testing.assert_array_equal(model.weights[0], [1.0, 1.0])
    out = capsys.readouterr().out
    assert "Restoring model weights from the end of the best epoch: 2." in out
    assert "Epoch 3: early stopping" in out


def test_early_stopping_baseline():
    # Not beating the baseline keeps the first epoch counted as waiting (Keras' rule).
    ran, _ = drive(callbacks.EarlyStopping(patience=2, baseline=0.1), [1.0, 1.0, 1.0, 1.0])
    assert ran == [0, 1]
    ran, _ = drive(callbacks.EarlyStopping(patience=2), [1.0, 1.0, 1.0, 1.0])
    assert ran == [0, 1, 2]


def test_early_stopping_warns_when_the_value_is_missing():
    stopper = callbacks.EarlyStopping(monitor="val_loss")
    stopper.set_model(FakeModel())
    stopper.on_train_begin()
    with pytest.warns(UserWarning, match="'val_loss' is not in the logs; available: loss"):
        stopper.on_epoch_end(0, {"loss": 1.0})


def test_early_stopping_in_fit(data):
    x, y = data
    model = make_model(lr=0.0)  # nothing improves
    history = model.fit(
        x,
        y,
        epochs=10,
        verbose=0,
        validation_split=0.2,
        callbacks=[callbacks.EarlyStopping(patience=2)],
    )
    assert history.epoch == [0, 1, 2]


def test_terminate_on_nan_names_the_epoch_and_batch(data, capsys):
    x, y = data
    model = make_model()
    real_step = model.train_step
    calls = []

    def step(batch):
        calls.append(1)
        logs = real_step(batch)
        if len(calls) >= 11:  # the 2nd batch of the 2nd epoch (10 batches an epoch)
            logs["loss"] = float("nan")
        return logs

    model.train_step = step
    stopper = callbacks.TerminateOnNaN()
    history = model.fit(x, y, batch_size=20, epochs=3, verbose=0, callbacks=[stopper])
    assert len(calls) == 11 and history.epoch == [0, 1]
    assert stopper.stopped_at == (1, 0)
    assert "Epoch 2, batch 1: invalid loss (nan), terminating training" in capsys.readouterr().out


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning", "ignore:invalid:RuntimeWarning")
def test_terminate_on_nan_catches_inf_from_divergence(data, capsys):
    x, y = data
    model = models.Sequential([layers.Dense(1, input_shape=(5,))])
    model.compile(optimizers.SGD(learning_rate=1e6), "mse")
    history = model.fit(
        x * 1e3,
        y[:, :1],
        batch_size=10,
        epochs=5,
        verbose=0,
        callbacks=[callbacks.TerminateOnNaN()],
    )
    assert history.epoch == [0]
    assert "invalid loss" in capsys.readouterr().out


def test_callback_list_skips_callbacks_without_batch_hooks():
    class EpochOnly(callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            pass

    class OldStyle(callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    cbs = callbacks.CallbackList([EpochOnly(), OldStyle()], add_history=True)
    assert [type(c).__name__ for c in cbs._batch_hooks["on_train_batch_end"]] == ["OldStyle"]
    assert isinstance(cbs.history, callbacks.History)
