"""Layers with regularizers and constraints: Keras' config keys, get_config/from_config
round trips, and save/load through the safe format (custom ones via custom_objects)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import constraints, layers, models, regularizers, saving
from tests.layers.keras_reference import keras

REG = {"class_name": "L2", "config": {"l2": 0.25}}
CON = {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}}

# class name, constructor arguments, the regularizer and constraint prefixes Keras has
LAYERS = [
    ("Dense", {"units": 3}, ["kernel", "bias"]),
    ("Embedding", {"input_dim": 5, "output_dim": 2}, ["embeddings"]),
    ("Conv1D", {"filters": 2, "kernel_size": 2}, ["kernel", "bias"]),
    ("Conv2D", {"filters": 2, "kernel_size": 2}, ["kernel", "bias"]),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2}, ["kernel", "bias"]),
    ("DepthwiseConv2D", {"kernel_size": 2}, ["depthwise", "bias"]),
    ("SeparableConv2D", {"filters": 2, "kernel_size": 2}, ["depthwise", "pointwise", "bias"]),
    ("SimpleRNN", {"units": 2}, ["kernel", "recurrent", "bias"]),
    ("LSTM", {"units": 2}, ["kernel", "recurrent", "bias"]),
    ("GRU", {"units": 2}, ["kernel", "recurrent", "bias"]),
    ("BatchNormalization", {}, ["beta", "gamma"]),
]


def _keys(config):
    return {k for k in config if k.endswith(("_regularizer", "_constraint"))}


@pytest.mark.parametrize("name, args, prefixes", LAYERS, ids=[c[0] for c in LAYERS])
def test_config_keys_are_keras_and_round_trip(name, args, prefixes):
    k = keras()
    assert _keys(getattr(layers, name)(**args).get_config()) == _keys(
        getattr(k.layers, name)(**args).get_config()
    )
    options = {f"{p}_regularizer": REG for p in prefixes}
    options.update({f"{p}_constraint": CON for p in prefixes})
    if name != "BatchNormalization":
        options["activity_regularizer"] = "l1"
    layer = getattr(layers, name)(**args, **options)
    config = layer.get_config()
    for p in prefixes:
        assert config[f"{p}_regularizer"] == REG and config[f"{p}_constraint"] == CON
    again = type(layer).from_config(config)
    assert again.get_config() == config
    theirs = getattr(k.layers, name)(**args, **options).get_config()
    for key in _keys(config):  # Keras adds module and registered_name to the same specs
        if name == "SimpleRNN" and key == "activity_regularizer":
            assert theirs[key] is None  # Keras 3.15's SimpleRNN drops it (applied here)
            continue
        if config[key] is not None:
            assert theirs[key]["class_name"] == config[key]["class_name"]
            assert theirs[key]["config"] == pytest.approx(config[key]["config"])


@pytest.mark.parametrize("name, args, prefixes", LAYERS, ids=[c[0] for c in LAYERS])
def test_the_weights_carry_them(name, args, prefixes):
    options = {f"{p}_regularizer": "l2" for p in prefixes}
    options.update({f"{p}_constraint": "non_neg" for p in prefixes})
    layer = getattr(layers, name)(**args, **options)
    shape = {"Embedding": (None, 4), "Dense": (None, 4), "BatchNormalization": (None, 4)}
    rank = 3 if name in ("Conv1D", "SimpleRNN", "LSTM", "GRU") else 4
    layer.build(shape.get(name, (None,) + (5,) * (rank - 2) + (3,)))
    regularized = [w for w in layer.trainable_weights if w.regularizer is not None]
    assert len(regularized) == len(layer.trainable_weights) == len(layer.losses)
    assert all(isinstance(w.constraint, constraints.NonNeg) for w in layer.trainable_weights)


def _model():
    return models.Sequential(
        [
            tg.Input((6, 6, 1)),
            layers.Conv2D(
                2,
                3,
                kernel_regularizer=regularizers.l1_l2(l1=0.01, l2=0.02),
                kernel_constraint=constraints.MaxNorm(1.5, axis=[0, 1, 2]),
                activity_regularizer="l2",
            ),
            layers.BatchNormalization(gamma_regularizer="l1", beta_constraint="non_neg"),
            layers.Flatten(),
            layers.Dense(
                2,
                kernel_regularizer=regularizers.OrthogonalRegularizer(0.5, "columns"),
                bias_constraint=constraints.UnitNorm(),
            ),
        ]
    )


def test_save_and_load_keep_regularizers_and_constraints(tmp_path: Path):
    model = _model()
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).normal(size=(4, 6, 6, 1)).astype("float32")
    model.fit(x, np.ones((4, 2)), epochs=1, verbose=0)
    model.save(tmp_path / "m.tensorgrad")
    loaded = models.load_model(tmp_path / "m.tensorgrad")
    assert loaded.get_config() == model.get_config()
    model(x)
    loaded(x)
    assert [v.item() for v in loaded.losses] == pytest.approx([v.item() for v in model.losses])
    kernel = loaded.layers[0].kernel
    assert isinstance(kernel.constraint, constraints.MaxNorm)
    assert kernel.constraint.get_config() == {"max_value": 1.5, "axis": [0, 1, 2]}
    np.testing.assert_allclose(
        loaded.evaluate(x, np.ones((4, 2)), verbose=0),
        model.evaluate(x, np.ones((4, 2)), verbose=0),
    )


def _my_penalty(w):
    return 0.5 * tg.sum(tg.abs(w))


class Scaled(regularizers.Regularizer):
    def __init__(self, scale=1.0):
        self.scale = scale

    def __call__(self, x):
        return self.scale * tg.sum(x * x)

    def get_config(self):
        return {"scale": self.scale}


def test_custom_regularizers_and_constraints_come_back_from_custom_objects(tmp_path: Path):
    def clip_unit(w):
        return tg.clip(w, -1.0, 1.0)

    model = models.Sequential(
        [
            tg.Input((3,)),
            layers.Dense(2, kernel_regularizer=_my_penalty, bias_regularizer=Scaled(3.0)),
            layers.Dense(1, kernel_constraint=clip_unit),
        ]
    )
    path = tmp_path / "custom.tensorgrad"
    model.save(path)
    with pytest.raises(saving.SavingError, match="custom_objects=\\{._my_penalty.: _my_penalty\\}"):
        models.load_model(path)
    custom = {"_my_penalty": _my_penalty, "Scaled": Scaled, "clip_unit": clip_unit}
    loaded = models.load_model(path, custom_objects=custom)
    dense = loaded.layers[0]
    assert dense.kernel_regularizer is _my_penalty and dense.kernel.regularizer is _my_penalty
    assert isinstance(dense.bias_regularizer, Scaled) and dense.bias_regularizer.scale == 3.0
    assert loaded.layers[1].kernel.constraint is clip_unit
    assert [v.item() for v in loaded.losses] == pytest.approx([v.item() for v in model.losses])


def test_a_custom_object_is_used_only_as_a_regularizer_if_it_fits(tmp_path: Path):
    model = models.Sequential([tg.Input((3,)), layers.Dense(2, kernel_regularizer=_my_penalty)])
    path = tmp_path / "m.tensorgrad"
    model.save(path)
    with pytest.raises(saving.SavingError, match="not a Regularizer subclass or instance"):
        models.load_model(path, custom_objects={"_my_penalty": layers.Dense})
