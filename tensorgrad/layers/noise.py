"""Regularisation by noise, active only in training (as Dropout): SpatialDropout1D, 2D and
3D (whole feature maps dropped), GaussianNoise (additive) and
GaussianDropout (multiplicative, mean 1). At inference each passes its input through.

The noise comes from the library's generator (`utils.set_random_seed`), or from a
generator of the layer's own when `seed` is given, as for Dropout.

>>> import numpy as np
>>> from tensorgrad import layers
>>> x = np.ones((2, 3))
>>> bool((layers.GaussianNoise(0.1)(x).numpy() == 1).all())
True
>>> bool((layers.GaussianNoise(0.1)(x, training=True).numpy() == 1).all())
False
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.conv import check_data_format
from tensorgrad.layers.core import Dropout
from tensorgrad.layers.input_spec import InputSpec


def _fraction(layer: str, name: str, value: Any, upper: float, closed: bool) -> float:
    """`value` in [0, upper] (or [0, upper)), else a ValueError naming layer and argument."""
    ok = (
        not isinstance(value, bool)
        and isinstance(value, (int, float, np.number))
        and 0 <= value
        and (value <= upper if closed else value < upper)
    )
    if not ok:
        interval = f"[0, {upper:g}]" if closed else f"[0, {upper:g})"
        raise ValueError(f"{layer}: {name} must be a number in {interval}, got {value!r}")
    return float(value)


class _SpatialDropout(Dropout):
    """Dropout of whole channels: one keep/drop draw per sample and feature map."""

    _spatial_axes: tuple[int, ...] = ()

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        _fraction(type(self).__name__, "rate", rate, 1.0, closed=False)
        super().__init__(rate, seed=seed, **kwargs)
        rank = len(self._spatial_axes) + 2
        self.noise_shape = tuple(1 if i in self._spatial_axes else None for i in range(rank))
        self.input_spec = InputSpec(ndim=rank)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        del config["noise_shape"]  # fixed by the layer, not an argument
        return config


class SpatialDropout1D(_SpatialDropout):
    """Drops whole features of (batch, steps, features) sequences, the same at every step.

    Args:
        rate: fraction of the features to drop, in [0, 1).
        seed: an integer for a repeatable sequence of masks.
    """

    _spatial_axes = (1,)


class SpatialDropout2D(_SpatialDropout):
    """Drops whole feature maps (channels) of channels_last images.

    Args:
        rate: fraction of the channels to drop, in [0, 1).
        data_format: "channels_last" (or None) only.
        seed: an integer for a repeatable sequence of masks.
    """

    _spatial_axes = (1, 2)

    def __init__(
        self, rate: float, data_format: str | None = None, seed: int | None = None, **kwargs: Any
    ) -> None:
        check_data_format(type(self).__name__, data_format)
        super().__init__(rate, seed=seed, **kwargs)
        self.data_format = "channels_last"

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class SpatialDropout3D(SpatialDropout2D):
    """Drops whole feature maps (channels) of channels_last volumes (batch, d1, d2, d3, c).

    Args:
        rate: fraction of the channels to drop, in [0, 1).
        data_format: "channels_last" (or None) only.
        seed: an integer for a repeatable sequence of masks.
    """

    _spatial_axes = (1, 2, 3)


class GaussianNoise(Layer):
    """Adds zero-mean Gaussian noise of standard deviation `stddev` in training.

    Args:
        stddev: the noise's standard deviation, in [0, 1] (Keras' bound).
        seed: an integer for a repeatable noise sequence.
    """

    supports_masking = True

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stddev = _fraction("GaussianNoise", "stddev", stddev, 1.0, closed=True)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        if not training or self.stddev == 0:
            return inputs
        noise = random.standard_normal(self._rng or random.generator(), inputs.shape, inputs.dtype)
        noise *= self.stddev
        return inputs + noise

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(Layer):
    """Multiplies by Gaussian noise of mean 1 and variance rate / (1 - rate) in training.

    Args:
        rate: the drop probability whose variance the noise matches, in [0, 1).
        seed: an integer for a repeatable noise sequence.
    """

    supports_masking = True

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rate = _fraction("GaussianDropout", "rate", rate, 1.0, closed=False)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        noise = random.standard_normal(self._rng or random.generator(), inputs.shape, inputs.dtype)
        noise *= math.sqrt(self.rate / (1.0 - self.rate))
        noise += 1.0
        return inputs * noise

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
