"""Layers: the building blocks of models.

>>> from tensorgrad import layers
>>> layers.Dense(512, activation="relu", input_shape=(784,)).get_config()["units"]
512
"""

from tensorgrad.layers.activations import LeakyReLU
from tensorgrad.layers.base import Layer, deserialize, serialize
from tensorgrad.layers.conv import Conv1D, Conv2D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D
from tensorgrad.layers.core import Activation, Dense, Dropout, Flatten
from tensorgrad.layers.input_layer import Input, InputLayer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.normalization import BatchNormalization
from tensorgrad.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling1D,
    MaxPooling2D,
)
from tensorgrad.layers.reshaping import Reshape, UpSampling2D, ZeroPadding2D

__all__ = [
    "Activation",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Dense",
    "DepthwiseConv2D",
    "Dropout",
    "Flatten",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Input",
    "InputLayer",
    "InputSpec",
    "Layer",
    "LeakyReLU",
    "MaxPooling1D",
    "MaxPooling2D",
    "Reshape",
    "SeparableConv2D",
    "UpSampling2D",
    "ZeroPadding2D",
    "deserialize",
    "serialize",
]
