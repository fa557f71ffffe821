"""Layers: the building blocks of models.

>>> from tensorgrad import layers
>>> layers.Dense(512, activation="relu", input_shape=(784,)).get_config()["units"]
512
"""

from tensorgrad.layers.base import Layer, deserialize, serialize
from tensorgrad.layers.core import Activation, Dense, Dropout, Flatten
from tensorgrad.layers.input_layer import Input, InputLayer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.preprocessing import (
    CenterCrop,
    Normalization,
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
    Rescaling,
    Resizing,
)

__all__ = [
    "Activation",
    "CenterCrop",
    "Dense",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "InputSpec",
    "Layer",
    "Normalization",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "deserialize",
    "serialize",
]
