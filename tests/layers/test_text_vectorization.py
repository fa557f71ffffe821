"""TextVectorization: Keras 3's documented semantics (Keras' layer itself needs TensorFlow)."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad import layers

CORPUS = ["The cat sat on the mat.", "The DOG sat!", "a cat; a dog", "the end"]


def adapted(**kwargs):
    layer = layers.TextVectorization(**kwargs)
    layer.adapt(CORPUS)
    return layer


def test_vocabulary_order_and_int_output():
    layer = adapted()
    # the: 4; sat, cat, dog, a: 2 (ties: larger token first); on, mat, end: 1
    assert layer.get_vocabulary() == [
        "",
        "[UNK]",
        "the",
        "sat",
        "dog",
        "cat",
        "a",
        "on",
        "mat",
        "end",
    ]
    assert layer.get_vocabulary(include_special_tokens=False)[0] == "the"
    out = layer(["The bird sat", "cat"])
    assert out.dtype == np.int64 and out.numpy().tolist() == [[2, 1, 3], [5, 0, 0]]


def test_output_sequence_length_pads_and_cuts_at_the_end():
    layer = adapted(output_sequence_length=2)
    assert layer(np.array([["the cat sat"], ["dog"]])).numpy().tolist() == [[2, 5], [4, 0]]


def test_max_tokens_counts_the_special_tokens():
    layer = adapted(max_tokens=5)
    assert layer.get_vocabulary() == ["", "[UNK]", "the", "sat", "dog"]
    multi = adapted(max_tokens=5, output_mode="multi_hot")
    assert multi.get_vocabulary() == ["[UNK]", "the", "sat", "dog", "cat"]


def test_multi_hot_count_and_tf_idf():
    text = ["the the zebra cat"]
    multi = adapted(output_mode="multi_hot")(text).numpy()
    count = adapted(output_mode="count")(text).numpy()
    tfidf_layer = adapted(output_mode="tf_idf")
    tfidf = tfidf_layer(text).numpy()
    assert multi.shape == (1, 9) and multi.dtype == np.float32
    assert multi[0].tolist() == [1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert count[0].tolist() == [1, 2, 0, 0, 1, 0, 0, 0, 0]
    docs = {"the": 3, "cat": 2}  # documents holding each token, of 4
    idf = {t: np.log(1 + 4 / (1 + d)) for t, d in docs.items()}
    all_idf = [np.log(1 + 4 / (1 + d)) for d in (3, 2, 2, 2, 1, 1, 1, 1)]  # "a" twice in one
    np.testing.assert_allclose(tfidf[0, 1], 2 * idf["the"], rtol=1e-6)
    np.testing.assert_allclose(tfidf[0, 4], idf["cat"], rtol=1e-6)
    np.testing.assert_allclose(tfidf[0, 0], np.mean(all_idf), rtol=1e-6)  # the '[UNK]' weight
    padded = adapted(output_mode="count", max_tokens=12, pad_to_max_tokens=True)
    assert padded(text).shape == (1, 12)


def test_standardize_split_and_ngrams_options():
    raw = layers.TextVectorization(standardize=None, split=None)
    raw.adapt(["Hello World", "Hello World", "x"])
    assert raw.get_vocabulary() == ["", "[UNK]", "Hello World", "x"]
    assert raw(["Hello World", "hello world"]).numpy().tolist() == [[2], [1]]
    custom = layers.TextVectorization(
        standardize=lambda t: np.char.upper(t), split=lambda s: s.split("-")
    )
    custom.adapt(["a-b-a"])
    assert custom.get_vocabulary() == ["", "[UNK]", "A", "B"]
    chars = layers.TextVectorization(split="character")
    chars.adapt(["abca"])
    assert chars(["cab"]).numpy().tolist() == [[3, 2, 4]]  # a, then c before b
    bigrams = layers.TextVectorization(ngrams=2)
    bigrams.adapt(["a b c"])
    assert set(bigrams.get_vocabulary()[2:]) == {"a", "b", "c", "a b", "b c"}
    lower_only = layers.TextVectorization(standardize="lower")
    lower_only.adapt(["Hi, hi"])
    assert lower_only.get_vocabulary() == ["", "[UNK]", "hi,", "hi"]


def test_set_vocabulary_config_and_errors():
    layer = layers.TextVectorization(vocabulary=["cat", "dog"], output_sequence_length=3)
    assert layer(["dog cat bird"]).numpy().tolist() == [[3, 2, 1]]
    again = layers.TextVectorization.from_config(layer.get_config())
    assert again.get_vocabulary() == layer.get_vocabulary()
    tfidf = layers.TextVectorization(
        output_mode="tf_idf", vocabulary=["cat", "dog"], idf_weights=[0.5, 2.0]
    )
    np.testing.assert_allclose(tfidf(["dog dog bird"]).numpy(), [[1.25, 0.0, 4.0]])
    with pytest.raises(ValueError, match="needs idf_weights"):
        layers.TextVectorization(output_mode="tf_idf", vocabulary=["a"])
    with pytest.raises(ValueError, match="output_mode must be one of"):
        layers.TextVectorization(output_mode="one_hot_words")
    with pytest.raises(TypeError, match="item 1 is int"):
        layer(["ok", 3])
    with pytest.raises(ValueError, match="needs a vocabulary"):
        layers.TextVectorization(output_mode="count")(["a"])
    with pytest.raises(ValueError, match="repeated tokens"):
        layers.TextVectorization(vocabulary=["a", "a"])


def test_vectorized_text_feeds_an_embedding_model():
    from tensorgrad import models

    vectorize = adapted(output_sequence_length=4)
    ids = vectorize(CORPUS).numpy()
    model = models.Sequential(
        [layers.Embedding(vectorize.vocabulary_size(), 3, mask_zero=True), layers.GRU(2)]
    )
    assert model.predict(ids, verbose=0).shape == (4, 2)
