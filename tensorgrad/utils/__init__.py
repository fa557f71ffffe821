"""Helpers around the models: one-hot labels, row-major reshape, seeding, the progress bar.

>>> from tensorgrad import utils
>>> utils.to_categorical([1, 0], num_classes=3)
array([[0., 1., 0.],
       [1., 0., 0.]], dtype=float32)
"""

from tensorgrad.utils.arrays import array_reshape, to_categorical
from tensorgrad.utils.landscape import (
    loss_along_line,
    loss_surface,
    project_onto,
    random_direction,
)
from tensorgrad.utils.plotting import (
    plot_digit,
    plot_history,
    plot_loss_line,
    plot_loss_surface,
    plot_predictions,
)
from tensorgrad.utils.progbar import Progbar
from tensorgrad.utils.random import set_random_seed
from tensorgrad.utils.sequences import pad_sequences
from tensorgrad.utils.text import Tokenizer, hashing_trick, one_hot, text_to_word_sequence

__all__ = [
    "Progbar",
    "array_reshape",
    "loss_along_line",
    "loss_surface",
    "plot_digit",
    "plot_history",
    "plot_loss_line",
    "plot_loss_surface",
    "plot_predictions",
    "project_onto",
    "random_direction",
    "set_random_seed",
    "to_categorical",
]
__all__ += [  # sequences and text
    "Tokenizer",
    "hashing_trick",
    "one_hot",
    "pad_sequences",
    "text_to_word_sequence",
]
