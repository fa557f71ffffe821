"""Neural-network operations: activations, stable softmax family, fused cross-entropies.

Softmax, log-softmax and logsumexp subtract the maximum before exponentiating, so logits
of any magnitude give finite results. The fused cross-entropies compute the loss from
logits and have the short backward `softmax(z) - y`, never forming log(0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine import kernels
from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.tensor import Tensor


class ReLU(Function):
    def forward(self, a):
        self.out = kernels.relu(a)
        return self.out

    def backward(self, g):
        return (g * (self.out > 0),)  # gradient 0 at 0, as in PyTorch


def relu(x: Any) -> Tensor:
    """max(x, 0), element-wise.

    >>> import tensorgrad as tg
    >>> tg.relu(tg.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    return ReLU.apply(x)


class Sigmoid(Function):
    def forward(self, a):
        # exp of a non-positive number only: no overflow for large |a|.
        e = np.exp(-np.abs(a))
        self.out = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        return self.out

    def backward(self, g):
        return (g * self.out * (1 - self.out),)


def sigmoid(x: Any) -> Tensor:
    """1 / (1 + exp(-x)), computed without overflow."""
    t = lift((x,))[0]
    out = Sigmoid.apply(t)
    out._logits = (Sigmoid, t)
    return out


class Tanh(Function):
    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def backward(self, g):
        return (g * (1 - self.out * self.out),)


def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent."""
    return Tanh.apply(x)


def _shifted(a: np.ndarray, axis: Any) -> np.ndarray:
    """`a` minus its maximum along `axis`, the log-sum-exp shift. A difference beyond the float
    range (logits of -3e38 and 3e38 in float32) is -inf, whose exp is the right 0."""
    with np.errstate(over="ignore"):
        return a - a.max(axis=axis, keepdims=True)


def _check_axis(op: str, t: Tensor, axis: int) -> None:
    if not -t.ndim <= axis < max(t.ndim, 1):
        raise ValueError(f"{op}: axis {axis} is out of range for a tensor of shape {t.shape}")


class Softmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, a):
        e = np.exp(_shifted(a, self.axis))
        e /= e.sum(axis=self.axis, keepdims=True)
        self.out = e
        return e

    def backward(self, g):
        s = self.out
        return (s * (g - (g * s).sum(axis=self.axis, keepdims=True)),)


def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`, stable for logits of any size.

    >>> import tensorgrad as tg
    >>> tg.softmax(tg.tensor([1e4, 0.0])).numpy()
    array([1., 0.], dtype=float32)
    """
    t = lift((x,))[0]
    _check_axis("softmax", t, axis)
    out = Softmax.apply(t, axis=axis)
    out._logits = (Softmax, t) if axis in (-1, t.ndim - 1) else None
    return out


class LogSoftmax(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, a):
        shifted = _shifted(a, self.axis)
        out = shifted - np.log(np.exp(shifted).sum(axis=self.axis, keepdims=True))
        self.out = out
        return out

    def backward(self, g):
        return (g - np.exp(self.out) * g.sum(axis=self.axis, keepdims=True),)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`, computed as x - logsumexp(x) (no log of 0)."""
    t = lift((x,))[0]
    _check_axis("log_softmax", t, axis)
    return LogSoftmax.apply(t, axis=axis)


class LogSumExp(Function):
    def __init__(self, axis, keepdims):
        self.axis, self.keepdims = axis, keepdims

    def forward(self, a):
        m = a.max(axis=self.axis, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf along the axis: log(0) = -inf, no NaN
        with np.errstate(divide="ignore", over="ignore"):  # log(0), a - m of -inf: both right
            out = np.log(np.exp(a - m).sum(axis=self.axis, keepdims=True)) + m
        self.a, self.out_kept = a, out
        return out if self.keepdims else _drop_axes(out, self.axis)

    def backward(self, g):
        if not self.keepdims:
            g = _keep_axes(g, self.a.ndim, self.axis)
        return (g * np.exp(self.a - self.out_kept),)


def logsumexp(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(a))) over `axis` (all axes when None), without overflow."""
    t = lift((a,))[0]
    for ax in () if axis is None else (axis,) if isinstance(axis, (int, np.integer)) else axis:
        _check_axis("logsumexp", t, ax)
    return LogSumExp.apply(t, axis=axis, keepdims=keepdims)


def _drop_axes(x: np.ndarray, axis: Any) -> np.ndarray:
    return x.reshape(()) if axis is None else np.squeeze(x, axis=axis)


def _keep_axes(g: np.ndarray, ndim: int, axis: Any) -> np.ndarray:
    if axis is None:
        return g.reshape((1,) * ndim)
    axes = (axis,) if isinstance(axis, int) else axis
    return np.expand_dims(g, tuple(a % ndim for a in axes))


class SoftmaxCrossEntropy(Function):
    def forward(self, logits, targets):
        shifted = _shifted(logits, -1)
        e = np.exp(shifted)
        total = e.sum(axis=-1, keepdims=True)
        log_probs = shifted - np.log(total)
        self.exp, self.total, self.log_probs, self.targets = e, total, log_probs, targets
        if not np.isfinite(shifted.min(initial=0)):
            # a logit so far below the largest that the shift overflowed: its probability is
            # 0, and a target of 0 there adds 0 (the limit of y log p), not 0 * -inf = NaN
            log_probs = np.where(targets == 0, 0, log_probs)
        return -(targets * log_probs).sum(axis=-1)

    def backward(self, g):
        g = g[..., None]
        need_logits, need_targets = self.needs_input_grad
        y = self.targets
        glogits = None
        if need_logits:
            # d/dz of -sum(y * log_softmax(z)) is softmax(z) * sum(y) - y: p - y for one-hot y.
            glogits = self.exp / self.total  # softmax, formed only when a gradient is asked for
            glogits *= y.sum(axis=-1, keepdims=True)
            glogits -= y
            glogits *= g
        return glogits, (-self.log_probs * g if need_targets else None)


def softmax_cross_entropy(logits: Any, targets: Any) -> Tensor:
    """Per-sample -sum(targets * log_softmax(logits)) over the last axis, fused and stable.

    Args:
        logits: unnormalised scores, shape (..., classes).
        targets: probabilities (one-hot labels), the same shape.

    Returns:
        The loss of each sample, shape (...).
    """
    tl, tt = _float_targets(lift((logits, targets)))
    if tl.shape != tt.shape:
        raise ValueError(
            f"softmax_cross_entropy: logits have shape {tl.shape} but targets have shape "
            f"{tt.shape}; they must match (one-hot targets: see utils.to_categorical)"
        )
    return SoftmaxCrossEntropy.apply(tl, tt)


def _float_targets(pair: tuple[Tensor, Tensor]) -> tuple[Tensor, Tensor]:
    """Integer or boolean targets (one-hot, 0/1) take the logits' dtype: the loss stays float32."""
    tl, tt = pair
    if tt.dtype.kind != "f" and tl.dtype.kind == "f":
        tt = Tensor._make(tt.data.astype(tl.dtype), False, None)
    return tl, tt


class SparseSoftmaxCrossEntropy(Function):
    def forward(self, logits, labels):
        shifted = _shifted(logits, -1)
        e = np.exp(shifted)
        total = e.sum(axis=-1, keepdims=True)
        self.probs, self.labels = e / total, labels
        picked = np.take_along_axis(shifted, labels[..., None], axis=-1)[..., 0]
        return np.log(total[..., 0]) - picked

    def backward(self, g):
        grad = self.probs.copy()
        np.put_along_axis(
            grad,
            self.labels[..., None],
            np.take_along_axis(grad, self.labels[..., None], axis=-1) - 1,
            axis=-1,
        )
        grad *= g[..., None]
        return grad, None


def sparse_softmax_cross_entropy(logits: Any, labels: Any) -> Tensor:
    """Per-sample -log_softmax(logits)[label], for integer class labels, fused and stable."""
    tl = lift((logits,))[0]
    labels = labels.data if isinstance(labels, Tensor) else np.asarray(labels)
    if labels.dtype.kind not in "iu":
        if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
            labels = labels.astype(np.int64)
        else:
            raise TypeError(
                f"sparse_softmax_cross_entropy: labels must be integer class indices, got "
                f"dtype {labels.dtype}"
            )
    if labels.shape != tl.shape[:-1]:
        raise ValueError(
            f"sparse_softmax_cross_entropy: logits of shape {tl.shape} need labels of shape "
            f"{tl.shape[:-1]}, got {labels.shape}"
        )
    classes = tl.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(
            f"sparse_softmax_cross_entropy: labels must lie in [0, {classes}), got values from "
            f"{labels.min()} to {labels.max()}"
        )
    return SparseSoftmaxCrossEntropy.apply(tl, Tensor._make(labels, False, None))


class SigmoidCrossEntropy(Function):
    def forward(self, logits, targets):
        self.logits, self.targets = logits, targets
        # max(z, 0) - z*y + log(1 + exp(-|z|)): the stable form of binary cross-entropy.
        return np.maximum(logits, 0) - logits * targets + np.log1p(np.exp(-np.abs(logits)))

    def backward(self, g):
        z, y = self.logits, self.targets
        need_logits, need_targets = self.needs_input_grad
        glogits = None
        if need_logits:
            e = np.exp(-np.abs(z))
            p = np.where(z >= 0, 1 / (1 + e), e / (1 + e))
            glogits = g * (p - y)
        return glogits, (-g * z if need_targets else None)


def sigmoid_cross_entropy(logits: Any, targets: Any) -> Tensor:
    """Element-wise binary cross-entropy of sigmoid(logits) against targets, fused and stable."""
    tl, tt = _float_targets(lift((logits, targets)))
    if tl.shape != tt.shape:
        raise ValueError(
            f"sigmoid_cross_entropy: logits have shape {tl.shape} but targets have shape {tt.shape}"
        )
    return SigmoidCrossEntropy.apply(tl, tt)


class LeakyReLU(Function):
    def __init__(self, negative_slope):
        self.negative_slope = negative_slope

    def forward(self, a):
        self.positive = a > 0
        return np.where(self.positive, a, a * self.negative_slope)

    def backward(self, g):
        return (np.where(self.positive, g, g * self.negative_slope),)  # slope at 0, as PyTorch


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """x where x > 0, negative_slope * x elsewhere (Keras' function default is 0.2).

    >>> import tensorgrad as tg
    >>> tg.leaky_relu(tg.tensor([-10.0, 0.0, 3.0]), 0.3)
    tensor([-3.,  0.,  3.])
    """
    return LeakyReLU.apply(x, negative_slope=float(negative_slope))
