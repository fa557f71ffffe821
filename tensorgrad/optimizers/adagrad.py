"""Adagrad: per-parameter steps that shrink as squared gradients accumulate."""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.optimizers.base import Optimizer


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011) with Keras' defaults and formula.

    The accumulator starts at `initial_accumulator_value` and sums squared gradients;
    epsilon goes INSIDE the square root (as in Keras; PyTorch adds it outside):

        acc += g**2
        w -= lr * g / sqrt(acc + epsilon)

    Args:
        learning_rate: step size, default 0.001 (Adagrad often wants more, up to 1.0).
        initial_accumulator_value: starting accumulator, default 0.1, must be >= 0.
        epsilon: default 1e-7.
        name: optional name.

    >>> import numpy as np
    >>> import tensorgrad as tg
    >>> from tensorgrad import optimizers
    >>> w = tg.tensor([1.0], requires_grad=True)
    >>> optimizers.Adagrad(learning_rate=0.1).apply_gradients([(np.ones(1, np.float32), w)])
    >>> round(w.item(), 4)  # 1 - 0.1 * 1 / sqrt(0.1 + 1)
    0.9047
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        initial_accumulator_value: float = 0.1,
        epsilon: float = 1e-7,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, name)
        if not initial_accumulator_value >= 0:
            raise ValueError(
                f"Adagrad: initial_accumulator_value must be >= 0, got "
                f"{initial_accumulator_value!r}"
            )
        if not epsilon > 0:
            raise ValueError(
                f"Adagrad: epsilon must be positive (it keeps 0 / 0 out), got {epsilon!r}"
            )
        self.initial_accumulator_value = float(initial_accumulator_value)
        self.epsilon = float(epsilon)

    def build(self, variable: np.ndarray) -> list[np.ndarray]:
        """Slot: the accumulator."""
        return [np.full_like(variable, self.initial_accumulator_value)]

    def update_step(self, grad: np.ndarray, variable: np.ndarray, slots: list[np.ndarray]) -> None:
        accumulator = slots[0]
        step = np.square(grad, out=self.scratch_like(variable))
        accumulator += step
        np.add(accumulator, self.epsilon, out=step)
        np.sqrt(step, out=step)
        np.divide(grad, step, out=step)
        step *= self.learning_rate
        variable -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "initial_accumulator_value": self.initial_accumulator_value,
            "epsilon": self.epsilon,
        }
