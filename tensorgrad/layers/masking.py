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

from tensorgrad.engine.backend import as_array, default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer, _to_tensor
from tensorgrad.layers.rnn_base import set_mask


class Masking(Layer):
    """Masks (batch, timesteps, features) inputs at steps where every feature is mask_value.

    The output is the input with those steps set to 0 (as Keras), and carries the mask
    (batch, timesteps) for the recurrent layers after it.
    """

    supports_masking = True

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = float(mask_value)

    def __call__(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Tensor:
        """Apply the layer; the output carries the mask of the non-padding steps."""
        x = _to_tensor(inputs)
        if x.data.dtype.kind != "f":
            x = Tensor._make(as_array(x.data, self._dtype or default_float()), False, None)
        if not self.built:
            self._maybe_build(x.data.shape)
        out = self.call(x)
        set_mask(out, self.compute_mask(x, mask))
        return out

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
