"""RepeatVector, Permute, Cropping1D, Cropping2D and Identity against Keras 3: outputs,
input gradients and output shapes (unknown sizes too), configs, summaries, saving, errors."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models
from tensorgrad.engine.gradcheck import check_grad
from tensorgrad.engine.ops.repeat import repeat
from tests.layers.keras_reference import keras
from tests.layers.layer_checks import (
    agrees_with_keras,
    keras_config_keys,
    round_trips,
    saved_and_loaded,
    summary_lines,
)

RNG = np.random.default_rng(0)

CASES = [
    ("RepeatVector", (3, 5), (4,), {}),
    ("Permute", (2, 3, 4), ((2, 1),), {}),
    ("Permute", (2, 3, 4, 5), ((3, 1, 2),), {}),
    ("Cropping1D", (2, 7, 3), (), {}),
    ("Cropping1D", (2, 7, 3), ((2, 0),), {}),
    ("Cropping1D", (2, 7, 3), (3,), {}),
    ("Cropping2D", (2, 6, 7, 3), (), {}),
    ("Cropping2D", (2, 6, 7, 3), (1,), {}),
    ("Cropping2D", (2, 6, 7, 3), ((1, 2),), {}),
    ("Cropping2D", (2, 6, 7, 3), (((1, 0), (2, 3)),), {}),
    ("Identity", (2, 3, 4), (), {}),
]


@pytest.mark.parametrize("name, shape, args, options", CASES)
def test_agrees_with_keras(name, shape, args, options):
    ours, theirs = agrees_with_keras(name, RNG.standard_normal(shape), *args, **options)
    for batch_shape in ((None, *shape[1:]), (None, None, *shape[2:])):
        if name == "RepeatVector" and batch_shape[1] is None:
            continue
        assert ours.compute_output_shape(batch_shape) == tuple(
            theirs.compute_output_shape(batch_shape)
        )
    keras_config_keys(name, *args, **options)
    round_trips(ours)


def test_repeat_op_passes_check_grad():
    assert check_grad(lambda t: repeat(t, 3, axis=1), RNG.standard_normal((2, 4)))
    out = repeat(tg.tensor(np.ones((2, 1, 3))), 4, axis=1)
    assert out.shape == (2, 4, 3) and out.numpy().flags.writeable


def test_in_models_summary_and_saving(tmp_path: Path):
    model = models.Sequential(
        [
            layers.Dense(6, input_shape=(4,)),
            layers.RepeatVector(5, name="repeat"),
            layers.Permute((2, 1), name="swap"),
            layers.Cropping1D((1, 2), name="crop"),
            layers.Identity(name="same"),
            layers.Flatten(),
        ]
    )
    text = summary_lines(model)
    for row in (
        r"repeat \(RepeatVector\)\s+\(None, 5, 6\)",
        r"swap \(Permute\)\s+\(None, 6, 5\)",
        r"crop \(Cropping1D\)\s+\(None, 3, 5\)",
        r"same \(Identity\)\s+\(None, 3, 5\)",
    ):
        assert re.search(row, text), row
    saved_and_loaded(model, tmp_path, RNG.standard_normal((2, 4)).astype("float32"))
    images = layers.Input((28, 28, 1))
    assert layers.Cropping2D(((2, 2), (4, 4)))(images).shape == (None, 24, 20, 1)


def test_identity_keeps_masks():
    x = tg.tensor(np.ones((1, 3, 2)))
    x._keras_mask = np.array([[True, False, True]])
    assert layers.Identity()(x)._keras_mask is x._keras_mask


def test_bad_arguments_name_the_layer():
    keras()
    with pytest.raises(TypeError, match="RepeatVector: n must be an integer, got 2.5"):
        layers.RepeatVector(2.5)
    with pytest.raises(ValueError, match="RepeatVector: n must be a positive integer, got 0"):
        layers.RepeatVector(0)
    with pytest.raises(ValueError, match=r"Permute: dims must be a permutation.*\(0, 1\)"):
        layers.Permute((0, 1))
    with pytest.raises(ValueError, match="Cropping1D: cropping must be"):
        layers.Cropping1D((1, -1))
    with pytest.raises(ValueError, match="Cropping2D: cropping must be an int, .rows, cols."):
        layers.Cropping2D((1, 2, 3))
    with pytest.raises(ValueError, match="channels_first' is not supported"):
        layers.Cropping2D(1, data_format="channels_first")
    with pytest.raises(ValueError, match='Cropping1D layer "c1".*must leave something'):
        layers.Cropping1D(3, name="c1").compute_output_shape((None, 6, 2))
    with pytest.raises(ValueError, match="expected.*ndim=2|expected .*2"):
        layers.RepeatVector(2)(np.ones((2, 3, 4)))
