"""evaluate, predict, predict_classes and predict_proba."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import layers, models, utils

from .conftest import small_model


def test_evaluate_returns_loss_and_metrics_in_compile_order(model, data):
    x, y, _ = data
    result = model.evaluate(x, y, verbose=0)
    assert isinstance(result, list) and len(result) == 2
    assert all(isinstance(v, float) for v in result)
    as_dict = model.evaluate(x, y, verbose=0, return_dict=True)
    assert list(as_dict) == ["loss", "accuracy"]
    assert as_dict["loss"] == pytest.approx(result[0]) and as_dict["accuracy"] == result[1]


def test_evaluate_without_metrics_returns_a_float(data):
    x, y, _ = data
    model = small_model()
    model.compile("sgd", "categorical_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    assert isinstance(loss, float)


def test_evaluate_does_not_depend_on_the_batch_size(model, data):
    x, y, _ = data
    a = model.evaluate(x, y, batch_size=7, verbose=0)
    b = model.evaluate(x, y, batch_size=600, verbose=0)
    assert a == pytest.approx(b, rel=1e-5)


def test_evaluate_prints_one_line_and_verbose_0_nothing(model, data, capsys):
    x, y, _ = data
    model.evaluate(x, y)
    out = capsys.readouterr().out
    line = r"^19/19 \[=+\] - \d+s \d+(s|ms|us)/step - loss: \d\.\d{4} - accuracy: \d\.\d{4}\n$"
    assert re.match(line, out)
    model.evaluate(x, y, verbose=0)
    model.predict(x)
    assert capsys.readouterr().out == ""


def test_predict_returns_an_array_of_outputs(model, data):
    x, _, _ = data
    out = model.predict(x, batch_size=64)
    assert isinstance(out, np.ndarray) and out.shape == (600, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(out, model(x).numpy(), rtol=1e-5)
    np.testing.assert_array_equal(model.predict(x[:5]), model.predict(x, batch_size=5)[:5])


def test_predict_and_evaluate_record_no_graph(model, data, monkeypatch):
    x, y, _ = data
    modes = []
    original = type(model).__call__

    def spy(self, inputs, training=None):
        out = original(self, inputs, training)
        modes.append((tg.is_grad_enabled(), out.requires_grad))
        return out

    monkeypatch.setattr(type(model), "__call__", spy)
    model.predict(x)
    model.evaluate(x, y, verbose=0)
    assert modes and all(m == (False, False) for m in modes)


def test_predict_needs_no_compile_and_builds_from_data():
    model = models.Sequential([layers.Dense(4), layers.Dense(2, activation="softmax")])
    out = model.predict(np.ones((3, 5)))
    assert out.shape == (3, 2) and model.input_shape == (None, 5)


def test_predict_classes_and_proba(model, data):
    x, _, _ = data
    proba = model.predict_proba(x[:10])
    np.testing.assert_array_equal(proba, model.predict(x[:10]))
    np.testing.assert_array_equal(model.predict_classes(x[:10]), proba.argmax(axis=1))


def test_predict_classes_of_a_single_sigmoid_unit():
    utils.set_random_seed(0)
    model = models.Sequential(
        [layers.Dense(1, activation="sigmoid", input_shape=(2,), kernel_initializer="ones")]
    )
    x = np.array([[1.0, 1.0], [-1.0, -2.0]], np.float32)
    classes = model.predict_classes(x)
    assert classes.dtype == np.int32
    np.testing.assert_array_equal(classes, [[1], [0]])


def test_binary_classification_end_to_end():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    utils.set_random_seed(0)
    model = models.Sequential(
        [
            layers.Dense(8, activation="relu", input_shape=(4,)),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy", ["accuracy"])
    history = model.fit(x, y, epochs=10, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    assert (model.predict_classes(x)[:, 0] == y).mean() > 0.9
