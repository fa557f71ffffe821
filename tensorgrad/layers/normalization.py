"""BatchNormalization: normalise each feature with batch statistics while training.

Keras 3's rules (`layers/normalization/batch_normalization.py`): momentum 0.99, epsilon
1e-3, the biased (population) variance, and moving averages updated as
`moving = moving * momentum + batch * (1 - momentum)`. Batch statistics are used only
when `training and self.trainable`: a frozen layer (`trainable=False`) normalises with its
moving statistics even inside `fit`, as fine-tuning a pretrained network needs.

>>> from tensorgrad import layers
>>> bn = layers.BatchNormalization()
>>> bn.build((None, 8))
>>> [w.name for w in bn.weights]
['batch_normalization/gamma', 'batch_normalization/beta', 'batch_normalization/moving_mean', \
'batch_normalization/moving_variance']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad import initializers
from tensorgrad.engine.ops import normalization as norm_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec, axis_argument
from tensorgrad.layers.scale_and_shift import ScaleAndShift


class BatchNormalization(ScaleAndShift, Layer):
    """Normalises its input to mean 0 and variance 1 per feature, then scales and shifts.

    Args:
        axis: the feature axis (or a list of axes), -1 (channels_last) by default.
        momentum: the moving averages' decay, 0.99 (PyTorch's 0.1 is 1 - momentum).
        epsilon: added to the variance, 1e-3 (PyTorch's default is 1e-5).
        center: learn a shift beta.
        scale: learn a scale gamma.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer: initializers of the four weights.
        beta_regularizer, gamma_regularizer, beta_constraint, gamma_constraint: as in
            Dense, for the two trainable weights.

    Weights, in Keras' order: gamma, beta (trainable), moving_mean, moving_variance (not
    trainable; saved and restored with the model).
    """

    def __init__(
        self,
        axis: int | Sequence[int] = -1,
        momentum: float = 0.99,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        moving_mean_initializer: Any = "zeros",
        moving_variance_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        given = axis_argument("BatchNormalization", axis)
        self.axis: int | tuple[int, ...] = given if isinstance(given, int) else tuple(given)
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1], got {momentum}")
        if not epsilon > 0:
            raise ValueError(f"BatchNormalization: epsilon must be positive, got {epsilon}")
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self._init_scale_and_shift(
            center,
            scale,
            beta_initializer,
            gamma_initializer,
            beta_regularizer,
            gamma_regularizer,
            beta_constraint,
            gamma_constraint,
        )
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.supports_masking = True

    def _axes(self, ndim: int) -> tuple[int, ...]:
        axes = (self.axis,) if isinstance(self.axis, int) else self.axis
        if any(not -ndim <= a < ndim for a in axes) or ndim < 2:
            raise ValueError(
                f'BatchNormalization layer "{self.name}": axis {self.axis} is out of range for '
                f"inputs of rank {ndim}"
            )
        return tuple(sorted(a % ndim for a in axes))

    def build(self, input_shape: tuple[Any, ...]) -> None:
        axes = self._axes(len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(
                f'BatchNormalization layer "{self.name}": the feature axis {self.axis} must have '
                f"a known size, got input shape {input_shape}"
            )
        self._build_scale_and_shift(shape)
        self.moving_mean = self.add_weight(
            "moving_mean", shape, self.moving_mean_initializer, trainable=False
        )
        self.moving_variance = self.add_weight(
            "moving_variance", shape, self.moving_variance_initializer, trainable=False
        )
        self.input_spec = InputSpec(ndim=len(input_shape), axes=dict(zip(axes, shape)))

    def _affine(self) -> tuple[Any, Any]:
        shape = self.moving_mean.shape
        dtype = self.moving_mean.dtype
        gamma = self.gamma if self.gamma is not None else np.ones(shape, dtype)
        beta = self.beta if self.beta is not None else np.zeros(shape, dtype)
        return gamma, beta

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        gamma, beta = self._affine()
        axes = self._axes(inputs.ndim)
        if training and self.trainable:
            out, mean, var = norm_ops.batch_norm_train(inputs, gamma, beta, axes, self.epsilon)
            for moving, batch in ((self.moving_mean, mean), (self.moving_variance, var)):
                moving.data *= self.momentum
                moving.data += (1.0 - self.momentum) * batch.astype(moving.data.dtype)
            return out
        return norm_ops.batch_norm(
            inputs, gamma, beta, self.moving_mean, self.moving_variance, axes, self.epsilon
        )

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis if isinstance(self.axis, int) else list(self.axis),
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            **self._scale_and_shift_config(),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
        }
