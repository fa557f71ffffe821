"""Masking: marks the timesteps whose features all equal `mask_value` as padding.

>>> import numpy as np
>>> from tensorgrad import layers
>>> layers.Masking().compute_mask(np.array([[[0.0], [1.0]]]))
array([[False,  True]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer


class Masking(Layer):
    """Masks (batch, timesteps, features) inputs at steps where every feature is mask_value.

    The output is the input with those steps set to 0 (as Keras), and carries the mask
    (batch, timesteps) for the recurrent layers after it.
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def call(self, inputs: Tensor) -> Tensor:
        keep = self.compute_mask(inputs)
        return inputs * keep[..., None].astype(inputs.data.dtype)

    def compute_mask(self, inputs: Any, mask: Any = None) -> np.ndarray:
        data = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return np.any(data != self.mask_value, axis=-1)

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "mask_value": self.mask_value}
