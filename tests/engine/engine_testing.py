"""Shared helpers of the engine tests: random inputs by domain, torch conversion, comparisons.

Inputs are drawn from a domain chosen to keep finite differences away from kinks:
"any" (normal), "pos" (in [0.5, 2], for log, sqrt and powers), "nonzero" (|x| in [0.5, 2],
for abs, relu and divisors), "prob" (in [0.05, 0.95], targets), "onehot" (rows of an
identity), "labels:K" (integers in [0, K)) and "mask" (booleans).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

import tensorgrad as tg


def rng_for(name: str) -> np.random.Generator:
    """A generator seeded from a test's name: every run draws the same inputs."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def draw(rng: np.random.Generator, shape: tuple[int, ...], domain: str) -> np.ndarray:
    """One float64 (or integer / boolean) input array of `shape` from `domain`."""
    if domain == "any":
        return rng.standard_normal(shape)
    if domain == "pos":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "nonzero":
        return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)
    if domain == "prob":
        return rng.uniform(0.05, 0.95, shape)
    if domain == "onehot":
        return np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
    if domain.startswith("labels:"):
        return rng.integers(0, int(domain.split(":")[1]), shape)
    if domain == "mask":
        return rng.random(shape) < 0.5
    raise ValueError(f"unknown domain {domain!r}")


def draw_inputs(name: str, shapes: tuple[Any, ...], domains: Any) -> list[np.ndarray]:
    """Inputs for a case: one domain for all inputs, or one per input."""
    rng = rng_for(name)
    if isinstance(domains, str):
        domains = (domains,) * len(shapes)
    return [draw(rng, tuple(s), d) for s, d in zip(shapes, domains)]


def is_float(a: np.ndarray) -> bool:
    return np.asarray(a).dtype.kind == "f"


def to_torch(torch: Any, a: np.ndarray, requires_grad: bool = True) -> Any:
    """A torch tensor of `a`; float arrays become float64 leaves that require a gradient."""
    t = torch.from_numpy(np.array(a))
    if t.dtype.is_floating_point and requires_grad:
        t = t.double().requires_grad_(True)
    return t


def tg_grads(fn: Any, arrays: list[np.ndarray], weights: np.ndarray | None = None):
    """tensorgrad's output and input gradients of sum(fn(*inputs) * weights), float64."""
    tensors = [
        tg.tensor(a, requires_grad=is_float(a), dtype=a.dtype if is_float(a) else None)
        for a in arrays
    ]
    out = fn(*tensors)
    w = np.ones(out.shape) if weights is None else weights
    (out * w).sum().backward()
    return out.numpy(), [t.grad if is_float(a) else None for t, a in zip(tensors, arrays)]


def torch_grads(torch: Any, fn: Any, arrays: list[np.ndarray], weights: np.ndarray | None = None):
    """torch's output and input gradients of sum(fn(*inputs) * weights), float64."""
    tensors = [to_torch(torch, a) for a in arrays]
    out = fn(*tensors)
    w = torch.ones(out.shape, dtype=out.dtype) if weights is None else torch.from_numpy(weights)
    (out * w).sum().backward()
    grads = [
        (t.grad.numpy() if t.grad is not None else np.zeros(t.shape)) if is_float(a) else None
        for t, a in zip(tensors, arrays)
    ]
    return out.detach().numpy(), grads


def assert_close(actual: Any, expected: Any, rtol: float = 1e-5, atol: float = 1e-10) -> None:
    """Equal shapes and values within a relative tolerance."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol)


def sum_to(x: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reference un-broadcast, written independently of the engine: add up over stretched axes."""
    x = np.asarray(x)
    while x.ndim > len(shape):
        x = x.sum(axis=0)
    for axis, n in enumerate(shape):
        if n == 1 and x.shape[axis] != 1:
            x = x.sum(axis=axis, keepdims=True)
    return x
