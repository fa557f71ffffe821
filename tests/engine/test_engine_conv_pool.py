"""conv2d_relu_max_pool2d: max_pool2d(relu(conv2d(...))) in one op, checked against PyTorch's
three ops in float64 (to 1e-9), against tensorgrad's own three ops in float32, by numerical
gradients, on ties (windows of equal values, as after a ReLU) and on its errors.
"""

from __future__ import annotations

import numpy as np
import pytest
from engine_testing import assert_close, rng_for, tg_grads, torch_grads

import tensorgrad as tg
from tensorgrad.engine.ops import conv

torch = pytest.importorskip("torch")
F = torch.nn.functional
TOL = {"rtol": 1e-9, "atol": 1e-9}


def nchw(x):
    return x.permute(0, 3, 1, 2)


def nhwc(x):
    return x.permute(0, 2, 3, 1)


def torch_block(x, k, b, strides, padding, dilation, pool):
    """PyTorch's max_pool2d(relu(conv2d)), with Keras' padding made explicit."""
    s, d = conv.pair(strides, "s", "t"), conv.pair(dilation, "d", "t")
    pads = conv.conv_padding(padding, x.shape[1:3], k.shape[:2], s, d, "t")
    (top, bottom), (left, right) = pads
    y = F.conv2d(F.pad(nchw(x), (left, right, top, bottom)), k.permute(3, 2, 0, 1), b, s, 0, d)
    return nhwc(F.max_pool2d(torch.relu(y), pool))


BLOCKS = [
    # (x shape, kernel shape, strides, padding, dilation, pool)
    ((2, 9, 9, 3), (3, 3, 3, 4), 1, "valid", 1, 2),  # conv 7x7: its last row and column unused
    ((2, 8, 8, 10), (3, 3, 10, 4), 1, "valid", 1, 2),  # >= 8 channels: the one-copy im2col
    ((2, 9, 8, 3), (3, 3, 3, 4), 2, "same", 1, 2),  # Keras' same with stride 2: pads (1,1), (0,1)
    ((2, 10, 11, 9), (3, 3, 9, 5), 1, "valid", 2, (2, 3)),  # dilation, a pool that is not square
    ((1, 11, 11, 2), (3, 2, 2, 3), (1, 2), "same", 1, 3),
    ((2, 6, 6, 2), (3, 3, 2, 3), 1, "valid", 1, 1),  # a 1x1 pool: relu(conv2d) itself
]


@pytest.mark.parametrize(("xs", "ks", "strides", "padding", "dilation", "pool"), BLOCKS)
@pytest.mark.parametrize("bias", [True, False])
def test_agrees_with_torch_conv_relu_max_pool(xs, ks, strides, padding, dilation, pool, bias):
    name = f"block{xs}{ks}{strides}{padding}{dilation}{pool}{bias}"
    rng = rng_for(name)
    arrays = [rng.standard_normal(xs), rng.standard_normal(ks)]
    if bias:
        arrays.append(rng.standard_normal(ks[3]))

    def ours(x, k, b=None):
        return tg.conv2d_relu_max_pool2d(x, k, b, strides, padding, dilation, pool)

    def ref(x, k, b=None):
        return torch_block(x, k, b, strides, padding, dilation, pool)

    out = ours(*[tg.tensor(a, dtype="float64") for a in arrays])
    weights = rng.standard_normal(out.shape)
    got, got_grads = tg_grads(ours, arrays, weights)
    want, want_grads = torch_grads(torch, ref, arrays, weights)
    assert_close(got, want, **TOL)
    for g, r in zip(got_grads, want_grads):
        assert_close(g, r, **TOL)


def test_ties_and_dead_windows_pass_the_gradient_as_the_three_ops_do():
    """Windows of equal values send their gradient to the first; windows the ReLU zeroes,
    none (here whole zero patches of the input make the conv output equal the bias)."""
    rng = rng_for("ties")
    x = rng.standard_normal((2, 10, 10, 3))
    x[0, :6, :6] = 0.0
    x[1, 4:, 4:] = 0.0
    for b in (np.array([0.5, -0.5, 0.0, 2.0]), None):
        k = rng.standard_normal((3, 3, 3, 4))
        arrays = [x, k] if b is None else [x, k, b]

        def ours(x, k, b=None):
            return tg.conv2d_relu_max_pool2d(x, k, b)

        def ref(x, k, b=None):
            return torch_block(x, k, b, 1, "valid", 1, 2)

        got, got_grads = tg_grads(ours, arrays)
        want, want_grads = torch_grads(torch, ref, arrays)
        assert_close(got, want, **TOL)
        for g, r in zip(got_grads, want_grads):
            assert_close(g, r, **TOL)


