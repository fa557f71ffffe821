"""Normalization: shifts and scales features to mean 0 and variance 1, learnt by `adapt`.

>>> import numpy as np
>>> from tensorgrad import layers
>>> norm = layers.Normalization()
>>> norm.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
>>> norm(np.array([[1.0, 20.0]])).data
array([[0., 0.]], dtype=float32)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from tensorgrad.engine.backend import default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer

EPSILON = 1e-7  # keras.config.epsilon(): the smallest standard deviation divided by


class Normalization(Layer):
    """`(x - mean) / sqrt(variance)` per feature (per index along `axis`), as Keras 3.

    The mean and (population) variance come from `mean=`/`variance=` or from `adapt(data)`;
    they are the layer's non-trainable weights "mean" and "variance" (and "count"), so they
    are saved and loaded with the model. The standard deviation is floored at 1e-7.

    Args:
        axis: the axis (or axes) that keep separate statistics; -1 by default (features);
            None for one mean and variance over everything.
        mean, variance: given statistics (broadcast to the kept axes); adapt not needed.
        invert: undo a normalization instead: `mean + x * sqrt(variance)`.

    Raises:
        ValueError: only one of mean and variance, or calling before adapt.
    """

    def __init__(
        self,
        axis: int | Iterable[int] | None = -1,
        mean: Any = None,
        variance: Any = None,
        invert: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ValueError(
                "Normalization: give both mean and variance, or neither (then call adapt)"
            )
        if axis is None:
            self.axis: tuple[int, ...] = ()
        elif isinstance(axis, int):
            self.axis = (axis,)
        else:
            self.axis = tuple(int(a) for a in axis)
        self.input_mean = None if mean is None else np.asarray(mean, dtype=np.float64)
        self.input_variance = None if variance is None else np.asarray(variance, np.float64)
        self.invert = bool(invert)
        self.mean: Tensor | None = None
        self.variance: Tensor | None = None
        self.count: Tensor | None = None

    def _kept_shape(self, input_shape: tuple[Any, ...]) -> tuple[int, ...]:
        """The statistics' shape: the kept axes' sizes, 1 elsewhere (batch axis dropped)."""
        ndim = len(input_shape)
        kept = {a % ndim for a in self.axis}
        if 0 in kept:
            raise ValueError("Normalization: axis cannot include the batch axis 0")
        shape = []
        for i in range(1, ndim):
            if i in kept:
                if input_shape[i] is None:
                    raise ValueError(
                        f"Normalization: axis {i} of input shape {input_shape} must be known"
                    )
                shape.append(int(input_shape[i]))
            else:
                shape.append(1)
        return tuple(shape)

    def build(self, input_shape: tuple[Any, ...]) -> None:
        shape = self._kept_shape(tuple(input_shape))
        self.mean = self.add_weight("mean", shape, "zeros", trainable=False)
        self.variance = self.add_weight("variance", shape, "ones", trainable=False)
        self.count = self.add_weight("count", (1,), "zeros", trainable=False, dtype="int64")
        if self.input_mean is not None:
            self.mean.data[...] = np.broadcast_to(self.input_mean, shape)
            self.variance.data[...] = np.broadcast_to(self.input_variance, shape)
            self.count.data[...] = 1

    def adapt(self, data: Any, batch_size: int | None = None, steps: int | None = None) -> None:
        """Compute the mean and variance of `data` (an array, or an iterable of batches such
        as a PyDataset or generator of `x` or `(x, y)`), replacing earlier statistics."""
        batches = [data] if isinstance(data, (np.ndarray, Tensor, list)) else data
        total, mean, m2 = 0, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            if isinstance(batch, tuple):
                batch = batch[0]
            x = np.asarray(batch.data if isinstance(batch, Tensor) else batch, np.float64)
            if not self.built:
                self.build((None,) + x.shape[1:])
            shape = self.mean.shape
            axes = tuple(i for i in range(x.ndim) if i == 0 or shape[i - 1] == 1)
            count = int(np.prod([x.shape[a] for a in axes]))
            b_mean = x.mean(axis=axes, keepdims=True)[0]
            b_m2 = ((x - b_mean) ** 2).sum(axis=axes, keepdims=True)[0]
            if mean is None:
                total, mean, m2 = count, b_mean, b_m2
                continue
            delta = b_mean - mean  # Chan et al.'s merge of two (count, mean, M2) summaries
            new_total = total + count
            mean = mean + delta * count / new_total
            m2 = m2 + b_m2 + delta**2 * total * count / new_total
            total = new_total
        if mean is None:
            raise ValueError("Normalization.adapt: the data holds no samples")
        self.mean.data[...] = mean
        self.variance.data[...] = m2 / total
        self.count.data[...] = total

    @property
    def adapted(self) -> bool:
        """Whether the statistics are known: given, adapted, or loaded with the weights."""
        if self.input_mean is not None:
            return True
        return self.count is not None and int(self.count.data[0]) > 0

    def call(self, inputs: Tensor) -> Tensor:
        if not self.adapted:
            raise ValueError(
                f'Normalization layer "{self.name}": call adapt(data) first, or give mean= '
                "and variance="
            )
        dtype = inputs.dtype if inputs.dtype.kind == "f" else default_float()
        mean = self.mean.data.astype(dtype)
        std = np.maximum(np.sqrt(self.variance.data), EPSILON).astype(dtype)
        if self.invert:
            return inputs * std + mean
        return (inputs - mean) * (1.0 / std).astype(dtype)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        axis: Any = list(self.axis) if self.axis else None
        config = {**super().get_config(), "axis": axis, "invert": self.invert}
        config["mean"] = None if self.input_mean is None else self.input_mean.tolist()
        config["variance"] = None if self.input_variance is None else self.input_variance.tolist()
        return config
