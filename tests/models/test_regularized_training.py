"""Training with weight and activity regularizers and constraints gives Keras 3's weights and
logs, given the same initial weights and data: the loss (fit's and evaluate's) includes the
penalties, the metrics do not, and constraints project the weights after every update.
"""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import constraints, layers, optimizers, regularizers
from tests.layers.keras_reference import keras

RNG = np.random.default_rng(11)
X = RNG.normal(size=(40, 8))
Y = X @ RNG.normal(size=(8, 1)) + 0.1 * RNG.normal(size=(40, 1))
# Keras layers are given their dtype: its default policy, once made, ignores set_floatx
F64, F32 = "float64", "float32"


@pytest.fixture
def float64():
    tg.set_default_dtype("float64")
    try:
        yield
    finally:
        tg.set_default_dtype("float32")


def _pair(k, make_layers, optimizer, loss="mse", metrics=("mae",)):
    """The same architecture in Keras and here, both starting from Keras' weights."""
    theirs = k.Sequential([k.Input((8,)), *make_layers(k)])
    ours = tg.Sequential([tg.Input((8,)), *make_layers(tg)])
    ours.set_weights(_keras_weights(theirs))
    theirs.compile(optimizer=optimizer(k), loss=loss, metrics=list(metrics))
    ours.compile(optimizer=optimizer(tg), loss=loss, metrics=list(metrics))
    return ours, theirs


def _fit_both(ours, theirs, **kwargs):
    options = {"epochs": 3, "batch_size": 8, "shuffle": False, "verbose": 0, **kwargs}
    return ours.fit(X, Y, **options).history, theirs.fit(X, Y, **options).history


def _assert_same_logs(ours, theirs):
    """Keras 3.15 keeps its running means at float32 precision even in float64 (1e-8 off
    though the weights agree to 1e-16), so logs are compared to 1e-7."""
    for key in ours:
        np.testing.assert_allclose(ours[key], theirs[key], rtol=1e-7, err_msg=key)


def _assert_same_total_loss(ours, theirs):
    """compute_loss on the whole data set is the compiled loss plus every penalty: the
    penalties (model.losses after the call) agree with Keras' exactly; Keras' own mse
    reduction rounds at float32 precision, so the totals agree to 1e-7."""
    import torch

    y_pred = theirs(torch.tensor(X), training=False)
    expected = float(theirs.compute_loss(x=X, y=torch.tensor(Y), y_pred=y_pred).detach())
    expected_extra = sum(float(loss.detach()) for loss in theirs.losses)
    ours._resolve_metrics(Y)
    out = ours(X, training=False)
    extra = sum(float(loss.item()) for loss in ours.losses)
    assert len(ours.losses) == len(theirs.losses)
    assert extra == pytest.approx(expected_extra, rel=1e-12)
    got = ours.compute_loss(X, Y, out).item()
    assert got == pytest.approx(float(((out.numpy() - Y) ** 2).mean()) + extra, rel=1e-12)
    assert got == pytest.approx(expected, rel=1e-7)
    return got


def _keras_weights(model):
    return [v.value.detach().numpy() for v in model.weights]


def _assert_same_weights(ours, theirs, tol):
    for a, b in zip(ours.get_weights(), _keras_weights(theirs)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def test_l2_kernel_regularizer_trains_as_in_keras(float64):
    """The book's `kernel_regularizer=regularizers.l2(0.002)`, in float64: same weights and
    logs after three epochs of SGD; evaluate's loss holds the penalty, its mae does not."""
    k = keras()

    def make(lib):
        return [
            lib.layers.Dense(
                16, activation="relu", kernel_regularizer=lib.regularizers.l2(0.002), dtype=F64
            ),
            lib.layers.Dense(1, dtype=F64),
        ]

    ours, theirs = _pair(k, make, lambda lib: lib.optimizers.SGD(learning_rate=0.01))
    h1, h2 = _fit_both(ours, theirs)
    _assert_same_logs(h1, h2)
    _assert_same_weights(ours, theirs, 1e-12)
    total = _assert_same_total_loss(ours, theirs)
    e1 = ours.evaluate(X, Y, batch_size=40, verbose=0, return_dict=True)
    e2 = theirs.evaluate(X, Y, batch_size=40, verbose=0, return_dict=True)
    _assert_same_logs(e1, e2)
    penalty = 0.002 * float((ours.layers[0].kernel.data ** 2).sum())
    mse = float(((ours.predict(X, verbose=0) - Y) ** 2).mean())
    assert e1["loss"] == pytest.approx(mse + penalty, rel=1e-12) == total
    assert e1["mae"] == pytest.approx(float(np.abs(ours.predict(X, verbose=0) - Y).mean()))


def test_every_kind_of_penalty_and_constraint_trains_as_in_keras(float64):
    """Kernel, bias and activity penalties, MaxNorm and NonNeg, with momentum, in float64."""
    k = keras()

    def make(lib):
        r, c = lib.regularizers, lib.constraints
        return [
            lib.layers.Dense(
                16,
                activation="tanh",
                kernel_regularizer=r.L1L2(l1=0.0625, l2=0.125),
                bias_regularizer=r.L1(0.25),
                activity_regularizer=r.L2(0.5),
                kernel_constraint=c.MaxNorm(0.5, axis=0),
                bias_constraint=c.NonNeg(),
                dtype=F64,
            ),
            lib.layers.Dense(
                1,
                kernel_regularizer=r.OrthogonalRegularizer(0.5, mode="rows"),
                kernel_constraint=c.MinMaxNorm(0.25, 0.75, rate=0.5),
                bias_constraint=c.UnitNorm(axis=0),
                dtype=F64,
            ),
        ]

    ours, theirs = _pair(k, make, lambda lib: lib.optimizers.SGD(0.05, momentum=0.9))
    h1, h2 = _fit_both(ours, theirs, epochs=4)
    _assert_same_logs(h1, h2)
    _assert_same_weights(ours, theirs, 1e-9)
    _assert_same_total_loss(ours, theirs)
    norms = np.sqrt((ours.layers[0].kernel.data ** 2).sum(axis=0))
    assert norms.max() <= 0.5 + 1e-9 and (ours.layers[0].bias.data >= 0).all()


def test_the_book_example_in_float32_agrees_with_keras():
    k = keras()
    k.config.set_floatx("float32")
    try:

        def make(lib):
            l2 = lib.regularizers.l2(0.002)
            return [
                lib.layers.Dense(16, activation="relu", kernel_regularizer=l2, dtype=F32),
                lib.layers.Dense(16, activation="relu", kernel_regularizer=l2, dtype=F32),
                lib.layers.Dense(1, activation="sigmoid", dtype=F32),
            ]

        labels = (Y > 0).astype("float32")
        theirs = k.Sequential([k.Input((8,)), *make(k)])
        ours = tg.Sequential([tg.Input((8,)), *make(tg)])
        ours.set_weights(_keras_weights(theirs))
        for model in (ours, theirs):
            model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["accuracy"])
        options = {"epochs": 2, "batch_size": 8, "shuffle": False, "verbose": 0}
        h1 = ours.fit(X.astype("float32"), labels, **options).history
        h2 = theirs.fit(X.astype("float32"), labels, **options).history
        np.testing.assert_allclose(h1["loss"], h2["loss"], rtol=2e-5)
        np.testing.assert_allclose(h1["accuracy"], h2["accuracy"])
        _assert_same_weights(ours, theirs, 1e-4)
    finally:
        k.config.set_floatx("float64")


