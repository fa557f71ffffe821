"""Activation layers with options of their own, as Keras 3 defines them: ReLU, Softmax
(masks included), ELU and PReLU (a learned slope below zero).

>>> import numpy as np
>>> from tensorgrad import layers
>>> layers.ReLU(max_value=5.0)(np.array([-10.0, 3.0, 10.0]))
tensor([0., 3., 5.])
>>> layers.Softmax()(np.array([[1.0, 1.0]]), mask=np.array([[True, False]]))
tensor([[1., 0.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad import activations, constraints, initializers, regularizers
from tensorgrad.engine.ops import elementwise, nn
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec, axis_argument

LARGE_NEGATIVE = -1e9
"""What masked logits become before a softmax (Keras' `_large_negative_number`)."""


def _number(layer: str, name: str, value: Any, allow_none: bool = False) -> float | None:
    """`value` as a float >= 0, or a ValueError naming the layer, the argument and the value."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or value < 0:
        expected = "None or a non-negative number" if allow_none else "a non-negative number"
        raise ValueError(f"{layer}: {name} must be {expected}, got {value!r}")
    return float(value)


class ReLU(Layer):
    """Rectified linear unit with Keras 3's options.

    f(x) = min(x, max_value) for x > threshold, negative_slope * (x - threshold) otherwise.

    Args:
        max_value: the largest output (None: no cap).
        negative_slope: the slope below the threshold.
        threshold: where the slope changes.
    """

    supports_masking = True

    def __init__(
        self,
        max_value: float | None = None,
        negative_slope: float = 0.0,
        threshold: float = 0.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_value = _number("ReLU", "max_value", max_value, allow_none=True)
        self.negative_slope = _number("ReLU", "negative_slope", negative_slope)
        self.threshold = _number("ReLU", "threshold", threshold)

    def call(self, inputs: Tensor) -> Tensor:
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }


class Softmax(Layer):
    """Softmax along `axis` (an int or a list of axes normalised together).

    A mask (True to keep, broadcastable to the input) gives masked positions the logit
    -1e9 and the output 0, as Keras does: attention scores over padded steps.
    """

    supports_masking = True

    def __init__(self, axis: int | Sequence[int] = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis: int | list[int] = axis_argument("Softmax", axis)

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        keep = None
        if mask is not None:
            keep = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
            if keep.ndim > inputs.ndim or any(
                m != 1 and m != i for m, i in zip(keep.shape[::-1], inputs.shape[::-1])
            ):
                raise ValueError(
                    f'Softmax layer "{self.name}": the mask must broadcast to the inputs (each '
                    f"axis 1 or the input's size, no more axes), got inputs of shape "
                    f"{inputs.shape} and a mask of shape {keep.shape}"
                )
            if keep.dtype != bool:
                keep = keep > 0.5
            inputs = elementwise.where(keep, inputs, LARGE_NEGATIVE)
        if isinstance(self.axis, list) and len(self.axis) > 1:
            outputs = elementwise.exp(
                inputs - nn.logsumexp(inputs, axis=tuple(self.axis), keepdims=True)
            )
        else:
            axis = self.axis[0] if isinstance(self.axis, list) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if keep is not None:
            outputs = elementwise.where(keep, outputs, 0.0)
        return outputs

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class ELU(Layer):
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise."""

    supports_masking = True

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.number)):
            raise ValueError(f"ELU: alpha must be a number, got {alpha!r}")
        self.alpha = float(alpha)

    def call(self, inputs: Tensor) -> Tensor:
        return activations.elu(inputs, self.alpha)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "alpha": self.alpha}


class PReLU(Layer):
    """Parametric ReLU: x for x >= 0, alpha * x otherwise, alpha learned per feature.

    Args:
        alpha_initializer: initializer of alpha ("zeros": it starts as a ReLU).
        alpha_regularizer, alpha_constraint: a penalty of alpha added to the loss, and a
            projection applied after each update.
        shared_axes: axes (1 = the first after the batch) sharing one alpha, e.g. [1, 2]
            for one slope per channel of an image.

    Weight: alpha, of the input's shape without the batch axis (1 on shared axes).
    """

    supports_masking = True

    def __init__(
        self,
        alpha_initializer: Any = "Zeros",
        alpha_regularizer: Any = None,
        alpha_constraint: Any = None,
        shared_axes: int | Sequence[int] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes: list[int] | None = None
        else:
            axes = [shared_axes] if not isinstance(shared_axes, (list, tuple)) else shared_axes
            if not all(
                isinstance(a, (int, np.integer)) and not isinstance(a, bool) and a >= 1
                for a in axes
            ):
                raise ValueError(
                    f"PReLU: shared_axes must be axes after the batch axis (integers >= 1), "
                    f"got {shared_axes!r}"
                )
            self.shared_axes = [int(a) for a in axes]
        self.alpha: Tensor | None = None

    def build(self, input_shape: tuple[Any, ...]) -> None:
        rank = len(input_shape)
        shared = self.shared_axes or []
        if any(a >= rank for a in shared):
            raise ValueError(
                f'PReLU layer "{self.name}": shared_axes {shared} must be axes of the input, '
                f"got input shape {input_shape}"
            )
        shape = [1 if i in shared else d for i, d in enumerate(input_shape) if i > 0]
        if None in shape:
            raise ValueError(
                f'PReLU layer "{self.name}": every axis without a shared alpha needs a known '
                f"size, got input shape {input_shape} (share the unknown axes with shared_axes)"
            )
        self.alpha = self.add_weight(
            "alpha",
            tuple(shape),
            self.alpha_initializer,
            regularizer=self.alpha_regularizer,
            constraint=self.alpha_constraint,
        )
        axes = {i: input_shape[i] for i in range(1, rank) if i not in shared} if shared else {}
        self.input_spec = InputSpec(ndim=rank, axes=axes)

    def call(self, inputs: Tensor) -> Tensor:
        return nn.relu(inputs) - self.alpha * nn.relu(-inputs)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
