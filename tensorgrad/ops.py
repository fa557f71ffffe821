"""`keras.ops` for tensorgrad: the engine's differentiable functions under Keras 3's names.

Code written against `keras.ops` (custom layers, losses and training loops) runs with
`from tensorgrad import ops`. Most functions are the engine's own (`tensorgrad.relu`,
`tensorgrad.matmul`, ...); this module adds the names that Keras spells differently and
the conversions to and from NumPy.

>>> import numpy as np
>>> from tensorgrad import ops
>>> x = ops.convert_to_tensor(np.array([[1.0, -2.0]]))
>>> ops.convert_to_numpy(ops.sum(ops.relu(x), axis=-1))
array([1.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine.creation import arange, full, ones, ones_like, tensor, zeros, zeros_like
from tensorgrad.engine.ops.elementwise import (
    abs,
    add,
    cast,
    clip,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    sqrt,
    square,
    subtract,
    where,
)
from tensorgrad.engine.ops.linalg import dot, matmul, tensordot
from tensorgrad.engine.ops.nn import log_softmax, logsumexp, relu, sigmoid, softmax, tanh
from tensorgrad.engine.ops.reduce import argmax, argmin, max, mean, min, sum, var
from tensorgrad.engine.ops.shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    reshape,
    squeeze,
    stack,
    transpose,
)
from tensorgrad.engine.tensor import Tensor

__all__ = [
    "abs", "add", "arange", "argmax", "argmin", "broadcast_to", "cast", "clip", "concatenate",
    "convert_to_numpy", "convert_to_tensor", "divide", "dot", "equal", "exp", "expand_dims",
    "flatten", "full", "greater", "greater_equal", "less", "less_equal", "log", "log_softmax",
    "logsumexp", "matmul", "max", "maximum", "mean", "min", "minimum", "multiply", "negative",
    "not_equal", "ones", "ones_like", "power", "relu", "reshape", "shape", "sigmoid", "softmax",
    "sqrt", "square", "squeeze", "stack", "stop_gradient", "subtract", "sum", "tanh",
    "tensordot", "transpose", "var", "where", "zeros", "zeros_like",
]  # fmt: skip


def convert_to_tensor(x: Any, dtype: Any = None) -> Tensor:
    """`x` (array, list, number or tensor) as a tensor (float32 for floats by default)."""
    if isinstance(x, Tensor) and dtype is None:
        return x
    return tensor(x.data if isinstance(x, Tensor) else x, dtype=dtype)


def convert_to_numpy(x: Any) -> np.ndarray:
    """The values of a tensor (or anything array-like) as a NumPy array."""
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def shape(x: Any) -> tuple[int, ...]:
    """The shape of a tensor or array."""
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def stop_gradient(x: Any) -> Tensor:
    """The same values, cut from the graph: no gradient flows back through it."""
    return convert_to_tensor(x).detach()
