"""Repeatable runs: one seed for every random draw the library makes."""

from __future__ import annotations

import numpy as np

from tensorgrad.engine import random


def set_random_seed(seed: int) -> None:
    """Seed the library's generator, used by initializers, shuffling in `fit` and dropout.

    Two runs that call `set_random_seed` with the same value build the same weights and
    train identically. NumPy's global generator (`np.random.seed`) is neither used nor
    changed.

    >>> from tensorgrad import initializers, utils
    >>> utils.set_random_seed(42)
    >>> a = initializers.get("glorot_uniform")((3, 2))
    >>> utils.set_random_seed(42)
    >>> b = initializers.get("glorot_uniform")((3, 2))
    >>> bool((a == b).all())
    True

    Raises:
        TypeError: `seed` is not an integer.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"set_random_seed: seed must be an integer, got {seed!r}")
    seed = int(seed)
    if seed < 0:
        raise ValueError(f"set_random_seed: seed must be non-negative, got {seed}")
    random.seed(seed)
