"""Dense, Activation, Flatten, Dropout and Input."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import initializers, layers, utils


def test_dense_output_equals_the_numpy_formula():
    layer = layers.Dense(5, activation="relu", bias_initializer="random_normal")
    x = np.random.default_rng(0).standard_normal((7, 3)).astype(np.float32)
    out = layer(x)
    kernel, bias = layer.get_weights()
    np.testing.assert_allclose(out.numpy(), np.maximum(x @ kernel + bias, 0), rtol=1e-6)
    assert out.shape == (7, 5) and out.dtype == np.float32


def test_dense_shapes_and_weights():
    layer = layers.Dense(512, input_shape=(784,))
    layer.build((None, 784))
    assert layer.kernel.shape == (784, 512) and layer.bias.shape == (512,)
    assert [w.name for w in layer.weights] == [f"{layer.name}/kernel", f"{layer.name}/bias"]
    assert layer.compute_output_shape((None, 784)) == (None, 512)
    assert layer.compute_output_shape((None, 5, 784)) == (None, 5, 512)
    assert not layer.bias.data.any()  # zeros
    limit = (6 / (784 + 512)) ** 0.5  # glorot_uniform
    assert np.abs(layer.kernel.data).max() <= limit


def test_dense_without_bias_on_3d_input():
    layer = layers.Dense(4, use_bias=False, kernel_initializer="ones")
    out = layer(np.ones((2, 3, 5)))
    assert layer.bias is None and len(layer.weights) == 1
    np.testing.assert_array_equal(out.numpy(), np.full((2, 3, 4), 5.0))


def test_dense_argument_errors():
    with pytest.raises(ValueError, match="units must be a positive integer, got 0"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="units must be a positive integer"):
        layers.Dense(2.5)
    with pytest.raises(ValueError, match="Unknown activation"):
        layers.Dense(2, activation="relux")
    with pytest.raises(ValueError, match="Unknown initializer"):
        layers.Dense(2, kernel_initializer="glorot")


def test_dense_config_round_trip():
    layer = layers.Dense(
        3,
        activation="softmax",
        use_bias=False,
        kernel_initializer=initializers.HeNormal(seed=1),
        input_shape=(4,),
        name="head",
    )
    config = layer.get_config()
    assert config["activation"] == "softmax"
    assert config["kernel_initializer"] == {"class_name": "HeNormal", "config": {"seed": 1}}
    assert config["batch_input_shape"] == [None, 4]
    again = layers.Dense.from_config(config)
    assert again.get_config() == config
    again.build((None, 4))
    layer.build((None, 4))
    np.testing.assert_array_equal(again.kernel.data, layer.kernel.data)  # seeded initializer


def test_activation_layer():
    layer = layers.Activation("tanh")
    x = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_allclose(layer(x).numpy(), np.tanh(x), rtol=1e-6)
    assert layer.compute_output_shape((None, 3)) == (None, 3)
    assert layers.Activation.from_config(layer.get_config()).activation is layer.activation


def test_flatten_is_row_major():
    x = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    layer = layers.Flatten()
    np.testing.assert_array_equal(layer(x).numpy(), x.reshape(2, 12))
    assert layer.compute_output_shape((None, 28, 28)) == (None, 784)
    assert layer.compute_output_shape((None, None, 28)) == (None, None)


def test_dropout_only_in_training_and_inverted():
    utils.set_random_seed(0)
    layer = layers.Dropout(0.25)
    x = np.ones((200, 50), dtype=np.float32)
    np.testing.assert_array_equal(layer(x).numpy(), x)  # inference: identity
    np.testing.assert_array_equal(layer(x, training=False).numpy(), x)
    out = layer(x, training=True).numpy()
    kept = out != 0
    assert set(np.unique(out)) == {0.0, np.float32(1 / 0.75)}
    assert kept.mean() == pytest.approx(0.75, abs=0.02)
    assert out.mean() == pytest.approx(1.0, abs=0.03)


def test_dropout_uses_the_library_seed_and_passes_gradients():
    x = tg.tensor(np.ones((4, 6)), requires_grad=True)
    utils.set_random_seed(3)
    first = layers.Dropout(0.5)(x, training=True)
    utils.set_random_seed(3)
    second = layers.Dropout(0.5)(x, training=True)
    np.testing.assert_array_equal(first.numpy(), second.numpy())
    first.sum().backward()
    np.testing.assert_array_equal(x.grad, first.numpy())  # d(x * mask)/dx = mask


def test_dropout_noise_shape_and_errors():
    out = layers.Dropout(0.5, noise_shape=(None, 1), seed=1)(np.ones((8, 5)), training=True)
    rows = out.numpy()
    assert all(len(set(row)) == 1 for row in rows)  # one decision per sample
    with pytest.raises(ValueError, match=r"rate must be a number in \[0, 1\), got 1"):
        layers.Dropout(1)
    config = layers.Dropout(0.3, seed=2).get_config()
    assert layers.Dropout.from_config(config).get_config() == config


def test_input_layer():
    symbolic = layers.Input(shape=(784,))
    assert symbolic.shape == (None, 784) and symbolic.dtype == "float32"
    inp = symbolic.node.layer
    assert isinstance(inp, layers.InputLayer)
    assert inp.shape == (None, 784)
    assert inp.count_params() == 0
    with pytest.raises(ValueError, match=r"expected an input of shape \(None, 784\)"):
        inp(np.zeros((2, 28, 28)))
    with pytest.raises(ValueError, match="give the shape of one sample"):
        layers.InputLayer()
