"""`model.summary()`: the table of layers, output shapes and parameter counts, as Keras prints it.

Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
dense (Dense)                (None, 512)               401920
_________________________________________________________________
dense_1 (Dense)              (None, 10)                5130
=================================================================
Total params: 407,050
Trainable params: 407,050
Non-trainable params: 0
_________________________________________________________________
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import format_shape


def _row(fields: Sequence[str], stops: Sequence[int]) -> list[str]:
    """One table row; a field too long for its column continues on the next line."""
    left = [str(f) for f in fields]
    lines = []
    while True:
        line = ""
        for col, stop in enumerate(stops):
            start = stops[col - 1] if col else 0
            room = max(stop - start - (2 if col < len(stops) - 1 else 0), 1)
            line += left[col][:room]
            left[col] = left[col][room:]
            line += " " * (stop - len(line))
        lines.append(line.rstrip())
        if not any(left):
            return lines


def _output_shape(layer: Layer) -> str:
    if not layer.built:
        return "?"
    nodes = layer.__dict__.get("_inbound_nodes") or []
    if len(nodes) == 1 and len(nodes[0].output_tensors) == 1:  # in a graph: its actual shape
        return format_shape(nodes[0].output_tensors[0].shape)
    shape = layer.output_shape
    return format_shape(shape) if isinstance(shape, tuple) else "multiple"


def _connections(model: Any) -> dict[int, list[str]]:
    """For each layer of a functional model: "name[node][tensor]" of the tensors it reads."""
    own = model._own_node_indices()
    found: dict[int, list[str]] = {}
    for node in model._nodes:
        for tensor in node.input_tensors:
            layer, _, tensor_index = tensor._keras_history
            found.setdefault(id(node.layer), []).append(
                f"{layer.name}[{own.get(id(tensor.node), 0)}][{tensor_index}]"
            )
    return found


def print_summary(
    model: Any,
    line_length: int | None = None,
    positions: Sequence[float] | None = None,
    print_fn: Callable[[str], Any] | None = None,
) -> None:
    """Print (or hand each line to `print_fn`) the summary table of a built model.

    Args:
        model: a built Model.
        line_length: width of the table in characters (65 by default).
        positions: right edge of each column, as fractions of the width (or in characters).
        print_fn: called with each line instead of `print`.

    Raises:
        ValueError: the model is not built yet.
    """
    if not model.built:
        raise ValueError(
            f'summary: model "{model.name}" is not built yet, so its weights and output shapes '
            f"are unknown. Give its first layer an input shape (Dense(512, input_shape=(784,)) "
            f"or layers.Input(shape=(784,))), call model.build((None, 784)), or fit it first"
        )
    print_fn = print_fn or print
    graph = getattr(model, "_nodes", None)  # a functional model: show how layers connect
    line_length = line_length or (98 if graph is not None else 65)
    positions = list(
        positions or ((0.33, 0.55, 0.67, 1.0) if graph is not None else (0.45, 0.85, 1.0))
    )
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    headers = ["Layer (type)", "Output Shape", "Param #"]
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    for line in _row(headers + (["Connected to"] if graph is not None else []), positions):
        print_fn(line)
    print_fn("=" * line_length)
    layers = model._layers if graph is not None else model.layers  # with keras.ops steps
    sources = _connections(model) if graph is not None else {}
    for i, layer in enumerate(layers):
        params = layer.count_params() if layer.built else 0
        kind = getattr(layer, "summary_type", type(layer).__name__)
        fields = [f"{layer.name} ({kind})", _output_shape(layer), str(params)]
        if graph is not None:
            inbound = sources.get(id(layer)) or [""]
            rows = [fields + [inbound[0]]] + [["", "", "", more] for more in inbound[1:]]
        else:
            rows = [fields]
        for row in rows:
            for line in _row(row, positions):
                print_fn(line)
        print_fn("=" * line_length if i == len(layers) - 1 else "_" * line_length)
    if not layers:
        print_fn("=" * line_length)
    trainable = sum(w.data.size for w in model.trainable_weights)
    non_trainable = sum(w.data.size for w in model.non_trainable_weights)
    print_fn(f"Total params: {trainable + non_trainable:,}")
    print_fn(f"Trainable params: {trainable:,}")
    print_fn(f"Non-trainable params: {non_trainable:,}")
    print_fn("_" * line_length)
