"""Loading and saving images as arrays (Keras' `load_img`, `img_to_array`, `array_to_img`,
`save_img`), with Pillow as an optional extra: `pip install "tensorgrad[image]"`.

>>> import numpy as np
>>> image = array_to_img(np.zeros((4, 6, 3), dtype="float32"))
>>> image.size, img_to_array(image).shape
((6, 4), (4, 6, 3))
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "ALLOWED_FORMATS",
    "array_to_img",
    "img_to_array",
    "load_img",
    "pil_image",
    "save_img",
    "smart_resize",
]

ALLOWED_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what Keras' folders accept
COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}
INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image() -> Any:
    """Pillow's Image module, or an ImportError saying how to install the extra."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            "Reading and writing images needs Pillow, an optional extra of tensorgrad: "
            'pip install "tensorgrad[image]" (or pip install pillow)'
        ) from None
    return Image


def _resample_filter(interpolation: str) -> Any:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    image = pil_image()
    return getattr(image.Resampling, interpolation.upper())


def load_img(
    path: str | os.PathLike[str] | io.BytesIO,
    color_mode: str = "rgb",
    target_size: tuple[int, int] | None = None,
    interpolation: str = "nearest",
    keep_aspect_ratio: bool = False,
) -> Any:
    """Loads an image file as a PIL image, as `keras.utils.load_img`.

    Args:
        path: the file (or a file-like object).
        color_mode: "rgb" (default), "grayscale" or "rgba": the image is converted to it.
        target_size: (height, width) to resize to, or None to keep its size.
        interpolation: Pillow's resampling for the resize: "nearest" (Keras' default),
            "bilinear", "bicubic", "hamming", "box" or "lanczos".
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.

    Raises:
        ImportError: Pillow is not installed.
        ValueError: an unknown color_mode or interpolation, or a file that is not an image.
    """
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"load_img: color_mode must be one of {tuple(COLOR_MODES)}, got {color_mode!r}"
        )
    image_module = pil_image()
    try:
        if isinstance(path, io.BytesIO):
            image = image_module.open(path)
        else:
            with open(Path(path), "rb") as f:
                image = image_module.open(io.BytesIO(f.read()))
        image.load()
    except image_module.UnidentifiedImageError:
        raise ValueError(f"load_img: {path} is not an image Pillow can read") from None
    except OSError as error:
        raise ValueError(f"load_img: {path} could not be read as an image: {error}") from None
    if image.mode != COLOR_MODES[color_mode]:
        if color_mode == "grayscale" and image.mode not in ("L", "I;16", "I"):
            image = image.convert("L")
        elif color_mode != "grayscale":
            image = image.convert(COLOR_MODES[color_mode])
    if target_size is not None:
        height, width = target_size
        if image.size != (width, height):
            resample = _resample_filter(interpolation)
            if keep_aspect_ratio:
                w, h = image.size
                crop_w = min(w, round(h * width / height))
                crop_h = min(h, round(w * height / width))
                left, top = (w - crop_w) // 2, (h - crop_h) // 2
                image = image.crop((left, top, left + crop_w, top + crop_h))
            image = image.resize((width, height), resample)
    return image


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = "float32") -> np.ndarray:
    """A PIL image as an array (height, width, channels); grayscale gets one channel."""
    array = np.asarray(img, dtype=dtype)
    if array.ndim == 2:
        array = array[:, :, None]
    elif array.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {array.shape}")
    if data_format == "channels_first":
        array = array.transpose(2, 0, 1)
    return array


def array_to_img(
    x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = None
) -> Any:
    """An array (height, width, channels) with 1, 3 or 4 channels as a PIL image.

    With `scale` (the default), values are shifted and scaled to span 0-255 (as Keras),
    so float images in [0, 1] come out as ordinary 8-bit pictures.
    """
    image_module = pil_image()
    array = np.asarray(x, dtype="float32")
    if array.ndim != 3:
        raise ValueError(
            f"array_to_img: expected an image array of rank 3, got shape {array.shape}"
        )
    if data_format == "channels_first":
        array = array.transpose(1, 2, 0)
    if scale:
        array = array - array.min()
        top = array.max()
        if top != 0:
            array = array / top
        array = array * 255
    channels = array.shape[2]
    if channels == 3:
        return image_module.fromarray(array.astype("uint8"), "RGB")
    if channels == 4:
        return image_module.fromarray(array.astype("uint8"), "RGBA")
    if channels == 1:
        if array.max() > 255:  # 16-bit grayscale, as Keras keeps it
            return image_module.fromarray(array[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(array[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported number of channels {channels}")


def save_img(
    path: str | os.PathLike[str],
    x: Any,
    data_format: str | None = None,
    file_format: str | None = None,
    scale: bool = True,
    **kwargs: Any,
) -> None:
    """Saves an image array to a file (format from the extension unless file_format)."""
    image = array_to_img(x, data_format=data_format, scale=scale)
    if image.mode == "RGBA" and (
        file_format == "jpeg" or str(path).lower().endswith((".jpg", ".jpeg"))
    ):
        image = image.convert("RGB")  # JPEG has no alpha
    image.save(path, format=file_format, **kwargs)


def smart_resize(x: Any, size: tuple[int, int], interpolation: str = "bilinear") -> np.ndarray:
    """Resizes an image (or batch) to `size` without distorting it: crops the largest centred
    window of the target's aspect ratio, then resizes (as Keras' `smart_resize`)."""
    from tensorgrad.engine.ops import image as image_ops

    array = np.asarray(x, dtype="float32")
    single = array.ndim == 3
    batch = array[None] if single else array
    height, width = batch.shape[1:3]
    target_h, target_w = size
    crop_w = min(width, max(1, round(height * target_w / target_h)))
    crop_h = min(height, max(1, round(width * target_h / target_w)))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    batch = batch[:, top : top + crop_h, left : left + crop_w]
    if (crop_h, crop_w) != tuple(size):
        plan = image_ops.resize_plan((crop_h, crop_w), tuple(size), interpolation)
        batch = image_ops.resample(batch, plan).data
    return batch[0] if single else batch
