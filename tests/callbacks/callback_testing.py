"""Helpers shared by the callback tests: a float32 optimizer stand-in and twin models."""

from __future__ import annotations

import warnings

import numpy as np


class FloatVariableOptimizer:
    """A stand-in for a Keras optimizer: its learning rate is stored in float32."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate

    @property
    def learning_rate(self) -> float:
        return self._lr

    @learning_rate.setter
    def learning_rate(self, value: float) -> None:
        self._lr = float(np.float32(value))


def xy() -> tuple[np.ndarray, np.ndarray]:
    """40 samples of 3 features; the target says whether their sum is positive."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype(np.float32)
    return x, (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)


def twin_models(keras, lr: float = 0.1):
    """The same Dense(1, sigmoid) model in tensorgrad and Keras, compiled alike (SGD)."""
    from tensorgrad import layers, models, optimizers

    ours = models.Sequential([layers.Dense(1, activation="sigmoid", input_shape=(3,))])
    ours.compile(optimizers.SGD(learning_rate=lr), "binary_crossentropy", ["accuracy"])
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    theirs.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    theirs.set_weights(ours.get_weights())
    return ours, theirs


def keras_fit(model, *args, **kwargs):
    """Keras' fit, with the DeprecationWarning its torch backend raises in NumPy 2 muted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return model.fit(*args, **kwargs)
