"""Bad input gets a clear error before any training step (or a warning, for unscaled pixels)."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import layers, models, utils

from .conftest import small_model


def book_model():
    model = models.Sequential(
        [
            layers.Dense(512, activation="relu", input_shape=(28 * 28,)),
            layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def assert_untrained(model, weights):
    for a, b in zip(weights, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert model.optimizer is None or model.optimizer.iterations == 0


def test_fit_before_compile():
    model = small_model()
    with pytest.raises(RuntimeError, match=r"must be compiled first; call model\.compile\("):
        model.fit(np.zeros((4, 20)), np.zeros((4, 3)))
    with pytest.raises(RuntimeError, match="compile"):
        model.evaluate(np.zeros((4, 20)), np.zeros((4, 3)))
    model.compile("sgd")  # no loss, and none from add_loss: Keras' "No loss to compute"
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"no loss to compute.*compile\(optimizer="):
        model.fit(np.zeros((4, 20)), np.ones((4, 3)))
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_images_not_reshaped_name_both_shapes_and_the_fix():
    model = book_model()
    weights = model.get_weights()
    x = np.zeros((60000, 28, 28), dtype=np.uint8)
    y = np.zeros((60000, 10), dtype=np.float32)
    with pytest.raises(ValueError) as info:
        model.fit(x, y, epochs=5, batch_size=128)
    message = str(info.value)
    assert "(None, 784)" in message and "(60000, 28, 28)" in message
    assert "x.reshape((60000, 28 * 28))" in message
    assert_untrained(model, weights)
    with pytest.raises(ValueError, match=r"expects x of shape \(None, 784\).*\(3, 28, 28\)"):
        model.predict(x[:3])


def test_different_sample_counts():
    model = book_model()
    message = r"same number of samples.*\(100, 784\) \(100 samples\).*\(90, 10\) \(90 samples\)"
    with pytest.raises(ValueError, match=message):
        model.fit(np.zeros((100, 784), np.float32), np.zeros((90, 10), np.float32))


def test_integer_labels_for_categorical_crossentropy():
    model = book_model()
    weights = model.get_weights()
    labels = np.arange(100, dtype=np.uint8) % 10
    with pytest.raises(ValueError, match=r"to_categorical.*sparse_categorical_crossentropy"):
        model.fit(np.zeros((100, 784), np.float32), labels)
    assert_untrained(model, weights)


def test_one_hot_width_different_from_the_output_units():
    model = book_model()
    y = utils.to_categorical(np.arange(100) % 5)  # 5 classes for 10 output units
    with pytest.raises(ValueError, match=r"\(100, 5\).*\(None, 10\)"):
        model.fit(np.zeros((100, 784), np.float32), y)


def test_unknown_names_list_the_known_ones():
    model = small_model()
    with pytest.raises(ValueError, match=r"Unknown optimizer 'rmsprob'.*rmsprop"):
        model.compile(optimizer="rmsprob", loss="mse")
    message = r"Unknown loss 'categorical_crossentrophy'.*categorical_crossentropy"
    with pytest.raises(ValueError, match=message):
        model.compile(optimizer="rmsprop", loss="categorical_crossentrophy")
    with pytest.raises(ValueError, match=r"Unknown metric 'accuracyy'.*"):
        model.compile(optimizer="rmsprop", loss="mse", metrics=["accuracyy"])


def test_nan_and_inf_name_the_array_and_the_first_bad_index():
    model = book_model()
    x = np.zeros((50, 784), np.float32)
    y = utils.to_categorical(np.arange(50) % 10)
    x[7, 300] = np.nan
    x[9, 1] = np.inf
    with pytest.raises(ValueError, match=r"fit: x contains nan at index \(7, 300\) \(sample 7\)"):
        model.fit(x, y)
    x[7, 300] = 0
    with pytest.raises(ValueError, match=r"x contains inf at index \(9, 1\)"):
        model.fit(x, y)
    x[9, 1] = 0
    y[3, 2] = -np.inf
    with pytest.raises(ValueError, match=r"fit: y contains -inf at index \(3, 2\)"):
        model.fit(x, y)
    with pytest.raises(ValueError, match=r"evaluate: y contains -inf"):
        model.evaluate(x, y)


def test_unscaled_integer_pixels_warn_once_and_still_train():
    model = book_model()
    x = np.full((64, 784), 255, dtype=np.uint8)
    y = utils.to_categorical(np.arange(64) % 10)
    message = r'values up to 255.*x\.astype\("float32"\) / 255'
    with pytest.warns(UserWarning, match=message) as record:
        model.fit(x, y, epochs=1, verbose=0, validation_data=(x, y))
    assert len(record) == 1
    assert record[0].filename == __file__  # points at the user's call, not at the library
    assert model.optimizer.iterations == 2
    with pytest.warns(UserWarning, match="predict: x is an integer array") as record:
        model.predict(x[:2])
    assert record[0].filename == __file__


def test_a_single_sample_needs_a_batch_axis():
    model = book_model()
    message = (
        r"got an array of shape \(784,\); a single sample needs a batch axis, e\.g\. "
        r"x = x\.reshape\(\(1, 784\)\)"
    )
    with pytest.raises(ValueError, match=message):
        model.predict(np.zeros(784, np.float32))


def test_scaled_or_binary_integer_inputs_do_not_warn():
    model = small_model()
    model.compile("sgd", "categorical_crossentropy")
    model.fit(np.ones((8, 20), np.uint8), np.eye(3)[np.arange(8) % 3], verbose=0)


def test_bad_fit_arguments():
    model = small_model()
    model.compile("sgd", "categorical_crossentropy")
    x, y = np.zeros((10, 20), np.float32), np.eye(3)[np.arange(10) % 3]
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        model.fit(x, y, batch_size=0)
    with pytest.raises(ValueError, match="verbose must be 'auto', 0, 1 or 2, got 3"):
        model.fit(x, y, verbose=3)
    with pytest.raises(ValueError, match="epochs must be a non-negative integer"):
        model.fit(x, y, epochs=-1)
    with pytest.raises(ValueError, match=r"validation_split must be a fraction in \[0, 1\)"):
        model.fit(x, y, validation_split=1.5)
    with pytest.raises(ValueError, match="leaves 10 for training and 0 for validation"):
        model.fit(x, y, validation_split=1e-20)
    with pytest.raises(ValueError, match=r"validation_data must be a tuple \(x_val, y_val\)"):
        model.fit(x, y, validation_data=x)
    with pytest.raises(ValueError, match="y is missing"):
        model.fit(x)
    with pytest.raises(TypeError, match=r"x holds text .* takes numbers"):
        model.fit(np.array([["a"] * 20] * 10), y)
    with pytest.raises(TypeError, match="must hold numbers"):
        model.fit(np.array([[None] * 20] * 10), y)
    message = r"fit \(validation_data\): the model expects x of shape \(None, 20\)"
    with pytest.raises(ValueError, match=message):
        model.fit(x, y, validation_data=(np.zeros((4, 21)), y[:4]))
    with pytest.raises(TypeError, match="expected Callback instances"):
        model.fit(x, y, callbacks=[print], verbose=0)
