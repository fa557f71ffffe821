"""TensorOp: a `keras.ops` function, operator or slice applied to symbolic tensors.

In Keras 3, `inputs * 2`, `x[:, :5]` or `ops.concatenate([a, b])` on the outputs of
`keras.Input` and of layers become steps of the functional graph. Here each such call
becomes a TensorOp layer: it remembers the function's name and its other arguments, with
the symbolic tensors taken out as its inputs, and calls the function again on real
tensors. Its config holds only names, numbers and lists, so a model with such steps saves
and loads under the safe format.

>>> import tensorgrad as tg
>>> inputs = tg.Input((3,))
>>> doubled = inputs * 2 + 1
>>> type(doubled.node.layer).__name__, doubled.node.layer.summary_type, doubled.shape
('TensorOp', 'Add', (None, 3))
>>> tg.Model(inputs, doubled).predict(tg.ones((1, 3)).numpy(), verbose=0)
array([[3., 3., 3.]], dtype=float32)
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer, unique_name
from tensorgrad.layers.symbolic import KerasTensor, probe_output_shapes
from tensorgrad.utils import nest

TENSOR, SLICE, TUPLE, ARRAY, ELLIPSIS = "__tensor__", "__slice__", "__tuple__", "__ndarray__", "..."


def _function(name: str) -> Any:
    """The function a TensorOp calls: `tensorgrad.ops.<name>`, or indexing for "getitem"."""
    if name == "getitem":
        return operator.getitem
    from tensorgrad import ops

    fn = getattr(ops, name, None) if name in ops.__all__ else None
    if fn is None:
        raise ValueError(
            f"TensorOp: unknown function {name!r}; expected the name of a keras.ops function "
            "(tensorgrad.ops.__all__) or 'getitem'"
        )
    return fn


def _encode(value: Any, tensors: list[KerasTensor]) -> Any:
    """`value` as JSON-friendly data, each KerasTensor replaced by {TENSOR: its position}."""
    if isinstance(value, KerasTensor):
        tensors.append(value)
        return {TENSOR: len(tensors) - 1}
    if isinstance(value, slice):
        return {SLICE: [_encode(v, tensors) for v in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {ELLIPSIS: True}
    if isinstance(value, tuple):
        return {TUPLE: [_encode(v, tensors) for v in value]}
    if isinstance(value, list):
        return [_encode(v, tensors) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v, tensors) for k, v in value.items()}
    if isinstance(value, (np.ndarray, Tensor)):
        array = value.data if isinstance(value, Tensor) else value
        return {ARRAY: array.tolist(), "dtype": array.dtype.name}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise TypeError(
        f"keras.ops on symbolic tensors: cannot record an argument of type "
        f"{type(value).__name__} ({value!r}); give numbers, lists or arrays, or wrap the "
        "computation in a layer"
    )


def _decode(value: Any, tensors: list[Any]) -> Any:
    """The inverse of `_encode`, with the real tensors put back in their places."""
    if isinstance(value, list):
        return [_decode(v, tensors) for v in value]
    if not isinstance(value, dict):
        return value
    if TENSOR in value:
        return tensors[value[TENSOR]]
    if SLICE in value:
        return slice(*(_decode(v, tensors) for v in value[SLICE]))
    if ELLIPSIS in value:
        return Ellipsis
    if TUPLE in value:
        return tuple(_decode(v, tensors) for v in value[TUPLE])
    if ARRAY in value:
        return np.asarray(value[ARRAY], dtype=value["dtype"])
    return {k: _decode(v, tensors) for k, v in value.items()}


class TensorOp(Layer):
    """The graph step of one function call on symbolic tensors (see the module's text).

    Args:
        function: the name of a `keras.ops` function, or "getitem" for indexing.
        arguments: the call's positional arguments, encoded (tensors as their positions
            in the layer's inputs).
        keyword_arguments: the call's keyword arguments, encoded the same way.
    """

    _autocast = False  # integer inputs (indices, masks) stay integers

    def __init__(
        self,
        function: str,
        arguments: list[Any] | None = None,
        keyword_arguments: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self._fn = _function(function)  # an unknown name fails here, not at the first call
        kwargs.setdefault("name", unique_name(function))
        super().__init__(**kwargs)
        self.function = function
        self.arguments = list(arguments or [])
        self.keyword_arguments = dict(keyword_arguments or {})
        self._input_dtypes: list[str] = []
        self._result_dtypes: list[str] = []

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(inputs, list) and any(isinstance(t, KerasTensor) for t in inputs):
            self._input_dtypes = [t.dtype for t in inputs]  # for the probe of the shapes
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs: list[Any]) -> Any:
        args = _decode(self.arguments, inputs)
        kwargs = _decode(self.keyword_arguments, inputs)
        result = self._fn(*args, **kwargs)
        leaves = nest.flatten(result) if nest.is_nested(result) else [result]
        self._result_dtypes = [np.dtype(getattr(t, "dtype", "float32")).name for t in leaves]
        return result

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Found by running the function on zeros of the inputs' shapes and dtypes."""
        symbols = [KerasTensor(s, d) for s, d in zip(input_shape, self._input_dtypes)]
        return probe_output_shapes(self, symbols)

    def _output_dtype(self, inputs: Any) -> Any:
        """The dtype of each output, as the probe of the shapes found them."""
        found = self._result_dtypes
        if not found:
            return self.dtype
        return found[0] if len(found) == 1 else list(found)

    @property
    def summary_type(self) -> str:
        """What summary shows in the type column: the op, as Keras names it (Multiply)."""
        return "GetItem" if self.function == "getitem" else _camel(self.function)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "function": self.function,
            "arguments": self.arguments,
            "keyword_arguments": self.keyword_arguments,
        }


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def record(function: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`function(*args, **kwargs)` on symbolic tensors, as a TensorOp step of the graph."""
    tensors: list[KerasTensor] = []
    arguments = _encode(list(args), tensors)
    keyword_arguments = _encode(dict(kwargs), tensors)
    for t in tensors:
        if t.shape[:1] != (None,):
            raise ValueError(
                f"keras.ops.{function} on symbolic tensors: every symbolic input must have a "
                f"batch axis first (None), got shape {t.shape}"
            )
    return TensorOp(function, arguments, keyword_arguments)(tensors)
