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

import builtins
import functools
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from tensorgrad import activations as _activations
from tensorgrad.engine.creation import arange, full, ones, ones_like, tensor, zeros, zeros_like
from tensorgrad.engine.function import lift
from tensorgrad.engine.ops.elementwise import (
    abs,
    add,
    cast,
    clip,
    cos,
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
    sin,
    sqrt,
    square,
    subtract,
    where,
)
from tensorgrad.engine.ops.linalg import dot, matmul, tensordot
from tensorgrad.engine.ops.nn import log_softmax, logsumexp, relu, sigmoid, softmax, tanh
from tensorgrad.engine.ops.reduce import argmax, argmin, max, mean, min, sum, var
from tensorgrad.engine.ops.reduce import cumsum as _cumsum
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
from tensorgrad.engine.ops.shape import getitem as _getitem
from tensorgrad.engine.ops.shape import pad as _pad
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.symbolic import KerasTensor, any_symbolic

__all__ = [
    "abs", "add", "all", "any", "arange", "argmax", "argmin", "argsort", "average",
    "broadcast_to", "cast", "ceil", "clip", "concatenate", "convert_to_numpy",
    "convert_to_tensor", "cos", "count_nonzero", "cumsum", "divide", "dot", "elu", "equal",
    "exp", "expand_dims", "expm1", "eye", "flatten", "flip", "floor", "full", "gelu", "greater",
    "greater_equal", "hard_sigmoid", "identity", "isfinite", "isnan", "leaky_relu", "less",
    "less_equal", "linspace", "log", "log1p", "log_sigmoid", "log_softmax", "logical_and",
    "logical_not", "logical_or", "logical_xor", "logsumexp", "matmul", "max", "maximum", "mean",
    "min", "minimum", "moments", "multiply", "negative", "norm", "not_equal", "one_hot", "ones",
    "ones_like", "pad", "power", "reciprocal", "relu", "relu6", "repeat", "reshape", "roll",
    "round", "rsqrt", "selu", "shape", "sigmoid", "sign", "silu", "sin", "softmax", "softplus",
    "softsign", "sort", "split", "sqrt", "square", "squeeze", "stack", "std", "stop_gradient",
    "subtract", "sum", "swish", "take", "take_along_axis", "tanh", "tensordot", "tile", "top_k",
    "transpose", "tril", "triu", "var", "where", "zeros", "zeros_like",
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


# ----- Keras' names built from the engine's ops (the gradient follows the engine's) -----
def _t(x: Any) -> Tensor:
    return lift((x,))[0]


def _constant(array: Any) -> Tensor:
    return Tensor._make(np.asarray(array), False, None)


def _along(x: Tensor, index: Any, axis: int) -> Tensor:
    """x indexed by `index` along one axis (an integer array or a slice)."""
    return _getitem(x, (slice(None),) * (axis % builtins.max(x.ndim, 1)) + (index,))


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Running sums along `axis` (None: over the flattened tensor)."""
    out = _cumsum(x, axis=axis)
    return out if dtype is None else cast(out, dtype)


def pad(x: Any, pad_width: Any, mode: str = "constant", constant_values: Any = None) -> Tensor:
    """x padded with a constant (0 by default): pad_width as in np.pad."""
    return _pad(x, pad_width, mode=mode, constant_values=constant_values or 0)


def take(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """The entries of x at integer `indices` along `axis` (None: of the flattened x)."""
    t = _t(x)
    index = convert_to_numpy(indices).astype(np.int64)
    if axis is None:
        return _getitem(reshape(t, (-1,)), index)
    return _along(t, index, axis)


def take_along_axis(x: Any, indices: Any, axis: int | None = None) -> Tensor:
    """np.take_along_axis: indices of x's rank pick entries along `axis`."""
    t = _t(x)
    index = convert_to_numpy(indices).astype(np.int64)
    if axis is None:
        return _getitem(reshape(t, (-1,)), index.reshape(-1))
    axis %= t.ndim
    grids = list(np.ix_(*[np.arange(n) for n in index.shape]))
    grids = [np.broadcast_to(g, index.shape) for g in grids]
    grids[axis] = index
    return _getitem(t, tuple(grids))


def tile(x: Any, repeats: Any) -> Tensor:
    """x repeated `repeats` times along each axis (np.tile)."""
    t = _t(x)
    reps = (int(repeats),) if np.ndim(repeats) == 0 else tuple(int(r) for r in repeats)
    if len(reps) > t.ndim:
        t = reshape(t, (1,) * (len(reps) - t.ndim) + t.shape)
    reps = (1,) * (t.ndim - len(reps)) + reps
    for axis, r in enumerate(reps):
        if r != 1:
            t = _along(t, np.tile(np.arange(t.shape[axis]), r), axis)
    return t


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Tensor:
    """Each entry of x repeated `repeats` times along `axis` (None: of the flattened x)."""
    t = _t(x)
    if axis is None:
        t, axis = reshape(t, (-1,)), 0
    return _along(t, np.repeat(np.arange(t.shape[axis]), convert_to_numpy(repeats)), axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list[Tensor]:
    """x cut along `axis` into equal sections, or at the given indices (np.split)."""
    t = _t(x)
    size = t.shape[axis]
    if np.ndim(indices_or_sections) == 0:
        sections = int(indices_or_sections)
        if sections <= 0 or size % sections:
            raise ValueError(
                f"split: {sections} sections do not divide axis {axis} of size {size} evenly"
            )
        cuts = list(range(size // sections, size, size // sections))
    else:
        cuts = [int(i) for i in indices_or_sections]
    bounds = [0, *cuts, size]
    return [_along(t, slice(a, b), axis) for a, b in itertools.pairwise(bounds)]


def flip(x: Any, axis: Any = None) -> Tensor:
    """x with the order of its entries reversed along `axis` (None: every axis)."""
    t = _t(x)
    axes = range(t.ndim) if axis is None else ((axis,) if np.ndim(axis) == 0 else axis)
    for a in axes:
        t = _along(t, slice(None, None, -1), a)
    return t


def roll(x: Any, shift: Any, axis: int | None = None) -> Tensor:
    """x shifted by `shift` places along `axis`, the end coming round to the start."""
    t = _t(x)
    if axis is None:
        return reshape(roll(reshape(t, (-1,)), shift, 0), t.shape)
    n = t.shape[axis]
    return _along(t, (np.arange(n) - int(shift)) % n, axis)


def _triangle(x: Any, k: int, lower: bool) -> Tensor:
    t = _t(x)
    rows, cols = t.shape[-2:]
    keep = np.tri(rows, cols, k, dtype=bool) if lower else ~np.tri(rows, cols, k - 1, dtype=bool)
    return multiply(t, _constant(keep.astype(t.dtype)))


def tril(x: Any, k: int = 0) -> Tensor:
    """x with the entries above the k-th diagonal of its last two axes set to zero."""
    return _triangle(x, k, lower=True)


def triu(x: Any, k: int = 0) -> Tensor:
    """x with the entries below the k-th diagonal of its last two axes set to zero."""
    return _triangle(x, k, lower=False)


def argsort(x: Any, axis: int = -1) -> Tensor:
    """The indices that sort x along `axis` (stable), as int32."""
    return _constant(np.argsort(convert_to_numpy(x), axis=axis, kind="stable").astype(np.int32))


def sort(x: Any, axis: int = -1) -> Tensor:
    """x sorted along `axis` (the gradient goes back to where each entry came from)."""
    return take_along_axis(x, argsort(x, axis=axis), axis=axis)


def top_k(x: Any, k: int, sorted: bool = True) -> tuple[Tensor, Tensor]:
    """(values, indices) of the k largest entries along the last axis, largest first."""
    order = np.argsort(-convert_to_numpy(x), axis=-1, kind="stable")[..., :k].astype(np.int32)
    return take_along_axis(x, order, axis=-1), _constant(order)


def one_hot(
    x: Any, num_classes: int, axis: int = -1, dtype: Any = None, sparse: bool = False
) -> Tensor:
    """Integer labels as one-hot vectors of `num_classes` along a new `axis`."""
    if sparse:
        raise ValueError("one_hot: sparse=True is not supported; the result is dense")
    labels = convert_to_numpy(x).astype(np.int64)
    valid = (labels >= 0) & (labels < num_classes)  # Keras: other labels give zeros
    out = np.eye(num_classes, dtype=dtype or "float32")[np.where(valid, labels, 0)]
    out[~valid] = 0
    return _constant(np.moveaxis(out, -1, axis))


def _no_gradient(fn: Any) -> Any:
    """A NumPy function as an op with no gradient (comparisons, rounding, tests)."""

    def op(*args: Any, **kwargs: Any) -> Tensor:
        return _constant(fn(*[convert_to_numpy(a) for a in args], **kwargs))

    return op


logical_and = _no_gradient(np.logical_and)
logical_or = _no_gradient(np.logical_or)
logical_xor = _no_gradient(np.logical_xor)
logical_not = _no_gradient(np.logical_not)
isnan = _no_gradient(np.isnan)
isfinite = _no_gradient(np.isfinite)
sign = _no_gradient(np.sign)
floor = _no_gradient(np.floor)
ceil = _no_gradient(np.ceil)


def round(x: Any, decimals: int = 0) -> Tensor:
    """x rounded to `decimals` places, halves to even (no gradient)."""
    return _constant(np.round(convert_to_numpy(x), decimals))


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Whether any entry is true (non-zero) along `axis`."""
    return _constant(np.any(convert_to_numpy(x), axis=axis, keepdims=keepdims))


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Whether every entry is true (non-zero) along `axis`."""
    return _constant(np.all(convert_to_numpy(x), axis=axis, keepdims=keepdims))


def count_nonzero(x: Any, axis: Any = None) -> Tensor:
    """The number of non-zero entries along `axis`, as int32."""
    return _constant(np.asarray(np.count_nonzero(convert_to_numpy(x), axis=axis), dtype=np.int32))


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Standard deviation (biased, as Keras') along `axis`."""
    return sqrt(var(x, axis=axis, keepdims=keepdims))


def moments(x: Any, axes: Any, keepdims: bool = False, synchronized: bool = False) -> Any:
    """(mean, variance) of x over `axes`."""
    return mean(x, axis=axes, keepdims=keepdims), var(x, axis=axes, keepdims=keepdims)


def average(x: Any, axis: Any = None, weights: Any = None) -> Tensor:
    """The mean of x along `axis`, weighted by `weights` (of x's shape, or of that axis)."""
    if weights is None:
        return mean(x, axis=axis)
    t, w = _t(x), _t(weights)
    if axis is not None and w.ndim == 1 and t.ndim > 1:
        w = reshape(w, tuple(-1 if i == axis % t.ndim else 1 for i in range(t.ndim)))
    return divide(sum(multiply(t, w), axis=axis), sum(multiply(ones_like(t), w), axis=axis))


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Tensor:
    """The Euclidean (or Frobenius) norm of x along `axis`; ord=1 and ord=inf for vectors."""
    if ord in (None, 2, "fro", "euclidean") and not (ord == 2 and np.ndim(axis) == 1):
        return sqrt(sum(square(x), axis=axis, keepdims=keepdims))
    if ord == 1 and np.ndim(axis) == 0:
        return sum(abs(x), axis=axis, keepdims=keepdims)
    if ord in (np.inf, "inf") and np.ndim(axis) == 0:
        return max(abs(x), axis=axis, keepdims=keepdims)
    raise ValueError(
        f"norm: ord={ord!r} with axis={axis!r} is not supported; use ord=None (Euclidean or "
        "Frobenius), or ord=1 / ord=inf along one axis"
    )


def rsqrt(x: Any) -> Tensor:
    """1 / sqrt(x)."""
    return divide(1.0, sqrt(x))


def reciprocal(x: Any) -> Tensor:
    """1 / x."""
    return divide(1.0, x)


def log1p(x: Any) -> Tensor:
    """log(1 + x)."""
    return log(add(x, 1.0))


def expm1(x: Any) -> Tensor:
    """exp(x) - 1."""
    return subtract(exp(x), 1.0)


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    endpoint: bool = True,
    retstep: bool = False,
    dtype: Any = None,
    axis: int = 0,
) -> Any:
    """`num` evenly spaced values from start to stop (np.linspace), float32 by default."""
    values, step = np.linspace(start, stop, num, endpoint=endpoint, retstep=True, axis=axis)
    out = _constant(values.astype(dtype or "float32"))
    return (out, step) if retstep else out


def eye(N: int, M: int | None = None, k: int = 0, dtype: Any = None) -> Tensor:
    """An N x M matrix with ones on its k-th diagonal."""
    return _constant(np.eye(N, M, k, dtype=dtype or "float32"))


def identity(n: int, dtype: Any = None) -> Tensor:
    """The n x n identity matrix."""
    return eye(n, dtype=dtype)


def gelu(x: Any, approximate: bool = True) -> Tensor:
    """GELU; keras.ops uses the tanh approximation by default (the activation does not)."""
    return _activations.gelu(x, approximate=approximate)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """x where positive, negative_slope * x elsewhere."""
    return _activations.leaky_relu(x, negative_slope=negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x where positive, alpha * (exp(x) - 1) elsewhere."""
    return _activations.elu(x, alpha=alpha)


def log_sigmoid(x: Any) -> Tensor:
    """log(sigmoid(x)), computed stably as -softplus(-x)."""
    return negative(_activations.softplus(negative(x)))


softplus, softsign, silu, selu = (
    _activations.softplus,
    _activations.softsign,
    _activations.silu,
    _activations.selu,
)
swish, relu6, hard_sigmoid = _activations.silu, _activations.relu6, _activations.hard_sigmoid


_PLAIN = (Tensor, np.ndarray, int, float, bool, str, type(None))


def _plain(value: Any) -> bool:
    """Surely not symbolic: a tensor, an array, a number, or a flat list or tuple of them."""
    kind = type(value)
    if kind in _PLAIN:
        return True
    return (kind is tuple or kind is list) and builtins.all(type(v) in _PLAIN for v in value)


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
