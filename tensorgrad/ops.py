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

import functools
from collections.abc import Callable
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
from tensorgrad.layers.symbolic import KerasTensor, any_symbolic

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


def shape(x: Any) -> tuple[Any, ...]:
    """The shape of a tensor or array (with None for a symbolic tensor's batch axis)."""
    if isinstance(x, KerasTensor):
        return x.shape
    return tuple(np.shape(x.data if isinstance(x, Tensor) else x))


def stop_gradient(x: Any) -> Tensor:
    """The same values, cut from the graph: no gradient flows back through it."""
    return convert_to_tensor(x).detach()


_PLAIN = (Tensor, np.ndarray, int, float, bool, str, type(None))


def _plain(value: Any) -> bool:
    """Surely not symbolic: a tensor, an array, a number, or a flat list or tuple of them."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    return (kind is tuple or kind is list) and all(type(v) in _PLAIN for v in value)


def _recording(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """`fn`, which on symbolic tensors (the outputs of `Input` and of layers) records a
    step of the functional graph (TensorOp, in layers/tensor_op.py) instead of computing."""

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        for value in (*args, *kwargs.values()):  # the usual case, checked cheaply
            if not _plain(value):
                break
        else:
            return fn(*args, **kwargs)
        if any_symbolic(args, kwargs):
            from tensorgrad.layers import tensor_op

            return tensor_op.record(name, args, kwargs)
        return fn(*args, **kwargs)

    return call


for _name in __all__:
    if _name not in ("convert_to_numpy", "convert_to_tensor", "shape"):
        globals()[_name] = _recording(_name, globals()[_name])
del _name
