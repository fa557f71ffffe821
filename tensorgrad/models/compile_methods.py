"""compile and what it sets up: the losses and metrics of each output, resolved against the
data, and the two steps that use them, `compute_loss` and `compute_metrics` (a base of
`Model`; Keras 3's methods of the same names).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tensorgrad import distribute
from tensorgrad import losses as losses_module
from tensorgrad import metrics as metrics_module
from tensorgrad import optimizers as optimizers_module
from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import default_float
from tensorgrad.engine.ops import elementwise, reduce
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.layer_losses import extra_losses_possible
from tensorgrad.models import data
from tensorgrad.models.compile_utils import CompileLoss, CompileMetrics
from tensorgrad.utils import nest


class CompileMethods:
    """`compile`, `compute_loss`, `compute_metrics`, `metrics` and the state behind them."""

    def compile(
        self,
        optimizer: Any = "rmsprop",
        loss: Any = None,
        metrics: Any = None,
        loss_weights: Any = None,
        weighted_metrics: Any = None,
        run_eagerly: bool | None = None,
        jit_compile: Any = None,
        **kwargs: Any,
    ) -> None:
        """Choose how the model learns: optimizer, loss(es) and metrics (names or objects).

        Args:
            optimizer: "rmsprop", "sgd", "adam", "adagrad", or an Optimizer.
            loss: "categorical_crossentropy", "sparse_categorical_crossentropy",
                "binary_crossentropy", "mse", "mae", a Loss, or a function; for several
                outputs, one for all, a list in output order or a dict by output name.
            loss_weights: for several outputs, the factor of each output's loss in the total
                (a list or a dict by output name).
            metrics: names ("accuracy", "acc", "mae", ...), Metric objects or functions; for
                several outputs a list of lists or a dict by output name (a flat list applies
                to every output). Logs use the names as written here.
            weighted_metrics: metrics that take the sample weights into account.
            run_eagerly, jit_compile: accepted for Keras compatibility (always eager here).

        Raises:
            ValueError: an unknown name (the message lists the known ones).
            TypeError: an unknown keyword argument.
        """
        kwargs.pop("steps_per_execution", None)
        kwargs.pop("auto_scale_loss", None)
        if kwargs:
            raise TypeError(f"compile: unexpected keyword argument {sorted(kwargs)[0]!r}")
        self.distribute_strategy = distribute.strategy_for(self)
        self.optimizer = optimizers_module.get(optimizer)
        self.compiled_loss = None if loss is None else CompileLoss(loss, loss_weights)
        self.loss = None if loss is None else self._loss_attribute(loss)
        if (
            isinstance(metrics, str)
            or (isinstance(metrics, Mapping) and "class_name" in metrics)
            or (metrics is not None and not isinstance(metrics, (Sequence, Mapping)))
        ):
            metrics = [metrics]  # one metric
        # Resolved now so that unknown names fail at compile; "accuracy" is resolved again
        # against the labels and output shapes once fit or evaluate sees the data.
        self._compiled_metrics = CompileMetrics(metrics, weighted_metrics)
        self._compile_args = {
            "loss": loss,
            "loss_weights": loss_weights,
            "metrics": metrics,
            "weighted_metrics": weighted_metrics,
        }
        self._loss_tracker = metrics_module.Mean(name="loss")
        self._tracked_metrics = None
        self._output_loss_trackers = []
        if isinstance(metrics, list) and not any(nest.is_nested(m) for m in metrics):
            # one flat list: until the data is seen, compiled_metrics shows it as given
            self._compiled_metrics.per_output = [
                [(metrics_module.get(m, loss=self.loss), False) for m in metrics]
            ]

    @staticmethod
    def _loss_attribute(loss: Any) -> Any:
        """What `model.loss` shows: the Loss object, or the list or dict of them."""
        if isinstance(loss, Mapping):
            return {k: None if v is None else losses_module.get(v) for k, v in loss.items()}
        if isinstance(loss, (list, tuple)):
            return [None if v is None else losses_module.get(v) for v in loss]
        return losses_module.get(loss)

    @property
    def compiled_metrics(self) -> list[Any]:
        """The Metric objects of compile's metrics, output by output."""
        return [] if self._compiled_metrics is None else self._compiled_metrics.metrics

    @property
    def metrics(self) -> list[Any]:
        """Every metric fit reports: the loss tracker, each output's loss, compile's, then
        the Metric objects held in attributes of the model and its layers (as a model with
        its own loss keeps its trackers), which Keras 3 reports and resets as well."""
        own = self._compiled_metric_objects()
        return own + self._attribute_metrics(own)

    def _compiled_metric_objects(self) -> list[Any]:
        """The metrics compile made: the loss tracker, each output's loss, compile's."""
        found = [self._loss_tracker] if self._loss_tracker is not None else []
        return found + list(self._output_loss_trackers) + self.compiled_metrics

    def _metrics_for_steps(self) -> list[Any]:
        """`metrics`, found once for a loop of steps (the walk over the layers is not free),
        and the attribute metrics kept for `get_metrics_result` at each step of it."""
        self._tracked_metrics = self._attribute_metrics(self._compiled_metric_objects())
        return self.metrics  # a subclass may define its own list (a GAN's two losses)

    def _attribute_metrics(self, known: list[Any]) -> list[Any]:
        """Metrics held in attributes of the model and of its layers, at any depth, that
        are not among `known`."""
        seen = {id(m) for m in known}
        found: list[Any] = []
        for layer in [self, *self._all_sublayers()]:
            for value in vars(layer).values():
                if isinstance(value, metrics_module.Metric) and id(value) not in seen:
                    seen.add(id(value))
                    found.append(value)
        return found

    @property
    def metrics_names(self) -> list[str]:
        return [m.name for m in self.metrics]

    def _check_compiled(self, op: str) -> None:
        # compile(loss=None) is allowed, as in Keras: the loss may come from add_loss, or
        # a train_step of the model's own may not use compute_loss at all.
        if self.optimizer is None:
            raise RuntimeError(
                f"{op}: the model must be compiled first; call model.compile(optimizer="
                f"'rmsprop', loss='categorical_crossentropy', metrics=['accuracy']) before {op}"
            )

    def reset_metrics(self) -> None:
        """Forget the running loss and metric values (fit does it at each epoch)."""
        for metric in self.metrics:
            metric.reset_state()

    # ----- outputs -----
    def _outputs_info(self, x: Any) -> tuple[list[str], list[tuple[Any, ...]], Any]:
        """Names, shapes and structure of the outputs; a model written as code is run on one
        sample to find them."""
        outputs = getattr(self, "outputs", None)
        if outputs is not None:
            shapes = [t.shape for t in outputs]
            return self.output_names, shapes, self._outputs_struct
        if not nest.is_nested(x) and self.built and isinstance(self.output_shape, tuple):
            return [self.name], [self.output_shape], None
        first = nest.map_structure(lambda a: Tensor._make(data.as_float(a[:1]), False, None), x)
        with grad_mode.no_grad():
            out = self(first, training=False)
        flat = nest.flatten(out)
        if not nest.is_nested(out):
            return [self.name], [(None,) + flat[0].shape[1:]], None
        if isinstance(out, Mapping):
            names = sorted(out)
        else:
            names = [f"output_{i + 1}" for i in range(len(flat))]
        return names, [(None,) + t.shape[1:] for t in flat], nest.map_structure(lambda t: 0, out)

    def _build_compiled(self, x: Any, y_flat: list[Any] | None, op: str = "fit") -> None:
        """Resolve compile's losses and metrics for this model's outputs and these targets."""
        names, shapes, _ = self._outputs_info(x)
        self._output_names = names
        if self.compiled_loss is None:  # compiled without a loss: add_loss's losses only
            losses: list[Any] = [None] * len(names)
        else:
            self.compiled_loss.build(names, self.name)
            losses = self.compiled_loss.losses
        self._compiled_metrics.build(names, losses, shapes, y_flat, self.name)
        if y_flat is None and self.compiled_metrics:  # before any step changes the weights
            found = [m.name for m in self.compiled_metrics]
            raise ValueError(
                f"{op}: the metrics {found} compare outputs with targets, but no y was given; give "
                "targets, or compile without metrics"
            )
        multi = len(names) > 1
        self._output_loss_trackers = [
            metrics_module.Mean(name=f"{n}_loss")
            for n, loss in zip(names, losses)
            if multi and loss is not None
        ]

    def _resolve_metrics(self, y: Any) -> None:
        """Resolve losses and metrics against targets `y` (for a one-input model)."""
        shape = self._expected_input_shape()
        x = np.zeros((1,) + tuple(1 if d is None else d for d in shape[1:]), default_float())
        self._build_compiled(x, [y] if not isinstance(y, list) else y)

    # ----- the loss and the metrics of a batch -----
    def compute_loss(
        self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None
    ) -> Tensor:
        """The total loss of a batch, a scalar tensor: the compiled loss (weighted over the
        outputs) plus the sum of each of `self.losses` (add_loss, activity and weight
        regularizers), as Keras 3's `compute_loss`; the logged "loss" is this total.

        Also records each output's own loss (without the extra losses) for the logs of a
        model with several outputs.
        """
        total, values = None, []
        if self.compiled_loss is not None:
            names = self.compiled_loss.names or [self.name]
            y_list = self._targets_list(y, "compute_loss", names)
            if type(y_pred) is Tensor:
                pred_list = [y_pred]
            elif isinstance(y_pred, Mapping):
                pred_list = [y_pred[n] for n in names]
            else:
                pred_list = nest.flatten(y_pred)
            sw = sample_weight
            if sw is not None and not isinstance(sw, list):
                sw = [sw] * len(names)
            total, values = self.compiled_loss(y_list, pred_list, sw)
        for extra in self.losses if extra_losses_possible() else ():
            if extra.data.dtype.kind != "f":
                extra = elementwise.cast(extra, default_float())
            extra = reduce.sum(extra)
            total = extra if total is None else elementwise.add(total, extra)
        if total is None:
            raise ValueError(
                "compute_loss: no loss to compute: the model was compiled without a loss and "
                "none was added with add_loss; give one, e.g. model.compile(optimizer="
                "'rmsprop', loss='categorical_crossentropy')"
            )
        if self._output_loss_trackers:
            batch = len(nest.flatten(y_pred)[0].data)
            trackers = iter(self._output_loss_trackers)
            for value in values:
                if value is not None:
                    next(trackers).update_state(float(value.data), batch)
        return total

    def compute_metrics(
        self, x: Any, y: Any, y_pred: Any, sample_weight: Any = None
    ) -> dict[str, float]:
        """Update compile's metrics with a batch; the running values of every metric."""
        if y is None and not self.compiled_metrics:  # compiled without a loss, fit on x alone
            return self.get_metrics_result()
        if y is None:
            names = [m.name for m in self.compiled_metrics]
            raise ValueError(
                f"compute_metrics: the metrics {names} compare outputs with targets, but the "
                "batch holds no y; give targets, or compile without metrics"
            )
        names = self._output_names or [self.name]
        y_list = self._targets_list(y, "compute_metrics", names)
        if type(y_pred) is Tensor:
            pred = [y_pred]
        else:
            pred = (
                [y_pred[n] for n in names] if isinstance(y_pred, Mapping) else nest.flatten(y_pred)
            )
        sw = sample_weight
        if sw is not None and not isinstance(sw, list):
            sw = [sw] * len(names)
        masks = [getattr(p, "_keras_mask", None) for p in pred]
        arrays = [p.data if isinstance(p, Tensor) else np.asarray(p) for p in pred]
        self._compiled_metrics.update_state(y_list, arrays, sw, masks)
        return self.get_metrics_result()

    def get_metrics_result(self) -> dict[str, float]:
        """{name: running value}: the loss, each output's loss, then compile's metrics."""
        logs = {self._loss_tracker.name: self._loss_tracker.result()}
        for tracker in self._output_loss_trackers:
            logs[tracker.name] = tracker.result()
        metrics = self.compiled_metrics
        if self._output_loss_trackers:  # several outputs: Keras lists them by name
            metrics = sorted(metrics, key=lambda m: m.name)
        for metric in metrics:
            logs[metric.name] = metric.result()
        tracked = self._tracked_metrics
        if tracked is None:  # outside fit's loops
            tracked = self._attribute_metrics(self._compiled_metric_objects())
        for metric in tracked:
            logs[metric.name] = metric.result()
        return logs
