"""The functional API on the book's support-ticket model: three inputs, two outputs,
1,286,789 parameters, trained with lists and with dicts, extended with a third output,
written as a subclass, saved and reloaded; plus graphs with shared layers and nested models."""

from __future__ import annotations

import re

import numpy as np
import pytest

import tensorgrad as keras
from tensorgrad import layers, utils

VOCABULARY = 10000
TAGS = 100
DEPARTMENTS = 4


def ticket_model() -> keras.Model:
    title = keras.Input(shape=(VOCABULARY,), name="title")
    text_body = keras.Input(shape=(VOCABULARY,), name="text_body")
    tags = keras.Input(shape=(TAGS,), name="tags")
    features = layers.Concatenate()([title, text_body, tags])
    features = layers.Dense(64, activation="relu")(features)
    priority = layers.Dense(1, activation="sigmoid", name="priority")(features)
    department = layers.Dense(DEPARTMENTS, activation="softmax", name="department")(features)
    return keras.Model(inputs=[title, text_body, tags], outputs=[priority, department])


@pytest.fixture(scope="module")
def tickets():
    rng = np.random.default_rng(0)
    n = 48
    title = rng.integers(0, 2, size=(n, VOCABULARY))
    body = rng.integers(0, 2, size=(n, VOCABULARY))
    tags = rng.integers(0, 2, size=(n, TAGS))
    priority = rng.random(size=(n, 1))
    department = rng.integers(0, 2, size=(n, DEPARTMENTS))
    return title, body, tags, priority, department


def compile_ticket(model: keras.Model) -> None:
    model.compile(
        optimizer="rmsprop",
        loss=["mean_squared_error", "categorical_crossentropy"],
        metrics=[["mean_absolute_error"], ["accuracy"]],
    )


def test_the_ticket_model_has_the_books_shape():
    utils.set_random_seed(0)
    model = ticket_model()
    assert model.count_params() == 1_286_789
    assert [layer.name for layer in model.layers[:3]] == ["title", "text_body", "tags"]
    assert model.output_names == ["priority", "department"]
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "Connected to" in text and "Total params: 1,286,789" in text
    assert "title[0][0]" in text and re.search(r"concatenate(_\d+)?\[0\]\[0\]", text)


def test_ticket_model_trains_with_lists(tickets):
    title, body, tags, priority, department = tickets
    utils.set_random_seed(0)
    model = ticket_model()
    compile_ticket(model)
    history = model.fit([title, body, tags], [priority, department], epochs=2, verbose=0)
    assert list(history.history) == [
        "loss",
        "priority_loss",
        "department_loss",
        "department_accuracy",
        "priority_mean_absolute_error",
    ]
    h = history.history
    np.testing.assert_allclose(
        np.add(h["priority_loss"], h["department_loss"]), h["loss"], rtol=1e-5
    )
    results = model.evaluate([title, body, tags], [priority, department], verbose=0)
    assert len(results) == 5
    as_dict = model.evaluate(
        [title, body, tags], [priority, department], verbose=0, return_dict=True
    )
    assert list(as_dict.values()) == pytest.approx(results)
    priority_pred, department_pred = model.predict([title, body, tags])
    assert priority_pred.shape == (48, 1) and department_pred.shape == (48, DEPARTMENTS)


def test_ticket_model_trains_with_dicts_the_same_as_with_lists(tickets):
    title, body, tags, priority, department = tickets
    runs = []
    for as_dicts in (False, True):
        utils.set_random_seed(3)
        model = ticket_model()
        if as_dicts:
            model.compile(
                optimizer="rmsprop",
                loss={"priority": "mean_squared_error", "department": "categorical_crossentropy"},
                metrics={"priority": ["mean_absolute_error"], "department": ["accuracy"]},
            )
            x = {"title": title, "text_body": body, "tags": tags}
            y = {"priority": priority, "department": department}
        else:
            compile_ticket(model)
            x, y = [title, body, tags], [priority, department]
        history = model.fit(x, y, epochs=1, batch_size=16, verbose=0)
        runs.append((history.history, model.get_weights()))
    assert runs[0][0] == runs[1][0]
    for a, b in zip(runs[0][1], runs[1][1]):
        np.testing.assert_array_equal(a, b)


