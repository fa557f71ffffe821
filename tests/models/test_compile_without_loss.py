"""compile(loss=None), as Keras 3 allows it: the loss comes from add_loss alone (fit on x with
no y), or a model's own train_step computes it; and the clear errors around that."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
X = np.linspace(0.0, 1.0, 64 * 4, dtype=np.float32).reshape(64, 4)


def penalized(lib):
    """Dense(3) whose only loss is the mean square of its outputs, added in a layer."""

    class SquarePenalty(lib.layers.Layer):
        def call(self, x):
            self.add_loss(lib.ops.mean(x**2))
            return x

    inputs = lib.Input((4,))
    hidden = lib.layers.Dense(3, kernel_initializer="ones")(inputs)
    model = lib.Model(inputs, SquarePenalty()(hidden))
    model.compile(optimizer=lib.optimizers.SGD(0.01))
    return model


def run(model):
    history = model.fit(X, epochs=2, batch_size=16, verbose=0, shuffle=False).history
    return [
        history["loss"],
        model.evaluate(X, batch_size=16, verbose=0),
        model.train_on_batch(X[:16]),
        model.test_on_batch(X[:16]),
        model.fit(X, np.zeros((64, 3)), batch_size=16, verbose=0, shuffle=False).history["loss"],
    ]


def test_add_loss_only_agrees_with_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    theirs, ours = penalized(keras), penalized(tg)
    ours.set_weights(theirs.get_weights())
    for want, got in zip(run(theirs), run(ours)):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-5)
    for w, v in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(v, w, rtol=1e-5, atol=1e-6)


def test_add_loss_only_from_batches_without_targets():
    model = penalized(tg)
    start = model.evaluate(X, verbose=0)

    def batches():
        while True:
            for i in range(0, 64, 16):
                yield (X[i : i + 16],)

    history = model.fit(batches(), steps_per_epoch=4, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(X, verbose=0) < start


def test_own_train_step_needs_no_compiled_loss():
    class Regression(tg.Model):
        def __init__(self):
            super().__init__()
            self.dense = tg.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def train_step(self, data):
            x, y = data
            loss = tg.ops.mean((self(x, training=True) - y) ** 2)
            loss.backward()
            weights = self.trainable_weights
            self.optimizer.apply_gradients([(w.grad, w) for w in weights])
            for w in weights:
                w.grad = None
            return {"mse": loss.item()}

    model = Regression()
    model.compile(optimizer=tg.optimizers.SGD(0.1))
    y = X @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype=np.float32)
    history = model.fit(X, y, batch_size=16, epochs=20, verbose=0)
    assert history.history["mse"][-1] < 0.1 * history.history["mse"][0]


def test_no_loss_at_all_fails_before_any_update():
    model = tg.Sequential([tg.Input((4,)), tg.layers.Dense(2)])
    model.compile(optimizer="sgd")
    before = model.get_weights()
    for call in (
        lambda: model.fit(X, np.ones((64, 2)), verbose=0),
        lambda: model.evaluate(X, np.ones((64, 2)), verbose=0),
        lambda: model.train_on_batch(X, np.ones((64, 2))),
    ):
        with pytest.raises(ValueError, match="no loss to compute.*none was added with add_loss"):
            call()
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_metrics_or_weights_without_targets_fail_before_any_update():
    model = penalized(tg)
    model.compile(optimizer="sgd", metrics=["mae"])
    before = model.get_weights()
    with pytest.raises(
        ValueError, match=r"fit: the metrics \['mae'\] compare outputs with targets"
    ):
        model.fit(X, verbose=0)
    with pytest.raises(ValueError, match="evaluate: the metrics"):
        model.evaluate(X, verbose=0)
    model.compile(optimizer="sgd")
    with pytest.raises(ValueError, match="sample_weight and class_weight weigh a compiled loss"):
        model.fit(X, sample_weight=np.ones(64), verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_a_compiled_loss_still_needs_targets():
    model = tg.Sequential([tg.Input((4,)), tg.layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="fit: y is missing: the compiled loss compares"):
        model.fit(X, verbose=0)
