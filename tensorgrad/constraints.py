"""Weight constraints with Keras 3's names, formulas and defaults.

A constraint maps a weight to its projection (clipped, renormalised). Layers take them as
`kernel_constraint=`, `bias_constraint=`...; the optimizer applies each weight's constraint
right after every update, as Keras' `optimizer.apply` does.

>>> import numpy as np
>>> from tensorgrad import constraints
>>> constraints.NonNeg()(np.array([-1.0, 2.0]))
tensor([0., 2.])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tensorgrad.engine.function import lift
from tensorgrad.engine.ops import elementwise, reduce
from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils import registry
from tensorgrad.utils.registry import register

CONSTRAINTS: dict[str, Any] = {}

EPSILON = 1e-7
"""Keras' `backend.epsilon()`, added to the norms the constraints divide by."""


def _tensor(w: Any) -> Tensor:
    return w if isinstance(w, Tensor) else lift((w,))[0]


def _norms(w: Tensor, axis: Any) -> Tensor:
    axis = tuple(axis) if isinstance(axis, list) else axis
    return elementwise.sqrt(reduce.sum(elementwise.square(w), axis=axis, keepdims=True))


class Constraint:
    """Base class: `constraint(w) -> projected w` (the base class returns w unchanged)."""

    def __call__(self, w: Any) -> Any:
        return w

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, JSON-friendly."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Constraint:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


register(CONSTRAINTS)(Constraint)


@register(CONSTRAINTS)
class MaxNorm(Constraint):
    """Rescale each weight vector along `axis` whose L2 norm exceeds `max_value` back to it.

    `w * clip(norms, 0, max_value) / (epsilon + norms)`. For a Dense kernel (input_dim,
    units) axis=0 (the default) constrains each unit's incoming weights; for a Conv2D
    kernel use axis=[0, 1, 2].
    """

    def __init__(self, max_value: float = 2, axis: Any = 0) -> None:
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = _tensor(w)
        norms = _norms(w, self.axis)
        desired = elementwise.clip(norms, 0, self.max_value)
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {"max_value": self.max_value, "axis": self.axis}


@register(CONSTRAINTS)
class NonNeg(Constraint):
    """Negative weights become 0: `maximum(w, 0)`."""

    def __call__(self, w: Any) -> Tensor:
        return elementwise.maximum(_tensor(w), 0)


@register(CONSTRAINTS)
class UnitNorm(Constraint):
    """Each weight vector along `axis` divided by its L2 norm (plus epsilon)."""

    def __init__(self, axis: Any = 0) -> None:
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = _tensor(w)
        return w / (EPSILON + _norms(w, self.axis))

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}


@register(CONSTRAINTS)
class MinMaxNorm(Constraint):
    """Norms along `axis` moved into [min_value, max_value], by `rate` of the way each step.

    `w * (rate * clip(norms, min_value, max_value) + (1 - rate) * norms) / (epsilon +
    norms)`: rate 1 (the default) enforces the bounds strictly.
    """

    def __init__(
        self, min_value: float = 0.0, max_value: float = 1.0, rate: float = 1.0, axis: Any = 0
    ) -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w: Any) -> Tensor:
        w = _tensor(w)
        norms = _norms(w, self.axis)
        clipped = elementwise.clip(norms, self.min_value, self.max_value)
        desired = self.rate * clipped + (1 - self.rate) * norms
        return w * (desired / (EPSILON + norms))

    def get_config(self) -> dict[str, Any]:
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm


def get(identifier: Any) -> Any:
    """The constraint named by `identifier`: None, a name ("max_norm", "NonNeg"), a config
    dict, a Constraint, or any function of one weight (returned as is).

    Raises:
        ValueError: an unknown name (the message lists the known ones), or something that
            is not a constraint.
    """
    return registry.get_callable(
        "constraint",
        identifier,
        CONSTRAINTS,
        "a name such as 'max_norm', a config dict, a Constraint or a function of one weight",
    )


def serialize(constraint: Any) -> Any:
    """{"class_name": ..., "config": ...} for a Constraint; a function by its name; None."""
    return registry.serialize_callable(constraint, Constraint)


def deserialize(config: Any, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A constraint from `serialize`'s output; your classes or functions by name from
    `custom_objects`."""
    return registry.deserialize_callable(config, custom_objects, get)


def apply(variable: Tensor) -> None:
    """Replace `variable`'s values in place by its constraint's projection, if it has one."""
    constraint = getattr(variable, "constraint", None)
    if constraint is None:
        return
    projected = constraint(variable)
    values = projected.data if isinstance(projected, Tensor) else np.asarray(projected)
    np.copyto(variable.data, values, casting="same_kind")


__all__ = [
    "Constraint",
    "MaxNorm",
    "MinMaxNorm",
    "NonNeg",
    "UnitNorm",
    "apply",
    "deserialize",
    "get",
    "max_norm",
    "min_max_norm",
    "non_neg",
    "serialize",
    "unit_norm",
]
