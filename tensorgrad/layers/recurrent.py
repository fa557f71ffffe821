"""Recurrent layers: SimpleRNN, LSTM and GRU, with Keras 3's weights, formulas and defaults.

>>> from tensorgrad import layers
>>> lstm = layers.LSTM(32)
>>> lstm.build((None, None, 32))
>>> [tuple(w.shape) for w in lstm.weights], lstm.count_params()
([(32, 128), (32, 128), (128,)], 8320)

The options common to all three (return_sequences, return_state, initial_state,
go_backwards, stateful, masks, dropout) are described in tensorgrad.layers.rnn_base.
"""

from __future__ import annotations

from typing import Any

from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.rnn_base import BaseRNN


class SimpleRNN(BaseRNN):
    """A fully connected recurrence: `h_t = activation(x_t W + h_{t-1} U + b)`.

    Args:
        units: size of the output and of the state.
        activation: "tanh" (default), "relu", "sigmoid", "hard_sigmoid" or "linear".
        use_bias, kernel_initializer ("glorot_uniform"), recurrent_initializer
        ("orthogonal"), bias_initializer ("zeros"): the weights kernel (features, units),
        recurrent_kernel (units, units) and bias (units,).
        dropout, recurrent_dropout, return_sequences, return_state, go_backwards,
        stateful, unroll, zero_output_for_mask, seed: see tensorgrad.layers.rnn_base.
    """

    cell_name, gates, n_states = "simple_rnn", 1, 1

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any) -> None:
        super().__init__(units, activation=activation, **kwargs)


class LSTM(BaseRNN):
    """Long short-term memory (Hochreiter and Schmidhuber, 1997), as Keras computes it.

    With gates i, f, c, o in that order along the last axis of the weights::

        i, f, o = recurrent_activation(x_t W_{i,f,o} + h_{t-1} U_{i,f,o} + b_{i,f,o})
        c_t = f * c_{t-1} + i * activation(x_t W_c + h_{t-1} U_c + b_c)
        h_t = o * activation(c_t)

    Args:
        units: size of the output and of the states h and c.
        activation: "tanh" by default; recurrent_activation: "sigmoid" by default.
        unit_forget_bias: add 1 to the forget gate's bias at initialisation (Keras'
            default, after Jozefowicz et al., 2015): the bias starts as [0, 1, 0, 0] blocks.
        The weights: kernel (features, 4 units), recurrent_kernel (units, 4 units), bias
        (4 units,). Other arguments: see SimpleRNN and tensorgrad.layers.rnn_base.
    """

    cell_name, gates, n_states = "lstm", 4, 2

    def __init__(self, units: int, unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def init_bias(self, bias: Tensor) -> None:
        if self.unit_forget_bias:
            u = self.units
            bias.data[u : 2 * u] = 1.0
            bias.data[:u] = self.bias_initializer((u,), dtype=bias.data.dtype)
            bias.data[2 * u :] = self.bias_initializer((2 * u,), dtype=bias.data.dtype)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "recurrent_activation": self.recurrent_activation,
            "unit_forget_bias": self.unit_forget_bias,
        }


class GRU(BaseRNN):
    """Gated recurrent unit (Cho et al., 2014), as Keras computes it.

    With gates z (update), r (reset), h (candidate) in that order::

        z, r = recurrent_activation(x_t W_{z,r} + b_{z,r} + h_{t-1} U_{z,r} + b'_{z,r})
        hh = activation(x_t W_h + b_h + r * (h_{t-1} U_h + b'_h))    # reset_after=True
        hh = activation(x_t W_h + b_h + (r * h_{t-1}) U_h)             # reset_after=False
        h_t = z * h_{t-1} + (1 - z) * hh

    Args:
        units: size of the output and of the state.
        reset_after: apply the reset gate after the recurrent product (True, Keras 3's
            default and cuDNN's convention): the bias is (2, 3 units), input bias then
            recurrent bias. False (the Keras 2.0 GRU): one bias (3 units,), no b'.
        The weights: kernel (features, 3 units), recurrent_kernel (units, 3 units).
        Other arguments: see LSTM and tensorgrad.layers.rnn_base.
    """

    cell_name, gates, n_states = "gru", 3, 1

    def __init__(self, units: int, reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def cell_options(self) -> dict[str, Any]:
        return {"reset_after": self.reset_after}

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "recurrent_activation": self.recurrent_activation,
            "reset_after": self.reset_after,
        }
