"""SpatialDropout1D/2D/3D, GaussianNoise and GaussianDropout: noise only in training, with
Keras 3's statistics (the same checks run on Keras' layers), seeds, gradients, configs,
saving and bad arguments."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models, utils
from tests.layers.keras_reference import keras
from tests.layers.layer_checks import keras_config_keys, round_trips, saved_and_loaded

RNG = np.random.default_rng(0)


def both(name, *args, **options):
    """(ours, Keras') layer `name`, each as a function of a float64 array in training."""
    import torch

    k = keras()
    ours = getattr(layers, name)(*args, dtype="float64", **options)
    theirs = getattr(k.layers, name)(*args, dtype="float64", **options)
    return (
        lambda x: ours(tg.tensor(x, dtype="float64"), training=True).numpy(),
        lambda x: theirs(torch.tensor(x), training=True).detach().numpy(),
    )


@pytest.mark.parametrize("name", ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"])
def test_spatial_dropout_drops_whole_channels_as_keras(name):
    shape = {"1D": (64, 5, 32), "2D": (64, 3, 4, 32), "3D": (64, 2, 3, 2, 32)}[name[-2:]]
    x = np.ones(shape)
    for run in both(name, 0.4):
        out = run(x)
        per_channel = out.reshape(shape[0], -1, shape[-1])
        assert np.all(per_channel == per_channel[:, :1, :])  # one draw per sample and channel
        assert set(np.unique(out)) <= {0.0, 1 / 0.6}
        assert abs((out == 0).mean() - 0.4) < 0.05
    keras_config_keys(name, 0.4, seed=3)


@pytest.mark.parametrize(
    "name, arg, mean, std",
    [("GaussianNoise", 0.3, 1.0, 0.3), ("GaussianDropout", 0.2, 1.0, np.sqrt(0.2 / 0.8))],
)
def test_gaussian_noise_statistics_match_keras(name, arg, mean, std):
    x = np.ones((200, 500))
    for run in both(name, arg):
        out = run(x)
        assert abs(out.mean() - mean) < 0.01 and abs(out.std() - std) < 0.01
    keras_config_keys(name, arg, seed=5)


@pytest.mark.parametrize(
    "layer",
    [
        lambda: layers.SpatialDropout1D(0.5),
        lambda: layers.SpatialDropout2D(0.5),
        lambda: layers.SpatialDropout3D(0.5),
        lambda: layers.GaussianNoise(0.5),
        lambda: layers.GaussianDropout(0.5),
    ],
)
def test_inference_passes_through_and_seeds_repeat(layer):
    made = layer()
    shapes = {"2D": (2, 3, 4, 5), "3D": (2, 3, 2, 4, 5)}
    x = tg.tensor(RNG.standard_normal(shapes.get(type(made).__name__[-2:], (2, 3, 5))))
    assert made(x) is x and made(x, training=False) is x
    config = round_trips(made).get_config()
    seeded = [type(made).from_config({**config, "seed": 7, "name": None}) for _ in range(2)]
    first, second = (s(x, training=True).numpy() for s in seeded)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, x.numpy())


def test_gradients_follow_the_noise():
    x = tg.tensor(np.ones((4, 6)), dtype="float64", requires_grad=True)
    utils.set_random_seed(1)
    out = layers.GaussianDropout(0.3, dtype="float64")(x, training=True)
    out.sum().backward()
    np.testing.assert_allclose(x.grad, out.numpy())  # d(x * noise)/dx = noise, x = 1
    x.grad = None
    layers.GaussianNoise(0.3)(x, training=True).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((4, 6)))


def test_trains_in_fit_predicts_without_noise_and_saves(tmp_path: Path):
    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Dense(8, input_shape=(6, 4)),
            layers.SpatialDropout1D(0.2),
            layers.GaussianNoise(0.1),
            layers.GaussianDropout(0.1),
            layers.Flatten(),
            layers.Dense(1),
        ]
    )
    x = RNG.standard_normal((16, 6, 4)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, RNG.standard_normal((16, 1)), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.predict(x, verbose=0), model.predict(x, verbose=0))
    saved_and_loaded(model, tmp_path, x)


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"GaussianNoise: stddev must be a number in \[0, 1\]"):
        layers.GaussianNoise(2.0)
    with pytest.raises(ValueError, match=r"GaussianDropout: rate must be a number in \[0, 1\)"):
        layers.GaussianDropout(1.0)
    with pytest.raises(ValueError, match=r"SpatialDropout1D: rate must be a number in \[0, 1\)"):
        layers.SpatialDropout1D(-0.1)
    with pytest.raises(ValueError, match="SpatialDropout2D: data_format='channels_first'"):
        layers.SpatialDropout2D(0.1, data_format="channels_first")
    with pytest.raises(ValueError, match="SpatialDropout3D: data_format='channels_first'"):
        layers.SpatialDropout3D(0.1, data_format="channels_first")
    with pytest.raises(ValueError, match="expected"):
        layers.SpatialDropout3D(0.1)(np.ones((2, 3, 4, 5)))
    with pytest.raises(ValueError, match="expected"):
        layers.SpatialDropout1D(0.1)(np.ones((2, 3)))
