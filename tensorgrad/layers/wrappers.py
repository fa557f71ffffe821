"""Wrappers: Bidirectional (a recurrent layer read both ways) and TimeDistributed.

>>> from tensorgrad import layers
>>> bi = layers.Bidirectional(layers.LSTM(8, return_sequences=True))
>>> bi.build((None, 5, 3))
>>> bi.compute_output_shape((None, 5, 3)), bi.count_params()
((None, 5, 16), 768)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer, deserialize, serialize
from tensorgrad.layers.rnn_base import BaseRNN

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


def _renamed_copy(layer: Layer, name: str, **changes: Any) -> Layer:
    config = serialize(layer)
    config["config"] = {**config["config"], "name": name, **changes}
    return deserialize(config)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name


class Bidirectional(Layer):
    """Runs a recurrent layer forwards and a copy of it backwards, and merges the two.

    Args:
        layer: a SimpleRNN, LSTM or GRU. It is copied into `forward_layer` (named
            "forward_<name>"); `backward_layer` is another copy with go_backwards flipped
            (or the layer given as backward_layer).
        merge_mode: "concat" (default: output width 2 units), "sum", "mul", "ave", or
            None for the list [forward output, backward output].
        backward_layer: an explicit recurrent layer for the backward direction.

    With return_sequences the backward outputs are flipped back into forward time before
    merging; without it, the backward output is its state after reading the first step.
    With return_state the call returns [output, *forward_states, *backward_states], and
    initial_state= takes the forward states then the backward ones. As in Keras, the
    sublayers output zeros at masked steps when they return sequences.
    """

    supports_masking = True

    def __init__(
        self,
        layer: BaseRNN,
        merge_mode: str | None = "concat",
        backward_layer: BaseRNN | None = None,
        **kwargs: Any,
    ) -> None:
        if not isinstance(layer, BaseRNN):
            raise TypeError(
                f"Bidirectional: expected a recurrent layer (SimpleRNN, LSTM, GRU), got "
                f"{type(layer).__name__}"
            )
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"Bidirectional: merge_mode must be one of {MERGE_MODES}, got {merge_mode!r}"
            )
        super().__init__(**kwargs)
        self._custom_backward = backward_layer is not None
        self.forward_layer = _renamed_copy(layer, "forward_" + _strip(layer.name, "forward_"))
        if backward_layer is None:
            backward_layer = _renamed_copy(
                layer,
                "backward_" + _strip(layer.name, "forward_"),
                go_backwards=not layer.go_backwards,
            )
        elif backward_layer.go_backwards == layer.go_backwards:
            raise ValueError(
                "Bidirectional: backward_layer must have go_backwards opposite to the layer's"
            )
        self.backward_layer = backward_layer
        for sub in (self.forward_layer, self.backward_layer):
            sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self.forward_layer._maybe_build(input_shape)
        self.backward_layer._maybe_build(input_shape)

    def call(
        self,
        inputs: Tensor,
        training: bool = False,
        mask: Any = None,
        initial_state: Any = None,
    ) -> Any:
        fw_init = bw_init = None
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            fw_init, bw_init = states[:half], states[half:]
        fw = self.forward_layer(inputs, training=training, mask=mask, initial_state=fw_init)
        bw = self.backward_layer(inputs, training=training, mask=mask, initial_state=bw_init)
        fw_states = bw_states = []
        if self.return_state:
            fw, fw_states = fw[0], fw[1:]
            bw, bw_states = bw[0], bw[1:]
        if self.return_sequences:
            bw = shape_ops.getitem(bw, (slice(None), slice(None, None, -1)))
        merged = self._merge(fw, bw)
        if self.return_state:
            outputs = merged if isinstance(merged, list) else [merged]
            return outputs + list(fw_states) + list(bw_states)
        return merged

    def _merge(self, fw: Tensor, bw: Tensor) -> Any:
        if self.merge_mode == "concat":
            return shape_ops.concatenate([fw, bw], axis=-1)
        if self.merge_mode == "sum":
            return fw + bw
        if self.merge_mode == "mul":
            return fw * bw
        if self.merge_mode == "ave":
            return (fw + bw) * 0.5
        return [fw, bw]

    def compute_output_shape(self, input_shape: Sequence[Any]) -> Any:
        shape = self.forward_layer.compute_output_shape(input_shape)
        states: list[Any] = []
        if self.return_state:
            shape, states = shape[0], shape[1:]
            states = list(states) * 2
        if self.merge_mode == "concat":
            shape = tuple(shape[:-1]) + (shape[-1] * 2,)
        outputs = [tuple(shape)] * 2 if self.merge_mode is None else [tuple(shape)]
        if self.return_state:
            return outputs + states
        return outputs if self.merge_mode is None else outputs[0]

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            return masks + [None] * (2 * self.forward_layer.n_states)
        return masks if self.merge_mode is None else output_mask

    def reset_states(self) -> None:
        self.forward_layer.reset_states()
        self.backward_layer.reset_states()

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "layer": serialize(self.forward_layer),
            "merge_mode": self.merge_mode,
        }
        if self._custom_backward:
            config["backward_layer"] = serialize(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Bidirectional:
        config = dict(config)
        config["layer"] = deserialize(config["layer"])
        if "backward_layer" in config:
            config["backward_layer"] = deserialize(config["backward_layer"])
        return cls(**config)


class TimeDistributed(Layer):
    """Applies `layer` to every timestep: (batch, timesteps, ...) -> (batch, timesteps, ...).

    The timesteps are folded into the batch, so the wrapped layer runs once, with the same
    weights for every step. A mask on the input passes through unchanged.
    """

    supports_masking = True

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise TypeError(f"TimeDistributed: expected a layer, got {type(layer).__name__}")
        super().__init__(**kwargs)
        self.layer = layer

    def _check(self, shape: Sequence[Any]) -> None:
        if len(shape) < 3:
            raise ValueError(
                f'TimeDistributed layer "{self.name}": expected an input of shape (batch, '
                f"timesteps, ...) with at least 3 axes, got shape {tuple(shape)}"
            )

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self._check(input_shape)
        if not self.layer.built:
            self.layer._maybe_build((None,) + tuple(input_shape[2:]))

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        self._check(inputs.data.shape)
        batch, steps = inputs.data.shape[:2]
        folded = shape_ops.reshape(inputs, (batch * steps,) + inputs.data.shape[2:])
        # Keras runs the inner layer's call step by step, so the inner layer's activity
        # regularizer never applies (the wrapper's own does); add_loss in its call does.
        regularizer, self.layer.activity_regularizer = self.layer.activity_regularizer, None
        try:
            out = self.layer(folded, training=training)
        finally:
            self.layer.activity_regularizer = regularizer
        return shape_ops.reshape(out, (batch, steps) + out.data.shape[1:])

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        inner = self.layer.compute_output_shape((input_shape[0],) + tuple(input_shape[2:]))
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer": serialize(self.layer)}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> TimeDistributed:
        config = dict(config)
        config["layer"] = deserialize(config["layer"])
        return cls(**config)
