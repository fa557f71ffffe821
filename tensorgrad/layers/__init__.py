"""Layers: the building blocks of models.

>>> from tensorgrad import layers
>>> layers.Dense(512, activation="relu", input_shape=(784,)).get_config()["units"]
512
"""

from tensorgrad.layers.base import Layer, deserialize, serialize
from tensorgrad.layers.core import Activation, Dense, Dropout, Flatten
from tensorgrad.layers.embedding import Embedding
from tensorgrad.layers.input_layer import Input, InputLayer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.masking import Masking
from tensorgrad.layers.recurrent import GRU, LSTM, SimpleRNN
from tensorgrad.layers.text_vectorization import TextVectorization
from tensorgrad.layers.wrappers import Bidirectional, TimeDistributed

__all__ = [
    "Activation",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "InputSpec",
    "Layer",
    "deserialize",
    "serialize",
]
__all__ += [  # sequences
    "GRU",
    "LSTM",
    "Bidirectional",
    "Embedding",
    "Masking",
    "SimpleRNN",
    "TextVectorization",
    "TimeDistributed",
]
