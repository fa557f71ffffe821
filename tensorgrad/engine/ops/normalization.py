"""Batch normalisation: normalise with the batch's statistics (training) or given ones.

`batch_norm_train` normalises over every axis but the feature axes with the batch's mean
and biased variance (Keras: E[x^2] - E[x]^2 over the batch, not the unbiased estimate),
then scales by gamma and shifts by beta; it also returns the statistics so that a layer
can update its moving averages. `batch_norm` uses fixed statistics (inference).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor


class BatchNormTrain(Function):
    def __init__(self, axes, epsilon):
        self.axes, self.epsilon = axes, epsilon

    def forward(self, x, gamma, beta):
        axes = self.axes
        mean = x.mean(axis=axes, keepdims=True)
        centered = x - mean
        var = np.square(centered).mean(axis=axes, keepdims=True)
        inv = 1.0 / np.sqrt(var + self.epsilon)
        xhat = centered
        xhat *= inv  # in place: centered is not needed any more
        out = xhat * gamma
        out += beta
        self.xhat, self.inv, self.gamma = xhat, inv, gamma
        self.mean, self.var = mean, var
        return out

    def backward(self, g):
        need_x, need_gamma, need_beta = self.needs_input_grad
        axes, xhat = self.axes, self.xhat
        gbeta = g.sum(axis=axes, keepdims=True)
        ggamma = (g * xhat).sum(axis=axes, keepdims=True)
        gx = None
        if need_x:
            count = xhat.size // gbeta.size
            # d/dx of gamma * (x - mean) / sqrt(var + eps), with mean and var of the batch.
            gx = g - gbeta / count
            gx -= xhat * (ggamma / count)
            gx *= self.gamma * self.inv
        return (
            gx,
            ggamma.reshape(self.gamma.shape) if need_gamma else None,
            gbeta.reshape(self.gamma.shape) if need_beta else None,
        )


def _feature_axes(op: str, t: Tensor, axis: Any) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(the normalised axes, the shape of the parameters broadcast against x)."""
    features = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    if any(not -t.ndim <= a < t.ndim for a in features) or t.ndim < 2:
        raise ValueError(f"{op}: axis {axis!r} is out of range for an input of shape {t.shape}")
    features = tuple(sorted(a % t.ndim for a in features))
    reduce = tuple(a for a in range(t.ndim) if a not in features)
    param_shape = tuple(t.shape[a] if a in features else 1 for a in range(t.ndim))
    return reduce, param_shape


def batch_norm_train(
    x: Any, gamma: Any, beta: Any, axis: int | Sequence[int] = -1, epsilon: float = 1e-3
) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """Batch normalisation with the batch's statistics.

    Args:
        x: input of any rank >= 2.
        gamma, beta: scale and shift, of the size of the feature axes (`axis`).
        axis: the feature axis (or axes), kept; all others are averaged over.
        epsilon: added to the variance before the square root.

    Returns:
        (output, batch mean, batch biased variance), the statistics shaped like gamma.
    """
    tx, tgamma, tb = lift((x, gamma, beta))
    reduce, param_shape = _feature_axes("batch_norm_train", tx, axis)
    tgamma, tb = (
        _shaped(t, param_shape, "batch_norm_train", n) for t, n in ((tgamma, "gamma"), (tb, "beta"))
    )
    out = BatchNormTrain.apply(tx, tgamma, tb, axes=reduce, epsilon=epsilon)
    fn = out._ctx
    if fn is None:  # no graph recorded: recompute the statistics (cheap next to the pass)
        mean = tx.data.mean(axis=reduce)
        var = np.square(tx.data - tx.data.mean(axis=reduce, keepdims=True)).mean(axis=reduce)
        return out, mean.reshape(np.shape(gamma)), var.reshape(np.shape(gamma))
    return out, fn.mean.reshape(np.shape(gamma)), fn.var.reshape(np.shape(gamma))


def _shaped(t: Tensor, shape: tuple[int, ...], op: str, name: str) -> Tensor:
    """A parameter vector reshaped to broadcast against x (features kept, other axes 1)."""
    if t.size != int(np.prod(shape)):
        raise ValueError(f"{op}: {name} of shape {t.shape} does not fit the features {shape}")
    return t if t.shape == shape else shape_ops.reshape(t, shape)


class BatchNormInference(Function):
    def __init__(self, epsilon):
        self.epsilon = epsilon

    def forward(self, x, gamma, beta, mean, var):
        self.inv = 1.0 / np.sqrt(var + self.epsilon)
        self.gamma, self.mean = gamma, mean
        self.x = x
        out = x - mean
        out *= self.inv * gamma
        out += beta
        return out

    def backward(self, g):
        need = self.needs_input_grad
        scale = self.gamma * self.inv
        reduce = tuple(a for a in range(g.ndim) if self.gamma.shape[a] == 1)
        gx = g * scale if need[0] else None
        ggamma = gbeta = None
        if need[1]:
            ggamma = (g * (self.x - self.mean) * self.inv).sum(axis=reduce, keepdims=True)
        if need[2]:
            gbeta = g.sum(axis=reduce, keepdims=True)
        return gx, ggamma, gbeta, None, None


def batch_norm(
    x: Any,
    gamma: Any,
    beta: Any,
    mean: Any,
    variance: Any,
    axis: int | Sequence[int] = -1,
    epsilon: float = 1e-3,
) -> Tensor:
    """gamma * (x - mean) / sqrt(variance + epsilon) + beta with given (moving) statistics."""
    inputs = lift((x, gamma, beta, mean, variance))
    _, param_shape = _feature_axes("batch_norm", inputs[0], axis)
    names = ("gamma", "beta", "mean", "variance")
    rest = [_shaped(t, param_shape, "batch_norm", n) for t, n in zip(inputs[1:], names)]
    return BatchNormInference.apply(inputs[0], *rest, epsilon=epsilon)
