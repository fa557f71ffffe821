"""Layer pairs a model runs as one op: `Conv2D(activation="relu")` then `MaxPooling2D`.

The convnet block of the book, a ReLU convolution whose output only a max pooling reads,
runs as `conv2d_relu_max_pool2d` (engine/ops/conv_pool.py): the same numbers and
gradients, with the ReLU on the pooled map and no full-size activation kept. A model
fuses a pair only where nothing else can see the convolution's output: in a Sequential
model, and in a functional one where that output feeds the pooling alone and is not a
model output. Everything else about the pair (weights, summary, saving) is unchanged.
"""

from __future__ import annotations

from typing import Any

from tensorgrad import activations
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.conv import Conv2D
from tensorgrad.layers.pooling import MaxPooling2D


def max_pool_after(conv: Layer, pool: Layer) -> tuple[int, int] | None:
    """The pool size when `pool(conv(x))` can run as one fused op, else None.

    Only the stock layers qualify (a subclass may change `call`): a ReLU Conv2D without
    groups or activity regularizer, and a MaxPooling2D with side-by-side windows
    (strides = pool_size, "valid"), Keras' default.
    """
    if type(conv) is not Conv2D or type(pool) is not MaxPooling2D:
        return None
    if not (conv.built and pool.built):  # the first call builds them one by one
        return None
    if conv.activation is not activations.relu or conv.groups != 1:
        return None
    if conv.activity_regularizer is not None or pool.activity_regularizer is not None:
        return None
    if pool.strides != pool.pool_size or pool.padding != "valid":
        return None
    return pool.pool_size  # type: ignore[no-any-return]


def call_pair(conv: Layer, pool_size: tuple[int, int], x: Any, training: Any) -> Any:
    """pool(conv(x)) as one op, through conv's own __call__ (building and input checks)."""
    return conv(x, training=training, _max_pool=pool_size)


def can_fuse_input(x: Any) -> bool:
    """A single tensor without a mask: what the fused pair accepts (anything else runs unfused)."""
    return type(x) is Tensor and x._keras_mask is None


def graph_pairs(nodes: list[Any], outputs: list[Any]) -> dict[int, Any]:
    """In a functional graph: {id(conv node): pool node} for each Conv2D node whose one
    output feeds one MaxPooling2D node and nothing else (no other node, no model output).

    Only the graph is checked here; `max_pool_after` still decides at each call.
    """
    readers: dict[int, list[Any]] = {}
    for node in nodes:
        for tensor in node.input_tensors:
            readers.setdefault(id(tensor), []).append(node)
    model_outputs = {id(t) for t in outputs}
    pairs = {}
    for node in nodes:
        if type(node.layer) is not Conv2D or len(node.output_tensors) != 1:
            continue
        if len(node.args) != 1 or set(node.kwargs) - {"training"}:
            continue
        (out,) = node.output_tensors
        found = readers.get(id(out), [])
        if id(out) in model_outputs or len(found) != 1:
            continue
        (pool,) = found
        if type(pool.layer) is MaxPooling2D and len(pool.args) == 1 and pool.args[0] is out:
            if not set(pool.kwargs) - {"training"} and len(pool.input_tensors) == 1:
                pairs[id(node)] = pool
    return pairs
