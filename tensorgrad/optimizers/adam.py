"""Adam: steps from bias-corrected running averages of the gradient and its square."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad.optimizers.base import Optimizer


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2014) with Keras' defaults and formula.

    At step t = 1, 2, ... with moments `m` and `v` starting at 0:

        m += (1 - beta_1) * (g - m)
        v += (1 - beta_2) * (g**2 - v)
        w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)

    Epsilon is added to sqrt(v) before the bias correction, so it is the paper's "epsilon
    hat" (as in Keras). PyTorch adds epsilon after correcting: its eps equals this epsilon
    divided by sqrt(1 - beta_2**t), so the two agree only when epsilon is 0. `amsgrad=True`
    divides by the running maximum of `v` instead of `v`.

    Args:
        learning_rate: step size, default 0.001.
        beta_1: decay of the first moment, default 0.9.
        beta_2: decay of the second moment, default 0.999.
        epsilon: default 1e-7.
        amsgrad: use the AMSGrad variant.
        name: optional name.

    >>> import numpy as np
    >>> import tensorgrad as tg
    >>> from tensorgrad import optimizers
    >>> w = tg.tensor([1.0], requires_grad=True)
    >>> optimizers.Adam(learning_rate=0.1).apply_gradients([(np.full(1, 3, np.float32), w)])
    >>> round(w.item(), 4)  # the first step moves by about lr whatever the gradient's size
    0.9
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        name: str | None = None,
    ) -> None:
        super().__init__(learning_rate, name)
        for arg, value in (("beta_1", beta_1), ("beta_2", beta_2)):
            if not 0 <= value < 1:
                raise ValueError(f"Adam: {arg} must be in [0, 1), got {value!r}")
        if not epsilon > 0:
            raise ValueError(
                f"Adam: epsilon must be positive (it keeps 0 / 0 out), got {epsilon!r}"
            )
        self.beta_1 = float(beta_1)
        self.beta_2 = float(beta_2)
        self.epsilon = float(epsilon)
        self.amsgrad = bool(amsgrad)

    def build(self, variable: np.ndarray) -> list[np.ndarray]:
        """Slots: first moment, second moment, then the maximum second moment (amsgrad)."""
        return [np.zeros_like(variable) for _ in range(3 if self.amsgrad else 2)]

    def update_step(self, grad: np.ndarray, variable: np.ndarray, slots: list[np.ndarray]) -> None:
        t = self.iterations + 1
        alpha = self.learning_rate * math.sqrt(1 - self.beta_2**t) / (1 - self.beta_1**t)
        m, v = slots[0], slots[1]
        step = np.subtract(grad, m, out=self.scratch_like(variable))
        step *= 1 - self.beta_1
        m += step
        np.square(grad, out=step)
        step -= v
        step *= 1 - self.beta_2
        v += step
        if self.amsgrad:
            v = np.maximum(slots[2], v, out=slots[2])
        np.sqrt(v, out=step)
        step += self.epsilon
        np.divide(m, step, out=step)
        step *= alpha
        variable -= step

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "amsgrad": self.amsgrad,
        }