def test_loss_weights_weigh_the_total(tickets):
    title, body, tags, priority, department = tickets
    model = ticket_model()
    model.compile(
        optimizer="rmsprop",
        loss=["mean_squared_error", "categorical_crossentropy"],
        loss_weights={"priority": 2.0, "department": 0.5},
    )
    logs = model.evaluate([title, body, tags], [priority, department], verbose=0, return_dict=True)
    expected = 2.0 * logs["priority_loss"] + 0.5 * logs["department_loss"]
    assert logs["loss"] == pytest.approx(expected, rel=1e-5)


def test_a_new_model_with_a_third_output_reuses_the_layers(tickets):
    title, body, tags, priority, department = tickets
    model = ticket_model()
    features = model.layers[4].output  # the Dense(64) of the book's listing
    assert model.layers[4].input is model.layers[3].output
    difficulty = layers.Dense(3, activation="softmax", name="difficulty")(features)
    new_model = keras.Model(inputs=model.inputs, outputs=[*model.outputs, difficulty])
    assert new_model.count_params() == 1_286_789 + 64 * 3 + 3
    assert new_model.layers[4] is model.layers[4]  # shared: the same weights
    new_model.compile(
        optimizer="rmsprop", loss=["mse", "categorical_crossentropy", "categorical_crossentropy"]
    )
    diff = utils.to_categorical(np.arange(48) % 3, 3)
    history = new_model.fit([title, body, tags], [priority, department, diff], verbose=0)
    assert "difficulty_loss" in history.history
    out = new_model.predict([title, body, tags])
    np.testing.assert_allclose(out[1], model.predict([title, body, tags])[1], rtol=1e-6)


class CustomerTicketModel(keras.Model):
    """The book's subclassed version of the ticket model."""

    def __init__(self, num_departments: int) -> None:
        super().__init__()
        self.concat_layer = layers.Concatenate()
        self.mixing_layer = layers.Dense(64, activation="relu")
        self.priority_scorer = layers.Dense(1, activation="sigmoid")
        self.department_classifier = layers.Dense(num_departments, activation="softmax")

    def call(self, inputs):
        features = self.concat_layer([inputs["title"], inputs["text_body"], inputs["tags"]])
        features = self.mixing_layer(features)
        return self.priority_scorer(features), self.department_classifier(features)


def test_the_subclassed_ticket_model_trains_and_reloads_its_weights(tickets, tmp_path):
    title, body, tags, priority, department = tickets
    x = {"title": title, "text_body": body, "tags": tags}
    utils.set_random_seed(1)
    model = CustomerTicketModel(num_departments=DEPARTMENTS)
    priority_pred, department_pred = model(x)
    assert priority_pred.shape == (48, 1) and department_pred.shape == (48, DEPARTMENTS)
    assert model.count_params() == 1_286_789
    model.compile(
        optimizer=keras.optimizers.RMSprop(learning_rate=1e-4),
        loss=["mean_squared_error", "categorical_crossentropy"],
        metrics=[["mean_absolute_error"], ["accuracy"]],
    )
    before = model.evaluate(x, [priority, department], verbose=0)[0]
    history = model.fit(x, [priority, department], epochs=3, verbose=0)
    assert "output_1_loss" in history.history and "output_2_accuracy" in history.history
    after = model.evaluate(x, [priority, department], verbose=0)[0]
    assert after < before
    path = tmp_path / "ticket.weights.npz"
    model.save_weights(path)
    again = CustomerTicketModel(num_departments=DEPARTMENTS)
    again({k: v[:1] for k, v in x.items()})
    again.load_weights(path)
    np.testing.assert_array_equal(again.predict(x)[1], model.predict(x)[1])


