"""Convolution, ReLU and max pooling as one op: the convnet block `Conv2D(relu)` + `MaxPooling2D`.

max is monotone, so the max of a window of ReLU outputs is the ReLU of the window's
largest pre-activation: pooling first lets the ReLU, and its mask, run on a map a pool
size smaller. The op also computes the convolution in an order that suits the pooling:
im2col lays its rows out window offset by window offset, (ph, pw, n, PH, PW), so the
matrix product returns one contiguous block per offset and the pooling is ph * pw - 1
whole-array maxima instead of strided passes. Output pixels that no window covers (the
last row of an odd-sized map under a pool of 2) are never computed.

The result, and the gradient, are those of `max_pool2d(relu(conv2d(x, kernel, bias)))`
with side-by-side windows (pool strides = pool size, "valid"): ties go to the first
offset, as there, and a window whose maximum is not positive passes no gradient, which
is what the ReLU's zero mask gives the unfused ops.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from tensorgrad.engine import kernels
from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.ops import conv
from tensorgrad.engine.tensor import Tensor


def pooled_windows(
    xp: np.ndarray,
    kernel: Sequence[int],
    pool: Sequence[int],
    pooled: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """A read-only view (ph, pw, n, PH, PW, kh, kw, c) of every receptive field of xp.

    Entry [di, dj, b, P, Q] is the receptive field of output pixel (P * ph + di,
    Q * pw + dj) of image b: the conv2d windows, grouped by their offset in the pool.
    """
    sn, sh, sw, sc = xp.strides
    (kh, kw), (ph, pw), (big_h, big_w) = kernel, pool, pooled
    (th, tw), (dh, dw) = strides, dilation
    shape = (ph, pw, xp.shape[0], big_h, big_w, kh, kw, xp.shape[3])
    steps = (sh * th, sw * tw, sn, sh * th * ph, sw * tw * pw, sh * dh, sw * dw, sc)
    return as_strided(xp, shape, steps, writeable=False)


def pooled_im2col(
    xp: np.ndarray,
    kernel: Sequence[int],
    pool: Sequence[int],
    pooled: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """im2col (with a ones column for the bias) whose rows run (ph, pw, n, PH, PW).

    Rows are the receptive fields of output pixel (P * ph + di, Q * pw + dj), block by
    window offset (di, dj): (ph * pw * n * PH * PW, kh * kw * c + 1).
    """
    n, c = xp.shape[0], xp.shape[3]
    (kh, kw), (ph, pw), (big_h, big_w) = kernel, pool, pooled
    k = kh * kw * c
    cols = np.empty((ph * pw * n * big_h * big_w, k + 1), dtype=xp.dtype)
    fields = cols.reshape(ph, pw, n, big_h, big_w, k + 1)[..., :k]
    fields = fields.reshape(ph, pw, n, big_h, big_w, kh, kw, c)
    view = pooled_windows(xp, kernel, pool, pooled, strides, dilation)
    if c >= 8:  # one copy
        fields[...] = view
    else:  # few channels: one copy per kernel tap is faster (see conv.im2col)
        for i in range(kh):
            for j in range(kw):
                fields[..., i, j, :] = view[..., i, j, :]
    cols[:, k] = 1.0
    return cols


class Conv2DReluMaxPool(Function):
    def __init__(self, pads, strides, dilation, pool):
        self.pads, self.strides, self.dilation, self.pool = pads, strides, dilation, pool

    def forward(self, x, w, b=None):
        kh, kw, _, o = w.shape
        (ph, pw), (sh, sw), (dh, dw) = self.pool, self.strides, self.dilation
        xp = conv.pad_image(x, self.pads)
        oh = conv.output_size(x.shape[1], kh, sh, dh, self.pads[0])
        ow = conv.output_size(x.shape[2], kw, sw, dw, self.pads[1])
        pooled = (oh // ph, ow // pw)
        n, blocks = x.shape[0], ph * pw
        cols = pooled_im2col(xp, (kh, kw), self.pool, pooled, self.strides, self.dilation)
        bias = np.zeros((1, o), dtype=w.dtype) if b is None else b[None]
        out = (cols @ np.concatenate([w.reshape(-1, o), bias])).reshape(blocks, -1, o)
        track = bool(self.needs_input_grad)
        # Each window's largest pre-activation, and (training) the first offset holding it:
        # only a strictly larger value takes over, as in max_pool2d.
        best = out[0].copy() if blocks == 1 else np.maximum(out[0], out[1])
        winner = None
        if track and blocks > 1:
            winner = np.greater(out[1], out[0]).view(np.uint8)
        elif track:
            winner = np.zeros(best.shape, dtype=np.uint8)
        for k in range(2, blocks):
            if track:
                won = np.greater(out[k], best).view(np.uint8)
                won *= np.uint8(k)
                np.maximum(winner, won, out=winner)
            np.maximum(best, out[k], out=best)
        kernels.relu(best, out=best)
        if track:
            # A window the ReLU zeroes passes no gradient: its winner becomes no offset (255).
            # (np.copyto with where= is several times slower than this bitwise or.)
            zeroed = np.less_equal(best, 0).view(np.uint8)
            zeroed *= np.uint8(255)
            np.bitwise_or(winner, zeroed, out=winner)
            self.cols, self.w, self.winner, self.xp_shape = cols, w, winner, xp.shape
        return best.reshape(n, *pooled, o)

    def backward(self, grad):
        need, w, cols, winner = self.needs_input_grad, self.w, self.cols, self.winner
        o = w.shape[3]
        blocks = self.pool[0] * self.pool[1]
        g = grad.reshape(-1, o)
        # The gradient of every computed conv output, block by window offset: the window's
        # gradient at its winner, zero elsewhere.
        full = np.empty((blocks, *g.shape), dtype=g.dtype)
        for k in range(blocks):
            np.multiply(g, winner == k, out=full[k])
        full = full.reshape(-1, o)
        gx = gw = gb = None
        if need[1] or (len(need) == 3 and need[2]):
            products = cols.T @ full  # the last row, from the ones column, is the bias's
            gw = products[:-1].reshape(w.shape)
            gb = products[-1] if len(need) == 3 else None
        if need[0]:
            # The input gradient wants the conv outputs' gradient in image order, where
            # each kernel tap's product adds into whole rows of pixels (conv.scatter_products).
            n, big_h, big_w = grad.shape[:3]
            (ph, pw), (oh, ow) = self.pool, (big_h * self.pool[0], big_w * self.pool[1])
            image_order = np.empty((n, big_h, ph, big_w, pw, o), dtype=g.dtype)
            image_order[...] = full.reshape(ph, pw, n, big_h, big_w, o).transpose(2, 3, 0, 4, 1, 5)
            gx = conv.scatter_products(
                image_order.reshape(-1, o), w, self.xp_shape, (oh, ow), self.strides, self.dilation
            )
            gx = conv.crop_image(gx, self.pads)
        return gx, gw, gb


def conv2d_relu_max_pool2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: Any = "valid",
    dilation: Any = 1,
    pool_size: Any = 2,
) -> Tensor:
    """max_pool2d(relu(conv2d(x, kernel, bias, ...)), pool_size), computed as one op.

    The pooling is Keras' default, side-by-side windows with "valid" padding (strides =
    pool_size); the convolution takes conv2d's arguments (no groups).

    >>> import tensorgrad as tg
    >>> tg.conv2d_relu_max_pool2d(tg.ones((1, 13, 13, 32)), tg.ones((3, 3, 32, 64))).shape
    (1, 5, 5, 64)
    """
    inputs = lift((x, kernel) if bias is None else (x, kernel, bias))
    tx, tw = inputs[0], inputs[1]
    op = "conv2d_relu_max_pool2d"
    conv._check_image(op, tx)
    if tw.ndim != 4 or tw.shape[2] != tx.shape[3]:  # before conv2d_args: a plainer message
        raise ValueError(
            f"{op}: expected a kernel (kh, kw, in, out) with in = {tx.shape[3]} (the input's "
            f"channels), got shape {tw.shape}"
        )
    strides, dilation, pads = conv.conv2d_args(op, inputs, strides, padding, dilation, 1)
    pool = conv.pair(pool_size, "pool_size", op)
    out_hw = [
        conv.output_size(n, k, s, d, p)
        for n, k, s, d, p in zip(tx.shape[1:3], tw.shape[:2], strides, dilation, pads)
    ]
    conv.check_window(op, out_hw, pool, (1, 1), ((0, 0), (0, 0)))
    return Conv2DReluMaxPool.apply(
        *inputs, pads=pads, strides=strides, dilation=dilation, pool=pool
    )
