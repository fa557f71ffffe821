"""The learned scale gamma and shift beta that Batch- and LayerNormalization apply after
normalising: their arguments, their weights and their config entries, in one place."""

from __future__ import annotations

from typing import Any

from tensorgrad import constraints, initializers, regularizers
from tensorgrad.engine.tensor import Tensor


class ScaleAndShift:
    """gamma (scale=True) and beta (center=True) for a normalisation layer."""

    gamma: Tensor | None = None
    beta: Tensor | None = None

    def _init_scale_and_shift(
        self,
        center: bool,
        scale: bool,
        beta_initializer: Any,
        gamma_initializer: Any,
        beta_regularizer: Any,
        gamma_regularizer: Any,
        beta_constraint: Any,
        gamma_constraint: Any,
    ) -> None:
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)

    def _build_scale_and_shift(self, shape: tuple[int, ...]) -> None:
        """gamma then beta, of `shape`, in Keras' order."""
        if self.scale:
            self.gamma = self.add_weight(  # type: ignore[attr-defined]
                "gamma",
                shape,
                self.gamma_initializer,
                regularizer=self.gamma_regularizer,
                constraint=self.gamma_constraint,
            )
        if self.center:
            self.beta = self.add_weight(  # type: ignore[attr-defined]
                "beta",
                shape,
                self.beta_initializer,
                regularizer=self.beta_regularizer,
                constraint=self.beta_constraint,
            )

    def _scale_and_shift_config(self) -> dict[str, Any]:
        return {
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
