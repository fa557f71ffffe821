"""keras.ops functions beyond the engine's own: each agrees with Keras 3's (on its torch
backend) in its values, and in its gradient where it has one (through torch autograd)."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg

# Keras' count_nonzero on torch uses x.T on a 2-D tensor of booleans, which torch warns of.
pytestmark = pytest.mark.filterwarnings("ignore:The use of `x.T`:UserWarning")
RNG = np.random.default_rng(0)
M = RNG.standard_normal((3, 4))
POS = RNG.uniform(0.5, 2.0, (3, 4))
CUBE = RNG.standard_normal((2, 3, 4))
IDX = np.array([[0, 2, 1, 3], [3, 3, 0, 1], [1, 0, 2, 2]])

# (name, first argument, other arguments, keyword arguments, has a gradient)
CASES = [
    ("sin", M, (), {}, True),
    ("cos", M, (), {}, True),
    ("cumsum", CUBE, (), {"axis": 1}, True),
    ("cumsum", M, (), {}, True),
    ("pad", M, (((1, 0), (2, 1)),), {}, True),
    ("pad", M, (((1, 1), (1, 1)),), {"constant_values": 2.0}, True),
    ("tile", M, ((2, 1),), {}, True),
    ("tile", M, ((2, 1, 3),), {}, True),
    ("repeat", M, (2,), {"axis": 1}, True),
    ("repeat", M, (3,), {}, True),
    ("take", M, (np.array([2, 0, 2]),), {"axis": 0}, True),
    ("take", M, (np.array([5, 1]),), {}, True),
    ("take_along_axis", M, (IDX,), {"axis": 1}, True),
    ("flip", CUBE, (), {"axis": 1}, True),
    ("flip", M, (), {}, True),
    ("roll", M, (1,), {"axis": 1}, True),
    ("roll", M, (-2,), {}, True),
    ("tril", M, (), {}, True),
    ("triu", CUBE, (), {"k": 1}, True),
    ("sort", M, (), {}, True),
    ("sort", M, (), {"axis": 0}, True),
    ("std", CUBE, (), {"axis": 1}, True),
    ("norm", M, (), {}, True),
    ("norm", M, (), {"axis": 1, "keepdims": True}, True),
    ("norm", M, (), {"ord": 1, "axis": 0}, True),
    ("rsqrt", POS, (), {}, True),
    ("reciprocal", POS, (), {}, True),
    ("log1p", POS, (), {}, True),
    ("expm1", M, (), {}, True),
    ("average", M, (), {"axis": 1, "weights": np.array([1.0, 2.0, 0.5, 1.5])}, True),
    ("gelu", M, (), {}, True),
    ("gelu", M, (), {"approximate": False}, True),
    ("silu", M, (), {}, True),
    ("swish", M, (), {}, True),
    ("softplus", M, (), {}, True),
    ("softsign", M, (), {}, True),
    ("elu", M, (), {"alpha": 0.5}, True),
    ("leaky_relu", M, (), {}, True),
    ("selu", M, (), {}, True),
    ("relu6", M * 4, (), {}, True),
    ("hard_sigmoid", M * 4, (), {}, True),
    ("log_sigmoid", M * 10, (), {}, True),
    ("argsort", M, (), {}, False),
    ("sign", M, (), {}, False),
    ("floor", M * 3, (), {}, False),
    ("ceil", M * 3, (), {}, False),
    ("round", M * 3, (), {}, False),
    ("isnan", np.array([1.0, np.nan]), (), {}, False),
    ("isfinite", np.array([1.0, np.inf]), (), {}, False),
    ("any", M > 1, (), {"axis": 1}, False),
    ("all", M > -2, (), {}, False),
    ("logical_and", M > 0, (M < 1,), {}, False),
    ("logical_or", M > 0, (M < -1,), {}, False),
    ("logical_xor", M > 0, (M < 1,), {}, False),
    ("logical_not", M > 0, (), {}, False),
    ("count_nonzero", M > 0, (), {"axis": 0}, False),
    ("one_hot", np.array([0, 3, 1, 2]), (4,), {}, False),
]
IDS = [f"{name}{i}" for i, (name, *_rest) in enumerate(CASES)]


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_values_and_gradients_agree_with_keras(case):
    keras, torch = _keras(), pytest.importorskip("torch")
    name, x, rest, kwargs, differentiable = case
    floating = x.dtype.kind == "f"
    ours_in = tg.tensor(x, dtype=x.dtype, requires_grad=floating)
    theirs_in = torch.tensor(x, requires_grad=floating)
    ours = getattr(tg.ops, name)(ours_in, *rest, **kwargs)
    theirs = getattr(keras.ops, name)(theirs_in, *rest, **kwargs)
    got, want = ours.numpy(), theirs.detach().cpu().numpy()
    assert got.shape == want.shape
    np.testing.assert_allclose(
        got.astype(np.float64), want.astype(np.float64), rtol=1e-6, atol=1e-9
    )
    if not differentiable:
        assert not ours.requires_grad
        return
    weights = RNG.uniform(0.5, 1.5, got.shape)
    (ours * tg.tensor(weights, dtype="float64")).sum().backward()
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours_in.grad, theirs_in.grad.numpy(), rtol=1e-6, atol=1e-9)


def test_several_results_agree_with_keras():
    keras, torch = _keras(), pytest.importorskip("torch")
    values, indices = tg.ops.top_k(tg.tensor(M, dtype="float64"), 2)
    k_values, k_indices = keras.ops.top_k(torch.tensor(M), 2)
    np.testing.assert_allclose(values.numpy(), k_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), k_indices.numpy())
    for ours, theirs in zip(
        tg.ops.split(M, [1, 3], axis=1), keras.ops.split(torch.tensor(M), [1, 3], axis=1)
    ):
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
    mean, variance = tg.ops.moments(tg.tensor(CUBE, dtype="float64"), axes=(0, 2))
    k_mean, k_variance = keras.ops.moments(torch.tensor(CUBE), axes=(0, 2))
    np.testing.assert_allclose(mean.numpy(), k_mean.numpy())
    np.testing.assert_allclose(variance.numpy(), k_variance.numpy())
    for ours, theirs in [
        (tg.ops.linspace(0.0, 1.0, 5), keras.ops.linspace(0.0, 1.0, 5)),
        (tg.ops.eye(3, 4, k=1), keras.ops.eye(3, 4, k=1)),
        (tg.ops.identity(3), keras.ops.identity(3)),
    ]:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy())
        assert ours.dtype == "float32"


def test_top_k_values_carry_the_gradient_back():
    x = tg.tensor(M, dtype="float64", requires_grad=True)
    values, _ = tg.ops.top_k(x, 1)
    values.sum().backward()
    np.testing.assert_array_equal(x.grad, (M == M.max(axis=1, keepdims=True)).astype(float))


def test_numpy_shortcuts():
    # One number pads every axis, as np.pad and Keras' documentation say (Keras' torch
    # backend pads only the last axis).
    np.testing.assert_array_equal(tg.ops.pad(M, 1).numpy(), np.pad(M, 1).astype(np.float32))
    labels = tg.ops.one_hot(np.array([1, 5, -1]), 3).numpy()  # out of range: all zeros
    np.testing.assert_array_equal(labels, [[0, 1, 0], [0, 0, 0], [0, 0, 0]])


def test_bad_arguments_name_the_op():
    with pytest.raises(ValueError, match="split: 3 sections do not divide axis 1 of size 4"):
        tg.ops.split(M, 3, axis=1)
    with pytest.raises(ValueError, match="norm: ord=3"):
        tg.ops.norm(M, ord=3, axis=0)
    with pytest.raises(ValueError, match="pad: only mode='constant'"):
        tg.ops.pad(M, 1, mode="reflect")
    with pytest.raises(ValueError, match="one_hot: sparse=True is not supported"):
        tg.ops.one_hot([1], 2, sparse=True)
