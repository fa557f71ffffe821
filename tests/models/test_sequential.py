"""Sequential: building, summary, layers, config."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import layers, models, utils
from tensorgrad.layers.base import clear_session


def book_network():
    model = models.Sequential()
    model.add(layers.Dense(512, activation="relu", input_shape=(28 * 28,)))
    model.add(layers.Dense(10, activation="softmax"))
    return model


def test_the_books_network_has_407050_parameters():
    model = book_network()
    assert model.built
    assert model.count_params() == 407_050
    assert [w.shape for w in model.weights] == [(784, 512), (512,), (512, 10), (10,)]
    assert model.output_shape == (None, 10)
    assert model.input_shape == (None, 784)


def test_summary_text_like_keras(capsys):
    clear_session()
    book_network().summary()
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == 'Model: "sequential"'
    assert "Layer (type)" in lines[2] and "Output Shape" in lines[2] and "Param #" in lines[2]
    assert any(
        line.startswith("dense (Dense)") and "(None, 512)" in line and line.endswith("401920")
        for line in lines
    )
    assert any(
        line.startswith("dense_1 (Dense)") and "(None, 10)" in line and line.endswith("5130")
        for line in lines
    )
    assert "Total params: 407,050" in lines
    assert "Trainable params: 407,050" in lines
    assert "Non-trainable params: 0" in lines
    assert all(len(line) <= 65 and line == line.rstrip() for line in lines)


def test_summary_print_fn_and_frozen_layers():
    model = book_network()
    model.layers[1].trainable = False
    lines = []
    model.summary(print_fn=lines.append)
    assert "Trainable params: 401,920" in lines
    assert "Non-trainable params: 5,130" in lines


def test_summary_before_build_explains_how_to_build():
    model = models.Sequential([layers.Dense(3)])
    with pytest.raises(ValueError, match=r"not built yet.*input_shape=\(784,\)"):
        model.summary()
    model.build((None, 5))
    assert model.count_params() == 18


def test_input_first_and_list_constructor():
    model = models.Sequential(
        [
            layers.Input(shape=(784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    )
    assert model.built and model.count_params() == 407_050
    assert len(model.layers) == 2  # the Input is not a layer of the model, as in Keras
    with pytest.raises(ValueError, match="Input can only be the first"):
        model.add(layers.Input(shape=(3,)))


def test_model_builds_from_the_first_data_and_calls_like_a_layer():
    model = models.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    assert not model.built
    out = model(np.ones((3, 6), dtype=np.float32))
    assert model.built and out.shape == (3, 2)
    assert model.input_shape == (None, 6)


def test_add_errors():
    model = models.Sequential()
    with pytest.raises(TypeError, match="expected a layer"):
        model.add("dense")
    dense = layers.Dense(2)
    model.add(dense)
    with pytest.raises(ValueError, match="already in the model"):
        model.add(dense)


def test_layers_that_do_not_fit_fail_at_add():
    model = models.Sequential([layers.Dense(8, input_shape=(4,))])
    message = r"expected an input of shape \(None, 3\).*got shape \(None, 8\)"
    with pytest.raises(ValueError, match=message):
        model.add(layers.Dense(2, input_shape=(3,)))


def test_pop_and_nested_models():
    model = book_network()
    last = model.pop()
    assert isinstance(last, layers.Dense) and model.output_shape == (None, 512)
    outer = models.Sequential([model, layers.Dense(3)])
    outer.build((None, 784))
    assert outer.count_params() == 401_920 + 512 * 3 + 3
    assert outer.output_shape == (None, 3)


def test_get_config_and_from_config():
    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Input(shape=(4,)),
            layers.Dense(3, activation="relu"),
            layers.Dropout(0.2),
            layers.Dense(2, activation="softmax"),
        ],
        name="net",
    )
    config = model.get_config()
    assert config["name"] == "net"
    classes = [entry["class_name"] for entry in config["layers"]]
    assert classes == ["InputLayer", "Dense", "Dropout", "Dense"]
    again = models.Sequential.from_config(config)
    assert again.built and again.count_params() == model.count_params()
    assert again.get_config() == config
    again.set_weights(model.get_weights())
    x = np.ones((2, 4), np.float32)
    np.testing.assert_array_equal(again.predict(x), model.predict(x))


def test_get_set_weights_of_a_model():
    model = book_network()
    weights = [w * 0 + i for i, w in enumerate(model.get_weights())]
    model.set_weights(weights)
    assert [float(w.mean()) for w in model.get_weights()] == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="has 4 weights, got a list of 3"):
        model.set_weights(weights[:3])


def test_a_subclassed_model_trains():
    class TwoLayer(models.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    utils.set_random_seed(0)
    model = TwoLayer()
    model.compile("adam", "mse")
    x = np.linspace(-1, 1, 64, dtype=np.float32).reshape(-1, 1)
    history = model.fit(x, 3 * x, epochs=5, verbose=0)
    assert model.count_params() == 8 + 8 + 8 + 1
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert [layer.name for layer in model.layers] == [model.hidden.name, model.out.name]
