"""Making every process start from the chief's training state.

At the start of each `fit` the chief (rank 0) sends its weights, optimizer state, epoch to
resume from and random generator state to the other processes. Before that, the processes
compare the shapes and dtypes of their weights, so a script that builds different models
on different processes fails with a clear message instead of broadcasting garbage.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad.engine import random


def weight_signature(weights: list[Any]) -> list[tuple[str, tuple[int, ...], str]]:
    """(name, shape, dtype) of each weight, in order: what must agree across processes."""
    return [(str(w.name), tuple(w.data.shape), str(w.data.dtype)) for w in weights]


def check_same_model(communicator: Any, weights: list[Any]) -> None:
    """Raise the same ValueError on every process unless all hold weights of equal shapes.

    Names are reported but not compared: layer names are numbered in creation order and
    may differ between processes that are otherwise the same.
    """
    signatures = communicator.allgather_object(weight_signature(weights))
    reference = [(shape, dtype) for _, shape, dtype in signatures[0]]
    for rank, signature in enumerate(signatures[1:], start=1):
        if [(shape, dtype) for _, shape, dtype in signature] == reference:
            continue
        raise ValueError(
            "DataParallel: the model differs between processes, so rank 0's weights cannot "
            f"be sent to the others. Rank 0 has {_describe(signatures[0])}; rank {rank} has "
            f"{_describe(signature)}. {_first_difference(signatures[0], signature, rank)}"
            "Every process must build the same model (same layers, units and input shape)."
        )


def _describe(signature: list[tuple[str, tuple[int, ...], str]]) -> str:
    items = ", ".join(f"{name} {shape} {dtype}" for name, shape, dtype in signature)
    return f"{len(signature)} weights [{items}]"


def _first_difference(first: list[Any], other: list[Any], rank: int) -> str:
    for i, (a, b) in enumerate(zip(first, other)):
        if a[1:] != b[1:]:
            return (
                f"The first difference is weight {i}: {a[1]} {a[2]} on rank 0, "
                f"{b[1]} {b[2]} on rank {rank}. "
            )
    return ""


def broadcast_training_state(communicator: Any, model: Any) -> None:
    """Give every process the chief's weights, optimizer state, random state and epoch.

    Arrays (weights, optimizer slots) travel as raw buffers (MPI_Bcast); the rest, small,
    is pickled.
    """
    broadcast_weights(communicator, model.weights)
    chief = communicator.rank == 0
    trainable = model.trainable_weights
    optimizer = model.optimizer
    header = None
    if chief:
        optimizer_state = optimizer.get_state(trainable)
        header = {
            "iterations": optimizer_state["iterations"],
            "slots": [
                [(s.shape, str(s.dtype)) for s in slots] for slots in optimizer_state["slots"]
            ],
            "rng": random.get_state(),
            "layer_rngs": [
                [g.bit_generator.state for g in _own_generators(layer)] for layer in model.layers
            ],
            "initial_epoch": model._initial_epoch,
        }
    header = communicator.bcast_object(header)
    if chief:
        slots = optimizer_state["slots"]
    else:
        slots = [[np.empty(shape, dtype) for shape, dtype in v] for v in header["slots"]]
    for array in (a for variable in slots for a in variable):
        _bcast_into(communicator, array)
    if chief:
        return
    optimizer.set_state({"iterations": header["iterations"], "slots": slots}, trainable)
    random.set_state(header["rng"])
    for layer, saved in zip(model.layers, header["layer_rngs"]):
        for generator, value in zip(_own_generators(layer), saved):
            generator.bit_generator.state = value
    model._initial_epoch = header["initial_epoch"]


def broadcast_weights(communicator: Any, weights: list[Any]) -> None:
    """Overwrite every process's weights with the chief's, after checking they match."""
    check_same_model(communicator, weights)
    for weight in weights:
        _bcast_into(communicator, weight.data)


def _bcast_into(communicator: Any, array: np.ndarray) -> None:
    """Overwrite `array` with the chief's values (MPI needs one contiguous block)."""
    if array.flags.c_contiguous:
        communicator.bcast_array(array)
        return
    block = np.ascontiguousarray(array)
    communicator.bcast_array(block)
    np.copyto(array, block)


def _own_generators(layer: Any) -> list[np.random.Generator]:
    """Random generators a layer keeps for itself (a Dropout given a seed), in attribute order."""
    return [v for v in vars(layer).values() if isinstance(v, np.random.Generator)]
