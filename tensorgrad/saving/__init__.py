"""Saving and loading models: one safe archive format (no pickle, no code in files).

`save_model` / `load_model` keep architecture, weights, compile settings and optimizer
state; `save_weights` / `load_weights` the weights alone; `save_training_state` /
`load_training_state` what `BackupAndRestore` needs to resume. `archive.py` stores and reads
the zip archive with every check; `saving_lib.py` maps models to and from its content.
Models and callbacks use this package; it imports nothing of theirs.
"""

from tensorgrad.saving.archive import SavingError
from tensorgrad.saving.saving_lib import (
    MODEL_SUFFIX,
    WEIGHTS_SUFFIX,
    load_model,
    load_training_state,
    load_weights,
    save_model,
    save_training_state,
    save_weights,
)

__all__ = [
    "MODEL_SUFFIX",
    "WEIGHTS_SUFFIX",
    "SavingError",
    "load_model",
    "load_training_state",
    "load_weights",
    "save_model",
    "save_training_state",
    "save_weights",
]
