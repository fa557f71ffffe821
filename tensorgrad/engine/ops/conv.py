"""Convolutions on channels-last images: conv2d, conv1d, depthwise and transposed conv2d.

Images are NHWC, (batch, height, width, channels), and kernels are laid out as Keras stores
them: (kh, kw, in / groups, out) for conv2d, (kh, kw, in, multiplier) for depthwise and
(kh, kw, filters, in) for the transposed convolution. The convolution is a
cross-correlation (no kernel flip), as in Keras and PyTorch.

Every convolution is one matrix product on BLAS: a strided view presents each output
pixel's receptive field as a row (`im2col`, one copy), and the kernel as a matrix; a bias
rides in the same product. The backward pass is two more products: the weight gradient
one, and the input gradient as one product per kernel offset, each added into the image
where that offset looks (`scatter_products`: kh * kw additions, never a loop over pixels
or samples).

`padding` is "valid", "same" (Keras' rule: the odd extra row or column goes at the
bottom / right, see `same_padding`) or explicit ((top, bottom), (left, right)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from tensorgrad.engine import kernels
from tensorgrad.engine.function import Function, lift
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor

Pads = tuple[tuple[int, int], tuple[int, int]]


# ----- sizes and padding -----
def pair(value: Any, name: str, op: str, positive: bool = True) -> tuple[int, int]:
    """An int or a pair of ints as a pair, checked: `pair(2, "strides", "conv2d") == (2, 2)`."""
    values = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != 2 or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values
    ):
        raise ValueError(f"{op}: {name} must be an integer or a pair of integers, got {value!r}")
    low = 1 if positive else 0
    if any(v < low for v in values):
        kind = "positive" if positive else "non-negative"
        raise ValueError(f"{op}: {name} must be {kind}, got {value!r}")
    return int(values[0]), int(values[1])


def same_padding(size: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """(before, after) padding of Keras' 'same' along one axis: the extra one goes after.

    The output has ceil(size / stride) entries; the padding needed for it is split with
    the smaller half before, as TensorFlow and Keras do (PyTorch's padding=1 is symmetric).

    >>> same_padding(28, 3, 2)  # stride 2 on 28: one row at the bottom only
    (0, 1)
    >>> same_padding(27, 3, 2), same_padding(28, 3, 1), same_padding(28, 2, 1)
    ((1, 1), (1, 1), (0, 1))
    """
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def conv_padding(
    padding: Any,
    spatial: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
    op: str,
) -> Pads:
    """Explicit ((top, bottom), (left, right)) padding from "valid", "same" or explicit pairs."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode == "valid":
            return (0, 0), (0, 0)
        if mode == "same":
            return tuple(  # type: ignore[return-value]
                same_padding(n, k, s, d) for n, k, s, d in zip(spatial, kernel, strides, dilation)
            )
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}")
    try:
        pads = tuple(pair(p, "padding", op, positive=False) for p in padding)
    except TypeError:
        pads = ()
    if len(pads) != 2:
        raise ValueError(
            f"{op}: padding must be 'valid', 'same' or ((top, bottom), (left, right)), "
            f"got {padding!r}"
        )
    return pads  # type: ignore[return-value]


def output_size(size: int, kernel: int, stride: int, dilation: int, pads: tuple[int, int]) -> int:
    """Output length of a convolution along one axis: floor((n + p - d(k-1) - 1) / s) + 1."""
    return (size + pads[0] + pads[1] - dilation * (kernel - 1) - 1) // stride + 1


def check_window(
    op: str, shape: Sequence[int], kernel: Sequence[int], dilation: Sequence[int], pads: Pads
) -> None:
    """Raise a clear error when the (dilated) window is larger than the padded image."""
    for axis, n, k, d, p in zip(("height", "width"), shape, kernel, dilation, pads):
        span = d * (k - 1) + 1
        if span > n + p[0] + p[1]:
            raise ValueError(
                f"{op}: the window ({k} with dilation {d}, spanning {span}) is larger than "
                f"the padded input {axis} {n} + {p[0] + p[1]} (input shape {tuple(shape)}); "
                f"use a smaller kernel, padding='same', or larger images"
            )


