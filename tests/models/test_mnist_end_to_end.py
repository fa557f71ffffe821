"""The book's chapter 2 workflow on real MNIST digits: reshape, scale, one-hot, fit, evaluate.

Trains on 8,000 of the 10,000 test images and evaluates on the other 2,000, which takes
seconds; the full 60,000-image run of the book lives in the examples.
"""

from __future__ import annotations

import time

import pytest

from tensorgrad import datasets, layers, models, utils


@pytest.fixture(scope="module")
def mnist_test_set():
    try:
        return datasets.mnist.load_test_data()
    except datasets.DatasetNotFoundError as e:
        pytest.skip(f"MNIST test files not available: {e}")


def test_chapter_2_network_learns_mnist(mnist_test_set, capsys):
    images, labels = mnist_test_set
    assert labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]

    x = images.reshape((10000, 28 * 28)).astype("float32") / 255
    y = utils.to_categorical(labels)
    x_train, y_train, x_test, y_test = x[:8000], y[:8000], x[8000:], y[8000:]

    utils.set_random_seed(0)
    network = models.Sequential()
    network.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
    network.add(layers.Dense(10, activation="softmax"))
    network.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])

    start = time.perf_counter()
    history = network.fit(x_train, y_train, epochs=3, batch_size=128)
    seconds = time.perf_counter() - start
    out = capsys.readouterr().out
    assert out.count("63/63 [==============================]") == 3  # ceil(8000 / 128) steps

    test_loss, test_acc = network.evaluate(x_test, y_test, verbose=0)
    print(
        f"MNIST 8000/2000: test accuracy {test_acc:.4f}, loss {test_loss:.4f}, fit {seconds:.1f}s"
    )
    assert history.history["accuracy"][-1] > history.history["accuracy"][0]
    assert test_acc > 0.93
    assert network.optimizer.iterations == 3 * 63

    predicted = network.predict_classes(x_test[:100])
    assert (predicted == labels[8000:8100]).mean() > 0.9
