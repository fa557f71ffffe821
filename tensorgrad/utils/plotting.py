"""Pictures of the book's chapter 2: a digit, predictions, training curves, loss landscapes.

matplotlib is an optional extra (``pip install "tensorgrad[plot]"``), imported only when
a function here is called. Each function returns a matplotlib ``Figure`` and, given
``path``, writes it as a PNG atomically (a temporary file in the same directory, then a
rename), so an interrupted run never leaves half an image.

Figures are drawn with matplotlib's Agg renderer and need no display. When
``matplotlib.pyplot`` is already imported (an interactive session, a notebook, a script
that calls ``plt.show()``), new figures are made through pyplot so that they show like
any other; otherwise they are standalone and kept by no global registry.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from tensorgrad.utils.atomic import atomic_write

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "plot_digit",
    "plot_history",
    "plot_loss_line",
    "plot_loss_surface",
    "plot_predictions",
]

_WRONG = "tab:red"
_RIGHT = "black"
_TRAIN = "tab:blue"
_VAL = "tab:orange"
_TRAINED = "tab:red"
_PATH = "tab:orange"


def plot_digit(
    image: Any,
    label: int | str | None = None,
    path: str | os.PathLike[str] | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Shows one grayscale image, dark ink on white, as the book's figure 2.2 does.

    Args:
        image: a (height, width) array or Tensor, a (height, width, 1) one, or a
            flattened square image such as a row of 784 pixels. Pixels are 0-255,
            or 0-1 when the largest is at most 1.
        label: shown as the title when given, e.g. the digit's class.
        path: where to write a PNG; nothing is written when ``None``.
        ax: matplotlib Axes to draw into; a new figure is made when ``None``.

    Returns:
        The matplotlib Figure holding the image.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if ``image`` is not one 2D (or flattened square) image.
    """
    pixels = _as_image(image, "plot_digit")
    fig, ax = _figure_and_axes(ax, figsize=(3.2, 3.4))
    ax.imshow(pixels, cmap="binary", vmin=0, vmax=_vmax(pixels), interpolation="nearest")
    height, width = pixels.shape
    ax.set_xticks(_pixel_ticks(width))
    ax.set_yticks(_pixel_ticks(height))
    ax.tick_params(labelsize=8)
    if label is not None:
        ax.set_title(f"Label: {label}")
    _finish(fig, path)
    return fig


def plot_predictions(
    images: Any,
    predicted: Any,
    true: Any,
    path: str | os.PathLike[str] | None = None,
    class_names: Sequence[str] | None = None,
    n: int = 10,
) -> Figure:
    """Shows the first ``n`` images in a grid, each titled with its predicted and true class.

    Wrong predictions are titled in red, so mistakes stand out at a glance.

    Args:
        images: a batch of images, shaped (samples, height, width) or
            (samples, pixels) with a square number of pixels, e.g. (10000, 784).
        predicted: predicted classes (samples,), or class probabilities
            (samples, classes) from ``model.predict``, reduced with argmax.
        true: true classes (samples,), or one-hot labels (samples, classes).
        path: where to write a PNG; nothing is written when ``None``.
        class_names: names shown instead of class numbers, e.g. Fashion-MNIST's.
        n: how many images to show (at most the number given).

    Returns:
        The matplotlib Figure holding the grid.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if the three arguments do not hold the same number of samples,
            ``n`` is not positive, or a class has no name in ``class_names``.
    """
    images = np.asarray(images)
    predicted = _as_classes(predicted, "predicted")
    true = _as_classes(true, "true")
    if images.ndim not in (2, 3, 4):
        raise ValueError(
            f"plot_predictions: expected a batch of images shaped (samples, height, width) "
            f"or (samples, pixels), got shape {images.shape}"
        )
    if not len(images) == len(predicted) == len(true):
        raise ValueError(
            f"plot_predictions: images, predicted and true must hold the same number of "
            f"samples, got {len(images)}, {len(predicted)} and {len(true)}"
        )
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"plot_predictions: n must be a positive integer, got {n!r}")
    n = min(int(n), len(images))
    name = _namer(class_names, np.concatenate([predicted[:n], true[:n]]))

    cols = min(n, 5)
    rows = math.ceil(n / cols)
    fig, axes = _new_figure(figsize=(1.9 * cols, 2.3 * rows + 0.5), rows=rows, cols=cols)
    wrong = 0
    for i, ax in enumerate(np.ravel(axes)):
        ax.set_axis_off()
        if i >= n:
            continue
        pixels = _as_image(images[i], "plot_predictions")
        ax.imshow(pixels, cmap="binary", vmin=0, vmax=_vmax(pixels), interpolation="nearest")
        ok = predicted[i] == true[i]
        wrong += not ok
        ax.set_title(
            f"predicted: {name(predicted[i])}\ntrue: {name(true[i])}",
            color=_RIGHT if ok else _WRONG,
            fontsize=9,
            fontweight="normal" if ok else "bold",
        )
    fig.suptitle(f"Predicted and true classes: {n - wrong} of {n} right", fontsize=11)
    _finish(fig, path)
    return fig