def test_training_includes_add_loss_of_a_layer(float64):
    class Penalised(layers.Layer):
        def call(self, x):
            self.add_loss(0.125 * tg.mean(x * x))
            return x

    model = tg.Sequential([tg.Input((8,)), layers.Dense(4), Penalised(), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(0.01), loss="mse")
    first = model.layers[0].kernel.data.copy()
    logs = model.evaluate(X, Y, batch_size=40, verbose=0, return_dict=True)
    hidden = X @ first + model.layers[0].bias.data
    mse = float(((model.predict(X, verbose=0) - Y) ** 2).mean())
    assert logs["loss"] == pytest.approx(mse + 0.125 * float((hidden**2).mean()), rel=1e-9)


def test_constraint_applies_after_a_direct_optimizer_update_as_in_keras(float64):
    import torch

    k = keras()
    w0 = RNG.normal(size=(5, 3))
    g = RNG.normal(size=(5, 3))
    for ours_c, theirs_c in [
        (constraints.MaxNorm(1.5), k.constraints.MaxNorm(1.5)),
        (constraints.max_norm(2, axis=1), k.constraints.max_norm(2, axis=1)),
        (constraints.MinMaxNorm(0.5, 1.0, 0.75), k.constraints.MinMaxNorm(0.5, 1.0, 0.75)),
        (constraints.UnitNorm(axis=[0, 1]), k.constraints.UnitNorm(axis=[0, 1])),
        (constraints.NonNeg(), k.constraints.NonNeg()),
    ]:
        theirs_layer = k.layers.Layer(dtype=F64)
        variable = theirs_layer.add_weight(shape=(5, 3), constraint=theirs_c)
        variable.assign(w0)
        k.optimizers.SGD(0.1).apply([torch.tensor(g)], [variable])
        ours_layer = layers.Layer()
        weight = ours_layer.add_weight(shape=(5, 3), constraint=ours_c)
        weight.data[...] = w0
        optimizers.SGD(0.1).apply([g], [weight])
        expected = variable.value.detach().numpy()
        np.testing.assert_allclose(weight.data, expected, rtol=1e-12, atol=1e-15)


def test_regularizers_do_not_change_metrics_or_per_output_losses(float64):
    inputs = tg.Input((8,))
    hidden = layers.Dense(4, kernel_regularizer=regularizers.L2(10.0))(inputs)
    outputs = [layers.Dense(1, name="a")(hidden), layers.Dense(1, name="b")(hidden)]
    model = tg.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss=["mse", "mse"], metrics=[["mae"], ["mae"]])
    logs = model.evaluate(X, [Y, Y], batch_size=40, verbose=0, return_dict=True)
    outputs = model.predict(X, verbose=0)
    per_output = [float(((o - Y) ** 2).mean()) for o in outputs]
    penalty = 10.0 * float((model.layers[1].kernel.data ** 2).sum())
    assert [logs["a_loss"], logs["b_loss"]] == pytest.approx(per_output, rel=1e-9)
    assert logs["loss"] == pytest.approx(sum(per_output) + penalty, rel=1e-9)
    assert logs["a_mae"] == pytest.approx(float(np.abs(outputs[0] - Y).mean()), rel=1e-9)
