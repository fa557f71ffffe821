"""Products: matmul (batched, the `@` operator), linear, dot and tensordot: one BLAS call each.

Shapes are checked before computing, and a mismatch names the operation, both shapes and
the axes that disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift, unbroadcast
from tensorgrad.engine.tensor import Tensor


def _not_aligned(op: str, a: Tensor, b: Tensor, ia: int, ib: int) -> ValueError:
    return ValueError(
        f"{op}: shapes {a.shape} and {b.shape} are not aligned: "
        f"{a.shape[ia]} (dim {ia}) != {b.shape[ib]} (dim {ib})"
    )


class MatMul(Function):
    def forward(self, a, b):
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the Dense layer's case: two BLAS calls at most
            return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        # Give g the axes matmul dropped for 1-D operands: b's first (vector . vector gives a
        # 0-d g, which has no axis -2 until it has axis -1).
        if b.ndim == 1:
            g = np.expand_dims(g, -1)
        if a.ndim == 1:
            g = np.expand_dims(g, -2)
        ga = gb = None
        if need_a:
            ga = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if need_b:
            gb = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb


def matmul(a: Any, b: Any) -> Tensor:
    """Matrix product a @ b, batched over leading axes (NumPy's matmul rules).

    >>> import tensorgrad as tg
    >>> tg.matmul(tg.ones((128, 784)), tg.ones((512, 10)))
    Traceback (most recent call last):
    ...
    ValueError: matmul: shapes (128, 784) and (512, 10) are not aligned: 784 (dim 1) != 512 (dim 0)
    """
    ta, tb = lift((a, b))
    if ta.ndim == 0 or tb.ndim == 0:
        raise ValueError(
            f"matmul: shapes {ta.shape} and {tb.shape}: both operands need at least one axis; "
            f"use * to multiply by a scalar"
        )
    ia, ib = ta.ndim - 1, max(tb.ndim - 2, 0)
    if ta.shape[ia] != tb.shape[ib]:
        raise _not_aligned("matmul", ta, tb, ia, ib)
    try:
        np.broadcast_shapes(ta.shape[:-2], tb.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: shapes {ta.shape} and {tb.shape}: batch axes {ta.shape[:-2]} and "
            f"{tb.shape[:-2]} cannot be broadcast together"
        ) from None
    return MatMul.apply(ta, tb)


class Linear(Function):
    def forward(self, x, w, b=None):
        self.x, self.w = x, w
        out = x @ w
        if b is not None:
            out += b  # in place: the product is a fresh array, so no second one is made
        return out

    def backward(self, g):
        x, w = self.x, self.w
        need_x, need_w = self.needs_input_grad[:2]
        x2, g2 = x.reshape(-1, x.shape[-1]), g.reshape(-1, g.shape[-1])  # all leading axes
        gx = g @ w.T if need_x else None
        gw = x2.T @ g2 if need_w else None
        gb = (
            g2.sum(axis=0) if len(self.needs_input_grad) == 3 and self.needs_input_grad[2] else None
        )
        return gx, gw, gb


def linear(x: Any, w: Any, b: Any = None) -> Tensor:
    """x @ w + b over x's last axis: a Dense layer's affine map as one op.

    Equal to `matmul(x, w) + b`, with the bias added in place into the product, and the
    gradients of w and b taken over every leading axis of x.

    >>> import tensorgrad as tg
    >>> tg.linear(tg.ones((2, 3)), tg.ones((3, 4)), tg.arange(4.0)).numpy()
    array([[3., 4., 5., 6.],
           [3., 4., 5., 6.]], dtype=float32)
    """
    inputs = lift((x, w) if b is None else (x, w, b))
    tx, tw = inputs[0], inputs[1]
    if tw.ndim != 2 or tx.ndim == 0:
        raise ValueError(
            f"linear: needs x with at least one axis and a 2-D weight; got shapes {tx.shape} "
            f"and {tw.shape}"
        )
    if tx.shape[-1] != tw.shape[0]:
        raise _not_aligned("linear", tx, tw, tx.ndim - 1, 0)
    if b is not None and inputs[2].shape not in ((tw.shape[1],), (1, tw.shape[1])):
        raise ValueError(
            f"linear: bias of shape {inputs[2].shape} does not match {tw.shape[1]} output units"
        )
    return Linear.apply(*inputs)


class TensorDot(Function):
    def __init__(self, axes_a, axes_b):
        self.axes_a, self.axes_b = axes_a, axes_b

    def forward(self, a, b):
        self.a, self.b = a, b
        return np.tensordot(a, b, axes=(self.axes_a, self.axes_b))

    def backward(self, g):
        a, b, axes_a, axes_b = self.a, self.b, self.axes_a, self.axes_b
        free_a = [i for i in range(a.ndim) if i not in axes_a]
        free_b = [i for i in range(b.ndim) if i not in axes_b]
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:
            # g's trailing axes are b's free axes: contract them away, then restore a's order.
            ga = np.tensordot(g, b, axes=(list(range(len(free_a), g.ndim)), free_b))
            order = free_a + [axes_a[axes_b.index(j)] for j in sorted(axes_b)]
            ga = ga.transpose(np.argsort(order))
        if need_b:
            gb = np.tensordot(a, g, axes=(free_a, list(range(len(free_a)))))
            order = [axes_b[axes_a.index(i)] for i in sorted(axes_a)] + free_b
            gb = gb.transpose(np.argsort(order))
        return ga, gb


def _tensordot_axes(ta: Tensor, tb: Tensor, axes: Any) -> tuple[list[int], list[int]]:
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > ta.ndim or n > tb.ndim:
            raise ValueError(
                f"tensordot: axes={n} needs both tensors to have at least {n} axes; got shapes "
                f"{ta.shape} and {tb.shape}"
            )
        return list(range(ta.ndim - n, ta.ndim)), list(range(n))
    axes_a, axes_b = axes
    axes_a = [axes_a] if isinstance(axes_a, (int, np.integer)) else list(axes_a)
    axes_b = [axes_b] if isinstance(axes_b, (int, np.integer)) else list(axes_b)
    if len(axes_a) != len(axes_b):
        raise ValueError(f"tensordot: axes {axes_a} and {axes_b} must list the same number of axes")
    for axis, t in [(x, ta) for x in axes_a] + [(x, tb) for x in axes_b]:
        if not -t.ndim <= axis < t.ndim:
            raise ValueError(f"tensordot: axis {axis} is out of range for shape {t.shape}")
    return [x % ta.ndim for x in axes_a], [x % tb.ndim for x in axes_b]


def tensordot(a: Any, b: Any, axes: int | Sequence[Any] = 2) -> Tensor:
    """Sum products over the given axes of a and b (NumPy's tensordot).

    `axes=n` contracts the last n axes of a with the first n of b; `axes=(la, lb)` pairs
    the listed axes.
    """
    ta, tb = lift((a, b))
    axes_a, axes_b = _tensordot_axes(ta, tb, axes)
    for ia, ib in zip(axes_a, axes_b):
        if ta.shape[ia] != tb.shape[ib]:
            raise _not_aligned("tensordot", ta, tb, ia, ib)
    return TensorDot.apply(ta, tb, axes_a=axes_a, axes_b=axes_b)


def dot(a: Any, b: Any) -> Tensor:
    """The book's tensor dot: contract a's last axis with b's last (1-D b) or second-to-last.

    (a, b, c, d) . (d) -> (a, b, c) and (a, b, c, d) . (d, e) -> (a, b, c, e).

    >>> import tensorgrad as tg
    >>> tg.dot(tg.ones((2, 3, 4, 5)), tg.ones((5, 6))).shape
    (2, 3, 4, 6)
    """
    ta, tb = lift((a, b))
    if ta.ndim == 0 or tb.ndim == 0:
        return ta * tb
    ia, ib = ta.ndim - 1, max(tb.ndim - 2, 0)
    if ta.shape[ia] != tb.shape[ib]:
        raise _not_aligned("dot", ta, tb, ia, ib)
    if ta.ndim <= 2 and tb.ndim <= 2:
        return MatMul.apply(ta, tb)
    return TensorDot.apply(ta, tb, axes_a=[ia], axes_b=[ib])
