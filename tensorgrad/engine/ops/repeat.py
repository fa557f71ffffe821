"""repeat: each element repeated `repeats` times along an axis, as np.repeat (Keras'
`ops.repeat` with an integer count); the backward sums each run of copies.

>>> import tensorgrad as tg
>>> repeat(tg.tensor([[1.0, 2.0]]), 2, axis=0).numpy()
array([[1., 2.],
       [1., 2.]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.tensor import Tensor

__all__ = ["repeat"]


class Repeat(Function):
    def __init__(self, repeats, axis):
        self.repeats, self.axis = repeats, axis

    def forward(self, a):
        self.shape = a.shape
        return np.repeat(a, self.repeats, axis=self.axis)

    def backward(self, g):
        axis, shape = self.axis, self.shape
        runs = g.reshape(shape[:axis] + (shape[axis], self.repeats) + shape[axis + 1 :])
        return (runs.sum(axis=axis + 1),)


def repeat(x: Any, repeats: int, axis: int) -> Tensor:
    """x with each element repeated `repeats` times along `axis` (a copy, not a view).

    Raises:
        ValueError: a negative count or an axis out of range.
    """
    t = lift((x,))[0]
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)) or repeats < 0:
        raise ValueError(f"repeat: repeats must be a non-negative integer, got {repeats!r}")
    if not -t.ndim <= axis < t.ndim:
        raise ValueError(f"repeat: axis {axis} is out of range for a tensor of shape {t.shape}")
    return Repeat.apply(t, repeats=int(repeats), axis=axis % t.ndim)
