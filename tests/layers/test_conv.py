"""Convolution, pooling and reshaping layers: Keras' outputs given the same weights, Keras'
output shapes and parameter counts, gradients against PyTorch, configs, and the errors.

Keras runs on its torch backend; each layer is built in both libraries, Keras' weights
are copied into tensorgrad's, and the outputs must agree (float32, 1e-5).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(0)
# Keras' Variable.numpy() under NumPy 2 warns about its own __array__; not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def keras_agrees(ours, theirs, shape, training=False, atol=1e-5):
    """Same weights (Keras', biases randomised) give the same output, and the same shape."""
    x = RNG.standard_normal(shape).astype(np.float32)
    theirs(x)  # builds
    weights = [RNG.standard_normal(w.shape).astype(np.float32) * 0.5 for w in theirs.get_weights()]
    if isinstance(theirs, keras.layers.BatchNormalization):
        weights[-1] = np.abs(weights[-1]) + 0.5  # a variance
    theirs.set_weights(weights)
    expected = keras.ops.convert_to_numpy(theirs(x, training=training))
    ours.build((None, *shape[1:]))
    ours.set_weights(weights)
    got = ours(x, training=training).numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=atol)
    assert ours.compute_output_shape((None, *shape[1:])) == tuple(
        theirs.compute_output_shape((None, *shape[1:]))
    )
    assert ours.count_params() == theirs.count_params()


KERAS_LAYERS = [
    # (name, tensorgrad layer, Keras layer, input shape)
    ("conv2d", lambda m: m.Conv2D(4, 3), (2, 9, 8, 3)),
    ("conv2d_same_s2_even", lambda m: m.Conv2D(4, 3, strides=2, padding="same"), (2, 28, 28, 1)),
    ("conv2d_same_s2_odd", lambda m: m.Conv2D(4, 3, strides=2, padding="same"), (2, 7, 9, 2)),
    (
        "conv2d_even_kernel",
        lambda m: m.Conv2D(3, 2, padding="same", activation="relu"),
        (2, 6, 5, 2),
    ),
    ("conv2d_dilation", lambda m: m.Conv2D(3, 3, dilation_rate=2, padding="same"), (2, 9, 9, 2)),
    ("conv2d_groups", lambda m: m.Conv2D(6, 3, groups=2, use_bias=False), (2, 6, 6, 4)),
    ("conv1d", lambda m: m.Conv1D(4, 3, strides=2, padding="same"), (2, 11, 3)),
    ("conv1d_causal", lambda m: m.Conv1D(4, 3, padding="causal", dilation_rate=2), (2, 11, 3)),
    (
        "conv2d_transpose_same",
        lambda m: m.Conv2DTranspose(3, 3, strides=2, padding="same"),
        (2, 7, 7, 4),
    ),
    ("conv2d_transpose_valid", lambda m: m.Conv2DTranspose(3, 3, strides=2), (2, 7, 6, 4)),
    (
        "conv2d_transpose_out_pad",
        lambda m: m.Conv2DTranspose(3, 3, strides=2, output_padding=1),
        (2, 5, 5, 2),
    ),
    (
        "separable",
        lambda m: m.SeparableConv2D(5, 3, depth_multiplier=2, padding="same"),
        (2, 8, 8, 3),
    ),
    ("depthwise", lambda m: m.DepthwiseConv2D(3, strides=2, depth_multiplier=2), (2, 9, 9, 3)),
    ("max_pool", lambda m: m.MaxPooling2D(), (2, 11, 11, 3)),
    ("max_pool_same", lambda m: m.MaxPooling2D(3, strides=2, padding="same"), (2, 15, 15, 2)),
    ("avg_pool_same", lambda m: m.AveragePooling2D(3, strides=1, padding="same"), (2, 6, 7, 2)),
    ("max_pool1d", lambda m: m.MaxPooling1D(), (2, 11, 3)),
    ("avg_pool1d", lambda m: m.AveragePooling1D(3, padding="same"), (2, 10, 3)),
    ("global_avg2d", lambda m: m.GlobalAveragePooling2D(), (2, 5, 4, 3)),
    ("global_max2d", lambda m: m.GlobalMaxPooling2D(keepdims=True), (2, 5, 4, 3)),
    ("global_avg1d", lambda m: m.GlobalAveragePooling1D(), (2, 5, 3)),
    ("global_max1d", lambda m: m.GlobalMaxPooling1D(), (2, 5, 3)),
    ("zero_padding", lambda m: m.ZeroPadding2D(((1, 2), (0, 3))), (2, 4, 5, 3)),
    ("zero_padding_int", lambda m: m.ZeroPadding2D(2), (2, 4, 5, 3)),
    ("upsampling", lambda m: m.UpSampling2D((2, 3)), (2, 4, 5, 3)),
    ("reshape", lambda m: m.Reshape((-1, 4)), (2, 6, 2)),
    ("leaky_relu", lambda m: m.LeakyReLU(), (2, 6, 2)),
    ("batch_norm", lambda m: m.BatchNormalization(), (4, 5, 5, 3)),
]