def test_a_saved_functional_model_predicts_identically(tickets, tmp_path):
    title, body, tags, priority, department = tickets
    model = ticket_model()
    compile_ticket(model)
    model.fit([title, body, tags], [priority, department], epochs=1, verbose=0)
    path = tmp_path / "ticket.tensorgrad"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert type(loaded).__name__ == "Functional" and loaded.output_names == model.output_names
    for a, b in zip(loaded.predict([title, body, tags]), model.predict([title, body, tags])):
        np.testing.assert_array_equal(a, b)
    # compiled as saved, optimizer state included: one more epoch gives the same weights
    model.fit([title, body, tags], [priority, department], epochs=1, verbose=0, shuffle=False)
    loaded.fit([title, body, tags], [priority, department], epochs=1, verbose=0, shuffle=False)
    for a, b in zip(loaded.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_shared_layers_and_nested_models_save_and_load(tmp_path):
    utils.set_random_seed(0)
    inner_in = keras.Input(shape=(5,))
    inner = keras.Model(inner_in, layers.Dense(4, activation="relu")(inner_in), name="encoder")
    a, b = keras.Input(shape=(5,), name="a"), keras.Input(shape=(5,), name="b")
    shared = layers.Dense(5, name="shared")
    merged = layers.add([inner(shared(a)), inner(shared(b))])
    stack = keras.Sequential([layers.Dense(3, activation="relu"), layers.Dense(1)], name="head")
    model = keras.Model([a, b], stack(merged))
    assert model.count_params() == (5 * 5 + 5) + (5 * 4 + 4) + (4 * 3 + 3) + (3 + 1)
    x = [np.random.default_rng(1).normal(size=(6, 5)) for _ in range(2)]
    model.compile("sgd", "mse")
    path = tmp_path / "nested.tensorgrad"
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
    assert [type(layer).__name__ for layer in loaded.layers] == [
        "InputLayer", "InputLayer", "Dense", "Functional", "Add", "Sequential",
    ]  # fmt: skip


def test_sequential_and_functional_train_to_bitwise_identical_weights():
    rng = np.random.default_rng(0)
    x = rng.random((300, 20)).astype("float32")
    y = utils.to_categorical(rng.integers(0, 5, 300), 5)
    weights = []
    for functional in (False, True):
        utils.set_random_seed(42)
        if functional:
            inputs = keras.Input(shape=(20,))
            hidden = layers.Dense(32, activation="relu")(inputs)
            hidden = layers.Dropout(0.3)(hidden)
            model = keras.Model(inputs, layers.Dense(5, activation="softmax")(hidden))
        else:
            model = keras.Sequential(
                [
                    keras.Input(shape=(20,)),
                    layers.Dense(32, activation="relu"),
                    layers.Dropout(0.3),
                    layers.Dense(5, activation="softmax"),
                ]
            )
        model.compile("rmsprop", "categorical_crossentropy", ["accuracy"])
        model.fit(x, y, epochs=2, batch_size=32, verbose=0, validation_split=0.2)
        weights.append(model.get_weights())
    for a, b in zip(*weights):
        np.testing.assert_array_equal(a, b)


def test_one_layer_called_twice_shares_its_weights():
    a, b = keras.Input(shape=(3,)), keras.Input(shape=(3,))
    shared = layers.Dense(2)
    model = keras.Model([a, b], [shared(a), shared(b)])
    assert len(model.trainable_weights) == 2
    assert shared.get_output_at(0).shape == (None, 2)
    with pytest.raises(AttributeError, match="called 2 times"):
        _ = shared.output
    out_a, out_b = model.predict([np.ones((1, 3)), np.ones((1, 3))])
    np.testing.assert_array_equal(out_a, out_b)
