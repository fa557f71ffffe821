"""TextVectorization: strings to token indices or bag-of-words vectors, Keras 3's layer in NumPy.

>>> from tensorgrad import layers
>>> vectorize = layers.TextVectorization(output_sequence_length=4)
>>> vectorize.adapt(["The cat sat.", "The dog!"])
>>> vectorize.get_vocabulary()
['', '[UNK]', 'the', 'sat', 'dog', 'cat']
>>> vectorize(["the bird sat"]).numpy()
array([[2, 1, 3, 0]])

Keras' layer runs on TensorFlow strings (keras/src/layers/preprocessing/
text_vectorization.py and index_lookup.py); this one follows the same steps on Python
strings: standardize, split, optional n-grams, then the lookup.

- "lower_and_strip_punctuation" (default) lowercases ASCII letters (as tf.strings.lower)
  and deletes the characters !"#$%&()*+,-./:;<=>?@[\\]^_`{|}~'.
- "whitespace" splitting drops empty tokens (runs of ASCII whitespace are one separator).
- The vocabulary is, for output_mode "int", '' (index 0, padding) then '[UNK]' (index 1,
  every unknown token) then the adapted tokens by decreasing count, ties broken by the
  token, the larger first; the other modes have no '' entry, so '[UNK]' is index 0.
  max_tokens bounds the whole vocabulary, special tokens included.
- "int" output is post-padded with 0 to the longest text of the call, or padded and cut
  (at the end) to output_sequence_length; "multi_hot", "count" and "tf_idf" give one
  float row per text, as wide as the vocabulary (max_tokens with pad_to_max_tokens).
  tf_idf weights are log(1 + documents / (1 + documents containing the token)); the
  '[UNK]' weight is their mean.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from tensorgrad.engine.backend import default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers import symbolic
from tensorgrad.layers.base import Layer

PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
STANDARDIZE = (None, "lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = (None, "whitespace", "character")
OUTPUT_MODES = ("int", "multi_hot", "count", "tf_idf")
MASK, OOV = "", "[UNK]"


class TextVectorization(Layer):
    """Maps texts to sequences of token indices or to bag-of-words rows.

    Args:
        max_tokens: the largest vocabulary, special tokens included (None: no bound).
        standardize: "lower_and_strip_punctuation", "lower", "strip_punctuation", None,
            or a function given a NumPy array of strings and returning one.
        split: "whitespace", "character", None (each text is one token), or a function
            given one string and returning its list of tokens.
        ngrams: an int n (all 1..n-grams) or a tuple of n-gram sizes, joined by spaces.
        output_mode: "int", "multi_hot", "count" or "tf_idf".
        output_sequence_length: for "int": pad with 0 or cut every row to this length.
        pad_to_max_tokens: for the other modes: rows max_tokens wide.
        vocabulary: a list of tokens (without the special ones) instead of adapt().
        idf_weights: for "tf_idf" with `vocabulary`: one weight per token.

    Call it on a list or array of strings (batch,) or (batch, 1); the output is a Tensor
    of int64 ids or of floats.
    """

    _takes_text = True  # it turns raw text into numbers; a model may start with it

    _autocast = False

    def __init__(
        self,
        max_tokens: int | None = None,
        standardize: Any = "lower_and_strip_punctuation",
        split: Any = "whitespace",
        ngrams: int | Sequence[int] | None = None,
        output_mode: str = "int",
        output_sequence_length: int | None = None,
        pad_to_max_tokens: bool = False,
        vocabulary: Sequence[str] | None = None,
        idf_weights: Sequence[float] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in OUTPUT_MODES:
            raise ValueError(
                f"TextVectorization: output_mode must be one of {OUTPUT_MODES}, got {output_mode!r}"
            )
        if not callable(standardize) and standardize not in STANDARDIZE:
            raise ValueError(
                f"TextVectorization: standardize must be one of {STANDARDIZE} or a function, "
                f"got {standardize!r}"
            )
        if not callable(split) and split not in SPLIT:
            raise ValueError(
                f"TextVectorization: split must be one of {SPLIT} or a function, got {split!r}"
            )
        if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens <= 1):
            raise ValueError(
                f"TextVectorization: max_tokens must be an integer > 1 or None, got {max_tokens!r}"
            )
        if output_sequence_length is not None and output_mode != "int":
            raise ValueError(
                "TextVectorization: output_sequence_length applies to output_mode='int' only"
            )
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError("TextVectorization: pad_to_max_tokens=True needs max_tokens")
        self.max_tokens = max_tokens
        self.standardize = standardize
        self.split = split
        self.ngrams = ngrams
        self._ngram_sizes = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self._tokens: list[str] = []
        self._index: dict[str, int] = {}
        self._idf: np.ndarray | None = None
        self.built = True
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)
        elif idf_weights is not None:
            raise ValueError("TextVectorization: idf_weights needs a vocabulary")

    # ----- text to tokens -----
    def _texts(self, data: Any) -> np.ndarray:
        if isinstance(data, Tensor):
            data = data.data
        if isinstance(data, (str, bytes)):
            data = [data]
        array = np.asarray(data, dtype=object)
        if array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.ndim != 1:
            raise ValueError(
                f'TextVectorization layer "{self.name}": expected a list of strings (batch,) '
                f"or (batch, 1), got an array of shape {array.shape}"
            )
        out = []
        for i, t in enumerate(array):
            if isinstance(t, bytes):
                t = t.decode("utf-8")
            if not isinstance(t, str):
                raise TypeError(
                    f'TextVectorization layer "{self.name}": item {i} is '
                    f"{type(t).__name__} {t!r}, expected a string"
                )
            out.append(t)
        return np.array(out, dtype=object)

    def _standardize(self, texts: np.ndarray) -> list[str]:
        mode = self.standardize
        if callable(mode):
            result = mode(texts.astype(str))
            return [str(t) for t in np.asarray(result).reshape(-1)]
        out = list(texts)
        if mode in ("lower", "lower_and_strip_punctuation"):
            out = [t.translate(_ASCII_LOWER) for t in out]
        if mode in ("strip_punctuation", "lower_and_strip_punctuation"):
            out = [PUNCTUATION.sub("", t) for t in out]
        return out

    def _split(self, text: str) -> list[str]:
        if self.split is None:
            return [text]
        if self.split == "whitespace":
            return [t for t in WHITESPACE.split(text) if t]
        if self.split == "character":
            return list(text)
        return [str(t) for t in self.split(text)]

    def _tokenize(self, data: Any) -> list[list[str]]:
        docs = [self._split(t) for t in self._standardize(self._texts(data))]
        if self._ngram_sizes is None:
            return docs
        return [
            [" ".join(doc[i : i + n]) for n in self._ngram_sizes for i in range(len(doc) - n + 1)]
            for doc in docs
        ]

    # ----- vocabulary -----
    def _specials(self) -> list[str]:
        return [MASK, OOV] if self.output_mode == "int" else [OOV]

    def adapt(self, data: Iterable[Any], batch_size: int | None = None) -> None:
        """Build the vocabulary (and tf_idf weights) from `data`: a list or array of strings,
        or a dataset (or any iterable) of batches of them, such as
        `text_dataset_from_directory(...).map(lambda x, y: x)`."""
        if not isinstance(data, (str, bytes, list, tuple, np.ndarray, Tensor)):
            batches = [self._texts(batch) for batch in data]
            data = np.concatenate(batches) if batches else np.array([], dtype=object)
        docs = self._tokenize(data)
        counts: Counter[str] = Counter()
        doc_counts: Counter[str] = Counter()
        for doc in docs:
            counts.update(doc)
            doc_counts.update(set(doc))
        for special in (MASK, OOV):
            counts.pop(special, None)
        ranked = sorted(counts.items(), key=lambda kv: (kv[1], kv[0].encode()), reverse=True)
        tokens = [t for t, _ in ranked]
        if self.max_tokens is not None:
            tokens = tokens[: self.max_tokens - len(self._specials())]
        idf = None
        if self.output_mode == "tf_idf":
            idf = np.log(1 + len(docs) / (1 + np.array([doc_counts[t] for t in tokens], float)))
        self._set(tokens, idf)

    def set_vocabulary(
        self, vocabulary: Sequence[str], idf_weights: Sequence[float] | None = None
    ) -> None:
        """Use `vocabulary` (tokens without '' and '[UNK]'; leading special tokens are
        skipped) and, for tf_idf, one idf weight per token."""
        tokens = [str(t) for t in vocabulary]
        specials = self._specials()
        if tokens[: len(specials)] == specials:
            tokens = tokens[len(specials) :]
        if len(set(tokens)) != len(tokens) or any(t in (MASK, OOV) for t in tokens):
            raise ValueError(
                f'TextVectorization layer "{self.name}": the vocabulary has repeated tokens '
                f"or special tokens ('', '[UNK]') in the middle"
            )
        if self.max_tokens is not None and len(tokens) + len(specials) > self.max_tokens:
            raise ValueError(
                f'TextVectorization layer "{self.name}": a vocabulary of {len(tokens)} tokens '
                f"plus {len(specials)} special ones exceeds max_tokens={self.max_tokens}"
            )
        idf = None
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(
                    f'TextVectorization layer "{self.name}": output_mode="tf_idf" with a '
                    f"given vocabulary needs idf_weights"
                )
            idf = np.asarray(idf_weights, dtype=float)
            if idf.shape == (len(tokens) + 1,):  # weights given with the '[UNK]' one first
                idf = idf[1:]
            if idf.shape != (len(tokens),):
                raise ValueError(
                    f'TextVectorization layer "{self.name}": {len(tokens)} tokens but '
                    f"{idf.size} idf_weights"
                )
        elif idf_weights is not None:
            raise ValueError("TextVectorization: idf_weights apply to output_mode='tf_idf' only")
        self._set(tokens, idf)

    def _set(self, tokens: list[str], idf: np.ndarray | None) -> None:
        start = len(self._specials())
        self._tokens = tokens
        self._index = {t: i + start for i, t in enumerate(tokens)}
        if idf is not None:
            mean = idf.mean() if idf.size else 0.0
            self._idf = np.concatenate([[mean], idf])
        else:
            self._idf = None

    def get_vocabulary(self, include_special_tokens: bool = True) -> list[str]:
        """The tokens in index order ('' and '[UNK]' first, unless excluded)."""
        return (self._specials() if include_special_tokens else []) + list(self._tokens)

    def vocabulary_size(self) -> int:
        return len(self._specials()) + len(self._tokens)

    # ----- calling -----
    def __call__(self, inputs: Any, training: bool | None = None) -> Any:
        """Vectorize a list or array of strings (no float cast: the inputs are text).

        Called on `Input(shape=(1,), dtype="string")`, the call is recorded in the graph, so
        a model can take raw text end to end.
        """
        if symbolic.any_symbolic(inputs, (), {}):
            return symbolic.symbolic_call(self, inputs, (), {})
        return self.call(inputs)

    def _output_dtype(self, inputs: Any) -> str:
        return "int64" if self.output_mode == "int" else self.dtype

    def call(self, inputs: Any) -> Tensor:
        docs = self._tokenize(inputs)
        oov = 1 if self.output_mode == "int" else 0
        ids = [[self._index.get(t, oov) for t in doc] for doc in docs]
        if self.output_mode == "int":
            length = self.output_sequence_length
            if length is None:
                length = max((len(d) for d in ids), default=0)
            out = np.zeros((len(ids), length), dtype=np.int64)
            for i, d in enumerate(ids):
                d = d[:length]
                out[i, : len(d)] = d
            return Tensor._make(out, False, None)
        if self.output_mode != "int" and not self._tokens and not self.pad_to_max_tokens:
            raise ValueError(
                f'TextVectorization layer "{self.name}": output_mode={self.output_mode!r} '
                f"needs a vocabulary: call adapt() or set_vocabulary() first"
            )
        width = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        out = np.zeros((len(ids), width), dtype=self._dtype or default_float())
        for i, d in enumerate(ids):
            if not d:
                continue
            counts = np.bincount(np.asarray(d), minlength=width)
            if self.output_mode == "multi_hot":
                out[i] = counts > 0
            elif self.output_mode == "count":
                out[i] = counts
            else:
                idf = np.zeros(width)
                idf[: self._idf.size] = self._idf
                out[i] = counts * idf
        return Tensor._make(out, False, None)

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        width = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        return (input_shape[0], width)

    def get_config(self) -> dict[str, Any]:
        config = {
            **super().get_config(),
            "max_tokens": self.max_tokens,
            "standardize": self.standardize if not callable(self.standardize) else None,
            "split": self.split if not callable(self.split) else None,
            "ngrams": self.ngrams,
            "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary": list(self._tokens) if self._tokens else None,
        }
        if self._idf is not None:
            config["idf_weights"] = [float(w) for w in self._idf[1:]]
        return config
