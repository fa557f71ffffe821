"""What train_step, test_step and predict_step receive: Keras' data tuples, so that a step of
one's own unpacks them as the book does (`inputs, targets = data`)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
X = np.ones((4, 2), dtype=np.float32)
Y = np.ones((4, 1), dtype=np.float32)


def recorded_forms(lib):
    """The form of the data each step got, for fit and evaluate with and without y and
    sample weights, and for predict."""
    seen = []

    def form(data):
        return f"tuple of {len(data)}" if isinstance(data, tuple) else "one batch"

    class Recording(lib.Model):
        def __init__(self):
            super().__init__()
            self.dense = lib.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            seen.append(("train", form(data)))
            return {}

        def test_step(self, data):
            seen.append(("test", form(data)))
            return {}

        def predict_step(self, data):
            seen.append(("predict", form(data)))
            return self(data)

    model = Recording()
    model.compile(optimizer="sgd")
    model.fit(X, Y, batch_size=4, verbose=0)
    model.fit(X, batch_size=4, verbose=0)
    model.fit(X, Y, sample_weight=np.ones(4), batch_size=4, verbose=0)
    model.evaluate(X, Y, batch_size=4, verbose=0)
    model.predict(X, batch_size=4, verbose=0)
    return seen


def test_steps_receive_what_keras_steps_receive():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    assert recorded_forms(tg) == recorded_forms(keras)
    assert recorded_forms(tg) == [
        ("train", "tuple of 2"),
        ("train", "one batch"),
        ("train", "tuple of 3"),
        ("test", "tuple of 2"),
        ("predict", "one batch"),
    ]


def test_a_tuple_of_inputs_without_targets_comes_wrapped():
    assert tg.models.data.keras_batch(((X, X), None, None)) == ((X, X),)
    x, y = tg.models.data.keras_batch((X, Y, None))
    assert x is X and y is Y
