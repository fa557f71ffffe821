"""Deterministic image layers: Rescaling, Resizing and CenterCrop (Keras 3 arguments).

>>> import numpy as np
>>> from tensorgrad import layers
>>> layers.Rescaling(1.0 / 255)(np.full((1, 2, 2, 1), 255.0)).data.max()
np.float32(1.0)
>>> layers.CenterCrop(2, 2)(np.zeros((1, 5, 6, 3))).shape
(1, 2, 2, 3)
"""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np

from tensorgrad.engine.ops import image as image_ops
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.preprocessing.image_base import ImageLayer, check_choice, check_size


class Rescaling(Layer):
    """Multiplies inputs by `scale` and adds `offset`: 1/255 maps pixels to [0, 1],
    1/127.5 with offset -1 maps them to [-1, 1]. Works on any input shape.

    Args:
        scale: a number (or array broadcast against the inputs' last axes).
        offset: a number (or array) added after scaling.
    """

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, value in (("scale", scale), ("offset", offset)):
            if not isinstance(value, Real) and np.asarray(value).dtype.kind not in "iuf":
                raise ValueError(f"Rescaling: {name} must be a number or array, got {value!r}")
        self.scale = scale if isinstance(scale, Real) else np.asarray(scale).tolist()
        self.offset = offset if isinstance(offset, Real) else np.asarray(offset).tolist()

    def call(self, inputs: Tensor) -> Tensor:
        dtype = inputs.dtype
        out = inputs * np.asarray(self.scale, dtype)
        if np.any(np.asarray(self.offset) != 0):
            out = out + np.asarray(self.offset, dtype)
        return out

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


def aspect_crop(height: int, width: int, target_h: int, target_w: int) -> tuple[int, int, int, int]:
    """(top, left, crop_h, crop_w): the largest centred window of the target's aspect ratio."""
    crop_w = min(width, max(1, round(height * target_w / target_h)))
    crop_h = min(height, max(1, round(width * target_h / target_w)))
    return (height - crop_h) // 2, (width - crop_w) // 2, crop_h, crop_w


class Resizing(ImageLayer):
    """Resizes images to (height, width) with half-pixel centres, as Keras (and PyTorch's
    `interpolate(align_corners=False)`).

    Args:
        height, width: the output size.
        interpolation: "bilinear" (default) or "nearest".
        crop_to_aspect_ratio: first crop the largest centred window of the target's aspect
            ratio, so the image is not distorted.
        pad_to_aspect_ratio: instead, pad (with fill_value) to the target's aspect ratio.
        fill_mode, fill_value: padding when pad_to_aspect_ratio ("constant" only).
        antialias: accepted for Keras compatibility; only False (no antialiasing) is done.
    """

    def __init__(
        self,
        height: int,
        width: int,
        interpolation: str = "bilinear",
        crop_to_aspect_ratio: bool = False,
        pad_to_aspect_ratio: bool = False,
        fill_mode: str = "constant",
        fill_value: float = 0.0,
        antialias: bool = False,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_size("Resizing", "height", height)
        self.width = check_size("Resizing", "width", width)
        self.interpolation = check_choice(
            "Resizing", "interpolation", interpolation, image_ops.INTERPOLATIONS
        )
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(
                "Resizing: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be True"
            )
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice("Resizing", "fill_mode", fill_mode, ("constant",))
        self.fill_value = float(fill_value)
        if antialias:
            raise ValueError("Resizing: antialias=True is not supported; use antialias=False")
        self.antialias = False
        self._plans: dict[tuple[int, int], image_ops.SamplingPlan] = {}

    def call(self, inputs: Tensor) -> Tensor:
        return self.apply_images(inputs, self._resize)

    def _resize(self, images: Tensor) -> Tensor:
        height, width = images.shape[1:3]
        if self.crop_to_aspect_ratio:
            top, left, h, w = aspect_crop(height, width, self.height, self.width)
            images = images[:, top : top + h, left : left + w, :]
        elif self.pad_to_aspect_ratio:
            images = self._pad(images)
        in_hw = tuple(images.shape[1:3])
        if in_hw == (self.height, self.width):
            return images
        plan = self._plans.get(in_hw)
        if plan is None:  # one plan per input size, reused at every batch
            plan = self._plans[in_hw] = image_ops.resize_plan(
                in_hw, (self.height, self.width), self.interpolation
            )
        return image_ops.resample(images, plan)

    def _pad(self, images: Tensor) -> Tensor:
        n, height, width, channels = images.shape
        target = self.width / self.height
        pad_h = max(0, round(width / target) - height)
        pad_w = max(0, round(height * target) - width)
        if pad_h == 0 and pad_w == 0:
            return images
        parts: list[Any] = []
        fill = np.full((n, pad_h // 2, width, channels), self.fill_value, images.dtype)
        if pad_h:
            rest = np.full((n, pad_h - pad_h // 2, width, channels), self.fill_value, images.dtype)
            return shape_ops.concatenate([fill, images, rest], axis=1)
        left = np.full((n, height, pad_w // 2, channels), self.fill_value, images.dtype)
        right = np.full((n, height, pad_w - pad_w // 2, channels), self.fill_value, images.dtype)
        parts = [left, images, right]
        return shape_ops.concatenate(parts, axis=2)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        shape = list(input_shape)
        h_axis, w_axis = self._hw_axes(input_shape)
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height": self.height,
            "width": self.width,
            "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio,
            "fill_mode": self.fill_mode,
            "fill_value": self.fill_value,
            "antialias": self.antialias,
        }


class CenterCrop(ImageLayer):
    """Crops the central (height, width) window of each image, at training and inference.

    An image smaller than the window on some side is first resized, keeping the aspect ratio
    by cropping, to the window's size (Keras' `smart_resize`), so the output is always
    (height, width).
    """

    def __init__(self, height: int, width: int, data_format: str | None = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_size("CenterCrop", "height", height)
        self.width = check_size("CenterCrop", "width", width)
        self._resizer: Resizing | None = None

    def call(self, inputs: Tensor) -> Tensor:
        return self.apply_images(inputs, self._crop)

    def _crop(self, images: Tensor) -> Tensor:
        height, width = images.shape[1:3]
        if height >= self.height and width >= self.width:
            top, left = (height - self.height) // 2, (width - self.width) // 2
            return images[:, top : top + self.height, left : left + self.width, :]
        if self._resizer is None:
            self._resizer = Resizing(self.height, self.width, crop_to_aspect_ratio=True)
        return self._resizer._resize(images)

    compute_output_shape = Resizing.compute_output_shape

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "height": self.height, "width": self.width}
