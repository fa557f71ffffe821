"""keras.random: Keras 3's signatures, the statistics of each draw, seeds that repeat (an
integer), advance (a SeedGenerator) or follow set_random_seed (None), and gradients."""

from __future__ import annotations

import inspect
import os

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import random


def test_signatures_are_keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    for name in random.__all__:
        ours, theirs = getattr(random, name), getattr(keras.random, name)
        if name == "SeedGenerator":
            ours, theirs = ours.__init__, theirs.__init__
        assert list(inspect.signature(ours).parameters) == list(
            inspect.signature(theirs).parameters
        ), name


def test_distributions():
    n = (200_000,)
    x = random.normal(n, mean=2.0, stddev=3.0, seed=1).numpy()
    assert x.dtype == np.float32 and abs(x.mean() - 2.0) < 0.03 and abs(x.std() - 3.0) < 0.03
    u = random.uniform(n, minval=-1.0, maxval=3.0, seed=2, dtype="float64").numpy()
    assert u.dtype == np.float64 and u.min() >= -1.0 and u.max() < 3.0
    assert abs(u.mean() - 1.0) < 0.02
    t = random.truncated_normal(n, mean=1.0, stddev=0.5, seed=3).numpy()
    assert np.abs(t - 1.0).max() <= 1.0 and abs(t.std() - 0.5 * 0.8796) < 0.01
    k = random.randint((1000,), 3, 7, seed=4).numpy()
    assert k.dtype == np.int32 and set(np.unique(k)) == {3, 4, 5, 6}
    logits = np.log(np.array([[0.2, 0.3, 0.5], [1.0, 1e-9, 1e-9]]))
    picks = random.categorical(logits, 20_000, seed=5).numpy()
    assert picks.shape == (2, 20_000) and picks.dtype == np.int32
    np.testing.assert_allclose(
        np.bincount(picks[0], minlength=3) / 20_000, [0.2, 0.3, 0.5], atol=0.015
    )
    assert (picks[1] == 0).all()


def test_seeds_repeat_advance_and_follow_set_random_seed():
    same = [random.normal((4,), seed=9).numpy() for _ in range(2)]
    np.testing.assert_array_equal(*same)
    gen = random.SeedGenerator(9)
    first, second = random.normal((4,), seed=gen).numpy(), random.normal((4,), seed=gen).numpy()
    assert not np.array_equal(first, second)
    again = random.SeedGenerator(9)
    np.testing.assert_array_equal(random.normal((4,), seed=again).numpy(), first)
    tg.utils.set_random_seed(3)
    a = random.uniform((4,)).numpy()
    tg.utils.set_random_seed(3)
    np.testing.assert_array_equal(random.uniform((4,)).numpy(), a)
    assert random.SeedGenerator.from_config(gen.get_config()).seed == 9


def test_dropout_scales_shares_along_noise_shape_and_passes_gradients():
    x = tg.tensor(np.ones((400, 50)), dtype="float64", requires_grad=True)
    y = random.dropout(x, 0.25, seed=1)
    values = y.numpy()
    assert set(np.unique(values)) == {0.0, 1 / 0.75} and abs((values == 0).mean() - 0.25) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, values)
    shared = random.dropout(np.ones((8, 5, 3)), 0.5, noise_shape=(None, 1, 3), seed=2).numpy()
    assert (shared == shared[:, :1, :]).all()


def test_shuffle_permutes_along_an_axis_and_routes_gradients():
    x = tg.tensor(np.arange(12.0).reshape(3, 4), dtype="float64", requires_grad=True)
    y = random.shuffle(x, axis=1, seed=4)
    assert sorted(y.numpy()[0]) == [0.0, 1.0, 2.0, 3.0]
    np.testing.assert_array_equal(np.sort(y.numpy(), axis=1), x.numpy())
    (y * tg.tensor(np.arange(4.0), dtype="float64")).sum().backward()
    np.testing.assert_array_equal(x.grad[0][y.numpy()[0].astype(int)], np.arange(4.0))


def test_bad_arguments_name_the_function():
    with pytest.raises(ValueError, match=r"random.uniform: minval must be below maxval"):
        random.uniform((2,), minval=1.0, maxval=1.0)
    with pytest.raises(ValueError, match=r"random.dropout: rate must be a number in \[0, 1\)"):
        random.dropout(np.ones(3), 1.0)
    with pytest.raises(ValueError, match=r"random.normal: shape must be a tuple of known sizes"):
        random.normal((None, 3))
    with pytest.raises(TypeError, match=r"random.normal: seed must be None, an integer"):
        random.normal((2,), seed="x")
    with pytest.raises(ValueError, match=r"random.randint: dtype must be an integer type"):
        random.randint((2,), 0, 3, dtype="float32")
    with pytest.raises(ValueError, match=r"random.categorical: expected logits of shape"):
        random.categorical(np.zeros(3), 2)
