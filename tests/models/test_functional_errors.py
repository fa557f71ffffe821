"""Mistakes with graphs and multi-output data get messages naming the model, the input or
output, the expected and the received shapes."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as keras
from tensorgrad import layers


def two_in_two_out() -> keras.Model:
    a = keras.Input(shape=(4,), name="title")
    b = keras.Input(shape=(3,), name="tags")
    h = layers.Dense(8, activation="relu")(layers.Concatenate()([a, b]))
    p = layers.Dense(1, activation="sigmoid", name="priority")(h)
    d = layers.Dense(2, activation="softmax", name="department")(h)
    model = keras.Model([a, b], [p, d], name="tickets")
    model.compile("rmsprop", ["mse", "categorical_crossentropy"])
    return model


X = {"title": np.zeros((5, 4)), "tags": np.zeros((5, 3))}
Y = [np.zeros((5, 1)), np.eye(2)[np.arange(5) % 2]]


def test_a_missing_input_name_in_a_dict():
    model = two_in_two_out()
    with pytest.raises(
        ValueError, match=r'"tickets": no value for input "tags" \(expected shape \(None, 3\)\)'
    ):
        model.fit({"title": X["title"]}, Y, verbose=0)


def test_an_input_of_the_wrong_shape_names_it():
    model = two_in_two_out()
    with pytest.raises(
        ValueError,
        match=r'"tickets" expects input "tags" of shape \(None, 3\), got an array of shape \(5, 7\)',
    ):
        model.predict({"title": X["title"], "tags": np.zeros((5, 7))})


def test_a_target_list_of_the_wrong_length():
    model = two_in_two_out()
    with pytest.raises(
        ValueError,
        match=r"\"tickets\" has 2 outputs \['priority', 'department'\], so y must be a list of 2 arrays.*got a list of 1",
    ):
        model.fit(X, [Y[0]], verbose=0)
    with pytest.raises(ValueError, match=r"no targets for \['department'\]"):
        model.fit(X, {"priority": Y[0]}, verbose=0)


def test_a_loss_dict_naming_an_unknown_output():
    model = two_in_two_out()
    model.compile("rmsprop", {"priority": "mse", "departement": "categorical_crossentropy"})
    with pytest.raises(
        ValueError,
        match=r"\"tickets\" has no output named 'departement' \(in the loss dict\); its outputs are \['priority', 'department'\]",
    ):
        model.fit(X, Y, verbose=0)


def test_a_list_of_losses_of_the_wrong_length():
    model = two_in_two_out()
    model.compile("rmsprop", ["mse"])
    with pytest.raises(ValueError, match=r"has 2 outputs .* but loss is a list of 1"):
        model.evaluate(X, Y, verbose=0)


def test_calling_a_layer_on_incompatible_shapes():
    a, b = keras.Input(shape=(4,), name="a"), keras.Input(shape=(3,), name="b")
    with pytest.raises(
        ValueError,
        match=r'Add layer "add\w*": inputs must have the same shape, got shapes \(None, 4\), \(None, 3\)',
    ):
        layers.Add()([a, b])
    dense = layers.Dense(2, name="scorer")
    dense(a)
    with pytest.raises(
        ValueError,
        match=r'Dense layer "scorer": expected an input of shape \(\.\.\., 4\), got shape \(None, 3\)',
    ):
        dense(b)
    with pytest.raises(
        ValueError,
        match=r"Concatenate layer .* same shape except along axis -1, got shapes \(None, 4\), \(None, 2, 3\)",
    ):
        layers.Concatenate()([a, keras.Input(shape=(2, 3))])


def test_an_output_that_needs_an_input_not_given():
    a, b = keras.Input(shape=(2,), name="a"), keras.Input(shape=(2,), name="b")
    out = layers.Add()([a, b])
    with pytest.raises(
        ValueError,
        match=r'depends on the input "b" \(None, 2\), which is not among the model\'s inputs',
    ):
        keras.Model(a, out)


def test_inputs_must_be_symbolic():
    with pytest.raises(TypeError, match="inputs must be symbolic tensors made from keras.Input"):
        keras.Model(np.zeros((2, 3)), keras.Input(shape=(3,)))


def test_symbolic_tensors_have_no_values_to_convert():
    a = keras.Input(shape=(2,))
    with pytest.raises(TypeError, match="is symbolic: it holds no values.*keras.ops"):
        np.asarray(a)


def test_class_weight_needs_one_output():
    model = two_in_two_out()
    with pytest.raises(ValueError, match="class_weight is for models with one output"):
        model.fit(X, Y, class_weight={0: 1.0, 1: 2.0}, verbose=0)
