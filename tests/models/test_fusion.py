"""Models run Conv2D(relu) + MaxPooling2D as one op where nothing else sees the convolution's
output: the same outputs, losses and gradients as the layers one by one, in Sequential and
functional models, and no fusion where it would change what a model computes or shows."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as keras
from tensorgrad import layers, utils
from tensorgrad.engine.ops.conv_pool import Conv2DReluMaxPool
from tensorgrad.models import fusion


def book_convnet():
    utils.set_random_seed(3)
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(64, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    )


def ops_in_graph(tensor):
    """The op classes that produced `tensor`, walking its graph back to the leaves."""
    found, stack, seen = [], [tensor], set()
    while stack:
        t = stack.pop()
        ctx = t._ctx
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        found.append(type(ctx).__name__)
        stack.extend(ctx.inputs)
    return found


def unfused(monkeypatch):
    monkeypatch.setattr(fusion, "max_pool_after", lambda conv, pool: None)


def output_and_grads(model, x):
    y = model(keras.tensor(x), training=True)
    (y * np.arange(10, dtype=np.float32)).sum().backward()
    grads = [w.grad.copy() for w in model.trainable_weights]
    for w in model.trainable_weights:
        w.grad = None
    return y.numpy(), grads


def images(n=8, seed=0):
    return np.random.default_rng(seed).random((n, 28, 28, 1), dtype=np.float32)


def test_sequential_fuses_both_blocks_and_agrees_with_the_layers(monkeypatch):
    model = book_convnet()
    x = images()
    y = model(keras.tensor(x), training=True)
    assert ops_in_graph(y).count("Conv2DReluMaxPool") == 2
    assert "MaxPool2D" not in ops_in_graph(y)
    fused = output_and_grads(model, x)
    unfused(monkeypatch)
    assert "MaxPool2D" in ops_in_graph(model(keras.tensor(x), training=True))
    plain = output_and_grads(model, x)
    np.testing.assert_allclose(fused[0], plain[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(fused[1], plain[1]):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_fit_and_predict_agree_with_the_layers(monkeypatch):
    x = images(64, seed=1)
    y = utils.to_categorical(np.arange(64) % 10, 10)
    runs = []
    for fuse in (True, False):
        if not fuse:
            unfused(monkeypatch)
        model = book_convnet()
        model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
        history = model.fit(x, y, batch_size=16, epochs=1, verbose=0, shuffle=False)
        runs.append((history.history["loss"][0], model.predict(x, verbose=0)))
    assert runs[0][0] == pytest.approx(runs[1][0], rel=1e-4)
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=1e-3, atol=1e-5)


def test_functional_fuses_only_where_the_convolution_output_is_private():
    inputs = keras.Input(shape=(28, 28, 1))
    a = layers.Conv2D(8, 3, activation="relu")(inputs)
    a = layers.MaxPooling2D(2)(a)  # fused
    b = layers.Conv2D(8, 3, activation="relu")(a)
    c = layers.MaxPooling2D(2)(b)  # b is also an output: not fused
    d = layers.Conv2D(8, 3, activation="relu")(inputs)
    e = layers.Add()([layers.MaxPooling2D(2)(d), layers.AveragePooling2D(2)(d)])  # d read twice
    model = keras.Model(inputs, [layers.Flatten()(c), b, layers.Flatten()(e)])
    x = images(2)
    outputs = model(keras.tensor(x), training=True)
    assert ops_in_graph(outputs[0]).count("Conv2DReluMaxPool") == 1
    assert ops_in_graph(outputs[0]).count("MaxPool2D") == 1
    assert "Conv2DReluMaxPool" not in ops_in_graph(outputs[2])
    plain = [layer for layer in model.layers]  # the same layers, called one by one
    h = plain[1](keras.tensor(x))
    h = plain[2](h)
    np.testing.assert_allclose(outputs[1].numpy(), plain[3](h).numpy(), rtol=1e-6)


class DoubledConv(layers.Conv2D):
    def call(self, inputs, **kwargs):
        return super().call(inputs) * 2.0


@pytest.mark.parametrize(
    ("conv", "pool"),
    [
        (layers.Conv2D(4, 3, activation="tanh"), layers.MaxPooling2D(2)),
        (layers.Conv2D(4, 3), layers.MaxPooling2D(2)),
        (layers.Conv2D(4, 3, activation="relu", groups=2), layers.MaxPooling2D(2)),
        (
            layers.Conv2D(4, 3, activation="relu", activity_regularizer="l2"),
            layers.MaxPooling2D(2),
        ),
        (layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2, strides=1)),
        (layers.Conv2D(4, 3, activation="relu"), layers.MaxPooling2D(2, padding="same")),
        (layers.Conv2D(4, 3, activation="relu"), layers.AveragePooling2D(2)),
        (DoubledConv(4, 3, activation="relu"), layers.MaxPooling2D(2)),
    ],
    ids=["tanh", "linear", "groups", "activity", "overlap", "same", "average", "subclass"],
)
def test_no_fusion_where_the_result_would_differ(conv, pool):
    model = keras.Sequential([keras.Input(shape=(9, 9, 2)), conv, pool])
    x = keras.tensor(np.random.default_rng(2).standard_normal((2, 9, 9, 2)).astype(np.float32))
    y = model(x, training=True)
    assert "Conv2DReluMaxPool" not in ops_in_graph(y)
    expected = pool(conv(x)).numpy()
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-6)


def test_a_masked_input_runs_unfused():
    x = keras.tensor(np.ones((1, 9, 9, 2), dtype=np.float32))
    x._keras_mask = np.ones((1, 9, 9), dtype=bool)
    assert not fusion.can_fuse_input(x)
    assert fusion.can_fuse_input(keras.tensor(np.ones((1, 9, 9, 2))))


def test_the_fused_op_is_the_one_recorded():
    model = book_convnet()
    y = model(keras.tensor(images(2)), training=True)
    assert Conv2DReluMaxPool.__name__ in ops_in_graph(y)
    assert model.count_params() == 320 + 18496 + 36928 + 5770
