"""The activation functions added for Keras 3: values and gradients against Keras (on
torch) in float64, names that serialize back, and check_grad on each fused op."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import activations
from tensorgrad.engine.gradcheck import check_grad
from tests.layers.keras_reference import keras

RNG = np.random.default_rng(0)
X = RNG.standard_normal((4, 25)) * 4
W = RNG.standard_normal((4, 25))

CASES = {
    "elu": {},
    "elu_alpha": {"alpha": 0.5},
    "selu": {},
    "gelu": {},
    "gelu_tanh": {"approximate": True},
    "softplus": {},
    "softsign": {},
    "silu": {},
    "relu6": {},
    "leaky_relu": {},
    "hard_sigmoid": {},
    "exponential": {},
    "log_softmax": {},
    "relu_capped": {"max_value": 5.0},
    "relu_all": {"negative_slope": 0.3, "max_value": 5.0, "threshold": 1.0},
    "relu_slope": {"negative_slope": 0.1},
}


def _name(case: str) -> str:
    return (
        {"elu_alpha": "elu", "gelu_tanh": "gelu"}.get(case, case.split("_capped")[0])
        .replace("relu_all", "relu")
        .replace("relu_slope", "relu")
    )


@pytest.mark.parametrize("case", list(CASES))
def test_values_and_gradients_agree_with_keras(case):
    import torch

    k = keras()
    name, options = _name(case), CASES[case]
    x = X if name != "exponential" else X / 4
    ours_in = tg.tensor(x, dtype="float64", requires_grad=True)
    ours = getattr(activations, name)(ours_in, **options)
    (ours * W).sum().backward()
    theirs_in = torch.tensor(x, requires_grad=True)
    theirs = getattr(k.activations, name)(theirs_in, **options)
    (theirs * torch.tensor(W)).sum().backward()
    assert ours.dtype == np.float64
    tol = {"rtol": 1e-9, "atol": 1e-9}
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), **tol)
    if name == "hard_sigmoid":  # torch's hardsigmoid backward uses 1/6 as a float32 constant
        tol = {"rtol": 1e-7, "atol": 1e-9}
    np.testing.assert_allclose(ours_in.grad, theirs_in.grad.numpy(), **tol)


@pytest.mark.parametrize("case", [c for c in CASES if c != "log_softmax"])
def test_fused_ops_pass_check_grad(case):
    options = CASES[case]
    x = X[:2, :10] + 0.0123  # away from the kinks at 0, 1, 5, -3 and 3
    assert check_grad(lambda t: getattr(activations, _name(case))(t, **options), x)


def test_float32_stays_float32_and_names_serialize_back():
    for name in ("elu", "selu", "gelu", "softplus", "softsign", "silu", "relu6", "hard_sigmoid"):
        fn = activations.get(name)
        assert activations.serialize(fn) == name
        assert fn(tg.tensor([-1.0, 2.0])).dtype == np.float32
    assert activations.get("swish") is activations.silu
    assert activations.get("GELU") is activations.gelu
