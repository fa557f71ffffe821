"""Optimizers: update rules that move variables against their gradients, in place.

`get` resolves a name ("sgd", "rmsprop", "adagrad", "adam", any case), a config dict
({"class_name": "RMSprop", "config": {...}}) or an optimizer (returned as is).
"""

from __future__ import annotations

from typing import Any

from tensorgrad.optimizers.adagrad import Adagrad
from tensorgrad.optimizers.adam import Adam
from tensorgrad.optimizers.base import Optimizer
from tensorgrad.optimizers.rmsprop import RMSprop
from tensorgrad.optimizers.sgd import SGD
from tensorgrad.utils import registry

__all__ = ["SGD", "Adagrad", "Adam", "Optimizer", "RMSprop", "get"]

_TABLE: dict[str, type[Optimizer]] = {
    "sgd": SGD,
    "rmsprop": RMSprop,
    "adagrad": Adagrad,
    "adam": Adam,
}


def get(identifier: Any) -> Optimizer:
    """The optimizer named by `identifier`, built with its defaults.

    Args:
        identifier: a name such as "rmsprop", a config dict, or an Optimizer.

    Raises:
        ValueError: an unknown name, listing the known ones.
        TypeError: something that is none of these.

    >>> from tensorgrad import optimizers
    >>> optimizers.get("RMSprop")
    RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-07, centered=False)
    >>> optimizers.get({"class_name": "SGD", "config": {"learning_rate": 0.1}}).learning_rate
    0.1
    """
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    found = registry.get("optimizer", identifier, _TABLE)
    if not isinstance(found, Optimizer):
        raise TypeError(
            f"optimizers.get: expected a name ({', '.join(_TABLE)}), a config dict or an "
            f"Optimizer, got {type(identifier).__name__} {identifier!r}"
        )
    return found
