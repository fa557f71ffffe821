"""Input: declares the shape of a model's samples, as the first entry of a Sequential model.

>>> from tensorgrad import layers, models
>>> model = models.Sequential([layers.Input(shape=(784,)), layers.Dense(10)])
>>> model.layers[0].output_shape
(None, 10)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec


class InputLayer(Layer):
    """A layer that passes its input through and fixes the input shape of what follows.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. (784,).
        batch_size: a fixed batch size, or None for any.
        dtype: the float dtype of the inputs.
        name: the layer's name.
        input_shape: Keras 2's name for `shape`.
    """

    def __init__(
        self,
        shape: Sequence[Any] | None = None,
        batch_size: int | None = None,
        dtype: Any = None,
        name: str | None = None,
        input_shape: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if "batch_input_shape" in kwargs and shape is None and input_shape is None:
            batch_shape = tuple(kwargs.pop("batch_input_shape"))
            shape, batch_size = batch_shape[1:], batch_shape[0]
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("Input: give the shape of one sample, e.g. Input(shape=(784,))")
        if isinstance(shape, int):
            shape = (shape,)
        super().__init__(name=name, dtype=dtype, input_shape=tuple(shape), **kwargs)
        self.batch_size = batch_size
        self.build(self._batch_input_shape)

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self.input_spec = InputSpec(shape=input_shape)

    @property
    def shape(self) -> tuple[Any, ...]:
        """The batch shape, such as (None, 784)."""
        return (self.batch_size,) + tuple(self._batch_input_shape[1:])

    def call(self, inputs: Tensor) -> Tensor:
        return inputs

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        shape = config.pop("batch_input_shape")
        return {**config, "shape": list(shape[1:]), "batch_size": self.batch_size}


def Input(
    shape: Sequence[Any] | None = None,
    batch_size: int | None = None,
    name: str | None = None,
    dtype: Any = None,
) -> InputLayer:
    """The input of a model: `Sequential([Input(shape=(784,)), Dense(512), ...])`."""
    return InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype)
