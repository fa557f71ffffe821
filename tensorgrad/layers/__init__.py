"""Layers: the building blocks of models.

>>> from tensorgrad import layers
>>> layers.Dense(512, activation="relu", input_shape=(784,)).get_config()["units"]
512
"""

from tensorgrad.layers.base import Layer, deserialize, serialize
from tensorgrad.layers.core import Activation, Dense, Dropout, Flatten
from tensorgrad.layers.input_layer import Input, InputLayer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
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
from tensorgrad.layers.symbolic import KerasTensor

__all__ = [
    "Activation",
    "Add",
    "Average",
    "CenterCrop",
    "Concatenate",
    "Dense",
    "Dot",
    "Dropout",
    "Flatten",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "Layer",
    "Maximum",
    "Minimum",
    "Multiply",
    "Normalization",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
    "Subtract",
    "add",
    "average",
    "concatenate",
    "deserialize",
    "dot",
    "maximum",
    "minimum",
    "multiply",
    "serialize",
    "subtract",
]