@pytest.mark.parametrize(("name", "make", "shape"), KERAS_LAYERS, ids=[c[0] for c in KERAS_LAYERS])
def test_layer_matches_keras(name, make, shape):
    keras_agrees(make(layers), make(keras.layers), shape)


def test_batch_norm_training_output_matches_keras():
    keras_agrees(
        layers.BatchNormalization(), keras.layers.BatchNormalization(), (8, 3, 3, 4), training=True
    )


def test_flatten_after_conv_flattens_height_width_channels_like_keras():
    def build(m):
        return [m.Conv2D(3, 3, activation="relu"), m.Flatten(), m.Dense(5, activation="softmax")]

    x = RNG.random((4, 6, 6, 2)).astype(np.float32)
    theirs = keras.Sequential([keras.Input((6, 6, 2)), *build(keras.layers)])
    ours = models.Sequential(build(layers))
    ours.build((None, 6, 6, 2))
    ours.set_weights(theirs.get_weights())
    expected = keras.ops.convert_to_numpy(theirs(x))
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    # and against the explicit (H, W, C) order
    conv_out = ours.layers[0](x).numpy()
    np.testing.assert_array_equal(ours.layers[1](conv_out).numpy(), conv_out.reshape(4, -1))


# ----- gradients of layer weights against PyTorch, float64 -----
@pytest.mark.parametrize("size", [8, 7])
def test_conv2d_layer_gradients_agree_with_torch(size):
    layer = layers.Conv2D(4, 3, strides=2, padding="same", activation="relu", dtype="float64")
    x = RNG.standard_normal((2, size, size, 3))
    layer.build(x.shape)
    out = layer(tg.tensor(x, dtype="float64", requires_grad=True))
    weights = RNG.standard_normal(out.shape)
    (out * weights).sum().backward()

    xt = torch.tensor(x, requires_grad=True)
    kt = torch.tensor(layer.kernel.data, requires_grad=True)
    bt = torch.tensor(layer.bias.data, requires_grad=True)
    # Keras 'same', stride 2, kernel 3: padding (0, 1) on even sizes, (1, 1) on odd ones.
    top, bottom = (0, 1) if size % 2 == 0 else (1, 1)
    xp = F.pad(xt.permute(0, 3, 1, 2), (top, bottom, top, bottom))
    yt = torch.relu(F.conv2d(xp, kt.permute(3, 2, 0, 1), bt, stride=2)).permute(0, 2, 3, 1)
    (yt * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.numpy(), yt.detach().numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(layer.kernel.grad, kt.grad.numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(layer.bias.grad, bt.grad.numpy(), rtol=1e-9, atol=1e-9)


def test_separable_and_transpose_layer_gradients_agree_with_torch():
    x = RNG.standard_normal((2, 5, 5, 3))
    sep = layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, dtype="float64")
    tr = layers.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64")
    sep.build(x.shape)
    tr.build((None, 5, 5, 4))
    out = tr(sep(tg.tensor(x, dtype="float64")))
    weights = RNG.standard_normal(out.shape)
    (out * weights).sum().backward()

    dk, pk, sb = (torch.tensor(w.data, requires_grad=True) for w in sep.weights)
    tk, tb = (torch.tensor(w.data, requires_grad=True) for w in tr.weights)
    h = F.conv2d(
        F.pad(torch.tensor(x).permute(0, 3, 1, 2), (1, 1, 1, 1)),
        dk.reshape(3, 3, 1, 6).permute(3, 2, 0, 1),
        groups=3,
    )
    h = F.conv2d(h, pk.permute(3, 2, 0, 1), sb)
    # Keras 'same', stride 2, kernel 3 on 5: the full 11 x 11 output without its last row/col
    y = F.conv_transpose2d(h, tk.permute(3, 2, 0, 1), tb, stride=2)[:, :, :10, :10]
    (y.permute(0, 2, 3, 1) * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.numpy(), y.permute(0, 2, 3, 1).detach().numpy(), atol=1e-9)
    for ours, theirs in zip(sep.weights + tr.weights, (dk, pk, sb, tk, tb)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), rtol=1e-9, atol=1e-9)


