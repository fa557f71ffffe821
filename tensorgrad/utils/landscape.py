"""The loss around a trained model: along a line or over a plane through its weights.

The book draws a loss curve (1D) and a loss surface (2D) to show what gradient descent
walks on. These functions compute them for a real model: the weights are moved to
w + a*d1 (+ b*d2) and the loss is evaluated at each point, then the weights are put
back, even when an evaluation fails. Random directions are scaled array by array to the
norm of the weights they move ("filter normalisation", Li et al. 2018), so the axes mean
the same for every layer. `project_onto` places weights saved during training in the
plane, to draw the path that SGD took across the surface.

Example, after `model.fit`::

    alphas, losses = utils.loss_along_line(model, x, y)
    utils.plot_loss_line(alphas, losses, path="line.png")
    d1, d2 = utils.random_direction(model), utils.random_direction(model)
    alphas, betas, losses = utils.loss_surface(model, x, y, directions=(d1, d2))
    utils.plot_loss_surface(alphas, betas, losses, path="surface.png")

Random directions are nearly orthogonal to the path training took (weight space has
many dimensions), so to draw that path use directions it lies in, e.g. the first two
principal components of the saved weights minus the trained ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad.engine import random


def random_direction(model: Any) -> list[np.ndarray]:
    """A random direction in weight space, each array scaled to its weights' norm.

    Arrays of weights that are all zero get a zero direction: they are not moved.

    Args:
        model: a built model (anything with `get_weights()`).

    Returns:
        One array per weight array, same shapes and dtypes. Draws come from the library's
        generator, so `utils.set_random_seed` makes them repeatable.

    Raises:
        ValueError: the model has no weights yet (it is not built).
    """
    weights = _weights_of(model, "random_direction")
    direction = []
    for w in weights:
        d = random.generator().standard_normal(w.shape).astype(w.dtype)
        d *= np.linalg.norm(w) / max(float(np.linalg.norm(d)), 1e-12)
        direction.append(d)
    return direction


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
        batch_size: samples per batch of `model.evaluate`.

    Returns:
        (alphas, losses) as float64 arrays.

    Raises:
        ValueError: the model has no weights, `alphas` is not a list of finite numbers,
            or the direction does not match the weights' shapes.
    """
    base = _weights_of(model, "loss_along_line")
    alphas = _steps(alphas, "alphas", "loss_along_line")
    direction = _as_direction(direction, model, base, "direction", "loss_along_line")
    losses = np.empty(len(alphas))
    try:
        for i, a in enumerate(alphas):
            model.set_weights([w + float(a) * d for w, d in zip(base, direction)])
            losses[i] = _loss(model, x, y, batch_size)
    finally:
        model.set_weights(base)
    return alphas, losses


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

    Args:
        model: a compiled, built model; its weights are restored afterwards.
        alphas: steps along d1 (the horizontal axis of a plot).
        betas: steps along d2 (the vertical axis).
        directions: the pair (d1, d2), each one array per weight array; two random
            directions when None.
        batch_size: samples per batch of `model.evaluate`.

    Returns:
        (alphas, betas, losses) with losses[i, j] at betas[i], alphas[j] (matplotlib's
        contour(alphas, betas, losses) convention).

    Raises:
        ValueError: the model has no weights, `alphas` or `betas` is not a list of finite
            numbers, or a direction does not match the weights' shapes.
    """
    base = _weights_of(model, "loss_surface")
    alphas = _steps(alphas, "alphas", "loss_surface")
    betas = _steps(betas, "betas", "loss_surface")
    if directions is None:
        directions = (None, None)
    elif not isinstance(directions, (tuple, list)) or len(directions) != 2:
        raise ValueError(
            "loss_surface: directions must be a pair (d1, d2) of directions, each one array "
            f"per weight array, got {type(directions).__name__}"
            + (f" of length {len(directions)}" if isinstance(directions, (tuple, list)) else "")
        )
    d1 = _as_direction(directions[0], model, base, "directions[0]", "loss_surface")
    d2 = _as_direction(directions[1], model, base, "directions[1]", "loss_surface")
    losses = np.empty((len(betas), len(alphas)))
    try:
        for i, b in enumerate(betas):
            for j, a in enumerate(alphas):
                model.set_weights(
                    [w + float(a) * u + float(b) * v for w, u, v in zip(base, d1, d2)]
                )
                losses[i, j] = _loss(model, x, y, batch_size)
    finally:
        model.set_weights(base)
    return alphas, betas, losses


def project_onto(
    model_weights_list: Sequence[Sequence[np.ndarray]],
    base: Sequence[np.ndarray],
    d1: Sequence[np.ndarray],
    d2: Sequence[np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates (alpha, beta) of weight snapshots in the plane base + alpha*d1 + beta*d2.

    Each snapshot is placed at the least-squares closest point of the plane, so weights
    saved during training (e.g. `model.get_weights()` after each epoch) give the path
    that training took, drawn over `loss_surface` with the same base and directions.

    Args:
        model_weights_list: the snapshots, each a list of arrays as `get_weights()` gives.
        base: the weights at the plane's origin, usually the trained weights.
        d1: the direction of the alpha axis, one array per weight array.
        d2: the direction of the beta axis.

    Returns:
        (alphas, betas): one coordinate of each along each axis, as float64 arrays.

    Raises:
        ValueError: an array does not match the shapes of `base`, or d1 and d2 are
            parallel (or zero), so they span no plane.
    """
    base = [np.asarray(getattr(w, "data", w)) for w in base]
    if not base:
        raise ValueError("project_onto: base holds no weight arrays; pass model.get_weights()")
    u = _flatten(_checked(base, d1, "d1", "project_onto"))
    v = _flatten(_checked(base, d2, "d2", "project_onto"))
    plane = np.stack([u, v], axis=1)  # (parameters, 2)
    if np.linalg.matrix_rank(plane) < 2:
        raise ValueError(
            "project_onto: d1 and d2 must span a plane, but they are parallel or zero; "
            "use two different directions, e.g. two calls of random_direction(model)"
        )
    origin = _flatten(base)
    snapshots = [
        _flatten(_checked(base, s, f"model_weights_list[{k}]", "project_onto")) - origin
        for k, s in enumerate(model_weights_list)
    ]
    if not snapshots:
        return np.zeros(0), np.zeros(0)
    coords, *_ = np.linalg.lstsq(plane, np.stack(snapshots, axis=1), rcond=None)
    return coords[0], coords[1]


