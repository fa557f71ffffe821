"""Random augmentation layers: RandomFlip, RandomRotation, RandomZoom, RandomTranslation and
RandomContrast, with Keras 3's arguments and defaults.

Each changes its input only when called with training=True (fit does), and passes it
through otherwise (evaluate, predict, model(x)). Each image of a batch gets its own random
draw. The geometric layers build one affine map per image, from output to input pixel
coordinates exactly as Keras' layers do, and resample the batch through it
(`engine.ops.image`), so gradients flow through them like any op.

>>> import numpy as np
>>> from tensorgrad import layers
>>> flip = layers.RandomFlip("horizontal", seed=0)
>>> x = np.arange(6.0).reshape(1, 1, 6, 1)
>>> bool((flip(x).data == x).all())  # inference: unchanged
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine.ops import elementwise, reduce
from tensorgrad.engine.ops import image as image_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.preprocessing.image_base import (
    AffineLayer,
    RandomImageLayer,
    check_choice,
    symmetric_factor,
)

HORIZONTAL, VERTICAL, BOTH = "horizontal", "vertical", "horizontal_and_vertical"


class RandomFlip(RandomImageLayer):
    """Flips each image with probability 1/2 during training.

    Args:
        mode: "horizontal" (left-right), "vertical" (up-down) or "horizontal_and_vertical"
            (the default): as in Keras 3, one draw per image decides both flips, so an
            image is either left alone or flipped both ways (turned by 180 degrees).
        seed: an integer for a repeatable sequence of flips.
    """

    def __init__(self, mode: str = BOTH, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(seed=seed, **kwargs)
        self.mode = check_choice("RandomFlip", "mode", mode, (HORIZONTAL, VERTICAL, BOTH))

    def augment(self, images: Tensor) -> Tensor:
        flips = self.rng.random((images.shape[0], 1, 1, 1)) <= 0.5
        out = images
        if self.mode in (HORIZONTAL, BOTH):
            out = elementwise.where(flips, out[:, :, ::-1, :], out)
        if self.mode in (VERTICAL, BOTH):
            out = elementwise.where(flips, out[:, ::-1, :, :], out)
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mode": self.mode}


class RandomRotation(AffineLayer):
    """Rotates each image by a random angle during training.

    Args:
        factor: a fraction of a full turn: f draws angles in [-f * 360, f * 360] degrees
            (0.1: up to 36 degrees either way); a pair (lower, upper) gives the range.
        fill_mode: "reflect" (default), "wrap", "constant" or "nearest", for the points
            that come from outside the image.
        interpolation: "bilinear" (default) or "nearest".
        seed: an integer for repeatable rotations.
        fill_value: the value of outside points under fill_mode="constant".
    """

    def __init__(
        self,
        factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            fill_mode, interpolation, seed, fill_value, data_format=data_format, **kwargs
        )
        self.factor = symmetric_factor("RandomRotation", "factor", factor, (-1.0, 1.0))

    def augment(self, images: Tensor) -> Tensor:
        n, height, width = images.shape[:3]
        lower, upper = self.factor
        angle = np.deg2rad(self.rng.uniform(lower * 360.0, upper * 360.0, n))
        cos, sin = np.cos(angle), np.sin(angle)
        cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
        transforms = np.stack(
            [cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos], axis=1
        )
        plan = image_ops.affine_plan(
            transforms, (height, width), self.interpolation, self.fill_mode, self.fill_value
        )
        return image_ops.resample(images, plan)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": list(self.factor)}


def _factor_pair(layer: str, name: str, factor: Any, closed_below: bool) -> tuple[float, float]:
    """(lower, upper) of a zoom or translation factor, each in [-1, 1] (zoom: above -1)."""
    lower, upper = symmetric_factor(layer, name, factor, (-1.0, 1.0))
    if not closed_below and lower <= -1.0:
        raise ValueError(f"{layer}: {name} must be above -1, got {factor!r}")
    return lower, upper


class RandomZoom(AffineLayer):
    """Zooms each image in or out by a random amount during training.

    Args:
        height_factor: f draws a vertical zoom in [1 - f, 1 + f] of the image size sampled:
            a positive value zooms OUT (the image looks smaller), a negative one in, as in
            Keras; a pair (lower, upper) gives [1 + lower, 1 + upper].
        width_factor: the same horizontally; None (default) keeps the aspect ratio by using
            the vertical zoom.
        fill_mode, interpolation, seed, fill_value: as RandomRotation.
    """

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any = None,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            fill_mode, interpolation, seed, fill_value, data_format=data_format, **kwargs
        )
        self.height_factor = _factor_pair("RandomZoom", "height_factor", height_factor, False)
        self.width_factor = (
            None
            if width_factor is None
            else _factor_pair("RandomZoom", "width_factor", width_factor, False)
        )

    def augment(self, images: Tensor) -> Tensor:
        n, height, width = images.shape[:3]
        zy = self.rng.uniform(1.0 + self.height_factor[0], 1.0 + self.height_factor[1], n)
        if self.width_factor is None:
            zx = zy
        else:
            zx = self.rng.uniform(1.0 + self.width_factor[0], 1.0 + self.width_factor[1], n)
        zero = np.zeros(n)
        transforms = np.stack(
            [zx, zero, (width - 1) / 2 * (1 - zx), zero, zy, (height - 1) / 2 * (1 - zy)], axis=1
        )
        plan = image_ops.affine_plan(
            transforms, (height, width), self.interpolation, self.fill_mode, self.fill_value
        )
        return image_ops.resample(images, plan)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": list(self.height_factor),
            "width_factor": None if self.width_factor is None else list(self.width_factor),
        }


class RandomTranslation(AffineLayer):
    """Shifts each image by a random fraction of its size during training.

    Args:
        height_factor: f shifts by up to f * height pixels up or down; a pair
            (lower, upper) gives the range, negative values shifting up.
        width_factor: the same for left and right.
        fill_mode, interpolation, seed, fill_value: as RandomRotation.
    """

    def __init__(
        self,
        height_factor: Any,
        width_factor: Any,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            fill_mode, interpolation, seed, fill_value, data_format=data_format, **kwargs
        )
        self.height_factor = _factor_pair("RandomTranslation", "height_factor", height_factor, True)
        self.width_factor = _factor_pair("RandomTranslation", "width_factor", width_factor, True)

    def augment(self, images: Tensor) -> Tensor:
        n, height, width = images.shape[:3]
        dy = self.rng.uniform(*self.height_factor, n) * height
        dx = self.rng.uniform(*self.width_factor, n) * width
        one, zero = np.ones(n), np.zeros(n)
        transforms = np.stack([one, zero, -dx, zero, one, -dy], axis=1)
        plan = image_ops.affine_plan(
            transforms, (height, width), self.interpolation, self.fill_mode, self.fill_value
        )
        return image_ops.resample(images, plan)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "height_factor": list(self.height_factor),
            "width_factor": list(self.width_factor),
        }


class RandomContrast(RandomImageLayer):
    """Scales each image's deviation from its per-channel mean by a random factor in training:
    `(x - mean) * c + mean`, clipped to `value_range`.

    Args:
        factor: a number f in [0, 1] draws c in [1, 1 + f] (what Keras 3 does with a single
            number: the lower bound is clipped at 0); a pair (lower, upper) draws c in
            [1 - lower, 1 + upper].
        value_range: (min, max) of the pixel values, (0, 255) by default.
        seed: an integer for repeatable factors.
    """

    def __init__(
        self, factor: Any, value_range: Any = (0, 255), seed: int | None = None, **kwargs: Any
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        self.factor = symmetric_factor("RandomContrast", "factor", factor, (0.0, 1.0))
        if len(value_range) != 2 or value_range[0] >= value_range[1]:
            raise ValueError(
                "RandomContrast: value_range must be (min, max) with min < max, "
                f"got {value_range!r}"
            )
        self.value_range = (float(value_range[0]), float(value_range[1]))

    def augment(self, images: Tensor) -> Tensor:
        lower, upper = self.factor
        c = self.rng.uniform(1.0 - lower, 1.0 + upper, (images.shape[0], 1, 1, 1))
        c = c.astype(images.dtype)
        mean = reduce.mean(images, axis=(1, 2), keepdims=True)
        out = (images - mean) * c + mean
        return elementwise.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "factor": list(self.factor),
            "value_range": list(self.value_range),
        }


__all__ = [
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
]
