"""load_img, img_to_array, array_to_img and save_img on generated files."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from tensorgrad.utils import array_to_img, image_utils, img_to_array, load_img, save_img

PIL = pytest.importorskip("PIL")


def test_round_trip_through_a_png(tmp_path) -> None:
    pixels = np.random.default_rng(0).integers(0, 256, (5, 7, 3)).astype(np.float32)
    save_img(tmp_path / "a.png", pixels, scale=False)
    image = load_img(tmp_path / "a.png")
    assert image.size == (7, 5) and image.mode == "RGB"
    array = img_to_array(image)
    assert array.shape == (5, 7, 3) and array.dtype == np.float32
    np.testing.assert_array_equal(array, pixels)


def test_color_modes_target_size_and_interpolation(tmp_path) -> None:
    save_img(tmp_path / "b.png", np.random.default_rng(1).random((8, 6, 3)))
    assert img_to_array(load_img(tmp_path / "b.png", color_mode="grayscale")).shape == (8, 6, 1)
    assert img_to_array(load_img(tmp_path / "b.png", color_mode="rgba")).shape == (8, 6, 4)
    resized = load_img(tmp_path / "b.png", target_size=(4, 9), interpolation="bilinear")
    assert img_to_array(resized).shape == (4, 9, 3)
    kept = load_img(tmp_path / "b.png", target_size=(3, 3), keep_aspect_ratio=True)
    assert kept.size == (3, 3)
    assert img_to_array(resized, data_format="channels_first").shape == (3, 4, 9)
    with pytest.raises(ValueError, match="color_mode must be one of"):
        load_img(tmp_path / "b.png", color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        load_img(tmp_path / "b.png", target_size=(2, 2), interpolation="cubic")


def test_array_to_img_scales_to_the_full_byte_range() -> None:
    image = array_to_img(np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4, 1))
    assert image.mode == "L" and np.asarray(image).min() == 0 and np.asarray(image).max() == 255
    assert array_to_img(np.zeros((2, 2, 4))).mode == "RGBA"
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((2, 2)))


def test_a_file_that_is_not_an_image_is_a_clear_error(tmp_path) -> None:
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(ValueError, match="notes.png is not an image Pillow can read"):
        load_img(tmp_path / "notes.png")


def test_missing_pillow_names_the_extra(monkeypatch) -> None:
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r'pip install "tensorgrad\[image\]"'):
        image_utils.pil_image()
