"""Model: a layer that trains. compile, fit, evaluate, predict, as in Keras.

`fit` checks the data, then runs epochs of `train_step` over mini-batches: forward pass,
loss, backward pass, one optimizer update, running means of the loss and metrics. The
pieces are small methods (`train_step`, `test_step`, `predict_step`, the batch iterator
in `models/data.py`) so that each can be read, profiled or overridden on its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tensorgrad import distribute
from tensorgrad import losses as losses_module
from tensorgrad import metrics as metrics_module
from tensorgrad import optimizers as optimizers_module
from tensorgrad.callbacks import Callback, CallbackList, History
from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.models import data
from tensorgrad.models.summary import print_summary


class Model(Layer):
    """A trainable model. Subclass it and define `call`, or use `Sequential`.

    After `compile(optimizer, loss, metrics)`, `fit` trains it on arrays, `evaluate`
    measures it and `predict` applies it. Attributes: `optimizer`, `loss` (a Loss),
    `compiled_metrics`, `stop_training` (a callback sets it to stop fit), `history`.
    """

    def __init__(self, name: str | None = None, **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.optimizer: Any = None
        self.loss: Any = None
        self.compiled_metrics: list[Any] = []
        self.stop_training = False
        self.history: History | None = None
        self._metric_identifiers: list[Any] = []
        self._loss_tracker: Any = None
        self._train_weights: list[Tensor] | None = None
        self._initial_epoch: int | None = None  # set by BackupAndRestore to resume
        self.distribute_strategy = distribute.get_strategy()  # one replica outside a scope

    @property
    def layers(self) -> list[Layer]:
        """The layers the model is made of."""
        return self._sublayers()

    def build(self, input_shape: tuple[Any, ...] | None = None) -> None:
        """Create the weights by running the model once on a zero sample of `input_shape`."""
        if input_shape is None:
            raise ValueError(f'build: model "{self.name}" needs an input shape, e.g. (None, 784)')
        sample = Tensor._make(np.zeros((1,) + tuple(input_shape[1:]), default_float()), False, None)
        with grad_mode.no_grad():
            if self._call_takes_training:
                self.call(sample, training=False)
            else:
                self.call(sample)
        self.input_spec = InputSpec(shape=input_shape)

    def _expected_input_shape(self) -> tuple[Any, ...] | None:
        """The batch shape the model takes, such as (None, 784), or None if not known yet."""
        return self._build_input_shape or self._batch_input_shape

    # ----- compile -----
    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, metrics: Any = None) -> None:
        """Choose how the model learns: optimizer, loss and metrics (names or objects).

        Args:
            optimizer: "rmsprop", "sgd", "adam", "adagrad", or an Optimizer.
            loss: "categorical_crossentropy", "sparse_categorical_crossentropy",
                "binary_crossentropy", "mse", "mae", a Loss, or a function.
            metrics: a list of names ("accuracy", "acc", "mae", ...) or Metric objects; logs
                and history use the names as written here.

        Raises:
            ValueError: an unknown name (the message lists the known ones).
        """
        self.distribute_strategy = distribute.strategy_for(self)
        self.optimizer = optimizers_module.get(optimizer)
        self.loss = None if loss is None else losses_module.get(loss)
        if metrics is None:
            metrics = []
        elif isinstance(metrics, (str, Mapping)) or not isinstance(metrics, Sequence):
            metrics = [metrics]
        self._metric_identifiers = list(metrics)
        # Resolved now so that unknown names fail at compile; "accuracy" is resolved again
        # against the labels and output shape once fit or evaluate sees the data.
        self.compiled_metrics = [metrics_module.get(m, loss=self.loss) for m in metrics]
        self._loss_tracker = metrics_module.Mean(name="loss")

    def _check_compiled(self, op: str) -> None:
        if self.optimizer is None or self.loss is None:
            what = "compiled" if self.optimizer is None else "compiled with a loss"
            raise RuntimeError(
                f"{op}: the model must be {what} first; call model.compile(optimizer="
                f"'rmsprop', loss='categorical_crossentropy', metrics=['accuracy']) before {op}"
            )

    def _resolve_metrics(self, y: np.ndarray) -> None:
        output_shape = self.output_shape
        self.compiled_metrics = [
            metrics_module.get(m, loss=self.loss, output_shape=output_shape, y_true=y)
            for m in self._metric_identifiers
        ]

    def reset_metrics(self) -> None:
        """Forget the running loss and metric values (fit does it at each epoch)."""
        if self._loss_tracker is not None:
            self._loss_tracker.reset_state()
        for metric in self.compiled_metrics:
            metric.reset_state()

    # ----- data -----
    def _prepare_x(
        self, x: Any, op: str, warn: bool = True, stacklevel: int = 4
    ) -> tuple[np.ndarray, bool]:
        """x checked, cast once to float, and the model built for it; (x, warned).

        `stacklevel` places a warning at the user's call (predict -> here -> the check).
        """
        x = data.as_array(x, "x", op)
        data.check_finite(x, "x", op)
        expected = self._expected_input_shape()
        if expected is None:
            if x.ndim < 2:
                raise ValueError(
                    f"{op}: x of shape {x.shape} has no feature axis; give each sample at least "
                    f"one axis, e.g. x.reshape(({len(x)}, 1))"
                )
            expected = (None,) + x.shape[1:]
        data.check_input_shape(expected, x, op)
        warned = warn and data.warn_if_unscaled(x, op, stacklevel)
        x = data.as_float(x)  # the one cast of the inputs
        if not self.built:
            self.build(expected)
        return x, warned

    def _prepare(
        self, x: Any, y: Any, op: str, warn: bool = True
    ) -> tuple[np.ndarray, np.ndarray, bool]:
        """x and y checked against each other, the model and the loss; (x, y, warned)."""
        x_array, y_array = data.as_array(x, "x", op), data.as_array(y, "y", op)
        data.check_same_samples(x_array, y_array, op)
        data.check_finite(y_array, "y", op)
        x_array, warned = self._prepare_x(x_array, op, warn, stacklevel=5)
        if y_array.dtype.kind in "fb":
            y_array = data.as_float(y_array)
        check_targets = getattr(self.loss, "check_targets", None)
        if check_targets is not None:
            check_targets(y_array, self.output_shape)
        return x_array, y_array, warned

    # ----- the steps -----
    def train_step(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """One update on a batch: forward, loss, backward, optimizer step; returns running logs."""
        y_pred = self(Tensor._make(x, False, None), training=True)  # no input gradient
        loss = self.loss(y, y_pred)
        loss.backward()
        weights = self._train_weights if self._train_weights is not None else self.trainable_weights
        grads = self.distribute_strategy.reduce_gradients(weights)  # over all processes
        self.optimizer.apply_gradients(zip(grads, weights))
        for w in weights:
            w.grad = None
        return self._update_metrics(y, y_pred.data, loss.item())

    def test_step(self, x: np.ndarray, y: np.ndarray) -> dict[str, float]:
        """Loss and metrics on a batch, without training (run under no_grad)."""
        y_pred = self(Tensor._make(x, False, None), training=False)
        loss = self.loss(y, y_pred)
        return self._update_metrics(y, y_pred.data, loss.item())

    def predict_step(self, x: np.ndarray) -> np.ndarray:
        """The model's output for a batch, as an array (run under no_grad)."""
        return self(Tensor._make(x, False, None), training=False).data

    def _update_metrics(self, y: np.ndarray, y_pred: np.ndarray, loss: float) -> dict[str, float]:
        self._loss_tracker.update_state(loss, len(y))  # weighted by batch size, as Keras
        for metric in self.compiled_metrics:
            metric.update_state(y, y_pred)
        metrics = [self._loss_tracker, *self.compiled_metrics]
        results = self.distribute_strategy.metric_results(metrics)  # over all processes
        return {metric.name: value for metric, value in zip(metrics, results)}

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
        initial_epoch: int = 0,
    ) -> History:
        """Train the model for `epochs` passes over (x, y) in mini-batches.

        Args:
            x: inputs, samples first, e.g. shape (60000, 784).
            y: targets: one-hot (60000, 10) or integer labels, as the loss wants.
            batch_size: samples per gradient update (32 by default); the last batch of an
                epoch holds the rest (60,000 samples at 128 make 469 steps).
            epochs: train until this epoch: this many passes over the data when starting
                from initial_epoch=0.
            verbose: "auto" or 1 a progress bar, 2 one line per epoch, 0 silent.
            callbacks: Callback objects called during training.
            validation_split: fraction of the data, taken from its END before shuffling,
                held out to compute val_ loss and metrics after each epoch.
            validation_data: (x_val, y_val) for the same purpose (overrides the split).
            shuffle: draw the batches in a new random order each epoch.
            initial_epoch: epoch to start from (to resume training).

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
        x, y, warned = self._prepare(x, y, "fit")
        validation = None
        if validation_data is not None:
            x_val, y_val = data.unpack_validation(validation_data)
            x_val, y_val, _ = self._prepare(x_val, y_val, "fit (validation_data)", warn=not warned)
            validation = (x_val, y_val)
        elif validation_split:
            x, y, x_val, y_val = data.split_validation(x, y, validation_split)
            validation = (x_val, y_val)
        self._resolve_metrics(y)
        batches = data.ArrayBatches(x, y, batch_size, shuffle=bool(shuffle))
        callbacks, verbose = self.distribute_strategy.for_rank(callbacks, verbose)
        callback_list = CallbackList(
            callbacks,
            add_history=True,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=epochs,
            steps=len(batches),
        )
        self._train_weights = self.trainable_weights
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
                if validation is not None:
                    val_logs = self._test_loop(*validation, batch_size, callback_list)
                    logs.update({"val_" + name: value for name, value in val_logs.items()})
                callback_list.on_epoch_end(epoch, logs)
                if self.stop_training:
                    break
            callback_list.on_train_end(logs)
        finally:
            self._train_weights = None
        self.history = callback_list.history
        return callback_list.history

    def _train_epoch(self, batches: data.ArrayBatches, callbacks: CallbackList) -> dict[str, float]:
        """Run train_step over one epoch of batches; the epoch's running logs."""
        logs: dict[str, float] = {}
        for step, (x_batch, y_batch) in enumerate(batches):
            callbacks.on_train_batch_begin(step)
            logs = self.distribute_strategy.run_step(self.train_step, x_batch, y_batch)
            callbacks.on_train_batch_end(step, logs)
            if self.stop_training:
                break
        return dict(logs)

    def _test_loop(
        self, x: np.ndarray, y: np.ndarray, batch_size: int, callbacks: CallbackList
    ) -> dict[str, float]:
        """Run test_step over all batches, in order and under no_grad; the final logs."""
        self.reset_metrics()
        callbacks.on_test_begin()
        logs: dict[str, float] = {}
        with grad_mode.no_grad():
            for step, (x_batch, y_batch) in enumerate(data.ArrayBatches(x, y, batch_size)):
                callbacks.on_test_batch_begin(step)
                logs = self.distribute_strategy.run_step(self.test_step, x_batch, y_batch)
                callbacks.on_test_batch_end(step, logs)
        logs = dict(logs)
        callbacks.on_test_end(logs)
        return logs

    # ----- saving -----
    def save(self, filepath: Any, overwrite: bool = True, include_optimizer: bool = True) -> None:
        """Save architecture, weights, compile settings and optimizer state to a .tensorgrad file."""
        from tensorgrad.models import saving

        self.distribute_strategy.on_chief(
            saving.save_model,
            self,
            filepath,
            overwrite=overwrite,
            include_optimizer=include_optimizer,
        )

    def save_weights(self, filepath: Any, overwrite: bool = True) -> None:
        """Save the weights alone to a .weights.npz file."""
        from tensorgrad.models import saving

        self.distribute_strategy.on_chief(saving.save_weights, self, filepath, overwrite=overwrite)

    def load_weights(self, filepath: Any) -> None:
        """Load weights from a .weights.npz (or .tensorgrad) file, matched layer by layer."""
        from tensorgrad.models import saving

        saving.load_weights(self, filepath)

    # ----- evaluate and predict -----
    def evaluate(
        self,
        x: Any = None,
        y: Any = None,
        batch_size: int | None = None,
        verbose: int | str = "auto",
        callbacks: Sequence[Callback] | None = None,
        return_dict: bool = False,
    ) -> float | list[float] | dict[str, float]:
        """The loss and metrics of the model on (x, y), computed batch by batch.

        Returns:
            [loss, *metrics] in compile order (just the loss, as a float, when there are no
            metrics), or a dict {"loss": ..., name: ...} with return_dict=True.
        """
        self._check_compiled("evaluate")
        verbose = _verbosity(verbose, "evaluate")
        batch_size = _batch_size(batch_size, "evaluate")
        x, y, _ = self._prepare(x, y, "evaluate")
        self._resolve_metrics(y)
        steps = -(-len(x) // batch_size)
        callbacks, verbose = self.distribute_strategy.for_rank(callbacks, verbose)
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=steps,
        )
        logs = self._test_loop(x, y, batch_size, callback_list)
        if return_dict:
            return logs
        values = list(logs.values())
        return values[0] if len(values) == 1 else values

    def predict(
        self,
        x: Any,
        batch_size: int | None = None,
        verbose: int | str = 0,
        callbacks: Sequence[Callback] | None = None,
    ) -> np.ndarray:
        """The model's outputs for x, computed batch by batch under no_grad, as one array."""
        verbose = _verbosity(verbose, "predict")
        batch_size = _batch_size(batch_size, "predict")
        x, _ = self._prepare_x(x, "predict")
        batches = data.ArrayBatches(x, None, batch_size)
        callbacks, verbose = self.distribute_strategy.for_rank(callbacks, verbose)
        callback_list = CallbackList(
            callbacks,
            add_progbar=verbose != 0,
            model=self,
            verbose=verbose,
            epochs=1,
            steps=len(batches),
        )
        callback_list.on_predict_begin()
        outputs: np.ndarray | None = None
        start = 0
        with grad_mode.no_grad():
            for step, (x_batch, _) in enumerate(batches):
                callback_list.on_predict_batch_begin(step)
                batch_out = self.predict_step(x_batch)
                if outputs is None:
                    outputs = np.empty((len(x),) + batch_out.shape[1:], batch_out.dtype)
                outputs[start : start + len(batch_out)] = batch_out
                start += len(batch_out)
                callback_list.on_predict_batch_end(step, {"outputs": batch_out})
        callback_list.on_predict_end()
        return outputs

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
