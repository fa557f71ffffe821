"""What SimpleRNN, LSTM and GRU share: arguments, weights, masks, states, dropout, config.

A recurrent layer reads inputs (batch, timesteps, features) and runs its whole sequence
as one fused engine op (tensorgrad.engine.ops.recurrent), forward and backpropagation
through time. The options are Keras 3's (keras/src/layers/rnn/rnn.py):

- `return_sequences`: every step's output (batch, timesteps, units), else the last one;
- `return_state`: the call returns [output, *final_states] (LSTM: h, c; others: h);
- `initial_state=` at the call: the states to start from (zeros otherwise);
- `go_backwards`: read the sequence from its end (the outputs come in that order);
- `stateful`: each batch starts from the previous batch's final states
  (`reset_states()` sets them back to zeros);
- a mask (batch, timesteps) of bool, False for padding: masked steps carry the states
  forward and repeat the previous output (zeros before the first real step);
- `dropout` / `recurrent_dropout`: variational, one mask per batch reused at every
  step, in training only; with `recurrent_dropout` every gate has its own masks;
- `kernel_regularizer`, `recurrent_regularizer`, `bias_regularizer`,
  `activity_regularizer` and the `kernel_`, `recurrent_` and `bias_constraint`s, as
  Dense has them (the activity penalty applies to each returned tensor).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad import activations, constraints, initializers, regularizers
from tensorgrad.engine import random
from tensorgrad.engine.backend import as_array
from tensorgrad.engine.ops import elementwise
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.ops.recurrent import ACTIVATIONS, check_activation, rnn_sequence
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec, format_shape


def activation_name(layer: str, identifier: Any) -> str:
    """The name of an activation given as a name, a tensorgrad activation or None."""
    if identifier is None:
        return "linear"
    name = identifier if isinstance(identifier, str) else activations.serialize(identifier)
    check_activation(layer, name)
    return name


def _rate(layer: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{layer}: {name} must be a number in [0, 1), got {value!r}")
    return float(value)


class BaseRNN(Layer):
    """The recurrent layer's machinery; subclasses name the cell and its weights."""

    cell_name = ""
    gates = 1
    n_states = 1
    supports_masking = True

    def __init__(
        self,
        units: int,
        activation: Any = "tanh",
        recurrent_activation: Any = "sigmoid",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        recurrent_initializer: Any = "orthogonal",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        recurrent_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        recurrent_constraint: Any = None,
        bias_constraint: Any = None,
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        return_sequences: bool = False,
        return_state: bool = False,
        go_backwards: bool = False,
        stateful: bool = False,
        unroll: bool = False,
        zero_output_for_mask: bool = False,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        label = type(self).__name__
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"{label}: units must be a positive integer, got {units!r}")
        self.units = int(units)
        self.activation = activation_name(label, activation)
        self.recurrent_activation = activation_name(label, recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = _rate(label, "dropout", dropout)
        self.recurrent_dropout = _rate(label, "recurrent_dropout", recurrent_dropout)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # accepted for Keras; the fused op is the same either way
        self.zero_output_for_mask = bool(zero_output_for_mask)
        self.seed = seed
        self._rng = None if seed is None else np.random.default_rng(seed)
        self.kernel: Tensor | None = None
        self.recurrent_kernel: Tensor | None = None
        self.bias: Tensor | None = None
        self.states: list[np.ndarray] | None = None

    # ----- weights -----
    def bias_shape(self) -> tuple[int, ...]:
        return (self.gates * self.units,)

    def init_bias(self, bias: Tensor) -> None:
        """Subclasses adjust the freshly made bias (LSTM's unit_forget_bias)."""

    def build(self, input_shape: tuple[Any, ...]) -> None:
        check_sequence_shape(self, input_shape)
        features = input_shape[-1]
        width = self.gates * self.units
        self.kernel = self.add_weight(
            "kernel",
            (features, width),
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel",
            (self.units, width),
            self.recurrent_initializer,
            regularizer=self.recurrent_regularizer,
            constraint=self.recurrent_constraint,
        )
        if self.use_bias:
            self.bias = self.add_weight(
                "bias",
                self.bias_shape(),
                self.bias_initializer,
                regularizer=self.bias_regularizer,
                constraint=self.bias_constraint,
            )
            self.init_bias(self.bias)
        self.input_spec = InputSpec(ndim=3, axes={-1: features})

    # ----- calling -----
    def call(
        self,
        inputs: Tensor,
        training: bool = False,
        mask: Any = None,
        initial_state: Any = None,
    ) -> Any:
        batch, steps = inputs.data.shape[:2]
        if inputs.data.dtype != self.kernel.data.dtype:  # compute in the weights' float type
            inputs = elementwise.cast(inputs, self.kernel.data.dtype)
        if mask is not None:
            mask = check_mask(self, mask, (batch, steps))
        states = self._initial_states(initial_state, batch)
        options: dict[str, Any] = {
            "activation": self.activation,
            "recurrent_activation": self.recurrent_activation,
            "mask": mask,
            "reverse": self.go_backwards,
            "zero_output": self.zero_output_for_mask,
            **self._dropout_masks(training, batch, inputs.data.shape[2], inputs.data.dtype),
            **self.cell_options(),
        }
        out = rnn_sequence(
            self.cell_name,
            inputs,
            self.kernel,
            self.recurrent_kernel,
            self.bias,
            states,
            **options,
        )
        if self.stateful:
            self.states = [out.data[:, steps + s].copy() for s in range(self.n_states)]
        output = (
            shape_ops.getitem(out, (slice(None), slice(0, steps)))
            if self.return_sequences
            else shape_ops.getitem(out, (slice(None), steps - 1))
        )
        if not self.return_state:
            return output
        return [output] + [
            shape_ops.getitem(out, (slice(None), steps + s)) for s in range(self.n_states)
        ]

    def cell_options(self) -> dict[str, Any]:
        return {}

    def _initial_states(self, initial_state: Any, batch: int) -> list[Any] | None:
        if initial_state is None:
            if self.stateful and self.states is not None:
                if self.states[0].shape[0] != batch:
                    raise ValueError(
                        f'{type(self).__name__} layer "{self.name}": stateful, its states are '
                        f"for batches of {self.states[0].shape[0]}, got a batch of {batch}; "
                        f"use the same batch size or call reset_states()"
                    )
                return list(self.states)
            return None
        states = (
            list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        )
        if len(states) != self.n_states:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": initial_state needs '
                f"{self.n_states} state(s) of shape ({batch}, {self.units}), got {len(states)}"
            )
        out = []
        for s in states:
            t = s if isinstance(s, Tensor) else Tensor._make(as_array(s, self._dtype), False, None)
            if t.data.shape != (batch, self.units):
                raise ValueError(
                    f'{type(self).__name__} layer "{self.name}": each initial state must have '
                    f"shape ({batch}, {self.units}), got {format_shape(t.data.shape)}"
                )
            out.append(t)
        return out

    def _dropout_masks(
        self, training: bool, batch: int, features: int, dtype: Any
    ) -> dict[str, Any]:
        """Variational dropout masks for this batch, as Keras draws them (see module doc)."""
        if not training or (self.dropout == 0 and self.recurrent_dropout == 0):
            return {}
        rng = self._rng or random.generator()
        per_gate = self.recurrent_dropout > 0  # Keras then runs implementation 1

        def draw(rate: float, width: int) -> np.ndarray:
            shape = (self.gates, batch, width) if per_gate else (batch, width)
            keep = rng.random(shape) >= rate
            return keep.astype(dtype) * dtype.type(1.0 / (1.0 - rate))

        masks: dict[str, Any] = {}
        if self.dropout > 0:
            masks["dropout_mask"] = draw(self.dropout, features)
        if self.recurrent_dropout > 0:
            masks["recurrent_mask"] = draw(self.recurrent_dropout, self.units)
        return masks

    def reset_states(self) -> None:
        """Start the next batch of a stateful layer from zeros."""
        self.states = None

    # ----- shapes and masks -----
    def compute_output_shape(self, input_shape: Sequence[Any]) -> Any:
        batch, steps = input_shape[0], input_shape[1]
        output = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [output] + [(batch, self.units)] * self.n_states
        return output

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The mask goes on with the sequence output; the last output and states have none."""
        output_mask = mask if self.return_sequences else None
        if self.return_state:
            return [output_mask] + [None] * self.n_states
        return output_mask

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "units": self.units,
            "activation": self.activation,
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "recurrent_initializer": initializers.serialize(self.recurrent_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "recurrent_regularizer": regularizers.serialize(self.recurrent_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "recurrent_constraint": constraints.serialize(self.recurrent_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "return_sequences": self.return_sequences,
            "return_state": self.return_state,
            "go_backwards": self.go_backwards,
            "stateful": self.stateful,
            "unroll": self.unroll,
            "zero_output_for_mask": self.zero_output_for_mask,
            "seed": self.seed,
        }


def check_sequence_shape(layer: Layer, shape: Sequence[Any]) -> None:
    """Raise a ValueError unless `shape` is (batch, timesteps, features)."""
    if len(shape) != 3:
        hint = ""
        if len(shape) == 2 and shape[-1] is not None:
            hint = (
                f"; for one feature per step use x.reshape(({shape[0]}, {shape[1]}, 1)), or "
                f"put an Embedding layer first for integer ids"
            )
        raise ValueError(
            f'{type(layer).__name__} layer "{layer.name}": expected an input of shape '
            f"(batch, timesteps, features), got shape {format_shape(shape)}{hint}"
        )


def check_mask(layer: Layer, mask: Any, shape: tuple[int, int]) -> np.ndarray:
    """The mask as a bool array of `shape` (batch, timesteps), or a ValueError."""
    mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask)
    if mask.shape != shape:
        raise ValueError(
            f'{type(layer).__name__} layer "{layer.name}": the mask must have shape '
            f"(batch, timesteps) = {shape}, got {mask.shape}"
        )
    return mask.astype(bool, copy=False)


__all__ = ["ACTIVATIONS", "BaseRNN", "activation_name", "check_mask", "check_sequence_shape"]
