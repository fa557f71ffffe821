"""Image resampling: resize and affine transforms of (batch, height, width, channels) images.

Every geometric transform here is one linear map of the pixels: each output pixel is a
weighted sum of at most four input pixels (bilinear) or one (nearest), found by inverse
mapping, i.e. by sending the output pixel's coordinates back into the input. A `SamplingPlan`
holds, for every output pixel, the input pixels and weights; `resample` applies it to a batch
in a few vectorised NumPy gathers (no loop over pixels), and its backward scatters the
gradient back through the same plan.

Coordinates that fall outside the input are handled per neighbour with Keras' fill modes:
"reflect" (d c b a | a b c d | d c b a), "wrap" (a b c d | a b c d | a b c d),
"nearest" (a a a a | a b c d | d d d d) and "constant" (k k k k | a b c d | k k k k, with
k = fill_value), which is what Keras' NumPy backend does (padding, then interpolation).

>>> import numpy as np
>>> image = np.arange(4.0).reshape(1, 2, 2, 1)
>>> plan = resize_plan((2, 2), (4, 4), "bilinear")
>>> resample(image, plan).data[0, :, :, 0]
array([[0.  , 0.25, 0.75, 1.  ],
       [0.5 , 0.75, 1.25, 1.5 ],
       [1.5 , 1.75, 2.25, 2.5 ],
       [2.  , 2.25, 2.75, 3.  ]], dtype=float32)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.tensor import Tensor

INTERPOLATIONS = ("bilinear", "nearest")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


@dataclass
class SamplingPlan:
    """Which input pixels and weights make each output pixel.

    Attributes:
        index: int array (n, out_h * out_w, k) of flat pixel indices (row * width + col) into
            the input image; n is 1 when all images share the plan.
        weight: float array of the same shape; weights of out-of-range neighbours under
            fill_mode "constant" are 0 (their share goes to `fill`).
        fill: float array (n, out_h * out_w, 1) added to every channel (fill_value times the
            weight of the neighbours that fell outside), or None.
        in_hw, out_hw: input and output (height, width).
    """

    index: np.ndarray
    weight: np.ndarray
    fill: np.ndarray | None
    in_hw: tuple[int, int]
    out_hw: tuple[int, int]


def fix_index(i: np.ndarray, size: int, fill_mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Integer pixel indices brought into [0, size) by the fill mode; (index, inside)."""
    inside = (i >= 0) & (i < size)
    if fill_mode == "reflect":
        period = np.mod(i, 2 * size)
        i = np.where(period >= size, 2 * size - 1 - period, period)
    elif fill_mode == "wrap":
        i = np.mod(i, size)
    else:  # nearest, and constant (whose outside neighbours get weight 0)
        i = np.clip(i, 0, size - 1)
    return i, inside if fill_mode == "constant" else np.ones_like(inside)


def _check(interpolation: str, fill_mode: str) -> None:
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")


def coordinates_plan(
    rows: np.ndarray,
    cols: np.ndarray,
    in_hw: tuple[int, int],
    interpolation: str = "bilinear",
    fill_mode: str = "constant",
    fill_value: float = 0.0,
) -> SamplingPlan:
    """The plan sampling the input at (rows, cols), float arrays (n, out_h, out_w)."""
    _check(interpolation, fill_mode)
    n, out_h, out_w = rows.shape
    height, width = in_hw
    rows = rows.reshape(n, -1)
    cols = cols.reshape(n, -1)
    if interpolation == "nearest":
        row_taps = [(np.rint(rows).astype(np.int64), None)]  # half to even, as Keras
        col_taps = [(np.rint(cols).astype(np.int64), None)]
    else:
        r0, c0 = np.floor(rows), np.floor(cols)
        dr, dc = rows - r0, cols - c0
        r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
        row_taps = [(r0, 1.0 - dr), (r0 + 1, dr)]
        col_taps = [(c0, 1.0 - dc), (c0 + 1, dc)]
    # each tap's fixed index is computed once, not once per pair of taps
    fixed_rows = [(fix_index(r, height, fill_mode), wr) for r, wr in row_taps]
    fixed_cols = [(fix_index(c, width, fill_mode), wc) for c, wc in col_taps]
    indices, weights = [], []
    outside = np.zeros(rows.shape) if fill_mode == "constant" else None
    for (r, r_in), wr in fixed_rows:
        r_offset = r * width
        for (c, c_in), wc in fixed_cols:
            w = np.ones(rows.shape) if wr is None else wr * wc
            if outside is not None:
                valid = r_in & c_in
                outside += np.where(valid, 0.0, w)
                w = np.where(valid, w, 0.0)
            indices.append(r_offset + c)
            weights.append(w)
    fill = None
    if outside is not None and fill_value != 0 and outside.any():
        fill = (fill_value * outside)[..., None]
    return SamplingPlan(
        np.stack(indices, axis=-1), np.stack(weights, axis=-1), fill, in_hw, (out_h, out_w)
    )


