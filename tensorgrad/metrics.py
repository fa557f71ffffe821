"""Metrics: running averages of how well predictions match targets, reported during training.

A metric object is updated batch by batch with NumPy arrays (no graph is built) and keeps a
total and a count, so `result()` is the average over every sample seen since
`reset_state()`, whatever the batch sizes. Per-sample functions with Keras' names
(`categorical_accuracy(y_true, y_pred)`) give the same values one sample at a time.

>>> import numpy as np
>>> from tensorgrad import metrics
>>> m = metrics.CategoricalAccuracy()
>>> m.update_state(np.array([[0, 1], [1, 0]]), np.array([[0.2, 0.8], [0.3, 0.7]]))
>>> m.update_state(np.array([[1, 0]]), np.array([[0.9, 0.1]]))
>>> m.result()
0.6666666666666666
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tensorgrad import losses as losses_module
from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils import registry


def _array(x: Any) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def _align(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Targets (n,) against predictions (n, 1) get the trailing axis, and the reverse."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return y_true[..., None]
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return y_true[..., 0]
    return y_true


def _per_sample(values: np.ndarray) -> np.ndarray:
    """Average element-wise values over the last axis (each sample's entries)."""
    return values.mean(axis=-1) if values.ndim > 1 else values


# ----- per-sample functions (Keras names); each returns a float32 array -----
def _categorical_matches(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    return y_true.argmax(axis=-1) == y_pred.argmax(axis=-1)


def _sparse_matches(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    if y_true.ndim == y_pred.ndim:
        y_true = y_true[..., 0]  # labels of shape (n, 1)
    return y_true == y_pred.argmax(axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1.0 where the largest prediction is at the one-hot target's class, else 0.0."""
    return _categorical_matches(_array(y_true), _array(y_pred)).astype(np.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """1.0 where the largest prediction is at the integer label, else 0.0."""
    return _sparse_matches(_array(y_true), _array(y_pred)).astype(np.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> np.ndarray:
    """Per sample, the fraction of outputs on the target's side of `threshold`."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    matches = _align(y_true, y_pred) == (y_pred > threshold)
    return _per_sample(matches.astype(np.float32))


def accuracy(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per sample, the fraction of predictions exactly equal to their targets."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    return _per_sample((_align(y_true, y_pred) == y_pred).astype(np.float32))


def mean_squared_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean over the last axis of (y_true - y_pred)**2."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    return _per_sample(np.square(y_pred - _align(y_true, y_pred)))


def mean_absolute_error(y_true: Any, y_pred: Any) -> np.ndarray:
    """Per-sample mean over the last axis of |y_true - y_pred|."""
    y_true, y_pred = _array(y_true), _array(y_pred)
    return _per_sample(np.abs(y_pred - _align(y_true, y_pred)))


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# ----- metric objects -----
class Metric:
    """A running, sample-weighted average: `update_state` per batch, `result` at any time."""

    def __init__(self, name: str | None = None) -> None:
        self.name = name or registry.snake_case(type(self).__name__)
        self.reset_state()

    def reset_state(self) -> None:
        """Forget everything seen so far."""
        self.total = 0.0
        self.count = 0.0

    def result(self) -> float:
        """The average so far (0.0 before any update)."""
        return self.total / self.count if self.count else 0.0

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


_TABLE: dict[str, Any] = {}


@registry.register(_TABLE)
class Mean(Metric):
    """The weighted mean of the values given, such as the loss of each batch.

    >>> m = Mean(name="loss")
    >>> m.update_state(0.5, weight=128)  # a batch of 128 with mean loss 0.5
    >>> m.update_state(2.0, weight=32)
    >>> m.result()
    0.8
    """

    def update_state(self, values: Any, weight: Any = None, sample_weight: Any = None) -> None:
        """Add `values` (a number or array); `weight` says how many samples each stands for.

        `sample_weight` is Keras' name for `weight`.

        Raises:
            ValueError: weights that do not broadcast to the values.
        """
        if sample_weight is not None:
            weight = sample_weight
        if isinstance(values, float) and isinstance(weight, (int, float)):
            self.total += values * weight  # one batch's mean: the common case, each step of fit
            self.count += weight
            return
        values = _array(values)
        if weight is None:
            self.total += float(values.sum())
            self.count += values.size
            return
        weight = _array(weight)
        try:
            weight = np.broadcast_to(weight, values.shape)
        except ValueError:
            raise ValueError(
                f"{self.name}: weights of shape {weight.shape} do not broadcast to values of "
                f"shape {values.shape}"
            ) from None
        self.total += float((values * weight).sum())
        self.count += float(weight.sum())


class _SampleMetric(Metric):
    """Average of a per-sample value; subclasses give `matches` (bool) or `values` per element.

    Element-wise results are averaged over the last axis first, so each sample counts once.
    """

    def elementwise(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add a batch: targets and predictions as arrays; optional weight per sample."""
        y_true, y_pred = _array(y_true), _array(y_pred)
        values = self.elementwise(y_true, y_pred)
        if sample_weight is None:
            per = values.shape[-1] if values.ndim > 1 else 1
            total = np.count_nonzero(values) if values.dtype == bool else values.sum()
            self.total += float(total) / per
            self.count += values.size / per
            return
        values = values.astype(np.float64)
        weight = _array(sample_weight).astype(np.float64)
        while values.ndim > max(weight.ndim, 1):  # each sample (or timestep) counts once
            values = _per_sample(values)
        weight = weight.reshape(weight.shape + (1,) * (values.ndim - weight.ndim))
        try:
            weight = np.broadcast_to(weight, values.shape)
        except ValueError:
            raise ValueError(
                f"{self.name}: sample_weight of shape {np.shape(sample_weight)} does not fit "
                f"values of shape {values.shape}; give one weight per sample"
            ) from None
        self.total += float((values * weight).sum())
        self.count += float(weight.sum())

    def __call__(self, y_true: Any, y_pred: Any) -> float:
        """Update with one batch and return the result so far (as Keras metrics do)."""
        self.update_state(y_true, y_pred)
        return self.result()


class MeanMetricWrapper(_SampleMetric):
    """A metric from a plain function `fn(y_true, y_pred)` of per-sample (or per-element)
    values, averaged over the samples seen, as Keras wraps functions passed to compile.

    >>> import numpy as np
    >>> m = MeanMetricWrapper(lambda t, p: np.abs(t - p), name="l1")
    >>> m(np.array([[0.0], [1.0]]), np.array([[0.5], [1.0]]))
    0.25
    """

    def __init__(self, fn: Any, name: str | None = None) -> None:
        super().__init__(name=name or getattr(fn, "__name__", "metric"))
        self.fn = fn

    def elementwise(self, y_true, y_pred):
        values = self.fn(y_true, y_pred)
        return np.asarray(values.data if hasattr(values, "data") else values)


@registry.register(_TABLE)
class CategoricalAccuracy(_SampleMetric):
    """How often the largest prediction is at the one-hot target's class."""

    def elementwise(self, y_true, y_pred):
        return _categorical_matches(y_true, y_pred)


@registry.register(_TABLE)
class SparseCategoricalAccuracy(_SampleMetric):
    """How often the largest prediction is at the integer label (labels (n,) or (n, 1))."""

    def elementwise(self, y_true, y_pred):
        return _sparse_matches(y_true, y_pred)


@registry.register(_TABLE)
class BinaryAccuracy(_SampleMetric):
    """How often predictions fall on the target's side of `threshold` (0/1 targets)."""

    def __init__(self, name: str | None = None, threshold: float = 0.5) -> None:
        super().__init__(name)
        self.threshold = float(threshold)

    def elementwise(self, y_true, y_pred):
        return _align(y_true, y_pred) == (y_pred > self.threshold)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "threshold": self.threshold}


@registry.register(_TABLE)
class Accuracy(_SampleMetric):
    """How often predictions equal their targets exactly (for already-decided classes)."""

    def elementwise(self, y_true, y_pred):
        return _align(y_true, y_pred) == y_pred


@registry.register(_TABLE, "mse")
class MeanSquaredError(_SampleMetric):
    """Mean squared error, averaged over samples."""

    def elementwise(self, y_true, y_pred):
        return np.square(y_pred - _align(y_true, y_pred))


@registry.register(_TABLE, "mae")
class MeanAbsoluteError(_SampleMetric):
    """Mean absolute error, averaged over samples."""

    def elementwise(self, y_true, y_pred):
        return np.abs(y_pred - _align(y_true, y_pred))


def _as_loss(loss: Any) -> Any:
    """The Loss behind a loss given as an object, class, name, dict or function (or None)."""
    if loss is None:
        return None
    try:
        return losses_module.get(loss)
    except (ValueError, TypeError):
        return None


def _accuracy_for(loss: Any, output_shape: tuple | None, y_true: Any) -> type[_SampleMetric]:
    """Keras' rule for "accuracy": binary, sparse or categorical, from the loss and shapes."""
    loss = _as_loss(loss)
    units = None if output_shape is None else output_shape[-1]
    if isinstance(loss, losses_module.BinaryCrossentropy) or units == 1:
        return BinaryAccuracy
    if isinstance(loss, losses_module.SparseCategoricalCrossentropy):
        return SparseCategoricalAccuracy
    if output_shape is not None and y_true is not None:
        shape = np.shape(y_true)
        if len(shape) < len(output_shape) or (shape[-1:] == (1,) and units != 1):
            return SparseCategoricalAccuracy
    return CategoricalAccuracy


def get(
    identifier: Any,
    loss: Any = None,
    output_shape: tuple | None = None,
    y_true: Any = None,
) -> Metric:
    """The metric named by `identifier`; "accuracy" and "acc" are resolved as Keras does.

    "accuracy" becomes binary accuracy when the loss is binary_crossentropy or the output
    has one unit; sparse categorical accuracy when the loss is sparse_categorical_crossentropy
    or the labels have one axis fewer than the outputs (or are (n, 1) against several units);
    categorical accuracy otherwise. A metric made from a string is named by that string.

    Args:
        identifier: a name, a config dict, a Metric (returned as is), or a function
            `fn(y_true, y_pred)` of per-sample values (wrapped in a MeanMetricWrapper).
        loss: the model's loss (a Loss, a name or a function), if known.
        output_shape: the model's output shape with the batch axis, e.g. (None, 10).
        y_true: the targets (or anything with their shape), if known.

    Raises:
        ValueError: an unknown name, listing the known ones.
        TypeError: something that is none of these.

    >>> from tensorgrad import metrics
    >>> m = metrics.get("acc", loss="categorical_crossentropy", output_shape=(None, 10))
    >>> type(m).__name__, m.name
    ('CategoricalAccuracy', 'acc')
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            return _accuracy_for(loss, output_shape, y_true)(name=identifier)
        return registry.get("metric", identifier, _TABLE, instantiate=False)(name=identifier)
    if isinstance(identifier, Mapping):
        return registry.get("metric", identifier, _TABLE)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(
        f"metrics.get: expected a metric name, a config dict, a Metric or a function, got "
        f"{type(identifier).__name__} {identifier!r}"
    )
