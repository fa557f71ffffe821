"""Initializers follow Keras' formulas and defaults, and draw from the library's generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tensorgrad import initializers, utils

SHAPE = (400, 300)
FAN_IN, FAN_OUT = SHAPE


def draw(name, shape=SHAPE, **kwargs):
    init = (
        initializers.get(name)
        if not kwargs
        else initializers.get({"class_name": name, "config": kwargs})
    )
    return init(shape)


@pytest.mark.parametrize(
    "name, limit",
    [
        ("glorot_uniform", math.sqrt(6 / (FAN_IN + FAN_OUT))),
        ("he_uniform", math.sqrt(6 / FAN_IN)),
        ("lecun_uniform", math.sqrt(3 / FAN_IN)),
    ],
)
def test_uniform_variance_scaling(name, limit):
    w = draw(name)
    assert w.dtype == np.float32 and w.shape == SHAPE
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.01 * limit


@pytest.mark.parametrize(
    "name, stddev",
    [
        ("glorot_normal", math.sqrt(2 / (FAN_IN + FAN_OUT))),
        ("he_normal", math.sqrt(2 / FAN_IN)),
        ("lecun_normal", math.sqrt(1 / FAN_IN)),
    ],
)
def test_normal_variance_scaling_is_truncated_as_in_keras(name, stddev):
    w = draw(name)
    # Keras draws a normal truncated at 2 sigma, sigma = stddev / 0.8796, so that the kept
    # values have standard deviation `stddev`.
    sigma = stddev / 0.87962566103423978
    assert np.abs(w).max() <= 2 * sigma * (1 + 1e-6)
    assert np.abs(w).max() > 1.9 * sigma
    assert w.std() == pytest.approx(stddev, rel=0.02)


def test_random_normal_and_uniform_keras_defaults():
    normal = initializers.get("random_normal")
    uniform = initializers.get("random_uniform")
    assert (normal.mean, normal.stddev) == (0.0, 0.05)
    assert (uniform.minval, uniform.maxval) == (-0.05, 0.05)
    w = normal(SHAPE)
    assert w.std() == pytest.approx(0.05, rel=0.02)
    assert np.abs(w).max() > 0.15  # not truncated
    u = uniform(SHAPE)
    assert -0.05 <= u.min() and u.max() < 0.05
    t = initializers.TruncatedNormal(stddev=1.0)(SHAPE)
    assert np.abs(t).max() <= 2.0


def test_constants():
    assert not draw("zeros").any()
    assert (draw("ones") == 1).all()
    assert (initializers.Constant(3.5)((2, 2)) == 3.5).all()
    assert initializers.get("zeros")((2,), dtype="float64").dtype == np.float64


def test_orthogonal_columns():
    q = initializers.Orthogonal()((50, 20))
    np.testing.assert_allclose(q.T @ q, np.eye(20), atol=1e-5)


def test_compute_fans_for_convolution_kernels():
    assert initializers.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert initializers.compute_fans((7,)) == (7, 7)


def test_library_seed_repeats_and_numpy_global_state_is_untouched():
    state = np.random.get_state()
    utils.set_random_seed(7)
    a = draw("glorot_uniform")
    b = draw("glorot_uniform")
    utils.set_random_seed(7)
    np.testing.assert_array_equal(draw("glorot_uniform"), a)
    assert not np.array_equal(a, b)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_seeded_initializer_repeats_its_values():
    init = initializers.HeNormal(seed=3)
    np.testing.assert_array_equal(init((5, 5)), init((5, 5)))


def test_config_round_trip():
    init = initializers.VarianceScaling(scale=2.0, mode="fan_out", distribution="uniform", seed=1)
    again = initializers.get(initializers.serialize(init))
    assert type(again) is initializers.VarianceScaling
    assert again.get_config() == init.get_config()
    np.testing.assert_array_equal(again((4, 4)), init((4, 4)))
    glorot = initializers.get({"class_name": "GlorotUniform", "config": {"seed": 2}})
    assert glorot.get_config() == {"seed": 2}


def test_bad_arguments_are_clear():
    with pytest.raises(ValueError, match="Unknown initializer 'glorot'.*glorot_uniform"):
        initializers.get("glorot")
    with pytest.raises(ValueError, match="mode must be"):
        initializers.VarianceScaling(mode="fan")
    with pytest.raises(ValueError, match="scale must be positive"):
        initializers.VarianceScaling(scale=0)
