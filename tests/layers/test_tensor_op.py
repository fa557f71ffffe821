"""keras.ops calls, operators and slices on symbolic tensors: the graph steps they record
(TensorOp) compute what Keras 3's do, train, save and load, and stay out of `model.layers`."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tensorgrad as tg
from tests.layers.keras_reference import keras

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
RNG = np.random.default_rng(0)
X = RNG.standard_normal((8, 6)).astype(np.float32)
Y = RNG.standard_normal((8, 1)).astype(np.float32)


def graph(lib):
    """A model whose middle is keras.ops calls, operators and slices on symbolic tensors."""
    ops, layers = lib.ops, lib.layers
    inputs = lib.Input((6,))
    h = layers.Dense(4, name="hidden")(inputs)
    parts = [
        h * 2.0 + 1.0,
        1.0 - ops.relu(h)[:, :2],
        ops.mean(h, axis=-1, keepdims=True) ** 2,
        ops.reshape(h, (-1, 2, 2))[:, 0, ...] / 3.0,
        -abs(inputs[:, 1:3]) @ np.ones((2, 2), dtype=np.float32),
        ops.exp(ops.tanh(ops.sum(inputs, axis=1, keepdims=True))),
        ops.cast(h > 0.0, "float32"),
    ]
    out = layers.Dense(1, name="head")(ops.concatenate(parts, axis=-1))
    model = lib.Model(inputs, out)
    model.compile(optimizer=lib.optimizers.SGD(0.1), loss="mse")
    return model


def test_ops_on_symbolic_tensors_agree_with_keras():
    k = keras()
    theirs, ours = graph(k), graph(tg)
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(
        ours.predict(X, verbose=0), theirs.predict(X, verbose=0), rtol=1e-5, atol=1e-6
    )
    for model in (theirs, ours):
        model.fit(X, Y, batch_size=8, epochs=2, verbose=0, shuffle=False)
    for want, got in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    kinds = [type(layer).__name__ for layer in ours.layers]
    assert kinds == [type(layer).__name__ for layer in theirs.layers]
    assert kinds == ["InputLayer", "Dense", "Dense"]
    assert ours.output_shape == theirs.output_shape == (None, 1)


def test_saved_and_loaded_under_the_safe_format(tmp_path):
    model = graph(tg)
    model.fit(X, Y, verbose=0)
    path = tmp_path / "ops.tensorgrad"
    model.save(path)
    again = tg.models.load_model(path)
    np.testing.assert_array_equal(again.predict(X, verbose=0), model.predict(X, verbose=0))


def test_summary_shows_the_steps_and_dtypes_follow_the_function(capsys):
    model = graph(tg)
    model.summary()
    table = capsys.readouterr().out
    assert re.search(r"concatenate(_\d+)? \(Concatenate\)", table)
    assert re.search(r"getitem(_\d+)? \(GetItem\)", table)
    inputs = tg.Input((3,), dtype="int32")
    assert (inputs > 1).dtype == "bool"
    assert tg.ops.shape(inputs) == (None, 3)
    assert tg.ops.argmax(inputs * 2, axis=-1).shape == (None,)
    values, indices = tg.ops.top_k(tg.ops.cast(inputs, "float32"), 2)  # one dtype per output
    assert (values.dtype, indices.dtype, indices.shape) == ("float32", "int32", (None, 2))


def test_unrecordable_arguments_and_batchless_tensors_are_refused():
    inputs = tg.Input((3,))
    with pytest.raises(TypeError, match="cannot record an argument of type object"):
        tg.ops.add(inputs, object())
    with pytest.raises(ValueError, match="unknown function 'nonsense'"):
        tg.layers.tensor_op.TensorOp("nonsense")
