"""A ceiling on the weights layers create, while a model is built from a file.

A file's config says what to build, and building allocates and initialises every weight
before any is read: a few bytes of config ("Dense(1024) on 32,768 inputs") would cost
128 MB. The loader knows how many numbers the file's arrays hold, and builds under
`limited(that many)`: `Layer.add_weight` calls `charge` before allocating, and the weight
that would go past the ceiling is refused instead. Elsewhere `charge` does nothing.

>>> from tensorgrad import layers
>>> layer = layers.Dense(3, name="d")
>>> with limited(10, lambda what, shape: ValueError(f"{what} {shape} is too big")):
...     charge(layer, "bias", (3,))  # as Dense.build's add_weight calls do: 3 of 10
...     charge(layer, "kernel", (4, 3))
Traceback (most recent call last):
...
ValueError: d/kernel (4, 3) is too big
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

__all__ = ["charge", "limited"]

_local = threading.local()  # a budget belongs to the thread that builds


class _Budget:
    def __init__(self, elements: int, refuse: Callable[[str, tuple[int, ...]], BaseException]):
        self.left = elements
        self.refuse = refuse


@contextlib.contextmanager
def limited(
    elements: int, refuse: Callable[[str, tuple[int, ...]], BaseException]
) -> Iterator[None]:
    """Within the block, weights may hold `elements` numbers in all; the weight going past
    that raises `refuse(name, shape)` before it is allocated."""
    previous = getattr(_local, "budget", None)
    _local.budget = _Budget(int(elements), refuse)
    try:
        yield
    finally:
        _local.budget = previous


def charge(layer: Any, name: str, shape: Sequence[Any]) -> None:
    """Count a weight about to be made; raise if it goes past the current budget."""
    budget = getattr(_local, "budget", None)
    if budget is None:
        return
    try:
        size = math.prod(int(d) for d in shape)
    except (TypeError, ValueError):
        return  # not a shape: the initializer reports it
    budget.left -= max(size, 0)
    if budget.left < 0:
        raise budget.refuse(f"{layer.name}/{name}", tuple(shape))
