"""Reshaping layers: Reshape, ZeroPadding2D and UpSampling2D.

>>> from tensorgrad import layers
>>> layers.Reshape((7, 7, 16)).compute_output_shape((None, 784))
(None, 7, 7, 16)
>>> layers.UpSampling2D(2).compute_output_shape((None, 7, 7, 16))
(None, 14, 14, 16)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad.engine.ops import pooling as pool_ops
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.conv import check_data_format, normalize_tuple
from tensorgrad.layers.input_spec import InputSpec


class Reshape(Layer):
    """Gives each sample the shape `target_shape` (row-major); one entry may be -1.

    The batch axis is kept: Reshape((7, 7, 16)) turns (batch, 784) into (batch, 7, 7, 16).
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        target = (
            (target_shape,) if isinstance(target_shape, (int, np.integer)) else tuple(target_shape)
        )
        if (
            not all(isinstance(d, (int, np.integer)) and (d > 0 or d == -1) for d in target)
            or sum(d == -1 for d in target) > 1
        ):
            raise ValueError(
                f"Reshape: target_shape must hold positive integers and at most one -1, got "
                f"{target_shape!r}"
            )
        self.target_shape = tuple(int(d) for d in target)

    def _resolve(self, sample_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """target_shape with its -1 worked out for samples of `sample_shape`."""
        if None in sample_shape:
            return tuple(None if d == -1 else d for d in self.target_shape)
        size, known = math.prod(sample_shape), math.prod(d for d in self.target_shape if d != -1)
        fits = size == known if -1 not in self.target_shape else size % known == 0
        if not fits:
            raise ValueError(
                f'Reshape layer "{self.name}": cannot reshape samples of shape {sample_shape} '
                f"({size} values) into target_shape {self.target_shape}"
            )
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self._resolve(tuple(input_shape[1:]))

    def call(self, inputs: Tensor) -> Tensor:
        shape = self._resolve(inputs.data.shape[1:])
        return shape_ops.reshape(inputs, (inputs.data.shape[0], *shape))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], *self._resolve(tuple(input_shape[1:])))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


def _padding_pairs(padding: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """1 -> ((1, 1), (1, 1)); (1, 2) -> ((1, 1), (2, 2)); ((1, 2), (3, 4)) as it is."""
    layer = "ZeroPadding2D"
    if isinstance(padding, (int, np.integer)):
        p = normalize_tuple(padding, 1, "padding", layer, 0)[0]
        return (p, p), (p, p)
    padding = tuple(padding)
    if len(padding) == 2 and all(isinstance(p, (int, np.integer)) for p in padding):
        h, w = normalize_tuple(padding, 2, "padding", layer, 0)
        return (h, h), (w, w)
    if len(padding) == 2:
        pairs = tuple(normalize_tuple(p, 2, "padding", layer, 0) for p in padding)
        return pairs  # type: ignore[return-value]
    raise ValueError(
        f"{layer}: padding must be an int, (rows, cols) or ((top, bottom), (left, right)), "
        f"got {padding!r}"
    )


class ZeroPadding2D(Layer):
    """Adds rows and columns of zeros around channels_last images.

    Args:
        padding: an int (all four sides), (rows, cols) (symmetric), or
            ((top, bottom), (left, right)).
    """

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        check_data_format("ZeroPadding2D", data_format)
        self.data_format = "channels_last"
        self.padding = _padding_pairs(padding)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return pool_ops.zero_pad2d(inputs, self.padding)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        (top, bottom), (left, right) = self.padding
        h, w = input_shape[1], input_shape[2]
        return (
            input_shape[0],
            None if h is None else h + top + bottom,
            None if w is None else w + left + right,
            input_shape[3],
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "padding": [list(p) for p in self.padding],
            "data_format": self.data_format,
        }


class UpSampling2D(Layer):
    """Repeats each row size[0] times and each column size[1] times (nearest neighbour).

    Only interpolation="nearest" (Keras' default) is available.
    """

    def __init__(
        self,
        size: Any = (2, 2),
        data_format: str | None = None,
        interpolation: str = "nearest",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        check_data_format("UpSampling2D", data_format)
        self.data_format = "channels_last"
        self.size = normalize_tuple(size, 2, "size", "UpSampling2D")
        if interpolation != "nearest":
            raise ValueError(
                f"UpSampling2D: only interpolation='nearest' is available, got "
                f"{interpolation!r}; Conv2DTranspose is a learned alternative"
            )
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return pool_ops.upsample2d(inputs, self.size)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        h, w = input_shape[1], input_shape[2]
        return (
            input_shape[0],
            None if h is None else h * self.size[0],
            None if w is None else w * self.size[1],
            input_shape[3],
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "size": list(self.size),
            "data_format": self.data_format,
            "interpolation": self.interpolation,
        }
