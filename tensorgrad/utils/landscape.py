"""The loss around a trained model: along a line or over a plane through its weights.

The book draws a loss curve (1D) and a loss surface (2D) to show what gradient descent
walks on. These functions compute them for a real model: the weights are moved to
w + a*d1 (+ b*d2) and the loss is evaluated at each point, then the weights are put
back. Random directions are scaled layer by layer to the norm of the weights they move
("filter normalisation", Li et al. 2018), so the axes mean the same for every layer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine import random


def random_direction(model: Any) -> list[np.ndarray]:
    """A random direction in weight space, each array scaled to its weights' norm.

    Args:
        model: a built model (anything with `get_weights()`).

    Returns:
        One array per weight array, same shapes and dtypes.
    """
    direction = []
    for w in model.get_weights():
        d = random.generator().standard_normal(w.shape).astype(w.dtype)
        d *= np.linalg.norm(w) / max(float(np.linalg.norm(d)), 1e-12)
        direction.append(d)
    return direction


def _loss(model: Any, x: Any, y: Any, batch_size: int) -> float:
    result = model.evaluate(x, y, batch_size=batch_size, verbose=0)
    return float(result[0] if isinstance(result, (list, tuple)) else result)


def loss_along_line(
    model: Any,
    x: Any,
    y: Any,
    alphas: Sequence[float] = tuple(np.linspace(-1, 1, 21)),
    direction: Sequence[np.ndarray] | None = None,
    batch_size: int = 512,
) -> tuple[np.ndarray, np.ndarray]:
    """Loss of `model` on (x, y) at weights w + alpha * direction, for each alpha.

    Args:
        model: a compiled, built model; its weights are restored afterwards.
        alphas: the step sizes along the direction (0 is the model as it is).
        direction: one array per weight array; a random one when None.

    Returns:
        (alphas, losses) as arrays.
    """
    base = model.get_weights()
    direction = list(direction) if direction is not None else random_direction(model)
    _check_direction(base, direction)
    losses = []
    try:
        for a in alphas:
            model.set_weights([w + a * d for w, d in zip(base, direction)])
            losses.append(_loss(model, x, y, batch_size))
    finally:
        model.set_weights(base)
    return np.asarray(alphas, dtype=np.float64), np.asarray(losses)


def loss_surface(
    model: Any,
    x: Any,
    y: Any,
    alphas: Sequence[float] = tuple(np.linspace(-1, 1, 11)),
    betas: Sequence[float] = tuple(np.linspace(-1, 1, 11)),
    directions: tuple[Sequence[np.ndarray], Sequence[np.ndarray]] | None = None,
    batch_size: int = 512,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Loss at w + alpha * d1 + beta * d2 over a grid, for a contour or surface plot.

    Returns:
        (alphas, betas, losses) with losses[i, j] at betas[i], alphas[j] (matplotlib's
        contour(alphas, betas, losses) convention).
    """
    base = model.get_weights()
    d1, d2 = directions if directions is not None else (
        random_direction(model), random_direction(model)
    )
    _check_direction(base, list(d1))
    _check_direction(base, list(d2))
    losses = np.empty((len(betas), len(alphas)))
    try:
        for i, b in enumerate(betas):
            for j, a in enumerate(alphas):
                model.set_weights([w + a * u + b * v for w, u, v in zip(base, d1, d2)])
                losses[i, j] = _loss(model, x, y, batch_size)
    finally:
        model.set_weights(base)
    return np.asarray(alphas, dtype=np.float64), np.asarray(betas, dtype=np.float64), losses


def _check_direction(weights: list[np.ndarray], direction: list[np.ndarray]) -> None:
    shapes = [w.shape for w in weights]
    given = [np.shape(d) for d in direction]
    if shapes != given:
        raise ValueError(
            f"loss landscape: the direction must have one array per weight array with the "
            f"same shapes; expected {shapes}, got {given}"
        )
