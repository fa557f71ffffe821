"""Sequential: a stack of layers, each feeding the next (the book's network).

>>> from tensorgrad import layers, models
>>> model = models.Sequential()
>>> model.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
>>> model.add(layers.Dense(10, activation="softmax"))
>>> model.count_params()
407050
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer, _batch_shape, deserialize, serialize
from tensorgrad.layers.input_layer import InputLayer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.symbolic import KerasTensor
from tensorgrad.models import fusion
from tensorgrad.models.model import Model


class Sequential(Model):
    """A model whose layers run one after the other.

    Args:
        layers: the layers, in order; an `Input(shape=...)` may come first.
        name: the model's name ("sequential", "sequential_1", ... by default).

    The weights are built as soon as the input shape is known: from `Input`, from the
    first layer's `input_shape=`, or from the first data seen.
    """

    def __init__(
        self, layers: Iterable[Layer] | None = None, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(name=name, **kwargs)
        self._layers: list[Layer] = []
        self._layer_ids: set[int] = set()
        self._declared_input: tuple[Any, ...] | None = None
        self._input_layer_config: dict[str, Any] | None = None
        self._output_so_far: tuple[Any, ...] | None = None  # after the last layer built
        if layers is not None and not isinstance(layers, Iterable):
            raise TypeError(
                f"Sequential: layers must be a list of layers, got {type(layers).__name__}"
            )
        for layer in layers or []:
            self.add(layer)

    @property
    def layers(self) -> list[Layer]:
        """The layers, in order (an Input is not one of them, as in Keras)."""
        return list(self._layers)

    @property
    def _autocast(self) -> bool:  # type: ignore[override]
        """Cast integer inputs to float unless the first layer takes integers (Embedding)."""
        return self._layers[0]._autocast if self._layers else True

    def add(self, layer: Layer) -> None:
        """Append a layer; it is built at once when the model's input shape is known.

        Raises:
            TypeError: not a layer.
            ValueError: an Input that is not first, or a layer that does not fit.
        """
        if isinstance(layer, KerasTensor) and isinstance(layer.node.layer, InputLayer):
            layer = layer.node.layer  # Sequential([keras.Input(shape=(784,)), ...])
        if isinstance(layer, InputLayer):
            if self._layers or self._declared_input is not None:
                raise ValueError("Sequential.add: an Input can only be the first entry")
            self._declared_input = layer.input_shape
            self._input_layer_config = serialize(layer)
            return
        if not isinstance(layer, Layer):
            raise TypeError(
                f"Sequential.add: expected a layer such as layers.Dense(10), got "
                f"{type(layer).__name__} {layer!r}"
            )
        if id(layer) in self._layer_ids or layer is self:
            raise ValueError(f'Sequential.add: layer "{layer.name}" is already in the model')
        if not self._layers and self._declared_input is None:
            self._declared_input = layer._batch_input_shape
        self._layers.append(layer)
        self._layer_ids.add(id(layer))  # the layers keep their ids unique while held
        input_shape = self._expected_input_shape()
        if self.built and self._output_so_far is not None:
            # the layers before are built: build only this one, so n adds take linear time
            self._build_output_shape = self._build_next(layer, self._output_so_far)
            return
        self.built = False
        if input_shape is not None:
            self.build(input_shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError("Sequential.pop: the model has no layers")
        layer = self._layers.pop()
        self._layer_ids.discard(id(layer))
        self.built = False
        if self._layers and self._expected_input_shape() is not None:
            self.build(self._expected_input_shape())
        return layer

    def _expected_input_shape(self) -> tuple[Any, ...] | None:
        return self._build_input_shape or self._declared_input

    def build(self, input_shape: tuple[Any, ...] | None = None) -> None:
        """Build every layer in turn, each from the output shape of the one before."""
        if input_shape is None:
            input_shape = self._expected_input_shape()
        if input_shape is None:
            raise ValueError(
                f'build: model "{self.name}" does not know its input shape; pass it, e.g. '
                f"model.build((None, 784)), or give the first layer input_shape=(784,)"
            )
        if not self._layers:
            raise ValueError(
                f'build: model "{self.name}" has no layers; add some with model.add(...)'
            )
        shape = _batch_shape(input_shape)
        self._output_so_far = None
        for layer in self._layers:
            shape = self._build_next(layer, shape)
        self._build_input_shape = _batch_shape(input_shape)
        self.input_spec = InputSpec(shape=self._build_input_shape)

    def _build_next(self, layer: Layer, shape: tuple[Any, ...]) -> tuple[Any, ...]:
        """Build `layer` (or check it) for inputs of `shape`; the output shape after it."""
        self._output_so_far = None  # unknown until this layer fits
        if not layer.built:
            layer._maybe_build(shape)
        elif layer.input_spec is not None:
            layer.input_spec.check(layer, shape)
        self._output_so_far = layer.compute_output_shape(shape)
        return self._output_so_far

    def _takes_raw_text(self) -> bool:
        return bool(self._layers) and self._layers[0]._takes_text

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        x, layers, i = inputs, self._layers, 0
        while i < len(layers):
            pool = None
            if i + 1 < len(layers) and fusion.can_fuse_input(x):
                pool = fusion.max_pool_after(layers[i], layers[i + 1])
            if pool is not None:  # Conv2D(relu) + MaxPooling2D as one op: models/fusion.py
                x = fusion.call_pair(layers[i], pool, x, training)
                i += 2
            else:
                x = layers[i](x, training=training)
                i += 1
        return x

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        shape = tuple(input_shape)
        for layer in self._layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def get_config(self) -> dict[str, Any]:
        """{"name": ..., "layers": [{"class_name": ..., "config": ...}, ...]}."""
        entries = [serialize(layer) for layer in self._layers]
        if self._input_layer_config is not None:
            entries.insert(0, self._input_layer_config)
        return {"name": self.name, "trainable": self.trainable, "layers": entries}

    @classmethod
    def from_config(
        cls, config: dict[str, Any], deserialize_layer: Callable[[Any], Layer] | None = None
    ) -> Sequential:
        """A new model with new (unbuilt or freshly initialised) layers from `get_config()`.

        `deserialize_layer` makes each layer from {"class_name", "config"}; saving passes one
        that knows only the library's classes and the user's custom objects.
        """
        make = deserialize_layer or deserialize
        layer_specs = config.get("layers")
        if not isinstance(layer_specs, list):
            raise TypeError("the model config has no 'layers' list")
        model = cls(layers=[make(c) for c in layer_specs], name=config.get("name"))
        if "trainable" in config:
            model.trainable = config["trainable"]
        return model
