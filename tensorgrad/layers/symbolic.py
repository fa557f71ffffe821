"""Symbolic tensors and nodes: the graph of layers that the functional API builds.

`Input(shape=(784,))` returns a `KerasTensor`: a shape and a dtype, no values. Calling a
layer on KerasTensors computes nothing; it records a `Node` (this layer, called on these
tensors with these arguments) and returns new KerasTensors of the output shapes that the
layer's `compute_output_shape` gives. Every KerasTensor remembers the node that made it
(`_keras_history`), so `Model(inputs, outputs)` can walk back from its outputs to its inputs
and later replay the nodes in order on real tensors.

>>> from tensorgrad import layers
>>> x = layers.Input(shape=(784,), name="pixels")
>>> y = layers.Dense(10)(x)
>>> y.shape, y._keras_history[0].name == y.node.layer.name
((None, 10), True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from tensorgrad.utils import nest, text_arrays

if TYPE_CHECKING:
    from tensorgrad.layers.base import Layer


def _record(function: str, *args: Any) -> Any:
    """`function(*args)` on symbolic tensors, recorded as a step of the graph."""
    from tensorgrad.layers import tensor_op  # it builds on Layer, which imports this module

    return tensor_op.record(function, args, {})


def _operator(function: str, reflected: bool = False) -> Any:
    """The method behind a binary operator (x + y, x[i]): `function(x, y)`, or
    `function(y, x)` for the reflected form (2 + x)."""

    def method(self: KerasTensor, other: Any) -> Any:
        return _record(function, other, self) if reflected else _record(function, self, other)

    return method


class KerasTensor:
    """The symbolic output of a layer: shape (None for the batch axis) and dtype, no data.

    Attributes:
        shape: the batch shape, such as (None, 784).
        dtype: the dtype name, such as "float32" ("string" for raw text).
        name: the name of the layer (and its output) that made it.
    """

    def __init__(self, shape: tuple[Any, ...], dtype: Any = "float32", name: str | None = None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = "string" if text_arrays.is_string_dtype(dtype) else np.dtype(dtype).name
        self.name = name
        self._keras_history: tuple[Layer, int, int] | None = None

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def node(self) -> Node:
        """The node that computed this tensor."""
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    # Arithmetic, comparisons and indexing become steps of the graph (TensorOp, in
    # layers/tensor_op.py), as keras.ops calls on symbolic tensors do in Keras 3.
    # == and != stay identity tests: graphs keep KerasTensors in lists and dicts.
    __add__, __radd__ = _operator("add"), _operator("add", reflected=True)
    __sub__, __rsub__ = _operator("subtract"), _operator("subtract", reflected=True)
    __mul__, __rmul__ = _operator("multiply"), _operator("multiply", reflected=True)
    __truediv__, __rtruediv__ = _operator("divide"), _operator("divide", reflected=True)
    __pow__, __rpow__ = _operator("power"), _operator("power", reflected=True)
    __matmul__, __rmatmul__ = _operator("matmul"), _operator("matmul", reflected=True)
    __lt__, __le__ = _operator("less"), _operator("less_equal")
    __gt__, __ge__ = _operator("greater"), _operator("greater_equal")
    __getitem__ = _operator("getitem")

    def __neg__(self) -> Any:
        return _record("negative", self)

    def __abs__(self) -> Any:
        return _record("abs", self)

    __array_ufunc__ = None  # `array * symbolic` defers to __rmul__ rather than converting

    def __array__(self, *_: Any, **__: Any) -> Any:
        raise TypeError(
            f"KerasTensor {self.name!r} is symbolic: it holds no values to make an array of; "
            "compute on it with keras.ops (or operators) to extend the graph, or build a "
            "Model and call predict"
        )

    __hash__ = object.__hash__


class Node:
    """One call of a layer in the graph: its arguments (with KerasTensors) and its outputs."""

    def __init__(
        self, layer: Layer, args: tuple[Any, ...], kwargs: dict[str, Any], outputs: Any
    ) -> None:
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs
        self.output_tensors: list[KerasTensor] = nest.flatten(outputs)
        self.input_tensors: list[KerasTensor] = [
            t for t in nest.flatten([list(args), kwargs]) if isinstance(t, KerasTensor)
        ]
        nodes = layer.__dict__.setdefault("_inbound_nodes", [])
        self.index = len(nodes)
        nodes.append(self)
        for i, tensor in enumerate(self.output_tensors):
            tensor._keras_history = (layer, self.index, i)

    @property
    def is_input(self) -> bool:
        """An Input's node: it has no inputs of its own."""
        return not self.input_tensors

    @property
    def parent_nodes(self) -> list[Node]:
        return [t.node for t in self.input_tensors]

    def __repr__(self) -> str:
        return f"<Node {self.layer.name}[{self.index}]>"


