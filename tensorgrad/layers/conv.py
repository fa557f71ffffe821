"""Convolution layers: Conv1D, Conv2D, Conv2DTranspose, SeparableConv2D, DepthwiseConv2D.

Keras 3's signatures, defaults and weight layouts: images are channels_last, (batch,
height, width, channels); Conv2D kernels are (kh, kw, in / groups, filters),
Conv2DTranspose kernels (kh, kw, filters, in), depthwise kernels (kh, kw, in, multiplier)
and SeparableConv2D adds a (1, 1, in * multiplier, filters) pointwise kernel.

>>> from tensorgrad import layers
>>> conv = layers.Conv2D(32, 3, activation="relu")
>>> conv.build((None, 28, 28, 1))
>>> conv.count_params(), conv.compute_output_shape((None, 28, 28, 1))
(320, (None, 26, 26, 32))
"""

from __future__ import annotations

from typing import Any

import numpy as np

from tensorgrad import activations, constraints, initializers, regularizers
from tensorgrad.engine.ops import conv as conv_ops
from tensorgrad.engine.ops import conv_pool as conv_pool_ops
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.base import Layer
from tensorgrad.layers.input_spec import InputSpec


def check_data_format(layer: str, data_format: Any) -> None:
    """Only channels_last images are supported; say how to convert channels_first ones."""
    if data_format in (None, "channels_last"):
        return
    if data_format == "channels_first":
        raise ValueError(
            f"{layer}: data_format='channels_first' is not supported; tensorgrad works on "
            f"channels_last images (batch, height, width, channels), Keras' default. "
            f"Transpose the data instead, e.g. x = x.transpose(0, 2, 3, 1)"
        )
    raise ValueError(f"{layer}: data_format must be 'channels_last', got {data_format!r}")


def normalize_tuple(value: Any, rank: int, name: str, layer: str, minimum: int = 1) -> tuple:
    """An int or a tuple of `rank` ints, each at least `minimum`, as a tuple."""
    values = (value,) * rank if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != rank or not all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values
    ):
        raise ValueError(
            f"{layer}: {name} must be an integer or a tuple of {rank} integers, got {value!r}"
        )
    if any(v < minimum for v in values):
        kind = "positive" if minimum == 1 else f"at least {minimum}"
        raise ValueError(f"{layer}: {name} must be {kind}, got {value!r}")
    return tuple(int(v) for v in values)


