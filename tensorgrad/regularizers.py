"""Weight and activity regularizers with Keras 3's names, formulas and defaults.

A regularizer is called with a tensor (a weight, or a layer's output) and returns a scalar
penalty tensor, which training adds to the loss so that its gradient reaches the weights.
Layers take them as `kernel_regularizer=`, `bias_regularizer=`, `activity_regularizer=`...;
`layer.losses` lists the penalties, `model.fit` minimises the loss plus their sum.

>>> import numpy as np
>>> from tensorgrad import regularizers
>>> float(regularizers.L2(2.0)(np.ones((5, 5))).item())
50.0
>>> regularizers.get("l1").get_config()
{'l1': 0.01}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from tensorgrad.engine.function import lift
from tensorgrad.engine.ops import elementwise, linalg, reduce
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils import registry
from tensorgrad.utils.registry import register

REGULARIZERS: dict[str, Any] = {}

EPSILON = 1e-7
"""Keras' `backend.epsilon()`: the smallest norm OrthogonalRegularizer divides by."""


def validate_factor(value: Any, name: str) -> float:
    """A penalty factor as a float; Keras' rule: a finite number >= 0.

    Raises:
        ValueError: anything else (the message names the argument and what it expects).
    """
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, np.integer, np.floating))
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float. "
            f"Received: {name}={value!r}"
        )
    return float(value)


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else lift((x,))[0]


class Regularizer:
    """Base class: `regularizer(x) -> scalar tensor` (0 for the base class itself)."""

    def __call__(self, x: Any) -> Any:
        return 0.0

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-friendly (a subclass of yours must define it)."""
        raise NotImplementedError(f"{self} does not implement get_config()")

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Regularizer:
        return cls(**config)

    def __repr__(self) -> str:
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


register(REGULARIZERS)(Regularizer)


@register(REGULARIZERS)
class L1L2(Regularizer):
    """`l1 * sum(abs(x)) + l2 * sum(square(x))`; both factors default to 0 (as in Keras 3)."""

    def __init__(self, l1: float = 0.0, l2: float = 0.0) -> None:
        self.l1 = validate_factor(0.0 if l1 is None else l1, "l1")
        self.l2 = validate_factor(0.0 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> Tensor:
        x = _tensor(x)
        penalty = Tensor._make(np.zeros((), x.data.dtype), False, None)
        if self.l1 != 0.0:
            penalty = penalty + elementwise.multiply(reduce.sum(elementwise.abs(x)), self.l1)
        if self.l2 != 0.0:
            penalty = penalty + elementwise.multiply(reduce.sum(elementwise.square(x)), self.l2)
        return penalty

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1, "l2": self.l2}


@register(REGULARIZERS)
class L1(Regularizer):
    """`l1 * sum(abs(x))`, l1 = 0.01 by default (and for the name "l1")."""

    def __init__(self, l1: float = 0.01) -> None:
        self.l1 = validate_factor(0.01 if l1 is None else l1, "l1")

    def __call__(self, x: Any) -> Tensor:
        return elementwise.multiply(reduce.sum(elementwise.abs(_tensor(x))), self.l1)

    def get_config(self) -> dict[str, Any]:
        return {"l1": self.l1}


@register(REGULARIZERS)
class L2(Regularizer):
    """`l2 * sum(square(x))`, l2 = 0.01 by default (and for the name "l2").

    The book's `kernel_regularizer=regularizers.l2(0.002)` adds 0.002 times the sum of the
    squared kernel weights to the loss.
    """

    def __init__(self, l2: float = 0.01) -> None:
        self.l2 = validate_factor(0.01 if l2 is None else l2, "l2")

    def __call__(self, x: Any) -> Tensor:
        return elementwise.multiply(reduce.sum(elementwise.square(_tensor(x))), self.l2)

    def get_config(self) -> dict[str, Any]:
        return {"l2": self.l2}


def l2_normalize(x: Tensor, axis: int) -> Tensor:
    """`x * min(1 / sqrt(sum(x**2, axis)), 1 / epsilon)`: Keras' `ops.normalize` (order 2)."""
    square_sum = reduce.sum(elementwise.square(x), axis=axis, keepdims=True)
    inverse_norm = elementwise.power(square_sum, -0.5)
    return x * elementwise.minimum(inverse_norm, 1.0 / EPSILON)


@register(REGULARIZERS)
class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a rank-2 weight towards being orthogonal.

    The penalty is `factor * 0.5 * sum(|P - diag(P)|) / (n (n - 1) / 2)`, P being the
    products of the L2-normalised rows (mode "rows") or columns (mode "columns"), n their
    number: the factor times the mean absolute cosine between distinct pairs.

    Args:
        factor: a non-negative float, 0.01 by default.
        mode: "rows" (default) or "columns".
    """

    def __init__(self, factor: float = 0.01, mode: str = "rows") -> None:
        self.factor = validate_factor(factor, "factor")
        if mode not in ("rows", "columns"):
            raise ValueError(
                'Invalid value for argument `mode`. Expected one of {"rows", "columns"}. '
                f"Received: mode={mode!r}"
            )
        self.mode = mode

    def __call__(self, x: Any) -> Tensor:
        x = _tensor(x)
        if x.ndim != 2:
            raise ValueError(
                f"Inputs to OrthogonalRegularizer must have rank 2. Received: "
                f"inputs.shape={x.shape}"
            )
        if self.mode == "rows":
            x = l2_normalize(x, axis=1)
            product = linalg.matmul(x, shape_ops.transpose(x))
            size = x.shape[0]
        else:
            x = l2_normalize(x, axis=0)
            product = linalg.matmul(shape_ops.transpose(x), x)
            size = x.shape[1]
        off_diagonal = product * (1.0 - np.eye(size, dtype=x.data.dtype))
        pairs = size * (size - 1.0) / 2.0
        total = reduce.sum(elementwise.abs(off_diagonal))
        return elementwise.multiply(total, self.factor * 0.5) / pairs

    def get_config(self) -> dict[str, Any]:
        return {"factor": self.factor, "mode": self.mode}


l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer


def get(identifier: Any) -> Any:
    """The regularizer named by `identifier`: None, a name ("l2", "L1L2"), a config dict,
    a Regularizer, or any function of one tensor (returned as is).

    A name gives the class with its defaults: "l1" and "l2" a factor of 0.01, "l1l2"
    zero factors (Keras 3's names, from the class names).

    Raises:
        ValueError: an unknown name (the message lists the known ones), or something that
            is not a regularizer.
    """
    return registry.get_callable(
        "regularizer",
        identifier,
        REGULARIZERS,
        "a name such as 'l2', a config dict, a Regularizer or a function of one tensor",
    )


def serialize(regularizer: Any) -> Any:
    """{"class_name": ..., "config": ...} for a Regularizer; a function by its name; None."""
    return registry.serialize_callable(regularizer, Regularizer)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A regularizer from `serialize`'s output; your classes or functions by name from
    `custom_objects`."""
    return registry.deserialize_callable(config, custom_objects, get)


__all__ = [
    "L1",
    "L1L2",
    "L2",
    "OrthogonalRegularizer",
    "Regularizer",
    "deserialize",
    "get",
    "l1",
    "l1_l2",
    "l2",
    "orthogonal_regularizer",
    "serialize",
]
