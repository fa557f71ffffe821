"""Preprocessing layers: image resizing, cropping and rescaling, random augmentation (active
only in training), and feature normalization learnt by `adapt`."""

from tensorgrad.layers.preprocessing.image_layers import CenterCrop, Rescaling, Resizing
from tensorgrad.layers.preprocessing.normalization import Normalization
from tensorgrad.layers.preprocessing.random_layers import (
    RandomContrast,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)

__all__ = [
    "CenterCrop",
    "Normalization",
    "RandomContrast",
    "RandomFlip",
    "RandomRotation",
    "RandomTranslation",
    "RandomZoom",
    "Rescaling",
    "Resizing",
]
