"""Layer: the base of every layer and model.

A layer owns weights (tensors updated in place by optimizers), creates them lazily in
`build(input_shape)` the first time it sees an input (or as soon as `input_shape=` is
given to a model), and computes its output in `call`. `__call__` converts arrays, builds
when needed, checks the input against what the layer was built for, then runs `call`.
A layer is described by `get_config()` and made again by `from_config(config)`.

The losses a layer adds beyond the compiled one (`add_loss`, activity and weight
penalties, `layer.losses`) are kept by layers/layer_losses.py, which Layer inherits.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tensorgrad import constraints, initializers, regularizers
from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import as_array, default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers import layer_losses, symbolic, weight_budget
from tensorgrad.layers.input_spec import InputSpec, format_shape, reshape_hint
from tensorgrad.layers.layer_losses import LossTracking, losses_paused
from tensorgrad.utils import nest, text_arrays
from tensorgrad.utils.registry import snake_case

LAYER_CLASSES: dict[str, type[Layer]] = {}
"""Every Layer subclass by class name, for `deserialize` (filled as classes are defined)."""

_name_counts: dict[str, int] = {}


def unique_name(base: str) -> str:
    """`base`, then `base_1`, `base_2`... as Keras numbers layers ("dense", "dense_1")."""
    count = _name_counts.get(base, 0)
    _name_counts[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def clear_session() -> None:
    """Restart automatic layer names from "dense", "sequential"... (as Keras' clear_session)."""
    _name_counts.clear()


def _batch_shape(shape: Any) -> Any:
    """A shape as a tuple with the batch axis as None: (32, 784) -> (None, 784).

    A list (or dict) of shapes, for layers with several inputs, gives a list (dict) of them.
    """
    if isinstance(shape, dict):
        return {k: _batch_shape(v) for k, v in shape.items()}
    if isinstance(shape, (list, tuple)) and shape and not symbolic.is_shape(tuple(shape)):
        return [_batch_shape(s) for s in shape]
    if isinstance(shape, (int, np.integer)):
        raise TypeError(
            f"build: input_shape must be a tuple with the batch axis first, such as (None, "
            f"{shape}), got {shape}"
        )
    shape = tuple(None if d is None else int(d) for d in shape)
    return (None,) + shape[1:] if shape else shape


def _wrap_build(build: Any) -> Any:
    """Make a subclass's `build` mark the layer built and remember the shape it was built for."""

    @functools.wraps(build)
    def wrapped(self: Layer, input_shape: Any = None) -> None:
        shape = None if input_shape is None else _batch_shape(input_shape)
        build(self, shape)
        self._record_build(shape if shape is not None else self._build_input_shape)

    return wrapped


class Layer(LossTracking):
    """Base class of layers: weights, lazy build, call, config.

    Args:
        name: a name unique in the session; by default the snake_case class name,
            numbered from the second one ("dense", "dense_1", ...).
        trainable: whether fit updates the weights.
        dtype: float dtype of the weights (the library default, float32, when None).
        input_shape: the shape of one sample, without the batch axis, e.g. (784,): lets a
            model build its weights (and print a summary) before seeing data.
        batch_input_shape: the same with the batch axis first, e.g. (None, 784).
        input_dim: shorthand for input_shape=(input_dim,).
        activity_regularizer: a regularizer (or its name) applied to each output of the
            layer; its penalty, divided by the batch size, goes to `losses`.

    Raises:
        TypeError: an unknown keyword argument (with the closest known name).
    """

    _call_takes_training = False
    _call_takes_mask = False
    _call_positional: tuple[str, ...] = ()  # call's parameters after inputs, in order
    _training_if_unset = False  # `training` of a direct call that does not say (Keras' rule)
    _makes_masks = False  # compute_mask is overridden: ask it even when no mask comes in
    _output_shape_by_call = False  # set while a call on several symbolic arguments builds
    _autocast = True  # cast integer inputs to float (an Embedding layer would turn it off)
    supports_masking = False
    """Whether a mask coming in passes through to the output (Keras' default: it does not)."""

    _takes_text = False  # raw text (an array of str) may come in: inputs, models, vectorizers

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES[cls.__name__] = cls
        parameters = inspect.signature(cls.call).parameters
        cls._call_takes_training = "training" in parameters
        cls._call_takes_mask = "mask" in parameters
        cls._call_positional = tuple(
            name
            for name, p in list(parameters.items())[2:]
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        )
        cls._makes_masks = cls.compute_mask is not Layer.compute_mask
        if "build" in cls.__dict__:
            cls.build = _wrap_build(cls.__dict__["build"])  # type: ignore[method-assign]

    def __init__(
        self,
        name: str | None = None,
        trainable: bool = True,
        dtype: Any = None,
        input_shape: Sequence[int] | None = None,
        batch_input_shape: Sequence[Any] | None = None,
        input_dim: int | None = None,
        activity_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        if kwargs:
            raise self._unknown_argument(next(iter(kwargs)))
        if name is not None and not isinstance(name, str):
            raise TypeError(f"{type(self).__name__}: name must be a string, got {name!r}")
        self.name = name or unique_name(snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self._dtype = None if dtype is None else np.dtype(dtype)
        self._batch_input_shape = self._declared_shape(input_shape, batch_input_shape, input_dim)
        self.built = False
        self.input_spec: InputSpec | None = None
        self._trainable_weights: list[Tensor] = []
        self._non_trainable_weights: list[Tensor] = []
        self._build_input_shape: tuple[Any, ...] | None = None
        self._build_output_shape: Any = None
        self._inbound_nodes: list[symbolic.Node] = []
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self._losses: list[Tensor] = []

    def _unknown_argument(self, key: str) -> TypeError:
        known = [
            p
            for p in inspect.signature(type(self).__init__).parameters
            if p not in ("self", "kwargs")
        ]
        known += [
            p
            for p in inspect.signature(Layer.__init__).parameters
            if p not in ("self", "kwargs") and p not in known
        ]
        close = difflib.get_close_matches(key, known, n=1)
        suggestion = f" Did you mean {close[0]!r}?" if close else ""
        return TypeError(
            f"{type(self).__name__}: unrecognized keyword argument {key!r}.{suggestion} "
            f"Known arguments: {', '.join(known)}"
        )

    def _declared_shape(
        self, input_shape: Any, batch_input_shape: Any, input_dim: int | None
    ) -> tuple[Any, ...] | None:
        given = [a for a in (input_shape, batch_input_shape, input_dim) if a is not None]
        if len(given) > 1:
            raise ValueError(
                f"{type(self).__name__}: give only one of input_shape, batch_input_shape "
                f"and input_dim"
            )
        if input_dim is not None:
            input_shape = (input_dim,)
        if input_shape is not None:
            if isinstance(input_shape, (int, np.integer)):
                input_shape = (input_shape,)
            batch_input_shape = (None,) + tuple(input_shape)
        if batch_input_shape is None:
            return None
        shape = tuple(batch_input_shape)
        if not shape or any(
            d is not None and (not isinstance(d, (int, np.integer)) or d <= 0) for d in shape
        ):
            raise ValueError(
                f"{type(self).__name__}: input_shape must hold positive sizes (or None), got "
                f"{tuple(input_shape) if input_shape is not None else shape}"
            )
        return (None,) + tuple(None if d is None else int(d) for d in shape[1:])

    # ----- weights -----
    @property
    def dtype(self) -> str:
        """The float type of the layer's weights, such as "float32"."""
        return (self._dtype or default_float()).name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freeze (False) or unfreeze this layer and the layers inside it."""
        self._trainable = bool(value)
        for w in self._trainable_weights:
            w.requires_grad = self._trainable
        for layer in self._sublayers():
            layer.trainable = value

    def add_weight(
        self,
        *args: Any,
        shape: Sequence[int] | None = None,
        initializer: Any = None,
        dtype: Any = None,
        trainable: bool = True,
        name: str | None = None,
        regularizer: Any = None,
        constraint: Any = None,
        **kwargs: Any,
    ) -> Tensor:
        """Create a weight tensor of `shape`, filled by `initializer`, owned by this layer.

        Keras 3's signature, `add_weight(shape=..., initializer=..., dtype=..., trainable=...,
        name=...)` (the name is optional), and Keras 2's positional `add_weight(name, shape,
        initializer, trainable, dtype)` are both accepted. The initializer defaults to
        "glorot_uniform". Trainable weights require a gradient; optimizers update their
        `.data` in place. `regularizer` (a name such as "l2", or a regularizer) adds its
        penalty of the weight to `losses` while the weight is trainable; `constraint` (a
        name such as "non_neg", or a constraint) projects the weight after every optimizer
        update. Both are kept on the weight, as `weight.regularizer` / `weight.constraint`.

        Raises:
            TypeError: no shape, or an argument Keras' add_weight does not take.
        """
        if args and isinstance(args[0], str):  # Keras 2: (name, shape, initializer, ...)
            legacy = dict(zip(("name", "shape", "initializer", "trainable", "dtype"), args))
        else:
            legacy = dict(zip(("shape", "initializer", "dtype", "trainable"), args))
        given = {"shape": shape, "initializer": initializer, "dtype": dtype, "name": name}
        for key, value in legacy.items():
            if key == "trainable":
                trainable = value
            elif given[key] is None:
                given[key] = value
        unknown = set(kwargs) - {"autocast", "aggregation", "overwrite_with_gradient"}
        if unknown:
            raise TypeError(f"add_weight: unexpected keyword argument {sorted(unknown)[0]!r}")
        regularizer = regularizers.get(regularizer)
        constraint = constraints.get(constraint)
        if regularizer is not None:
            layer_losses.note_extra_losses()
        if given["shape"] is None:
            raise TypeError(f'add_weight: layer "{self.name}" must give the shape= of the weight')
        shape, name = tuple(given["shape"]), given["name"]
        if name is None:
            count = len(self._trainable_weights) + len(self._non_trainable_weights)
            name = "variable" if count == 0 else f"variable_{count}"
        dtype = np.dtype(given["dtype"]) if given["dtype"] is not None else None
        dtype = dtype or self._dtype or default_float()
        weight_budget.charge(self, name, shape)  # a model built from a file: see that module
        values = initializers.get(given["initializer"] or "glorot_uniform")(shape, dtype=dtype)
        weight = Tensor(values, requires_grad=trainable and self._trainable, dtype=dtype)
        weight.name = f"{self.name}/{name}"
        weight.regularizer = regularizer
        weight.constraint = constraint
        (self._trainable_weights if trainable else self._non_trainable_weights).append(weight)
        return weight

    def _sublayers(self) -> list[Layer]:
        """Layers held in attributes (directly or in lists), in the order they were set."""
        found: list[Layer] = []
        seen = {id(self)}  # by identity, in a set: linear in the number of layers
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else (value,)
            for item in items:
                if isinstance(item, Layer) and id(item) not in seen:
                    seen.add(id(item))
                    found.append(item)
        return found

    @property
    def trainable_weights(self) -> list[Tensor]:
        """The weights fit updates: none when the layer is frozen."""
        if not self._trainable:
            return []
        weights = list(self._trainable_weights)
        for layer in self._sublayers():
            weights += layer.trainable_weights
        return _unique(weights)

    @property
    def non_trainable_weights(self) -> list[Tensor]:
        weights = list(self._non_trainable_weights)
        if not self._trainable:
            weights = list(self._trainable_weights) + weights
        for layer in self._sublayers():
            weights += layer.non_trainable_weights
        return _unique(weights)

    @property
    def weights(self) -> list[Tensor]:
        """All weights, layer by layer (kernel then bias for Dense), as Keras orders them."""
        weights = self._trainable_weights + self._non_trainable_weights
        for layer in self._sublayers():
            weights += layer.weights
        return _unique(weights)

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights as NumPy arrays, in `weights` order."""
        return [w.data.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Overwrite the weights in place with arrays of the same shapes, in `weights` order.

        Raises:
            ValueError: a different number of arrays, or an array of another shape.
        """
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(
                f'set_weights: layer "{self.name}" has {len(own)} weights'
                f"{'' if self.built else ' (it is not built yet)'}, got a list of {len(weights)}"
            )
        arrays = [np.asarray(v.data if isinstance(v, Tensor) else v) for v in weights]
        for w, value in zip(own, arrays):
            if value.shape != w.data.shape:
                raise ValueError(
                    f'set_weights: weight "{w.name}" of layer "{self.name}" has shape '
                    f"{w.data.shape}, got an array of shape {value.shape}"
                )
        for w, value in zip(own, arrays):
            w.data[...] = value  # in place: optimizers keep their reference to the tensor

    def count_params(self) -> int:
        """How many numbers the weights hold.

        Raises:
            ValueError: the layer is not built yet (its weight shapes are unknown).
        """
        if not self.built:
            raise ValueError(
                f'count_params: layer "{self.name}" is not built yet, so its weights do not '
                f"exist; give it input_shape=... or call it on data first"
            )
        return int(sum(w.data.size for w in self.weights))

    # ----- building and calling -----
    def build(self, input_shape: tuple[Any, ...]) -> None:
        """Create the weights for inputs of `input_shape` (batch axis first, None)."""
        self._record_build(_batch_shape(input_shape))

    def _record_build(self, input_shape: tuple[Any, ...] | None) -> None:
        self.built = True
        if input_shape is not None:
            self._build_input_shape = input_shape
            if not self._output_shape_by_call:  # a call(a, b) finds it with all arguments
                self._build_output_shape = self.compute_output_shape(input_shape)

    def _maybe_build(self, input_shape: Any, several_inputs: bool = False) -> None:
        """build(input_shape), checked against a declared input shape. With
        `several_inputs` (call(a, b)), build sees the first one's shape, as in Keras, and
        the output shape is left to the call, which has them all."""
        if several_inputs:
            self._output_shape_by_call = True
            try:
                self._maybe_build(input_shape)
            finally:
                self._output_shape_by_call = False
            return
        shape = _batch_shape(input_shape)
        declared = self._batch_input_shape
        if (
            declared is not None
            and symbolic.is_shape(shape)
            and not InputSpec(shape=declared).accepts(shape)
        ):
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": expected an input of shape '
                f"{format_shape(declared)} (its input_shape), got shape {format_shape(shape)}"
                f"{reshape_hint(declared, shape)}"
            )
        self.build(shape)

    def _build_for(self, shapes: Any, several_inputs: bool = False) -> None:
        """Build for inputs of `shapes` on first use; afterwards check them against the spec."""
        if not self.built:
            self._maybe_build(shapes, several_inputs)
        elif self.input_spec is not None and symbolic.is_shape(shapes):
            self.input_spec.check(self, shapes)

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        """Run the layer on a tensor or array, or a list or dict of them (built on first use).

        `training=` reaches layers that act differently in training (Dropout), `mask=`
        those that use masks; other arguments go to `call`. Called on symbolic tensors
        (`Input`), the call is recorded in a graph for `Model(inputs, outputs)` instead.
        """
        if type(inputs) is not Tensor and symbolic.any_symbolic(inputs, args, kwargs):
            return symbolic.symbolic_call(self, inputs, args, kwargs)
        training = kwargs.pop("training", None)
        mask = kwargs.pop("mask", None)
        text = False
        if type(inputs) is Tensor:
            x = inputs
        elif text_arrays.is_text(inputs):  # raw text stays an array of str: see utils/text_arrays
            x, text = text_arrays.as_text_array(inputs), True
            if not self._takes_text:
                raise TypeError(
                    f'{type(self).__name__} layer "{self.name}": got raw text (an array of '
                    f"{x.dtype} of shape {x.shape}), but it computes on numbers; turn the "
                    f"text into numbers first, e.g. with layers.TextVectorization"
                )
            if not self.built:
                self._maybe_build(x.shape)
        elif nest.is_nested(inputs):
            x = nest.map_structure(_to_tensor, inputs)
        else:
            x = _to_tensor(inputs)
        if type(x) is Tensor:
            if self._autocast and x.data.dtype.kind != "f":
                cast = Tensor._make(x.data.astype(self._dtype or default_float()), False, None)
                cast._keras_mask = x._keras_mask
                x = cast
            if not self.built:
                several = any(isinstance(a, (Tensor, np.ndarray)) for a in args)
                self._maybe_build(x.data.shape, several_inputs=several)
            spec = self.input_spec
            if spec is not None:
                spec.check(self, x.data.shape)
            if mask is None:
                mask = x._keras_mask
        elif not text:
            if not self.built:
                self._maybe_build(nest.map_structure(lambda t: t.data.shape, x))
            if mask is None:
                masks = [t._keras_mask for t in nest.flatten(x)]
                if any(m is not None for m in masks):
                    mask = nest.pack_sequence_as(x, masks)
        given = self._call_positional[: len(args)] if args else ()
        if self._call_takes_training and "training" not in given:
            kwargs["training"] = self._training_if_unset if training is None else bool(training)
        if self._call_takes_mask and "mask" not in given:
            kwargs["mask"] = mask
        state = layer_losses.call_state
        if state.entry is not None or state.paused:
            outputs = self.call(x, *args, **kwargs)
        else:  # the outermost call: the losses of the previous one go, as in Keras
            self._clear_losses()
            state.entry = self
            try:
                outputs = self.call(x, *args, **kwargs)
            finally:
                state.entry = None
        if self.activity_regularizer is not None and not state.paused:
            self._add_activity_losses(outputs)
        if mask is not None or self._makes_masks:
            _set_masks(outputs, self.compute_mask(x, mask), x)
        return outputs

    def call(self, inputs: Any) -> Any:
        """The computation: subclasses define it (`training=` is passed if it is a parameter)."""
        return inputs

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask of the output: the incoming one if the layer supports masking, else None."""
        return mask if self.supports_masking else None

    def _output_dtype(self, inputs: Any) -> str:
        """The dtype of the symbolic outputs: the layer's float type."""
        return self.dtype

    # ----- the graph (functional API) -----
    def _node(self, index: int | None, what: str) -> symbolic.Node:
        nodes = self.__dict__.get("_inbound_nodes") or []
        if not nodes:
            raise AttributeError(
                f'layer "{self.name}" has no {what}: it has not been called on a symbolic input '
                f"(keras.Input) yet"
            )
        if index is None:
            if len(nodes) > 1:
                raise AttributeError(
                    f'layer "{self.name}" has been called {len(nodes)} times, so it has several '
                    f"{what}s; use get_{what}_at(node_index)"
                )
            index = 0
        if not 0 <= index < len(nodes):
            raise IndexError(f'layer "{self.name}" has {len(nodes)} nodes, asked for {index}')
        return nodes[index]

    @property
    def input(self) -> Any:
        """The symbolic input this layer was called on (one call only)."""
        node = self._node(None, "input")
        return node.args[0]

    @property
    def output(self) -> Any:
        """The symbolic output of this layer's call (one call only)."""
        return self._node(None, "output").outputs

    def get_input_at(self, node_index: int) -> Any:
        """The symbolic input of the layer's `node_index`-th call."""
        return self._node(node_index, "input").args[0]

    def get_output_at(self, node_index: int) -> Any:
        """The symbolic output of the layer's `node_index`-th call."""
        return self._node(node_index, "output").outputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for `input_shape`: found by running the layer on zero samples.

        Unknown sizes (None) are tried at two lengths; the output axes that follow them are
        reported as None. Layers whose shapes follow a formula override this with it.
        """

        def probe(size: int) -> Any:
            def zeros(shape: tuple[Any, ...]) -> np.ndarray:
                dims = (1,) + tuple(size if d is None else d for d in shape[1:])
                return np.zeros(dims, dtype=self._dtype or default_float())

            sample = nest.map_structure(zeros, _shapes_as_leaves(input_shape))
            with grad_mode.no_grad(), losses_paused():
                out = self(sample)
            return [t.shape for t in nest.flatten(out)], out

        first, out = probe(2)
        if any(d is None for s in nest.flatten(_shapes_as_leaves(input_shape)) for d in s[1:]):
            second, _ = probe(3)
        else:
            second = first
        shapes = [
            (None,) + tuple(a if a == b else None for a, b in zip(s1[1:], s2[1:]))
            for s1, s2 in zip(first, second)
        ]
        if isinstance(out, Tensor):
            return shapes[0]
        return nest.pack_sequence_as(nest.map_structure(lambda t: 0, out), shapes)

    @property
    def input_shape(self) -> tuple[Any, ...]:
        """The batch shape the layer was built for (or declared with), such as (None, 784)."""
        shape = self._build_input_shape or self._batch_input_shape
        if shape is None:
            raise AttributeError(f'layer "{self.name}" has no input shape yet: it is not built')
        return shape

    @property
    def output_shape(self) -> Any:
        """The batch shape of the layer's output, such as (None, 512)."""
        if not self.built:
            raise AttributeError(f'layer "{self.name}" has no output shape yet: it is not built')
        return self._build_output_shape

    # ----- config -----
    def get_config(self) -> dict[str, Any]:
        """The constructor arguments that make this layer again (JSON-friendly)."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable}
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if self._dtype is not None:
            config["dtype"] = self._dtype.name
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """A new (unbuilt) layer from `get_config()`'s output."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _to_tensor(inputs: Any) -> Tensor:
    if isinstance(inputs, Tensor):
        return inputs
    return Tensor._make(as_array(inputs), False, None)


def _shapes_as_leaves(shapes: Any) -> Any:
    if symbolic.is_shape(tuple(shapes)) if isinstance(shapes, (list, tuple)) else False:
        return _Leaf(tuple(shapes))
    if isinstance(shapes, dict):
        return {k: _shapes_as_leaves(v) for k, v in shapes.items()}
    return [_shapes_as_leaves(s) for s in shapes]


class _Leaf:
    """A value that nest treats as one leaf (a shape tuple inside a structure of shapes)."""

    def __init__(self, value: tuple[Any, ...]) -> None:
        self.value = value

    def __getitem__(self, index: Any) -> Any:
        return self.value[index]

    def __iter__(self) -> Any:
        return iter(self.value)

    def __len__(self) -> int:
        return len(self.value)


def _set_masks(outputs: Any, masks: Any, inputs: Any) -> None:
    """Attach `masks` to the output tensors (the same mask to each when one is given)."""
    flat = nest.flatten(outputs)
    if masks is None or not nest.is_nested(masks):
        masks = [masks] * len(flat)
    else:
        masks = nest.flatten(masks)
    passed_through = {id(t) for t in nest.flatten(inputs)}
    for tensor, mask in zip(flat, masks):
        if isinstance(tensor, Tensor) and (mask is not None or id(tensor) not in passed_through):
            tensor._keras_mask = mask


def _unique(weights: Iterable[Tensor]) -> list[Tensor]:
    seen: set[int] = set()
    out = []
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            out.append(w)
    return out


def serialize(layer: Layer) -> dict[str, Any]:
    """{"class_name": "Dense", "config": {...}}: what `deserialize` turns back into a layer."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def deserialize(config: dict[str, Any]) -> Layer:
    """A new layer from `serialize`'s output.

    Raises:
        ValueError: the class name is not a known layer.
    """
    name = config.get("class_name")
    if name not in LAYER_CLASSES:
        known = ", ".join(sorted(LAYER_CLASSES))
        raise ValueError(f"deserialize: unknown layer class {name!r}. Known layers: {known}")
    return LAYER_CLASSES[name].from_config(dict(config.get("config", {})))
