"""MultiHeadAttention: Keras 3's scaled dot-product attention over several heads.

For a query (batch, Tq, dq) and a value (batch, Tv, dv) (the key defaults to the value):
each head projects them (kernels (d, heads, key_dim), biases (heads, key_dim)), scores
softmax(q k^T / sqrt(key_dim)) over the keys, averages the values with those weights, and
one output kernel (heads, value_dim, out) joins the heads again. Masks follow Keras: the
query's and value's masks (from `Embedding(mask_zero=True)`), an `attention_mask`
(batch, Tq, Tv) and `use_causal_mask=True` are combined; masked scores get -1e9 before the
softmax and weight 0 after it. The weights come in Keras' order (query, key, [gate,]
value, output; kernel then bias), so `set_weights(keras_layer.get_weights())` agrees.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tensorgrad import constraints, initializers, regularizers
from tensorgrad.engine.ops import elementwise, linalg, nn
from tensorgrad.engine.ops import shape as shape_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer, _to_tensor
from tensorgrad.layers.core import Dropout

LARGE_NEGATIVE = -1e9  # Keras' score for a masked position (float32 and float64)


def _positive(name: str, value: Any, optional: bool = False) -> None:
    if optional and value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(
            f"MultiHeadAttention: {name} must be a positive integer"
            f"{' or None' if optional else ''}, got {value!r}"
        )


class MultiHeadAttention(Layer):
    """Multi-head attention, as in "Attention is all you need" and Keras 3.

    Args:
        num_heads: the number of heads.
        key_dim: the size of each head's query and key.
        value_dim: the size of each head's value (key_dim by default).
        dropout: the dropout rate on the attention weights, in training.
        use_bias: whether the projections have biases.
        output_shape: the size (or shape) of the output's last axes; the query's last
            size by default.
        attention_axes: only None (attention over the timesteps axis) is supported.
        use_gate: multiply each head's output by a sigmoid gate computed from the query.
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
        kernel_constraint, bias_constraint: of the four projections' weights.

    Call: `layer(query, value, key=None, attention_mask=None,
    return_attention_scores=False, training=None, use_causal_mask=False)`; query and
    value are (batch, steps, features). The scores returned are (batch, heads, Tq, Tv).
    """

    supports_masking = True

    def __init__(
        self,
        num_heads: int,
        key_dim: int,
        value_dim: int | None = None,
        dropout: float = 0.0,
        use_bias: bool = True,
        output_shape: Any = None,
        attention_axes: Any = None,
        use_gate: bool = False,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        seed: int | None = None,
        **kwargs: Any,
    ) -> None:
        _positive("num_heads", num_heads)
        _positive("key_dim", key_dim)
        _positive("value_dim", value_dim, optional=True)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
            raise ValueError(f"MultiHeadAttention: dropout must be a number, got {dropout!r}")
        if not 0 <= dropout < 1:
            raise ValueError(f"MultiHeadAttention: dropout must be in [0, 1), got {dropout!r}")
        if attention_axes not in (None, 1, (1,), [1], -2, (-2,), [-2]):
            raise ValueError(
                f"MultiHeadAttention: attention over axes {attention_axes!r} is not supported; "
                "leave attention_axes=None (attention over the timesteps of (batch, steps, "
                "features) inputs)"
            )
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias, self.use_gate = float(dropout), bool(use_bias), use_gate
        if isinstance(output_shape, (int, np.integer)):
            output_shape = (int(output_shape),)
        self._output_shape = tuple(output_shape) if output_shape else None
        self.attention_axes = attention_axes
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self._dropout_layer = Dropout(self.dropout, seed=seed)

    # ----- weights -----
    def build(self, input_shape: Any) -> None:
        """Built for self-attention on inputs of `input_shape` unless called first."""
        self._build_projections(input_shape, input_shape, input_shape)

    def _build_projections(self, query_shape: Any, value_shape: Any, key_shape: Any) -> None:
        for label, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3 or shape[-1] is None:
                raise ValueError(
                    f'MultiHeadAttention layer "{self.name}": expected the {label} as (batch, '
                    f"steps, features) with known features, got shape {tuple(shape)}"
                )
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise ValueError(
                f'MultiHeadAttention layer "{self.name}": value and key must have the same '
                f"steps, got shapes {tuple(value_shape)} and {tuple(key_shape)}"
            )
        h, k, v = self.num_heads, self.key_dim, self.value_dim
        self.query_kernel, self.query_bias = self._projection("query", query_shape[-1], k)
        self.key_kernel, self.key_bias = self._projection("key", key_shape[-1], k)
        self.gate_kernel = self.gate_bias = None
        if self.use_gate:
            self.gate_kernel, self.gate_bias = self._projection("gate", query_shape[-1], v)
        self.value_kernel, self.value_bias = self._projection("value", value_shape[-1], v)
        out = self._output_shape or (query_shape[-1],)
        self.output_kernel = self._kernel((h, v, *out), "attention_output/kernel")
        self.output_bias = self._bias(out, "attention_output/bias") if self.use_bias else None
        self._record_build(tuple(query_shape))

    def _projection(self, name: str, features: int, size: int) -> tuple[Tensor, Tensor | None]:
        kernel = self._kernel((features, self.num_heads, size), f"{name}/kernel")
        bias = self._bias((self.num_heads, size), f"{name}/bias") if self.use_bias else None
        return kernel, bias

    def _kernel(self, shape: tuple[int, ...], name: str) -> Tensor:
        return self.add_weight(
            shape=shape,
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
            name=name,
        )

    def _bias(self, shape: tuple[int, ...], name: str) -> Tensor:
        return self.add_weight(
            shape=shape,
            initializer=self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
            name=name,
        )

    # ----- calling -----
    def __call__(self, query: Any, value: Any = None, key: Any = None, **kwargs: Any) -> Any:
        if value is None:
            raise TypeError(
                f'MultiHeadAttention layer "{self.name}": give the value too, e.g. '
                f"layer(x, x) for self-attention"
            )
        if not self.built:
            shapes = [_shape(t) for t in (query, value, value if key is None else key)]
            self._build_projections(*shapes)
        if key is not None:
            kwargs["key"] = key
        return super().__call__(query, value, **kwargs)

    def call(
        self,
        query: Tensor,
        value: Any,
        key: Any = None,
        query_mask: Any = None,
        value_mask: Any = None,
        key_mask: Any = None,
        attention_mask: Any = None,
        return_attention_scores: bool = False,
        training: bool = False,
        use_causal_mask: bool = False,
    ) -> Any:
        value = _to_tensor(value)
        key = value if key is None else _to_tensor(key)
        query_mask = _mask_of(query, query_mask)
        mask = self._attention_mask(
            query.shape[1],
            value.shape[1],
            query_mask,
            _mask_of(value, value_mask),
            _mask_of(key, key_mask),
            attention_mask,
            use_causal_mask,
        )
        q = self._project(query, self.query_kernel, self.query_bias)  # (B, h, Tq, k)
        k = self._project(key, self.key_kernel, self.key_bias)
        v = self._project(value, self.value_kernel, self.value_bias)
        q = q * (1.0 / math.sqrt(self.key_dim))
        scores = linalg.matmul(q, shape_ops.transpose(k, (0, 1, 3, 2)))  # (B, h, Tq, Tv)
        weights = self._masked_softmax(scores, mask)
        dropped = self._dropout_layer(weights, training=training) if self.dropout else weights
        heads = linalg.matmul(dropped, v)  # (B, h, Tq, v)
        if self.gate_kernel is not None:
            heads = heads * nn.sigmoid(self._project(query, self.gate_kernel, self.gate_bias))
        output = self._join_heads(heads)
        return (output, weights) if return_attention_scores else output

    def _project(self, x: Tensor, kernel: Tensor, bias: Tensor | None) -> Tensor:
        """x (B, T, d) through kernel (d, h, size): (B, h, T, size), each head's projection."""
        batch, steps = x.shape[0], x.shape[1]
        _, h, size = kernel.shape
        out = linalg.matmul(x, shape_ops.reshape(kernel, (kernel.shape[0], h * size)))
        if bias is not None:
            out = out + shape_ops.reshape(bias, (h * size,))
        return shape_ops.transpose(shape_ops.reshape(out, (batch, steps, h, size)), (0, 2, 1, 3))

    def _join_heads(self, heads: Tensor) -> Tensor:
        """(B, h, Tq, v) through the output kernel (h, v, *out): (B, Tq, *out)."""
        batch, h, steps, v = heads.shape
        out_shape = self.output_kernel.shape[2:]
        joined = shape_ops.reshape(shape_ops.transpose(heads, (0, 2, 1, 3)), (batch, steps, h * v))
        kernel = shape_ops.reshape(self.output_kernel, (h * v, int(np.prod(out_shape))))
        out = linalg.matmul(joined, kernel)
        if self.output_bias is not None:
            out = out + shape_ops.reshape(self.output_bias, (-1,))
        return shape_ops.reshape(out, (batch, steps, *out_shape))

    @staticmethod
    def _attention_mask(
        tq: int,
        tv: int,
        query_mask: Any,
        value_mask: Any,
        key_mask: Any,
        attention_mask: Any,
        causal: bool,
    ) -> np.ndarray | None:
        """The (batch or 1, Tq, Tv) boolean mask of the allowed scores, or None: Keras' rule."""
        mask = None
        if query_mask is not None:
            mask = np.asarray(query_mask, dtype=bool)[:, :, None]
        for part in (value_mask, key_mask):
            if part is not None:
                row = np.asarray(part, dtype=bool)[:, None, :]
                mask = row if mask is None else mask & row
        if causal:
            lower = np.tril(np.ones((1, tq, tv), dtype=bool))
            mask = lower if mask is None else mask & lower
        if attention_mask is not None:
            given = attention_mask.data if isinstance(attention_mask, Tensor) else attention_mask
            given = np.asarray(given).astype(bool)
            mask = given if mask is None else given & mask
        return mask

    @staticmethod
    def _masked_softmax(scores: Tensor, mask: np.ndarray | None) -> Tensor:
        if mask is None:
            return nn.softmax(scores, axis=-1)
        allowed = mask[:, None] if mask.ndim == 3 else mask  # one mask for every head
        large = np.array(LARGE_NEGATIVE, dtype=scores.dtype)
        weights = nn.softmax(elementwise.where(allowed, scores, large), axis=-1)
        return elementwise.where(allowed, weights, np.zeros((), dtype=scores.dtype))

    def compute_output_shape(self, input_shape: Any) -> tuple[Any, ...]:
        shape = tuple(input_shape)
        return shape[:-1] + self._output_shape if self._output_shape else shape

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return mask  # the query's mask, as Keras

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "num_heads": self.num_heads,
            "key_dim": self.key_dim,
            "value_dim": self.value_dim,
            "dropout": self.dropout,
            "use_bias": self.use_bias,
            "output_shape": self._output_shape,
            "attention_axes": self.attention_axes,
            "use_gate": self.use_gate,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }


def _shape(value: Any) -> tuple[Any, ...]:
    """The shape of a tensor, an array or a KerasTensor (batch axis first)."""
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else np.shape(value)


def _mask_of(tensor: Any, given: Any) -> Any:
    """An explicit mask, else the one the tensor carries (an Embedding's mask_zero)."""
    if given is not None:
        return given.data if isinstance(given, Tensor) else given
    mask = getattr(tensor, "_keras_mask", None)
    return mask.data if isinstance(mask, Tensor) else mask
