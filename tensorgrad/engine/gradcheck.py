"""check_grad: compare autodiff gradients with central differences, for any function.

This is how a reader can verify, on their own code, that backpropagation computes the
same derivatives as the definition (f(x + h) - f(x - h)) / 2h.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from tensorgrad.engine.tensor import Tensor


@dataclass
class GradCheckResult:
    """Worst error per floating input (None for inputs not checked) and the verdict."""

    errors: list[float | None]
    tolerance: float

    @property
    def ok(self) -> bool:
        return all(e is None or e <= self.tolerance for e in self.errors)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        parts = [
            f"input {i}: " + ("not checked" if e is None else f"{e:.2e}")
            for i, e in enumerate(self.errors)
        ]
        verdict = "ok" if self.ok else f"FAILED (tolerance {self.tolerance:.0e})"
        return f"check_grad {verdict}: worst relative error " + ", ".join(parts)


def check_grad(
    f: Callable[..., Tensor],
    *inputs: Any,
    eps: float = 1e-6,
    tolerance: float = 1e-6,
    seed: int = 0,
) -> GradCheckResult:
    """Check autodiff's gradient of `f` at `inputs` against central differences.

    Floating inputs are copied to float64 and checked; others (labels, indices) are passed
    through. A non-scalar output is reduced with fixed random weights, which checks the
    full Jacobian-vector product. The error of each input is the worst over its elements of
    |autodiff - numeric| / max(1, |autodiff|, |numeric|): relative for large gradients,
    absolute for small ones.

    Returns:
        A GradCheckResult; it is truthy when every error is within `tolerance`.

    >>> import tensorgrad as tg
    >>> result = tg.check_grad(lambda x: (x.exp() * x).sum(), tg.randn(3, 4))
    >>> result.ok
    True
    """
    arrays = [np.asarray(x.data if isinstance(x, Tensor) else x) for x in inputs]
    checked = [a.dtype.kind == "f" for a in arrays]
    arrays = [a.astype(np.float64) if c else a for a, c in zip(arrays, checked)]
    weights: list[np.ndarray] = []

    def scalar(values: list[np.ndarray], requires_grad: bool) -> Tensor:
        tensors = [
            Tensor(v, requires_grad=requires_grad and c, dtype=v.dtype)
            for v, c in zip(values, checked)
        ]
        out = f(*tensors)
        if not weights:
            rng = np.random.default_rng(seed)
            weights.append(rng.uniform(0.5, 1.5, out.shape))
        return (out * weights[0]).sum(), tensors

    loss, tensors = scalar(arrays, True)
    loss.backward()
    errors: list[float | None] = []
    for i, (t, c) in enumerate(zip(tensors, checked)):
        if not c:
            errors.append(None)
            continue
        analytic = t.grad if t.grad is not None else np.zeros_like(arrays[i])
        numeric = np.zeros_like(arrays[i])
        flat = arrays[i].reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            up = scalar(arrays, False)[0].item()
            flat[j] = original - eps
            down = scalar(arrays, False)[0].item()
            flat[j] = original
            numeric.reshape(-1)[j] = (up - down) / (2 * eps)
        scale = np.maximum(1.0, np.maximum(np.abs(analytic), np.abs(numeric)))
        errors.append(float(np.max(np.abs(analytic - numeric) / scale)) if flat.size else 0.0)
    return GradCheckResult(errors, tolerance)
