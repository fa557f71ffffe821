"""Activation functions by name: relu, softmax, sigmoid, tanh, linear.

Layers take `activation="relu"` or the function itself; `get` turns either into the
function, and `serialize` turns it back into its name for a layer's config.

>>> from tensorgrad import activations
>>> activations.get("relu")([-1.0, 2.0])
tensor([0., 2.])
>>> activations.serialize(activations.get(None))
'linear'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tensorgrad.engine.function import lift
from tensorgrad.engine.ops import nn
from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils.registry import get as _registry_get
from tensorgrad.utils.registry import register

ACTIVATIONS: dict[str, Callable[..., Tensor]] = {}


@register(ACTIVATIONS)
def relu(x: Any) -> Tensor:
    """max(x, 0), element-wise (the book's hidden-layer activation)."""
    return nn.relu(x)


@register(ACTIVATIONS)
def softmax(x: Any, axis: int = -1) -> Tensor:
    """exp(x) / sum(exp(x)) along `axis`: a probability distribution over classes.

    The output remembers its input (the logits), so a crossentropy loss given softmax
    probabilities computes from the logits, stably and in one fused step.
    """
    return nn.softmax(x, axis)


@register(ACTIVATIONS)
def sigmoid(x: Any) -> Tensor:
    """1 / (1 + exp(-x)): a probability for each unit (binary classification)."""
    return nn.sigmoid(x)


@register(ACTIVATIONS)
def tanh(x: Any) -> Tensor:
    """Hyperbolic tangent, in (-1, 1)."""
    return nn.tanh(x)


@register(ACTIVATIONS)
def linear(x: Any) -> Tensor:
    """The identity: no activation (`activation=None` means this)."""
    return x if isinstance(x, Tensor) else lift((x,))[0]


def get(identifier: str | Callable[..., Tensor] | None) -> Callable[..., Tensor]:
    """The activation function named by `identifier` (None gives `linear`).

    Raises:
        ValueError: unknown name (the message lists the known ones).
        TypeError: neither a name nor a callable.
    """
    if identifier is None:
        return linear
    found = _registry_get("activation", identifier, ACTIVATIONS, instantiate=False)
    if not callable(found):
        raise TypeError(
            f"activation: expected a name such as 'relu' or a function, got {identifier!r}"
        )
    return found


def serialize(activation: Callable[..., Tensor]) -> str:
    """The name under which `activation` is found again by `get` (its function name)."""
    for name, fn in ACTIVATIONS.items():
        if fn is activation:
            return name
    return getattr(activation, "__name__", repr(activation))
