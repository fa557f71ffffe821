"""Reductions over axes: sum, mean, max, min, var, and argmax/argmin (no gradient).

Each takes NumPy's `axis` (None, an int or a tuple) and `keepdims`. Backward puts the
reduced axes back (size 1) so the gradient broadcasts over the input's shape.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor


def _normalize_axis(op: str, ndim: int, axis: Any) -> tuple[int, ...] | None:
    """Axis as a sorted tuple of non-negative ints (None: all axes), validated."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)) or not all(
        isinstance(a, (int, np.integer)) for a in axes
    ):
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a} is out of range for a tensor of rank {ndim}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis}")
    return tuple(sorted(out))


def _expand(g: np.ndarray, ndim: int, axes: tuple[int, ...] | None, keepdims: bool) -> np.ndarray:
    """Give a reduced gradient back its reduced axes as size-1 axes."""
    if keepdims or ndim == 0:
        return g
    if axes is None:
        return g.reshape((1,) * ndim)
    return np.expand_dims(g, axes)


def _count(shape: tuple[int, ...], axes: tuple[int, ...] | None) -> int:
    # math.prod on Python ints: exact, and far cheaper than np.prod for a few numbers.
    return math.prod(shape) if axes is None else math.prod(shape[a] for a in axes)


class Sum(Function):
    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, a):
        self.shape = a.shape
        return a.sum(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        g = _expand(g, len(self.shape), self.axes, self.keepdims)
        # np.full broadcasts g into a fresh array: one C call, where np.broadcast_to's view
        # costs several microseconds of Python and a copy later if it reaches a leaf.
        return (np.full(self.shape, g, dtype=g.dtype),)


def sum(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Sum over `axis` (all axes when None)."""
    t = lift((a,))[0]
    return Sum.apply(t, axes=_normalize_axis("sum", t.ndim, axis), keepdims=keepdims)


_SMALL = 4096
"""Means over at most this many float32 numbers (losses, metrics) accumulate in float64."""


class Mean(Function):
    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, a):
        self.shape = a.shape
        if a.dtype.kind == "f" and a.dtype.itemsize < 8 and a.size <= _SMALL:
            # A float64 sum, as fast at this size: 64 losses of 3e38 have a float32 mean, but
            # their float32 sum overflows to inf.
            out = a.mean(axis=self.axes, keepdims=self.keepdims, dtype=np.float64)
            return out.astype(a.dtype)
        return a.mean(axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        g = _expand(g, len(self.shape), self.axes, self.keepdims) / _count(self.shape, self.axes)
        return (np.full(self.shape, g, dtype=g.dtype),)


def mean(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over `axis` (all axes when None)."""
    t = lift((a,))[0]
    return Mean.apply(t, axes=_normalize_axis("mean", t.ndim, axis), keepdims=keepdims)


class _Extremum(Function):
    reducer: Any = None

    def __init__(self, axes, keepdims):
        self.axes, self.keepdims = axes, keepdims

    def forward(self, a):
        self.a = a
        self.out = type(self).reducer(a, axis=self.axes, keepdims=True)
        return self.out if self.keepdims else _squeeze(self.out, self.axes, a.ndim)

    def backward(self, g):
        g = _expand(g, self.a.ndim, self.axes, self.keepdims)
        # Ties share the gradient equally, as PyTorch's amax/amin do.
        hit = self.a == self.out
        share = hit / hit.sum(axis=self.axes, keepdims=True)
        return (g * share.astype(g.dtype, copy=False),)


def _squeeze(x: np.ndarray, axes: tuple[int, ...] | None, ndim: int) -> np.ndarray:
    return x.reshape(()) if axes is None else np.squeeze(x, axis=axes) if ndim else x


class Max(_Extremum):
    reducer = staticmethod(np.max)


class Min(_Extremum):
    reducer = staticmethod(np.min)


def _check_not_empty(op: str, t: Tensor, axes: tuple[int, ...] | None) -> None:
    if t.size == 0:
        raise ValueError(f"{op}: cannot reduce a tensor of shape {t.shape}: it is empty")


def max(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Largest value over `axis`; the gradient goes to the maximal entries."""
    t = lift((a,))[0]
    axes = _normalize_axis("max", t.ndim, axis)
    _check_not_empty("max", t, axes)
    return Max.apply(t, axes=axes, keepdims=keepdims)


def min(a: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Smallest value over `axis`; the gradient goes to the minimal entries."""
    t = lift((a,))[0]
    axes = _normalize_axis("min", t.ndim, axis)
    _check_not_empty("min", t, axes)
    return Min.apply(t, axes=axes, keepdims=keepdims)


class Var(Function):
    def __init__(self, axes, keepdims, ddof):
        self.axes, self.keepdims, self.ddof = axes, keepdims, ddof

    def forward(self, a):
        self.centered = a - a.mean(axis=self.axes, keepdims=True)
        n = _count(a.shape, self.axes) - self.ddof
        self.n = n
        return (self.centered * self.centered).sum(axis=self.axes, keepdims=self.keepdims) / n

    def backward(self, g):
        g = _expand(g, self.centered.ndim, self.axes, self.keepdims)
        return (g * self.centered * (2 / self.n),)


def var(a: Any, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """Variance over `axis` with NumPy's default ddof=0 (divide by N)."""
    t = lift((a,))[0]
    axes = _normalize_axis("var", t.ndim, axis)
    if _count(t.shape, axes) - ddof <= 0:
        raise ValueError(f"var: ddof={ddof} leaves no degrees of freedom for shape {t.shape}")
    return Var.apply(t, axes=axes, keepdims=keepdims, ddof=ddof)


def _check_single_axis(op: str, t: Tensor, axis: Any) -> None:
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"{op}: axis must be an int or None, got {axis!r}; to search several axes, "
            f"reshape them into one first"
        )
    _normalize_axis(op, t.ndim, axis)


def argmax(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest value along `axis` (flattened when None); no gradient."""
    t = lift((a,))[0]
    _check_single_axis("argmax", t, axis)
    _check_not_empty("argmax", t, None)
    return Tensor._make(np.argmax(t.data, axis=axis, keepdims=keepdims), False, None)


def argmin(a: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest value along `axis` (flattened when None); no gradient."""
    t = lift((a,))[0]
    _check_single_axis("argmin", t, axis)
    _check_not_empty("argmin", t, None)
    return Tensor._make(np.argmin(t.data, axis=axis, keepdims=keepdims), False, None)


class CumSum(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, a):
        return np.cumsum(a, axis=self.axis)

    def backward(self, g):
        # Each input adds into every later output: the gradient sums from the end.
        return (np.flip(np.cumsum(np.flip(g, self.axis), axis=self.axis), self.axis),)


def cumsum(a: Any, axis: int | None = None) -> Tensor:
    """Running sums along `axis` (None: over the flattened tensor), as np.cumsum."""
    t = lift((a,))[0]
    if axis is None:
        return CumSum.apply(shape_ops.reshape(t, (-1,)), axis=0)
    _check_single_axis("cumsum", t, axis)
    return CumSum.apply(t, axis=int(axis) % t.ndim)
