"""The first edition's ImageDataGenerator: Keras 2's transform formulas on images whose
result is known (quarter turns, whole-pixel shifts, flips), flow and flow_from_directory."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import utils
from tensorgrad.preprocessing.image import ImageDataGenerator
from tensorgrad.utils import PyDataset


def _images(n: int = 6, size: int = 5) -> np.ndarray:
    return np.random.default_rng(0).random((n, size, size, 2)).astype(np.float32) * 255


def test_no_transform_only_rescales() -> None:
    x = _images()
    batch = next(ImageDataGenerator(rescale=1 / 255).flow(x, shuffle=False, batch_size=6))
    np.testing.assert_allclose(batch, x / 255, rtol=1e-6)


def test_transform_formulas_of_keras_2() -> None:
    gen = ImageDataGenerator(fill_mode="nearest")
    x = _images(n=1)[0]
    base = {
        "theta": 0,
        "tx": 0,
        "ty": 0,
        "shear": 0,
        "zx": 1,
        "zy": 1,
        "flip_horizontal": False,
        "flip_vertical": False,
    }
    quarter = gen.apply_transforms(x[None], [base | {"theta": 90}])[0]
    np.testing.assert_allclose(quarter, np.rot90(x, k=-1), atol=1e-4)  # out[r, c] = in[n-1-c, r]
    shifted = gen.apply_transforms(x[None], [base | {"tx": 2}])[0]  # tx moves rows (Keras 2)
    np.testing.assert_allclose(shifted[:3], x[2:], atol=1e-4)
    np.testing.assert_allclose(shifted[3:], np.repeat(x[4:], 2, axis=0), atol=1e-4)
    flipped = gen.apply_transforms(x[None], [base | {"flip_horizontal": True}])[0]
    np.testing.assert_array_equal(flipped, x[:, ::-1])
    zoomed = gen.apply_transforms(x[None], [base | {"zx": 0.5, "zy": 0.5}])[0]
    np.testing.assert_allclose(zoomed[2, 2], x[2, 2], atol=1e-4)  # the centre stays


def test_random_parameters_stay_in_their_ranges() -> None:
    gen = ImageDataGenerator(
        rotation_range=40,
        width_shift_range=0.2,
        height_shift_range=3,
        shear_range=10,
        zoom_range=0.2,
        horizontal_flip=True,
    )
    utils.set_random_seed(0)
    draws = [gen.get_random_transform((20, 10, 3)) for _ in range(400)]
    theta = np.array([d["theta"] for d in draws])
    assert -40 <= theta.min() < -30 and 30 < theta.max() <= 40
    assert max(abs(d["ty"]) for d in draws) <= 0.2 * 10  # fraction of the width
    assert max(abs(d["tx"]) for d in draws) <= 3  # pixels of the height
    zooms = np.array([[d["zx"], d["zy"]] for d in draws])
    assert zooms.min() >= 0.8 and zooms.max() <= 1.2 and not np.allclose(zooms[:, 0], zooms[:, 1])
    assert 0.4 < np.mean([d["flip_horizontal"] for d in draws]) < 0.6


def test_flow_batches_epochs_and_seed() -> None:
    x, y = _images(n=10), np.arange(10)
    gen = ImageDataGenerator(rotation_range=30, horizontal_flip=True)
    it = gen.flow(x, y, batch_size=4, seed=3)
    assert isinstance(it, PyDataset) and len(it) == 3
    batches = [next(it) for _ in range(4)]  # endless: the fourth starts a new epoch
    assert [len(b[1]) for b in batches] == [4, 4, 2, 4]
    assert sorted(np.concatenate([b[1] for b in batches[:3]]).tolist()) == list(range(10))
    again = gen.flow(x, y, batch_size=4, seed=3)
    np.testing.assert_array_equal(next(again)[0], batches[0][0])
    weighted = gen.flow(x, y, batch_size=5, sample_weight=np.ones(10), shuffle=False)
    assert len(weighted[1]) == 3 and weighted[1][1].tolist() == [5, 6, 7, 8, 9]
    with pytest.raises(ValueError, match="same number of samples"):
        gen.flow(x, y[:3])
    with pytest.raises(ValueError, match=r"\(samples, rows, cols, channels\)"):
        gen.flow(x[:, :, :, 0])


def test_flow_from_directory(tmp_path, capsys) -> None:
    image_module = pytest.importorskip("PIL.Image")
    for name, n in (("cats", 5), ("dogs", 3)):
        (tmp_path / name).mkdir()
        for i in range(n):
            image_module.new("RGB", (9, 7), (40 * i, 0, 0)).save(tmp_path / name / f"{i}.jpg")
    gen = ImageDataGenerator(rescale=1 / 255, zoom_range=0.1)
    it = gen.flow_from_directory(tmp_path, target_size=(6, 4), batch_size=3, shuffle=False)
    assert "Found 8 images belonging to 2 classes." in capsys.readouterr().out
    assert it.class_indices == {"cats": 0, "dogs": 1} and it.classes.tolist() == [0] * 5 + [1] * 3
    x, y = it[2]
    assert x.shape == (2, 6, 4, 3) and x.max() <= 1.0 and y.tolist() == [[0, 1], [0, 1]]
    binary = gen.flow_from_directory(
        tmp_path, target_size=(6, 4), class_mode="binary", shuffle=False
    )
    assert binary[0][1].tolist() == [0.0] * 5 + [1.0] * 3
    assert gen.flow_from_directory(tmp_path, class_mode=None, target_size=(2, 2))[0].shape == (
        8,
        2,
        2,
        3,
    )
    with pytest.raises(ValueError, match="class_mode must be one of"):
        gen.flow_from_directory(tmp_path, class_mode="multi")
