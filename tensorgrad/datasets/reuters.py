"""The Reuters newswire topics dataset, loaded as `keras.datasets.reuters` loads it.

11,228 newswires, each a list of word indices (ranked by frequency), labelled with one
of 46 topics. The files `reuters.npz` and `reuters_word_index.json` (Keras' own) are
found, downloaded and verified as the IMDB files are (see `datasets.imdb`).
"""

from __future__ import annotations

import os

import numpy as np

from tensorgrad.datasets import sequence_files as files

MIRRORS: tuple[str, ...] = (files.KERAS_MIRROR,)
NAME = "reuters"
# Downloads are bounded at about twice the sizes of the files (2,110,848 and 550,378 bytes).
DATA = files.VerifiedFile(
    "reuters.npz",
    "d6586e694ee56d7a4e65172e12b3e987c03096cb01eab99753921ef915959916",
    max_bytes=1 << 23,
)
WORD_INDEX = files.VerifiedFile(
    "reuters_word_index.json",
    "4d44cc38712099c9e383dc6e5f11a921",
    algorithm="md5",
    max_bytes=1 << 21,
)


def load_data(
    path: str | os.PathLike[str] | None = None,
    num_words: int | None = None,
    skip_top: int = 0,
    maxlen: int | None = None,
    test_split: float = 0.2,
    seed: int = 113,
    start_char: int | None = 1,
    oov_char: int | None = 2,
    index_from: int = 3,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Loads the Reuters dataset with Keras' exact processing.

    All newswires are shuffled with `np.random.RandomState(seed)`, re-indexed as in
    `imdb.load_data` (offset, start_char, maxlen filter, num_words / skip_top cut), and
    the last `test_split` fraction becomes the test set (8,982 / 2,246 by default).

    Returns:
        `(x_train, y_train), (x_test, y_test)`: x are 1-D object arrays of lists of int,
        y int64 topic numbers 0-45.
    """
    if not 0 <= test_split < 1:
        raise ValueError(f"reuters.load_data: test_split must be in [0, 1), got {test_split}")
    arrays = files.read_sequences_npz(files.fetch(NAME, DATA, path, MIRRORS))
    xs, labels = arrays["x"], arrays["y"]
    rng = np.random.RandomState(seed)
    indices = np.arange(len(xs))
    rng.shuffle(indices)
    xs, labels = xs[indices], labels[indices]
    xs = files.offset_sequences(xs, start_char, index_from)
    if maxlen:
        xs, labels = files.remove_long(maxlen, xs, labels)
    xs = files.cut_vocabulary(xs, num_words, skip_top, oov_char)
    labels = np.asarray(labels)
    n = int(len(xs) * (1 - test_split))
    return (files.object_array(xs[:n]), labels[:n]), (files.object_array(xs[n:]), labels[n:])


def get_word_index(path: str | os.PathLike[str] | None = None) -> dict[str, int]:
    """{word: rank} of reuters_word_index.json (add index_from, 3, to match load_data)."""
    return files.read_word_index(files.fetch(NAME, WORD_INDEX, path, MIRRORS))
