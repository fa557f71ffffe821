"""Constraints agree with Keras 3 in float64, resolve by Keras' names, and are applied by
every optimizer after its update."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import constraints, layers, optimizers
from tests.layers.keras_reference import keras

RNG = np.random.default_rng(5)
W = RNG.normal(size=(4, 3, 5))
W[0, 0, 0] = 0.0

CASES = [
    ("MaxNorm", {}),
    ("MaxNorm", {"max_value": 1.25, "axis": 1}),
    ("MaxNorm", {"max_value": 0.5, "axis": [0, 1]}),
    ("MinMaxNorm", {}),
    ("MinMaxNorm", {"min_value": 1.5, "max_value": 2.5, "rate": 0.25, "axis": -1}),
    ("NonNeg", {}),
    ("UnitNorm", {}),
    ("UnitNorm", {"axis": [1, 2]}),
]


@pytest.mark.parametrize("name, kwargs", CASES)
def test_projection_matches_keras(name, kwargs):
    import torch

    k = keras()
    ours = getattr(constraints, name)(**kwargs)(tg.tensor(W, dtype="float64"))
    theirs = getattr(k.constraints, name)(**kwargs)(torch.tensor(W))
    assert ours.dtype == np.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["max_norm", "min_max_norm", "non_neg", "unit_norm", "NonNeg"])
def test_names_and_configs_are_keras(name):
    k = keras()
    ours, theirs = constraints.get(name), k.constraints.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.get_config() == theirs.get_config()
    alias = name if name.islower() else None
    if alias:
        assert getattr(constraints, alias) is type(ours)


def test_float32_weights_stay_float32():
    w = tg.tensor(W.astype(np.float32))
    for make in (constraints.MaxNorm, constraints.UnitNorm, constraints.MinMaxNorm):
        assert make()(w).dtype == np.float32


def test_get_serialize_deserialize():
    c = constraints.MinMaxNorm(0.5, 2.0, rate=0.5, axis=[0, 1])
    spec = constraints.serialize(c)
    assert spec == {
        "class_name": "MinMaxNorm",
        "config": {"min_value": 0.5, "max_value": 2.0, "rate": 0.5, "axis": [0, 1]},
    }
    assert constraints.deserialize(spec).get_config() == c.get_config()
    assert constraints.get(None) is None and constraints.serialize(None) is None
    assert constraints.get(c) is c

    def clip_unit(w):
        return tg.clip(w, -1.0, 1.0)

    assert constraints.get(clip_unit) is clip_unit
    assert constraints.serialize(clip_unit) == "clip_unit"
    assert constraints.deserialize("clip_unit", {"clip_unit": clip_unit}) is clip_unit
    assert constraints.Constraint()(W) is W


@pytest.mark.parametrize(
    "identifier, message",
    [
        ("nonneg", "Unknown constraint 'nonneg'. Known constraints: .*non_neg"),
        ({"class_name": "Clip"}, "Unknown constraint 'Clip'"),
        (2.0, "Could not interpret constraint identifier: 2.0"),
    ],
)
def test_unknown_constraints_say_what_exists(identifier, message):
    with pytest.raises(ValueError, match=message):
        constraints.get(identifier)
    with pytest.raises(ValueError, match=message):
        layers.Dense(2, kernel_constraint=identifier)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adagrad"])
def test_every_optimizer_projects_after_its_update(optimizer):
    layer = layers.Dense(3, kernel_constraint=constraints.MaxNorm(0.1), bias_constraint="non_neg")
    layer.build((None, 4))
    opt = optimizers.get(optimizer)
    grads = [np.full((4, 3), -5.0, np.float32), np.full((3,), 5.0, np.float32)]
    opt.apply_gradients(zip(grads, [layer.kernel, layer.bias]))
    assert np.sqrt((layer.kernel.data**2).sum(axis=0)).max() <= 0.1 + 1e-6
    assert (layer.bias.data >= 0).all() and layer.kernel.data.dtype == np.float32
    assert layer.kernel.grad is None and layer.kernel._ctx is None  # no graph recorded


def test_a_weight_without_gradient_is_not_projected():
    """As Keras: only the variables the step updates are projected."""
    layer = layers.Dense(2, kernel_constraint=constraints.NonNeg(), use_bias=False)
    layer.build((None, 2))
    layer.kernel.data[...] = -1.0
    optimizers.SGD().apply_gradients([(None, layer.kernel)])
    assert (layer.kernel.data == -1.0).all()
