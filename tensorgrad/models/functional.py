"""Functional: a model that is a graph of layers, `Model(inputs, outputs)`.

Layers called on `Input`s record nodes (see `layers/symbolic.py`); this model walks back
from its outputs to its inputs once, keeps the nodes in an order where every node comes
after the nodes it reads, and on each call replays them on real tensors. A layer called
twice (shared) has two nodes and one set of weights; a model can be called as a layer.

>>> import numpy as np
>>> from tensorgrad import layers, models
>>> a = layers.Input(shape=(4,), name="a")
>>> b = layers.Input(shape=(4,), name="b")
>>> shared = layers.Dense(3, name="shared")
>>> merged = layers.Concatenate()([shared(a), shared(b)])
>>> model = models.Model(inputs=[a, b], outputs=layers.Dense(1, name="score")(merged))
>>> model.predict([np.ones((2, 4)), np.zeros((2, 4))]).shape, model.count_params()
((2, 1), 22)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_layer import InputLayer
from tensorgrad.layers.input_spec import InputSpec, format_shape, reshape_hint
from tensorgrad.layers.symbolic import KerasTensor, Node, is_shape
from tensorgrad.layers.tensor_op import TensorOp
from tensorgrad.models import fusion
from tensorgrad.models.model import Model
from tensorgrad.utils import nest

TENSOR_TAG = "__keras_tensor__"


class Functional(Model):
    """A model defined by its symbolic inputs and outputs (one each, or lists or dicts).

    Args:
        inputs: the `Input` tensors the model starts from (a tensor, list or dict).
        outputs: the symbolic tensors it computes (a tensor, list or dict).
        name: the model's name.

    Raises:
        TypeError: inputs or outputs that are not symbolic tensors.
        ValueError: an output that depends on an input not listed, or two layers with
            one name.
    """

    _autocast = False  # each layer casts its own inputs

    def __init__(
        self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True
    ) -> None:
        super().__init__(name=name, trainable=trainable)
        for role, structure in (("inputs", inputs), ("outputs", outputs)):
            for tensor in nest.flatten(structure):
                if not isinstance(tensor, KerasTensor):
                    raise TypeError(
                        f'Model "{self.name}": {role} must be symbolic tensors made from '
                        f"keras.Input(...) and layer calls, got {type(tensor).__name__}"
                    )
        self._inputs_struct = _plain(inputs)
        self._outputs_struct = _plain(outputs)
        self.inputs: list[KerasTensor] = nest.flatten(inputs)
        self.outputs: list[KerasTensor] = nest.flatten(outputs)
        self._nodes = _nodes_in_order(self, self.inputs, self.outputs)
        self._layers = _layers_of(self._nodes, self.inputs)
        self._fused_pools = fusion.graph_pairs(self._nodes, self.outputs)
        names = [layer.name for layer in self._layers]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                f'Model "{self.name}": layer names must be unique, but {repeated} appear more '
                f"than once; give the layers distinct name= arguments"
            )
        shapes = [t.shape for t in self.inputs]
        self._build_input_shape = shapes[0] if len(shapes) == 1 else shapes
        self._build_output_shape = nest.map_structure(lambda t: t.shape, self._outputs_struct)
        if len(shapes) == 1:
            self.input_spec = InputSpec(shape=shapes[0])
        self.built = True

    # ----- the graph -----
    @property
    def layers(self) -> list[Layer]:
        """The layers in graph order, the InputLayers first (as Keras lists them). The steps
        that keras.ops calls and operators on symbolic tensors added (TensorOp) are not
        layers in Keras' sense: `summary` shows them, `layers` leaves them out."""
        return [layer for layer in self._layers if not isinstance(layer, TensorOp)]

    @property
    def input_names(self) -> list[str]:
        if isinstance(self._inputs_struct, dict):
            return sorted(self._inputs_struct)
        return [t.node.layer.name for t in self.inputs]

    @property
    def output_names(self) -> list[str]:
        """Names of the outputs: dict keys, or the names of the layers that compute them."""
        if isinstance(self._outputs_struct, dict):
            return sorted(self._outputs_struct)
        return [t.node.layer.name for t in self.outputs]

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called `name` (or at position `index` of `layers`)."""
        if index is not None:
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(
            f'Model "{self.name}" has no layer named {name!r}; its layers: '
            f"{', '.join(layer.name for layer in self._layers)}"
        )

    def build(self, input_shape: Any = None) -> None:
        """A functional model is built when it is made."""

    # ----- running it -----
    def _takes_raw_text(self) -> bool:
        return any(symbol.dtype == "string" for symbol in self.inputs)

    def call(self, inputs: Any, training: bool = False) -> Any:
        values: dict[int, Any] = {}
        for symbol, value in zip(self.inputs, self._flatten_inputs(inputs)):
            layer = symbol.node.layer
            if isinstance(layer, InputLayer) and isinstance(value, Tensor):
                spec = layer.input_spec
                if not spec.accepts(value.data.shape):
                    raise ValueError(
                        f'Model "{self.name}": input "{layer.name}" expects shape '
                        f"{spec.describe()}, got shape {format_shape(value.data.shape)}"
                        f"{reshape_hint(spec.shape, value.data.shape, layer.name)}"
                    )
            values[id(symbol)] = value

        def real(item: Any) -> Any:
            return values[id(item)] if isinstance(item, KerasTensor) else item

        done: set[int] = set()  # pooling nodes already run with their convolution
        for node in self._nodes:
            if id(node) in done:
                continue
            args = [nest.map_structure(real, a) for a in node.args]
            kwargs = {k: nest.map_structure(real, v) for k, v in node.kwargs.items()}
            kwargs.setdefault("training", training)
            pool = self._fused_pools.get(id(node))
            size = None
            if pool is not None and fusion.can_fuse_input(args[0]):
                size = fusion.max_pool_after(node.layer, pool.layer)
            if size is not None:  # Conv2D(relu) + MaxPooling2D as one op: models/fusion.py
                node, out = pool, fusion.call_pair(node.layer, size, args[0], kwargs["training"])
                done.add(id(pool))
            else:
                out = node.layer(*args, **kwargs)
            for symbol, value in zip(node.output_tensors, nest.flatten(out)):
                values[id(symbol)] = value
        return nest.pack_sequence_as(self._outputs_struct, [values[id(t)] for t in self.outputs])

    def _flatten_inputs(self, inputs: Any) -> list[Any]:
        """The values for `self.inputs`, in order, from a value, a list or a dict by name."""
        names = [t.node.layer.name for t in self.inputs]
        if isinstance(self._inputs_struct, dict):
            names = sorted(self._inputs_struct)
        if isinstance(inputs, Mapping):
            missing = [n for n in names if n not in inputs]
            if missing:
                expected = {n: format_shape(t.shape) for n, t in zip(names, self.inputs)}
                raise ValueError(
                    f'Model "{self.name}": no value for input "{missing[0]}" (expected shape '
                    f"{expected[missing[0]]}); the dict of inputs has keys {sorted(inputs)}, "
                    f"the model's inputs are {expected}"
                )
            extra = sorted(set(inputs) - set(names))
            if extra:
                raise ValueError(
                    f'Model "{self.name}": unknown input name(s) {extra}; its inputs are {names}'
                )
            return [inputs[n] for n in names]
        flat = [inputs] if not isinstance(inputs, (list, tuple)) else list(inputs)
        if len(flat) != len(self.inputs):
            raise ValueError(
                f'Model "{self.name}" has {len(self.inputs)} inputs '
                f"({', '.join(f'{n} {format_shape(t.shape)}' for n, t in zip(names, self.inputs))})"
                f", got {len(flat)} value(s)"
            )
        return flat

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shapes, found by passing the input shapes through each node's layer."""
        shapes_in = [input_shape] if is_shape(tuple(input_shape)) else list(input_shape)
        shapes: dict[int, Any] = {id(t): tuple(s) for t, s in zip(self.inputs, shapes_in)}

        def shape_of(item: Any) -> Any:
            return shapes[id(item)] if isinstance(item, KerasTensor) else item

        for node in self._nodes:
            out = node.layer.compute_output_shape(nest.map_structure(shape_of, node.args[0]))
            out_list = [out] if is_shape(tuple(out)) else list(out)
            for symbol, shape in zip(node.output_tensors, out_list):
                shapes[id(symbol)] = tuple(shape)
        result = [shapes[id(t)] for t in self.outputs]
        if not nest.is_nested(self._outputs_struct):
            return result[0]
        return result

    # ----- config -----
    def get_config(self) -> dict[str, Any]:
        """Layers with the calls that connect them, and which tensors are inputs and outputs."""
        own = self._own_node_indices()
        layers = []
        for layer in self._layers:
            nodes = [n for n in self._nodes if n.layer is layer]
            layers.append(
                {
                    "class_name": type(layer).__name__,
                    "name": layer.name,
                    "config": layer.get_config(),
                    "inbound_nodes": [
                        {
                            "args": _encode(list(n.args), own),
                            "kwargs": _encode(n.kwargs, own),
                        }
                        for n in nodes
                    ],
                }
            )
        return {
            "name": self.name,
            "trainable": self.trainable,
            "layers": layers,
            "input_layers": _encode(self._inputs_struct, own),
            "output_layers": _encode(self._outputs_struct, own),
        }

    def _own_node_indices(self) -> dict[int, int]:
        """Each node's index among its layer's nodes that belong to this model."""
        counts: dict[int, int] = {}
        index = {}
        for symbol in self.inputs:
            index[id(symbol.node)] = 0
            counts[id(symbol.node.layer)] = 1
        for node in self._nodes:
            index[id(node)] = counts.get(id(node.layer), 0)
            counts[id(node.layer)] = index[id(node)] + 1
        return index

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any],
        custom_objects: Mapping[str, Any] | None = None,
        deserialize_layer: Callable[[dict[str, Any]], Layer] | None = None,
    ) -> Functional:
        """Make the layers again and call them as the config says, rebuilding the graph.

        `deserialize_layer` turns {"class_name", "config"} into a layer; saving passes one
        that knows only the library's classes and the user's custom objects.
        """
        from tensorgrad.layers.base import deserialize

        make = deserialize_layer or deserialize
        created: dict[str, Layer] = {}
        made: dict[tuple[str, int], list[KerasTensor]] = {}
        pending: list[tuple[Layer, int, dict[str, Any]]] = []
        for item in config["layers"]:
            layer = make({"class_name": item["class_name"], "config": item["config"]})
            created[item["name"]] = layer
            if isinstance(layer, InputLayer):
                made[(item["name"], 0)] = [layer.output]
                continue
            for k, node in enumerate(item.get("inbound_nodes", [])):
                pending.append((layer, k, node))

        def decode(value: Any) -> Any:
            if isinstance(value, dict) and value.get("class_name") == TENSOR_TAG:
                name, node_index, tensor_index = value["config"]["keras_history"]
                return made[(name, node_index)][tensor_index]
            if isinstance(value, dict):
                return {k: decode(v) for k, v in value.items()}
            if isinstance(value, list):
                return [decode(v) for v in value]
            return value

        while pending:
            progress = False
            for entry in list(pending):
                layer, k, node = entry
                try:
                    args, kwargs = decode(node["args"]), decode(node["kwargs"])
                except KeyError:
                    continue  # an input of this call is not made yet
                outputs = layer(*args, **kwargs)
                made[(layer.name, k)] = nest.flatten(outputs)
                pending.remove(entry)
                progress = True
            if not progress:
                names = ", ".join(sorted({layer.name for layer, _, _ in pending}))
                raise ValueError(f"Functional.from_config: the calls of {names} cannot be linked")
        model = cls(
            inputs=decode(config["input_layers"]),
            outputs=decode(config["output_layers"]),
            name=config.get("name"),
        )
        model.trainable = config.get("trainable", True)
        return model