# ----- shapes, parameters, summary -----
def book_convnet():
    return models.Sequential(
        [
            layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )


def test_summary_of_the_book_convnet(capsys):
    layers.base.clear_session()
    model = book_convnet()
    model.summary()
    out = capsys.readouterr().out
    for row in [
        "conv2d (Conv2D)              (None, 26, 26, 32)        320",
        "conv2d_1 (Conv2D)            (None, 11, 11, 64)        18496",
        "(None, 5, 5, 64)          0",
        "conv2d_2 (Conv2D)            (None, 3, 3, 64)          36928",
        "flatten (Flatten)            (None, 576)               0",
        "Total params: 93,322",
    ]:
        assert row in out
    assert sum(layer.count_params() for layer in model.layers[:5]) == 55744  # the conv base
    assert (
        sum(layer.count_params() for layer in model.layers if layer.name.startswith("conv"))
        == 55744
    )


@pytest.mark.parametrize(
    ("make", "shape"),
    [
        (lambda m: m.Conv2D(8, 3, strides=2, padding="same"), (None, None, None, 3)),
        (lambda m: m.Conv2D(8, (3, 5), strides=(2, 1), dilation_rate=1), (None, 15, None, 3)),
        (lambda m: m.Conv1D(8, 5, dilation_rate=2), (None, 20, 3)),
        (lambda m: m.Conv2DTranspose(8, 4, strides=2, padding="same"), (None, 7, 9, 3)),
        (lambda m: m.Conv2DTranspose(8, 3, strides=3), (None, 7, None, 3)),
        (lambda m: m.MaxPooling2D(3, 2, padding="same"), (None, 15, 16, 3)),
        (lambda m: m.AveragePooling1D(4), (None, 15, 3)),
        (lambda m: m.UpSampling2D(3), (None, 4, None, 3)),
        (lambda m: m.Reshape((4, -1)), (None, 6, 2)),
        (lambda m: m.GlobalAveragePooling1D(keepdims=True), (None, 6, 2)),
    ],
)
def test_compute_output_shape_matches_keras(make, shape):
    assert make(layers).compute_output_shape(shape) == tuple(
        make(keras.layers).compute_output_shape(shape)
    )


def test_keras_defaults():
    conv = layers.Conv2D(8, 3)
    assert (conv.strides, conv.padding, conv.dilation_rate, conv.groups) == (
        (1, 1),
        "valid",
        (1, 1),
        1,
    )
    pool = layers.MaxPooling2D()
    assert (pool.pool_size, pool.strides, pool.padding) == ((2, 2), (2, 2), "valid")
    assert layers.LeakyReLU().negative_slope == 0.3
    with pytest.warns(DeprecationWarning, match="alpha"):
        assert layers.LeakyReLU(alpha=0.1).negative_slope == 0.1
    assert layers.ZeroPadding2D().padding == ((1, 1), (1, 1))
    assert layers.UpSampling2D().size == (2, 2)


ALL_LAYERS = [
    layers.Conv2D(4, 3, strides=2, padding="same", dilation_rate=1, activation="relu"),
    layers.Conv1D(4, 3, padding="causal", groups=1),
    layers.Conv2DTranspose(4, 3, strides=2, output_padding=1),
    layers.SeparableConv2D(4, 3, depth_multiplier=2),
    layers.DepthwiseConv2D(3, depth_multiplier=3, use_bias=False),
    layers.MaxPooling2D(3, 2, "same"),
    layers.AveragePooling2D(2),
    layers.MaxPooling1D(),
    layers.AveragePooling1D(3, 1, "same"),
    layers.GlobalAveragePooling2D(keepdims=True),
    layers.GlobalMaxPooling2D(),
    layers.GlobalMaxPooling1D(),
    layers.GlobalAveragePooling1D(),
    layers.Reshape((-1, 2)),
    layers.ZeroPadding2D(((1, 2), (3, 4))),
    layers.UpSampling2D((2, 1)),
    layers.BatchNormalization(axis=1, momentum=0.9, epsilon=1e-5, center=False),
    layers.LeakyReLU(0.1),
]


@pytest.mark.parametrize("layer", ALL_LAYERS, ids=lambda layer: type(layer).__name__)
def test_config_round_trip(layer):
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == config
    clone = layers.deserialize(layers.serialize(layer))
    assert type(clone) is type(layer) and clone.get_config() == config


# ----- errors -----
def test_a_batch_of_images_without_channel_axis_gets_the_reshape_fix():
    x = np.zeros((60, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"x = x.reshape\(\(len\(x\), 28, 28, 1\)\)"):
        layers.Conv2D(8, 3)(x)
    model = book_convnet()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    with pytest.raises(ValueError, match=r"x = x.reshape\(\(60, 28, 28, 1\)\)"):
        model.predict(x, verbose=0)


def test_channels_first_is_refused_with_the_transpose_fix():
    for make in (
        lambda: layers.Conv2D(8, 3, data_format="channels_first"),
        lambda: layers.MaxPooling2D(data_format="channels_first"),
        lambda: layers.UpSampling2D(data_format="channels_first"),
    ):
        with pytest.raises(ValueError, match=r"channels_first.*x.transpose\(0, 2, 3, 1\)"):
            make()
    # channels_first data given to a channels_last layer: the kernel cannot fit its height 1
    with pytest.raises(ValueError, match=r"channels_first images .* x.transpose\(0, 2, 3, 1\)"):
        layers.Conv2D(8, 3)(np.zeros((4, 1, 28, 28), np.float32))


def test_kernel_larger_than_input_and_bad_strides():
    with pytest.raises(ValueError, match=r"kernel \(5, 5\) .* is larger than the input \(4, 4\)"):
        layers.Conv2D(8, 5)(np.zeros((2, 4, 4, 3), np.float32))
    assert layers.Conv2D(8, 5, padding="same")(np.zeros((2, 4, 4, 3), np.float32)).shape == (
        2,
        4,
        4,
        8,
    )
    with pytest.raises(ValueError, match=r"pool_size \(3, 3\) is larger than the input"):
        layers.MaxPooling2D(3)(np.zeros((2, 2, 2, 3), np.float32))
    for bad in (0, -1, (1, 0)):
        with pytest.raises(ValueError, match=r"Conv2D: strides must be positive"):
            layers.Conv2D(8, 3, strides=bad)
        with pytest.raises(ValueError, match=r"MaxPooling2D: strides must be positive"):
            layers.MaxPooling2D(2, strides=bad)
    with pytest.raises(ValueError, match=r"Conv2D: kernel_size must be positive"):
        layers.Conv2D(8, 0)
    with pytest.raises(ValueError, match=r"filters must be a positive integer"):
        layers.Conv2D(0, 3)
    with pytest.raises(ValueError, match=r"padding must be one of"):
        layers.Conv2D(8, 3, padding="causal")
    with pytest.raises(ValueError, match=r"filters \(6\) must be divisible by groups \(4\)"):
        layers.Conv2D(6, 3, groups=4)
    with pytest.raises(ValueError, match=r"cannot reshape samples of shape \(6, 2\)"):
        layers.Reshape((5, -1))(np.zeros((2, 6, 2), np.float32))
    with pytest.raises(ValueError, match=r"only interpolation='nearest'"):
        layers.UpSampling2D(interpolation="bilinear")
