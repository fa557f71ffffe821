"""SimpleRNN, LSTM, GRU and Bidirectional agree with Keras 3 in float64, given the same weights.

Outputs and the gradients of the input, the kernel, the recurrent kernel and the bias
(and of the initial states) are compared for every output option, with and without masks.
"""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import layers
from tests.layers.keras_reference import assert_same, keras, run_keras, run_ours

B, T, N, U = 3, 5, 4, 3
CELLS = {
    "SimpleRNN": {},
    "LSTM": {},
    "GRU": {},
    "GRU_v1": {"reset_after": False},
}
MASK = np.array(
    [
        [False, False, True, True, True],  # pre-padding
        [True, True, True, False, False],  # post-padding
        [True, False, True, True, False],  # holes
    ]
)


def _pair(cell: str, **options):
    k = keras()
    cls = cell.split("_")[0]
    opts = {**CELLS[cell], **options}
    theirs = getattr(k.layers, cls)(U, dtype="float64", **opts)
    ours = getattr(layers, cls)(U, dtype="float64", **opts)
    return ours, theirs


def _x(seed=0):
    return np.random.default_rng(seed).normal(size=(B, T, N))


def _same_weights(ours, theirs, x):
    theirs(x[:1])
    ours.build((None,) + x.shape[1:])
    rng = np.random.default_rng(3)
    weights = [rng.normal(0, 0.5, w.shape) for w in ours.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)


@pytest.mark.parametrize("cell", list(CELLS))
@pytest.mark.parametrize(
    "options",
    [
        {},
        {"return_sequences": True},
        {"go_backwards": True, "return_sequences": True},
        {"return_state": True},
        {"go_backwards": True, "return_state": True, "return_sequences": True},
    ],
    ids=["last", "sequences", "backwards", "state", "backwards_state"],
)
@pytest.mark.parametrize("masked", [False, True], ids=["nomask", "mask"])
def test_agrees_with_keras(cell, options, masked):
    ours, theirs = _pair(cell, **options)
    x = _x()
    _same_weights(ours, theirs, x)
    mask = MASK if masked else None
    assert_same(run_ours(ours, x, mask), run_keras(theirs, x, mask))


@pytest.mark.parametrize("cell", list(CELLS))
def test_initial_state_agrees_with_keras(cell):
    ours, theirs = _pair(cell, return_sequences=True, return_state=True)
    x = _x(1)
    _same_weights(ours, theirs, x)
    rng = np.random.default_rng(5)
    states = [rng.normal(size=(B, U)) for _ in range(2 if cell == "LSTM" else 1)]
    assert_same(
        run_ours(ours, x, MASK, initial_state=states),
        run_keras(theirs, x, MASK, initial_state=states),
    )


@pytest.mark.parametrize("cell", ["LSTM", "GRU"])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
@pytest.mark.parametrize("sequences", [False, True], ids=["last", "sequences"])
def test_bidirectional_agrees_with_keras(cell, merge_mode, sequences):
    k = keras()
    x = _x(2)
    theirs = k.layers.Bidirectional(
        getattr(k.layers, cell)(U, return_sequences=sequences, dtype="float64"),
        merge_mode=merge_mode,
        dtype="float64",
    )
    ours = layers.Bidirectional(
        getattr(layers, cell)(U, return_sequences=sequences, dtype="float64"),
        merge_mode=merge_mode,
        dtype="float64",
    )
    _same_weights(ours, theirs, x)
    mask = MASK if merge_mode in ("concat", "sum") else None
    assert_same(run_ours(ours, x, mask), run_keras(theirs, x, mask))


def test_bidirectional_return_state_agrees_with_keras():
    k = keras()
    x = _x(4)
    theirs = k.layers.Bidirectional(
        k.layers.LSTM(U, return_state=True, dtype="float64"), dtype="float64"
    )
    ours = layers.Bidirectional(layers.LSTM(U, return_state=True, dtype="float64"), dtype="float64")
    _same_weights(ours, theirs, x)
    result = run_ours(ours, x, MASK)
    assert [o.shape for o in result[0]] == [(B, 2 * U)] + [(B, U)] * 4
    assert_same(result, run_keras(theirs, x, MASK))


def test_time_distributed_dense_agrees_with_keras():
    k = keras()
    x = _x(6)
    theirs = k.layers.TimeDistributed(k.layers.Dense(2, dtype="float64"), dtype="float64")
    ours = layers.TimeDistributed(layers.Dense(2, dtype="float64"), dtype="float64")
    _same_weights(ours, theirs, x)
    assert_same(run_ours(ours, x), run_keras(theirs, x))
