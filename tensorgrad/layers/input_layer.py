"""Input: the symbolic start of a model: `Input(shape=(784,))` for the functional API, or the
first entry of a Sequential model.

>>> from tensorgrad import layers, models
>>> model = models.Sequential([layers.Input(shape=(784,)), layers.Dense(10)])
>>> model.layers[0].output_shape
(None, 10)
>>> layers.Input(shape=(28, 28, 1), name="image")
<KerasTensor shape=(None, 28, 28, 1), dtype=float32, name=image>
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.backend import default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.symbolic import KerasTensor, Node
from tensorgrad.utils import text_arrays


class InputLayer(Layer):
    """A layer that passes its input through and fixes the input shape of what follows.

    Args:
        shape: the shape of one sample, without the batch axis, e.g. (784,); None for
            an axis of any size (the timesteps of sequences).
        batch_size: a fixed batch size, or None for any.
        dtype: the dtype of the inputs ("float32" by default; "int32" for token ids;
            "string" for raw text, which a TextVectorization layer then turns into numbers).
        name: the layer's name, which is also the input's name in dicts of inputs.
        input_shape: Keras 2's name for `shape`.
        batch_shape: the shape with the batch axis first, (None, 784).

    Its `output` is the symbolic tensor that the functional API starts from.
    """

    _autocast = False  # the inputs' dtype is declared, not cast
    _takes_text = True

    def __init__(
        self,
        shape: Sequence[Any] | None = None,
        batch_size: int | None = None,
        dtype: Any = None,
        name: str | None = None,
        input_shape: Sequence[Any] | None = None,
        **kwargs: Any,
    ) -> None:
        batch_shape = kwargs.pop("batch_shape", None) or kwargs.pop("batch_input_shape", None)
        if batch_shape is not None and shape is None and input_shape is None:
            batch_shape = tuple(batch_shape)
            shape, batch_size = batch_shape[1:], batch_shape[0]
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("Input: give the shape of one sample, e.g. Input(shape=(784,))")
        if isinstance(shape, int):
            shape = (shape,)
        if text_arrays.is_string_dtype(dtype):  # raw text, for TextVectorization
            self._input_dtype, float_dtype = "string", None
        else:
            self._input_dtype = np.dtype(dtype or default_float()).name
            float_dtype = dtype if dtype is not None and np.dtype(dtype).kind == "f" else None
        super().__init__(name=name, dtype=float_dtype, input_shape=tuple(shape), **kwargs)
        self.batch_size = batch_size
        self.build(self._batch_input_shape)
        Node(self, (), {}, KerasTensor(self.shape, self._input_dtype, name=self.name))

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

    def _output_dtype(self, inputs: Any) -> str:
        return self._input_dtype

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        shape = config.pop("batch_input_shape")
        config.pop("dtype", None)
        return {
            **config,
            "shape": list(shape[1:]),
            "batch_size": self.batch_size,
            "dtype": self._input_dtype,
        }


def Input(
    shape: Sequence[Any] | None = None,
    batch_size: int | None = None,
    dtype: Any = None,
    name: str | None = None,
    batch_shape: Sequence[Any] | None = None,
    **kwargs: Any,
) -> KerasTensor:
    """A symbolic input of a model, `x = Input(shape=(784,))`, to call layers on.

    `Model(inputs=x, outputs=...)` starts from it; `Sequential([Input(shape=(784,)), ...])`
    takes it as the declaration of the input shape.

    Raises:
        ValueError: no shape.
    """
    if kwargs.get("sparse"):
        raise ValueError("Input: sparse inputs are not supported; give dense arrays")
    kwargs.pop("sparse", None)
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        name=name,
        batch_shape=batch_shape,
        **kwargs,
    )
    return layer.output
