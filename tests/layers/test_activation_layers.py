"""ReLU, Softmax, ELU and PReLU against Keras 3 in float64: outputs, input gradients and
PReLU's alpha gradient; Softmax's masks; configs, summaries, saving and bad arguments."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from tensorgrad import layers, models
from tests.layers.keras_reference import assert_same, run_keras, run_ours
from tests.layers.layer_checks import (
    agrees_with_keras,
    keras_config_keys,
    keras_pair,
    round_trips,
    saved_and_loaded,
    summary_lines,
)

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5)) * 4 + 0.01


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"max_value": 6.0},
        {"negative_slope": 0.2},
        {"negative_slope": 0.3, "max_value": 5.0, "threshold": 1.0},
        {"threshold": 2.0},
    ],
)
def test_relu_agrees_with_keras(options):
    agrees_with_keras("ReLU", X, **options)
    keras_config_keys("ReLU", **options)


@pytest.mark.parametrize("alpha", [1.0, 0.3])
def test_elu_agrees_with_keras(alpha):
    ours, _ = agrees_with_keras("ELU", X, alpha=alpha)
    assert round_trips(ours).alpha == alpha  # Keras 3.15's ELU leaves alpha out of its config


@pytest.mark.parametrize(
    "shared_axes, alpha_shape", [(None, (4, 5)), ([1], (1, 5)), ([1, 2], (1, 1)), (2, (4, 1))]
)
def test_prelu_agrees_with_keras_including_alpha_gradient(shared_axes, alpha_shape):
    ours, _ = agrees_with_keras("PReLU", X, shared_axes=shared_axes)
    assert ours.alpha.shape == alpha_shape
    keras_config_keys("PReLU", shared_axes=shared_axes)


def test_prelu_starts_as_relu_and_round_trips():
    prelu = layers.PReLU(shared_axes=[1, 2])
    prelu.build((None, 8, 8, 3))
    assert prelu.alpha.shape == (1, 1, 3) and not prelu.alpha.data.any()
    again = round_trips(prelu)
    assert again.shared_axes == [1, 2]


@pytest.mark.parametrize("axis", [-1, 1, [1, 2]])
def test_softmax_agrees_with_keras(axis):
    agrees_with_keras("Softmax", X, axis=axis)
    keras_config_keys("Softmax", axis=axis)


@pytest.mark.parametrize(
    "mask",
    [
        RNG.random((3, 4, 5)) > 0.3,
        RNG.random((3, 1, 5)) > 0.3,
        (RNG.random((4, 5)) > 0.5).astype("float64"),
    ],
    ids=["full", "broadcast", "float"],
)
def test_softmax_masks_agree_with_keras(mask):
    ours, theirs = keras_pair("Softmax")
    assert_same(run_ours(ours, X, mask), run_keras(theirs, X, mask))
    out = ours(X, mask=mask).numpy()
    assert np.all(out[np.broadcast_to(~(mask > 0.5), out.shape)] == 0)


def test_summary_and_save_load(tmp_path: Path):
    model = models.Sequential(
        [
            layers.Dense(6, input_shape=(4,)),
            layers.PReLU(name="learned_slope"),
            layers.ReLU(max_value=6.0),
            layers.ELU(alpha=0.5),
            layers.Dense(3),
            layers.Softmax(),
        ]
    )
    text = summary_lines(model)
    assert re.search(r"learned_slope \(PReLU\)\s+\(None, 6\)\s+6\n", text)
    x = RNG.standard_normal((5, 4)).astype("float32")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, np.arange(5) % 3, epochs=2, verbose=0)
    loaded = saved_and_loaded(model, tmp_path, x)
    assert loaded.layers[2].max_value == 6.0 and loaded.layers[3].alpha == 0.5
    np.testing.assert_allclose(loaded.predict(x, verbose=0).sum(axis=-1), 1, rtol=1e-6)


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match=r"ReLU: max_value must be None or a non-negative.*-1"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match="ReLU: negative_slope must be a non-negative number"):
        layers.ReLU(negative_slope=None)
    with pytest.raises(ValueError, match="ReLU: threshold must be a non-negative number"):
        layers.ReLU(threshold=-0.5)
    with pytest.raises(ValueError, match="Softmax: axis must be an int or a list of ints"):
        layers.Softmax(axis="last")
    with pytest.raises(ValueError, match="ELU: alpha must be a number, got 'big'"):
        layers.ELU(alpha="big")
    with pytest.raises(ValueError, match="PReLU: shared_axes must be axes after the batch"):
        layers.PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match="Unknown regularizer .l3."):
        layers.PReLU(alpha_regularizer="l3")
    with pytest.raises(ValueError, match='Softmax layer "softmax_bad": the mask must broadcast'):
        layers.Softmax(name="softmax_bad")(X, mask=np.ones((3, 4), bool))
