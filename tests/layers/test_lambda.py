"""Lambda: calls in Sequential and functional models, inferred and given output shapes
(against Keras 3's), arguments, masks, training, gradients, and saving by name only."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tensorgrad import layers, models, ops, saving
from tensorgrad.saving import SavingError
from tests.layers.keras_reference import assert_same, keras, run_keras, run_ours
from tests.layers.layer_checks import saved_and_loaded, summary_lines

RNG = np.random.default_rng(0)


def square_features(x):
    """A named function: what a saved Lambda can be loaded back with."""
    return ops.concatenate([x, ops.square(x)], axis=-1)


FUNCTIONS = {
    "slice": (lambda o: lambda x: x[:, 1:3] * 2.0, (None, 6)),
    "concat": (lambda o: lambda x: o.concatenate([x, o.square(x)], axis=-1), (None, 4, 3)),
    "reduce": (lambda o: lambda x: o.mean(x, axis=1), (None, 5, 3)),
    "reshape": (lambda o: lambda x: o.reshape(x, (-1, 3, 2)), (None, 6)),
    "two_inputs": (lambda o: lambda xs: o.add(xs[0], xs[1]), [(None, 4), (None, 4)]),
}


@pytest.mark.parametrize("name", list(FUNCTIONS))
def test_inferred_output_shape_matches_keras(name):
    make, shape = FUNCTIONS[name]
    k = keras()
    theirs = k.layers.Lambda(make(k.ops)).compute_output_shape(shape)
    ours = layers.Lambda(make(ops)).compute_output_shape(shape)
    assert ours == tuple(theirs)


def test_outputs_and_input_gradients_agree_with_keras():
    k = keras()
    x = RNG.standard_normal((3, 4))
    make = FUNCTIONS["concat"][0]
    ours = layers.Lambda(make(ops), dtype="float64")
    theirs = k.layers.Lambda(make(k.ops), dtype="float64")
    assert_same(run_ours(ours, x), run_keras(theirs, x))


def test_in_sequential_and_functional_models():
    model = models.Sequential(
        [
            layers.Dense(4, input_shape=(3,)),
            layers.Lambda(lambda x: x[:, :2], name="first_two"),
            layers.Dense(1),
        ]
    )
    assert re.search(r"first_two \(Lambda\)\s+\(None, 2\)\s+0\n", summary_lines(model))
    assert model.predict(np.ones((2, 3)), verbose=0).shape == (2, 1)
    a, b = layers.Input((4,)), layers.Input((4,))
    out = layers.Lambda(lambda xs: xs[0] * xs[1])([a, b])
    assert out.shape == (None, 4)
    both = models.Model([a, b], out)
    x, y = RNG.standard_normal((2, 4)), RNG.standard_normal((2, 4))
    np.testing.assert_allclose(both.predict([x, y], verbose=0), x * y, rtol=1e-6)


def test_given_output_shape_arguments_mask_and_training():
    fixed = layers.Lambda(lambda x: x, output_shape=(7,))
    assert fixed.compute_output_shape((None, 3)) == (None, 7)
    by_function = layers.Lambda(lambda x: x, output_shape=lambda s: (s[0], s[1] * 2))
    assert by_function.compute_output_shape((None, 3)) == (None, 6)
    scaled = layers.Lambda(lambda x, factor: x * factor, arguments={"factor": 3.0})
    np.testing.assert_array_equal(scaled(np.ones((1, 2))).numpy(), [[3.0, 3.0]])
    seen = {}

    def spy(x, mask=None, training=None):
        seen.update(mask=mask, training=training)
        return x

    masked = layers.Lambda(spy, mask=lambda inputs, mask: inputs[..., 0] > 0)
    out = masked(np.array([[[1.0], [-1.0]]]), training=True)
    assert seen["training"] is True and seen["mask"] is None
    np.testing.assert_array_equal(out._keras_mask, [[True, False]])
    assert layers.Lambda(lambda x: x).compute_mask(np.ones(2), np.ones(2)) is None


def test_saved_with_a_named_function_loads_with_custom_objects(tmp_path: Path):
    model = models.Sequential(
        [layers.Dense(3, input_shape=(2,)), layers.Lambda(square_features), layers.Dense(1)]
    )
    config = model.layers[1].get_config()
    assert config["function"] == {"class_name": "function", "config": {"name": "square_features"}}
    assert config["arguments"] == {}
    x = RNG.standard_normal((4, 2)).astype("float32")
    loaded = saved_and_loaded(
        model, tmp_path, x, custom_objects={"square_features": square_features}
    )
    assert loaded.layers[1].function is square_features
    with pytest.raises(SavingError, match=r"custom_objects=\{'square_features'"):
        saving.load_model(tmp_path / "model.tensorgrad")
    with pytest.raises(SavingError, match="not a function of tensors"):
        saving.load_model(tmp_path / "model.tensorgrad", custom_objects={"square_features": int})


def test_a_python_lambda_is_saved_without_code_and_refused_on_load(tmp_path: Path):
    model = models.Sequential([layers.Dense(2, input_shape=(2,)), layers.Lambda(lambda x: -x)])
    config = model.layers[1].get_config()
    assert config["function"] == {"class_name": "__lambda__", "config": {}}
    model.save(tmp_path / "m.tensorgrad")
    with pytest.raises(SavingError, match="is a Python lambda.*safe_mode=False"):
        saving.load_model(tmp_path / "m.tensorgrad")
    with pytest.raises(SavingError, match="is a Python lambda"):  # no code to run in any mode
        saving.load_model(tmp_path / "m.tensorgrad", safe_mode=False)
    with pytest.raises(ValueError, match='Lambda layer "lambda_x".*Python lambda'):
        layers.deserialize({"class_name": "Lambda", "config": {**config, "name": "lambda_x"}})


def test_config_round_trip_with_shapes():
    layer = layers.Lambda(square_features, output_shape=(4, 6), arguments={})
    config = layer.get_config()
    assert config["output_shape"] == [4, 6]
    again = layers.Lambda.from_config(config, custom_objects={"square_features": square_features})
    assert again.get_config() == config
    assert again.compute_output_shape((None, 4, 3)) == (None, 4, 6)


def test_bad_arguments_and_uninferable_shapes():
    with pytest.raises(TypeError, match="Lambda: function must be callable, got 3"):
        layers.Lambda(3)
    with pytest.raises(TypeError, match="Lambda: output_shape must be None, a shape"):
        layers.Lambda(abs, output_shape="big")
    with pytest.raises(TypeError, match="Lambda: mask must be None or a function"):
        layers.Lambda(abs, mask=True)
    with pytest.raises(TypeError, match="Lambda: arguments must be a dict"):
        layers.Lambda(abs, arguments=[1])

    def fails(x):
        raise RuntimeError("no shape here")

    with pytest.raises(NotImplementedError, match="no shape here.*give output_shape="):
        layers.Lambda(fails, name="broken").compute_output_shape((None, 3))
