"""The image sampler: resize against PyTorch, affine maps against Keras' own affine_transform
(torch backend), fill modes on a hand-checked row, and gradients by finite differences."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.engine.ops.image import affine_plan, fix_index, resample, resize_plan


@pytest.mark.parametrize("out_hw", [(9, 4), (3, 11), (5, 7), (1, 1)])
def test_bilinear_resize_equals_torch_interpolate(out_hw) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).random((2, 5, 7, 3)).astype(np.float32)
    ours = resample(x, resize_plan((5, 7), out_hw)).data
    theirs = torch.nn.functional.interpolate(
        torch.tensor(x).permute(0, 3, 1, 2), size=out_hw, mode="bilinear", align_corners=False
    ).permute(0, 2, 3, 1)
    np.testing.assert_allclose(ours, theirs.numpy(), atol=1e-6)


def test_fill_modes_match_keras_documented_patterns() -> None:
    # Keras' docs for a row a b c d: reflect (d c b a | a b c d | d c b a),
    # wrap (a b c d | a b c d | a b c d), nearest (a a a a | a b c d | d d d d)
    i = np.arange(-4, 8)
    assert fix_index(i, 4, "reflect")[0].tolist() == [3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0]
    assert fix_index(i, 4, "wrap")[0].tolist() == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]
    assert fix_index(i, 4, "nearest")[0].tolist() == [0] * 5 + [1, 2] + [3] * 5
    _index, inside = fix_index(i, 4, "constant")
    assert inside.tolist() == [False] * 4 + [True] * 4 + [False] * 4


def _numpy(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()  # a torch tensor under KERAS_BACKEND=torch


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.fail("set KERAS_BACKEND=torch to compare against Keras")
    return keras


@pytest.mark.parametrize("fill_mode", ["reflect", "wrap", "constant", "nearest"])
def test_affine_bilinear_equals_keras_affine_transform(keras, fill_mode) -> None:
    rng = np.random.default_rng(1)
    x = rng.random((3, 7, 9, 2)).astype(np.float32)
    transforms = np.array(
        [[0.9, -0.3, 1.5, 0.4, 1.1, -2.0], [1, 0, -3.3, 0, 1, 2.7], [1.4, 0, -1.2, 0, 0.7, 0.9]],
        np.float32,
    )
    eight = np.concatenate([transforms, np.zeros((3, 2), np.float32)], axis=1)
    theirs = _numpy(
        keras.ops.image.affine_transform(
            x, eight, interpolation="bilinear", fill_mode=fill_mode, fill_value=0.5
        )
    )
    ours = resample(x, affine_plan(transforms, (7, 9), "bilinear", fill_mode, 0.5)).data
    np.testing.assert_allclose(ours, theirs, atol=1e-5)


def test_affine_nearest_equals_keras_on_whole_pixel_shifts(keras) -> None:
    x = np.random.default_rng(2).random((2, 6, 5, 1)).astype(np.float32)
    transforms = np.array([[1, 0, -2, 0, 1, 3], [1, 0, 4, 0, 1, -1]], np.float32)
    eight = np.concatenate([transforms, np.zeros((2, 2), np.float32)], axis=1)
    for mode in ("reflect", "wrap", "constant", "nearest"):
        theirs = _numpy(
            keras.ops.image.affine_transform(x, eight, interpolation="nearest", fill_mode=mode)
        )
        ours = resample(x, affine_plan(transforms, (6, 5), "nearest", mode)).data
        np.testing.assert_allclose(ours, theirs, atol=1e-6, err_msg=mode)


@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
def test_resample_gradient_matches_finite_differences(fill_mode) -> None:
    plan = affine_plan(
        np.array([[0.8, 0.3, 0.7, -0.2, 1.2, -0.4], [1, 0, 1.5, 0, 1, -0.5]]),
        (4, 5),
        "bilinear",
        fill_mode,
        0.3,
    )
    result = tg.check_grad(
        lambda t: resample(t, plan), np.random.default_rng(3).random((2, 4, 5, 2))
    )
    assert result.ok, str(result)
    shared = resize_plan((4, 5), (7, 3))
    assert tg.check_grad(
        lambda t: resample(t, shared), np.random.default_rng(4).random((2, 4, 5, 1))
    ).ok


def test_resample_rejects_images_of_another_size() -> None:
    with pytest.raises(ValueError, match=r"expected images of shape \(batch, 4, 5, channels\)"):
        resample(np.zeros((1, 5, 4, 1)), resize_plan((4, 5), (2, 2)))
