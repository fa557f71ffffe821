"""One step on one batch: `train_on_batch`, `test_on_batch`, `predict_on_batch`, as in Keras 3.

For loops a user writes around the model (the book's GAN trains its discriminator and
generator in turn this way): the batch is checked and prepared as fit's data is, the
metrics start afresh at each call, and the results come back as `evaluate` gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tensorgrad.engine import grad_mode
from tensorgrad.utils import nest


class BatchMethods:
    """`train_on_batch`, `test_on_batch` and `predict_on_batch` (a base of `Model`)."""

    def train_on_batch(
        self,
        x: Any,
        y: Any = None,
        sample_weight: Any = None,
        class_weight: Mapping[Any, float] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """One gradient update on the batch (x, y); its loss and metrics.

        Returns:
            The loss (a float) when the model has no metrics, else [loss, *metrics], or a
            dict {"loss": ..., name: ...} with return_dict=True. The metrics cover this
            batch alone.
        """
        self._check_compiled("train_on_batch")
        if class_weight is not None and sample_weight is not None:
            raise ValueError(
                "train_on_batch: sample_weight and class_weight cannot be given together; "
                "fold the class weights into sample_weight instead"
            )
        batch = self._one_batch(x, y, sample_weight, class_weight, "train_on_batch")
        self.reset_metrics()
        logs = self.distribute_strategy.run_step(self._train_on, batch, self._metrics_for_steps())
        return _results(logs, return_dict)

    def test_on_batch(
        self, x: Any, y: Any = None, sample_weight: Any = None, return_dict: bool = False
    ) -> float | list[float] | dict[str, float]:
        """The loss and metrics on the batch (x, y), without training; as train_on_batch."""
        self._check_compiled("test_on_batch")
        batch = self._one_batch(x, y, sample_weight, None, "test_on_batch")
        self.reset_metrics()
        with grad_mode.no_grad():
            self._metrics_for_steps()
            logs = self._test_on(batch)
        return _results(logs, return_dict)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs for the batch x, as arrays (one, or a list or dict of them)."""
        x, _ = self._prepare_x(x, "predict_on_batch")
        with grad_mode.no_grad():
            return self.predict_step((x,))

    def _one_batch(
        self, x: Any, y: Any, sample_weight: Any, class_weight: Any, op: str
    ) -> tuple[Any, Any, Any]:
        """(x, y, sample_weight) checked and shaped as fit's batches are."""
        x, y, weights, _ = self._prepare(
            x, y, op, sample_weight=sample_weight, class_weight=class_weight
        )
        self._build_compiled(x, y, op)
        y = None if y is None else self._unwrap_targets(y)
        return x, y, None if weights is None else self._unwrap_targets(weights)


def _results(logs: dict[str, float], return_dict: bool) -> float | list[float] | dict[str, float]:
    if return_dict:
        return dict(logs)
    values = [float(v) for v in nest.flatten(list(logs.values()))]
    return values[0] if len(values) == 1 else values
