"""What fit, evaluate and predict receive, turned into epochs of batches.

Every adapter has the protocol of `data.ArrayBatches`: `num_steps` (steps per epoch, None
when unknown until the data runs out), `len()` (the same, a TypeError when unknown) and
iteration over one epoch of `(x, y, sample_weight)` tuples (y and sample_weight may be None).
`get_adapter` is the one place where the kind of data decides the batches:

- arrays: `ArrayBatches`, batched and optionally shuffled here;
- a `utils.PyDataset`: `PyDatasetBatches`, batches by index, loaded ahead in workers when
  the dataset asks, in a shuffled order each epoch when fit's `shuffle=True` (as Keras 3);
- a Python generator or other iterator: `GeneratorBatches`, `steps_per_epoch` batches per
  epoch, continuing where the previous epoch stopped (as Keras), or until it runs out.

Every yielded batch is checked against the first one: the same structure and the same
feature shapes (all axes after the batch axis), so a generator that changes shape midway
fails at that step with both shapes named, not deep inside a layer.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import textwrap
import types
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from tensorgrad.engine import random
from tensorgrad.engine.tensor import Tensor
from tensorgrad.utils.py_dataset import PyDataset, prefetch

Batch = tuple[Any, Any, Any]

RAN_OUT = (
    "{op}: the input ran out of data after {steps} step(s) of this epoch; training stops "
    "here. Give a generator that yields at least steps_per_epoch * epochs batches (or loops "
    "forever), or leave steps_per_epoch unset to run each epoch until it runs out"
)


def _as_array(value: Any) -> Any:
    """Arrays stay; tensors give their data; lists and dicts of arrays keep their structure."""
    if value is None or isinstance(value, np.ndarray):
        return value
    if isinstance(value, Tensor):
        return value.data
    if isinstance(value, Mapping):
        return {k: _as_array(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (np.ndarray, Tensor)):
        return [_as_array(v) for v in value]
    return np.asarray(value)


def standardize_batch(batch: Any, source: str, op: str, step: int) -> Batch:
    """One yielded batch as (x, y, sample_weight) of arrays.

    Raises:
        ValueError: a tuple of other than 1, 2 or 3 elements, or something not a batch.
    """
    if isinstance(batch, (np.ndarray, Tensor, Mapping)):
        batch = (batch,)
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple) or len(batch) not in (1, 2, 3):
        got = f"a tuple of {len(batch)}" if isinstance(batch, tuple) else type(batch).__name__
        raise ValueError(
            f"{op}: {source} must give batches as (x,), (x, y) or (x, y, sample_weight); "
            f"at step {step} it gave {got}"
        )
    x, y, weights = (tuple(_as_array(v) for v in batch) + (None, None))[:3]
    return x, y, weights


def _shapes(value: Any) -> Any:
    """The structure of shapes of a batch part, for comparison between batches."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return {k: _shapes(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shapes(v) for v in value]
    return tuple(value.shape)


def _features(shapes: Any) -> Any:
    """The shapes without their batch axis (what must stay the same from batch to batch)."""
    if shapes is None:
        return None
    if isinstance(shapes, Mapping):
        return {k: _features(v) for k, v in shapes.items()}
    if isinstance(shapes, list):
        return [_features(v) for v in shapes]
    return shapes[1:]


class ShapeChecker:
    """Checks that every batch has the structure and feature shapes of the first one."""

    def __init__(self, source: str, op: str, unit: str = "step") -> None:
        self.source, self.op, self.unit = source, op, unit  # unit: "step", or "batch" (index)
        self.first: tuple[Any, ...] | None = None

    def check(self, batch: Batch, step: int) -> None:
        shapes = tuple(_shapes(part) for part in batch)
        features = tuple(_features(s) for s in shapes)
        for name, part in zip(("x", "y"), shapes):
            if isinstance(part, tuple) and len(part) == 0:
                raise ValueError(
                    f"{self.op}: {self.source} gave a scalar {name} at {self.unit} {step}; "
                    "batches need a batch axis first"
                )
        if self.first is None:
            self.first = (step, shapes, features)
            return
        first_step, first_shapes, first_features = self.first
        for i, name in enumerate(("x", "y", "sample_weight")):
            if features[i] != first_features[i]:
                raise ValueError(
                    f"{self.op}: {self.source} gave {name} of shape {shapes[i]} at {self.unit} "
                    f"{step}, but {name} of shape {first_shapes[i]} at {self.unit} {first_step}; "
                    "every batch must have the same shape after the batch axis (only the "
                    "number of samples may change)"
                )


