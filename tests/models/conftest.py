"""Small synthetic problems for the model tests (each trains in well under a second)."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import layers, models, optimizers, utils


def blobs(n: int = 600, features: int = 20, classes: int = 3, seed: int = 0):
    """Linearly separable classes: labels are the argmax of a fixed random projection."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    labels = (x @ rng.standard_normal((features, classes))).argmax(axis=1)
    return x, labels


@pytest.fixture
def data():
    x, labels = blobs()
    return x, utils.to_categorical(labels, 3), labels


def small_model(features: int = 20, classes: int = 3, seed: int = 0) -> models.Sequential:
    utils.set_random_seed(seed)
    return models.Sequential(
        [
            layers.Dense(16, activation="relu", input_shape=(features,)),
            layers.Dense(classes, activation="softmax"),
        ]
    )


@pytest.fixture
def model():
    m = small_model()
    m.compile(
        optimizer=optimizers.RMSprop(learning_rate=0.01),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return m
