"""ReduceLROnPlateau and LearningRateScheduler against Keras 3, on the same logs and in fit."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest
from callback_testing import FloatVariableOptimizer, keras_fit, twin_models, xy

from tensorgrad import callbacks, optimizers

LOSSES = [1.0, 0.9, 0.9, 0.89995, 0.95, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.6]


def drive(cb, model, values, monitor="val_loss", begin=True):
    """Run the epoch hooks over `values`; the learning rate after each epoch and the logs."""
    cb.set_model(model)
    if begin:
        cb.on_train_begin()
    rates, all_logs = [], []
    for epoch, value in enumerate(values):
        logs = {"loss": 2.0 * value, monitor: value}
        cb.on_epoch_begin(epoch, logs)
        cb.on_epoch_end(epoch, logs)
        rates.append(model.optimizer.learning_rate)
        all_logs.append(logs)
    return rates, all_logs


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"patience": 1, "factor": 0.5},
        {"patience": 2, "factor": 0.5, "cooldown": 2},
        {"patience": 1, "factor": 0.2, "min_lr": 0.003},
        {"patience": 1, "factor": 0.5, "min_lr": 0.07, "cooldown": 1},
        {"patience": 0, "factor": 0.5, "min_delta": 0.0},
        {"patience": 1, "factor": 0.5, "min_delta": 0.05},
        {"patience": 2, "factor": 0.5, "min_delta": -0.01},
        {"patience": 1, "factor": 0.5, "mode": "max"},
        {"patience": 1, "factor": 0.5, "monitor": "val_accuracy", "mode": "min"},
    ],
)
def test_reduce_lr_on_plateau_matches_keras(keras, kwargs):
    monitor = kwargs.get("monitor", "val_loss")
    ours = callbacks.ReduceLROnPlateau(**kwargs)
    theirs = keras.callbacks.ReduceLROnPlateau(**kwargs)
    our_model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=0.5))
    their_model = SimpleNamespace(optimizer=FloatVariableOptimizer(0.5))
    our_rates, our_logs = drive(ours, our_model, LOSSES, monitor)
    their_rates, their_logs = drive(theirs, their_model, LOSSES, monitor)
    np.testing.assert_allclose(our_rates, their_rates, rtol=1e-6)
    assert [sorted(logs) for logs in our_logs] == [sorted(logs) for logs in their_logs]
    np.testing.assert_allclose(
        [logs["learning_rate"] for logs in our_logs],
        [logs["learning_rate"] for logs in their_logs],
        rtol=1e-6,
    )
    assert (ours.wait, ours.cooldown_counter) == (theirs.wait, theirs.cooldown_counter)
    assert ours.best == theirs.best


def test_reduce_lr_on_plateau_defaults_match_keras(keras):
    ours, theirs = callbacks.ReduceLROnPlateau(), keras.callbacks.ReduceLROnPlateau()
    for name in ("monitor", "factor", "patience", "verbose", "mode", "min_delta", "cooldown"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.min_lr == theirs.min_lr == 0.0


def test_reduce_lr_on_plateau_restarts_with_each_fit():
    model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=1.0))
    cb = callbacks.ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)
    drive(cb, model, [1.0, 1.0], "loss")
    assert model.optimizer.learning_rate == 0.5
    drive(cb, model, [5.0, 5.0], "loss")  # a new best (5.0) at the new start, then a plateau
    assert model.optimizer.learning_rate == 0.25


def test_reduce_lr_on_plateau_prints_like_keras(capsys):
    model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=1.0))
    drive(callbacks.ReduceLROnPlateau(patience=1, factor=0.5, verbose=1), model, [1.0, 1.0])
    assert (
        capsys.readouterr().out == "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.5.\n"
    )


def test_reduce_lr_on_plateau_errors():
    with pytest.raises(ValueError, match="factor must be below 1.0"):
        callbacks.ReduceLROnPlateau(factor=1.0)
    with pytest.warns(UserWarning, match="mode 'up' is unknown"):
        cb = callbacks.ReduceLROnPlateau(mode="up")
    assert cb.mode == "auto"
    model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=1.0), metrics=[])
    with pytest.warns(UserWarning, match="'val_loss' is not in the logs"):
        drive(callbacks.ReduceLROnPlateau(), model, [1.0], monitor="loss")
    with pytest.raises(ValueError, match="pass mode='min' or mode='max'"):
        drive(callbacks.ReduceLROnPlateau(monitor="val_score"), model, [1.0], "val_score")


def test_reduce_lr_on_plateau_auto_mode_follows_the_metric():
    metrics = [SimpleNamespace(name="loss"), SimpleNamespace(name="accuracy")]
    model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=1.0), metrics=metrics)
    cb = callbacks.ReduceLROnPlateau(monitor="val_accuracy", patience=1, factor=0.5)
    drive(cb, model, [0.5, 0.6, 0.7, 0.6], monitor="val_accuracy")  # rising is improving
    assert model.optimizer.learning_rate == 0.5


def test_reduce_lr_on_plateau_in_fit_matches_keras(keras):
    x, y = xy()
    ours, theirs = twin_models(keras)
    kwargs = {"monitor": "loss", "patience": 2, "factor": 0.5, "min_delta": 10.0, "cooldown": 1}
    fit = {"epochs": 8, "batch_size": 10, "verbose": 0, "shuffle": False}
    history = ours.fit(x, y, callbacks=[callbacks.ReduceLROnPlateau(**kwargs)], **fit)
    reference = keras_fit(
        theirs, x, y, callbacks=[keras.callbacks.ReduceLROnPlateau(**kwargs)], **fit
    )
    assert sorted(history.history) == sorted(reference.history)
    np.testing.assert_allclose(
        history.history["learning_rate"], reference.history["learning_rate"], rtol=1e-6
    )
    np.testing.assert_allclose(history.history["loss"], reference.history["loss"], rtol=1e-4)
    assert ours.optimizer.learning_rate == pytest.approx(
        float(theirs.optimizer.learning_rate), rel=1e-6
    )


def two_args(epoch, lr):
    return lr if epoch < 2 else lr * math.exp(-0.1)


def one_arg(epoch):
    return 0.1 / (1 + epoch)


@pytest.mark.parametrize("schedule", [two_args, one_arg, lambda epoch, lr: np.float32(lr / 2)])
def test_learning_rate_scheduler_matches_keras(keras, schedule):
    our_model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=0.5))
    their_model = SimpleNamespace(optimizer=FloatVariableOptimizer(0.5))
    our_rates, our_logs = drive(callbacks.LearningRateScheduler(schedule), our_model, LOSSES)
    their_rates, their_logs = drive(
        keras.callbacks.LearningRateScheduler(schedule), their_model, LOSSES
    )
    np.testing.assert_allclose(our_rates, their_rates, rtol=1e-6)
    assert [sorted(logs) for logs in our_logs] == [sorted(logs) for logs in their_logs]
    np.testing.assert_allclose(
        [logs["learning_rate"] for logs in our_logs],
        [logs["learning_rate"] for logs in their_logs],
        rtol=1e-6,
    )


def test_learning_rate_scheduler_in_fit_matches_keras(keras):
    x, y = xy()
    ours, theirs = twin_models(keras, lr=0.01)
    fit = {"epochs": 5, "batch_size": 10, "verbose": 0, "shuffle": False}
    history = ours.fit(x, y, callbacks=[callbacks.LearningRateScheduler(two_args)], **fit)
    reference = keras_fit(
        theirs, x, y, callbacks=[keras.callbacks.LearningRateScheduler(two_args)], **fit
    )
    assert sorted(history.history) == sorted(reference.history)
    np.testing.assert_allclose(
        history.history["learning_rate"], reference.history["learning_rate"], rtol=1e-6
    )
    assert ours.optimizer.learning_rate == pytest.approx(0.01 * math.exp(-0.3), rel=1e-6)


def test_learning_rate_scheduler_messages_and_errors(keras, capsys):
    model = SimpleNamespace(optimizer=optimizers.SGD(learning_rate=0.5))
    drive(callbacks.LearningRateScheduler(one_arg, verbose=1), model, [1.0])
    assert (
        capsys.readouterr().out
        == "\nEpoch 1: LearningRateScheduler setting learning rate to 0.1.\n"
    )
    for cls in (callbacks.LearningRateScheduler, keras.callbacks.LearningRateScheduler):
        with pytest.raises(ValueError, match="should be a float|must return a float"):
            drive(cls(lambda epoch: 1), SimpleNamespace(optimizer=FloatVariableOptimizer(0.5)), [1])
    with pytest.raises(TypeError, match="schedule must be a function"):
        callbacks.LearningRateScheduler(0.1)
