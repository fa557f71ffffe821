"""CSVLogger against Keras 3: the same bytes for the same logs, and the same columns in fit."""

from __future__ import annotations

import numpy as np
import pytest
from callback_testing import keras_fit, twin_models, xy

from tensorgrad import callbacks

TRAIN = [{"loss": 0.5, "accuracy": 0.75}, {"loss": 0.25, "accuracy": 0.875}]
WITH_VAL = [
    {"loss": 0.4, "val_loss": 0.45, "accuracy": 0.8, "val_accuracy": 0.7, "learning_rate": 0.01},
    {"loss": 0.3, "val_loss": 0.35, "accuracy": 0.9, "val_accuracy": np.float32(0.75)},
]
ODD = [{"zeta": 1.0, "alpha": "text", "vector": np.array([1.5, 2.0])}, {"alpha": 2.0}]


def run(logger, epochs):
    logger.on_train_begin()
    for epoch, logs in enumerate(epochs):
        logger.on_epoch_end(epoch, dict(logs))
    logger.on_train_end()


@pytest.mark.parametrize("epochs", [TRAIN, WITH_VAL, ODD, [{}]])
@pytest.mark.parametrize("separator", [",", ";", "\t"])
def test_csv_logger_writes_what_keras_writes(keras, tmp_path, epochs, separator):
    run(callbacks.CSVLogger(tmp_path / "ours.csv", separator=separator), epochs)
    run(keras.callbacks.CSVLogger(tmp_path / "theirs.csv", separator=separator), epochs)
    assert (tmp_path / "ours.csv").read_bytes() == (tmp_path / "theirs.csv").read_bytes()


def test_csv_logger_appends_like_keras(keras, tmp_path):
    for name, make in [("ours", callbacks.CSVLogger), ("theirs", keras.callbacks.CSVLogger)]:
        path = tmp_path / f"{name}.csv"
        run(make(path, append=True), TRAIN)  # a new file: with its header
        run(make(path, append=True), WITH_VAL)  # no second header
        logger = make(path, append=True)
        run(logger, TRAIN)
        run(logger, TRAIN)  # the same logger in a second fit
    ours, theirs = (tmp_path / "ours.csv").read_bytes(), (tmp_path / "theirs.csv").read_bytes()
    assert ours == theirs
    assert ours.count(b"epoch") == 1


def test_csv_logger_overwrites_without_append(tmp_path):
    path = tmp_path / "log.csv"
    run(callbacks.CSVLogger(path), WITH_VAL)
    run(callbacks.CSVLogger(path), TRAIN)
    assert path.read_text().splitlines() == [
        "epoch,accuracy,loss,val_accuracy,val_loss",
        "0,0.75,0.5,NA,NA",
        "1,0.875,0.25,NA,NA",
    ]


def test_csv_logger_flushes_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    logger = callbacks.CSVLogger(path)
    logger.on_train_begin()
    logger.on_epoch_end(0, {"loss": 0.5})
    assert path.read_bytes() == b"epoch,loss,val_loss\r\n0,0.5,NA\r\n"  # before training ends
    logger.on_train_end()


def test_csv_logger_in_fit_matches_keras(keras, tmp_path):
    x, y = xy()
    ours, theirs = twin_models(keras)
    fit = {"epochs": 3, "batch_size": 10, "verbose": 0, "shuffle": False, "validation_split": 0.25}
    ours.fit(x, y, callbacks=[callbacks.CSVLogger(tmp_path / "ours.csv")], **fit)
    keras_fit(theirs, x, y, callbacks=[keras.callbacks.CSVLogger(tmp_path / "theirs.csv")], **fit)
    ours_rows = [line.split(",") for line in (tmp_path / "ours.csv").read_text().splitlines()]
    theirs_rows = [line.split(",") for line in (tmp_path / "theirs.csv").read_text().splitlines()]
    assert (
        ours_rows[0] == theirs_rows[0] == ["epoch", "accuracy", "loss", "val_accuracy", "val_loss"]
    )
    assert [row[0] for row in ours_rows] == [row[0] for row in theirs_rows]
    np.testing.assert_allclose(
        np.array(ours_rows[1:], float), np.array(theirs_rows[1:], float), rtol=1e-4
    )


def test_csv_logger_needs_on_train_begin(tmp_path):
    with pytest.raises(RuntimeError, match="before on_train_begin"):
        callbacks.CSVLogger(tmp_path / "log.csv").on_epoch_end(0, {"loss": 1.0})


def test_csv_logger_records_the_learning_rate_like_keras(keras, tmp_path):
    """A learning-rate callback placed first adds learning_rate to the logs the logger sees."""
    x, y = xy()
    ours, theirs = twin_models(keras)
    plateau = {"monitor": "loss", "patience": 1, "factor": 0.5, "min_delta": 10.0}
    fit = {"epochs": 3, "batch_size": 10, "verbose": 0, "shuffle": False}
    ours.fit(
        x,
        y,
        callbacks=[
            callbacks.ReduceLROnPlateau(**plateau),
            callbacks.CSVLogger(tmp_path / "ours.csv"),
            callbacks.TensorBoard(tmp_path / "logs"),
        ],
        **fit,
    )
    keras_fit(
        theirs,
        x,
        y,
        callbacks=[
            keras.callbacks.ReduceLROnPlateau(**plateau),
            keras.callbacks.CSVLogger(tmp_path / "theirs.csv"),
        ],
        **fit,
    )
    ours_rows = [line.split(",") for line in (tmp_path / "ours.csv").read_text().splitlines()]
    theirs_rows = [line.split(",") for line in (tmp_path / "theirs.csv").read_text().splitlines()]
    assert ours_rows[0] == theirs_rows[0]
    assert "val_learning_rate" in ours_rows[0]
    column = ours_rows[0].index("learning_rate")
    rates = [float(row[column]) for row in ours_rows[1:]]
    assert rates == [0.1, 0.1, 0.05]  # the rate each epoch ran with, before any reduction
    np.testing.assert_allclose(rates, [float(row[column]) for row in theirs_rows[1:]], rtol=1e-6)
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    board = event_accumulator.EventAccumulator(str(tmp_path / "logs" / "train"))
    board.Reload()
    # TensorBoard reads the optimizer's rate at the epoch's end, after the reduction placed
    # before it, as Keras' TensorBoard does (it overwrites the logs' learning_rate)
    np.testing.assert_allclose(
        [e.value for e in board.Scalars("epoch_learning_rate")], [0.1, 0.05, 0.025], rtol=1e-6
    )
