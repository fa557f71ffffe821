"""The library's own random generator, used by initialisers, shuffling, dropout and randn.

One generator, seeded by `tensorgrad.utils.set_random_seed`, makes runs repeatable without
touching NumPy's global state.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_generator = np.random.default_rng()


def generator() -> np.random.Generator:
    """The generator every random draw in the library comes from."""
    return _generator


def seed(value: int) -> None:
    """Reset the library's generator to a fixed seed."""
    global _generator
    _generator = np.random.default_rng(value)


def get_state() -> dict[str, Any]:
    """The generator's state as JSON-friendly data (for checkpoints)."""
    return _generator.bit_generator.state


def set_state(state: dict[str, Any]) -> None:
    """Restore a state returned by `get_state`."""
    _generator.bit_generator.state = state


def standard_normal(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """Standard normal samples of `dtype` (float32 sampled directly, not cast down)."""
    kind = np.float32 if dtype == np.float32 else np.float64
    return rng.standard_normal(shape, dtype=kind).astype(dtype, copy=False)


def truncated_normal(
    rng: np.random.Generator, shape: tuple[int, ...], mean: float, stddev: float
) -> np.ndarray:
    """Normal samples, each one farther than two standard deviations from the mean redrawn."""
    values = rng.standard_normal(shape)
    bad = np.abs(values) > 2
    while bad.any():  # about 4.6% redrawn each round, so a few rounds suffice
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > 2
    return mean + stddev * values