def _loops_forever(generator: Any) -> bool:
    """Whether an iterator certainly never ends: itertools' endless ones, or a generator
    whose function runs a `while True` loop with no break or return inside it."""
    if type(generator) in (itertools.count, itertools.cycle):
        return True
    if type(generator) is itertools.repeat:
        try:
            generator.__length_hint__()  # repeat(x, n) has a length, repeat(x) none
        except TypeError:
            return True
        return False
    if not isinstance(generator, types.GeneratorType) or generator.gi_frame is None:
        return False
    try:
        source = textwrap.dedent(inspect.getsource(generator.gi_code))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError):
        return False
    function = tree.body[0] if tree.body else None
    if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    for statement in function.body:  # only a top-level loop decides
        if (
            isinstance(statement, ast.While)
            and isinstance(statement.test, ast.Constant)
            and statement.test.value
        ):
            return not _leaves(statement.body)
    return False


def _leaves(body: list[ast.stmt]) -> bool:
    """Whether statements hold a break out of this loop or a return (not in nested defs)."""
    for node in body:
        if isinstance(node, (ast.Break, ast.Return)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.For, ast.While, ast.AsyncFor)):
            # a break there leaves the inner loop only; a return still leaves the generator
            if any(isinstance(n, ast.Return) for n in ast.walk(node)):
                return True
            if _leaves(node.orelse):
                return True
            continue
        children = [n for n in ast.iter_child_nodes(node) if isinstance(n, ast.stmt)]
        if isinstance(node, ast.Try):
            children += [s for h in node.handlers for s in h.body]
        if children and _leaves(children):
            return True
    return False


def _check_steps(steps: Any, name: str, op: str) -> int | None:
    if steps is None:
        return None
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"{op}: {name} must be a positive integer or None, got {steps!r}")
    return int(steps)


class GeneratorBatches:
    """Epochs of batches drawn from one Python iterator, kept across epochs.

    With `steps`, each epoch takes the next `steps` batches, so a generator re-used across
    epochs continues from where it was (as Keras). Without, an epoch lasts until the
    iterator runs out; later epochs then find it empty. When it runs out before `steps`,
    the epoch ends after the batches it had, with a warning, and `exhausted` tells fit
    to stop (Keras does the same).
    """

    def __init__(self, iterable: Any, steps: int | None, op: str, steps_name: str) -> None:
        self.op = op
        self.steps = _check_steps(steps, steps_name, op)
        if self.steps is None and _loops_forever(iterable):
            raise ValueError(
                f"{op}: the generator never ends (it loops forever), so {steps_name} is "
                f"needed to say how many batches make one epoch, e.g. {steps_name}="
                "len(x_train) // batch_size"
            )
        self.source = "the generator"
        self._iterator = iter(iterable)
        self._checker = ShapeChecker(self.source, op)
        self._step = 0  # batches drawn so far, over all epochs
        self._pending: list[Any] = []  # a batch looked at by peek, yielded first
        self.exhausted = False

    def peek(self) -> Batch:
        """The next batch, without consuming it (fit builds the model from it).

        Raises:
            ValueError: the generator yields nothing at all.
        """
        if not self._pending:
            try:
                self._pending.append(next(self._iterator))
            except StopIteration:
                raise ValueError(f"{self.op}: the generator yielded no batch at all") from None
        return standardize_batch(self._pending[0], self.source, self.op, self._step)

    @property
    def num_steps(self) -> int | None:
        return self.steps

    def __len__(self) -> int:
        if self.steps is None:
            raise TypeError(f"{self.op}: the number of steps of a generator is unknown")
        return self.steps

    def __iter__(self) -> Iterator[Batch]:
        count = 0
        limit = self.steps
        while limit is None or count < limit:
            try:
                raw = self._pending.pop() if self._pending else next(self._iterator)
            except StopIteration:
                if limit is not None or count == 0:
                    self.exhausted = True
                    warnings.warn(RAN_OUT.format(op=self.op, steps=count), UserWarning, 2)
                return
            batch = standardize_batch(raw, self.source, self.op, self._step)
            self._checker.check(batch, self._step)
            self._step += 1
            count += 1
            yield batch


