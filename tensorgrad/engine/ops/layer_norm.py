"""Layer normalisation: normalise each sample over its feature axes, one fused op.

`layer_norm(x, gamma, beta, axes, epsilon)` computes, as Keras' `ops.layer_normalization`,
`(x - mean) / sqrt(var + epsilon) * gamma + beta` with the mean and the biased variance of
each sample over `axes`. Forward and backward are one Function each way: the backward is
the closed form `inv * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))`, with no graph
of small ops behind it.

>>> import numpy as np, tensorgrad as tg
>>> out = layer_norm(tg.tensor([[1.0, 3.0]], dtype="float64"), None, None, (-1,), 0.0)
>>> out.numpy()
array([[-1.,  1.]])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.tensor import Tensor

__all__ = ["layer_norm"]


class LayerNorm(Function):
    def __init__(self, axes, keep, epsilon, has_gamma, has_beta):
        self.axes, self.keep, self.epsilon = axes, keep, epsilon
        self.has_gamma, self.has_beta = has_gamma, has_beta

    def forward(self, x, *params):
        gamma = params[0] if self.has_gamma else None
        beta = params[-1] if self.has_beta else None
        mean = x.mean(axis=self.axes, keepdims=True)
        xhat = x - mean
        var = np.square(xhat).mean(axis=self.axes, keepdims=True)
        var += self.epsilon
        inv = 1.0 / np.sqrt(var, out=var)
        xhat *= inv
        out = xhat if gamma is None else xhat * gamma
        if beta is not None:
            out = out + beta if out is xhat else np.add(out, beta, out=out)
        if self.needs_input_grad:
            self.xhat, self.inv, self.gamma = xhat, inv, gamma
        return out

    def backward(self, g):
        need = self.needs_input_grad
        xhat, keep, gamma = self.xhat, self.keep, self.gamma
        gxhat = g * xhat if need[0] or (self.has_gamma and need[1]) else None
        grads: list[Any] = [None]
        if need[0]:
            # dxhat = g * gamma; gx = inv * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
            if gamma is None:
                m1 = g.mean(axis=self.axes, keepdims=True)
                m2 = gxhat.mean(axis=self.axes, keepdims=True)
                gx = g - m1
            elif self.axes == (g.ndim - 1,):  # the usual case: matrix-vector products
                n = g.shape[-1]
                row = gamma.reshape(-1)
                m1 = (g @ row)[..., None] / n
                m2 = (gxhat @ row)[..., None] / n
                gx = g * gamma
                gx -= m1
            else:
                gx = g * gamma
                m1 = gx.mean(axis=self.axes, keepdims=True)
                m2 = (gxhat * gamma).mean(axis=self.axes, keepdims=True)
                gx -= m1
            gx -= xhat * m2
            gx *= self.inv
            grads[0] = gx
        if self.has_gamma:
            grads.append(gxhat.sum(axis=keep, keepdims=True) if need[1] else None)
        if self.has_beta:
            grads.append(g.sum(axis=keep, keepdims=True) if need[-1] else None)
        return tuple(grads)


def layer_norm(
    x: Any,
    gamma: Any,
    beta: Any,
    axes: Sequence[int] = (-1,),
    epsilon: float = 1e-3,
) -> Tensor:
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, statistics per sample over `axes`.

    Args:
        x: input of any rank >= 1.
        gamma, beta: scale and shift shaped like x's sizes on `axes` (or None for none).
        axes: the normalised axes (each sample's features).
        epsilon: added to the variance before the square root.

    Raises:
        ValueError: an axis out of range, or gamma/beta of a shape that does not fit.
    """
    tx = lift((x,))[0]
    ndim = tx.ndim
    if not axes or any(not -ndim <= a < ndim for a in axes):
        raise ValueError(f"layer_norm: axes {tuple(axes)} are out of range for shape {tx.shape}")
    norm = tuple(sorted({a % ndim for a in axes}))
    keep = tuple(a for a in range(ndim) if a not in norm)
    param_shape = tuple(tx.shape[a] if a in norm else 1 for a in range(ndim))
    params = []
    for name, p in (("gamma", gamma), ("beta", beta)):
        if p is None:
            continue
        tp = lift((p, tx))[0]
        if tp.size != int(np.prod(param_shape)):
            raise ValueError(
                f"layer_norm: {name} of shape {tp.shape} does not fit the normalised axes "
                f"{norm} of an input of shape {tx.shape}"
            )
        if tp.shape != param_shape:
            from tensorgrad.engine.ops import shape as shape_ops

            tp = shape_ops.reshape(tp, param_shape)
        params.append(tp)
    return LayerNorm.apply(
        tx,
        *params,
        axes=norm,
        keep=keep,
        epsilon=float(epsilon),
        has_gamma=gamma is not None,
        has_beta=beta is not None,
    )