@pytest.mark.parametrize("channels", [1, 32])
def test_float32_matches_the_unfused_ops(channels):
    """The book's shapes: the same numbers as max_pool2d(conv2d(..., fused_relu=True))."""
    rng = rng_for(f"book{channels}")
    size = 28 if channels == 1 else 13
    x = rng.standard_normal((4, size, size, channels)).astype(np.float32)
    k = (rng.standard_normal((3, 3, channels, 8)) * 0.3).astype(np.float32)
    b = (rng.standard_normal(8) * 0.1).astype(np.float32)
    tensors = [tg.tensor(a, requires_grad=True) for a in (x, k, b)]
    fused = tg.conv2d_relu_max_pool2d(*tensors)
    g = rng.standard_normal(fused.shape).astype(np.float32)
    (fused * g).sum().backward()
    got = [fused.numpy()] + [t.grad for t in tensors]
    for t in tensors:
        t.grad = None
    plain = tg.max_pool2d(tg.conv2d(*tensors, fused_relu=True), 2)
    (plain * g).sum().backward()
    want = [plain.numpy()] + [t.grad for t in tensors]
    assert fused.dtype == "float32" and all(a.dtype == np.float32 for a in got)
    for a, e in zip(got, want):
        # float32 sums of hundreds of products, added in another order by another BLAS
        # kernel: equal to a few ulps of the largest entry.
        np.testing.assert_allclose(a, e, rtol=1e-5, atol=2e-6 * np.abs(e).max())


def test_numerical_gradients():
    rng = rng_for("gradcheck-block")
    shapes = [(1, 7, 6, 2), (3, 3, 2, 3), (3,)]
    # Values well apart: max-pool ties and ReLU kinks stay away from the finite differences.
    arrays = [
        rng.permutation(np.prod(s)).reshape(s) / np.prod(s) + 0.1 * rng.standard_normal(s)
        for s in shapes
    ]
    result = tg.check_grad(
        lambda x, k, b: tg.conv2d_relu_max_pool2d(x, k, b, padding="same"), *arrays
    )
    assert result.ok, str(result)


def test_inference_saves_nothing_and_gives_the_same_numbers():
    rng = rng_for("inference")
    x, k = rng.standard_normal((2, 9, 9, 3)), rng.standard_normal((3, 3, 3, 4))
    with tg.no_grad():
        out = tg.conv2d_relu_max_pool2d(x, k)
    assert out._ctx is None
    trained = tg.conv2d_relu_max_pool2d(tg.tensor(x, requires_grad=True), k)
    np.testing.assert_array_equal(out.numpy(), trained.numpy())


def test_errors_name_the_op():
    x = tg.ones((2, 5, 5, 3))
    op = "conv2d_relu_max_pool2d"
    with pytest.raises(ValueError, match=rf"{op}: expected a 4-D input .* got shape \(2, 5, 5\)"):
        tg.conv2d_relu_max_pool2d(tg.ones((2, 5, 5)), tg.ones((3, 3, 3, 4)))
    with pytest.raises(ValueError, match=rf"{op}: expected a kernel .* in = 3"):
        tg.conv2d_relu_max_pool2d(x, tg.ones((3, 3, 2, 4)))
    with pytest.raises(ValueError, match=r"bias must have shape \(4,\)"):
        tg.conv2d_relu_max_pool2d(x, tg.ones((3, 3, 3, 4)), tg.ones(3))
    with pytest.raises(ValueError, match=r"larger than the padded input height 5"):
        tg.conv2d_relu_max_pool2d(x, tg.ones((7, 3, 3, 4)))
    with pytest.raises(ValueError, match=r"the window \(4 with dilation 1, spanning 4\)"):
        tg.conv2d_relu_max_pool2d(x, tg.ones((3, 3, 3, 4)), pool_size=4)  # conv output 3x3
    with pytest.raises(ValueError, match=r"strides must be positive, got 0"):
        tg.conv2d_relu_max_pool2d(x, tg.ones((3, 3, 3, 4)), strides=0)
