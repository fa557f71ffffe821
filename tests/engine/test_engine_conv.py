"""Convolution, pooling, padding, upsampling, batch-norm and leaky-relu ops: forward and every
input gradient against PyTorch in float64 (to 1e-9), numerical gradients on small shapes,
Keras' 'same' padding rule, and the errors bad arguments get.

PyTorch works in NCHW with (out, in, kh, kw) kernels and symmetric padding; the references
below permute to that layout and pad explicitly, so Keras' asymmetric 'same' padding is
checked against numbers PyTorch computes.
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_testing import assert_close, rng_for, tg_grads, torch_grads

import tensorgrad as tg
from tensorgrad.engine.ops import conv, nn, normalization

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = {"rtol": 1e-9, "atol": 1e-9}


def agree(name, tg_fn, torch_fn, arrays):
    """Outputs and all input gradients of tg_fn and torch_fn agree in float64."""
    out = tg_fn(*[tg.tensor(a, dtype="float64") for a in arrays])
    weights = rng_for(name + "/w").standard_normal(out.shape)
    ours, our_grads = tg_grads(tg_fn, arrays, weights)
    ref, ref_grads = torch_grads(torch, torch_fn, arrays, weights)
    assert_close(ours, ref, **TOL)
    for g, r in zip(our_grads, ref_grads):
        assert_close(g, r, **TOL)


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def torch_pad(x, pads, value=0.0):
    (top, bottom), (left, right) = pads
    return F.pad(x, (left, right, top, bottom), value=value)


# ----- Keras' 'same' padding -----
@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation", "expected"),
    [
        (28, 3, 2, 1, (0, 1)),  # the VAE encoder's 28 -> 14: not PyTorch's padding=1
        (27, 3, 2, 1, (1, 1)),
        (14, 3, 2, 1, (0, 1)),
        (7, 3, 2, 1, (1, 1)),
        (28, 3, 1, 1, (1, 1)),
        (28, 2, 1, 1, (0, 1)),  # even kernel: the extra one at the end
        (28, 5, 1, 1, (2, 2)),
        (10, 3, 1, 2, (2, 2)),
        (10, 4, 3, 1, (1, 2)),
        (5, 1, 2, 1, (0, 0)),
    ],
)
def test_same_padding_puts_the_extra_row_at_the_bottom(size, kernel, stride, dilation, expected):
    assert conv.same_padding(size, kernel, stride, dilation) == expected

    assert conv.output_size(size, kernel, stride, dilation, expected) == -(-size // stride)


# ----- conv2d -----
CONV2D = [
    # (x shape, kernel shape, strides, padding, dilation, groups)
    ((2, 7, 8, 3), (3, 3, 3, 4), 1, "valid", 1, 1),
    ((2, 7, 8, 3), (3, 3, 3, 4), 1, "same", 1, 1),
    ((2, 8, 8, 3), (3, 3, 3, 4), 2, "same", 1, 1),  # even size, stride 2: pads (0, 1)
    ((2, 7, 7, 3), (3, 3, 3, 4), 2, "same", 1, 1),  # odd size, stride 2: pads (1, 1)
    ((2, 8, 7, 2), (2, 2, 2, 3), 1, "same", 1, 1),  # even kernel
    ((2, 9, 9, 2), (3, 2, 2, 3), (2, 3), "valid", 1, 1),
    ((2, 9, 10, 2), (3, 3, 2, 3), 1, "valid", 2, 1),  # dilation
    ((2, 9, 10, 2), (3, 3, 2, 3), 1, "same", (2, 3), 1),
    ((2, 6, 6, 4), (3, 3, 2, 6), 1, "same", 1, 2),  # groups
    ((2, 6, 6, 4), (3, 3, 1, 8), 2, "same", 1, 4),  # one channel per group
    ((2, 6, 7, 3), (3, 3, 3, 2), 1, ((1, 2), (0, 3)), 1, 1),  # explicit padding
    ((1, 5, 5, 1), (5, 5, 1, 1), 1, "valid", 1, 1),  # the kernel covers the image
    ((2, 6, 7, 9), (3, 3, 9, 4), 2, "same", 1, 1),  # 8+ channels: im2col by strided view
    ((2, 6, 6, 8), (3, 2, 8, 4), 1, "valid", (1, 2), 1),
]


@pytest.mark.parametrize(("xs", "ks", "strides", "padding", "dilation", "groups"), CONV2D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_agrees_with_torch(xs, ks, strides, padding, dilation, groups, bias):
    name = f"conv2d{xs}{ks}{strides}{padding}{dilation}{groups}{bias}"
    rng = rng_for(name)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ks)]
    if bias:
        arrays.append(rng.standard_normal(ks[3]))
    s, d = conv.pair(strides, "", ""), conv.pair(dilation, "", "")
    pads = conv.conv_padding(padding, xs[1:3], ks[:2], s, d, "")

    def ours(x, k, b=None):
        return tg.conv2d(x, k, b, strides, padding, dilation, groups)

    def ref(x, k, b=None):
        y = F.conv2d(
            torch_pad(nchw(x), pads), k.permute(3, 2, 0, 1), b, stride=s, dilation=d, groups=groups
        )
        return nhwc(y)

    agree(name, ours, ref, arrays)


@pytest.mark.parametrize("channels", [2, 9])
def test_conv2d_with_fused_relu_agrees_with_torch(channels):
    rng = rng_for(f"fused{channels}")
    arrays = [
        rng.standard_normal((2, 7, 6, channels)),
        rng.standard_normal((3, 3, channels, 4)),
        rng.standard_normal(4),
    ]

    def ours(x, k, b):
        return tg.conv2d(x, k, b, 2, "same", fused_relu=True)

    def ref(x, k, b):
        pads = (0, 1, 1, 1)  # 'same' for kernel 3, stride 2: width 6 -> (0, 1), height 7 -> (1, 1)
        return nhwc(torch.relu(F.conv2d(F.pad(nchw(x), pads), k.permute(3, 2, 0, 1), b, stride=2)))

    agree(f"fused{channels}", ours, ref, arrays)


def test_conv2d_same_stride_2_differs_from_torch_symmetric_padding():
    rng = rng_for("asym")
    x, k = rng.standard_normal((1, 28, 28, 1)), rng.standard_normal((3, 3, 1, 2))
    ours = tg.conv2d(tg.tensor(x, dtype="float64"), k, strides=2, padding="same").numpy()
    theirs = nhwc(
        F.conv2d(nchw(torch.tensor(x)), torch.tensor(k).permute(3, 2, 0, 1), stride=2, padding=1)
    ).numpy()
    assert ours.shape == theirs.shape == (1, 14, 14, 2)
    assert not np.allclose(ours, theirs)


def test_conv1d_agrees_with_torch_including_causal_padding():
    rng = rng_for("conv1d")
    x, k, b = rng.standard_normal((2, 9, 3)), rng.standard_normal((3, 3, 4)), rng.standard_normal(4)
    for padding, stride, dilation, pads in [
        ("valid", 1, 1, (0, 0)),
        ("same", 2, 1, conv.same_padding(9, 3, 2)),
        ("causal", 1, 2, (4, 0)),
    ]:

        def ours(x, k, b, padding=padding, stride=stride, dilation=dilation):
            return tg.conv1d(x, k, b, stride, padding, dilation)

        def ref(x, k, b, pads=pads, stride=stride, dilation=dilation):
            y = F.conv1d(
                F.pad(x.permute(0, 2, 1), pads), k.permute(2, 1, 0), b, stride, 0, dilation
            )
            return y.permute(0, 2, 1)

        agree(f"conv1d{padding}", ours, ref, [x, k, b])


@pytest.mark.parametrize(("strides", "padding", "multiplier"), [(1, "valid", 1), (2, "same", 2)])
def test_depthwise_conv2d_agrees_with_torch(strides, padding, multiplier):
    rng = rng_for(f"dw{strides}{padding}{multiplier}")
    x, k = rng.standard_normal((2, 7, 6, 3)), rng.standard_normal((3, 3, 3, multiplier))
    b = rng.standard_normal(3 * multiplier)
    s = conv.pair(strides, "", "")
    pads = conv.conv_padding(padding, (7, 6), (3, 3), s, (1, 1), "")

    def ours(x, k, b):
        return tg.depthwise_conv2d(x, k, b, strides, padding)

    def ref(x, k, b):
        # Keras' (kh, kw, c, m) -> torch's (c * m, 1, kh, kw): output channel c * m + j.
        w = k.reshape(3, 3, 1, -1).permute(3, 2, 0, 1)
        return nhwc(F.conv2d(torch_pad(nchw(x), pads), w, b, stride=s, groups=3))

    agree(f"dw{strides}{padding}{multiplier}", ours, ref, [x, k, b])


TRANSPOSE = [
    # (x shape, kernel (kh, kw, filters, in), strides, padding, output_padding, dilation)
    ((2, 4, 5, 3), (3, 3, 2, 3), 2, "valid", None, 1),
    ((2, 4, 5, 3), (3, 3, 2, 3), 2, "same", None, 1),
    ((2, 4, 4, 3), (2, 2, 2, 3), 2, "valid", None, 1),
    ((2, 3, 3, 2), (2, 2, 2, 2), 3, "valid", None, 1),  # stride > kernel: zero columns
    ((2, 4, 4, 2), (3, 3, 2, 2), 2, "same", 1, 1),
    ((2, 4, 4, 2), (3, 3, 2, 2), 2, "valid", 1, 1),
    ((2, 5, 4, 2), (3, 3, 3, 2), 1, "same", None, 2),
    ((2, 4, 4, 2), (4, 3, 2, 2), (2, 1), "same", None, 1),
]


@pytest.mark.parametrize(("xs", "ks", "strides", "padding", "out_pad", "dilation"), TRANSPOSE)
def test_conv2d_transpose_agrees_with_torch(xs, ks, strides, padding, out_pad, dilation):
    name = f"convT{xs}{ks}{strides}{padding}{out_pad}{dilation}"
    rng = rng_for(name)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ks), rng.standard_normal(ks[2])]
    s, d = conv.pair(strides, "", ""), conv.pair(dilation, "", "")
    ops = (None, None) if out_pad is None else conv.pair(out_pad, "", "", positive=False)
    found = [
        conv.transpose_padding(n, k, st, dl, padding, p)
        for n, k, st, dl, p in zip(xs[1:3], ks[:2], s, d, ops)
    ]

    def ours(x, k, b):
        return tg.conv2d_transpose(x, k, b, strides, padding, out_pad, dilation)

    def ref(x, k, b):
        full = F.conv_transpose2d(nchw(x), k.permute(3, 2, 0, 1), b, stride=s, dilation=d)
        (ch, lh), (cw, lw) = found
        # Keras' window of the full output; columns past its end are the bias alone.
        extra = (0, max(cw + lw - full.shape[3], 0), 0, max(ch + lh - full.shape[2], 0))
        padded = F.pad(full - b[None, :, None, None], extra) + b[None, :, None, None]
        return nhwc(padded[:, :, ch : ch + lh, cw : cw + lw])

    agree(name, ours, ref, arrays)


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    # <conv2d(x, k), y> == <x, conv2d_transpose(y, k)> for the same kernel and padding.
    rng = rng_for("adjoint")
    x, k = rng.standard_normal((2, 8, 8, 3)), rng.standard_normal((3, 3, 3, 5))
    y = conv.conv2d(tg.tensor(x, dtype="float64"), k, strides=2, padding="same").numpy()
    r = rng.standard_normal(y.shape)
    back = tg.conv2d_transpose(tg.tensor(r, dtype="float64"), k, strides=2, padding="same")
    assert back.shape == x.shape
    np.testing.assert_allclose((y * r).sum(), (x * back.numpy()).sum(), rtol=1e-12)


# ----- pooling -----
POOL = [
    # (x shape, pool, strides, padding)
    ((2, 11, 11, 3), 2, None, "valid"),  # 11 -> 5: the last row and column are dropped
    ((2, 8, 8, 3), 2, None, "valid"),
    ((2, 15, 15, 2), 3, 2, "same"),  # 15 -> 8
    ((2, 8, 7, 2), 3, 1, "same"),
    ((2, 7, 9, 2), (2, 3), (1, 2), "valid"),  # overlapping windows
    ((2, 5, 5, 2), 2, 2, "same"),
    ((2, 10, 9, 2), 3, None, "same"),  # tiled 3x3 windows: offsets 0-8 in the winner index
    ((2, 9, 9, 2), 2, 3, "valid"),  # gaps between the windows
]


@pytest.mark.parametrize(("xs", "pool", "strides", "padding"), POOL)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_agrees_with_torch(xs, pool, strides, padding, kind):
    name = f"pool{kind}{xs}{pool}{strides}{padding}"
    p = conv.pair(pool, "", "")
    s = p if strides is None else conv.pair(strides, "", "")
    pads = conv.conv_padding(padding, xs[1:3], p, s, (1, 1), "")
    fn = tg.max_pool2d if kind == "max" else tg.avg_pool2d

    def ours(x):
        return fn(x, pool, strides, padding)

    def ref(x):
        if kind == "max":
            return nhwc(F.max_pool2d(torch_pad(nchw(x), pads, -np.inf), p, s))
        total = F.avg_pool2d(torch_pad(nchw(x), pads), p, s)
        count = F.avg_pool2d(torch_pad(torch.ones_like(nchw(x)), pads), p, s)
        return nhwc(total / count)  # Keras: padded cells are not counted

    agree(name, ours, ref, [rng_for(name).standard_normal(xs)])


def test_max_pool_sends_a_tied_gradient_to_the_first_maximum_as_torch():
    x = np.maximum(rng_for("ties").standard_normal((2, 6, 6, 3)), 0)
    x[0, :2, :2, :] = 0.0  # a window of zeros, as after a relu
    x[1, 2:4, 2:4, 1] = 1.5
    agree("ties", lambda t: tg.max_pool2d(t, 2), lambda t: nhwc(F.max_pool2d(nchw(t), 2)), [x])
    agree("ties3x3", lambda t: tg.max_pool2d(t, 3), lambda t: nhwc(F.max_pool2d(nchw(t), 3)), [x])
    agree(
        "ties3",
        lambda t: tg.max_pool2d(t, 3, 1, "same"),
        lambda t: nhwc(F.max_pool2d(F.pad(nchw(t), (1, 1, 1, 1), value=-np.inf), 3, 1)),
        [x],
    )


def test_avg_pool_same_divides_by_the_real_cells_only():
    out = tg.avg_pool2d(tg.ones((1, 3, 3, 1)), 2, 1, "same").numpy()
    np.testing.assert_array_equal(out, np.ones((1, 3, 3, 1)))


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize(("pool", "strides", "padding"), [(2, None, "valid"), (3, 2, "same")])
def test_pool1d_agrees_with_torch(kind, pool, strides, padding):
    name = f"pool1d{kind}{pool}{strides}{padding}"
    x = rng_for(name).standard_normal((2, 9, 3))
    s = pool if strides is None else strides
    pads = conv.conv_padding(padding, (9,), (pool,), (s,), (1,), "")[0]
    fn = tg.max_pool1d if kind == "max" else tg.avg_pool1d

    def ref(t):
        c = t.permute(0, 2, 1)
        if kind == "max":
            return F.max_pool1d(F.pad(c, pads, value=-np.inf), pool, s).permute(0, 2, 1)
        total = F.avg_pool1d(F.pad(c, pads), pool, s)
        return (total / F.avg_pool1d(F.pad(torch.ones_like(c), pads), pool, s)).permute(0, 2, 1)

    agree(name, lambda t: fn(t, pool, strides, padding), ref, [x])


# ----- padding and upsampling -----
def test_zero_pad2d_and_upsample2d_agree_with_torch():
    x = rng_for("pad").standard_normal((2, 3, 4, 2))
    agree(
        "pad",
        lambda t: tg.zero_pad2d(t, ((1, 2), (0, 3))),
        lambda t: nhwc(F.pad(nchw(t), (0, 3, 1, 2))),
        [x],
    )
    agree(
        "up",
        lambda t: tg.upsample2d(t, (2, 3)),
        lambda t: nhwc(F.interpolate(nchw(t), scale_factor=(2, 3), mode="nearest")),
        [x],
    )


# ----- batch normalisation -----
@pytest.mark.parametrize("shape", [(6, 4), (3, 4, 5, 4)])
def test_batch_norm_training_pass_agrees_with_torch(shape):
    rng = rng_for(f"bn{shape}")
    x, gamma, beta = (
        rng.standard_normal(shape) * 3 + 1,
        rng.standard_normal(4),
        rng.standard_normal(4),
    )

    def ours(x, g, b):
        return normalization.batch_norm_train(x, g, b, -1, 1e-3)[0]

    def ref(x, g, b):
        moved = x.movedim(-1, 1)
        y = F.batch_norm(moved, None, None, g, b, training=True, eps=1e-3)
        return y.movedim(1, -1)

    agree(f"bn{shape}", ours, ref, [x, gamma, beta])
    _, mean, var = normalization.batch_norm_train(tg.tensor(x, dtype="float64"), gamma, beta)
    axes = tuple(range(len(shape) - 1))
    np.testing.assert_allclose(mean, x.mean(axis=axes), rtol=1e-12)
    np.testing.assert_allclose(var, x.var(axis=axes), rtol=1e-12)  # biased, as Keras


def test_batch_norm_inference_pass_agrees_with_torch():
    rng = rng_for("bn-inf")
    x = rng.standard_normal((3, 4, 5, 4))
    gamma, beta, mean = rng.standard_normal(4), rng.standard_normal(4), rng.standard_normal(4)
    var = rng.uniform(0.5, 2, 4)

    def ours(x, g, b):
        return normalization.batch_norm(x, g, b, mean, var, -1, 1e-3)

    def ref(x, g, b):
        y = F.batch_norm(
            x.movedim(-1, 1), torch.tensor(mean), torch.tensor(var), g, b, training=False, eps=1e-3
        )
        return y.movedim(1, -1)

    agree("bn-inf", ours, ref, [x, gamma, beta])


def test_batch_norm_on_another_axis_agrees_with_torch():
    rng = rng_for("bn-axis1")
    x, gamma, beta = rng.standard_normal((5, 3, 4)), rng.standard_normal(3), rng.standard_normal(3)
    agree(
        "bn-axis1",
        lambda x, g, b: normalization.batch_norm_train(x, g, b, 1)[0],
        lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=1e-3),
        [x, gamma, beta],
    )


def test_leaky_relu_agrees_with_torch():
    x = rng_for("leaky").standard_normal((4, 5))
    agree("leaky", lambda t: nn.leaky_relu(t, 0.3), lambda t: F.leaky_relu(t, 0.3), [x])


# ----- numerical gradients on small shapes -----
GRADCHECK = [
    ("conv2d", lambda x, k, b: tg.conv2d(x, k, b, 2, "same"), [(1, 5, 4, 2), (3, 3, 2, 3), (3,)]),
    (
        "conv2d_groups",
        lambda x, k: tg.conv2d(x, k, dilation=2, groups=2),
        [(1, 5, 5, 2), (2, 2, 1, 2)],
    ),
    ("conv1d", lambda x, k: tg.conv1d(x, k, padding="causal"), [(2, 5, 2), (2, 2, 3)]),
    (
        "depthwise",
        lambda x, k: tg.depthwise_conv2d(x, k, padding="same"),
        [(1, 4, 4, 2), (3, 3, 2, 2)],
    ),
    (
        "transpose",
        lambda x, k: tg.conv2d_transpose(x, k, strides=2, padding="same"),
        [(1, 3, 3, 2), (3, 3, 2, 2)],
    ),
    ("max_pool", lambda x: tg.max_pool2d(x, 3, 2, "same"), [(1, 5, 5, 2)]),
    ("avg_pool", lambda x: tg.avg_pool2d(x, 3, 2, "same"), [(1, 5, 5, 2)]),
    ("zero_pad", lambda x: tg.zero_pad2d(x, ((1, 0), (2, 1))), [(1, 2, 3, 2)]),
    ("upsample", lambda x: tg.upsample2d(x, 2), [(1, 2, 3, 2)]),
    (
        "batch_norm",
        lambda x, g, b: normalization.batch_norm_train(x, g, b)[0],
        [(4, 3), (3,), (3,)],
    ),
    ("leaky_relu", lambda x: nn.leaky_relu(x, 0.3), [(3, 4)]),
]


@pytest.mark.parametrize(("name", "fn", "shapes"), GRADCHECK, ids=[g[0] for g in GRADCHECK])
def test_numerical_gradients(name, fn, shapes):
    rng = rng_for("gradcheck" + name)
    # Values well apart from each other: max-pool ties and relu-like kinks stay away.
    arrays = [
        rng.permutation(np.prod(s)).reshape(s) / np.prod(s) + 0.1 * rng.standard_normal(s)
        for s in shapes
    ]
    result = tg.check_grad(fn, *arrays)
    assert result.ok, str(result)


# ----- errors -----
def test_errors_name_the_op_and_the_fix():
    x = tg.ones((2, 5, 5, 3))
    with pytest.raises(ValueError, match=r"conv2d: expected a 4-D input .* got shape \(2, 5, 5\)"):
        tg.conv2d(tg.ones((2, 5, 5)), tg.ones((3, 3, 3, 4)))
    with pytest.raises(ValueError, match=r"larger than the padded input height 5"):
        tg.conv2d(x, tg.ones((7, 3, 3, 4)))
    assert tg.conv2d(x, tg.ones((7, 3, 3, 4)), padding="same").shape == (2, 5, 5, 4)
    with pytest.raises(ValueError, match=r"strides must be positive, got 0"):
        tg.conv2d(x, tg.ones((3, 3, 3, 4)), strides=0)
    with pytest.raises(ValueError, match=r"strides must be positive, got \(1, -2\)"):
        tg.max_pool2d(x, 2, (1, -2))
    with pytest.raises(ValueError, match=r"has 3 channels, and a kernel of shape"):
        tg.conv2d(x, tg.ones((3, 3, 2, 4)))
    with pytest.raises(ValueError, match=r"padding must be 'valid' or 'same', got 'full'"):
        tg.conv2d(x, tg.ones((3, 3, 3, 4)), padding="full")
    with pytest.raises(ValueError, match=r"max_pool2d: the window .* is larger than"):
        tg.max_pool2d(x, 6)
    with pytest.raises(ValueError, match=r"output_padding .* must be smaller than strides"):
        tg.conv2d_transpose(x, tg.ones((3, 3, 2, 3)), strides=2, output_padding=2)


def test_ops_keep_float32():
    x = tg.ones((2, 6, 6, 3))
    for out in [
        tg.conv2d(x, tg.ones((3, 3, 3, 4)), tg.zeros(4), 2, "same"),
        tg.conv2d_transpose(x, tg.ones((3, 3, 2, 3)), strides=2),
        tg.max_pool2d(x),
        tg.avg_pool2d(x, 2, 1, "same"),
        tg.upsample2d(x),
    ]:
        assert out.dtype == np.float32
