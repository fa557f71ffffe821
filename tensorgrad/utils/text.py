"""The first edition's text helpers: Tokenizer, one_hot, hashing_trick, text_to_word_sequence.

These follow `keras.preprocessing.text` of Keras 2 (keras-preprocessing 1.1), which the
book's first edition uses to turn texts into word indices and bag-of-words matrices.

>>> tokenizer = Tokenizer(num_words=1000)
>>> tokenizer.fit_on_texts(["The cat sat on the mat.", "The dog ate my homework."])
>>> tokenizer.texts_to_sequences(["the cat ate"])
[[1, 2, 7]]
>>> tokenizer.texts_to_matrix(["the cat ate"], mode="binary")[0, :8]
array([0., 1., 1., 0., 0., 0., 0., 1.])
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(
    text: str, filters: str = FILTERS, lower: bool = True, split: str = " "
) -> list[str]:
    """The words of `text`: lowercased, with the `filters` characters taken as separators.

    >>> text_to_word_sequence("Hello, World!  Hi")
    ['hello', 'world', 'hi']
    """
    if not isinstance(text, str):
        raise TypeError(f"text_to_word_sequence: expected a string, got {type(text).__name__}")
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [w for w in text.split(split) if w]


def hashing_trick(
    text: str,
    n: int,
    hash_function: Callable[[str], int] | str | None = None,
    filters: str = FILTERS,
    lower: bool = True,
    split: str = " ",
) -> list[int]:
    """Each word of `text` as an index in [1, n) given by a hash (0 is never used).

    Args:
        hash_function: None for Python's `hash` (which changes between runs unless
            PYTHONHASHSEED is set), "md5" for a stable hash, or a function str -> int.
    """
    if hash_function is None:
        hash_function = hash
    elif hash_function == "md5":

        def hash_function(w: str) -> int:
            return int(hashlib.md5(w.encode()).hexdigest(), 16)

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"hashing_trick: n must be an integer >= 2, got {n!r}")
    words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    return [int(hash_function(w) % (n - 1) + 1) for w in words]


def one_hot(
    text: str, n: int, filters: str = FILTERS, lower: bool = True, split: str = " "
) -> list[int]:
    """Each word of `text` as an index in [1, n): hashing_trick with Python's hash.

    Not a one-hot matrix despite the name (Keras' name); different words can share an
    index, and the indices change between runs unless PYTHONHASHSEED is set.
    """
    return hashing_trick(text, n, hash_function=hash, filters=filters, lower=lower, split=split)


class Tokenizer:
    """Builds a word index from texts and turns texts into index lists or matrices.

    Args:
        num_words: keep only the num_words - 1 most frequent words in the outputs
            (word_index still holds every word).
        filters: characters removed from the texts (taken as separators).
        lower: lowercase the texts.
        split: the word separator.
        char_level: every character is a token.
        oov_token: if given, it takes index 1 and stands for words not in the index (or
            beyond num_words) instead of dropping them.

    Indices start at 1 and follow word frequency over `fit_on_texts` (ties in order of
    first appearance); 0 is left for padding.
    """

    def __init__(
        self,
        num_words: int | None = None,
        filters: str = FILTERS,
        lower: bool = True,
        split: str = " ",
        char_level: bool = False,
        oov_token: str | None = None,
        document_count: int = 0,
    ) -> None:
        if num_words is not None and (
            isinstance(num_words, bool) or not isinstance(num_words, (int, np.integer))
        ):
            raise TypeError(f"Tokenizer: num_words must be an integer or None, got {num_words!r}")
        self.num_words = num_words
        self.filters, self.lower, self.split = filters, lower, split
        self.char_level, self.oov_token = char_level, oov_token
        self.document_count = document_count
        self.word_counts: OrderedDict[str, int] = OrderedDict()
        self.word_docs: defaultdict[str, int] = defaultdict(int)
        self.word_index: dict[str, int] = {}
        self.index_word: dict[int, str] = {}
        self.index_docs: defaultdict[int, int] = defaultdict(int)

    def _tokens(self, text: Any) -> list[str]:
        if self.char_level or isinstance(text, list):
            if self.lower:
                text = [t.lower() for t in text] if isinstance(text, list) else text.lower()
            return list(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    def fit_on_texts(self, texts: Iterable[Any]) -> None:
        """Count the words of `texts` (strings, or lists of tokens) and rebuild word_index."""
        if isinstance(texts, str):
            raise TypeError(
                "Tokenizer.fit_on_texts: expected a list of texts, got one string; wrap it "
                "in a list"
            )
        for text in texts:
            self.document_count += 1
            seq = self._tokens(text)
            for w in seq:
                self.word_counts[w] = self.word_counts.get(w, 0) + 1
            for w in set(seq):
                self.word_docs[w] += 1
        ranked = sorted(self.word_counts.items(), key=lambda wc: wc[1], reverse=True)
        vocab = ([] if self.oov_token is None else [self.oov_token]) + [w for w, _ in ranked]
        self.word_index = dict(zip(vocab, range(1, len(vocab) + 1)))
        self.index_word = {i: w for w, i in self.word_index.items()}
        self.index_docs = defaultdict(int)
        for w, c in self.word_docs.items():
            self.index_docs[self.word_index[w]] = c

    def texts_to_sequences(self, texts: Iterable[Any]) -> list[list[int]]:
        """Each text as the list of its words' indices (unknown words dropped or OOV)."""
        if isinstance(texts, str):
            raise TypeError(
                "Tokenizer.texts_to_sequences: expected a list of texts, got one string"
            )
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        out = []
        for text in texts:
            vect = []
            for w in self._tokens(text):
                i = self.word_index.get(w)
                if i is not None:
                    if self.num_words and i >= self.num_words:
                        if oov is not None:
                            vect.append(oov)
                    else:
                        vect.append(i)
                elif self.oov_token is not None:
                    vect.append(oov)
            out.append(vect)
        return out

    def sequences_to_texts(self, sequences: Iterable[Sequence[int]]) -> list[str]:
        """The inverse of texts_to_sequences: indices back to words joined by spaces."""
        oov = self.word_index.get(self.oov_token) if self.oov_token is not None else None
        texts = []
        for seq in sequences:
            words = []
            for i in seq:
                w = self.index_word.get(int(i))
                if w is not None and not (self.num_words and i >= self.num_words):
                    words.append(w)
                elif oov is not None:
                    words.append(self.index_word[oov])
            texts.append(" ".join(words))
        return texts

    def texts_to_matrix(self, texts: Iterable[Any], mode: str = "binary") -> np.ndarray:
        """(len(texts), num_words) bag of words: mode "binary", "count", "tfidf" or "freq"."""
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(
        self, sequences: Sequence[Sequence[int]], mode: str = "binary"
    ) -> np.ndarray:
        """The bag-of-words matrix of index lists (see texts_to_matrix).

        Raises:
            ValueError: an unknown mode, no num_words and no fitted index, or "tfidf"
                before fit_on_texts.
        """
        if mode not in MODES:
            raise ValueError(f"Tokenizer: mode must be one of {MODES}, got {mode!r}")
        num_words = self.num_words
        if not num_words:
            if not self.word_index:
                raise ValueError(
                    "Tokenizer: give num_words, or call fit_on_texts first, to size the matrix"
                )
            num_words = len(self.word_index) + 1
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: call fit_on_texts before using mode='tfidf'")
        x = np.zeros((len(sequences), num_words))
        for i, seq in enumerate(sequences):
            if not len(seq):
                continue
            counts: defaultdict[int, int] = defaultdict(int)
            for j in seq:
                if j < num_words:
                    counts[j] += 1
            for j, c in counts.items():
                if mode == "count":
                    x[i, j] = c
                elif mode == "freq":
                    x[i, j] = c / len(seq)
                elif mode == "binary":
                    x[i, j] = 1
                else:
                    tf = 1 + np.log(c)
                    idf = np.log(1 + self.document_count / (1 + self.index_docs.get(j, 0)))
                    x[i, j] = tf * idf
        return x
