"""Layer: the base of every layer and model.

A layer owns weights (tensors updated in place by optimizers), creates them lazily in
`build(input_shape)` the first time it sees an input (or as soon as `input_shape=` is
given to a model), and computes its output in `call`. `__call__` converts arrays, builds
when needed, checks the input against what the layer was built for, then runs `call`.
A layer is described by `get_config()` and made again by `from_config(config)`.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tensorgrad import initializers
from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import as_array, default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.input_spec import InputSpec, format_shape, reshape_hint
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


def _batch_shape(shape: Any) -> tuple[Any, ...]:
    """A shape as a tuple with the batch axis as None: (32, 784) -> (None, 784)."""
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


class Layer:
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

    Raises:
        TypeError: an unknown keyword argument (with the closest known name).
    """

    _call_takes_training = False
    _autocast = True  # cast integer inputs to float (an Embedding layer would turn it off)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES[cls.__name__] = cls
        cls._call_takes_training = "training" in inspect.signature(cls.call).parameters
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
        name: str,
        shape: Sequence[int],
        initializer: Any = "glorot_uniform",
        trainable: bool = True,
        dtype: Any = None,
    ) -> Tensor:
        """Create a weight tensor of `shape`, filled by `initializer`, owned by this layer.

        Trainable weights require a gradient; optimizers update their `.data` in place.
        """
        dtype = np.dtype(dtype) if dtype is not None else (self._dtype or default_float())
        values = initializers.get(initializer)(tuple(shape), dtype=dtype)
        weight = Tensor(values, requires_grad=trainable and self._trainable, dtype=dtype)
        weight.name = f"{self.name}/{name}"
        (self._trainable_weights if trainable else self._non_trainable_weights).append(weight)
        return weight

    def _sublayers(self) -> list[Layer]:
        """Layers held in attributes (directly or in lists), in the order they were set."""
        found: list[Layer] = []
        for value in vars(self).values():
            items = value if isinstance(value, (list, tuple)) else (value,)
            for item in items:
                if isinstance(item, Layer) and item is not self and item not in found:
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
            self._build_output_shape = self.compute_output_shape(input_shape)

    def _maybe_build(self, input_shape: Sequence[Any]) -> None:
        shape = _batch_shape(input_shape)
        declared = self._batch_input_shape
        if declared is not None and not InputSpec(shape=declared).accepts(shape):
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": expected an input of shape '
                f"{format_shape(declared)} (its input_shape), got shape {format_shape(shape)}"
                f"{reshape_hint(declared, shape)}"
            )
        self.build(shape)

    def __call__(self, inputs: Any, training: bool | None = None) -> Tensor:
        """Run the layer on a tensor or array (built on first use); `training` for Dropout."""
        x = inputs if type(inputs) is Tensor else _to_tensor(inputs)
        if self._autocast and x.data.dtype.kind != "f":
            x = Tensor._make(x.data.astype(self._dtype or default_float()), False, None)
        if not self.built:
            self._maybe_build(x.data.shape)
        spec = self.input_spec
        if spec is not None:
            spec.check(self, x.data.shape)
        if self._call_takes_training:
            return self.call(x, training=bool(training))
        return self.call(x)

    def call(self, inputs: Tensor) -> Tensor:
        """The computation: subclasses define it (`training=` is passed if it is a parameter)."""
        return inputs

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """The output shape for `input_shape`: found by running the layer on one zero sample.

        Layers whose shapes follow a formula override this with the formula.
        """
        if any(d is None for d in input_shape[1:]):
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": cannot infer the output shape of '
                f"input shape {format_shape(input_shape)}; define compute_output_shape"
            )
        sample = np.zeros((1,) + tuple(input_shape[1:]), dtype=self._dtype or default_float())
        with grad_mode.no_grad():
            out = self(sample)
        return (None,) + out.shape[1:]

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
    if isinstance(inputs, (list, tuple)) and inputs and isinstance(inputs[0], Tensor):
        raise TypeError(
            "layer call: expected one tensor or array, got a list of inputs; layers here take "
            "a single input"
        )
    return Tensor._make(as_array(inputs), False, None)


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
