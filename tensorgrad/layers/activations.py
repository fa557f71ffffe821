"""Activation layers with parameters of their own: LeakyReLU.

>>> from tensorgrad import layers
>>> layers.LeakyReLU()([-10.0, 2.0])
tensor([-3.,  2.])
"""

from __future__ import annotations

import warnings
from typing import Any

from tensorgrad.engine.ops import nn
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer


class LeakyReLU(Layer):
    """x for x > 0, negative_slope * x otherwise; Keras' default slope is 0.3.

    Args:
        negative_slope: the slope below zero (PyTorch's default, 0.01, differs).
        alpha: the older name of negative_slope, accepted with a DeprecationWarning.
    """

    def __init__(self, negative_slope: float = 0.3, alpha: float | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if alpha is not None:
            warnings.warn(
                "LeakyReLU: argument `alpha` is deprecated; use `negative_slope` instead",
                DeprecationWarning,
                stacklevel=2,
            )
            negative_slope = alpha
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
            raise ValueError(f"LeakyReLU: negative_slope must be a number, got {negative_slope!r}")
        if negative_slope < 0:
            raise ValueError(
                f"LeakyReLU: negative_slope must be a non-negative number, got {negative_slope}"
            )
        self.negative_slope = float(negative_slope)
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return nn.leaky_relu(inputs, self.negative_slope)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}