# ----- im2col and col2im -----
def windows(
    x: np.ndarray,
    kernel: Sequence[int],
    out: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """A read-only view (n, oh, ow, kh, kw, c) of every receptive field of x (n, h, w, c)."""
    sn, sh, sw, sc = x.strides
    shape = (x.shape[0], out[0], out[1], kernel[0], kernel[1], x.shape[3])
    steps = (sn, sh * strides[0], sw * strides[1], sh * dilation[0], sw * dilation[1], sc)
    return as_strided(x, shape, steps, writeable=False)


def pad_image(x: np.ndarray, pads: Pads, value: float = 0.0) -> np.ndarray:
    """x (n, h, w, c) with rows and columns of `value` around it (x itself when no padding)."""
    (top, bottom), (left, right) = pads
    if not (top or bottom or left or right):
        return x
    out = np.full(
        (x.shape[0], x.shape[1] + top + bottom, x.shape[2] + left + right, x.shape[3]),
        value,
        dtype=x.dtype,
    )
    out[:, top : top + x.shape[1], left : left + x.shape[2]] = x
    return out


def crop_image(x: np.ndarray, pads: Pads) -> np.ndarray:
    """The inverse of pad_image: x without its padding rows and columns."""
    (top, bottom), (left, right) = pads
    return x[:, top : x.shape[1] - bottom, left : x.shape[2] - right]


def col2im(
    cols: np.ndarray, shape: Sequence[int], strides: Sequence[int], dilation: Sequence[int]
) -> np.ndarray:
    """Add receptive-field rows cols (n, oh, ow, kh, kw, c) back into an image of `shape`.

    The adjoint of `windows`: one strided slice per kernel offset, so kh * kw additions.
    """
    image = np.zeros(shape, dtype=cols.dtype)
    _, oh, ow, kh, kw, _ = cols.shape
    for i, j, rows, columns in _offset_slices((kh, kw), (oh, ow), strides, dilation):
        image[:, rows, columns] += cols[:, :, :, i, j]
    return image


def _offset_slices(kernel, out, strides, dilation):
    """(i, j, row slice, column slice): the pixels kernel offset (i, j) sees, for every output."""
    (kh, kw), (oh, ow), (sh, sw), (dh, dw) = kernel, out, strides, dilation
    for i in range(kh):
        rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
        for j in range(kw):
            yield i, j, rows, slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)


def scatter_products(
    rows: np.ndarray,
    w: np.ndarray,
    shape: Sequence[int],
    out: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
) -> np.ndarray:
    """sum over kernel offsets (i, j) of rows @ w[i, j].T, each added where (i, j) looks.

    What `col2im(rows @ w.reshape(-1, o).T)` computes, without its (m, kh * kw * c) matrix:
    one product per offset gives a contiguous (n, oh, ow, c) block, added into the image
    along whole rows of pixels (ow * c numbers at a time) instead of c at a time, which is
    about 3x faster. rows is (n * oh * ow, o) and w (kh, kw, c, o); the image has `shape`.
    """
    image = np.zeros(shape, dtype=rows.dtype)
    n, (oh, ow), c = shape[0], out, shape[3]
    for i, j, r, k in _offset_slices(w.shape[:2], out, strides, dilation):
        image[:, r, k] += (rows @ w[i, j].T).reshape(n, oh, ow, c)
    return image


