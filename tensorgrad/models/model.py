"""Model: a layer that trains. compile, fit, evaluate, predict, as in Keras.

`fit` checks the data, then runs epochs of `train_step` over mini-batches: forward pass,
loss, backward pass, one optimizer update, running means of the loss and metrics. The
pieces are small methods (`train_step`, `compute_loss`, `compute_metrics`, `test_step`,
`predict_step`, the batch iterator in `models/data.py`) so that each can be read,
profiled or overridden on its own, as Keras 3 lets you override them. Besides arrays, all
three take a Python generator or a `utils.PyDataset` of batches; how the data is checked
and batched is in `models/data_preparation.py`, the first edition's `fit_generator` and
friends in `models/generator_methods.py`.

`Model(inputs, outputs)` makes a functional model (`models/functional.py`); subclass
`Model` and define `call` for a model written as code; `Sequential` stacks layers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tensorgrad import distribute, saving
from tensorgrad import losses as losses_module
from tensorgrad import metrics as metrics_module
from tensorgrad import optimizers as optimizers_module
from tensorgrad.callbacks import Callback, CallbackList, History
from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import default_float
from tensorgrad.engine.ops import elementwise, reduce
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.layer_losses import extra_losses_possible, losses_paused
from tensorgrad.layers.symbolic import is_shape
from tensorgrad.models import data
from tensorgrad.models.batch_methods import BatchMethods
from tensorgrad.models.compile_utils import CompileLoss, CompileMetrics
from tensorgrad.models.data_preparation import DataPreparation
from tensorgrad.models.generator_methods import GeneratorMethods
from tensorgrad.models.summary import print_summary
from tensorgrad.utils import nest


class Model(DataPreparation, GeneratorMethods, BatchMethods, Layer):
    """A trainable model: `Model(inputs, outputs)`, a subclass with `call`, or `Sequential`.

    After `compile(optimizer, loss, metrics)`, `fit` trains it, `evaluate` measures it and
    `predict` applies it, on arrays or on lists or dicts of arrays for several inputs and
    outputs. Attributes: `optimizer`, `loss`, `compiled_metrics`, `metrics`,
    `stop_training` (a callback sets it to stop fit), `history`.
    """

    _takes_text = True  # raw text passes on to the layers, for a TextVectorization there

    _functional_class: type | None = None  # set by models/functional.py

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls is Model and (args or "inputs" in kwargs or "outputs" in kwargs):
            return object.__new__(cls._functional_class)  # Model(inputs, outputs)
        return object.__new__(cls)

    def __init__(self, *args: Any, name: str | None = None, **kwargs: Any) -> None:
        if args:
            raise TypeError(
                "Model: give the inputs and outputs as Model(inputs, outputs) only for a model "
                "built from keras.Input; a subclass calls super().__init__() without them"
            )
        super().__init__(name=name, **kwargs)
        self.optimizer: Any = None
        self.loss: Any = None
        self.stop_training = False
        self.history: History | None = None
        self.compiled_loss: CompileLoss | None = None
        self._output_names: list[str] = []  # resolved by _build_compiled
        self._compiled_metrics: CompileMetrics | None = None
        self._compile_args: dict[str, Any] = {}
        self._loss_tracker: Any = None
        self._output_loss_trackers: list[Any] = []
        self._train_weights: list[Tensor] | None = None
        self._initial_epoch: int | None = None  # set by BackupAndRestore to resume
        self.distribute_strategy = distribute.get_strategy()  # one replica outside a scope

    @property
    def layers(self) -> list[Layer]:
        """The layers the model is made of."""
        return self._sublayers()

    def build(self, input_shape: Any = None) -> None:
        """Create the weights by running the model once on a zero sample of `input_shape`
        (a shape, or a list or dict of shapes for several inputs)."""
        if input_shape is None:
            raise ValueError(f'build: model "{self.name}" needs an input shape, e.g. (None, 784)')

        def zeros(shape: Any) -> Tensor:
            sample = np.zeros((1,) + tuple(1 if d is None else d for d in shape[1:]))
            return Tensor._make(sample.astype(default_float()), False, None)

        if is_shape(tuple(input_shape)) if isinstance(input_shape, (list, tuple)) else False:
            sample: Any = zeros(tuple(input_shape))
            self.input_spec = InputSpec(shape=tuple(input_shape))
        elif isinstance(input_shape, Mapping):
            sample = {k: zeros(v) for k, v in input_shape.items()}
        else:
            sample = [zeros(s) for s in input_shape]
        with grad_mode.no_grad(), losses_paused():
            if self._call_takes_training:
                self.call(sample, training=False)
            else:
                self.call(sample)

    def _expected_input_shape(self) -> tuple[Any, ...] | None:
        """The batch shape the model takes, such as (None, 784), or None if not known yet."""
        return self._build_input_shape or self._batch_input_shape

    @property
    def output_names(self) -> list[str]:
        """The names under which logs report each output ("priority_loss")."""
        return [f"output_{i + 1}" for i in range(max(len(self._output_loss_trackers), 1))]

    # ----- compile -----
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
        """Every metric fit reports: the loss tracker, each output's loss, then compile's."""
        found = [self._loss_tracker] if self._loss_tracker is not None else []
        return found + list(self._output_loss_trackers) + self.compiled_metrics

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

    # ----- the steps -----
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
        return logs

    def train_step(self, data: Any) -> dict[str, float]:
        """One update on a batch `(x, y)` or `(x, y, sample_weight)`: forward, loss, backward,
        optimizer step; returns the running logs."""
        x, y, sample_weight = _unpack(data)
        y_pred = self(_as_tensors(x), training=True)  # no input gradient
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        loss.backward()
        weights = self._train_weights if self._train_weights is not None else self.trainable_weights
        grads = self.distribute_strategy.reduce_gradients(weights)  # over all processes
        self.optimizer.apply_gradients(list(zip(grads, weights)))
        for w in weights:
            w.grad = None
        self._loss_tracker.update_state(loss.item(), _batch_len(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def test_step(self, data: Any) -> dict[str, float]:
        """Loss and metrics on a batch, without training (run under no_grad)."""
        x, y, sample_weight = _unpack(data)
        y_pred = self(_as_tensors(x), training=False)
        loss = self.compute_loss(x, y, y_pred, sample_weight)
        self._loss_tracker.update_state(loss.item(), _batch_len(x))
        return self.compute_metrics(x, y, y_pred, sample_weight)

    def predict_step(self, data: Any) -> Any:
        """The model's outputs for a batch, as arrays (run under no_grad)."""
        x, _, _ = _unpack(data)
        out = self(_as_tensors(x), training=False)
        return nest.map_structure(lambda t: t.data, out)

    # ----- fit -----
    def fit(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        epochs: int = 1,
        verbose: int | str = "auto",
        callbacks: Sequence[Callback] | None = None,
        validation_split: float = 0.0,
        validation_data: Any = None,
        shuffle: bool = True,
        class_weight: Mapping[Any, float] | None = None,
        sample_weight: Any = None,
        initial_epoch: int = 0,
        steps_per_epoch: int | None = None,
        validation_steps: int | None = None,
        validation_batch_size: int | None = None,
        validation_freq: int = 1,
    ) -> History:
        """Train the model for `epochs` passes over (x, y) in mini-batches.

        Args:
            x: inputs, samples first, e.g. shape (60000, 784); a list (in input order) or a
                dict (by input name) of arrays for a model with several inputs.
            y: targets: one-hot (60000, 10) or integer labels, as the loss wants; a list or
                dict (by output name) for several outputs.
            batch_size: samples per gradient update (32 by default); the last batch of an
                epoch holds the rest (60,000 samples at 128 make 469 steps).
            epochs: train until this epoch: this many passes over the data when starting
                from initial_epoch=0.
            verbose: "auto" or 1 a progress bar, 2 one line per epoch, 0 silent.
            callbacks: Callback objects called during training.
            validation_split: fraction of the data, taken from its END before shuffling,
                held out to compute val_ loss and metrics after each epoch.
            validation_data: (x_val, y_val) or (x_val, y_val, sample_weight_val) for the
                same purpose (overrides the split).
            shuffle: draw the batches in a new random order each epoch.
            class_weight: {class: weight}, to weigh the loss of each sample by its class.
            sample_weight: one weight per sample (per output: a list or dict).
            initial_epoch: epoch to start from (to resume training).
            steps_per_epoch, validation_steps: batches per epoch and per validation, for
                data that does not say how long it is.
            validation_batch_size: batch size of the validation (batch_size by default).
            validation_freq: validate every this many epochs.

        Returns:
            A History; `history.history` maps "loss", metric names and their "val_" forms
            to per-epoch values.

        Raises:
            RuntimeError: the model is not compiled.
            ValueError: data that does not fit the model, the loss or each other (checked
                before any training step).
        """
        self._check_compiled("fit")
        verbose = _verbosity(verbose, "fit")
        batch_size = _batch_size(batch_size, "fit")
        if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
            raise ValueError(f"fit: epochs must be a non-negative integer, got {epochs!r}")
        if (
            isinstance(initial_epoch, bool)
            or not isinstance(initial_epoch, (int, np.integer))
            or initial_epoch < 0
        ):
            raise ValueError(
                f"fit: initial_epoch must be a non-negative integer, got {initial_epoch!r}"
            )
        batches: Any = self._dataset_batches(
            x, y, sample_weight, class_weight, steps_per_epoch, bool(shuffle), "fit"
        )
        warned = False
        validation: Any = None
        if batches is None:  # arrays
            x, y, weights, warned = self._prepare(
                x, y, "fit", sample_weight=sample_weight, class_weight=class_weight
            )
        elif validation_split:
            raise ValueError(
                "fit: validation_split needs arrays; with a generator or PyDataset give "
                "validation_data instead"
            )
        val_batches = None
        if validation_data is not None:
            val_batches = self._dataset_batches(
                validation_data,
                None,
                None,
                None,
                validation_steps,
                False,
                "fit (validation_data)",
                "validation_steps",
            )
            if val_batches is None:
                x_val, y_val, sw_val = data.unpack_validation(validation_data)
                x_val, y_val, sw_val, _ = self._prepare(
                    x_val, y_val, "fit (validation_data)", warn=not warned, sample_weight=sw_val
                )
                validation = (x_val, y_val, sw_val)
        elif validation_split:
            n = len(nest.flatten(x)[0])
            (x, y, weights), validation = data.split_validation(
                (x, y, weights), validation_split, n
            )
        if batches is None:
            self._build_compiled(x, y)
            batches = self._epoch_batches(x, y, weights, batch_size, bool(shuffle), steps_per_epoch)
        callbacks, verbose = self.distribute_strategy.for_rank(callbacks, verbose)
        callback_list = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=_num_steps(batches),
        )
        self._train_weights = self.trainable_weights
        for weight in self._train_weights:  # a step cut short by Ctrl-C may have left some
            weight.grad = None
        self.stop_training = False
        logs: dict[str, float] = {}
        try:
            callback_list.on_train_begin()
            self.distribute_strategy.sync_training_state(self)  # weights, optimizer, epoch
            if self._initial_epoch is not None:  # a backup was restored: skip its epochs
                initial_epoch, self._initial_epoch = self._initial_epoch, None
            for epoch in range(initial_epoch, epochs):
                self.reset_metrics()
                callback_list.on_epoch_begin(epoch)
                logs = self._train_epoch(batches, callback_list)
                if getattr(batches, "exhausted", False):  # a generator ran out: stop, as Keras
                    self.stop_training = True
                validate = validation is not None or val_batches is not None
                if validate and (epoch + 1) % max(validation_freq, 1) == 0:
                    if val_batches is None:
                        val_epoch = self._epoch_batches(
                            *validation,
                            validation_batch_size or batch_size,
                            False,
                            validation_steps,
                        )
                    val_logs = self._test_loop(
                        val_epoch if val_batches is None else val_batches, callback_list
                    )
                    logs.update({"val_" + name: value for name, value in val_logs.items()})
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            callback_list.on_train_end(logs)
        finally:
            self._train_weights = None
        self.history = callback_list.history
        return callback_list.history

    def _train_on(self, batch: tuple[Any, Any, Any]) -> dict[str, float]:
        return self.train_step(data.keras_batch(batch))

    def _test_on(self, batch: tuple[Any, Any, Any]) -> dict[str, float]:
        return self.test_step(data.keras_batch(batch))

    def _train_epoch(self, batches: Any, callbacks: CallbackList) -> dict[str, float]:
        """Run train_step over one epoch of batches; the epoch's running logs."""
        logs: dict[str, float] = {}
        for step, batch in enumerate(batches):
            callbacks.on_train_batch_begin(step)
            logs = self.distribute_strategy.run_step(self._train_on, batch, self.metrics)
            callbacks.on_train_batch_end(step, logs)
            if self.stop_training:
                break
        return dict(logs)

    def _test_loop(self, batches: Any, callbacks: CallbackList) -> dict[str, float]:
        """Run test_step over all batches, in order and under no_grad; the final logs."""
        self.reset_metrics()
        callbacks.on_test_begin()
        logs: dict[str, float] = {}
        with grad_mode.no_grad():
            for step, batch in enumerate(batches):
                callbacks.on_test_batch_begin(step)
                logs = self.distribute_strategy.run_step(self._test_on, batch, self.metrics)
                callbacks.on_test_batch_end(step, logs)
        logs = dict(logs)
        callbacks.on_test_end(logs)
        return logs

    # ----- saving -----
    def save(self, filepath: Any, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Save architecture, weights, compile settings and optimizer state to a .tensorgrad file."""
        self.distribute_strategy.on_chief(
            saving.save_model,
            self,
            filepath,
            overwrite=overwrite,
            include_optimizer=include_optimizer,
        )

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save the weights alone to a .weights.npz file."""
        self.distribute_strategy.on_chief(saving.save_weights, self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any, strict: bool = False) -> None:
        """Load weights from a .weights.npz (or .tensorgrad) file, matched layer by layer;
        `strict=True` refuses NaN, infinite or out-of-range values instead of warning."""
        saving.load_weights(self, filepath, strict=strict)

    # ----- evaluate and predict -----
    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        sample_weight: Any = None,
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """The loss and metrics of the model on (x, y), computed batch by batch.

        Returns:
            [loss, *output losses, *metrics] (just the loss, as a float, when there is
            nothing else), or a dict {"loss": ..., name: ...} with return_dict=True.
        """
        self._check_compiled("evaluate")
        verbose = _verbosity(verbose, "evaluate")
        batch_size = _batch_size(batch_size, "evaluate")
        batches: Any = self._dataset_batches(
            x, y, sample_weight, None, steps, False, "evaluate", "steps"
        )
        if batches is None:
            x, y, weights, _ = self._prepare(x, y, "evaluate", sample_weight=sample_weight)
            self._build_compiled(x, y, "evaluate")
            batches = self._epoch_batches(x, y, weights, batch_size, False, steps)
        self.distribute_strategy.sync_weights(self)  # one model measured, even before fit
        callbacks, verbose = self.distribute_strategy.for_rank(callbacks, verbose)
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=_num_steps(batches),
        )
        logs = self._test_loop(batches, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: int | str = 0,
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
    ) -> Any:
        """The model's outputs for x, computed batch by batch under no_grad: one array, or a
        list or dict of arrays for a model with several outputs."""
        verbose = _verbosity(verbose, "predict")
        batch_size = _batch_size(batch_size, "predict")
        batches: Any = self._dataset_batches(
            x, None, None, None, steps, False, "predict", "steps", targets=False
        )
        if batches is None:
            x, _ = self._prepare_x(x, "predict")
            batches = data.ArrayBatches(x, None, batch_size)
        callbacks, verbose = self.distribute_strategy.for_rank(callbacks, verbose)
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=_num_steps(batches),
        )
        callback_list.on_predict_begin()
        n = getattr(batches, "num_samples", None)  # unknown for a generator: concatenated
        structure: Any = None
        outputs: list[Any] = []
        start = 0
        with grad_mode.no_grad():
            for step, batch in enumerate(batches):
                callback_list.on_predict_batch_begin(step)
                batch_out = self.predict_step(data.keras_batch(batch))
                flat = nest.flatten(batch_out)
                if structure is None:
                    structure = batch_out
                    outputs = [
                        [] if n is None else np.empty((n,) + a.shape[1:], a.dtype) for a in flat
                    ]
                rows = len(flat[0])
                for out, a in zip(outputs, flat):
                    if n is None:
                        out.append(np.array(a))
                    else:
                        out[start : start + rows] = a
                start += rows
                callback_list.on_predict_batch_end(step, {"outputs": batch_out})
        callback_list.on_predict_end()
        if n is None:
            outputs = [np.concatenate(parts) for parts in outputs]
        return nest.pack_sequence_as(structure, outputs)

    def predict_classes(
        self, x: Any, batch_size: int | None = None, verbose: int = 0
    ) -> np.ndarray:
        """Predicted class of each sample: argmax of the outputs, or output > 0.5 for one unit."""
        proba = self.predict(x, batch_size=batch_size, verbose=verbose)
        if proba.shape[-1] > 1:
            return proba.argmax(axis=-1)
        return (proba > 0.5).astype("int32")

    def predict_proba(self, x: Any, batch_size: int | None = None, verbose: int = 0) -> np.ndarray:
        """The predicted probabilities: `predict` for a model ending in softmax or sigmoid."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    # ----- description -----
    def summary(
        self,
        line_length: int | None = None,
        positions: Sequence[float] | None = None,
        print_fn: Any = None,
    ) -> None:
        """Print the table of layers, output shapes and parameter counts (Keras' format)."""
        print_summary(self, line_length=line_length, positions=positions, print_fn=print_fn)


def _unpack(batch: Any) -> tuple[Any, Any, Any]:
    """(x, y, sample_weight) from a batch of one, two or three parts (Keras' data tuples)."""
    if isinstance(batch, tuple) and 1 <= len(batch) <= 3:
        return (tuple(batch) + (None, None))[:3]
    return batch, None, None


def _as_tensors(x: Any) -> Any:
    """The batch as constant tensors (in the same structure), which need no gradient."""
    if type(x) is np.ndarray:
        return Tensor._make(x, False, None)
    return nest.map_structure(
        lambda a: a if isinstance(a, Tensor) else Tensor._make(np.asarray(a), False, None), x
    )


def _batch_len(x: Any) -> int:
    first = x if type(x) is np.ndarray else nest.flatten(x)[0]
    return len(first)


def _num_steps(batches: Any) -> int | None:
    """Steps per epoch for the progress bar and callbacks; None when a generator's is unknown."""
    steps = getattr(batches, "num_steps", None)
    return steps if steps is not None or hasattr(batches, "adapter") else len(batches)


def _verbosity(verbose: Any, op: str) -> int:
    if verbose == "auto":
        return 1
    if isinstance(verbose, (bool, int, np.integer)) and int(verbose) in (0, 1, 2):
        return int(verbose)
    raise ValueError(f"{op}: verbose must be 'auto', 0, 1 or 2, got {verbose!r}")


def _batch_size(batch_size: Any, op: str) -> int:
    if batch_size is None:
        return 32
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, (int, np.integer))
        or (batch_size <= 0)
    ):
        raise ValueError(f"{op}: batch_size must be a positive integer, got {batch_size!r}")
    return int(batch_size)
