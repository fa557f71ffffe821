"""Keras 2's `keras.preprocessing` names: `image.ImageDataGenerator` (first edition)."""

from tensorgrad.preprocessing import image

__all__ = ["image"]