def im2col(
    xp: np.ndarray,
    kernel: Sequence[int],
    out: Sequence[int],
    strides: Sequence[int],
    dilation: Sequence[int],
    ones: bool = False,
) -> np.ndarray:
    """Every receptive field of the padded images as a row: (n * oh * ow, kh * kw * c).

    With `ones`, each row ends with an extra 1, so that a bias stored as the kernel
    matrix's last row is added by the matrix product itself (and its gradient comes out
    of the weight gradient's product): no pass over the output for either.

    Few channels (a first layer's 1 or 3) make NumPy's strided copy slow, element by
    element; copying one shifted slice per kernel offset is then about 3x faster.
    """
    n, c = xp.shape[0], xp.shape[3]
    (kh, kw), (oh, ow) = kernel, out
    k = kh * kw * c
    cols = np.empty((n * oh * ow, k + ones), dtype=xp.dtype)
    # Splitting the row's first k entries into (kh, kw, c) is always a view: fills cols.
    fields = cols.reshape(n, oh, ow, k + ones)[..., :k].reshape(n, oh, ow, kh, kw, c)
    if c >= 8:
        fields[...] = windows(xp, kernel, out, strides, dilation)
    else:
        for i, j, rows, columns in _offset_slices(kernel, out, strides, dilation):
            fields[:, :, :, i, j] = xp[:, rows, columns]
    if ones:
        cols[:, k] = 1.0
    return cols