class PyDatasetBatches:
    """Epochs of a PyDataset's batches, in order or in a new random order per epoch.

    Calls the dataset's on_epoch_begin before and on_epoch_end after each epoch. Batches
    are loaded ahead in the dataset's workers (`utils.py_dataset.prefetch`) and come in the
    order asked for. With `steps` smaller than the dataset, an epoch takes its first
    `steps` batches. An endless dataset (num_batches None) needs `steps`.
    """

    def __init__(
        self, dataset: PyDataset, steps: int | None, shuffle: bool, op: str, steps_name: str
    ) -> None:
        self.op = op
        self.dataset = dataset
        self.steps = _check_steps(steps, steps_name, op)
        count = dataset.num_batches
        if count is None and self.steps is None:
            raise ValueError(
                f"{op}: {type(dataset).__name__} is endless (num_batches is None), so "
                f"{steps_name} is needed to say how many batches make one epoch"
            )
        if count is not None and count < 1:
            raise ValueError(f"{op}: {type(dataset).__name__} has no batches (len() is 0)")
        self.shuffle = bool(shuffle) and count is not None
        self.source = f"{type(dataset).__name__}"
        self._checker = ShapeChecker(self.source, op, unit="batch")
        self._next_endless = 0  # the next index of an endless dataset, across epochs
        self.exhausted = False

    def peek(self) -> Batch:
        """The dataset's first batch (fit builds the model from it)."""
        first = self._next_endless if self.dataset.num_batches is None else 0
        return standardize_batch(self.dataset[first], f"{self.source}[{first}]", self.op, first)

    @property
    def num_steps(self) -> int:
        count = self.dataset.num_batches
        if self.steps is None:
            return int(count)
        return self.steps if count is None else min(self.steps, count)

    def __len__(self) -> int:
        return self.num_steps

    def _indices(self) -> list[int]:
        count = self.dataset.num_batches
        if count is None:
            start = self._next_endless
            self._next_endless += self.steps
            return list(range(start, start + self.steps))
        order = random.generator().permutation(count) if self.shuffle else np.arange(count)
        return [int(i) for i in order[: self.num_steps]]

    def __iter__(self) -> Iterator[Batch]:
        self.dataset.on_epoch_begin()
        indices = self._indices()
        loader = prefetch(self.dataset, indices)
        try:
            for index, raw in zip(indices, loader):
                batch = standardize_batch(raw, f"{self.source}[{index}]", self.op, index)
                self._checker.check(batch, index)
                yield batch
        finally:
            loader.close()  # stop the workers even when the epoch is cut short
        self.dataset.on_epoch_end()


class MappedBatches:
    """An adapter's batches passed through `fn` (fit's checks and casts), same length."""

    def __init__(self, adapter: GeneratorBatches | PyDatasetBatches, fn: Any) -> None:
        self.adapter, self.fn = adapter, fn

    @property
    def num_steps(self) -> int | None:
        return self.adapter.num_steps

    @property
    def exhausted(self) -> bool:
        return self.adapter.exhausted

    def __len__(self) -> int:
        return len(self.adapter)

    def __iter__(self) -> Iterator[Batch]:
        for batch in self.adapter:
            yield self.fn(*batch)


def is_generator_like(x: Any) -> bool:
    """Whether `x` is an iterator or generator of batches (not arrays, tensors, containers)."""
    if isinstance(x, (np.ndarray, Tensor, str, bytes, Mapping, list, tuple, PyDataset)):
        return False
    return isinstance(x, Iterator) or isinstance(x, types.GeneratorType)


def get_adapter(
    x: Any,
    y: Any = None,
    sample_weight: Any = None,
    *,
    steps: int | None = None,
    shuffle: bool = False,
    op: str = "fit",
    steps_name: str = "steps_per_epoch",
) -> GeneratorBatches | PyDatasetBatches | None:
    """The adapter for a PyDataset or generator `x`, or None when `x` is array data.

    Raises:
        ValueError: y or sample_weight given beside a dataset or generator (they come from
            it), or bad steps.
    """
    if isinstance(x, PyDataset):
        kind = "a PyDataset"
    elif is_generator_like(x):
        kind = "a generator"
    else:
        return None
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(
                f"{op}: {name} must not be given when x is {kind}; the {name} comes from "
                f"its batches, (x, y) or (x, y, sample_weight)"
            )
    if isinstance(x, PyDataset):
        return PyDatasetBatches(x, steps, shuffle, op, steps_name)
    return GeneratorBatches(x, steps, op, steps_name)