# --- helpers ---------------------------------------------------------------------------


def _loss(model: Any, x: Any, y: Any, batch_size: int) -> float:
    result = model.evaluate(x, y, batch_size=batch_size, verbose=0)
    return float(result[0] if isinstance(result, (list, tuple)) else result)


def _weights_of(model: Any, op: str) -> list[np.ndarray]:
    """The model's weights, or a clear error when it has none yet."""
    weights = model.get_weights()
    if not weights:
        raise ValueError(
            f"{op}: the model has no weights yet; build it first (give the first layer an "
            "input_shape, or call fit or model.build((None, features)))"
        )
    return weights


def _steps(values: Any, name: str, op: str) -> np.ndarray:
    """The steps along an axis as a 1-D float64 array of finite numbers."""
    try:
        steps = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{op}: {name} must be a list of numbers, got {values!r}") from e
    if steps.ndim != 1 or steps.size == 0:
        raise ValueError(
            f"{op}: {name} must be a non-empty 1-D list of numbers, e.g. "
            f"np.linspace(-1, 1, 21), got shape {steps.shape}"
        )
    if not np.all(np.isfinite(steps)):
        raise ValueError(f"{op}: {name} must be finite, got {steps.tolist()}")
    return steps


def _as_direction(
    direction: Any, model: Any, base: list[np.ndarray], name: str, op: str
) -> list[np.ndarray]:
    """The given direction checked against the weights, or a random one."""
    if direction is None:
        return random_direction(model)
    return _checked(base, direction, name, op)


def _checked(weights: list[np.ndarray], arrays: Any, name: str, op: str) -> list[np.ndarray]:
    """`arrays` as a list of arrays with the weights' shapes, or a ValueError."""
    arrays = [np.asarray(getattr(a, "data", a)) for a in arrays]
    shapes = [w.shape for w in weights]
    given = [a.shape for a in arrays]
    if shapes != given:
        raise ValueError(
            f"{op}: {name} must have one array per weight array with the same shapes, as "
            f"model.get_weights() gives; expected {shapes}, got {given}"
        )
    return arrays


def _flatten(arrays: list[np.ndarray]) -> np.ndarray:
    """All arrays as one float64 vector."""
    return np.concatenate([np.ravel(a).astype(np.float64) for a in arrays])
