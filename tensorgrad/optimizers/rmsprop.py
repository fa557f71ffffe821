"""RMSprop: divide each gradient by a running root-mean-square of its past values."""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.optimizers.base import Optimizer


class RMSprop(Optimizer):
    """RMSprop (Hinton, 2012) with Keras' defaults and formula.

    The velocity `v` (from 0) is a moving average of squared gradients, and epsilon goes
    INSIDE the square root (as in Keras; PyTorch adds it outside):

        v = rho * v + (1 - rho) * g**2
        w -= lr * g / sqrt(v + epsilon)

    `centered=True` also averages the gradients, `a = rho * a + (1 - rho) * g`, and divides
    by `sqrt(v - a**2 + epsilon)`. With `momentum` > 0 the step accumulates first:
    `mom = momentum * mom + lr * g / sqrt(...)`, `w -= mom`.

    Args:
        learning_rate: step size, default 0.001.
        rho: decay of the moving averages, default 0.9.
        momentum: default 0 (none).
        epsilon: default 1e-7, added to the averages under the square root.
        centered: divide by the estimated variance rather than the second moment.
        name: optional name.

    >>> import numpy as np
    >>> import tensorgrad as tg
    >>> from tensorgrad import optimizers
    >>> w = tg.tensor([10.0], requires_grad=True)
    >>> optimizers.RMSprop(learning_rate=0.1).apply_gradients([(w.data.copy(), w)])
    >>> round(w.item(), 4)  # 10 - 0.1 * 10 / sqrt(0.1 * 100): Keras' own example
    9.6838
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, name)
        if not 0 <= rho <= 1:
            raise ValueError(f"RMSprop: rho must be in [0, 1], got {rho!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"RMSprop: momentum must be in [0, 1], got {momentum!r}")
        if not epsilon > 0:
            raise ValueError(
                f"RMSprop: epsilon must be positive (it keeps 0 / 0 out), got {epsilon!r}"
            )
        self.rho = float(rho)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.centered = bool(centered)

    def build(self, variable: np.ndarray) -> list[np.ndarray]:
        """Slots: velocity, then momentum (if momentum > 0), then average gradient (if centered)."""
        count = 1 + (self.momentum > 0) + self.centered
        return [np.zeros_like(variable) for _ in range(count)]

    def update_step(self, grad: np.ndarray, variable: np.ndarray, slots: list[np.ndarray]) -> None:
        rho, velocity = self.rho, slots[0]
        step = np.square(grad, out=self.scratch_like(variable))
        step *= 1 - rho
        velocity *= rho
        velocity += step  # v = rho * v + (1 - rho) * g**2
        if self.centered:
            average = slots[-1]
            np.multiply(grad, 1 - rho, out=step)
            average *= rho
            average += step  # a = rho * a + (1 - rho) * g
            np.square(average, out=step)
            np.subtract(velocity, step, out=step)
            step += self.epsilon
        else:
            np.add(velocity, self.epsilon, out=step)
        np.sqrt(step, out=step)
        np.divide(grad, step, out=step)
        step *= self.learning_rate  # lr * g / sqrt(v + epsilon)
        if self.momentum > 0:
            momentum = slots[1]
            momentum *= self.momentum
            momentum += step
            step = momentum
        variable -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "rho": self.rho,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "centered": self.centered,
        }
