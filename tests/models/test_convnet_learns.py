"""The book's convnet (listing 5.1, only the imports changed) learns Fashion-MNIST.

Trains one epoch on 6,000 training images and evaluates on 1,000 test images, which takes
a few seconds; the full one-epoch run is in benchmarks/fit_convnet.py and the README.
"""

from __future__ import annotations

import pytest

from tensorgrad import datasets, layers, models, utils


@pytest.fixture(scope="module")
def fashion():
    try:
        return datasets.fashion_mnist.load_data()
    except datasets.DatasetError as e:
        pytest.skip(f"Fashion-MNIST files not available: {e}")


def test_listing_5_1_learns_fashion_mnist(fashion):
    (train_images, train_labels), (test_images, test_labels) = fashion
    utils.set_random_seed(0)

    model = models.Sequential()
    model.add(layers.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.MaxPooling2D((2, 2)))
    model.add(layers.Conv2D(64, (3, 3), activation="relu"))
    model.add(layers.Flatten())
    model.add(layers.Dense(64, activation="relu"))
    model.add(layers.Dense(10, activation="softmax"))

    train_images = train_images[:6000].reshape((6000, 28, 28, 1)).astype("float32") / 255
    test_images = test_images[:1000].reshape((1000, 28, 28, 1)).astype("float32") / 255
    train_labels = utils.to_categorical(train_labels[:6000])
    test_labels = utils.to_categorical(test_labels[:1000])

    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(train_images, train_labels, epochs=1, batch_size=64, verbose=0)
    test_loss, test_acc = model.evaluate(test_images, test_labels, verbose=0)
    print(f"convnet on 6000 Fashion-MNIST images: test accuracy {test_acc:.4f}")
    assert history.history["loss"][0] < 1.2  # log(10) = 2.3 at the start
    assert test_loss < 1.0
    assert test_acc > 0.65  # chance is 0.10; 0.73 with seed 0
