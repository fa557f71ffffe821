"""Activations by name and as functions."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import activations

X = np.array([[-2.0, 0.0, 3.0], [1.0, -1.0, 0.5]], dtype=np.float32)


@pytest.mark.parametrize(
    "name, reference",
    [
        ("relu", lambda x: np.maximum(x, 0)),
        ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
        ("tanh", np.tanh),
        ("linear", lambda x: x),
        ("softmax", lambda x: np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)),
    ],
)
def test_by_name_matches_numpy(name, reference):
    out = activations.get(name)(tg.tensor(X))
    np.testing.assert_allclose(out.numpy(), reference(X), rtol=1e-6, atol=1e-7)


def test_functions_are_returned_as_is_and_none_is_linear():
    assert activations.get(activations.relu) is activations.relu
    assert activations.get(None) is activations.linear
    custom = lambda x: x * 2  # noqa: E731
    assert activations.get(custom) is custom


def test_names_are_case_insensitive_and_serialize_back():
    assert activations.get("ReLU") is activations.relu
    for name in ("relu", "softmax", "sigmoid", "tanh", "linear"):
        assert activations.serialize(activations.get(name)) == name


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown activation 'rleu'.*relu.*softmax"):
        activations.get("rleu")


def test_softmax_keeps_logits_for_fused_losses():
    logits = tg.tensor(X)
    assert activations.softmax(logits)._logits[1] is logits


def test_linear_passes_gradients():
    x = tg.tensor(X, requires_grad=True)
    activations.linear(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones_like(X))