def plot_history(history: Any, path: str | os.PathLike[str] | None = None) -> Figure:
    """Plots each metric per epoch, training beside validation, one panel per metric.

    Args:
        history: the History returned by ``model.fit`` (or ``model.history``), or its
            ``history`` dict mapping names such as ``"loss"``, ``"accuracy"`` (or
            ``"acc"``), ``"val_loss"`` and ``"val_accuracy"`` to one value per epoch.
        path: where to write a PNG; nothing is written when ``None``.

    Returns:
        The matplotlib Figure holding the panels (loss first).

    Raises:
        ImportError: if matplotlib is not installed.
        TypeError: if ``history`` is neither a History nor a dict.
        ValueError: if it holds no values, or its lists differ in length.
    """
    logs = _history_dict(history)
    names = [k for k in logs if not k.startswith("val_")]
    names += [k[4:] for k in logs if k.startswith("val_") and k[4:] not in logs]
    names.sort(key=lambda k: (k != "loss", k))  # loss first, then metrics by name
    epochs = np.arange(1, len(next(iter(logs.values()))) + 1)

    fig, axes = _new_figure(figsize=(5.0 * len(names), 3.8), rows=1, cols=len(names))
    for ax, name in zip(np.ravel(axes), names):
        curves = [(name, "Training", _TRAIN, "-o"), ("val_" + name, "Validation", _VAL, "--s")]
        shown = [c for c in curves if c[0] in logs]
        for key, label, color, style in shown:
            ax.plot(epochs, logs[key], style, color=color, label=label, markersize=4)
        title = _pretty(name)
        which = " and ".join(c[1].lower() for c in shown).capitalize()
        ax.set_title(f"{which} {title if title.isupper() else title.lower()}")
        ax.set_xlabel("Epoch")
        ax.set_ylabel(title)
        ax.set_xticks(_epoch_ticks(len(epochs)))
        ax.grid(True, alpha=0.3)
        ax.legend()
    _finish(fig, path)
    return fig


