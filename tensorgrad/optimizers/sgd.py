"""SGD: gradient descent, optionally with (Nesterov) momentum, as in Keras."""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.optimizers.base import Optimizer


class SGD(Optimizer):
    """Gradient descent with optional momentum (Keras' formulation).

    Without momentum: `w -= lr * g`. With momentum `mu` the velocity `m` (from 0) does
    `m = mu * m - lr * g; w += m`, and with `nesterov=True`: `m = mu * m - lr * g;
    w += mu * m - lr * g`. For a constant learning rate this is PyTorch's SGD (dampening 0)
    with `m = -lr * buf`.

    Args:
        learning_rate: step size, default 0.01.
        momentum: float in [0, 1], default 0 (plain gradient descent).
        nesterov: use Nesterov momentum.
        name: optional name.

    >>> import numpy as np
    >>> import tensorgrad as tg
    >>> from tensorgrad import optimizers
    >>> w = tg.tensor([1.0, 2.0], requires_grad=True)
    >>> optimizers.SGD(learning_rate=0.1).apply_gradients([(np.ones(2, np.float32), w)])
    >>> w
    tensor([0.9, 1.9], requires_grad=True)
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, name)
        if not isinstance(momentum, (int, float)) or not 0 <= momentum <= 1:
            raise ValueError(f"SGD: momentum must be a float in [0, 1], got {momentum!r}")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def build(self, variable: np.ndarray) -> list[np.ndarray]:
        return [np.zeros_like(variable)] if self.momentum else []

    def update_step(self, grad: np.ndarray, variable: np.ndarray, slots: list[np.ndarray]) -> None:
        step = np.multiply(grad, self.learning_rate, out=self.scratch_like(variable))  # lr * g
        if not slots:
            variable -= step
            return
        m = slots[0]
        m *= self.momentum
        m -= step
        if self.nesterov:
            variable -= step
            np.multiply(m, self.momentum, out=step)
        else:
            step = m
        variable += step

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}