def any_symbolic(*values: Any) -> bool:
    """Whether any leaf of the values is a KerasTensor (a layer call that builds a graph)."""
    for value in values:
        if isinstance(value, KerasTensor):
            return True
        if nest.is_nested(value) and any(isinstance(v, KerasTensor) for v in nest.flatten(value)):
            return True
    return False


def is_shape(value: Any) -> bool:
    """Whether `value` is one shape, (None, 10), rather than a list of shapes."""
    return isinstance(value, tuple) and all(
        d is None or isinstance(d, (int, np.integer)) for d in value
    )


def symbolic_call(layer: Layer, inputs: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Record `layer(inputs, *args, **kwargs)` on KerasTensors; return the symbolic outputs.

    The layer is built from the input shapes, and its output shapes come from its
    `compute_output_shape`, so a layer that does not fit its inputs fails here, when the
    graph is drawn, with the layer's own message.
    """
    shapes = nest.map_structure(
        lambda t: t.shape if isinstance(t, KerasTensor) else np.shape(t), inputs
    )
    shapes = _as_shape_structure(shapes)
    if any_symbolic(args, kwargs):  # more tensors than the first argument: call(a, b)
        # build sees the first argument's shape (as Keras' build(input_shape) does); the
        # output shapes come from a call on zeros, which needs every argument.
        layer._build_for(shapes, several_inputs=True)
        out_shapes = probe_output_shapes(layer, inputs, args, kwargs)
        if layer._build_output_shape is None:
            layer._build_output_shape = out_shapes
    else:
        layer._build_for(shapes)
        out_shapes = layer.compute_output_shape(shapes)
    dtype = layer._output_dtype(inputs)  # one for all outputs, or a list of one each
    dtypes = iter(dtype) if isinstance(dtype, list) else None

    def make(shape: Any) -> Any:
        if is_shape(shape):
            return KerasTensor(shape, dtype if dtypes is None else next(dtypes), name=layer.name)
        return [make(s) for s in shape]

    outputs = make(tuple(out_shapes) if is_shape(tuple(out_shapes)) else list(out_shapes))
    Node(layer, (inputs, *args), dict(kwargs), outputs)
    return outputs


def probe_output_shapes(
    layer: Layer, inputs: Any, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None
) -> Any:
    """The output shapes of `layer(inputs, *args, **kwargs)` on symbolic tensors, found by
    calling it on zeros in their place (unknown sizes tried at two lengths): one shape, or
    a list of them."""
    kwargs = kwargs or {}
    from tensorgrad.engine import grad_mode
    from tensorgrad.layers.layer_losses import losses_paused

    def probe(size: int) -> tuple[list[tuple[int, ...]], Any]:
        def zeros(item: Any) -> Any:
            if not isinstance(item, KerasTensor):
                return item
            dims = (1,) + tuple(size if d is None else d for d in item.shape[1:])
            return np.zeros(dims, dtype="float32" if item.dtype == "string" else item.dtype)

        real = [nest.map_structure(zeros, a) for a in (inputs, *args)]
        named = {k: nest.map_structure(zeros, v) for k, v in kwargs.items()}
        with grad_mode.no_grad(), losses_paused():
            out = layer(*real, **named)
        return [tuple(t.shape) for t in nest.flatten(out)], out

    first, out = probe(2)
    second, _ = probe(3)
    shapes = [
        (None,) + tuple(a if a == b else None for a, b in zip(s1[1:], s2[1:]))
        for s1, s2 in zip(first, second)
    ]
    return shapes[0] if not nest.is_nested(out) else shapes


def _as_shape_structure(shapes: Any) -> Any:
    """Shapes as tuples, and a list (or dict) of them as a list of tuples: what build expects."""
    if is_shape(tuple(shapes)) if isinstance(shapes, (list, tuple)) else False:
        return tuple(shapes)
    if isinstance(shapes, dict):
        return {k: _as_shape_structure(v) for k, v in shapes.items()}
    return [_as_shape_structure(s) for s in shapes]
