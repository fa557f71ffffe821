"""Models: `Sequential` stacks of layers and the `Model` base with compile, fit, evaluate, predict.

>>> from tensorgrad import layers, models
>>> model = models.Sequential([
...     layers.Dense(512, activation="relu", input_shape=(784,)),
...     layers.Dense(10, activation="softmax"),
... ])
>>> model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["accuracy"])
"""

from tensorgrad.models.functional import Functional
from tensorgrad.models.model import Model
from tensorgrad.saving import load_model, save_model
from tensorgrad.models.sequential import Sequential

__all__ = ["Functional", "Model", "Sequential", "load_model", "save_model"]
