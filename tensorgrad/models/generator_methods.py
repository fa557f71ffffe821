"""The first edition's (Keras 2's) spellings of fit, evaluate and predict on generators.

`fit_generator(generator, steps_per_epoch, epochs, ...)` and its two siblings keep Keras 2's
positional order and loading arguments, and call today's `fit`, `evaluate` and `predict`,
which take generators and PyDatasets directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from tensorgrad.callbacks import Callback, History
from tensorgrad.utils.py_dataset import PyDataset


class GeneratorMethods:
    """`fit_generator`, `evaluate_generator`, `predict_generator` (a base of `Model`)."""

    def fit_generator(
        self,
        generator: Any,
        steps_per_epoch: int | None = None,
        epochs: int = 1,
        verbose: int | str = 1,
        callbacks: Sequence[Callback] | None = None,
        validation_data: Any = None,
        validation_steps: int | None = None,
        validation_freq: int = 1,
        class_weight: Mapping[Any, float] | None = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        shuffle: bool = True,
        initial_epoch: int = 0,
    ) -> History:
        """Keras 2's `fit` on a generator or Sequence, with its positional order; workers,
        use_multiprocessing and max_queue_size apply to a PyDataset (Keras 3 keeps them on
        the dataset)."""
        _loading_options(generator, max_queue_size, workers, use_multiprocessing)
        return self.fit(
            generator,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            shuffle=shuffle,
            class_weight=class_weight,
            initial_epoch=initial_epoch,
            steps_per_epoch=steps_per_epoch,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
        )

    def evaluate_generator(
        self,
        generator: Any,
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose: int | str = 0,
    ) -> Any:
        """Keras 2's `evaluate` on a generator or Sequence, with its positional order."""
        _loading_options(generator, max_queue_size, workers, use_multiprocessing)
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(
        self,
        generator: Any,
        steps: int | None = None,
        callbacks: Sequence[Callback] | None = None,
        max_queue_size: int = 10,
        workers: int = 1,
        use_multiprocessing: bool = False,
        verbose: int | str = 0,
    ) -> Any:
        """Keras 2's `predict` on a generator or Sequence, with its positional order."""
        _loading_options(generator, max_queue_size, workers, use_multiprocessing)
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def _loading_options(data: Any, max_queue_size: int, workers: int, processes: bool) -> None:
    """Keras 2's loading arguments of fit_generator and friends, set on a PyDataset."""
    if isinstance(data, PyDataset) and (workers, processes, max_queue_size) != (1, False, 10):
        data.workers, data.use_multiprocessing = workers, processes
        data.max_queue_size = max_queue_size
