"""Keras itself (on its torch backend) as the reference for layer tests, in float64.

`run_keras(layer, x, mask, **call_kwargs)` calls a Keras layer on torch tensors and returns
its outputs and the gradients of a fixed weighted sum of them with respect to the input and
every weight, the same quantity `run_ours` computes with tensorgrad.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest

import tensorgrad as tg

os.environ.setdefault("KERAS_BACKEND", "torch")


def keras() -> Any:
    """The keras module (the test is skipped when Keras or torch is missing)."""
    pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        module = pytest.importorskip("keras")
    if module.backend.backend() != "torch":
        pytest.skip("these references need KERAS_BACKEND=torch")
    # Layers made inside Keras layers (the RNN cells) take the global float type.
    module.config.set_floatx("float64")
    _exact_float64_matmul()
    return module


def _exact_float64_matmul() -> None:
    """Keras 3.15's torch matmul, minimum, maximum and divide_no_nan promote two float64 operands
    to float32 (its result_type is given torch dtypes): the reference then agrees to 1e-7
    only. Compute them with torch itself when both operands are float64 (or one is a
    Python number), as every other Keras op already does."""
    import torch
    from keras.src.backend.torch import numpy as knp

    def exact(name: str, torch_fn: Any) -> None:
        original = getattr(getattr(knp, name), "__wrapped__", getattr(knp, name))

        def op(x1: Any, x2: Any) -> Any:
            a = x1 if isinstance(x1, (int, float)) else knp.convert_to_tensor(x1)
            b = x2 if isinstance(x2, (int, float)) else knp.convert_to_tensor(x2)
            dtypes = {getattr(v, "dtype", None) for v in (a, b)} - {None}
            if dtypes == {torch.float64}:
                as_tensor = [
                    torch.tensor(v, dtype=torch.float64) if isinstance(v, (int, float)) else v
                    for v in (a, b)
                ]
                return torch_fn(*as_tensor)
            return original(x1, x2)

        op.__wrapped__ = original  # type: ignore[attr-defined]
        setattr(knp, name, op)

    exact("matmul", torch.matmul)
    exact("minimum", torch.minimum)
    exact("maximum", torch.maximum)

    def divide_no_nan(a: Any, b: Any) -> Any:
        return torch.where(b == 0, 0.0, a / torch.where(b == 0, torch.ones_like(b), b))

    exact("divide_no_nan", divide_no_nan)


def _as_list(out: Any) -> list[Any]:
    return list(out) if isinstance(out, (list, tuple)) else [out]


def _weights_for(outputs: list[np.ndarray], seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.5, 1.5, o.shape) for o in outputs]


def run_keras(layer: Any, x: np.ndarray, mask: Any = None, **kwargs: Any) -> tuple:
    """(outputs, input gradient, weight gradients) of a Keras layer in float64."""
    import torch

    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    if mask is not None:
        kwargs["mask"] = torch.tensor(mask)
    if "initial_state" in kwargs:
        kwargs["initial_state"] = [
            torch.tensor(s, dtype=torch.float64, requires_grad=True)
            for s in kwargs["initial_state"]
        ]
    outs = _as_list(layer(xt, **kwargs))
    arrays = [o.detach().numpy() for o in outs]
    loss = sum((o * torch.tensor(w)).sum() for o, w in zip(outs, _weights_for(arrays)))
    loss.backward()
    grads = [v.value.grad.numpy() for v in layer.weights]
    states = [s.grad.numpy() for s in kwargs.get("initial_state", [])]
    return arrays, xt.grad.numpy(), grads, states


def run_ours(layer: Any, x: np.ndarray, mask: Any = None, **kwargs: Any) -> tuple:
    """The same as run_keras for a tensorgrad layer."""
    xt = tg.tensor(x, requires_grad=True, dtype="float64")
    if "initial_state" in kwargs:
        kwargs["initial_state"] = [
            tg.tensor(s, requires_grad=True, dtype="float64") for s in kwargs["initial_state"]
        ]
    outs = _as_list(layer(xt, mask=mask, **kwargs))
    arrays = [o.numpy() for o in outs]
    loss = sum((o * w).sum() for o, w in zip(outs, _weights_for(arrays)))
    loss.backward()
    grads = [w.grad for w in layer.weights]
    states = [s.grad for s in kwargs.get("initial_state", [])]
    return arrays, xt.grad, grads, states


def assert_same(ours: tuple, theirs: tuple, tol: float = 1e-9) -> None:
    """Outputs, input gradient, weight gradients and state gradients agree to `tol`."""
    for name, a, b in zip(("outputs", "input grad", "weight grads", "state grads"), ours, theirs):
        a_list = a if isinstance(a, list) else [a]
        b_list = b if isinstance(b, list) else [b]
        assert len(a_list) == len(b_list), name
        for i, (u, v) in enumerate(zip(a_list, b_list)):
            np.testing.assert_allclose(u, v, rtol=tol, atol=tol, err_msg=f"{name} {i}")
