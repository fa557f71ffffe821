"""Merge layers: combine a list of tensors into one (Add, Concatenate, ...), as Keras names them.

Element-wise merges need inputs of one shape (Keras also broadcasts size-1 axes; so do we);
Concatenate joins along an axis where every other axis agrees. Each comes as a class and as
a lowercase function that builds the layer and calls it: `layers.add([a, b])`.

>>> import numpy as np
>>> from tensorgrad import layers
>>> layers.Add()([np.ones((2, 3)), np.ones((2, 3))]).numpy()[0]
array([2., 2., 2.], dtype=float32)
>>> layers.Concatenate()([np.ones((2, 3)), np.zeros((2, 1))]).shape
(2, 4)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.ops import elementwise, linalg
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import format_shape


class _Merge(Layer):
    """Base of the element-wise merges: two or more inputs of one shape (or broadcastable)."""

    supports_masking = True

    def _check_inputs(self, input_shape: Any) -> list[tuple[Any, ...]]:
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 2 or not all(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": expects a list of at least 2 '
                f"inputs, got {input_shape!r}"
            )
        return [tuple(s) for s in input_shape]

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shapes = self._check_inputs(input_shape)
        if len({len(s) for s in shapes}) != 1:
            raise ValueError(self._mismatch(shapes))
        out = []
        for dims in zip(*shapes):
            known = {d for d in dims[1:] if d is not None and d != 1} | (
                {dims[0]} if dims[0] not in (None, 1) else set()
            )
            if len(known) > 1:
                raise ValueError(self._mismatch(shapes))
            out.append(known.pop() if known else (1 if all(d == 1 for d in dims) else None))
        return (None,) + tuple(out[1:])

    def _mismatch(self, shapes: Sequence[tuple[Any, ...]]) -> str:
        return (
            f'{type(self).__name__} layer "{self.name}": inputs must have the same shape, got '
            f"shapes {', '.join(format_shape(s) for s in shapes)}"
        )

    def call(self, inputs: Sequence[Tensor]) -> Tensor:
        return functools.reduce(self._merge, inputs)

    def _merge(self, a: Tensor, b: Tensor) -> Tensor:
        raise NotImplementedError

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """Keep a timestep if any input keeps it (Keras' rule for merged masks)."""
        if mask is None:
            return None
        masks = [m for m in mask if m is not None]
        return functools.reduce(np.logical_or, masks) if masks else None


class Add(_Merge):
    """The sum of the inputs."""

    def _merge(self, a: Tensor, b: Tensor) -> Tensor:
        return elementwise.add(a, b)


class Subtract(_Merge):
    """The first input minus the second (exactly two inputs)."""

    def _check_inputs(self, input_shape: Any) -> list[tuple[Any, ...]]:
        shapes = super()._check_inputs(input_shape)
        if len(shapes) != 2:
            raise ValueError(
                f'Subtract layer "{self.name}": expects exactly 2 inputs, got {len(shapes)}'
            )
        return shapes

    def _merge(self, a: Tensor, b: Tensor) -> Tensor:
        return elementwise.subtract(a, b)


class Multiply(_Merge):
    """The element-wise product of the inputs."""

    def _merge(self, a: Tensor, b: Tensor) -> Tensor:
        return elementwise.multiply(a, b)


class Maximum(_Merge):
    """The element-wise maximum of the inputs."""

    def _merge(self, a: Tensor, b: Tensor) -> Tensor:
        return elementwise.maximum(a, b)


class Minimum(_Merge):
    """The element-wise minimum of the inputs."""

    def _merge(self, a: Tensor, b: Tensor) -> Tensor:
        return elementwise.minimum(a, b)


class Average(_Merge):
    """The element-wise mean of the inputs."""

    def call(self, inputs: Sequence[Tensor]) -> Tensor:
        return elementwise.multiply(
            functools.reduce(elementwise.add, inputs), 1.0 / len(inputs)
        )


class Concatenate(Layer):
    """Join the inputs along `axis` (the last by default); the other axes must agree.

    Args:
        axis: the axis to join along.
    """

    supports_masking = True

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
            raise TypeError(f"Concatenate: axis must be an integer, got {axis!r}")
        self.axis = int(axis)

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) < 1 or not all(
            isinstance(s, (list, tuple)) for s in input_shape
        ):
            raise ValueError(
                f'Concatenate layer "{self.name}": expects a list of inputs, got {input_shape!r}'
            )
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank if rank and -rank <= self.axis < rank else None
        if axis is None or axis == 0 or any(len(s) != rank for s in shapes):
            raise ValueError(self._mismatch(shapes))
        out = list(shapes[0])
        for i in range(1, rank):
            dims = [s[i] for s in shapes]
            if i == axis:
                out[i] = None if None in dims else sum(dims)
            else:
                known = {d for d in dims if d is not None}
                if len(known) > 1:
                    raise ValueError(self._mismatch(shapes))
                out[i] = known.pop() if known else None
        return (None,) + tuple(out[1:])

    def _mismatch(self, shapes: Sequence[tuple[Any, ...]]) -> str:
        return (
            f'Concatenate layer "{self.name}": inputs must have the same shape except along '
            f"axis {self.axis}, got shapes {', '.join(format_shape(s) for s in shapes)}"
        )

    def call(self, inputs: Sequence[Tensor]) -> Tensor:
        return shape_ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None or self.axis % inputs[0].ndim != inputs[0].ndim - 1:
            return None
        masks = [m for m in mask if m is not None]
        return functools.reduce(np.logical_and, masks) if masks else None

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class Dot(Layer):
    """Dot products of samples of two inputs along `axes`, as Keras' Dot.

    Args:
        axes: the axis of each input to sum over (one int for both, or a pair).
        normalize: L2-normalise the samples along those axes first (cosine similarity).
    """

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axes = [int(axes), int(axes)] if isinstance(axes, (int, np.integer)) else list(axes)
        self.normalize = bool(normalize)

    def build(self, input_shape: Any) -> None:
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        a, b = (tuple(s) for s in input_shape)
        ax, bx = (axis % len(s) for axis, s in zip(self.axes, (a, b)))
        if a[ax] is not None and b[bx] is not None and a[ax] != b[bx]:
            raise ValueError(
                f'Dot layer "{self.name}": axis {self.axes[0]} of {format_shape(a)} and axis '
                f"{self.axes[1]} of {format_shape(b)} must have the same size"
            )
        out = a[1:ax] + a[ax + 1 :] + b[1:bx] + b[bx + 1 :]
        return (None,) + (out if out else (1,))

    def call(self, inputs: Sequence[Tensor]) -> Tensor:
        a, b = inputs
        ax, bx = (axis % t.ndim for axis, t in zip(self.axes, (a, b)))
        if self.normalize:
            a = a / elementwise.sqrt((a * a).sum(axis=ax, keepdims=True) + 1e-12)
            b = b / elementwise.sqrt((b * b).sum(axis=bx, keepdims=True) + 1e-12)
        if a.ndim == 2 and b.ndim == 2:
            return (a * b).sum(axis=1, keepdims=True)
        a = shape_ops.transpose(a, [0] + [i for i in range(1, a.ndim) if i != ax] + [ax])
        b = shape_ops.transpose(b, [0, bx] + [i for i in range(1, b.ndim) if i != bx])
        n = a.shape[0]
        a2 = shape_ops.reshape(a, (n, -1, a.shape[-1]))
        b2 = shape_ops.reshape(b, (n, b.shape[1], -1))
        out = linalg.matmul(a2, b2)
        return shape_ops.reshape(out, (n,) + a.shape[1:-1] + b.shape[2:])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def _functional(cls: type[Layer]) -> Any:
    def merge(inputs: Sequence[Any], **kwargs: Any) -> Any:
        return cls(**kwargs)(list(inputs))

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = f"`{cls.__name__}(**kwargs)(inputs)`: build the layer and call it."
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
maximum = _functional(Maximum)
minimum = _functional(Minimum)
average = _functional(Average)
concatenate = _functional(Concatenate)


def dot(inputs: Sequence[Any], axes: Any, normalize: bool = False, **kwargs: Any) -> Any:
    """`Dot(axes, normalize)(inputs)`: build the layer and call it."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(list(inputs))
