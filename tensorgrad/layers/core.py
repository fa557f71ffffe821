"""The core layers: Dense, Activation, Flatten and Dropout.

>>> from tensorgrad import layers
>>> layer = layers.Dense(512, activation="relu", input_shape=(784,))
>>> layer.build((None, 784))
>>> layer.count_params()
401920
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad import activations, constraints, initializers, regularizers
from tensorgrad.engine import random
from tensorgrad.engine.ops import linalg
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec


class Dense(Layer):
    """A densely connected layer: `output = activation(dot(input, kernel) + bias)`.

    Args:
        units: size of the output (positive integer).
        activation: a name ("relu", "softmax", ...) or function; None for linear.
        use_bias: whether to add a bias vector.
        kernel_initializer: initializer of the (input_dim, units) kernel.
        bias_initializer: initializer of the (units,) bias.
        kernel_regularizer, bias_regularizer: penalties of the weights added to the loss
            (e.g. `regularizers.l2(0.002)`).
        activity_regularizer: penalty of the output, divided by the batch size.
        kernel_constraint, bias_constraint: projections applied after each update
            (e.g. `constraints.MaxNorm(3)`).
        **kwargs: Layer arguments: name, trainable, dtype, input_shape, input_dim.

    Input of shape (batch, ..., input_dim) gives output (batch, ..., units).

    Raises:
        ValueError: units is not a positive integer.
        TypeError: an unknown keyword argument.
    """

    supports_masking = True

    def __init__(
        self,
        units: int,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Dense: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.kernel: Tensor | None = None
        self.bias: Tensor | None = None

    def build(self, input_shape: tuple[Any, ...]) -> None:
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise ValueError(
                f'Dense layer "{self.name}": needs inputs of shape (batch, ..., features) with '
                f"a known number of features, got input shape {input_shape}"
            )
        input_dim = input_shape[-1]
        self.kernel = self.add_weight(
            "kernel",
            (input_dim, self.units),
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                (self.units,),
                self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
        self.input_spec = InputSpec(min_ndim=2, axes={-1: input_dim})

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(linalg.linear(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Activation(Layer):
    """Applies an activation function ("relu", "softmax", ... or a function) to its input."""

    supports_masking = True

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """Flattens each sample to one axis, in row-major order: (batch, 28, 28) -> (batch, 784)."""

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(
                f"Flatten: only data_format='channels_last' is supported, got {data_format!r}"
            )
        self.data_format = data_format

    def call(self, inputs: Tensor) -> Tensor:
        batch = inputs.data.shape[0] if inputs.data.ndim else 1
        return shape_ops.reshape(inputs, (batch, -1))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        rest = input_shape[1:]
        return (input_shape[0], None if None in rest else math.prod(rest))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Dropout(Layer):
    """Sets a random fraction `rate` of inputs to 0 during training, scaling the rest by 1/(1-rate).

    Inverted dropout, as Keras: the expected output equals the input, so nothing changes at
    inference, when the layer passes its input through. The random mask comes from the
    library's generator (`utils.set_random_seed`), or from a generator of the layer's own
    when `seed` is given.

    Args:
        rate: fraction of the inputs to drop, in [0, 1).
        noise_shape: shape of the mask, broadcast over the input (None entries take the
            input's size), e.g. (None, 1, features) to drop the same features at all steps.
        seed: an integer for a repeatable mask sequence.
    """

    supports_masking = True

    def __init__(
        self,
        rate: float,
        noise_shape: Sequence[Any] | None = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        shape = inputs.data.shape
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, shape))
        rng = self._rng or random.generator()
        keep = rng.random(shape, dtype=np.float32) >= self.rate
        mask = keep.astype(inputs.data.dtype)
        mask *= 1.0 / (1.0 - self.rate)
        return inputs * mask

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "rate": self.rate, "seed": self.seed}
        config["noise_shape"] = None if self.noise_shape is None else list(self.noise_shape)
        return config
