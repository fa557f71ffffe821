"""LayerNormalization: normalise each sample over its feature axes (Transformers' norm).

Keras 3's rules (`layers/normalization/layer_normalization.py`): epsilon 1e-3, the biased
variance of each sample over `axis`, gamma and beta shaped like the input's sizes on
`axis`; the same in training and inference, so no moving statistics.

>>> from tensorgrad import layers
>>> norm = layers.LayerNormalization(name="norm")
>>> norm.build((None, 10, 64))
>>> [(w.name, w.shape) for w in norm.weights]
[('norm/gamma', (64,)), ('norm/beta', (64,))]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tensorgrad.engine.ops import layer_norm as ln_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec, axis_argument
from tensorgrad.layers.scale_and_shift import ScaleAndShift


class LayerNormalization(ScaleAndShift, Layer):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, statistics per sample over `axis`.

    Args:
        axis: the axis (or list of axes) normalised together, -1 by default.
        epsilon: added to the variance, 1e-3 (PyTorch's default is 1e-5).
        center: learn a shift beta.
        scale: learn a scale gamma.
        beta_initializer, gamma_initializer: initializers of the two weights.
        beta_regularizer, gamma_regularizer: penalties of the weights added to the loss.
        beta_constraint, gamma_constraint: projections applied after each update.

    Weights, in Keras' order: gamma, then beta.
    """

    def __init__(
        self,
        axis: int | Sequence[int] = -1,
        epsilon: float = 1e-3,
        center: bool = True,
        scale: bool = True,
        beta_initializer: Any = "zeros",
        gamma_initializer: Any = "ones",
        beta_regularizer: Any = None,
        gamma_regularizer: Any = None,
        beta_constraint: Any = None,
        gamma_constraint: Any = None,
        rms_scaling: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.axis: int | list[int] = axis_argument("LayerNormalization", axis, TypeError)
        if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float)) or epsilon < 0:
            raise ValueError(
                f"LayerNormalization: epsilon must be a non-negative number, got {epsilon!r}"
            )
        if rms_scaling:
            raise ValueError(
                "LayerNormalization: rms_scaling=True is deprecated in Keras (it scales by the "
                "variance, not the root mean square) and not supported; expected False"
            )
        self.epsilon = float(epsilon)
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
        self.rms_scaling = False
        self.supports_masking = True

    def _axes(self, ndim: int) -> tuple[int, ...]:
        axes = [self.axis] if isinstance(self.axis, int) else self.axis
        if any(not -ndim <= a < ndim for a in axes):
            raise ValueError(
                f'LayerNormalization layer "{self.name}": axis {self.axis} is out of range for '
                f"inputs of rank {ndim}"
            )
        return tuple(sorted({a % ndim for a in axes}))

    def build(self, input_shape: tuple[Any, ...]) -> None:
        axes = self._axes(len(input_shape))
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(
                f'LayerNormalization layer "{self.name}": the normalised axis {self.axis} must '
                f"have a known size, got input shape {input_shape}"
            )
        self._build_scale_and_shift(shape)
        self.input_spec = InputSpec(ndim=len(input_shape), axes=dict(zip(axes, shape)))

    def call(self, inputs: Tensor) -> Tensor:
        return ln_ops.layer_norm(
            inputs, self.gamma, self.beta, self._axes(inputs.ndim), self.epsilon
        )

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        self._axes(len(input_shape))
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            **self._scale_and_shift_config(),
            "rms_scaling": self.rms_scaling,
        }
