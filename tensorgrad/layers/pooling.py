"""Pooling layers: max and average pooling in 1-D and 2-D, and their global forms.

Keras' defaults: `strides=None` means strides = pool_size, and padding is "valid", which
drops the windows that would overrun the input (11 -> 5 for a pool of 2); "same" gives
ceil(n / stride) outputs, and an average over a padded window counts only its real cells.

>>> from tensorgrad import layers
>>> layers.MaxPooling2D(2).compute_output_shape((None, 11, 11, 32))
(None, 5, 5, 32)
"""

from __future__ import annotations

from typing import Any

from tensorgrad.engine.ops import pooling as pool_ops
from tensorgrad.engine.ops import reduce
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.conv import check_data_format, image_input_hint, normalize_tuple
from tensorgrad.layers.input_spec import InputSpec


class BasePooling(Layer):
    """Pooling windows of `pool_size` moved by `strides` over 1-D or 2-D channels_last inputs."""

    rank = 2
    _op: Any = None

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        layer = type(self).__name__
        check_data_format(layer, data_format)
        self.data_format = "channels_last"
        self.pool_size = normalize_tuple(pool_size, self.rank, "pool_size", layer)
        self.strides = (
            self.pool_size
            if strides is None
            else normalize_tuple(strides, self.rank, "strides", layer)
        )
        if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
            raise ValueError(f"{layer}: padding must be 'valid' or 'same', got {padding!r}")
        self.padding = padding.lower()
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def build(self, input_shape: tuple[Any, ...]) -> None:
        layer = f'{type(self).__name__} layer "{self.name}"'
        if len(input_shape) != self.rank + 2:
            axes = (
                "(batch, steps, channels)" if self.rank == 1 else "(batch, height, width, channels)"
            )
            raise ValueError(
                f"{layer}: expected a {self.rank + 2}-D input {axes}, got shape "
                f"{tuple(input_shape)}{image_input_hint(input_shape, self.rank)}"
            )
        if self.padding == "valid":
            for n, k in zip(input_shape[1:-1], self.pool_size):
                if n is not None and k > n:
                    raise ValueError(
                        f"{layer}: pool_size {self.pool_size} is larger than the input "
                        f"{tuple(input_shape[1:-1])}; use padding='same' or a smaller pool"
                    )

    def call(self, inputs: Tensor) -> Tensor:
        if self.rank == 1:
            return type(self)._op(inputs, self.pool_size[0], self.strides[0], self.padding)
        return type(self)._op(inputs, self.pool_size, self.strides, self.padding)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        spatial = []
        for n, k, s in zip(input_shape[1:-1], self.pool_size, self.strides):
            if n is None:
                spatial.append(None)
            elif self.padding == "same":
                spatial.append(-(-n // s))
            else:
                spatial.append((n - k) // s + 1)
        return (input_shape[0], *spatial, input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "pool_size": list(self.pool_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
        }


class MaxPooling2D(BasePooling):
    """The largest value of each window: pool_size (2, 2), strides = pool_size by default."""

    _op = staticmethod(pool_ops.max_pool2d)

    def __init__(
        self,
        pool_size: Any = (2, 2),
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """The mean of each window ("same" windows average only their unpadded cells)."""

    _op = staticmethod(pool_ops.avg_pool2d)

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class MaxPooling1D(BasePooling):
    """MaxPooling2D along the steps of (batch, steps, channels); pool_size 2 by default."""

    rank = 1
    _op = staticmethod(pool_ops.max_pool1d)

    def __init__(
        self,
        pool_size: Any = 2,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """AveragePooling2D along the steps of (batch, steps, channels)."""

    rank = 1
    _op = staticmethod(pool_ops.avg_pool1d)

    def __init__(
        self,
        pool_size: Any,
        strides: Any = None,
        padding: str = "valid",
        data_format: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class GlobalPooling(Layer):
    """The mean or max over all steps (1-D) or all pixels (2-D) of each channel."""

    rank = 2

    def __init__(self, data_format: str | None = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        check_data_format(type(self).__name__, data_format)
        self.data_format = "channels_last"
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _axes(self) -> tuple[int, ...]:
        return tuple(range(1, self.rank + 1))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        if self.keepdims:
            return (input_shape[0], *([1] * self.rank), input_shape[-1])
        return (input_shape[0], input_shape[-1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class GlobalAveragePooling2D(GlobalPooling):
    """(batch, height, width, channels) -> (batch, channels): the mean of each channel."""

    def call(self, inputs: Tensor) -> Tensor:
        return reduce.mean(inputs, axis=self._axes(), keepdims=self.keepdims)


class GlobalMaxPooling2D(GlobalPooling):
    """(batch, height, width, channels) -> (batch, channels): the largest of each channel."""

    def call(self, inputs: Tensor) -> Tensor:
        return reduce.max(inputs, axis=self._axes(), keepdims=self.keepdims)


class GlobalAveragePooling1D(GlobalPooling):
    """(batch, steps, channels) -> (batch, channels): the mean over the steps.

    With a mask (batch, steps) the mean is over the unmasked steps only, as in Keras.
    """

    rank = 1
    supports_masking = True

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is None:
            return reduce.mean(inputs, axis=1, keepdims=self.keepdims)
        weights = mask.astype(inputs.data.dtype)[:, :, None]
        total = reduce.sum(inputs * weights, axis=1, keepdims=self.keepdims)
        count = weights.sum(axis=1, keepdims=self.keepdims)
        return total / count

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None  # the steps are averaged away, and the mask with them


class GlobalMaxPooling1D(GlobalPooling):
    """(batch, steps, channels) -> (batch, channels): the largest over the steps."""

    rank = 1

    def call(self, inputs: Tensor) -> Tensor:
        return reduce.max(inputs, axis=1, keepdims=self.keepdims)
