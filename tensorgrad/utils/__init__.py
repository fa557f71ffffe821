"""Helpers around the models: one-hot labels, row-major reshape, seeding, the progress bar.

>>> from tensorgrad import utils
>>> utils.to_categorical([1, 0], num_classes=3)
array([[0., 1., 0.],
       [1., 0., 0.]], dtype=float32)
"""

from tensorgrad.utils.arrays import array_reshape, to_categorical
from tensorgrad.utils.image_dataset import image_dataset_from_directory
from tensorgrad.utils.image_utils import array_to_img, img_to_array, load_img, save_img
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
from tensorgrad.utils.py_dataset import PyDataset, Sequence
from tensorgrad.utils.random import set_random_seed
from tensorgrad.utils.sequences import pad_sequences
from tensorgrad.utils.text import Tokenizer, hashing_trick, one_hot, text_to_word_sequence
from tensorgrad.utils.text_dataset import text_dataset_from_directory
from tensorgrad.utils.timeseries import timeseries_dataset_from_array

__all__ = [
    "Progbar",
    "PyDataset",
    "Sequence",
    "array_reshape",
    "array_to_img",
    "image_dataset_from_directory",
    "img_to_array",
    "load_img",
    "loss_along_line",
    "loss_surface",
    "plot_digit",
    "plot_history",
    "plot_loss_line",
    "plot_loss_surface",
    "plot_predictions",
    "project_onto",
    "random_direction",
    "save_img",
    "set_random_seed",
    "timeseries_dataset_from_array",
    "to_categorical",
]
__all__ += [  # sequences and text
    "Tokenizer",
    "hashing_trick",
    "one_hot",
    "pad_sequences",
    "text_dataset_from_directory",
    "text_to_word_sequence",
]
