"""Raw text into models: Input(dtype="string"), a TextVectorization layer first, fit on strings."""

import numpy as np
import pytest

import tensorgrad as keras
from tensorgrad import layers, models

WORDS = ["movie", "plot", "actor", "scene", "film", "story"]


def reviews(n=200, seed=0):
    """Texts whose label is planted as one word ("excellent" or "awful") among filler."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    texts = [" ".join(rng.choice(WORDS, 5)) + (" excellent" if y else " awful") for y in labels]
    return np.array(texts), labels


def fast():
    return keras.optimizers.Adam(learning_rate=0.05)


def vectorizer(texts, **kwargs):
    layer = layers.TextVectorization(max_tokens=20, output_mode="multi_hot", **kwargs)
    layer.adapt(texts)
    return layer


def test_an_end_to_end_model_learns_from_raw_strings():
    keras.utils.set_random_seed(0)
    texts, labels = reviews()
    inputs = keras.Input(shape=(1,), dtype="string")
    assert inputs.dtype == "string"
    x = vectorizer(texts)(inputs)
    assert x.shape == (None, 9)
    outputs = layers.Dense(1, activation="sigmoid")(layers.Dense(8, activation="relu")(x))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=fast(), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(texts, labels, epochs=15, batch_size=16, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    # (n,) and (n, 1) arrays of strings, and a plain list, give the same predictions.
    flat = model.predict(texts[:4], verbose=0)
    np.testing.assert_array_equal(flat, model.predict(texts[:4, None], verbose=0))
    np.testing.assert_array_equal(flat, model.predict(list(texts[:4]), verbose=0))
    loss, accuracy = model.evaluate(texts, labels, verbose=0)
    assert accuracy == 1.0 and loss < 0.3


def test_the_inference_model_wraps_a_trained_model_with_its_vectorizer():
    keras.utils.set_random_seed(1)
    texts, labels = reviews()
    text_vectorization = vectorizer(texts)
    model = models.Sequential(
        [layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")]
    )
    model.compile(optimizer=fast(), loss="binary_crossentropy")
    model.fit(text_vectorization(texts), labels, epochs=15, verbose=0)
    inputs = keras.Input(shape=(1,), dtype="string")
    inference_model = keras.Model(inputs, model(text_vectorization(inputs)))
    predictions = inference_model(np.array([["That was an excellent movie, I loved it."]]))
    assert float(predictions[0] * 100) > 50
    assert float(inference_model(np.array([["An awful film."]]))[0]) < 0.5


def test_a_sequential_model_can_start_with_the_vectorizer():
    keras.utils.set_random_seed(2)
    texts, labels = reviews()
    model = models.Sequential([vectorizer(texts), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=fast(), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(list(texts), labels, epochs=30, verbose=0, validation_data=(texts, labels))
    assert model.evaluate(texts, labels, verbose=0)[1] == 1.0


def test_a_model_with_text_saves_and_loads(tmp_path):
    texts, _ = reviews(40)
    inputs = keras.Input(shape=(1,), dtype="string")
    model = keras.Model(inputs, layers.Dense(1)(vectorizer(texts)(inputs)))
    path = tmp_path / "text.tensorgrad"
    model.save(path)
    loaded = models.load_model(path)
    assert loaded.inputs[0].dtype == "string"
    np.testing.assert_array_equal(loaded.predict(texts, verbose=0), model.predict(texts, verbose=0))


def test_text_given_to_a_model_of_numbers_is_refused_clearly():
    texts, labels = reviews(8)
    model = models.Sequential([layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(
        TypeError, match=r"x holds text .* start it with a layers.TextVectorization"
    ):
        model.fit(texts, labels, verbose=0)
    inputs = keras.Input(shape=(3,))
    functional = keras.Model(inputs, layers.Dense(1)(inputs))
    with pytest.raises(TypeError, match=r'Input\(shape=\(1,\), dtype="string"\)'):
        functional.predict(texts, verbose=0)
    with pytest.raises(TypeError, match=r'Dense layer "\w+": got raw text .*TextVectorization'):
        layers.Dense(2)(texts)


def test_one_element_tensors_convert_to_python_numbers_whatever_their_shape():
    assert float(keras.tensor([[2.5]])) == 2.5 and int(keras.tensor([7.0])) == 7
    with pytest.raises(TypeError, match=r"float\(\) of a tensor needs exactly one element"):
        float(keras.tensor([1.0, 2.0]))
