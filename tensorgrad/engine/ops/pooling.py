"""Pooling and resizing of channels-last images: max and average pooling, zero padding,
nearest-neighbour upsampling.

Pooling visits the window's ph * pw offsets, each a strided slice of the whole batch, so
the work is a few vectorised passes and never a loop over pixels. Max pooling keeps the
first largest value of each window (PyTorch's rule, which matters after a ReLU, where a
window of zeros ties) and sends the gradient to it alone. Keras' "same" padding never lets
a padded cell win a max, and leaves padded cells out of an average's divisor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.ops.conv import Pads, check_window, conv_padding, crop_image, pad_image, pair
from tensorgrad.engine.tensor import Tensor


def _offsets(pool, strides, out):
    """(k, row slice, column slice) of each window offset, over all windows at once."""
    (ph, pw), (sh, sw), (oh, ow) = pool, strides, out
    for i in range(ph):
        for j in range(pw):
            yield (
                i * pw + j,
                slice(i, i + sh * (oh - 1) + 1, sh),
                slice(j, j + sw * (ow - 1) + 1, sw),
            )


def _out_size(shape, pool, strides, pads):
    return tuple(
        (n + p[0] + p[1] - k) // s + 1 for n, k, s, p in zip(shape[1:3], pool, strides, pads)
    )


class MaxPool2D(Function):
    def __init__(self, pool, strides, pads):
        self.pool, self.strides, self.pads = pool, strides, pads

    def forward(self, x):
        xp = pad_image(x, self.pads, -np.inf)
        out_hw = _out_size(x.shape, self.pool, self.strides, self.pads)
        tiled = self.strides == self.pool  # windows side by side: Keras' default
        # Training on tiled windows keeps which offset won each window (uint8): backward
        # then writes each offset's share in one pass, with no comparisons of floats.
        track = bool(self.needs_input_grad) and tiled
        first = best = winner = None
        for k, rows, cols in _offsets(self.pool, self.strides, out_hw):
            part = xp[:, rows, cols]
            if k == 0:
                first = part
                continue
            if track:
                # Only a strictly larger value takes over, so ties keep the first maximum;
                # offsets come in increasing k, so the winner is the largest k that won.
                won = np.greater(part, first if best is None else best).view(np.uint8)
                if winner is None:
                    winner = won  # k == 1
                else:
                    won *= np.uint8(k)
                    np.maximum(winner, won, out=winner)
            best = np.maximum(first, part) if best is None else np.maximum(best, part, out=best)
        if best is None:  # a 1x1 window
            best = first.copy()
            winner = np.zeros(best.shape, dtype=np.uint8) if track else None
        if self.needs_input_grad:
            self.xp_shape, self.out, self.winner = xp.shape, best, winner
            self.xp = xp if winner is None else None
        return best

    def backward(self, g):
        if self.winner is not None:
            return (crop_image(self._tiled_backward(g), self.pads),)
        xp, out = self.xp, self.out
        grad = np.zeros(xp.shape, dtype=g.dtype)
        taken = None
        for _, rows, cols in _offsets(self.pool, self.strides, g.shape[1:3]):
            hit = xp[:, rows, cols] == out
            if taken is None:
                taken = hit.copy()
            else:
                np.greater(hit, taken, out=hit)  # a later tie loses: hit and not taken
                taken |= hit
            grad[:, rows, cols] += g * hit
        return (crop_image(grad, self.pads),)

    def _tiled_backward(self, g):
        """Each window's gradient to its winning offset; the windows cover the image once."""
        (ph, pw), (oh, ow) = self.pool, g.shape[1:3]
        h, w = self.xp_shape[1:3]
        covered = oh * ph == h and ow * pw == w
        grad = (np.empty if covered else np.zeros)(self.xp_shape, dtype=g.dtype)
        for k, rows, cols in _offsets(self.pool, self.strides, (oh, ow)):
            np.multiply(g, self.winner == k, out=grad[:, rows, cols])
        return grad


class AvgPool2D(Function):
    def __init__(self, pool, strides, pads):
        self.pool, self.strides, self.pads = pool, strides, pads

    def forward(self, x):
        xp = pad_image(x, self.pads)
        out_hw = _out_size(x.shape, self.pool, self.strides, self.pads)
        total = None
        for _, rows, cols in _offsets(self.pool, self.strides, out_hw):
            total = xp[:, rows, cols].copy() if total is None else total.__iadd__(xp[:, rows, cols])
        self.scale = self._scale(x.shape, out_hw, x.dtype)
        self.xp_shape = xp.shape
        total *= self.scale
        return total

    def _scale(self, shape, out_hw, dtype):
        """1 / (number of real, unpadded cells) of each window, shape (1, oh, ow, 1)."""
        counts = []
        for n, k, s, p, o in zip(shape[1:3], self.pool, self.strides, self.pads, out_hw):
            start = np.arange(o) * s - p[0]
            counts.append(np.minimum(start + k, n) - np.maximum(start, 0))
        return (1.0 / np.outer(counts[0], counts[1])).astype(dtype)[None, :, :, None]

    def backward(self, g):
        grad = np.zeros(self.xp_shape, dtype=g.dtype)
        share = g * self.scale
        for _, rows, cols in _offsets(self.pool, self.strides, g.shape[1:3]):
            grad[:, rows, cols] += share
        return (crop_image(grad, self.pads),)


