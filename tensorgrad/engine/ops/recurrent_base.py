"""What the fused recurrent ops share: activations, arguments, time-major layout, masks.

See tensorgrad.engine.ops.recurrent for the ops themselves and their conventions, and
tensorgrad.engine.ops.recurrent_gates for the weights' per-gate blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function


def _sigmoid(a: np.ndarray) -> np.ndarray:
    # 0.5 (1 + tanh(a / 2)) equals 1 / (1 + exp(-a)) and never overflows.
    out = np.multiply(a, 0.5)
    np.tanh(out, out=out)
    out += 1.0
    out *= 0.5
    return out


def _hard_sigmoid(a: np.ndarray) -> np.ndarray:
    return np.clip(a / 6.0 + 0.5, 0.0, 1.0)  # Keras 3: relu6(x + 3) / 6


# name: (function, derivative written in terms of the function's output)
ACTIVATIONS: dict[str, tuple[Any, Any]] = {
    "tanh": (np.tanh, lambda y: 1.0 - y * y),
    "sigmoid": (_sigmoid, lambda y: y * (1.0 - y)),
    "relu": (lambda a: np.maximum(a, 0.0), lambda y: (y > 0).astype(y.dtype)),
    "linear": (lambda a: a, lambda y: np.ones_like(y)),
    "hard_sigmoid": (_hard_sigmoid, lambda y: ((y > 0) & (y < 1)) / 6.0),
}


def check_activation(layer: str, name: str) -> None:
    """Raise a ValueError unless the fused ops know the activation `name`."""
    if name not in ACTIVATIONS:
        raise ValueError(
            f"{layer}: activation {name!r} is not supported by the recurrent layers; use one "
            f"of {', '.join(sorted(ACTIVATIONS))}"
        )


class SequenceOp(Function):
    """What the three ops share: argument handling, time-major layout, masks, packing."""

    gates = 1
    n_states = 1

    def __init__(
        self,
        activation: str = "tanh",
        recurrent_activation: str = "sigmoid",
        mask: Any = None,
        dropout_mask: Any = None,
        recurrent_mask: Any = None,
        reverse: bool = False,
        zero_output: bool = False,
        has_bias: bool = True,
        has_states: bool = False,
        reset_after: bool = True,
    ) -> None:
        self.act, self.dact = ACTIVATIONS[activation]
        self.ract, self.dract = ACTIVATIONS[recurrent_activation]
        # Keras' defaults get in-place passes: sigmoid as 0.5 tanh(x / 2) + 0.5, tanh.
        self.default_acts = activation == "tanh" and recurrent_activation == "sigmoid"
        self.mask, self.dmask, self.rmask = mask, dropout_mask, recurrent_mask
        self.reverse, self.zero_output = reverse, zero_output
        self.has_bias, self.has_states, self.reset_after = has_bias, has_states, reset_after

    def _unpack(self, x, kernel, rest):
        bias = rest[0] if self.has_bias else None
        states = list(rest[1:] if self.has_bias else rest)
        xt = x.transpose(1, 0, 2)
        if self.reverse:
            xt = xt[::-1]
        self.xt = xt
        T, B = xt.shape[:2]
        if self.mask is not None:
            m = np.asarray(self.mask, dtype=bool).T
            self.m = (m[::-1] if self.reverse else m)[:, :, None]
        return bias, states, T, B

    def _outputs(self, outs: np.ndarray, finals: Sequence[np.ndarray]) -> np.ndarray:
        return np.concatenate([outs.transpose(1, 0, 2)] + [f[:, None] for f in finals], axis=1)

    def _split_grad(self, g: np.ndarray, T: int) -> tuple[np.ndarray, list[np.ndarray]]:
        return g[:, :T].transpose(1, 0, 2), [g[:, T + s].copy() for s in range(self.n_states)]

    def _restore(self) -> None:
        """Run forward again if an earlier backward (retain_graph) used up its saved arrays."""
        if getattr(self, "consumed", False):
            self.forward(*[t.data for t in self.inputs])
        self.consumed = True

    def _grads(self, dx, dk, dr, db, dstates):
        """The gradients in input order from time-major dx: x, kernel, recurrent kernel,
        bias, states."""
        if dx is not None:
            if self.reverse:
                dx = dx[::-1]
            dx = dx.transpose(1, 0, 2)
        grads = [dx, dk, dr]
        if self.has_bias:
            grads.append(db)
        if self.has_states:
            grads += dstates
        return tuple(grads)

    def _carry_output(self, t, h_new, prev):
        """The output at step t: h_new where unmasked, else the previous output (or 0)."""
        m = self.m[t]
        return np.where(m, h_new, 0.0 if self.zero_output else prev)

    def _output_grad(self, t, go, dcarry):
        """Split an output's gradient into the cell's part and the previous output's part."""
        if not self.zero_output:
            go = go + dcarry
        m = self.m[t]
        return go * m, (0.0 if self.zero_output else go * ~m)
