"""set_random_seed drives every random draw of the library and leaves NumPy's alone."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import layers, models, utils


def build():
    return models.Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(4,)),
            layers.Dropout(0.5),
            layers.Dense(3, activation="softmax"),
        ]
    )


def test_same_seed_same_weights_different_seed_different_weights():
    utils.set_random_seed(123)
    first = build().get_weights()
    utils.set_random_seed(123)
    second = build().get_weights()
    utils.set_random_seed(124)
    third = build().get_weights()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], third[0])


def test_numpy_global_state_is_neither_needed_nor_touched():
    state = np.random.get_state()
    utils.set_random_seed(1)
    model = build()
    model.compile("sgd", "categorical_crossentropy")
    x = np.ones((10, 4), np.float32)
    y = utils.to_categorical(np.arange(10) % 3)
    model.fit(x, y, epochs=1, verbose=0)
    after = np.random.get_state()
    assert state[0] == after[0] and np.array_equal(state[1], after[1]) and state[2:] == after[2:]


def test_bad_seeds():
    with pytest.raises(TypeError, match="seed must be an integer"):
        utils.set_random_seed(1.5)
    with pytest.raises(ValueError, match="non-negative"):
        utils.set_random_seed(-1)
    utils.set_random_seed(np.int64(5))
