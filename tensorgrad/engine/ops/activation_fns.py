"""More activations as fused ops, with Keras 3's formulas: a general relu, elu, selu,
gelu (exact and tanh), softplus, softsign, silu, hard_sigmoid and exponential.

Each is one Function: the forward saves what its derivative needs, and the backward is
that derivative in closed form. Their values at the kinks follow PyTorch's (relu' (0) = 0).

>>> import tensorgrad as tg
>>> relu_general(tg.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), max_value=5.0).numpy()
array([0., 0., 0., 5., 5.], dtype=float32)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function
from tensorgrad.engine.tensor import Tensor

__all__ = [
    "elu",
    "exponential",
    "gelu",
    "hard_sigmoid",
    "relu_general",
    "selu",
    "silu",
    "softplus",
    "softsign",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946

try:  # exact erf, vectorised, when SciPy is there; the standard library's otherwise
    from scipy.special import erf as _erf
except ImportError:  # pragma: no cover - SciPy is optional
    _erf_one = np.frompyfunc(math.erf, 1, 1)

    def _erf(x: np.ndarray) -> np.ndarray:
        return _erf_one(x).astype(x.dtype)


class ReLUGeneral(Function):
    def __init__(self, negative_slope, max_value, threshold):
        self.slope, self.max_value, self.threshold = negative_slope, max_value, threshold

    def forward(self, a):
        above = a > self.threshold
        out = np.where(above, a, 0).astype(a.dtype, copy=False)
        if self.max_value is not None:
            np.clip(out, 0, self.max_value, out=out)
        if self.slope:
            out -= self.slope * np.maximum(self.threshold - a, 0)
        if self.needs_input_grad:
            self.a, self.above = a, above
        return out

    def backward(self, g):
        a, above = self.a, self.above
        slope = np.where(a < self.threshold, self.slope, 0.0) if self.slope else 0.0
        inside = above if self.max_value is None else above & (a <= self.max_value)
        return (g * np.where(inside, 1.0, slope).astype(g.dtype, copy=False),)


def relu_general(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Tensor:
    """Keras' relu: x above `threshold` (capped at `max_value`), else
    negative_slope * (x - threshold)."""
    return ReLUGeneral.apply(
        x,
        negative_slope=float(negative_slope),
        max_value=None if max_value is None else float(max_value),
        threshold=float(threshold),
    )


class ELU(Function):
    def __init__(self, alpha, scale):
        self.alpha, self.scale = alpha, scale

    def forward(self, a):
        positive = a > 0
        negative = self.alpha * np.expm1(np.minimum(a, 0))
        out = np.where(positive, a, negative)
        if self.scale != 1.0:
            out *= self.scale
        if self.needs_input_grad:
            self.positive, self.negative = positive, negative
        return out.astype(a.dtype, copy=False)

    def backward(self, g):
        slope = np.where(self.positive, 1.0, self.negative + self.alpha)
        return (g * (slope * self.scale).astype(g.dtype, copy=False),)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return ELU.apply(x, alpha=float(alpha), scale=1.0)


def selu(x: Any) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants of Klambauer et al."""
    return ELU.apply(x, alpha=SELU_ALPHA, scale=SELU_SCALE)


class GELU(Function):
    def __init__(self, approximate):
        self.approximate = approximate

    def forward(self, a):
        if self.approximate:
            k = math.sqrt(2 / math.pi)
            inner = k * (a + 0.044715 * a**3)
            t = np.tanh(inner)
            out = 0.5 * a * (1 + t)
            if self.needs_input_grad:
                self.a, self.t = a, t
            return out
        cdf = 0.5 * (1 + _erf(a / math.sqrt(2)))
        if self.needs_input_grad:
            self.a, self.cdf = a, cdf
        return a * cdf

    def backward(self, g):
        a = self.a
        if self.approximate:
            k = math.sqrt(2 / math.pi)
            t = self.t
            d = 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * k * (1 + 3 * 0.044715 * a * a)
        else:
            d = self.cdf + a * np.exp(-0.5 * a * a) / math.sqrt(2 * math.pi)
        return (g * d.astype(g.dtype, copy=False),)


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """x * P(X <= x) for a standard normal X; `approximate` uses the tanh formula."""
    return GELU.apply(x, approximate=bool(approximate))


class Softplus(Function):
    def forward(self, a):
        if self.needs_input_grad:
            self.a = a
        return np.logaddexp(a, 0).astype(a.dtype, copy=False)  # log(1 + exp(a)), no overflow

    def backward(self, g):
        a = self.a
        e = np.exp(-np.abs(a))
        sig = np.where(a >= 0, 1 / (1 + e), e / (1 + e))
        return (g * sig.astype(g.dtype, copy=False),)


def softplus(x: Any) -> Tensor:
    """log(exp(x) + 1), computed without overflow."""
    return Softplus.apply(x)


class Softsign(Function):
    def forward(self, a):
        denom = 1 + np.abs(a)
        if self.needs_input_grad:
            self.denom = denom
        return a / denom

    def backward(self, g):
        return (g / (self.denom * self.denom),)


def softsign(x: Any) -> Tensor:
    """x / (abs(x) + 1)."""
    return Softsign.apply(x)


class SiLU(Function):
    def forward(self, a):
        e = np.exp(-np.abs(a))
        sig = np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)
        if self.needs_input_grad:
            self.a, self.sig = a, sig
        return a * sig

    def backward(self, g):
        sig = self.sig
        return (g * (sig * (1 + self.a * (1 - sig))),)


def silu(x: Any) -> Tensor:
    """x * sigmoid(x) (also called swish)."""
    return SiLU.apply(x)


class HardSigmoid(Function):
    def forward(self, a):
        if self.needs_input_grad:
            self.a = a
        return np.clip(a / 6 + 0.5, 0, 1).astype(a.dtype, copy=False)

    def backward(self, g):
        inside = (self.a > -3) & (self.a < 3)
        return (g * (inside / 6).astype(g.dtype, copy=False),)


def hard_sigmoid(x: Any) -> Tensor:
    """Keras 3's piecewise-linear sigmoid: 0 below -3, 1 above 3, x / 6 + 0.5 between."""
    return HardSigmoid.apply(x)


class Exponential(Function):
    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return (g * self.out,)


def exponential(x: Any) -> Tensor:
    """exp(x)."""
    return Exponential.apply(x)