Model._functional_class = Functional


# ----- graph helpers -----
def _plain(structure: Any) -> Any:
    """Tuples as lists and dicts as plain dicts, as the structure of inputs and outputs."""
    if isinstance(structure, Mapping):
        return {k: _plain(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_plain(v) for v in structure]
    return structure


def _nodes_in_order(
    model: Model, inputs: list[KerasTensor], outputs: list[KerasTensor]
) -> list[Node]:
    """The nodes between inputs and outputs, each after the nodes it reads (no recursion)."""
    input_ids = {id(t) for t in inputs}
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[KerasTensor, bool]] = [(t, False) for t in reversed(outputs)]
    while stack:
        tensor, expanded = stack.pop()
        if id(tensor) in input_ids:
            continue
        node = tensor.node
        if expanded:
            if id(node) not in seen:
                seen.add(id(node))
                order.append(node)
            continue
        if id(node) in seen:
            continue
        if node.is_input:
            raise ValueError(
                f'Model "{model.name}": an output depends on the input "{node.layer.name}" '
                f"{format_shape(tensor.shape)}, which is not among the model's inputs; add it "
                f"to inputs="
            )
        stack.append((tensor, True))
        for parent in reversed(node.input_tensors):
            stack.append((parent, False))
    return order


def _layers_of(nodes: list[Node], inputs: list[KerasTensor]) -> list[Layer]:
    layers: list[Layer] = []
    for layer in [t.node.layer for t in inputs] + [n.layer for n in nodes]:
        if not any(layer is known for known in layers):
            layers.append(layer)
    return layers


def _encode(value: Any, own: dict[int, int]) -> Any:
    """The JSON form of call arguments, with tensors as [layer name, node, tensor index]."""
    if isinstance(value, KerasTensor):
        layer, _, tensor_index = value._keras_history
        node = value.node
        return {
            "class_name": TENSOR_TAG,
            "config": {"keras_history": [layer.name, own.get(id(node), 0), tensor_index]},
        }
    if isinstance(value, Mapping):
        return {k: _encode(v, own) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_encode(v, own) for v in value]
    return value
