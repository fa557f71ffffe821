"""Activation functions by name: relu, softmax, sigmoid, tanh, linear, and Keras 3's
elu, selu, gelu, softplus, softsign, silu (swish), relu6, leaky_relu, hard_sigmoid,
exponential and log_softmax, with its formulas and defaults.

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
from tensorgrad.engine.ops import activation_fns, nn
from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils.registry import get as _registry_get
from tensorgrad.utils.registry import register

ACTIVATIONS: dict[str, Callable[..., Tensor]] = {}


@register(ACTIVATIONS)
def relu(
    x: Any, negative_slope: float = 0.0, max_value: float | None = None, threshold: float = 0.0
) -> Tensor:
    """max(x, 0), element-wise (the book's hidden-layer activation).

    Keras 3's options: values above `threshold` pass (capped at `max_value`), those below
    become negative_slope * (x - threshold).
    """
    if negative_slope == 0 and max_value is None and threshold == 0:
        return nn.relu(x)
    return activation_fns.relu_general(x, negative_slope, max_value, threshold)


@register(ACTIVATIONS)
def relu6(x: Any) -> Tensor:
    """min(max(x, 0), 6)."""
    return activation_fns.relu_general(x, max_value=6.0)


@register(ACTIVATIONS)
def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """x for x > 0, negative_slope * x otherwise (Keras' function default 0.2)."""
    return nn.leaky_relu(x, negative_slope)


@register(ACTIVATIONS)
def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return activation_fns.elu(x, alpha)


@register(ACTIVATIONS)
def selu(x: Any) -> Tensor:
    """1.0507 * elu(x, 1.67326): self-normalising (with lecun_normal weights)."""
    return activation_fns.selu(x)


@register(ACTIVATIONS)
def gelu(x: Any, approximate: bool = False) -> Tensor:
    """x * Phi(x), Phi the standard normal CDF (Transformers); tanh formula if approximate."""
    return activation_fns.gelu(x, approximate)


@register(ACTIVATIONS)
def softplus(x: Any) -> Tensor:
    """log(exp(x) + 1)."""
    return activation_fns.softplus(x)


@register(ACTIVATIONS)
def softsign(x: Any) -> Tensor:
    """x / (abs(x) + 1)."""
    return activation_fns.softsign(x)


@register(ACTIVATIONS, "swish")
def silu(x: Any) -> Tensor:
    """x * sigmoid(x), also called swish."""
    return activation_fns.silu(x)


@register(ACTIVATIONS)
def hard_sigmoid(x: Any) -> Tensor:
    """0 below -3, 1 above 3, x / 6 + 0.5 between (Keras 3's definition)."""
    return activation_fns.hard_sigmoid(x)


@register(ACTIVATIONS)
def exponential(x: Any) -> Tensor:
    """exp(x)."""
    return activation_fns.exponential(x)


@register(ACTIVATIONS)
def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """log(softmax(x)) along `axis`, computed as x - logsumexp(x)."""
    return nn.log_softmax(x, axis)


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
