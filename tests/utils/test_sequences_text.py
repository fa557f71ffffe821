"""pad_sequences and the first edition's text helpers, against Keras' documented results."""

from __future__ import annotations

import numpy as np
import pytest

from tensorgrad.utils import Tokenizer, hashing_trick, one_hot, pad_sequences, text_to_word_sequence


def test_pad_sequences_defaults_pad_and_cut_at_the_front():
    out = pad_sequences([[1, 2, 3, 4], [5]], maxlen=3)
    assert out.dtype == np.int32
    assert out.tolist() == [[2, 3, 4], [0, 0, 5]]
    assert pad_sequences([[1, 2], [3]]).tolist() == [[1, 2], [0, 3]]


def test_pad_sequences_post_value_dtype_and_vectors():
    out = pad_sequences([[1, 2, 3], [4]], maxlen=2, padding="post", truncating="post", value=9)
    assert out.tolist() == [[1, 2], [4, 9]]
    floats = pad_sequences([[0.5], []], maxlen=2, dtype="float32", value=-1.0)
    assert floats.dtype == np.float32 and floats.tolist() == [[-1.0, 0.5], [-1.0, -1.0]]
    vectors = pad_sequences([[[1, 1], [2, 2]], [[3, 3]]])
    assert vectors.shape == (2, 2, 2) and vectors[1].tolist() == [[0, 0], [3, 3]]
    assert pad_sequences([["a", "b"], ["c"]], dtype=object, value="").tolist() == [
        ["a", "b"],
        ["", "c"],
    ]


def test_pad_sequences_agrees_with_keras():
    from tests.layers.keras_reference import keras

    k = keras()
    seqs = [[3, 1, 4, 1, 5], [9, 2], [], [6, 5, 3, 5]]
    for kwargs in [{}, {"maxlen": 3}, {"maxlen": 3, "padding": "post", "truncating": "post"}]:
        expected = k.utils.pad_sequences(seqs, **kwargs)
        got = pad_sequences(seqs, **kwargs)
        assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_pad_sequences_errors():
    with pytest.raises(ValueError, match="sequence 1 cannot be made an array of dtype int32"):
        pad_sequences([[1, 2], ["a", "b", "c"]])
    with pytest.raises(ValueError, match="sequence 0 .*ragged|sequence 0 cannot be made"):
        pad_sequences([[[1, 2], [3]], [[4, 5]]])
    with pytest.raises(ValueError, match="item 1 is int"):
        pad_sequences([[1], 5])
    with pytest.raises(ValueError, match="padding must be 'pre' or 'post'"):
        pad_sequences([[1]], padding="middle")
    with pytest.raises(ValueError, match="use dtype=object for strings"):
        pad_sequences([[1]], value="x")
    with pytest.raises(ValueError, match="items of sequence 1 have shape"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])


def test_text_to_word_sequence_and_hashing():
    assert text_to_word_sequence("Don't stop... ME\tnow!") == ["don't", "stop", "me", "now"]
    assert text_to_word_sequence("A-B", lower=False) == ["A", "B"]
    ids = hashing_trick("the cat the", 10, hash_function="md5")
    assert ids[0] == ids[2] and all(1 <= i < 10 for i in ids)
    assert len(one_hot("a b c", 5)) == 3
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        one_hot("a", 1)


TEXTS = ["The cat sat on the mat.", "The dog ate my homework.", "My cat, my rules!"]


def test_tokenizer_word_index_and_sequences():
    tok = Tokenizer(num_words=5)
    tok.fit_on_texts(TEXTS)
    # the: 3, my: 3 (first seen after "the"), cat: 2, then by first appearance
    assert list(tok.word_index)[:5] == ["the", "my", "cat", "sat", "on"]
    assert tok.word_index["rules"] == 10 and tok.document_count == 3
    assert tok.texts_to_sequences(["the cat ate my homework"]) == [[1, 3, 2]]
    assert tok.sequences_to_texts([[1, 3, 2]]) == ["the cat my"]
    oov = Tokenizer(num_words=4, oov_token="<unk>")
    oov.fit_on_texts(TEXTS)
    assert oov.word_index["<unk>"] == 1 and oov.word_index["the"] == 2
    assert oov.texts_to_sequences(["the zebra cat"]) == [[2, 1, 1]]


def test_tokenizer_matrix_modes():
    tok = Tokenizer()
    tok.fit_on_texts(TEXTS)
    seq = "my cat my"
    binary, count, freq, tfidf = (
        tok.texts_to_matrix([seq], mode=m)[0] for m in ("binary", "count", "freq", "tfidf")
    )
    assert binary.shape == (11,) and binary[[2, 3]].tolist() == [1, 1] and binary.sum() == 2
    assert count[2] == 2 and count[3] == 1
    np.testing.assert_allclose(freq[[2, 3]], [2 / 3, 1 / 3])
    # tf = 1 + log(count), idf = log(1 + documents / (1 + documents with the word))
    np.testing.assert_allclose(tfidf[2], (1 + np.log(2)) * np.log(1 + 3 / 3))
    np.testing.assert_allclose(tfidf[3], 1 * np.log(1 + 3 / 3))
    with pytest.raises(ValueError, match="mode must be one of"):
        tok.texts_to_matrix([seq], mode="onehot")
    with pytest.raises(ValueError, match="give num_words, or call fit_on_texts"):
        Tokenizer().texts_to_matrix(["a"])
    with pytest.raises(TypeError, match="got one string"):
        tok.fit_on_texts("just one text")
