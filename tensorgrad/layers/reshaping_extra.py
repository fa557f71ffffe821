"""More reshaping layers from Keras 3: RepeatVector, Permute, Cropping1D, Cropping2D and
Identity.

>>> from tensorgrad import layers
>>> layers.RepeatVector(3).compute_output_shape((None, 32))
(None, 3, 32)
>>> layers.Permute((2, 1)).compute_output_shape((None, 10, 64))
(None, 64, 10)
>>> layers.Cropping2D(((2, 2), (4, 4))).compute_output_shape((None, 28, 28, 3))
(None, 24, 20, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.ops import repeat as repeat_ops
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.conv import check_data_format, normalize_tuple
from tensorgrad.layers.input_spec import InputSpec


def _is_int(value: Any) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class RepeatVector(Layer):
    """Repeats a (batch, features) input n times: (batch, n, features) (seq2seq decoders)."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not _is_int(n):
            raise TypeError(f"RepeatVector: n must be an integer, got {n!r}")
        if n <= 0:
            raise ValueError(f"RepeatVector: n must be a positive integer, got {n}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Tensor) -> Tensor:
        return repeat_ops.repeat(shape_ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Reorders the axes after the batch axis: dims=(2, 1) swaps the first two of them.

    Args:
        dims: a permutation of 1..rank (the batch axis, 0, stays first).
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        try:
            ok = all(_is_int(d) for d in dims) and sorted(dims) == list(range(1, len(dims) + 1))
        except TypeError:
            ok = False
        if not ok:
            raise ValueError(
                f"Permute: dims must be a permutation of 1..n (the axes after the batch axis, "
                f"counted from 1), got {dims!r}"
            )
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Tensor) -> Tensor:
        return shape_ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": list(self.dims)}


def _crop(size: Any, pair: tuple[int, int], layer: Layer, input_shape: Any) -> Any:
    if size is None:
        return None
    if sum(pair) >= size:
        raise ValueError(
            f'{type(layer).__name__} layer "{layer.name}": cropping {layer.cropping} must '
            f"leave something of each cropped axis, got input shape {tuple(input_shape)}"
        )
    return size - sum(pair)


def _slice(pair: tuple[int, int]) -> slice:
    return slice(pair[0], -pair[1] if pair[1] else None)


class Cropping1D(Layer):
    """Removes steps from the start and the end of (batch, steps, features) sequences.

    Args:
        cropping: an int (both ends) or (start, end).
    """

    def __init__(self, cropping: int | Sequence[int] = (1, 1), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cropping = normalize_tuple(cropping, 2, "cropping", "Cropping1D", 0)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Tensor) -> Tensor:
        _crop(inputs.shape[1], self.cropping, self, inputs.shape)
        return shape_ops.getitem(inputs, (slice(None), _slice(self.cropping)))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        steps = _crop(input_shape[1], self.cropping, self, input_shape)
        return (input_shape[0], steps, input_shape[2])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "cropping": list(self.cropping)}


def _cropping_pairs(cropping: Any) -> tuple[tuple[int, int], tuple[int, int]]:
    """2 -> ((2, 2), (2, 2)); (1, 2) -> ((1, 1), (2, 2)); ((1, 2), (3, 4)) as it is."""
    layer = "Cropping2D"
    if _is_int(cropping):
        c = normalize_tuple(cropping, 1, "cropping", layer, 0)[0]
        return (c, c), (c, c)
    if not isinstance(cropping, (list, tuple)) or len(cropping) != 2:
        raise ValueError(
            f"{layer}: cropping must be an int, (rows, cols) or ((top, bottom), (left, "
            f"right)), got {cropping!r}"
        )
    rows = normalize_tuple(cropping[0], 2, "the 1st entry of cropping", layer, 0)
    cols = normalize_tuple(cropping[1], 2, "the 2nd entry of cropping", layer, 0)
    return rows, cols  # type: ignore[return-value]


class Cropping2D(Layer):
    """Removes rows and columns at the edges of channels_last images.

    Args:
        cropping: an int (all four sides), (rows, cols) (symmetric), or
            ((top, bottom), (left, right)).
    """

    def __init__(
        self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        check_data_format("Cropping2D", data_format)
        self.data_format = "channels_last"
        self.cropping = _cropping_pairs(cropping)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        self.compute_output_shape(inputs.shape)
        rows, cols = self.cropping
        return shape_ops.getitem(inputs, (slice(None), _slice(rows), _slice(cols)))

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        rows, cols = self.cropping
        return (
            input_shape[0],
            _crop(input_shape[1], rows, self, input_shape),
            _crop(input_shape[2], cols, self, input_shape),
            input_shape[3],
        )

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "cropping": [list(p) for p in self.cropping],
            "data_format": self.data_format,
        }


class Identity(Layer):
    """Returns its input unchanged (a placeholder, e.g. where a model may put a layer)."""

    supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape
