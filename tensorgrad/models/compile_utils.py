"""What `compile(loss=..., loss_weights=..., metrics=...)` means for each output of a model.

A model with one output takes one loss and a list of metrics. A model with several outputs
takes one loss for all of them, a list in output order or a dict by output name, with
optional `loss_weights`; the loss it minimises is the weighted sum. Metrics come as a list
of lists (one per output), a dict by output name, or one flat list applied to every output.
Logs then name each output's values after it, as Keras 3 does: `priority_loss`,
`department_accuracy`, besides the total `loss`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tensorgrad import losses as losses_module
from tensorgrad import metrics as metrics_module
from tensorgrad.engine.ops import elementwise
from tensorgrad.engine.tensor import Tensor


def _per_output(spec: Any, names: list[str], what: str, model: str) -> list[Any]:
    """`spec` given once, as a list in output order or as a dict by name: one entry per output."""
    if isinstance(spec, Mapping):
        unknown = sorted(set(spec) - set(names))
        if unknown:
            raise ValueError(
                f'compile: model "{model}" has no output named {unknown[0]!r} (in the {what} '
                f"dict); its outputs are {names}"
            )
        return [spec.get(name) for name in names]
    if isinstance(spec, (list, tuple)):
        if len(spec) != len(names):
            raise ValueError(
                f'compile: model "{model}" has {len(names)} outputs {names}, but {what} is a '
                f"list of {len(spec)}; give one entry per output, or a dict by output name"
            )
        return list(spec)
    return [spec] * len(names)


class CompileLoss:
    """The losses of the outputs and their weights; calling it gives the weighted total."""

    def __init__(self, loss: Any, loss_weights: Any = None) -> None:
        self.spec = loss
        self.weights_spec = loss_weights
        self.losses: list[Any] = []
        self.weights: list[float] = []
        self.names: list[str] = []
        if not isinstance(loss, (Mapping, list, tuple)):
            self.losses = [None if loss is None else losses_module.get(loss)]
        else:  # checked now, so that an unknown name fails at compile
            for item in loss.values() if isinstance(loss, Mapping) else loss:
                if item is not None:
                    losses_module.get(item)

    def build(self, output_names: list[str], model: str) -> None:
        """Resolve the losses and weights for these outputs (in this order)."""
        self.names = list(output_names)
        specs = _per_output(self.spec, self.names, "loss", model)
        if isinstance(self.spec, Mapping):
            missing = [n for n in self.names if n not in self.spec]
            if missing:
                raise ValueError(
                    f'compile: model "{model}" has outputs {self.names}, but the loss dict has no '
                    f"entry for {missing}; give a loss (or None) for every output"
                )
        self.losses = [None if s is None else losses_module.get(s) for s in specs]
        if all(loss is None for loss in self.losses):
            raise ValueError(f'compile: model "{model}" needs a loss for at least one output')
        weights = [1.0] * len(self.names)
        if self.weights_spec is not None:
            weights = _per_output(self.weights_spec, self.names, "loss_weights", model)
            weights = [1.0 if w is None else float(w) for w in weights]
        self.weights = weights

    @property
    def single(self) -> Any:
        """The Loss of a one-output model (what `model.loss` shows)."""
        return self.losses[0] if len(self.losses) == 1 else self.losses

    def __call__(
        self, y_true: list[Any], y_pred: list[Tensor], sample_weight: list[Any] | None
    ) -> tuple[Tensor, list[float | None]]:
        """The weighted total loss, and each output's own (unweighted) loss value."""
        total = None
        values: list[float | None] = []
        for i, (loss, weight) in enumerate(zip(self.losses, self.weights)):
            if loss is None:
                values.append(None)
                continue
            sw = None if sample_weight is None else sample_weight[i]
            value = loss(y_true[i], y_pred[i], sample_weight=sw)
            values.append(value)
            term = value if weight == 1.0 else elementwise.multiply(value, weight)
            total = term if total is None else elementwise.add(total, term)
        return total, values


class CompileMetrics:
    """The metrics of each output, resolved once the data is seen ("accuracy" needs it)."""

    def __init__(self, metrics: Any, weighted_metrics: Any = None) -> None:
        self.spec = metrics
        self.weighted_spec = weighted_metrics
        self.per_output: list[list[tuple[Any, bool]]] = []
        self.prefixes: list[str] = []
        for spec in (metrics, weighted_metrics):  # unknown names fail at compile
            for item in _all_items(spec):
                metrics_module.get(item)

    def build(
        self,
        output_names: list[str],
        losses: list[Any],
        output_shapes: list[tuple[Any, ...]],
        y_true: list[Any] | None,
        model: str,
    ) -> None:
        """Make the Metric objects of each output, named as Keras names them in the logs."""
        multi = len(output_names) > 1
        self.prefixes = [f"{n}_" if multi else "" for n in output_names]
        per_output: list[list[tuple[Any, bool]]] = [[] for _ in output_names]
        for spec, weighted in ((self.spec, False), (self.weighted_spec, True)):
            if spec is None:
                continue
            entries = _metric_lists(spec, output_names, model)
            for i, items in enumerate(entries):
                for item in items:
                    metric = metrics_module.get(
                        item,
                        loss=losses[i],
                        output_shape=output_shapes[i],
                        y_true=None if y_true is None else y_true[i],
                    )
                    if self.prefixes[i] and not metric.name.startswith(self.prefixes[i]):
                        metric.name = self.prefixes[i] + metric.name
                    per_output[i].append((metric, weighted))
        self.per_output = per_output

    @property
    def metrics(self) -> list[Any]:
        """Every Metric object, output by output, in compile order."""
        return [m for items in self.per_output for m, _ in items]

    def update_state(
        self,
        y_true: list[Any],
        y_pred: list[np.ndarray],
        sample_weight: list[Any] | None,
        masks: list[Any],
    ) -> None:
        for i, items in enumerate(self.per_output):
            for metric, weighted in items:
                weight = None if not weighted or sample_weight is None else sample_weight[i]
                if masks[i] is not None:
                    weight = _combine(weight, masks[i])
                metric.update_state(y_true[i], y_pred[i], sample_weight=weight)

    def reset_state(self) -> None:
        for metric in self.metrics:
            metric.reset_state()


def _combine(weight: Any, mask: np.ndarray) -> np.ndarray:
    """Sample weights times a timestep mask (masked steps count for nothing)."""
    mask = mask.astype(np.float64)
    if weight is None:
        return mask
    weight = np.asarray(weight, dtype=np.float64)
    return weight.reshape(weight.shape + (1,) * (mask.ndim - weight.ndim)) * mask


def _all_items(spec: Any) -> list[Any]:
    if spec is None:
        return []
    if isinstance(spec, Mapping):
        return [i for v in spec.values() for i in _all_items(v)]
    if isinstance(spec, (list, tuple)):
        return [i for v in spec for i in _all_items(v)]
    return [spec]


def _metric_lists(spec: Any, names: list[str], model: str) -> list[list[Any]]:
    """One list of metric identifiers per output."""

    def as_list(item: Any) -> list[Any]:
        if item is None:
            return []
        return list(item) if isinstance(item, (list, tuple)) else [item]

    if isinstance(spec, Mapping):
        return [as_list(s) for s in _per_output(spec, names, "metrics", model)]
    if (
        isinstance(spec, (list, tuple))
        and spec
        and all(isinstance(s, (list, tuple)) or s is None for s in spec)
    ):
        return [as_list(s) for s in _per_output(list(spec), names, "metrics", model)]
    return [as_list(spec) for _ in names]  # a flat list: every metric on every output
