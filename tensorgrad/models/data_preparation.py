"""Turning what fit, evaluate and predict receive into checked arrays and batches.

A model takes one array or a list or dict of arrays; its targets and sample weights come
the same way, one per output. These methods check all of it against the model before the
first step (shapes, sample counts, names of inputs and outputs, the loss's own checks),
cast float arrays once, and choose the batches: `models/data.py` for arrays,
`models/data_adapters.py` for generators and PyDatasets. `Model` inherits them; they are
kept here so that `models/model.py` reads as compile, the steps and the loops.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.input_spec import format_shape
from tensorgrad.models import data, data_adapters
from tensorgrad.utils import nest, text_arrays


class DataPreparation:
    """The checks and batching of a model's data (a base of `Model`)."""

    def _input_autocast(self) -> bool:
        """Whether the model's first layers cast integer inputs to float (not an Embedding)."""
        layers = [layer for layer in self.layers if type(layer).__name__ != "InputLayer"]
        return bool(layers) and layers[0]._autocast

    def _prepare_x(
        self, x: Any, op: str, warn: bool = True, stacklevel: int = 4
    ) -> tuple[Any, bool]:
        """x checked, float arrays cast once, and the model built for it; (x, warned).

        `stacklevel` places a warning at the user's call (predict -> here -> the check).
        """
        x = data.as_structure(x, "x", op)
        named = data.named_arrays(x, "x")
        for label, array in named:
            data.check_finite(array, label, op)
        data.check_samples(named, op)
        if any(text_arrays.is_text(a) for _, a in named) and not self._takes_raw_text():
            dtype = next(a.dtype for _, a in named if text_arrays.is_text(a))
            raise TypeError(
                f'{op}: x holds text (dtype {dtype}), but model "{self.name}" takes numbers; '
                f"start it with a layers.TextVectorization layer (for a functional model, an "
                f'Input(shape=(1,), dtype="string") followed by one), or vectorize the text first'
            )
        x = self._check_inputs(x, op)
        warned = False
        cast_ints = self._input_autocast()
        if warn and cast_ints:
            warned = data.warn_if_unscaled(named[0][1], op, stacklevel)

        def cast(array: np.ndarray) -> np.ndarray:
            if array.dtype.kind == "f" or (cast_ints and array.dtype.kind in "iub"):
                return data.as_float(array)  # the one cast of the inputs
            return array

        x = nest.map_structure(cast, x)
        if not self.built and not nest.is_nested(x):
            self.build(self._expected_input_shape() or (None,) + x.shape[1:])
        return x, warned

    def _takes_raw_text(self) -> bool:
        """Whether strings may go in (Sequential and Functional say when): a model written
        as code decides in its own call."""
        return True

    def _check_inputs(self, x: Any, op: str) -> Any:
        """Check x against the model's inputs; x in the structure the model takes."""
        inputs = getattr(self, "inputs", None)
        if inputs is not None:  # a functional model: by position or by input name
            flat = self._flatten_inputs(x)
            for i, (symbol, array) in enumerate(zip(inputs, flat)):
                expected = symbol.shape
                if symbol.dtype == "string" and array.ndim == 1 and expected[1:] == (1,):
                    flat[i] = array = array.reshape(-1, 1)  # texts (n,) for Input(shape=(1,))
                if len(expected) != array.ndim or any(
                    e is not None and e != g for e, g in zip(expected, array.shape)
                ):
                    label = symbol.node.layer.name
                    raise ValueError(
                        f'{op}: model "{self.name}" expects input "{label}" of shape '
                        f"{format_shape(expected)}, got an array of shape "
                        f"{format_shape(array.shape)}"
                        f"{data.reshape_hint(expected, array.shape, label)}"
                    )
            if isinstance(self._inputs_struct, dict):
                return dict(zip(sorted(self._inputs_struct), flat))
            return flat[0] if len(flat) == 1 and not nest.is_nested(self._inputs_struct) else flat
        if nest.is_nested(x):
            return x  # a model written as code takes what its call takes
        expected = self._expected_input_shape()
        if expected is None:
            if x.ndim < 2 and not text_arrays.is_text(x):  # a text is one value per sample
                raise ValueError(
                    f"{op}: x of shape {x.shape} has no feature axis; give each sample at least "
                    f"one axis, e.g. x.reshape(({len(x)}, 1))"
                )
        else:
            data.check_input_shape(expected, x, op)
        return x

    def _targets_list(self, y: Any, op: str, names: list[str]) -> list[Any]:
        """The targets as one entry per output, from an array, a list or a dict by name."""
        if len(names) == 1 and type(y) is np.ndarray:
            return [y]
        if len(names) == 1:
            if isinstance(y, Mapping) and len(y) == 1:
                return list(y.values())
            if isinstance(y, (list, tuple)) and len(y) == 1 and not np.isscalar(y[0]):
                if isinstance(y[0], (np.ndarray, Tensor)):
                    return [y[0]]
            return [y]
        if isinstance(y, Mapping):
            missing = [n for n in names if n not in y]
            unknown = sorted(set(y) - set(names))
            if missing or unknown:
                raise ValueError(
                    f'{op}: model "{self.name}" has outputs {names}; the dict of targets has keys '
                    f"{sorted(y)}"
                    + (f" (no targets for {missing})" if missing else "")
                    + (f" (unknown {unknown})" if unknown else "")
                )
            return [y[n] for n in names]
        if not isinstance(y, (list, tuple)) or len(y) != len(names):
            got = f"a list of {len(y)}" if isinstance(y, (list, tuple)) else "one array"
            raise ValueError(
                f'{op}: model "{self.name}" has {len(names)} outputs {names}, so y must be a list '
                f"of {len(names)} arrays (or a dict by output name), got {got}"
            )
        return list(y)

    def _prepare(
        self,
        x: Any,
        y: Any,
        op: str,
        warn: bool = True,
        sample_weight: Any = None,
        class_weight: Any = None,
    ) -> tuple[Any, list[np.ndarray], list[Any] | None, bool]:
        """x, the targets per output and the sample weights per output, all checked."""
        x, warned = self._prepare_x(x, op, warn, stacklevel=5)
        names, shapes, _ = self._outputs_info(x)
        if y is None and self.compiled_loss is None:  # the losses come from add_loss
            if sample_weight is not None or class_weight is not None:
                raise ValueError(
                    f"{op}: sample_weight and class_weight weigh a compiled loss, but the model "
                    "was compiled without one (loss=None) and no y was given"
                )
            return x, None, None, warned
        if y is None:
            raise ValueError(
                f"{op}: y is missing: the compiled loss compares the outputs with targets y"
            )
        y_flat = [
            data.as_array(t, f"y[{n!r}]" if len(names) > 1 else "y", op)
            for t, n in zip(self._targets_list(y, op, names), names)
        ]
        named = data.named_arrays(x, "x") + [
            (f"y[{n!r}]" if len(names) > 1 else "y", t) for n, t in zip(names, y_flat)
        ]
        data.check_samples(named, op)
        for t in y_flat:
            data.check_finite(t, "y", op)
        y_flat = [data.as_float(t) if t.dtype.kind in "fb" else t for t in y_flat]
        if self.compiled_loss is None:
            losses: list[Any] = [None] * len(names)
        elif self.compiled_loss.names:
            losses = self.compiled_loss.losses
        else:
            self.compiled_loss.build(names, self.name)
            losses = self.compiled_loss.losses
        for loss, t, shape in zip(losses, y_flat, shapes):
            check_targets = getattr(loss, "check_targets", None)
            if check_targets is not None:
                check_targets(t, shape)
        weights = self._sample_weights(sample_weight, class_weight, y_flat, names, op)
        return x, y_flat, weights, warned

    def _sample_weights(
        self,
        sample_weight: Any,
        class_weight: Any,
        y_flat: list[np.ndarray],
        names: list[str],
        op: str,
    ) -> list[Any] | None:
        """One weight array per output (or None), from sample_weight and class_weight."""
        if sample_weight is None and class_weight is None:
            return None
        if sample_weight is None:
            weights: list[Any] = [None] * len(names)
        elif isinstance(sample_weight, Mapping) or (
            isinstance(sample_weight, (list, tuple)) and len(names) > 1
        ):
            weights = self._targets_list(sample_weight, f"{op} (sample_weight)", names)
        else:
            weights = [sample_weight] * len(names)
        out = []
        for w, t in zip(weights, y_flat):
            if w is None:
                out.append(None)
                continue
            w = np.asarray(w, dtype=np.float64)
            if w.ndim == 0 or len(w) != len(t):
                raise ValueError(
                    f"{op}: sample_weight must hold one weight per sample ({len(t)}), got shape "
                    f"{w.shape}"
                )
            out.append(w)
        if class_weight is not None:
            if len(names) > 1:
                raise ValueError(
                    f'{op}: class_weight is for models with one output; model "{self.name}" has '
                    f"{len(names)}: give sample_weight per output instead"
                )
            cw = data.class_weight_to_sample_weight(y_flat[0], class_weight)
            out[0] = cw if out[0] is None else out[0] * cw
        return out

    def _unwrap_targets(self, y: list[Any]) -> Any:
        return y[0] if len(y) == 1 else y

    def _dataset_batches(
        self,
        x: Any,
        y: Any,
        sample_weight: Any,
        class_weight: Any,
        steps: int | None,
        shuffle: bool,
        op: str,
        steps_name: str = "steps_per_epoch",
        targets: bool = True,
    ) -> data_adapters.MappedBatches | None:
        """The batches of a generator or PyDataset `x`, each checked and cast as arrays are
        (None when x is arrays). The first batch builds the model and resolves the losses
        and metrics before any step, so mistakes surface at once."""
        adapter = data_adapters.get_adapter(
            x, y, sample_weight, steps=steps, shuffle=shuffle, op=op, steps_name=steps_name
        )
        if adapter is None:
            return None
        first_x, first_y, first_w = adapter.peek()
        if not targets:
            self._prepare_x(first_x, op, stacklevel=6)

            def prepare_x(x: Any, y: Any, w: Any) -> tuple[Any, Any, Any]:
                return self._prepare_x(x, op, warn=False)[0], None, None

            return data_adapters.MappedBatches(adapter, prepare_x)
        if first_y is None and self.compiled_loss is not None:
            raise ValueError(
                f"{op}: the batches hold no targets; a {type(x).__name__} for {op} must give "
                "(x, y) or (x, y, sample_weight) batches"
            )
        fx, fy, _, _ = self._prepare(
            first_x, first_y, op, sample_weight=first_w, class_weight=class_weight
        )
        self._build_compiled(fx, fy, op)

        def prepare(x: Any, y: Any, w: Any) -> tuple[Any, Any, Any]:
            x, y, w, _ = self._prepare(
                x, y, op, warn=False, sample_weight=w, class_weight=class_weight
            )
            y = None if y is None else self._unwrap_targets(y)
            return x, y, None if w is None else self._unwrap_targets(w)

        return data_adapters.MappedBatches(adapter, prepare)

    def _epoch_batches(
        self, x: Any, y: Any, weights: Any, batch_size: int, shuffle: bool, steps: int | None
    ) -> data.ArrayBatches:
        """The batches of one epoch, as (x, y, sample_weight) with y as the model takes it."""
        y = None if y is None else self._unwrap_targets(y)
        if weights is not None:
            weights = self._unwrap_targets(weights)
        return data.ArrayBatches(x, y, batch_size, shuffle=shuffle, sample_weight=weights)
