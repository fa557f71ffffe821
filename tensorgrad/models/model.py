"""Model: a layer that trains. compile, fit, evaluate, predict, as in Keras.

`fit` checks the data, then runs epochs of `train_step` over mini-batches: forward pass,
loss, backward pass, one optimizer update, running means of the loss and metrics. The
pieces are small methods (`train_step`, `compute_loss`, `compute_metrics`, `test_step`,
`predict_step`, the batch iterator in `models/data.py`) so that each can be read,
profiled or overridden on its own, as Keras 3 lets you override them. Besides arrays, all
three take a Python generator or a `utils.PyDataset` of batches; how the data is checked
and batched is in `models/data_preparation.py`; compile, the losses and metrics it sets up
and `compute_loss` / `compute_metrics` in `models/compile_methods.py`; the first edition's
`fit_generator` and friends in `models/generator_methods.py`.

`Model(inputs, outputs)` makes a functional model (`models/functional.py`); subclass
`Model` and define `call` for a model written as code; `Sequential` stacks layers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from tensorgrad import distribute, saving
from tensorgrad.callbacks import Callback, CallbackList, History
from tensorgrad.engine import grad_mode
from tensorgrad.engine.backend import default_float
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec
from tensorgrad.layers.layer_losses import losses_paused
from tensorgrad.layers.symbolic import is_shape
from tensorgrad.models import data
from tensorgrad.models.batch_methods import BatchMethods
from tensorgrad.models.compile_methods import CompileMethods
from tensorgrad.models.compile_utils import CompileLoss, CompileMetrics
from tensorgrad.models.data_preparation import DataPreparation
from tensorgrad.models.generator_methods import GeneratorMethods
from tensorgrad.models.summary import print_summary
from tensorgrad.utils import nest


class Model(CompileMethods, DataPreparation, GeneratorMethods, BatchMethods, Layer):
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
        self._tracked_metrics: list[Any] | None = None  # see _metrics_for_steps
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

    # ----- the steps -----
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
        metrics = self._metrics_for_steps()
        for step, batch in enumerate(batches):
            callbacks.on_train_batch_begin(step)
            logs = self.distribute_strategy.run_step(self._train_on, batch, metrics)
            callbacks.on_train_batch_end(step, logs)
            if self.stop_training:
                break
        return dict(logs)

    def _test_loop(self, batches: Any, callbacks: CallbackList) -> dict[str, float]:
        """Run test_step over all batches, in order and under no_grad; the final logs."""
        self.reset_metrics()
        callbacks.on_test_begin()
        logs: dict[str, float] = {}
        metrics = self._metrics_for_steps()
        with grad_mode.no_grad():
            for step, batch in enumerate(batches):
                callbacks.on_test_batch_begin(step)
                logs = self.distribute_strategy.run_step(self._test_on, batch, metrics)
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
