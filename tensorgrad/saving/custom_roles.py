"""Which of your `custom_objects` a file may use, and where.

`custom_objects={"my_loss": my_loss}` hands the loader objects by name, and the file says
where each name goes. A hostile file could name your loss function as a layer class (the
loader would call it with a list of layers) or as an initializer (called with a shape).
Each place a file can name an object has a role, and an object is used only in a role it
fits: classes by their base class, functions by the arguments they take.

>>> def my_loss(y_true, y_pred): ...
>>> fits("loss_function", my_loss), fits("activation", my_loss), fits("layer", my_loss)
(True, False, False)
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

__all__ = ["ROLES", "describe", "fits", "only", "role_of_key"]

ROLES = {
    "model": "a Model subclass",
    "layer": "a Layer subclass",
    "optimizer": "an Optimizer subclass",
    "loss_class": "a Loss subclass",
    "metric_class": "a Metric subclass",
    "initializer": "an Initializer subclass or instance",
    "regularizer": "a Regularizer subclass or instance, or a function of one tensor",
    "constraint": "a Constraint subclass or instance, or a function of one tensor",
    "activation": "a function of one tensor",
    "lambda_function": "a function of tensors (a Lambda layer's function, shape or mask)",
    "loss_function": "a function of (y_true, y_pred)",
    "metric_function": "a function of (y_true, y_pred)",
}


def _bases() -> dict[str, type]:
    from tensorgrad import constraints, initializers, losses, metrics, regularizers
    from tensorgrad.layers.base import Layer
    from tensorgrad.optimizers.base import Optimizer

    return {
        "model": Layer,  # a Layer that trains (checked below): saving sits below models
        "layer": Layer,
        "optimizer": Optimizer,
        "loss_class": losses.Loss,
        "metric_class": metrics.Metric,
        "initializer": initializers.Initializer,
        "regularizer": regularizers.Regularizer,
        "constraint": constraints.Constraint,
    }


def fits(role: str, obj: Any) -> bool:
    """Whether `obj` may be used as `role` (a key of ROLES)."""
    if role in ("activation", "loss_function", "metric_function"):
        if isinstance(obj, type) or not callable(obj):
            return False
        return _takes(obj, 1 if role == "activation" else 2)
    if role == "lambda_function":
        return not isinstance(obj, type) and callable(obj) and (_takes(obj, 1) or _takes(obj, 2))
    base = _bases()[role]
    if role in ("regularizer", "constraint") and not isinstance(obj, type):
        return isinstance(obj, base) or (callable(obj) and _takes(obj, 1))
    if role == "model" and not (isinstance(obj, type) and callable(getattr(obj, "fit", None))):
        return False
    if role == "initializer" and isinstance(obj, base):
        return True
    return isinstance(obj, type) and issubclass(obj, base)


def only(custom: Mapping[str, Any], role: str) -> dict[str, Any]:
    """The entries of `custom` that fit `role`."""
    return {name: obj for name, obj in custom.items() if fits(role, obj)}


def role_of_key(key: str) -> str | None:
    """The role of a custom object named by a layer's config under `key`, if any may be."""
    if key.endswith("activation"):
        return "activation"
    if key.endswith("initializer"):
        return "initializer"
    if key.endswith("regularizer"):
        return "regularizer"
    if key.endswith("constraint"):
        return "constraint"
    return None


def describe(obj: Any) -> str:
    """What `obj` is, for a message: "the class MyLayer", "the function my_loss"."""
    name = getattr(obj, "__name__", None) or type(obj).__name__
    if isinstance(obj, type):
        return f"the class {name}"
    return f"the function {name}" if inspect.isroutine(obj) else f"a {type(obj).__name__}"


def _takes(function: Any, count: int) -> bool:
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # no signature to read (some builtins): give it the benefit
        return True
    try:
        signature.bind(*([None] * count))
    except TypeError:
        return False
    return True
