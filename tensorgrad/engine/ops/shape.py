"""Shape operations: reshape (row-major), transpose, squeeze/expand_dims, indexing, joins.

None of these change values, so each backward only moves the gradient back into the
input's layout; indexing scatters it, adding where an index repeats.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.tensor import Tensor


class Reshape(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        self.input_shape = a.shape
        return a.reshape(self.shape)  # C (row-major) order, as the book insists

    def backward(self, g):
        return (g.reshape(self.input_shape),)


def reshape(a: Any, shape: Any) -> Tensor:
    """Same values in a new shape, read and written in row-major order; one -1 is inferred."""
    t = lift((a,))[0]
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    unknown = sum(1 for n in shape if n == -1)
    fits = known == t.size if unknown == 0 else (unknown == 1 and known > 0 and t.size % known == 0)
    if not fits or any(n < -1 for n in shape):
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {t.shape} ({t.size} elements) into "
            f"shape {shape}"
        )
    return Reshape.apply(t, shape=shape)


def flatten(a: Any) -> Tensor:
    """All values as a 1-D tensor, in row-major order (like ndarray.flatten)."""
    return reshape(a, (-1,))


class Transpose(Function):
    def __init__(self, axes):
        self.axes = axes

    def forward(self, a):
        return a.transpose(self.axes)

    def backward(self, g):
        return (g.transpose(np.argsort(self.axes)),)


def transpose(a: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (reverse them when `axes` is None)."""
    t = lift((a,))[0]
    if axes is None:
        axes = tuple(range(t.ndim))[::-1]
    axes = tuple(int(x) for x in axes)
    in_range = all(-t.ndim <= x < t.ndim for x in axes)
    if not in_range or sorted(x % t.ndim for x in axes) != list(range(t.ndim)):
        raise ValueError(
            f"transpose: axes {axes} are not a permutation of the {t.ndim} axes of shape {t.shape}"
        )
    return Transpose.apply(t, axes=tuple(x % t.ndim for x in axes))


permute = transpose


def expand_dims(a: Any, axis: Any) -> Tensor:
    """Insert size-1 axes at `axis` (an int or a tuple)."""
    t = lift((a,))[0]
    try:
        shape = np.expand_dims(np.empty(t.shape, dtype=bool), axis).shape
    except (np.exceptions.AxisError, ValueError) as e:
        raise ValueError(f"expand_dims: {e} (tensor of shape {t.shape})") from None
    return Reshape.apply(t, shape=shape)


def squeeze(a: Any, axis: Any = None) -> Tensor:
    """Remove size-1 axes (all of them, or those in `axis`)."""
    t = lift((a,))[0]
    try:
        shape = np.squeeze(np.empty(t.shape, dtype=bool), axis).shape
    except (np.exceptions.AxisError, ValueError) as e:
        raise ValueError(f"squeeze: {e} (tensor of shape {t.shape})") from None
    return Reshape.apply(t, shape=shape)


class BroadcastTo(Function):
    def __init__(self, shape):
        self.shape = shape

    def forward(self, a):
        return np.broadcast_to(a, self.shape)

    def backward(self, g):
        return (g,)  # the engine sums it back to the input's shape


def broadcast_to(array: Any, shape: Sequence[int]) -> Tensor:
    """A read-only view of `array` repeated along new or size-1 axes to `shape`."""
    t = lift((array,))[0]
    shape = (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)
    try:
        fits = np.broadcast_shapes(t.shape, shape) == shape  # the target must not grow too
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"broadcast_to: cannot broadcast shape {t.shape} to {shape}")
    return BroadcastTo.apply(t, shape=shape)


def _is_basic(index: Any) -> bool:
    """True for indices made only of ints, slices, None and Ellipsis (views, no repeats)."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


class GetItem(Function):
    def __init__(self, index):
        self.index = index

    def forward(self, a):
        self.shape, self.dtype = a.shape, a.dtype
        return a[self.index]

    def backward(self, g):
        grad = np.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.index):
            grad[self.index] = g
        else:
            np.add.at(grad, self.index, g)  # repeated indices add up
        return (grad,)


def _plain_index(index: Any) -> Any:
    """Replace tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(p.data if isinstance(p, Tensor) else p for p in index)
    if isinstance(index, list):
        return np.asarray(index)
    return index


def getitem(a: Any, index: Any) -> Tensor:
    """a[index]: basic slices, integer arrays and boolean masks, as in NumPy."""
    t = lift((a,))[0]
    index = _plain_index(index)
    try:
        return GetItem.apply(t, index=index)
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor of shape {t.shape})") from None


class Concatenate(Function):
    def __init__(self, axis):
        self.axis = axis

    def forward(self, *arrays):
        self.sizes = [x.shape[self.axis] for x in arrays]
        return np.concatenate(arrays, axis=self.axis)

    def backward(self, g):
        cuts = np.cumsum(self.sizes)[:-1]
        return tuple(np.split(g, cuts, axis=self.axis))


def _check_join(op: str, tensors: Sequence[Tensor], axis: int, same_shape: bool) -> None:
    if not tensors:
        raise ValueError(f"{op}: need at least one tensor")
    first = tensors[0].shape
    for t in tensors[1:]:
        a, b = list(first), list(t.shape)
        if not same_shape and len(a) == len(b) and a and -len(a) <= axis < len(a):
            a[axis] = b[axis] = 0
        if a != b:
            rule = "the same shape" if same_shape else f"equal shapes except along axis {axis}"
            raise ValueError(f"{op}: all tensors need {rule}; got {first} and {t.shape}")


def concatenate(arrays: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis."""
    tensors = lift(tuple(arrays))
    _check_join("concatenate", tensors, axis, same_shape=False)
    ndim = tensors[0].ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"concatenate: axis {axis} is out of range for rank {ndim}")
    return Concatenate.apply(*tensors, axis=axis % ndim)


def stack(arrays: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis."""
    tensors = lift(tuple(arrays))
    _check_join("stack", tensors, axis, same_shape=True)
    ndim = tensors[0].ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"stack: axis {axis} is out of range for rank {ndim}")
    axis %= ndim
    return concatenate([expand_dims(t, axis) for t in tensors], axis=axis)


class Pad(Function):
    def __init__(self, widths, value):
        self.widths, self.value = widths, value

    def forward(self, a):
        return np.pad(a, self.widths, constant_values=self.value)

    def backward(self, g):
        return (g[tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.widths))],)


def pad(a: Any, pad_width: Any, mode: str = "constant", constant_values: float = 0) -> Tensor:
    """a with `constant_values` added around it: pad_width is one (before, after) pair per
    axis, one pair for all, or one number (NumPy's and Keras' ops.pad forms)."""
    t = lift((a,))[0]
    if mode != "constant":
        raise ValueError(f"pad: only mode='constant' is supported, got mode={mode!r}")
    widths = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (t.ndim, 2))
    if (widths < 0).any():
        raise ValueError(f"pad: widths must be >= 0, got {pad_width!r}")
    pairs = tuple((int(lo), int(hi)) for lo, hi in widths)
    return Pad.apply(t, widths=pairs, value=constant_values)
