"""The Layer base: lazy build, weights, get/set_weights, count_params, names, config."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers
from tensorgrad.layers.base import clear_session


class ScaleShift(layers.Layer):
    """A custom layer: one trainable weight per feature, one frozen offset."""

    def build(self, input_shape):
        self.scale = self.add_weight("scale", (input_shape[-1],), "ones")
        self.offset = self.add_weight("offset", (input_shape[-1],), "zeros", trainable=False)

    def call(self, inputs):
        return inputs * self.scale + self.offset


def test_build_is_lazy_and_happens_on_first_call():
    layer = ScaleShift()
    assert not layer.built and layer.weights == []
    out = layer(np.ones((4, 3), dtype=np.float32))
    assert layer.built
    assert out.shape == (4, 3)
    assert [w.shape for w in layer.weights] == [(3,), (3,)]
    assert layer.input_shape == (None, 3)
    assert layer.output_shape == (None, 3)  # inferred by running the layer once


def test_trainable_and_non_trainable_weights():
    layer = ScaleShift(name="scale")
    layer.build((None, 5))
    assert [w.name for w in layer.trainable_weights] == ["scale/scale"]
    assert [w.name for w in layer.non_trainable_weights] == ["scale/offset"]
    assert layer.trainable_weights[0].requires_grad
    assert not layer.non_trainable_weights[0].requires_grad
    layer.trainable = False
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 2
    assert not layer.weights[0].requires_grad
    layer.trainable = True
    assert layer.weights[0].requires_grad


def test_get_and_set_weights_copy_in_place():
    layer = layers.Dense(3)
    layer.build((None, 2))
    kernel = layer.kernel
    values = [np.arange(6, dtype=np.float32).reshape(2, 3), np.ones(3, np.float32)]
    layer.set_weights(values)
    assert layer.kernel is kernel  # the same tensor: optimizers keep their reference
    got = layer.get_weights()
    np.testing.assert_array_equal(got[0], values[0])
    got[0][0, 0] = 99  # copies, not views
    assert layer.kernel.data[0, 0] == 0


def test_set_weights_validation():
    layer = layers.Dense(3, name="d")
    layer.build((None, 2))
    with pytest.raises(ValueError, match='layer "d" has 2 weights, got a list of 1'):
        layer.set_weights([np.zeros((2, 3))])
    message = r'"d/kernel" of layer "d" has shape \(2, 3\), got an array of shape \(3, 2\)'
    with pytest.raises(ValueError, match=message):
        layer.set_weights([np.zeros((3, 2)), np.zeros(3)])
    with pytest.raises(ValueError, match="not built yet"):
        layers.Dense(3).set_weights([np.zeros((2, 3)), np.zeros(3)])


def test_count_params():
    layer = layers.Dense(512)
    with pytest.raises(ValueError, match="not built yet"):
        layer.count_params()
    layer.build((None, 784))
    assert layer.count_params() == 784 * 512 + 512


def test_names_are_numbered_like_keras():
    clear_session()
    names = [
        layers.Dense(1).name,
        layers.Dense(1).name,
        layers.Dropout(0.5).name,
        layers.Dense(1).name,
        layers.Dense(1, name="out").name,
    ]
    assert names == ["dense", "dense_1", "dropout", "dense_2", "out"]


def test_unknown_keyword_argument_is_a_type_error_with_a_suggestion():
    message = "Dense: unrecognized keyword argument 'activaton'. Did you mean 'activation'"
    with pytest.raises(TypeError, match=message):
        layers.Dense(10, activaton="relu")
    with pytest.raises(TypeError, match="unrecognized keyword argument 'foo'"):
        layers.Flatten(foo=1)


def test_input_shape_is_checked_after_build():
    layer = layers.Dense(4, name="d")
    layer(np.zeros((2, 3)))
    message = r'Dense layer "d": expected an input of shape \(\.\.\., 3\), got shape \(2, 5\)'
    with pytest.raises(ValueError, match=message):
        layer(np.zeros((2, 5)))


def test_declared_input_shape_is_checked_at_build():
    layer = layers.Dense(4, input_shape=(784,), name="d")
    message = r"expected an input of shape \(None, 784\).*got shape \(None, 28, 28\).*reshape"
    with pytest.raises(ValueError, match=message):
        layer(np.zeros((2, 28, 28)))


def test_integer_inputs_are_cast_to_float():
    layer = layers.Dense(2)
    out = layer(np.ones((3, 4), dtype=np.uint8))
    assert out.dtype == np.float32


def test_config_round_trip():
    layer = ScaleShift(name="s", trainable=False, input_shape=(3,))
    config = layer.get_config()
    assert config == {"name": "s", "trainable": False, "batch_input_shape": [None, 3]}
    again = ScaleShift.from_config(config)
    assert again.get_config() == config
    assert layers.deserialize(layers.serialize(layer)).get_config() == config
    with pytest.raises(ValueError, match="unknown layer class 'Nope'"):
        layers.deserialize({"class_name": "Nope", "config": {}})


def test_nested_layers_are_tracked():
    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.inner = [layers.Dense(3), layers.Dense(2)]

        def call(self, inputs):
            return self.inner[1](self.inner[0](inputs))

    block = Block()
    block(np.zeros((1, 4)))
    assert [w.shape for w in block.weights] == [(4, 3), (3,), (3, 2), (2,)]
    assert block.count_params() == 4 * 3 + 3 + 3 * 2 + 2
    assert block.output_shape == (None, 2)


def test_call_accepts_tensors_and_records_gradients():
    layer = layers.Dense(2)
    x = tg.tensor(np.ones((3, 4)), requires_grad=True)
    layer(x).sum().backward()
    assert x.grad.shape == (3, 4)
    assert layer.kernel.grad.shape == (4, 2)
