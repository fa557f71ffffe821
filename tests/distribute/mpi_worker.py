"""The scripts the data-parallel tests run, under `mpirun -n 2` or in one process.

    python mpi_worker.py MODE OUT_DIR

MODE "train": the book's network in float64 trained as `scenario` says; each rank writes
its weights, logs, evaluate results and printed text to OUT_DIR/rank{r}.npz.
MODE "raise": rank 1 raises during the second batch; the job must stop (rank 0 would
otherwise wait in the next Allreduce for ever).
MODE "mismatch": rank 1 builds a narrower first layer; the first fit must fail clearly.
MODE "mnist": `tensorgrad-mnist --distributed` on the first 1,000 Fashion-MNIST images.
"""

from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import numpy as np

import tensorgrad
from tensorgrad import callbacks, layers, models, utils

SAMPLES, FEATURES, CLASSES = 297, 784, 10
BATCH = 37  # odd: shares of 19 and 18; 297 = 8 * 37 + 1 leaves a last batch of one sample


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fixed random inputs and one-hot labels, the same in every process."""
    rng = np.random.default_rng(7)
    x = rng.random((SAMPLES + 60, FEATURES))
    y = np.eye(CLASSES)[rng.integers(0, CLASSES, SAMPLES + 60)]
    return x[:SAMPLES], y[:SAMPLES], x[SAMPLES:], y[SAMPLES:]


def book_network(strategy: tensorgrad.distribute.Strategy, units: int = 512) -> models.Model:
    """Dense(units, relu) -> Dense(10, softmax), rmsprop, categorical crossentropy.

    Each rank seeds differently, so equal results show that rank 0's weights were sent.
    """
    utils.set_random_seed(100 + strategy.rank)
    with strategy.scope():
        model = models.Sequential(
            [
                layers.Dense(units, activation="relu", input_shape=(FEATURES,)),
                layers.Dense(CLASSES, activation="softmax"),
            ]
        )
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def scenario(strategy: tensorgrad.distribute.Strategy, out: Path) -> dict[str, np.ndarray]:
    """Two epochs (in order, then shuffled), evaluate, and a run resumed from a backup."""
    tensorgrad.set_default_dtype("float64")
    x, y, x_val, y_val = data()
    result: dict[str, np.ndarray] = {}
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        model = book_network(strategy)
        # before any fit each rank holds other weights: evaluate measures rank 0's
        untrained = model.evaluate(x_val, y_val, batch_size=BATCH, verbose=0)
        first = model.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=1)
        second = model.fit(
            x,
            y,
            batch_size=BATCH,
            epochs=2,
            initial_epoch=1,
            shuffle=True,
            validation_data=(x_val, y_val),
            verbose=2,
        )
        evaluated = model.evaluate(x, y, batch_size=BATCH, return_dict=True)
        model.save(out / f"model-rank{strategy.rank}.tensorgrad")
    result["untrained"] = np.array(untrained)
    for i, w in enumerate(model.get_weights()):
        result[f"weight{i}"] = w
    for stage, history in (("first", first), ("second", second)):
        for name, values in history.history.items():
            result[f"{stage}_{name}"] = np.array(values)
    for name, value in evaluated.items():
        result[f"evaluate_{name}"] = np.array(value)
    # The same two epochs again, interrupted after the first: a fresh model (other initial
    # weights on each rank) resumes from the chief's backup.
    backup = out / "backup"
    interrupted = book_network(strategy)
    interrupted.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=1,
        shuffle=False,
        verbose=0,
        callbacks=[callbacks.BackupAndRestore(backup, delete_checkpoint=False)],
    )
    resumed = book_network(strategy)
    resumed.fit(
        x,
        y,
        batch_size=BATCH,
        epochs=2,
        shuffle=False,
        verbose=0,
        callbacks=[callbacks.BackupAndRestore(backup)],
    )
    for i, w in enumerate(resumed.get_weights()):
        result[f"resumed{i}"] = w
    result["printed"] = np.array(printed.getvalue())
    result.update(two_in_two_out(strategy))
    return result


def two_in_two_out(strategy: tensorgrad.distribute.Strategy) -> dict[str, np.ndarray]:
    """A functional model with two inputs and two outputs, trained with sample weights."""
    rng = np.random.default_rng(11)
    n = 101  # at 13 a step: 7 batches of 13 (7 + 6) and one of 10 (5 + 5)
    a, b = rng.standard_normal((n, 20)), rng.standard_normal((n, 5))
    labels, target = np.eye(3)[rng.integers(0, 3, n)], rng.standard_normal((n, 1))
    utils.set_random_seed(200 + strategy.rank)
    with strategy.scope():
        in_a, in_b = layers.Input((20,)), layers.Input((5,))
        hidden = layers.Dense(16, activation="relu")(layers.Concatenate()([in_a, in_b]))
        outputs = [layers.Dense(3, activation="softmax")(hidden), layers.Dense(1)(hidden)]
        model = models.Model([in_a, in_b], outputs)
        model.compile(
            optimizer="adam",
            loss=["categorical_crossentropy", "mse"],
            loss_weights=[1.0, 0.5],
            metrics=[["accuracy"], ["mae"]],
        )
    history = model.fit(
        [a, b],
        [labels, target],
        batch_size=13,
        epochs=2,
        verbose=0,
        sample_weight=rng.random(n) + 0.5,
    )
    result = {f"multi_weight{i}": w for i, w in enumerate(model.get_weights())}
    for i, values in enumerate(history.history.values()):  # by position: names are numbered
        result[f"multi_log{i}"] = np.array(values)
    return result


def main(mode: str, out: Path) -> None:
    strategy = tensorgrad.distribute.DataParallel()
    if mode == "train":
        np.savez(out / f"rank{strategy.rank}.npz", **scenario(strategy, out))
    elif mode == "raise":
        x, y, _, _ = data()
        model = book_network(strategy)

        def fail(batch: int, logs: dict) -> None:
            if strategy.rank == 1 and batch == 1:
                raise RuntimeError("rank 1 fails on purpose")

        model.fit(
            x,
            y,
            batch_size=BATCH,
            epochs=10**6,
            verbose=0,
            callbacks=[callbacks.LambdaCallback(on_train_batch_begin=fail)],
        )
    elif mode == "mismatch":
        x, y, _, _ = data()
        model = book_network(strategy, units=256 if strategy.rank == 1 else 512)
        model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)
    elif mode == "mnist":
        from tensorgrad.datasets import fashion_mnist
        from tensorgrad.examples import mnist

        (x, y), (x_test, y_test) = fashion_mnist.load_data()
        fashion_mnist.load_data = lambda path=None: (
            (x[:1000], y[:1000]),
            (x_test[:200], y_test[:200]),
        )
        options = ["--dataset", "fashion_mnist", "--epochs", "1", "--seed", "0", "--distributed"]
        sys.exit(mnist.main([*options, "--save", str(out / "mnist.tensorgrad")]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]))