def _pool_args(op: str, t: Tensor, pool_size: Any, strides: Any, padding: Any):
    if t.ndim != 4:
        raise ValueError(
            f"{op}: expected a 4-D input (batch, height, width, channels), got shape {t.shape}"
        )
    pool = pair(pool_size, "pool_size", op)
    strides = pool if strides is None else pair(strides, "strides", op)
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}")
    pads = conv_padding(padding, t.shape[1:3], pool, strides, (1, 1), op)
    check_window(op, t.shape[1:3], pool, (1, 1), pads)
    return {"pool": pool, "strides": strides, "pads": pads}


def max_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """The largest value of each pool_size window of NHWC images; strides default to pool_size.

    "valid" drops windows that would overrun the image (11 -> 5 for a pool of 2); "same"
    gives ceil(n / stride) outputs with Keras' bottom/right padding, which never wins.

    >>> import tensorgrad as tg
    >>> tg.max_pool2d(tg.ones((1, 11, 11, 3))).shape
    (1, 5, 5, 3)
    """
    t = lift((x,))[0]
    return MaxPool2D.apply(t, **_pool_args("max_pool2d", t, pool_size, strides, padding))


def avg_pool2d(x: Any, pool_size: Any = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """The mean of each pool_size window; "same" windows average only their unpadded cells."""
    t = lift((x,))[0]
    return AvgPool2D.apply(t, **_pool_args("avg_pool2d", t, pool_size, strides, padding))


def _pool1d(fn: Any, op: str, x: Any, pool_size: Any, strides: Any, padding: str) -> Tensor:
    t = lift((x,))[0]
    if t.ndim != 3:
        raise ValueError(
            f"{op}: expected a 3-D input (batch, steps, channels), got shape {t.shape}"
        )
    pool = pair(pool_size, "pool_size", op)[0]
    stride = pool if strides is None else pair(strides, "strides", op)[0]
    out = fn(shape_ops.expand_dims(t, 1), (1, pool), (1, stride), padding)
    return shape_ops.squeeze(out, 1)


def max_pool1d(x: Any, pool_size: int = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """max_pool2d along the steps of (batch, steps, channels)."""
    return _pool1d(max_pool2d, "max_pool1d", x, pool_size, strides, padding)


def avg_pool1d(x: Any, pool_size: int = 2, strides: Any = None, padding: str = "valid") -> Tensor:
    """avg_pool2d along the steps of (batch, steps, channels)."""
    return _pool1d(avg_pool2d, "avg_pool1d", x, pool_size, strides, padding)


# ----- padding and upsampling -----
class ZeroPad2D(Function):
    def __init__(self, pads):
        self.pads = pads

    def forward(self, x):
        return pad_image(x, self.pads).copy()

    def backward(self, g):
        return (crop_image(g, self.pads),)


def zero_pad2d(x: Any, padding: Pads) -> Tensor:
    """NHWC images with ((top, bottom), (left, right)) rows and columns of zeros added."""
    t = lift((x,))[0]
    if t.ndim != 4:
        raise ValueError(
            f"zero_pad2d: expected a 4-D input (batch, height, width, channels), got {t.shape}"
        )
    pads = conv_padding(padding, t.shape[1:3], (1, 1), (1, 1), (1, 1), "zero_pad2d")
    return ZeroPad2D.apply(t, pads=pads)


class UpSample2D(Function):
    def __init__(self, size):
        self.size = size

    def forward(self, x):
        sh, sw = self.size
        n, h, w, c = x.shape
        out = np.broadcast_to(x[:, :, None, :, None, :], (n, h, sh, w, sw, c))
        return out.reshape(n, h * sh, w * sw, c)

    def backward(self, g):
        sh, sw = self.size
        n, hh, ww, c = g.shape
        return (g.reshape(n, hh // sh, sh, ww // sw, sw, c).sum(axis=(2, 4)),)


def upsample2d(x: Any, size: Any = 2) -> Tensor:
    """Nearest-neighbour upsampling: each pixel repeated size[0] times down, size[1] across."""
    t = lift((x,))[0]
    if t.ndim != 4:
        raise ValueError(
            f"upsample2d: expected a 4-D input (batch, height, width, channels), got {t.shape}"
        )
    return UpSample2D.apply(t, size=pair(size, "size", "upsample2d"))