class Conv2D(Function):
    def __init__(self, pads, strides, dilation, groups, relu=False):
        self.pads, self.strides, self.dilation, self.groups = pads, strides, dilation, groups
        self.relu = relu

    def forward(self, x, w, b=None):
        kh, kw, cg, o = w.shape
        xp = pad_image(x, self.pads)
        oh, ow = (
            output_size(x.shape[1], kh, self.strides[0], self.dilation[0], self.pads[0]),
            output_size(x.shape[2], kw, self.strides[1], self.dilation[1], self.pads[1]),
        )
        n, g = x.shape[0], self.groups
        if g == 1:
            # The one copy; a bias rides along as a column of ones and the kernel's last row.
            cols = im2col(xp, (kh, kw), (oh, ow), self.strides, self.dilation, b is not None)
            matrix = w.reshape(-1, o) if b is None else np.concatenate([w.reshape(-1, o), b[None]])
            out = cols @ matrix
        else:
            # (m, kh*kw, g, cg) -> (g, m, kh*kw*cg): each group's receptive fields as rows.
            view = windows(xp, (kh, kw), (oh, ow), self.strides, self.dilation)
            cols = view.reshape(n * oh * ow, kh * kw, g, cg).transpose(2, 0, 1, 3)
            cols = cols.reshape(g, n * oh * ow, kh * kw * cg)
            wg = w.reshape(kh * kw * cg, g, o // g).transpose(1, 0, 2)
            out = (cols @ wg).transpose(1, 0, 2).reshape(n * oh * ow, o)
            if b is not None:
                out += b
        if self.relu:
            kernels.relu(out, out=out)  # in place, in the same op: no second array
        if self.needs_input_grad:  # saved only when a backward will follow
            self.cols, self.w, self.xp_shape = cols, w, xp.shape
            # The ReLU's mask as bytes: a quarter of the output's size to keep and to read
            # back, and the output itself can go as soon as the next layer is done with it.
            self.active = out > 0 if self.relu else None
        return out.reshape(n, oh, ow, o)

    def backward(self, grad):
        need = self.needs_input_grad
        w, cols, g = self.w, self.cols, self.groups
        if self.relu:
            grad = np.multiply(grad, self.active.reshape(grad.shape))
        kh, kw, cg, o = w.shape
        n, oh, ow, _ = grad.shape
        g2 = grad.reshape(-1, o)
        gx = gw = gb = None
        has_bias = len(need) == 3
        if g == 1:
            if need[1] or (has_bias and need[2]):
                # With a bias, cols ends with a column of ones: the last row is its gradient.
                full = cols.T @ g2
                gw = full[: kh * kw * cg].reshape(w.shape)
                gb = full[-1] if has_bias else None
            if need[0]:
                gx = scatter_products(g2, w, self.xp_shape, (oh, ow), self.strides, self.dilation)
                gx = crop_image(gx, self.pads)
            return gx, gw, gb
        gg = g2.reshape(-1, g, o // g).transpose(1, 0, 2)  # (g, m, o/g)
        if need[1]:
            gw = (cols.transpose(0, 2, 1) @ gg).reshape(g, kh * kw * cg, o // g)
            gw = gw.transpose(1, 0, 2).reshape(w.shape)
        if need[0]:
            wg = w.reshape(kh * kw * cg, g, o // g).transpose(1, 2, 0)  # (g, o/g, k)
            dcols = (gg @ wg).reshape(g, -1, kh * kw, cg).transpose(1, 2, 0, 3)
            dcols = dcols.reshape(n, oh, ow, kh, kw, g * cg)
            gx = crop_image(col2im(dcols, self.xp_shape, self.strides, self.dilation), self.pads)
        if has_bias and need[2]:
            gb = g2.sum(axis=0)
        return gx, gw, gb


def _check_image(op: str, t: Tensor, what: str = "input") -> None:
    if t.ndim != 4:
        raise ValueError(
            f"{op}: expected a 4-D {what} (batch, height, width, channels), got shape {t.shape}"
        )


def conv2d_args(
    op: str, inputs: tuple[Tensor, ...], strides: Any, padding: Any, dilation: Any, groups: int
) -> tuple[tuple[int, int], tuple[int, int], Pads]:
    """conv2d's arguments checked against its (x, kernel[, bias]): (strides, dilation, pads)."""
    tx, tw = inputs[0], inputs[1]
    _check_image(op, tx)
    if tw.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D kernel (kh, kw, in, out), got shape {tw.shape}")
    strides, dilation = pair(strides, "strides", op), pair(dilation, "dilation", op)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive integer, got {groups!r}")
    c, (kh, kw, cg, o) = tx.shape[3], tw.shape
    if c % groups or o % groups or cg * groups != c:
        raise ValueError(
            f"{op}: input of shape {tx.shape} has {c} channels, and a kernel of shape "
            f"{tw.shape} with groups={groups} needs {cg * groups} (in / groups = {cg}, and "
            f"{o} output channels divisible by {groups})"
        )
    if len(inputs) == 3 and inputs[2].shape != (o,):
        raise ValueError(f"{op}: bias must have shape ({o},), got {inputs[2].shape}")
    pads = conv_padding(padding, tx.shape[1:3], (kh, kw), strides, dilation, op)
    check_window(op, tx.shape[1:3], (kh, kw), dilation, pads)
    return strides, dilation, pads


def conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: Any = "valid",
    dilation: Any = 1,
    groups: int = 1,
    fused_relu: bool = False,
) -> Tensor:
    """2-D cross-correlation of NHWC images with a (kh, kw, in / groups, out) kernel.

    Args:
        x: images (batch, height, width, in_channels).
        kernel: (kh, kw, in_channels / groups, out_channels), Keras' layout.
        bias: (out_channels,) or None.
        strides, dilation: an int or (vertical, horizontal) pair, positive.
        padding: "valid", "same" (Keras: extra row/column at the bottom/right) or
            ((top, bottom), (left, right)).
        groups: in_channels and out_channels are split into this many groups, each
            convolved with its own part of the kernel.
        fused_relu: apply max(., 0) to the result within the op (what Conv2D(...,
            activation="relu") does): one array and one pass fewer than relu(conv2d(...)).

    Returns:
        (batch, out_height, out_width, out_channels).

    >>> import tensorgrad as tg
    >>> tg.conv2d(tg.ones((1, 28, 28, 1)), tg.ones((3, 3, 1, 32)), strides=2, padding="same").shape
    (1, 14, 14, 32)
    """
    inputs = lift((x, kernel) if bias is None else (x, kernel, bias))
    strides, dilation, pads = conv2d_args("conv2d", inputs, strides, padding, dilation, groups)
    return Conv2D.apply(
        *inputs, pads=pads, strides=strides, dilation=dilation, groups=groups, relu=fused_relu
    )


def conv1d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: int = 1,
    padding: Any = "valid",
    dilation: int = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation of (batch, steps, channels) with a (k, in / groups, out) kernel.

    Computed as conv2d on images of height 1. `padding` is "valid", "same", "causal"
    (all of it on the left, so step t sees only steps <= t) or (left, right).
    """
    tx, tw = lift((x, kernel))
    if tx.ndim != 3 or tw.ndim != 3:
        raise ValueError(
            f"conv1d: expected an input (batch, steps, channels) and a kernel (k, in, out), "
            f"got shapes {tx.shape} and {tw.shape}"
        )
    stride, dil = pair(strides, "strides", "conv1d")[0], pair(dilation, "dilation", "conv1d")[0]
    k = tw.shape[0]
    if isinstance(padding, str) and padding.lower() == "causal":
        pads: Any = ((0, 0), (dil * (k - 1), 0))
    elif isinstance(padding, str):
        pads = ((0, 0), conv_padding(padding, (tx.shape[1],), (k,), (stride,), (dil,), "conv1d")[0])
    else:
        pads = ((0, 0), tuple(padding))
    image = shape_ops.expand_dims(tx, 1)
    out = conv2d(image, shape_ops.expand_dims(tw, 0), bias, (1, stride), pads, (1, dil), groups)
    return shape_ops.squeeze(out, 1)


def depthwise_conv2d(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: Any = "valid",
    dilation: Any = 1,
) -> Tensor:
    """Each input channel convolved with its own (kh, kw) filters: kernel (kh, kw, in, mult).

    Output channel c * mult + m is input channel c under filter m, as in Keras; the same
    as conv2d with groups = in on the kernel reshaped to (kh, kw, 1, in * mult).
    """
    tx, tw = lift((x, kernel))
    if tw.ndim != 4 or tx.ndim != 4 or tw.shape[2] != tx.shape[3]:
        raise ValueError(
            f"depthwise_conv2d: expected an input (batch, h, w, c) and a kernel (kh, kw, c, "
            f"multiplier) with the same c, got shapes {tx.shape} and {tw.shape}"
        )
    kh, kw, c, m = tw.shape
    flat = shape_ops.reshape(tw, (kh, kw, 1, c * m))
    return conv2d(tx, flat, bias, strides, padding, dilation, groups=c)


# ----- transposed convolution -----
def transpose_padding(
    size: int, kernel: int, stride: int, dilation: int, padding: str, output_padding: int | None
) -> tuple[int, int]:
    """(crop, length): where Keras' transposed-conv output starts in the full one, and its size.

    The full output of a transposed convolution has (n - 1) * s + d(k - 1) + 1 entries.
    Keras (`backend_utils.compute_conv_transpose_padding_args_for_jax`) pads the dilated
    input by left = k - 1 - crop and right on the other side; this turns that rule into a
    crop of the full output and a length (entries past the full output are zeros).
    """
    k = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        left, right = k - 1, k - 1 + extra
    else:
        pad_len = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, k - 1)
        right = pad_len - left
    length = (size - 1) * stride + 1 + left + right - k + 1
    return k - 1 - left, length


class Conv2DTranspose(Function):
    def __init__(self, crops, sizes, strides, dilation):
        self.crops, self.sizes, self.strides, self.dilation = crops, sizes, strides, dilation

    def _fit(self, full, shape):
        """Take the output window (crop, size) out of the full result, zeros past its end."""
        out = np.zeros(shape, dtype=full.dtype)
        (ct, cl), (oh, ow) = self.crops, self.sizes
        part = full[:, ct : ct + oh, cl : cl + ow]
        out[:, : part.shape[1], : part.shape[2]] = part
        return out

    def forward(self, x, w, b=None):
        kh, kw, f, c = w.shape
        n, h, wd, _ = x.shape
        full_shape = (
            n,
            (h - 1) * self.strides[0] + self.dilation[0] * (kh - 1) + 1,
            (wd - 1) * self.strides[1] + self.dilation[1] * (kw - 1) + 1,
            f,
        )
        x2 = x.reshape(-1, c)
        full = scatter_products(x2, w, full_shape, (h, wd), self.strides, self.dilation)
        out = self._fit(full, (n, *self.sizes, f))
        if b is not None:
            out += b
        self.x2, self.w, self.full_shape = x2, w, full_shape
        return out

    def backward(self, grad):
        need = self.needs_input_grad
        w = self.w
        kh, kw, f, c = w.shape
        n, h, wd = self.full_shape[0], *self._input_hw()
        # The adjoint of the crop: the gradient placed back into the full output's frame.
        full = np.zeros(self.full_shape, dtype=grad.dtype)
        (ct, cl), (oh, ow) = self.crops, self.sizes
        part = full[:, ct : ct + oh, cl : cl + ow]
        part[...] = grad[:, : part.shape[1], : part.shape[2]]
        cols = windows(full, (kh, kw), (h, wd), self.strides, self.dilation)
        cols = cols.reshape(n * h * wd, kh * kw * f)
        gx = (cols @ w.reshape(-1, c)).reshape(n, h, wd, c) if need[0] else None
        gw = (cols.T @ self.x2).reshape(w.shape) if need[1] else None
        gb = grad.sum(axis=(0, 1, 2)) if len(need) == 3 and need[2] else None
        return gx, gw, gb

    def _input_hw(self):
        (sh, sw), (dh, dw) = self.strides, self.dilation
        kh, kw = self.w.shape[:2]
        return (
            (self.full_shape[1] - dh * (kh - 1) - 1) // sh + 1,
            (self.full_shape[2] - dw * (kw - 1) - 1) // sw + 1,
        )


def conv2d_transpose(
    x: Any,
    kernel: Any,
    bias: Any = None,
    strides: Any = 1,
    padding: str = "valid",
    output_padding: Any = None,
    dilation: Any = 1,
) -> Tensor:
    """The transpose (adjoint) of conv2d: upsamples NHWC images with a (kh, kw, out, in) kernel.

    Output sizes follow Keras: "same" gives n * stride, "valid" (n - 1) * stride +
    max(k, stride); with `output_padding` p, (n - 1) * stride + k % 2 + p ("same") or
    (n - 1) * stride + k + p ("valid").

    >>> import tensorgrad as tg
    >>> tg.conv2d_transpose(tg.ones((1, 7, 7, 8)), tg.ones((3, 3, 4, 8)), strides=2).shape
    (1, 15, 15, 4)
    """
    inputs = lift((x, kernel) if bias is None else (x, kernel, bias))
    tx, tw = inputs[0], inputs[1]
    op = "conv2d_transpose"
    _check_image(op, tx)
    if tw.ndim != 4 or tw.shape[3] != tx.shape[3]:
        raise ValueError(
            f"{op}: expected a kernel (kh, kw, filters, in) with in = {tx.shape[3]} "
            f"(the input's channels), got shape {tw.shape}"
        )
    strides, dilation = pair(strides, "strides", op), pair(dilation, "dilation", op)
    mode = padding.lower() if isinstance(padding, str) else padding
    if mode not in ("valid", "same"):
        raise ValueError(f"{op}: padding must be 'valid' or 'same', got {padding!r}")
    extra = (
        (None, None)
        if output_padding is None
        else pair(output_padding, "output_padding", op, positive=False)
    )
    for p, s in zip(extra, strides):
        if p is not None and p >= s:
            raise ValueError(
                f"{op}: output_padding {output_padding!r} must be smaller than strides {strides}"
            )
    if bias is not None and inputs[2].shape != (tw.shape[2],):
        raise ValueError(f"{op}: bias must have shape ({tw.shape[2]},), got {inputs[2].shape}")
    found = [
        transpose_padding(n, k, s, d, mode, p)
        for n, k, s, d, p in zip(tx.shape[1:3], tw.shape[:2], strides, dilation, extra)
    ]
    crops = tuple(c for c, _ in found)
    sizes = tuple(length for _, length in found)
    return Conv2DTranspose.apply(
        *inputs, crops=crops, sizes=sizes, strides=strides, dilation=dilation
    )
