"""The fused recurrent ops: numerical gradient checks on small shapes, every option."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.engine.ops.recurrent import rnn_sequence

GATES = {"simple_rnn": 1, "lstm": 4, "gru": 3}
B, T, N, U = 2, 4, 3, 2


def _weights(cell, rng, reset_after=True):
    g = GATES[cell]
    k = rng.normal(0, 0.6, (N, g * U))
    r = rng.normal(0, 0.6, (U, g * U))
    b = rng.normal(0, 0.3, (2, g * U) if cell == "gru" and reset_after else (g * U,))
    return k, r, b


CASES = [
    ("simple_rnn", {}),
    ("lstm", {}),
    ("gru", {}),
    ("gru", {"reset_after": False}),
    ("lstm", {"activation": "relu", "recurrent_activation": "hard_sigmoid"}),
]


@pytest.mark.parametrize("cell,options", CASES)
@pytest.mark.parametrize("variant", ["plain", "mask", "reverse_mask_zero", "dropout", "states"])
def test_gradients_match_finite_differences(cell, options, variant):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(B, T, N))
    k, r, b = _weights(cell, rng, options.get("reset_after", True))
    opts = dict(options)
    states = []
    if variant in ("mask", "reverse_mask_zero"):
        opts["mask"] = np.array([[False, True, True, False], [True, False, True, True]])
    if variant == "reverse_mask_zero":
        opts.update(reverse=True, zero_output=True)
    if variant == "dropout":
        g = GATES[cell]
        opts["dropout_mask"] = (rng.random((g, B, N)) > 0.3) / 0.7
        opts["recurrent_mask"] = (rng.random((g, B, U)) > 0.3) / 0.7
    if variant == "states":
        states = [rng.normal(size=(B, U)) for _ in range(2 if cell == "lstm" else 1)]

    def f(x, k, r, b, *s):
        return rnn_sequence(cell, x, k, r, b, list(s) or None, **opts)

    result = tg.check_grad(f, x, k, r, b, *states, tolerance=1e-6)
    assert result.ok, str(result)


def test_shared_dropout_mask_and_no_bias():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(B, T, N))
    k, r, _ = _weights("lstm", rng)
    mask = (rng.random((B, N)) > 0.5) * 2.0

    def f(x, k, r):
        return rnn_sequence("lstm", x, k, r, None, dropout_mask=mask)

    assert tg.check_grad(f, x, k, r).ok


@pytest.mark.parametrize("cell", sorted(GATES))
def test_second_backward_with_retain_graph_gives_the_same_gradients(cell):
    # Backward overwrites the saved gates with their gradients; a second one recomputes them.
    rng = np.random.default_rng(2)
    x = tg.tensor(rng.normal(size=(B, T, N)), requires_grad=True)
    k, r, b = (tg.tensor(w, requires_grad=True) for w in _weights(cell, rng))
    out = rnn_sequence(cell, x, k, r, b)
    seed = rng.normal(size=out.shape)
    out.backward(seed, retain_graph=True)
    first = [t.grad.copy() for t in (x, k, r, b)]
    out.backward(seed)
    for t, g in zip((x, k, r, b), first):
        np.testing.assert_allclose(t.grad, 2 * g, rtol=1e-12, atol=1e-12)
