"""Saving and loading convolutional networks: every new layer rebuilt from the archive, the
batch-norm moving statistics restored, the same predictions and the same further training."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tensorgrad import layers, models, utils
from tensorgrad.saving import saving_lib as saving

RNG = np.random.default_rng(0)
X = RNG.random((32, 12, 12, 2), dtype=np.float32)
Y = np.eye(4, dtype=np.float32)[RNG.integers(0, 4, 32)]


def convnet() -> models.Sequential:
    utils.set_random_seed(1)
    return models.Sequential(
        [
            layers.Input(shape=(12, 12, 2)),
            layers.ZeroPadding2D(1),
            layers.Conv2D(6, 3, strides=2, padding="same", activation="relu"),
            layers.BatchNormalization(),
            layers.SeparableConv2D(8, 3, padding="same", depth_multiplier=2),
            layers.LeakyReLU(0.2),
            layers.DepthwiseConv2D(3, padding="same"),
            layers.MaxPooling2D(2),
            layers.UpSampling2D(2),
            layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
            layers.AveragePooling2D(2, padding="same"),
            layers.Reshape((-1, 4)),
            layers.Conv1D(4, 3, padding="causal"),
            layers.MaxPooling1D(2),
            layers.AveragePooling1D(2, padding="same"),
            layers.GlobalMaxPooling1D(),
            layers.Reshape((2, 2, 1)),
            layers.GlobalAveragePooling2D(),
            layers.Dense(4, activation="softmax"),
        ]
    )


def test_convnet_saved_and_loaded_predicts_identically(tmp_path: Path) -> None:
    model = convnet()
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    bn = model.layers[2]
    assert not np.allclose(bn.moving_mean.data, 0)  # fit moved the statistics
    model.save(tmp_path / "convnet.tensorgrad")
    loaded = saving.load_model(tmp_path / "convnet.tensorgrad")
    assert [type(a) for a in loaded.layers] == [type(b) for b in model.layers]
    assert loaded.get_config() == model.get_config()
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    assert np.array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))
    # training on continues the same way, bit for bit
    model.fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    loaded.fit(X, Y, batch_size=8, epochs=1, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        assert np.array_equal(a, b)


def test_book_convnet_round_trips(tmp_path: Path) -> None:
    utils.set_random_seed(0)
    model = models.Sequential(
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
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy")
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    x = RNG.random((5, 28, 28, 1), dtype=np.float32)
    assert loaded.count_params() == 93322
    assert np.array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