def plot_loss_line(
    alphas: Any,
    losses: Any,
    path: str | os.PathLike[str] | None = None,
    ax: Axes | None = None,
    title: str | None = "Loss along a line through the trained weights",
) -> Figure:
    """Plots the loss against the step alpha along one direction, the book's loss curve.

    The trained weights (alpha = 0) are marked, so the valley they sit in shows.

    Args:
        alphas: the steps, e.g. the first array returned by ``utils.loss_along_line``.
        losses: the loss at each step, the second array it returns.
        path: where to write a PNG; nothing is written when ``None``.
        ax: matplotlib Axes to draw into; a new figure is made when ``None``.
        title: the title; none when ``None``.

    Returns:
        The matplotlib Figure holding the curve.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if ``alphas`` and ``losses`` are not two 1-D arrays of one length.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    if alphas.ndim != 1 or alphas.shape != losses.shape or alphas.size == 0:
        raise ValueError(
            "plot_loss_line: expected alphas and losses as two 1-D arrays of one length "
            f"(as utils.loss_along_line returns), got shapes {alphas.shape} and {losses.shape}"
        )
    fig, ax = _figure_and_axes(ax, figsize=(5.5, 4.0))
    ax.plot(alphas, losses, "-o", color=_TRAIN, markersize=3, label="Loss")
    if alphas.min() <= 0.0 <= alphas.max():
        order = np.argsort(alphas)
        at_zero = np.interp(0.0, alphas[order], losses[order])
        ax.axvline(0.0, color="gray", linestyle=":", linewidth=1)
        ax.plot(
            [0.0],
            [at_zero],
            "*",
            color=_TRAINED,
            markersize=13,
            markeredgecolor="black",
            label="Trained weights (alpha = 0)",
            zorder=3,
        )
    ax.set_xlabel("alpha")
    ax.set_ylabel("Loss")
    if title is not None:
        ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend()
    _finish(fig, path)
    return fig


def plot_loss_surface(
    alphas: Any,
    betas: Any,
    losses: Any,
    path: str | os.PathLike[str] | None = None,
    trajectory: Any = None,
    ax: Axes | None = None,
    title: str | None = "Loss surface around the trained weights",
) -> Figure:
    """Draws the loss over a plane of weights as filled contours, the book's loss surface.

    Contour lines and a colorbar give the heights; the trained weights, at (0, 0), are
    marked. Levels are spaced geometrically when the loss spans more than a factor of
    ten, so the valley keeps its detail beside the steep walls.

    Args:
        alphas: the steps along the first direction (horizontal axis), n of them.
        betas: the steps along the second direction (vertical axis), m of them.
        losses: an (m, n) array, ``losses[i, j]`` at ``betas[i]``, ``alphas[j]``, as
            ``utils.loss_surface`` returns. Points where the loss is inf or nan are left
            blank.
        path: where to write a PNG; nothing is written when ``None``.
        trajectory: optional (alpha, beta) points drawn as a path with markers, such as
            the weights visited in training, placed by ``utils.project_onto``:
            ``np.column_stack(project_onto(snapshots, base, d1, d2))``.
        ax: matplotlib Axes to draw into; a new figure is made when ``None``.
        title: the title; none when ``None``.

    Returns:
        The matplotlib Figure holding the contours.

    Raises:
        ImportError: if matplotlib is not installed.
        ValueError: if the shapes do not match, fewer than two steps are given along an
            axis, no loss is finite, or ``trajectory`` is not a list of (alpha, beta) pairs.
    """
    alphas = np.asarray(alphas, dtype=np.float64)
    betas = np.asarray(betas, dtype=np.float64)
    losses = np.asarray(losses, dtype=np.float64)
    if alphas.ndim != 1 or betas.ndim != 1 or min(alphas.size, betas.size) < 2:
        raise ValueError(
            "plot_loss_surface: alphas and betas must be 1-D with at least two steps each, "
            f"got shapes {alphas.shape} and {betas.shape}"
        )
    if losses.shape != (betas.size, alphas.size):
        raise ValueError(
            f"plot_loss_surface: losses must have shape (len(betas), len(alphas)) = "
            f"{(betas.size, alphas.size)}, losses[i, j] at betas[i], alphas[j], as "
            f"utils.loss_surface returns; got shape {losses.shape}"
        )
    finite = np.isfinite(losses)
    if not finite.any():
        raise ValueError("plot_loss_surface: no loss is finite; try smaller steps")
    path_points = None if trajectory is None else _as_points(trajectory)

    mpl = _matplotlib()
    fig, ax = _figure_and_axes(ax, figsize=(6.2, 5.0))
    heights = np.ma.masked_invalid(losses)
    low, high = float(heights.min()), float(heights.max())
    if high <= low:
        high = low + 1.0  # a flat surface still gets a scale
    norm = None
    if low > 0 and high / low > 10:
        levels = np.geomspace(low, high, 16)
        norm = mpl.colors.LogNorm(vmin=low, vmax=high)
    else:
        levels = np.linspace(low, high, 16)
    filled = ax.contourf(alphas, betas, heights, levels=levels, norm=norm, cmap="viridis")
    lines = ax.contour(
        alphas,
        betas,
        heights,
        levels=levels[::3],
        norm=norm,
        colors="white",
        linewidths=0.6,
        alpha=0.8,
    )
    ax.clabel(lines, fmt="%.3g", fontsize=7)
    colorbar = fig.colorbar(filled, ax=ax, label="Loss")
    if norm is not None:
        colorbar.set_ticks(levels[::3], labels=[f"{v:.3g}" for v in levels[::3]])
    if path_points is not None and len(path_points):
        ax.plot(
            path_points[:, 0],
            path_points[:, 1],
            "-o",
            color=_PATH,
            markersize=3.5,
            linewidth=1.4,
            markeredgecolor="black",
            markeredgewidth=0.4,
            label="Training path",
        )
        ax.plot(
            path_points[0, 0],
            path_points[0, 1],
            "s",
            color=_PATH,
            markersize=8,
            markeredgecolor="black",
            label="Start",
        )
    ax.plot(
        [0.0],
        [0.0],
        "*",
        color=_TRAINED,
        markersize=15,
        markeredgecolor="black",
        label="Trained weights (0, 0)",
        zorder=3,
    )
    ax.set_xlabel("alpha")
    ax.set_ylabel("beta")
    if title is not None:
        ax.set_title(title)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, fontsize=8, frameon=False)
    _finish(fig, path)
    return fig


# --- matplotlib plumbing -------------------------------------------------------------


def _matplotlib() -> Any:
    """Imports matplotlib, or says how to install it."""
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError(
            'Plotting needs matplotlib, an optional extra: pip install "tensorgrad[plot]" '
            "(or pip install matplotlib)"
        ) from e
    return matplotlib


def _new_figure(figsize: tuple[float, float], rows: int = 1, cols: int = 1) -> tuple[Figure, Any]:
    """A new figure with a grid of axes: through pyplot when the user has it loaded."""
    _matplotlib()
    if "matplotlib.pyplot" in sys.modules:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=figsize, layout="constrained")
    else:
        from matplotlib.figure import Figure

        fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False)
    return fig, axes


def _figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The caller's axes and their figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    fig, axes = _new_figure(figsize)
    return fig, axes[0, 0]


def _finish(fig: Figure, path: str | os.PathLike[str] | None) -> None:
    """Writes the figure as a PNG to ``path`` atomically, when a path is given."""
    if path is None:
        return
    with atomic_write(path, "wb") as f:
        fig.savefig(f, format="png", dpi=100)


# --- argument checks -----------------------------------------------------------------


def _as_image(image: Any, op: str) -> np.ndarray:
    """A 2D pixel array from a 2D, (h, w, 1) or flattened square image."""
    pixels = np.asarray(image)
    if pixels.ndim == 3 and pixels.shape[-1] == 1:
        pixels = pixels[..., 0]
    elif pixels.ndim == 1:
        side = math.isqrt(pixels.size)
        if side * side != pixels.size or side == 0:
            raise ValueError(
                f"{op}: a flattened image must hold a square number of pixels "
                f"(784 = 28 x 28), got {pixels.size}; pass it as (height, width) instead"
            )
        pixels = pixels.reshape(side, side)  # row-major, as the images were flattened
    if pixels.ndim != 2 or pixels.size == 0:
        raise ValueError(
            f"{op}: expected one image shaped (height, width), (height, width, 1) or "
            f"flattened (pixels,), got shape {pixels.shape}"
        )
    if not (np.issubdtype(pixels.dtype, np.number) or pixels.dtype == bool):
        raise ValueError(f"{op}: expected numeric pixels, got dtype {pixels.dtype}")
    return pixels


def _vmax(pixels: np.ndarray) -> float:
    """255 for 0-255 images, 1 for images already scaled to [0, 1]."""
    return 1.0 if float(np.max(pixels)) <= 1.0 else 255.0


def _as_classes(values: Any, what: str) -> np.ndarray:
    """Class indices from indices, probabilities or one-hot rows."""
    array = np.asarray(values)
    if array.ndim == 2 and array.shape[1] > 1:
        return array.argmax(axis=1)
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise ValueError(
            f"plot_predictions: {what} must be classes (samples,) or per-class scores "
            f"(samples, classes), got shape {array.shape}"
        )
    if np.issubdtype(array.dtype, np.floating) and not np.all(array == np.round(array)):
        raise ValueError(
            f"plot_predictions: {what} holds non-integer values; pass classes, or "
            "probabilities shaped (samples, classes)"
        )
    return array.astype(np.int64)


def _namer(class_names: Sequence[str] | None, classes: np.ndarray) -> Any:
    """A function turning a class index into its display name."""
    if class_names is None:
        return str
    names = list(class_names)
    if classes.size and (classes.min() < 0 or classes.max() >= len(names)):
        raise ValueError(
            f"plot_predictions: class_names has {len(names)} names, but the classes "
            f"range over {classes.min()}..{classes.max()}"
        )
    return lambda c: names[int(c)]


def _history_dict(history: Any) -> dict[str, list[float]]:
    """The {name: per-epoch values} dict of a History, a Model's history or a dict."""
    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError(
            "plot_history: expected the History returned by model.fit or its dict "
            f"(e.g. {{'loss': [...], 'accuracy': [...]}}), got {type(history).__name__}"
        )
    logs = {str(k): [float(v) for v in np.ravel(vals)] for k, vals in logs.items()}
    logs = {k: v for k, v in logs.items() if v}
    if not logs:
        raise ValueError("plot_history: the history holds no values; train for an epoch first")
    lengths = {k: len(v) for k, v in logs.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(
            f"plot_history: every entry must hold one value per epoch, got lengths {lengths}"
        )
    return logs


def _as_points(trajectory: Any) -> np.ndarray:
    """An (n, 2) float array of (alpha, beta) points, or a ValueError."""
    try:
        points = np.asarray(trajectory, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"plot_loss_surface: trajectory must be (alpha, beta) points, got {trajectory!r}"
        ) from e
    if points.size == 0:
        return points.reshape(0, 2)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(
            "plot_loss_surface: trajectory must be (alpha, beta) points shaped (n, 2), got "
            f"shape {points.shape}; for the pair (alphas, betas) from utils.project_onto, "
            "pass np.column_stack(project_onto(...))"
        )
    return points


def _pretty(name: str) -> str:
    """'accuracy' -> 'Accuracy', 'acc' -> 'Accuracy', 'mae' -> 'MAE'."""
    known = {"acc": "Accuracy", "mae": "MAE", "mse": "MSE"}
    return known.get(name, name.replace("_", " ").capitalize())


def _pixel_ticks(size: int) -> list[int]:
    """A few pixel positions: 0, 7, 14, 21, 27 for 28 pixels."""
    step = max(1, size // 4)
    ticks = list(range(0, size, step))
    if ticks[-1] != size - 1 and size - 1 - ticks[-1] >= step // 2:
        ticks.append(size - 1)
    return ticks


def _epoch_ticks(epochs: int) -> list[int]:
    """Whole-number epoch ticks, at most about ten of them."""
    step = max(1, math.ceil(epochs / 10))
    return list(range(1, epochs + 1, step))
