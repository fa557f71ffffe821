"""train_on_batch, test_on_batch and predict_on_batch: Keras 3's results given the same weights,
fit's update on one batch, metrics that cover the one batch, and clear errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg

# Keras' Variable.numpy() under NumPy 2 warns about its own __array__; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
RNG = np.random.default_rng(0)
X = RNG.random((16, 5), dtype=np.float32)
Y = RNG.integers(0, 3, 16)


def classifier(lib):
    model = lib.Sequential(
        [
            lib.Input((5,)),
            lib.layers.Dense(4, activation="relu"),
            lib.layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_agrees_with_keras_step_by_step():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    theirs, ours = classifier(keras), classifier(tg)
    ours.set_weights(theirs.get_weights())
    for model_results in zip(
        *[
            [
                m.train_on_batch(X, Y),
                m.train_on_batch(X[:8], Y[:8], return_dict=True),
                m.test_on_batch(X, Y),
                m.train_on_batch(X, Y, class_weight={0: 1.0, 1: 2.0, 2: 0.5}),
                m.predict_on_batch(X[:3]),
            ]
            for m in (theirs, ours)
        ]
    ):
        want, got = model_results
        if isinstance(want, dict):
            assert sorted(got) == sorted(want)
            want, got = [want[k] for k in sorted(want)], [got[k] for k in sorted(want)]
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5, atol=1e-6)
    for w, v in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(v, w, rtol=1e-5, atol=1e-6)


def test_one_step_is_fit_on_one_batch_and_metrics_cover_that_batch():
    a, b = classifier(tg), classifier(tg)
    b.set_weights(a.get_weights())
    loss, accuracy = a.train_on_batch(X, Y)
    history = b.fit(X, Y, batch_size=16, epochs=1, verbose=0, shuffle=False)
    assert loss == pytest.approx(history.history["loss"][0], rel=1e-6)
    assert accuracy == pytest.approx(history.history["accuracy"][0])
    for w, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_allclose(w, v, rtol=1e-6)
    # Each call starts its metrics afresh: the same batch twice gives the same accuracy.
    assert a.test_on_batch(X, Y) == a.test_on_batch(X, Y)
    assert a.predict_on_batch(X).shape == (16, 3)
    np.testing.assert_allclose(a.predict_on_batch(X), a.predict(X, verbose=0), rtol=1e-6)


def test_a_model_without_metrics_returns_the_loss_alone():
    model = tg.Sequential([tg.Input((5,)), tg.layers.Dense(1)])
    model.compile("sgd", "mse")
    target = Y.astype("float32")
    assert isinstance(model.train_on_batch(X, target), float)
    assert model.test_on_batch(X, target, return_dict=True).keys() == {"loss"}


def test_errors():
    model = tg.Sequential([tg.Input((5,)), tg.layers.Dense(3)])
    with pytest.raises(RuntimeError, match="train_on_batch"):
        model.train_on_batch(X, Y)
    model = classifier(tg)
    with pytest.raises(ValueError, match="sample_weight and class_weight cannot be given together"):
        model.train_on_batch(X, Y, sample_weight=np.ones(16), class_weight={0: 1.0})
    with pytest.raises(ValueError, match="train_on_batch"):
        model.train_on_batch(X, Y[:4])
