"""Losses: how far predictions are from targets, as a scalar tensor to backpropagate.

Each loss comes as a function with Keras' name (`categorical_crossentropy(y_true, y_pred)`,
per-sample losses) and as a class (`CategoricalCrossentropy()`, the mean over the batch,
which is what `compile(loss=...)` uses). Cross-entropies are computed from logits whenever
they are at hand, including when `y_pred` came straight from `tg.softmax` or `tg.sigmoid`:
the fused formulas never take log(0) and their gradients are exact.

>>> import numpy as np
>>> import tensorgrad as tg
>>> from tensorgrad import losses
>>> y_pred = tg.softmax(tg.tensor([[2.0, 0.0, 0.0]]))
>>> round(losses.CategoricalCrossentropy()(np.array([[1.0, 0.0, 0.0]]), y_pred).item(), 4)
0.2395
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

import tensorgrad as tg
from tensorgrad.engine.function import Function
from tensorgrad.engine.ops.nn import Sigmoid, Softmax
from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils import registry

EPSILON = 1e-7
"""Probabilities are clipped to [EPSILON, 1 - EPSILON] before a log (Keras' fuzz factor)."""


# ----- helpers -----
def _as_prediction(y_pred: Any) -> Tensor:
    return y_pred if isinstance(y_pred, Tensor) else tg.tensor(y_pred)


def _as_target(y_true: Any, like: Tensor) -> Tensor:
    """Targets as a constant tensor of the prediction's float dtype."""
    array = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if array.dtype != like.dtype:
        array = array.astype(like.dtype)
    return Tensor._make(array, False, None)


def _as_labels(y_true: Any, y_pred: Tensor, op: str) -> np.ndarray:
    """Integer class labels of shape y_pred.shape[:-1] (a trailing axis of 1 is dropped)."""
    labels = y_true.data if isinstance(y_true, Tensor) else np.asarray(y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = labels[..., 0]
    if labels.dtype.kind != "i" and labels.dtype.kind != "u":
        if labels.dtype.kind in "fb" and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise TypeError(f"{op}: labels must be integer class indices, got dtype {labels.dtype}")
    return labels


def _same_rank(y_true: Tensor, y_pred: Tensor) -> Tensor:
    """Targets (n,) against predictions (n, 1) get the trailing axis, and the reverse."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return Tensor._make(y_true.data[..., None], False, None)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return Tensor._make(y_true.data[..., 0], False, None)
    return y_true


def _logits_behind(y_pred: Tensor, op: type[Function]) -> Tensor | None:
    """The logits that `op` (Softmax or Sigmoid) turned into `y_pred`, if that is how it was made.

    `tg.softmax` and `tg.sigmoid` leave `(their op, their input)` on the output as `_logits`,
    recorded even under no_grad, so evaluation takes the same fused path as training.
    """
    source = y_pred._logits
    return source[1] if source is not None and source[0] is op else None


def _warn_if_probabilities(y_pred: Tensor, op: str) -> None:
    if y_pred._logits is not None:
        warnings.warn(
            f"{op}: from_logits=True but y_pred comes from a softmax or sigmoid, so it holds "
            f"probabilities, not logits; remove the activation or use from_logits=False",
            stacklevel=3,
        )


# ----- per-sample loss functions (Keras names) -----
def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """Per-sample -sum(y_true * log(y_pred)) over the last axis, for one-hot targets.

    Probabilities (from_logits=False) that did not come from `tg.softmax` are renormalised
    to sum to 1 and clipped to [1e-7, 1 - 1e-7] before the log, as in Keras.

    Returns:
        A tensor of shape y_pred.shape[:-1].
    """
    y_pred = _as_prediction(y_pred)
    y_true = _as_target(y_true, y_pred)
    if from_logits:
        _warn_if_probabilities(y_pred, "categorical_crossentropy")
        return tg.softmax_cross_entropy(y_pred, y_true)
    logits = _logits_behind(y_pred, Softmax)
    if logits is not None:
        return tg.softmax_cross_entropy(logits, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"categorical_crossentropy: targets of shape {y_true.shape} for predictions of shape "
            f"{y_pred.shape}; one-hot targets must match (see utils.to_categorical)"
        )
    probs = y_pred / tg.sum(y_pred, axis=-1, keepdims=True)
    probs = tg.clip(probs, EPSILON, 1 - EPSILON)  # no log(0); Keras' fuzz factor
    return -tg.sum(y_true * tg.log(probs), axis=-1)


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """Per-sample -log(y_pred[label]) for integer class labels (shape (n,) or (n, 1)).

    Returns:
        A tensor of shape y_pred.shape[:-1].
    """
    y_pred = _as_prediction(y_pred)
    labels = _as_labels(y_true, y_pred, "sparse_categorical_crossentropy")
    if from_logits:
        _warn_if_probabilities(y_pred, "sparse_categorical_crossentropy")
        return tg.sparse_softmax_cross_entropy(y_pred, labels)
    logits = _logits_behind(y_pred, Softmax)
    if logits is not None:
        return tg.sparse_softmax_cross_entropy(logits, labels)
    classes = y_pred.shape[-1]
    if labels.shape != y_pred.shape[:-1] or (
        labels.size and not 0 <= labels.min() <= labels.max() < classes
    ):
        # the fused op has the clear messages for wrong shapes and labels out of range
        return tg.sparse_softmax_cross_entropy(y_pred, labels)
    onehot = (labels[..., None] == np.arange(classes)).astype(y_pred.dtype)
    onehot = Tensor._make(onehot, False, None)
    probs = y_pred / tg.sum(y_pred, axis=-1, keepdims=True)
    probs = tg.clip(probs, EPSILON, 1 - EPSILON)
    return -tg.sum(onehot * tg.log(probs), axis=-1)


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False) -> Tensor:
    """Per-sample mean over the last axis of -(y log p + (1 - y) log(1 - p)).

    Probabilities (from_logits=False) that did not come from `tg.sigmoid` are clipped to
    [1e-7, 1 - 1e-7] before the logs, as in Keras.

    Returns:
        A tensor of shape y_pred.shape[:-1].
    """
    y_pred = _as_prediction(y_pred)
    y_true = _same_rank(_as_target(y_true, y_pred), y_pred)
    if from_logits:
        _warn_if_probabilities(y_pred, "binary_crossentropy")
        return tg.mean(tg.sigmoid_cross_entropy(y_pred, y_true), axis=-1)
    logits = _logits_behind(y_pred, Sigmoid)
    if logits is not None:
        return tg.mean(tg.sigmoid_cross_entropy(logits, y_true), axis=-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"binary_crossentropy: targets of shape {y_true.shape} for predictions of shape "
            f"{y_pred.shape}; they must match"
        )
    probs = tg.clip(y_pred, EPSILON, 1 - EPSILON)
    each = y_true * tg.log(probs) + (1 - y_true) * tg.log(1 - probs)
    return -tg.mean(each, axis=-1)


def _check_same_shape(op: str, y_true: Tensor, y_pred: Tensor) -> None:
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{op}: targets of shape {y_true.shape} for predictions of shape {y_pred.shape}; "
            f"they must match"
        )


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean over the last axis of (y_true - y_pred)**2."""
    y_pred = _as_prediction(y_pred)
    y_true = _same_rank(_as_target(y_true, y_pred), y_pred)
    _check_same_shape("mean_squared_error", y_true, y_pred)
    return tg.mean(tg.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """Per-sample mean over the last axis of |y_true - y_pred|."""
    y_pred = _as_prediction(y_pred)
    y_true = _same_rank(_as_target(y_true, y_pred), y_pred)
    _check_same_shape("mean_absolute_error", y_true, y_pred)
    return tg.mean(tg.abs(y_pred - y_true), axis=-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# ----- loss objects -----
class Loss:
    """A loss for training: `loss(y_true, y_pred)` is the mean of the per-sample losses.

    Subclasses set `fn`, the per-sample function, and may check targets before training.
    """

    fn: Callable[..., Tensor]

    def __init__(self, name: str | None = None) -> None:
        self.name = name or registry.snake_case(type(self).__name__)

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        """The per-sample losses."""
        return type(self).fn(y_true, y_pred)

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        """The mean loss over the batch (Keras' "sum_over_batch_size"), a scalar tensor.

        With `sample_weight` (one weight per sample, or per timestep) the losses are weighted
        and still divided by their count, as Keras does. A mask on `y_pred` (timesteps that
        are padding) leaves those steps out: the mean is over the real steps.
        """
        values = self.call(y_true, y_pred)
        mask = y_pred._keras_mask if isinstance(y_pred, Tensor) else None
        if sample_weight is None and mask is None:
            return tg.mean(values)
        weights = _loss_weights(values.shape, sample_weight, mask, values.dtype)
        return tg.sum(values * weights) * (1.0 / max(values.size, 1))

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        """Raise a clear error if `y_true` cannot be targets for outputs of `output_shape`.

        `output_shape` includes the batch axis, as a model's output_shape: (None, 10).
        """

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _loss_weights(
    shape: tuple[int, ...], sample_weight: Any, mask: Any, dtype: np.dtype
) -> np.ndarray:
    """Weights of the per-sample (or per-step) losses: sample weights times a mask scaled so
    that the real steps average to the loss (Keras' rule for masked losses)."""
    weights = np.ones(shape, dtype)
    if sample_weight is not None:
        sw = np.asarray(sample_weight.data if isinstance(sample_weight, Tensor) else sample_weight)
        sw = sw.astype(dtype).reshape(sw.shape + (1,) * (len(shape) - sw.ndim))
        try:
            weights = weights * sw
        except ValueError:
            raise ValueError(
                f"loss: sample_weight of shape {np.shape(sample_weight)} does not fit losses of "
                f"shape {shape}; give one weight per sample"
            ) from None
    if mask is not None:
        m = np.asarray(mask, dtype).reshape(np.shape(mask) + (1,) * (len(shape) - np.ndim(mask)))
        m = np.broadcast_to(m, shape)
        valid = m.sum()
        weights = weights * m * (m.size / valid if valid else 0.0)
    return weights


class _CrossentropyLoss(Loss):
    def __init__(self, from_logits: bool = False, name: str | None = None) -> None:
        super().__init__(name)
        self.from_logits = bool(from_logits)

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        return type(self).fn(y_true, y_pred, from_logits=self.from_logits)

    def get_config(self) -> dict[str, Any]:
        return {"name": self.name, "from_logits": self.from_logits}


_TABLE: dict[str, Any] = {}


@registry.register(_TABLE)
class CategoricalCrossentropy(_CrossentropyLoss):
    """Cross-entropy for one-hot targets (see `categorical_crossentropy`)."""

    fn = staticmethod(categorical_crossentropy)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        y_true = np.asarray(y_true)
        units = output_shape[-1]
        if y_true.ndim == len(output_shape) - 1 or (
            y_true.ndim == len(output_shape) and y_true.shape[-1] == 1 and units != 1
        ):
            raise ValueError(
                f"categorical_crossentropy expects one-hot targets of shape (n, {units}) but got "
                f"integer class labels of shape {y_true.shape}. Convert them with "
                f"tensorgrad.utils.to_categorical(y, {units}), or use "
                f"loss='sparse_categorical_crossentropy'"
            )
        _check_trailing(self.name, y_true, output_shape, "one-hot targets")


@registry.register(_TABLE)
class SparseCategoricalCrossentropy(_CrossentropyLoss):
    """Cross-entropy for integer class labels (see `sparse_categorical_crossentropy`)."""

    fn = staticmethod(sparse_categorical_crossentropy)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        y_true = np.asarray(y_true)
        units = output_shape[-1]
        if y_true.ndim == len(output_shape) and y_true.shape[-1] == units and units != 1:
            raise ValueError(
                f"sparse_categorical_crossentropy expects integer class labels of shape (n,) but "
                f"got targets of shape {y_true.shape}, which look one-hot. Use "
                f"loss='categorical_crossentropy', or labels y.argmax(axis=-1)"
            )
        labels = y_true[..., 0] if y_true.ndim == len(output_shape) else y_true
        if labels.ndim != len(output_shape) - 1 or labels.shape[1:] != tuple(output_shape[1:-1]):
            raise ValueError(
                f"sparse_categorical_crossentropy: labels of shape {y_true.shape} do not fit "
                f"outputs of shape {tuple(output_shape)}; expected shape (n,) or (n, 1)"
            )
        if labels.dtype.kind not in "iu" and not (
            labels.dtype.kind in "fb" and np.all(labels == np.round(labels))
        ):
            raise ValueError(
                f"sparse_categorical_crossentropy: labels must be integer class indices, got "
                f"dtype {labels.dtype} with non-integer values"
            )
        if labels.size and (labels.min() < 0 or labels.max() >= units):
            raise ValueError(
                f"sparse_categorical_crossentropy: labels must lie in [0, {units}) for a model "
                f"with {units} output units, got values from {labels.min()} to {labels.max()}"
            )


@registry.register(_TABLE)
class BinaryCrossentropy(_CrossentropyLoss):
    """Cross-entropy for 0/1 targets, one or more per sample (see `binary_crossentropy`)."""

    fn = staticmethod(binary_crossentropy)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        y_true = np.asarray(y_true)
        _check_trailing(self.name, y_true, output_shape, "targets")
        if y_true.size and (y_true.min() < 0 or y_true.max() > 1):
            raise ValueError(
                f"binary_crossentropy: targets must lie in [0, 1], got values from "
                f"{y_true.min()} to {y_true.max()}"
            )


@registry.register(_TABLE, "mse")
class MeanSquaredError(Loss):
    """Mean of squared differences (see `mean_squared_error`)."""

    fn = staticmethod(mean_squared_error)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        _check_trailing(self.name, np.asarray(y_true), output_shape, "targets")


@registry.register(_TABLE, "mae")
class MeanAbsoluteError(Loss):
    """Mean of absolute differences (see `mean_absolute_error`)."""

    fn = staticmethod(mean_absolute_error)

    def check_targets(self, y_true: np.ndarray, output_shape: tuple) -> None:
        _check_trailing(self.name, np.asarray(y_true), output_shape, "targets")


def _check_trailing(name: str, y_true: np.ndarray, output_shape: tuple, what: str) -> None:
    """Targets must have the per-sample shape of the outputs ((n,) also fits (None, 1))."""
    per_sample = tuple(output_shape[1:])
    if y_true.shape[1:] == per_sample or (per_sample == (1,) and y_true.ndim == 1):
        return
    raise ValueError(
        f"{name}: {what} of shape {y_true.shape} do not fit outputs of shape "
        f"{tuple(output_shape)}; expected shape (n, {', '.join(map(str, per_sample))})"
    )


class LossFunctionWrapper(Loss):
    """Turn a per-sample function `fn(y_true, y_pred)` into a Loss taking the batch mean."""

    def __init__(self, function: Callable[..., Tensor], name: str | None = None) -> None:
        super().__init__(name or getattr(function, "__name__", "loss"))
        self.function = function

    def call(self, y_true: Any, y_pred: Any) -> Tensor:
        out = self.function(y_true, y_pred)
        return out if isinstance(out, Tensor) else tg.tensor(out)


_BY_FUNCTION: dict[Callable[..., Tensor], type[Loss]] = {
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    binary_crossentropy: BinaryCrossentropy,
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
}


def get(identifier: Any) -> Loss:
    """The Loss named by `identifier`.

    Args:
        identifier: a name ("categorical_crossentropy", "mse", "CategoricalCrossentropy"),
            a config dict, a Loss, a Loss class, or a function of (y_true, y_pred) returning
            per-sample losses (wrapped so that its mean is taken).

    Raises:
        ValueError: an unknown name, listing the known ones.
        TypeError: something that is none of these.

    >>> from tensorgrad import losses
    >>> losses.get("mse")
    MeanSquaredError(name='mean_squared_error')
    >>> losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    CategoricalCrossentropy(name='categorical_crossentropy', from_logits=True)
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, (str, Mapping)):
        return registry.get("loss", identifier, _TABLE)
    if callable(identifier):
        known = _BY_FUNCTION.get(identifier)
        return known() if known is not None else LossFunctionWrapper(identifier)
    raise TypeError(
        f"losses.get: expected a loss name, a config dict, a Loss or a function, got "
        f"{type(identifier).__name__} {identifier!r}"
    )
