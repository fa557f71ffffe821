"""The IMDB movie-review sentiment dataset, loaded as `keras.datasets.imdb` loads it.

25,000 training and 25,000 test reviews, each a list of word indices (words ranked by
frequency over the dataset, 1 the most frequent), labelled 1 (positive) or 0.

The files, `imdb.npz` and `imdb_word_index.json` (Keras' own, from
https://storage.googleapis.com/tensorflow/tf-keras-datasets/), are looked for in
`path`, then `$TENSORGRAD_HOME/datasets/imdb/`, then `DIR/imdb/` for each DIR in
`$TENSORGRAD_DATA_PATH`, then `/usr/share/datasets/imdb/`, and are otherwise downloaded;
each is verified against Keras' published checksum (see `datasets.sequence_files`).
"""

from __future__ import annotations

import os

import numpy as np

from tensorgrad.datasets import sequence_files as files

MIRRORS: tuple[str, ...] = (files.KERAS_MIRROR,)
NAME = "imdb"
# Downloads are bounded at about twice the sizes of the files (17,464,789 and 1,641,221 bytes).
DATA = files.VerifiedFile(
    "imdb.npz",
    "69664113be75683a8fe16e3ed0ab59fda8886cb3cd7ada244f7d9544e4676b9f",
    max_bytes=1 << 25,
)
WORD_INDEX = files.VerifiedFile(
    "imdb_word_index.json", "bfafd718b763782e994055a2d397834f", algorithm="md5", max_bytes=1 << 22
)


def load_data(
    path: str | os.PathLike[str] | None = None,
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the IMDB dataset with Keras' exact processing.

    Train and test are each shuffled with `np.random.RandomState(seed)`; every index is
    raised by `index_from` and `start_char` put in front; with `maxlen` the sequences of
    maxlen words or more are dropped; then indices >= num_words or < skip_top become
    `oov_char` (or are removed when it is None).

    Args:
        path: a directory holding imdb.npz, or the file itself.
        num_words: keep the num_words most frequent words (counting the offsets), e.g.
            10,000 in the book; all when None.
        skip_top: also replace the skip_top most frequent words.
        maxlen: drop sequences that are not shorter than this.
        seed, start_char, oov_char, index_from: as in Keras (113, 1, 2, 3).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x are 1-D object arrays of lists of int,
        y are int64 arrays of 0 and 1.

    Raises:
        CorruptFileError, DatasetNotFoundError: see `datasets.sequence_files.fetch`.
        ValueError: maxlen removes every sequence.
    """
    arrays = files.read_sequences_npz(files.fetch(NAME, DATA, path, MIRRORS))
    x_train, labels_train = arrays["x_train"], arrays["y_train"]
    x_test, labels_test = arrays["x_test"], arrays["y_test"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(x_train))
    rng.shuffle(indices)
    x_train, labels_train = x_train[indices], labels_train[indices]
    indices = np.arange(len(x_test))
    rng.shuffle(indices)
    x_test, labels_test = x_test[indices], labels_test[indices]

    x_train = files.offset_sequences(x_train, start_char, index_from)
    x_test = files.offset_sequences(x_test, start_char, index_from)
    if maxlen:
        x_train, labels_train = files.remove_long(maxlen, x_train, labels_train)
        x_test, labels_test = files.remove_long(maxlen, x_test, labels_test)
        if not x_train or not x_test:
            raise ValueError(
                f"imdb.load_data: no sequence is shorter than maxlen={maxlen}; raise maxlen"
            )
    xs = files.cut_vocabulary(x_train + x_test, num_words, skip_top, oov_char)
    labels = np.concatenate([np.asarray(labels_train), np.asarray(labels_test)])
    n = len(x_train)
    return (files.object_array(xs[:n]), labels[:n]), (files.object_array(xs[n:]), labels[n:])


def get_word_index(path: str | os.PathLike[str] | None = None) -> dict[str, int]:
    """{word: rank} of imdb_word_index.json (add index_from, 3, to match load_data's ids).

    Args:
        path: a directory holding imdb_word_index.json, or the file itself.
    """
    return files.read_word_index(files.fetch(NAME, WORD_INDEX, path, MIRRORS))
