"""InputSpec: what a layer accepts, and the messages when an input does not fit.

A layer declares its spec in `build` (Dense: any rank >= 2 whose last axis has the kernel's
input size; a model: its exact input shape); `Layer.__call__` checks every input against it
before computing, and the error names the layer, the shape expected and the shape received.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tensorgrad.layers.base import Layer


def reshape_hint(expected: Sequence[Any], got: Sequence[int], name: str = "x") -> str:
    """A `; reshape it first, e.g. ...` hint when `got` holds as many values as `expected`.

    >>> reshape_hint((None, 784), (60000, 28, 28))
    '; reshape it first, e.g. x = x.reshape((60000, 28 * 28))'
    >>> reshape_hint((None, 784), (784,))
    '; a single sample needs a batch axis, e.g. x = x.reshape((1, 784))'
    """
    trailing, got = tuple(expected[1:]), tuple(got)
    if not got or None in trailing or None in got[1:]:
        return ""
    if got[0] is not None and len(got) == len(trailing) and math.prod(got) == math.prod(trailing):
        new_shape = (1,) + trailing
        return f"; a single sample needs a batch axis, e.g. {name} = {name}.reshape({new_shape})"
    if math.prod(got[1:]) != math.prod(trailing):
        return ""
    if len(trailing) == 1 and len(got) > 2:
        new_shape = f"({got[0]}, {' * '.join(str(d) for d in got[1:])})"
    else:
        new_shape = str((got[0],) + trailing)
    return f"; reshape it first, e.g. {name} = {name}.reshape({new_shape})"


def axis_argument(layer: str, axis: Any, error: type[Exception] = ValueError) -> int | list[int]:
    """A layer's `axis` argument checked: an int, or a non-empty list of ints, as given.

    Raises:
        `error` (ValueError unless the layer's Keras counterpart raises another): anything else.
    """
    if isinstance(axis, (int, np.integer)) and not isinstance(axis, bool):
        return int(axis)
    if (
        isinstance(axis, (list, tuple))
        and axis
        and all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axis)
    ):
        return [int(a) for a in axis]
    raise error(f"{layer}: axis must be an int or a list of ints, got {axis!r}")


def format_shape(shape: Sequence[Any]) -> str:
    """`(None, 784)`: a shape as Keras prints it (None for any size)."""
    return str(tuple(shape))


class InputSpec:
    """What a layer accepts: an exact shape, a rank, a least rank, and sizes of some axes.

    Args:
        shape: the full shape, None where any size goes (the batch axis).
        ndim: the exact rank.
        min_ndim: the least rank.
        axes: {axis: size} for axes whose size is fixed (axis -1 for Dense).
    """

    def __init__(
        self,
        shape: Sequence[Any] | None = None,
        ndim: int | None = None,
        min_ndim: int | None = None,
        axes: dict[int, int] | None = None,
    ) -> None:
        self.shape = tuple(shape) if shape is not None else None
        self.ndim = len(self.shape) if self.shape is not None else ndim
        self.min_ndim = min_ndim
        self.axes = dict(axes or {})

    def describe(self) -> str:
        """The accepted shapes in words: `(None, 784)` or `(..., 784)`."""
        if self.shape is not None:
            return format_shape(self.shape)
        if self.axes and list(self.axes) == [-1]:
            lead = "None, " * (self.ndim - 1) if self.ndim else "..., "
            return f"({lead}{self.axes[-1]})"
        parts = [
            f"rank {self.ndim}" if self.ndim else "",
            f"rank >= {self.min_ndim}" if self.min_ndim else "",
        ]
        parts += [f"axis {a} of size {n}" for a, n in self.axes.items()]
        return ", ".join(p for p in parts if p)

    def accepts(self, shape: tuple[int, ...]) -> bool:
        ndim = len(shape)
        if self.ndim is not None and ndim != self.ndim:
            return False
        if self.min_ndim is not None and ndim < self.min_ndim:
            return False
        if self.shape is not None:
            return all(e is None or e == g for e, g in zip(self.shape, shape))
        for axis, size in self.axes.items():
            if not -ndim <= axis < ndim or shape[axis] != size:
                return False
        return True

    def check(self, layer: Layer, shape: tuple[int, ...]) -> None:
        """Raise a ValueError naming the layer, the expected and the received shape."""
        if self.accepts(shape):
            return
        hint = reshape_hint(self.shape, shape) if self.shape is not None else ""
        raise ValueError(
            f'{type(layer).__name__} layer "{layer.name}": expected an input of shape '
            f"{self.describe()}, got shape {format_shape(shape)}{hint}"
        )
