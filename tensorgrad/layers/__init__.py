"""Layers: the building blocks of models.

>>> from tensorgrad import layers
>>> layers.Dense(512, activation="relu", input_shape=(784,)).get_config()["units"]
512
"""

from tensorgrad.layers.activation_layers import (
    ELU,
    PReLU,
    ReLU,
    Softmax,
)
from tensorgrad.layers.activations import (
    LeakyReLU,
)
from tensorgrad.layers.attention import (
    MultiHeadAttention,
)
from tensorgrad.layers.base import (
    Layer,
    deserialize,
    serialize,
)
from tensorgrad.layers.conv import (
    Conv1D,
    Conv2D,
    Conv2DTranspose,
    DepthwiseConv2D,
    SeparableConv2D,
)
from tensorgrad.layers.core import (
    Activation,
    Dense,
    Dropout,
    Flatten,
)
from tensorgrad.layers.embedding import (
    Embedding,
)
from tensorgrad.layers.input_layer import (
    Input,
    InputLayer,
)
from tensorgrad.layers.input_spec import (
    InputSpec,
)
from tensorgrad.layers.lambda_layer import (
    Lambda,
)
from tensorgrad.layers.layer_normalization import (
    LayerNormalization,
)
from tensorgrad.layers.masking import (
    Masking,
)
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
from tensorgrad.layers.noise import (
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from tensorgrad.layers.normalization import (
    BatchNormalization,
)
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
from tensorgrad.layers.recurrent import (
    GRU,
    LSTM,
    SimpleRNN,
)
from tensorgrad.layers.reshaping import (
    Reshape,
    UpSampling2D,
    ZeroPadding2D,
)
from tensorgrad.layers.reshaping_extra import (
    Cropping1D,
    Cropping2D,
    Identity,
    Permute,
    RepeatVector,
)
from tensorgrad.layers.symbolic import (
    KerasTensor,
)
from tensorgrad.layers.text_vectorization import (
    TextVectorization,
)
from tensorgrad.layers.wrappers import (
    Bidirectional,
    TimeDistributed,
)

__all__ = [
    "ELU",
    "GRU",
    "LSTM",
    "Activation",
    "Add",
    "Average",
    "AveragePooling1D",
    "AveragePooling2D",
    "BatchNormalization",
    "Bidirectional",
    "CenterCrop",
    "Concatenate",
    "Conv1D",
    "Conv2D",
    "Conv2DTranspose",
    "Cropping1D",
    "Cropping2D",
    "Dense",
    "DepthwiseConv2D",
    "Dot",
    "Dropout",
    "Embedding",
    "Flatten",
    "GaussianDropout",
    "GaussianNoise",
    "GlobalAveragePooling1D",
    "GlobalAveragePooling2D",
    "GlobalMaxPooling1D",
    "GlobalMaxPooling2D",
    "Identity",
    "Input",
    "InputLayer",
    "InputSpec",
    "KerasTensor",
    "Lambda",
    "Layer",
    "LayerNormalization",
    "LeakyReLU",
    "Masking",
    "MaxPooling1D",
    "MaxPooling2D",
    "Maximum",
    "Minimum",
    "MultiHeadAttention",
    "Multiply",
    "Normalization",
    "PReLU",
    "Permute",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "ReLU",
    "RepeatVector",
    "Rescaling",
    "Reshape",
    "Resizing",
    "SeparableConv2D",
    "SimpleRNN",
    "Softmax",
    "SpatialDropout1D",
    "SpatialDropout2D",
    "SpatialDropout3D",
    "Subtract",
    "TextVectorization",
    "TimeDistributed",
    "UpSampling2D",
    "ZeroPadding2D",
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
