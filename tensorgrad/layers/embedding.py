"""Embedding: turns integer ids into dense vectors, the first layer of the text models.

>>> import numpy as np
>>> from tensorgrad import layers
>>> emb = layers.Embedding(10000, 32)
>>> emb(np.array([[4, 20, 7]])).shape
(1, 3, 32)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from tensorgrad import constraints, initializers, regularizers
from tensorgrad.engine.ops.embedding import embedding_lookup
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer


class Embedding(Layer):
    """A lookup table: id i becomes row i of `embeddings` (input_dim, output_dim).

    Args:
        input_dim: the number of ids (the largest id plus 1).
        output_dim: the size of each vector.
        embeddings_initializer: "uniform" by default, RandomUniform(-0.05, 0.05) as Keras.
        mask_zero: id 0 is padding: the output carries the mask `inputs != 0` for the
            layers after it (RNNs skip those steps). Id 0 is then reserved, so input_dim
            must be the vocabulary size plus 1.
        input_length: the sequence length (Keras 2's argument): sets input_shape.
        embeddings_regularizer, activity_regularizer, embeddings_constraint: as in Dense,
            for the embeddings matrix and the output.

    Inputs are integer arrays of any shape (batch, ...); the output adds an axis of
    output_dim. Only the rows used by a batch receive a gradient.

    Raises:
        TypeError: float inputs (ids must be integers).
        ValueError: ids outside [0, input_dim).
    """

    _autocast = False

    def __init__(
        self,
        input_dim: int,
        output_dim: int,
        embeddings_initializer: Any = "uniform",
        embeddings_regularizer: Any = None,
        embeddings_constraint: Any = None,
        mask_zero: bool = False,
        input_length: int | None = None,
        activity_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        if input_length is not None and "input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"Embedding: {name} must be a positive integer, got {value!r}")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        self.supports_masking = self.mask_zero
        self.embeddings: Tensor | None = None

    def build(self, input_shape: Sequence[Any] | None = None) -> None:
        self.embeddings = self.add_weight(
            "embeddings",
            (self.input_dim, self.output_dim),
            self.embeddings_initializer,
            regularizer=self.embeddings_regularizer,
            constraint=self.embeddings_constraint,
        )

    def call(self, inputs: Tensor) -> Tensor:
        ids = self._check_ids(inputs.data)
        return embedding_lookup(self.embeddings, ids)

    def _check_ids(self, ids: np.ndarray) -> np.ndarray:
        if ids.dtype.kind not in "iub":
            raise TypeError(
                f'Embedding layer "{self.name}": expected integer ids, got an array of dtype '
                f"{ids.dtype}; pass token indices as integers, e.g. x.astype('int32')"
            )
        if ids.size:
            low, high = ids.min(), ids.max()
            if low < 0 or high >= self.input_dim:
                bad = low if low < 0 else high
                raise ValueError(
                    f'Embedding layer "{self.name}": ids must be in [0, {self.input_dim}) '
                    f"(input_dim={self.input_dim}), got {bad}; raise input_dim to the "
                    f"vocabulary size (plus 1 when id 0 is padding) or clip the ids"
                )
        return ids

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """`inputs != 0` when mask_zero, else None."""
        if not self.mask_zero:
            return None
        data = inputs.data if isinstance(inputs, Tensor) else np.asarray(inputs)
        return data != 0

    def compute_output_shape(self, input_shape: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(input_shape) + (self.output_dim,)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