def conv_output_length(
    size: int | None, kernel: int, stride: int, dilation: int, padding: str
) -> int | None:
    """Keras' output length: valid floor((n - d(k-1) - 1) / s) + 1, same ceil(n / s)."""
    if size is None:
        return None
    if padding in ("same", "causal"):
        return -(-size // stride)
    return (size - dilation * (kernel - 1) - 1) // stride + 1


def image_input_hint(shape: tuple[Any, ...], rank: int) -> str:
    """The fix for an input of the wrong rank: add the channel axis to a batch of images."""
    if len(shape) == rank + 1 and all(d is not None for d in shape[1:]):
        dims = ", ".join(str(d) for d in shape[1:])
        return f"; add the channel axis, e.g. x = x.reshape((len(x), {dims}, 1))"
    return ""


class BaseConv(Layer):
    """What Conv1D, Conv2D and the others share: argument checks, shapes, config."""

    rank = 2

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        activation: Any = None,
        use_bias: bool = True,
        bias_initializer: Any = "zeros",
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        layer = type(self).__name__
        check_data_format(layer, data_format)
        self.data_format = "channels_last"
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size", layer)
        self.strides = normalize_tuple(strides, self.rank, "strides", layer)
        self.dilation_rate = normalize_tuple(dilation_rate, self.rank, "dilation_rate", layer)
        paddings = ("valid", "same", "causal") if self.rank == 1 else ("valid", "same")
        if not isinstance(padding, str) or padding.lower() not in paddings:
            raise ValueError(f"{layer}: padding must be one of {paddings}, got {padding!r}")
        self.padding = padding.lower()
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(
                f"{layer}: strides > 1 together with dilation_rate > 1 is not supported "
                f"(as in Keras), got strides={self.strides}, dilation_rate={self.dilation_rate}"
            )
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.bias_initializer = initializers.get(bias_initializer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.bias_constraint = constraints.get(bias_constraint)
        self.bias: Tensor | None = None

    def _add_bias(self, size: int) -> None:
        self.bias = self.add_weight(
            "bias",
            (size,),
            self.bias_initializer,
            regularizer=self.bias_regularizer,
            constraint=self.bias_constraint,
        )

    def _check_input(self, input_shape: tuple[Any, ...]) -> None:
        """A clear error for an input of the wrong rank or too small for the window."""
        layer = f'{type(self).__name__} layer "{self.name}"'
        ndim = self.rank + 2
        if len(input_shape) != ndim:
            axes = (
                "(batch, steps, channels)" if self.rank == 1 else "(batch, height, width, channels)"
            )
            raise ValueError(
                f"{layer}: expected a {ndim}-D input {axes}, got shape {tuple(input_shape)}"
                f"{image_input_hint(input_shape, self.rank)}"
            )
        if input_shape[-1] is None:
            raise ValueError(f"{layer}: the channel axis (last) must be known, got {input_shape}")
        if self.padding != "valid":
            return
        for n, k, d in zip(input_shape[1:-1], self.kernel_size, self.dilation_rate):
            if n is not None and d * (k - 1) + 1 > n:
                hint = ""
                if self.rank == 2 and input_shape[1] in (1, 3) and input_shape[-1] > 4:
                    hint = (
                        "; these look like channels_first images (batch, channels, height, "
                        "width): move the channels last, e.g. x = x.transpose(0, 2, 3, 1)"
                    )
                raise ValueError(
                    f"{layer}: the kernel {self.kernel_size} (dilation {self.dilation_rate}) "
                    f"is larger than the input {tuple(input_shape[1:-1])} (input shape "
                    f"{tuple(input_shape)}); use padding='same', a smaller kernel or larger "
                    f"inputs{hint}"
                )

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        spatial = tuple(
            conv_output_length(n, k, s, d, self.padding)
            for n, k, s, d in zip(
                input_shape[1:-1], self.kernel_size, self.strides, self.dilation_rate
            )
        )
        return (input_shape[0], *spatial, self._output_channels(input_shape[-1]))

    def _output_channels(self, channels: int) -> int:
        return self.filters  # type: ignore[attr-defined]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "kernel_size": list(self.kernel_size),
            "strides": list(self.strides),
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate),
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


def _filters(layer: str, filters: Any) -> int:
    if isinstance(filters, bool) or not isinstance(filters, (int, np.integer)) or filters <= 0:
        raise ValueError(f"{layer}: filters must be a positive integer, got {filters!r}")
    return int(filters)


class Conv(BaseConv):
    """Conv1D and Conv2D: `activation(conv(inputs, kernel) + bias)`."""

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = 1,
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = 1,
        groups: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        layer = type(self).__name__
        self.filters = _filters(layer, filters)
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
            raise ValueError(f"{layer}: groups must be a positive integer, got {groups!r}")
        if self.filters % groups:
            raise ValueError(
                f"{layer}: filters ({self.filters}) must be divisible by groups ({groups})"
            )
        self.groups = int(groups)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel: Tensor | None = None

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self._check_input(input_shape)
        channels = input_shape[-1]
        if channels % self.groups:
            raise ValueError(
                f'{type(self).__name__} layer "{self.name}": the input has {channels} channels, '
                f"which groups={self.groups} does not divide (input shape {input_shape})"
            )
        shape = (*self.kernel_size, channels // self.groups, self.filters)
        self.kernel = self.add_weight(
            "kernel",
            shape,
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})

    def call(self, inputs: Tensor, *, _max_pool: tuple[int, int] | None = None) -> Tensor:
        # `_max_pool`: a model runs this layer and the MaxPooling2D after it as one op
        # (see models/fusion.py); the result is then the pooled one.
        if self.rank == 1:
            out = conv_ops.conv1d(
                inputs,
                self.kernel,
                self.bias,
                self.strides[0],
                self.padding,
                self.dilation_rate[0],
                self.groups,
            )
            return self.activation(out)
        args = (inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate)
        if _max_pool is not None:
            return conv_pool_ops.conv2d_relu_max_pool2d(*args, pool_size=_max_pool)
        if self.activation is activations.relu:  # the common case, fused into the op
            return conv_ops.conv2d(*args, self.groups, fused_relu=True)
        return self.activation(conv_ops.conv2d(*args, self.groups))

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "groups": self.groups,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class Conv2D(Conv):
    """2-D convolution over channels_last images (the book's convnet layer).

    Args:
        filters: number of output channels.
        kernel_size: an int or (kh, kw).
        strides: an int or a pair, positive (default 1).
        padding: "valid" (default: no padding) or "same" (output ceil(n / stride); the odd
            extra row/column of padding goes at the bottom/right, as in Keras).
        data_format: only "channels_last" (None means it).
        dilation_rate: an int or a pair: the spacing of the kernel's taps.
        groups: split the input channels into groups convolved separately.
        activation, use_bias, kernel_initializer, bias_initializer: as in Dense.
        kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
        bias_constraint: as in Dense (DepthwiseConv2D and SeparableConv2D name theirs
        depthwise_ and pointwise_, as Keras does).

    Input (batch, height, width, channels) gives (batch, new_height, new_width, filters).
    """

    rank = 2


class Conv1D(Conv):
    """1-D convolution over (batch, steps, channels) sequences; padding may also be "causal"."""

    rank = 1


class Conv2DTranspose(BaseConv):
    """The transposed convolution ("deconvolution"): upsamples channels_last images.

    The kernel is (kh, kw, filters, in), as Keras stores it. Output sizes: "same" gives
    n * stride, "valid" (n - 1) * stride + max(k, stride); `output_padding` (smaller than
    the stride) picks another size as in Keras.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        output_padding: Any = None,
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        activation: Any = None,
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        kernel_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        layer = type(self).__name__
        self.filters = _filters(layer, filters)
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, 2, "output_padding", layer, 0)
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError(
                    f"{layer}: output_padding {self.output_padding} must be smaller than "
                    f"strides {self.strides}"
                )
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.kernel: Tensor | None = None

    def build(self, input_shape: tuple[Any, ...]) -> None:
        if len(input_shape) != 4:
            raise ValueError(
                f'Conv2DTranspose layer "{self.name}": expected a 4-D input (batch, height, '
                f"width, channels), got shape {tuple(input_shape)}"
                f"{image_input_hint(input_shape, 2)}"
            )
        channels = input_shape[-1]
        shape = (*self.kernel_size, self.filters, channels)
        self.kernel = self.add_weight(
            "kernel",
            shape,
            self.kernel_initializer,
            regularizer=self.kernel_regularizer,
            constraint=self.kernel_constraint,
        )
        if self.use_bias:
            self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})

    def call(self, inputs: Tensor) -> Tensor:
        out = conv_ops.conv2d_transpose(
            inputs,
            self.kernel,
            self.bias,
            self.strides,
            self.padding,
            self.output_padding,
            self.dilation_rate,
        )
        return self.activation(out)

    def compute_output_shape(self, input_shape: tuple[Any, ...]) -> tuple[Any, ...]:
        spatial = []
        extras = self.output_padding or (None, None)
        for n, k, s, d, p in zip(
            input_shape[1:3], self.kernel_size, self.strides, self.dilation_rate, extras
        ):
            if n is None:
                spatial.append(None)
                continue
            spatial.append(conv_ops.transpose_padding(n, k, s, d, self.padding, p)[1])
        return (input_shape[0], *spatial, self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "output_padding": None if self.output_padding is None else list(self.output_padding),
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
        }


class DepthwiseConv2D(BaseConv):
    """Each input channel convolved with its own depth_multiplier filters.

    The kernel is (kh, kw, channels, depth_multiplier); output channel c * multiplier + m
    is input channel c under filter m, as in Keras.
    """

    def __init__(
        self,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        depth_multiplier: int = 1,
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        self.depth_multiplier = _multiplier(type(self).__name__, depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.kernel: Tensor | None = None

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self._check_input(input_shape)
        channels = input_shape[-1]
        shape = (*self.kernel_size, channels, self.depth_multiplier)
        self.kernel = self.add_weight(
            "kernel",
            shape,
            self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        if self.use_bias:
            self._add_bias(channels * self.depth_multiplier)
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})

    def call(self, inputs: Tensor) -> Tensor:
        out = conv_ops.depthwise_conv2d(
            inputs, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate
        )
        return self.activation(out)

    def _output_channels(self, channels: int) -> int:
        return channels * self.depth_multiplier

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
        }


def _multiplier(layer: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{layer}: depth_multiplier must be a positive integer, got {value!r}")
    return int(value)


class SeparableConv2D(BaseConv):
    """A depthwise convolution then a 1x1 (pointwise) one mixing the channels: far fewer weights.

    Weights: depthwise_kernel (kh, kw, in, depth_multiplier), pointwise_kernel
    (1, 1, in * depth_multiplier, filters) and bias (filters,), in Keras' order.
    """

    def __init__(
        self,
        filters: int,
        kernel_size: Any,
        strides: Any = (1, 1),
        padding: str = "valid",
        data_format: str | None = None,
        dilation_rate: Any = (1, 1),
        depth_multiplier: int = 1,
        activation: Any = None,
        use_bias: bool = True,
        depthwise_initializer: Any = "glorot_uniform",
        pointwise_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        depthwise_regularizer: Any = None,
        pointwise_regularizer: Any = None,
        bias_regularizer: Any = None,
        activity_regularizer: Any = None,
        depthwise_constraint: Any = None,
        pointwise_constraint: Any = None,
        bias_constraint: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            kernel_size,
            strides,
            padding,
            data_format,
            dilation_rate,
            activation,
            use_bias,
            bias_initializer,
            bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer,
            bias_constraint=bias_constraint,
            **kwargs,
        )
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        layer = type(self).__name__
        self.filters = _filters(layer, filters)
        self.depth_multiplier = _multiplier(layer, depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.depthwise_kernel: Tensor | None = None
        self.pointwise_kernel: Tensor | None = None

    def build(self, input_shape: tuple[Any, ...]) -> None:
        self._check_input(input_shape)
        channels = input_shape[-1]
        depth = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel",
            (*self.kernel_size, channels, self.depth_multiplier),
            self.depthwise_initializer,
            regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel",
            (1, 1, depth, self.filters),
            self.pointwise_initializer,
            regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        if self.use_bias:
            self._add_bias(self.filters)
        self.input_spec = InputSpec(ndim=4, axes={-1: channels})

    def call(self, inputs: Tensor) -> Tensor:
        depthwise = conv_ops.depthwise_conv2d(
            inputs, self.depthwise_kernel, None, self.strides, self.padding, self.dilation_rate
        )
        out = conv_ops.conv2d(depthwise, self.pointwise_kernel, self.bias)
        return self.activation(out)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "depth_multiplier": self.depth_multiplier,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        }
