"""Element-wise operations: arithmetic, exp/log, maximum/minimum, clip, where, comparisons.

Binary ops broadcast by NumPy's rules; their backward returns broadcast-shaped gradients
and the engine sums them back to each input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.tensor import Tensor


def _check_broadcast(op: str, a: Tensor, b: Tensor) -> None:
    """Raise a clear error before computing when two shapes cannot broadcast."""
    shape_a, shape_b = a.data.shape, b.data.shape
    if shape_a == shape_b:
        return
    # NumPy's rule, in plain Python (np.broadcast_shapes costs microseconds per call).
    for m, n in zip(reversed(shape_a), reversed(shape_b)):
        if m != n and m != 1 and n != 1:
            raise ValueError(
                f"{op}: shapes {shape_a} and {shape_b} cannot be broadcast together: trailing "
                f"axes must be equal or 1 (NumPy's rule); reshape or expand_dims one of them"
            )


def _binary(fn: type[Function], op: str, a: Any, b: Any) -> Tensor:
    ta, tb = lift((a, b))
    _check_broadcast(op, ta, tb)
    return fn.apply(ta, tb)


class Add(Function):
    def forward(self, a, b):
        return a + b

    def backward(self, g):
        return g, g


def add(a: Any, b: Any) -> Tensor:
    """a + b, broadcasting."""
    return _binary(Add, "add", a, b)


class Subtract(Function):
    def forward(self, a, b):
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


def subtract(a: Any, b: Any) -> Tensor:
    """a - b, broadcasting."""
    return _binary(Subtract, "subtract", a, b)


class Multiply(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        return (g * self.b if need_a else None), (g * self.a if need_b else None)


def multiply(a: Any, b: Any) -> Tensor:
    """a * b, broadcasting."""
    return _binary(Multiply, "multiply", a, b)


class Divide(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        ga = g / self.b if need_a else None
        gb = -g * self.a / (self.b * self.b) if need_b else None
        return ga, gb


def divide(a: Any, b: Any) -> Tensor:
    """a / b, broadcasting."""
    return _binary(Divide, "divide", a, b)


class Power(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        a, b = self.a, self.b
        ga = g * b * a ** (b - 1) if need_a else None
        gb = None
        if need_b:
            # d(a**b)/db = a**b * log(a); taken as 0 where a <= 0, as PyTorch does at a == 0.
            safe = a > 0
            gb = g * np.where(safe, self.out * np.log(np.where(safe, a, 1)), 0)
        return ga, gb


def power(a: Any, b: Any) -> Tensor:
    """a ** b, broadcasting."""
    return _binary(Power, "power", a, b)


class Negative(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return (-g,)


def negative(a: Any) -> Tensor:
    """-a."""
    return Negative.apply(a)


class Exp(Function):
    def forward(self, a):
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        return (g * self.out,)


def exp(a: Any) -> Tensor:
    """e ** a."""
    return Exp.apply(a)


class Sin(Function):
    def forward(self, a):
        self.a = a
        return np.sin(a)

    def backward(self, g):
        return (g * np.cos(self.a),)


def sin(a: Any) -> Tensor:
    """Sine (radians): positional encodings and periodic features."""
    return Sin.apply(a)


class Cos(Function):
    def forward(self, a):
        self.a = a
        return np.cos(a)

    def backward(self, g):
        return (-g * np.sin(self.a),)


def cos(a: Any) -> Tensor:
    """Cosine (radians)."""
    return Cos.apply(a)


class Log(Function):
    def forward(self, a):
        self.a = a
        return np.log(a)

    def backward(self, g):
        return (g / self.a,)


def log(a: Any) -> Tensor:
    """Natural logarithm."""
    return Log.apply(a)


class Sqrt(Function):
    def forward(self, a):
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        return (g / (2 * self.out),)


def sqrt(a: Any) -> Tensor:
    """Square root."""
    return Sqrt.apply(a)


class Abs(Function):
    def forward(self, a):
        self.a = a
        return np.abs(a)

    def backward(self, g):
        return (g * np.sign(self.a),)  # sign(0) = 0: the subgradient PyTorch uses


def abs(a: Any) -> Tensor:
    """|a|."""
    return Abs.apply(a)


class Square(Function):
    def forward(self, a):
        self.a = a
        return a * a

    def backward(self, g):
        return (2 * g * self.a,)


def square(a: Any) -> Tensor:
    """a * a."""
    return Square.apply(a)


class Maximum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.maximum(a, b)

    def backward(self, g):
        # Ties split the gradient in half, as in PyTorch.
        share = np.where(self.a > self.b, 1.0, np.where(self.a == self.b, 0.5, 0.0)).astype(g.dtype)
        need_a, need_b = self.needs_input_grad
        return (g * share if need_a else None), (g * (1 - share) if need_b else None)


def maximum(a: Any, b: Any) -> Tensor:
    """Element-wise larger of a and b (the book's pmax)."""
    return _binary(Maximum, "maximum", a, b)


class Minimum(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return np.minimum(a, b)

    def backward(self, g):
        share = np.where(self.a < self.b, 1.0, np.where(self.a == self.b, 0.5, 0.0)).astype(g.dtype)
        need_a, need_b = self.needs_input_grad
        return (g * share if need_a else None), (g * (1 - share) if need_b else None)


def minimum(a: Any, b: Any) -> Tensor:
    """Element-wise smaller of a and b."""
    return _binary(Minimum, "minimum", a, b)


class Clip(Function):
    def __init__(self, a_min, a_max):
        self.a_min, self.a_max = a_min, a_max

    def forward(self, a):
        self.a = a
        return np.clip(a, self.a_min, self.a_max)

    def backward(self, g):
        inside = np.ones(self.a.shape, dtype=bool)
        if self.a_min is not None:
            inside &= self.a >= self.a_min
        if self.a_max is not None:
            inside &= self.a <= self.a_max
        return (g * inside,)


def clip(a: Any, a_min: Any = None, a_max: Any = None) -> Tensor:
    """Limit values to [a_min, a_max]; the gradient passes only where a was inside."""
    if a_min is None and a_max is None:
        raise ValueError("clip: give a_min, a_max or both; got neither")
    t = lift((a,))[0]
    return Clip.apply(t, a_min=_bound(t, a_min, "a_min"), a_max=_bound(t, a_max, "a_max"))


def _bound(t: Tensor, value: Any, name: str) -> np.ndarray | None:
    """A clip bound as an array of the tensor's float dtype (float64 bounds keep float32)."""
    if value is None:
        return None
    bound = np.asarray(value.data if isinstance(value, Tensor) else value)
    if t.dtype.kind == "f":
        bound = bound.astype(t.dtype, copy=False)
    try:
        fits = np.broadcast_shapes(bound.shape, t.shape) == t.shape
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"clip: {name} of shape {bound.shape} does not broadcast to {t.shape}")
    return bound


class Where(Function):
    def forward(self, condition, a, b):
        self.condition = condition.astype(bool, copy=False)
        return np.where(self.condition, a, b)

    def backward(self, g):
        _, need_a, need_b = self.needs_input_grad
        zero = np.zeros((), dtype=g.dtype)
        ga = np.where(self.condition, g, zero) if need_a else None
        gb = np.where(self.condition, zero, g) if need_b else None
        return None, ga, gb


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """Take x where condition is true, else y (broadcasting all three)."""
    ta, tb = lift((x, y))
    cond = (
        condition.detach()
        if isinstance(condition, Tensor)
        else Tensor._make(np.asarray(condition), False, None)
    )
    try:
        np.broadcast_shapes(cond.shape, ta.shape, tb.shape)
    except ValueError:
        raise ValueError(
            f"where: shapes {cond.shape}, {ta.shape} and {tb.shape} cannot be broadcast together"
        ) from None
    return Where.apply(cond, ta, tb)


class Cast(Function):
    def __init__(self, dtype):
        self.dtype = np.dtype(dtype)

    def forward(self, a):
        self.source = a.dtype
        return a.astype(self.dtype)

    def backward(self, g):
        return (g.astype(self.source) if self.source.kind == "f" else None,)


def cast(a: Any, dtype: Any) -> Tensor:
    """Convert to `dtype`; float to float conversions pass the gradient through."""
    t = lift((a,))[0]
    if np.dtype(dtype).kind != "f":
        return Tensor._make(t.data.astype(dtype), False, None)
    return Cast.apply(t, dtype=dtype)


def _comparison(ufunc: np.ufunc, op: str):
    def compare(a: Any, b: Any) -> Tensor:
        ta, tb = lift((a, b))
        _check_broadcast(op, ta, tb)
        return Tensor._make(ufunc(ta.data, tb.data), False, None)

    compare.__name__ = op
    compare.__doc__ = f"Element-wise {op} as a boolean tensor (no gradient)."
    return compare


equal = _comparison(np.equal, "equal")
not_equal = _comparison(np.not_equal, "not_equal")
less = _comparison(np.less, "less")
less_equal = _comparison(np.less_equal, "less_equal")
greater = _comparison(np.greater, "greater")
greater_equal = _comparison(np.greater_equal, "greater_equal")
