"""What the image preprocessing layers share: layout, rank, factors and their random draws.

Images are (batch, height, width, channels) ("channels_last", Keras' default) or one image
(height, width, channels); "channels_first" inputs are transposed to that layout and back.
Random layers draw from a generator of their own when given `seed`, otherwise from the
library's generator (seeded by `tensorgrad.utils.set_random_seed`), and change their input
in training only. As in Keras, a direct call that does not say (`layer(images)`) augments,
so the layers work on their own in a data pipeline; inside a model, fit trains
(augmenting) while evaluate, predict and `model(x)` pass images through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Real
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.ops.image import FILL_MODES, INTERPOLATIONS
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer


def check_choice(layer: str, name: str, value: Any, choices: tuple[str, ...]) -> str:
    """`value` if it is one of `choices`; otherwise a ValueError naming the layer."""
    if value not in choices:
        raise ValueError(f"{layer}: {name} must be one of {choices}, got {value!r}")
    return value


def check_size(layer: str, name: str, value: Any) -> int:
    """A positive integer size."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


def symmetric_factor(
    layer: str, name: str, factor: Any, bounds: tuple[float, float]
) -> tuple[float, float]:
    """(lower, upper) from a number f (-> (-f, f), clipped to `bounds`) or a pair, as Keras."""
    message = (
        f"{layer}: {name} must be a number or a pair (lower, upper) in the range "
        f"[{bounds[0]}, {bounds[1]}], got {factor!r}"
    )
    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(isinstance(f, Real) for f in factor):
            raise ValueError(message)
        lower, upper = sorted(float(f) for f in factor)
        if lower < bounds[0] or upper > bounds[1]:
            raise ValueError(message)
        return lower, upper
    if isinstance(factor, bool) or not isinstance(factor, Real):
        raise ValueError(message)
    if not bounds[0] <= factor <= bounds[1]:
        raise ValueError(message)
    factor = abs(float(factor))
    return max(-factor, bounds[0]), factor


class ImageLayer(Layer):
    """Base of the image layers: channels_last batches in, the same layout out."""

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = check_choice(
            type(self).__name__,
            "data_format",
            data_format or "channels_last",
            ("channels_last", "channels_first"),
        )

    def _images(self, inputs: Tensor) -> tuple[Tensor, bool]:
        """Inputs as a channels_last batch; (images, was_one_image)."""
        if inputs.ndim not in (3, 4):
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": expected images of shape '
                "(batch, height, width, channels) or one image (height, width, channels), "
                f"got shape {inputs.shape}"
            )
        single = inputs.ndim == 3
        x = shape_ops.expand_dims(inputs, 0) if single else inputs
        if self.data_format == "channels_first":
            x = shape_ops.transpose(x, (0, 2, 3, 1))
        return x, single

    def _restore(self, images: Tensor, single: bool) -> Tensor:
        """Images back in the input's layout."""
        if self.data_format == "channels_first":
            images = shape_ops.transpose(images, (0, 3, 1, 2))
        return shape_ops.squeeze(images, 0) if single else images

    def _hw_axes(self, input_shape: tuple[Any, ...]) -> tuple[int, int]:
        """The positions of height and width in `input_shape`."""
        first = 1 if len(input_shape) == 4 else 0
        return (
            (first + 1, first + 2) if self.data_format == "channels_first" else (first, first + 1)
        )

    def apply_images(self, inputs: Tensor, fn: Callable[[Tensor], Tensor]) -> Tensor:
        """fn applied to the inputs as a channels_last batch, the result in their layout."""
        images, single = self._images(inputs)
        return self._restore(fn(images), single)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class RandomImageLayer(ImageLayer):
    """Base of the random augmentation layers: a seed, and identity outside training."""

    _training_if_unset = True  # Keras: a direct call augments unless training=False

    def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
            raise ValueError(
                f"{type(self).__name__}: seed must be an integer or None, got {seed!r}"
            )
        self.seed = None if seed is None else int(seed)
        self._rng = None if seed is None else np.random.default_rng(self.seed)

    @property
    def rng(self) -> np.random.Generator:
        """The layer's own generator when seeded, otherwise the library's."""
        return self._rng or random.generator()

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        if not training:
            return inputs
        return self.apply_images(inputs, self.augment)

    def augment(self, images: Tensor) -> Tensor:
        """The random transformation of a channels_last batch."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "seed": self.seed}


class AffineLayer(RandomImageLayer):
    """Base of the random affine layers: fill mode, interpolation and fill value."""

    def __init__(
        self,
        fill_mode: str = "reflect",
        interpolation: str = "bilinear",
        seed: int | None = None,
        fill_value: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(seed=seed, **kwargs)
        name = type(self).__name__
        self.fill_mode = check_choice(name, "fill_mode", fill_mode, FILL_MODES)
        self.interpolation = check_choice(name, "interpolation", interpolation, INTERPOLATIONS)
        self.fill_value = float(fill_value)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "fill_mode": self.fill_mode,
            "interpolation": self.interpolation,
            "fill_value": self.fill_value,
        }
