"""Preprocessing layers: Keras' outputs (deterministic settings compared with Keras itself),
identity at inference, output statistics in training, repeatability under one seed,
shapes, configs, gradients, and argument errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, utils
from tensorgrad.models.sequential import Sequential

RANDOM_LAYERS = [
    lambda **k: layers.RandomFlip(**k),
    lambda **k: layers.RandomRotation(0.2, **k),
    lambda **k: layers.RandomZoom(0.3, **k),
    lambda **k: layers.RandomTranslation(0.2, 0.3, **k),
    lambda **k: layers.RandomContrast(0.5, **k),
]


def _images(n: int = 8, h: int = 6, w: int = 7, c: int = 3, seed: int = 0) -> np.ndarray:
    return (np.random.default_rng(seed).random((n, h, w, c)) * 255).astype(np.float32)


def _numpy(tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy()


@pytest.fixture(scope="module")
def keras():
    pytest.importorskip("torch")
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.fail("set KERAS_BACKEND=torch to compare against Keras")
    return keras


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_are_identity_at_inference_and_change_images_in_training(make) -> None:
    x = _images()
    layer = make(seed=1)
    assert np.array_equal(layer(x, training=False).data, x)
    model = Sequential([layers.Input(shape=x.shape[1:]), layer])
    assert np.array_equal(model.predict(x), x) and np.array_equal(model(x).data, x)
    out = layer(x, training=True).data
    assert out.shape == x.shape and out.dtype == np.float32
    assert not np.allclose(out, x)
    assert not np.allclose(layer(x).data, x)  # as Keras: a direct call augments


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_random_layers_repeat_under_one_seed(make) -> None:
    x = _images()
    utils.set_random_seed(7)
    first = make()(x, training=True).data
    utils.set_random_seed(7)
    again = make()(x, training=True).data
    np.testing.assert_array_equal(first, again)
    utils.set_random_seed(8)
    assert not np.array_equal(make()(x, training=True).data, first)
    own = make(seed=3)
    np.testing.assert_array_equal(own(x, training=True).data, make(seed=3)(x, training=True).data)


def test_random_flip_flips_about_half_and_only_flips() -> None:
    x = _images(n=2000, h=3, w=4, c=1)
    out = layers.RandomFlip("horizontal", seed=0)(x, training=True).data
    flipped = np.all(out == x[:, :, ::-1], axis=(1, 2, 3))
    same = np.all(out == x, axis=(1, 2, 3))
    assert np.all(flipped | same)
    assert 0.45 < flipped.mean() < 0.55
    both = layers.RandomFlip(seed=0)(x, training=True).data  # Keras 3: one draw for both
    turned = np.all(both == x[:, ::-1, ::-1], axis=(1, 2, 3))
    assert np.all(turned | np.all(both == x, axis=(1, 2, 3))) and 0.45 < turned.mean() < 0.55
    vertical = layers.RandomFlip("vertical", seed=0)(x, training=True).data
    assert np.all(
        np.all(vertical == x[:, ::-1], axis=(1, 2, 3)) | np.all(vertical == x, axis=(1, 2, 3))
    )


def test_random_rotation_angles_spread_over_the_range() -> None:
    x = np.zeros((400, 9, 9, 1), np.float32)
    x[:, 4, 6:] = 1.0  # a bar pointing right from the centre
    out = layers.RandomRotation(0.25, fill_mode="constant", seed=0)(x, training=True).data
    # the bar's angle after rotation, from the centre of mass of the bright pixels
    rows, cols = np.mgrid[0:9, 0:9]
    weight = out[..., 0]
    dy = (weight * (rows - 4)).sum((1, 2)) / weight.sum((1, 2))
    dx = (weight * (cols - 4)).sum((1, 2)) / weight.sum((1, 2))
    angles = np.degrees(np.arctan2(dy, dx))
    assert angles.min() < -70 and angles.max() > 70 and abs(angles.mean()) < 10
    assert np.all(np.abs(angles) <= 91)


def test_random_contrast_keeps_the_mean_and_scales_deviations() -> None:
    x = _images(n=500, c=2) * 0.5 + 60  # values in [60, 188): no clipping
    out = layers.RandomContrast((0.4, 0.4), seed=0)(x, training=True).data
    np.testing.assert_allclose(out.mean(axis=(1, 2)), x.mean(axis=(1, 2)), rtol=1e-5)
    ratio = out.std(axis=(1, 2)) / x.std(axis=(1, 2))
    assert ratio.min() >= 0.6 - 1e-4 and ratio.max() <= 1.4 + 1e-4
    assert np.allclose(ratio[:, 0], ratio[:, 1], atol=1e-4)  # one factor per image
    assert ratio.min() < 0.7 and ratio.max() > 1.3
    single = layers.RandomContrast(0.4, seed=0)(x, training=True).data  # Keras 3: [1, 1.4]
    assert (single.std(axis=(1, 2)) / x.std(axis=(1, 2))).min() >= 1 - 1e-4
    clipped = layers.RandomContrast((0.0, 1.0), value_range=(0, 255), seed=0)(
        _images(), training=True
    )
    assert clipped.data.min() >= 0 and clipped.data.max() <= 255


def test_zoom_and_translation_move_content_as_keras_describes(keras) -> None:
    x = _images(n=2, h=8, w=8, c=1)
    cases = [
        (layers.RandomZoom((0.5, 0.5)), keras.layers.RandomZoom((0.5, 0.5))),
        (
            layers.RandomZoom((-0.3, -0.3), (0.2, 0.2), fill_mode="constant"),
            keras.layers.RandomZoom((-0.3, -0.3), (0.2, 0.2), fill_mode="constant"),
        ),
        (
            layers.RandomTranslation((0.25, 0.25), (-0.125, -0.125), fill_mode="wrap"),
            keras.layers.RandomTranslation((0.25, 0.25), (-0.125, -0.125), fill_mode="wrap"),
        ),
        (layers.RandomRotation((0.25, 0.25)), keras.layers.RandomRotation((0.25, 0.25))),
        (
            layers.RandomRotation((0.1, 0.1), fill_mode="nearest"),
            keras.layers.RandomRotation((0.1, 0.1), fill_mode="nearest"),
        ),
    ]
    for ours, theirs in cases:
        expected = _numpy(theirs(x, training=True))
        np.testing.assert_allclose(ours(x, training=True).data, expected, atol=1e-3)


def test_deterministic_layers_equal_keras(keras) -> None:
    x = _images(n=2, h=10, w=7, c=3)
    pairs = [
        (layers.Rescaling(1 / 127.5, offset=-1), keras.layers.Rescaling(1 / 127.5, offset=-1)),
        (layers.Resizing(4, 9), keras.layers.Resizing(4, 9)),
        (
            layers.Resizing(5, 5, crop_to_aspect_ratio=True),
            keras.layers.Resizing(5, 5, crop_to_aspect_ratio=True),
        ),
        (
            layers.Resizing(6, 6, interpolation="nearest"),
            keras.layers.Resizing(6, 6, interpolation="nearest"),
        ),
        (layers.CenterCrop(4, 5), keras.layers.CenterCrop(4, 5)),
        (layers.CenterCrop(12, 6), keras.layers.CenterCrop(12, 6)),
    ]
    for ours, theirs in pairs:
        expected = _numpy(theirs(x))
        got = ours(x)
        assert got.shape == expected.shape, type(ours).__name__
        np.testing.assert_allclose(got.data, expected, rtol=1e-5, atol=1e-3, err_msg=ours.name)
        assert ours.compute_output_shape((None, 10, 7, 3)) == (None,) + expected.shape[1:]


def test_normalization_adapt_equals_keras_and_its_statistics_are_weights(keras) -> None:
    data = np.random.default_rng(0).normal(3.0, 2.0, (50, 4, 3)).astype(np.float32)
    ours, theirs = layers.Normalization(), keras.layers.Normalization()
    ours.adapt(data)
    theirs.adapt(data)
    np.testing.assert_allclose(ours(data).data, _numpy(theirs(data)), rtol=1e-4, atol=1e-4)
    names = [w.name.split("/")[-1] for w in ours.non_trainable_weights]
    assert names == ["mean", "variance", "count"] and ours.trainable_weights == []
    batches = [data[:20], data[20:35], data[35:]]  # adapt over batches merges exactly
    merged = layers.Normalization(axis=(1, 2))
    merged.adapt(iter(batches))
    np.testing.assert_allclose(merged.mean.data, data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(merged.variance.data, data.var(axis=0), rtol=1e-5)
    given = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25])
    np.testing.assert_allclose(given(np.array([[3.0, 2.0, 3.5]])).data, [[1.0, 0.0, 1.0]])
    inverse = layers.Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    np.testing.assert_allclose(inverse(np.array([[1.0, 0.0, 1.0]])).data, [[3.0, 2.0, 3.5]])


def test_normalization_weights_save_and_load(tmp_path) -> None:
    model = Sequential([layers.Normalization(input_shape=(3,)), layers.Dense(2)])
    model.layers[0].adapt(np.random.default_rng(1).normal(5, 3, (40, 3)))
    model.compile("sgd", "mse")
    model.save(tmp_path / "m.tensorgrad")
    loaded = tg.models.load_model(tmp_path / "m.tensorgrad")
    x = np.random.default_rng(2).normal(5, 3, (4, 3)).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    with pytest.raises(ValueError, match="call adapt"):
        layers.Normalization()(x)


@pytest.mark.parametrize(
    "layer",
    [
        layers.Rescaling(0.5, 1.0),
        layers.Resizing(3, 5),
        layers.CenterCrop(3, 3),
        layers.RandomFlip("vertical", seed=2),
        layers.RandomRotation((-0.1, 0.2), fill_mode="wrap", interpolation="nearest", seed=1),
        layers.RandomZoom(0.1, (-0.2, 0.3), fill_value=1.0, fill_mode="constant"),
        layers.RandomTranslation(0.1, 0.2),
        layers.RandomContrast(0.3, value_range=(0, 1)),
        layers.Normalization(axis=None, mean=2.0, variance=9.0),
    ],
    ids=lambda layer: type(layer).__name__,
)
def test_config_round_trip_and_output_shape_formula(layer) -> None:
    config = layer.get_config()
    config.pop("name")
    clone = type(layer).from_config(config)
    assert clone.get_config() == {**config, "name": clone.name}
    x = _images(n=2, h=6, w=6, c=3)
    out = layer(x, training=True)
    assert tuple(layer.compute_output_shape((None, 6, 6, 3)))[1:] == out.shape[1:]
    assert layers.deserialize(layers.serialize(layer)).get_config()["name"] == layer.name


def test_gradients_flow_through_augmentation_layers() -> None:
    x = np.random.default_rng(0).random((2, 5, 5, 2))
    for layer in (
        layers.RandomRotation(0.3, seed=0),
        layers.RandomFlip(seed=0),
        layers.Resizing(3, 4),
        layers.RandomContrast(0.5, seed=0, value_range=(-9, 9)),
    ):
        seed_state = layer._rng.bit_generator.state if getattr(layer, "_rng", None) else None

        def f(t, layer=layer, seed_state=seed_state):
            if seed_state is not None:  # the same draw at every evaluation
                layer._rng.bit_generator.state = seed_state
            return layer(t, training=True)

        assert tg.check_grad(f, x).ok, type(layer).__name__


def test_unbatched_images_and_channels_first() -> None:
    image = _images(n=1)[0]
    assert layers.Resizing(3, 4)(image).shape == (3, 4, 3)
    chw = _images(n=2).transpose(0, 3, 1, 2)
    out = layers.Resizing(3, 4, data_format="channels_first")(chw)
    expected = layers.Resizing(3, 4)(chw.transpose(0, 2, 3, 1)).data.transpose(0, 3, 1, 2)
    np.testing.assert_allclose(out.data, expected)
    assert layers.Resizing(3, 4, data_format="channels_first").compute_output_shape(
        (None, 3, 9, 9)
    ) == (None, 3, 3, 4)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: layers.RandomRotation(1.5), "RandomRotation: factor must be"),
        (lambda: layers.RandomZoom(-1.0), "RandomZoom: height_factor must be above -1"),
        (lambda: layers.RandomTranslation(0.1, (0.1, 0.2, 0.3)), "width_factor must be"),
        (lambda: layers.RandomFlip("diagonal"), "RandomFlip: mode must be one of"),
        (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "fill_mode must be one of"),
        (lambda: layers.Resizing(0, 3), "Resizing: height must be a positive integer"),
        (lambda: layers.RandomContrast(-0.1), "RandomContrast: factor must be"),
        (lambda: layers.Normalization(mean=1.0), "give both mean and variance"),
    ],
)
def test_bad_arguments_are_named(make, message) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_images_of_the_wrong_rank_are_refused() -> None:
    with pytest.raises(ValueError, match=r"RandomFlip layer .* expected images of shape"):
        layers.RandomFlip()(np.zeros((2, 5)), training=True)


def test_augmentation_in_a_model_trains_and_predicts_deterministically() -> None:
    utils.set_random_seed(0)
    model = Sequential(
        [
            layers.RandomFlip("horizontal", input_shape=(6, 6, 1)),
            layers.RandomTranslation(0.1, 0.1),
            layers.Rescaling(1 / 255),
            layers.Flatten(),
            layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = _images(n=64, h=6, w=6, c=1)
    y = (x.mean(axis=(1, 2, 3)) > 127).astype(np.int64)
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    np.testing.assert_array_equal(model.predict(x), model.predict(x))