def affine_plan(
    transforms: np.ndarray,
    in_hw: tuple[int, int],
    interpolation: str = "bilinear",
    fill_mode: str = "reflect",
    fill_value: float = 0.0,
) -> SamplingPlan:
    """The plan of per-image affine maps from output to input pixel coordinates.

    `transforms` is (n, 6): [a0, a1, a2, b0, b1, b2] sends the output pixel at column x,
    row y to the input point (a0*x + a1*y + a2, b0*x + b1*y + b2), as Keras' transforms.
    """
    transforms = np.asarray(transforms, dtype=np.float64).reshape(-1, 6)
    height, width = in_hw
    y, x = np.meshgrid(np.arange(height, dtype=np.float64), np.arange(width), indexing="ij")
    a0, a1, a2, b0, b1, b2 = (transforms[:, i, None, None] for i in range(6))
    cols = a0 * x + a1 * y + a2
    rows = b0 * x + b1 * y + b2
    return coordinates_plan(rows, cols, in_hw, interpolation, fill_mode, fill_value)


def _source_coordinates(out_size: int, in_size: int, interpolation: str) -> np.ndarray:
    """Input coordinates of the output pixel centres of a resize (half-pixel centres)."""
    scale = in_size / out_size
    centres = (np.arange(out_size, dtype=np.float64) + 0.5) * scale - 0.5
    if interpolation == "nearest":
        # TF's half-pixel nearest: the input pixel containing the output centre
        return np.minimum(np.floor((np.arange(out_size) + 0.5) * scale), in_size - 1)
    return np.clip(centres, 0, in_size - 1)


def resize_plan(
    in_hw: tuple[int, int], out_hw: tuple[int, int], interpolation: str = "bilinear"
) -> SamplingPlan:
    """The plan of a resize with half-pixel centres (as TF, PyTorch's align_corners=False)."""
    _check(interpolation, "nearest")
    rows = _source_coordinates(out_hw[0], in_hw[0], interpolation)
    cols = _source_coordinates(out_hw[1], in_hw[1], interpolation)
    grid_r, grid_c = np.meshgrid(rows, cols, indexing="ij")
    return coordinates_plan(grid_r[None], grid_c[None], in_hw, interpolation, "nearest")


class Resample(Function):
    def __init__(self, plan: SamplingPlan):
        self.plan = plan

    def forward(self, x):
        plan = self.plan
        n, height, width, channels = x.shape
        self.x_shape = x.shape
        per_image = plan.index.shape[0] != 1
        if per_image:  # one gather per tap from all images' pixels, by flat row index
            flat = x.reshape(n * height * width, channels)
            offsets = (np.arange(n) * (height * width))[:, None]
        else:
            flat = x.reshape(n, height * width, channels)
        weight = plan.weight.astype(x.dtype)
        out = None
        for k in range(plan.index.shape[-1]):
            if per_image:
                taken = np.take(flat, plan.index[..., k] + offsets, axis=0)
            else:
                taken = np.take(flat, plan.index[0, :, k], axis=1)
            taken *= weight[..., k, None]
            out = taken if out is None else np.add(out, taken, out=out)
        if plan.fill is not None:
            out += plan.fill.astype(x.dtype)
        return out.reshape((n,) + plan.out_hw + (channels,))

    def backward(self, g):
        plan = self.plan
        n, height, width, channels = self.x_shape
        g = g.reshape(n, -1, channels)
        grad = np.zeros((n * height * width, channels), dtype=g.dtype)
        offsets = (np.arange(n) * height * width)[:, None]
        for k in range(plan.index.shape[-1]):
            index = np.broadcast_to(plan.index[..., k] + offsets, g.shape[:2]).ravel()
            values = (g * plan.weight[..., k, None].astype(g.dtype)).reshape(-1, channels)
            np.add.at(grad, index, values)
        return (grad.reshape(self.x_shape),)


def resample(x: Any, plan: SamplingPlan) -> Tensor:
    """Images x (n, height, width, channels) sampled by `plan`: (n, out_h, out_w, channels).

    Raises:
        ValueError: x is not 4-D, or its height and width are not the plan's.
    """
    t = lift((x,))[0]
    if t.ndim != 4 or tuple(t.shape[1:3]) != plan.in_hw:
        raise ValueError(
            f"resample: expected images of shape (batch, {plan.in_hw[0]}, {plan.in_hw[1]}, "
            f"channels), got shape {t.shape}"
        )
    if plan.index.shape[0] not in (1, t.shape[0]):
        raise ValueError(
            f"resample: the plan is for {plan.index.shape[0]} images, got {t.shape[0]}"
        )
    return Resample.apply(t, plan=plan)
