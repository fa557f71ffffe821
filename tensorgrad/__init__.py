"""tensorgrad: tensors, reverse-mode autodiff and a Keras-compatible API, on NumPy.

`import tensorgrad as keras` gives Keras' namespace: `keras.Input`, `keras.Model`,
`keras.Sequential`, `keras.layers`, `keras.optimizers`, `keras.losses`, `keras.metrics`,
`keras.callbacks`, `keras.datasets`, `keras.utils`, `keras.ops`, `keras.saving`,
`keras.regularizers`, `keras.constraints`...

>>> import tensorgrad as tg
>>> w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
>>> loss = (w * w).sum()
>>> loss.backward()
>>> w.grad
array([2., 4., 6.], dtype=float32)
"""

from tensorgrad import (
    _runtime,  # first: it configures BLAS before NumPy loads it
    activations,
    callbacks,
    constraints,
    datasets,
    distribute,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    utils,
)
from tensorgrad.engine.autodiff import backward, grad
from tensorgrad.engine.backend import default_float, set_default_dtype
from tensorgrad.engine.creation import (
    arange,
    full,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from tensorgrad.engine.function import Function
from tensorgrad.engine.grad_mode import enable_grad, is_grad_enabled, no_grad
from tensorgrad.engine.gradcheck import GradCheckResult, check_grad
from tensorgrad.engine.ops.conv import conv1d, conv2d, conv2d_transpose, depthwise_conv2d
from tensorgrad.engine.ops.conv_pool import conv2d_relu_max_pool2d
from tensorgrad.engine.ops.elementwise import (
    abs,
    add,
    cast,
    clip,
    cos,
    divide,
    equal,
    exp,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    power,
    sin,
    sqrt,
    square,
    subtract,
    where,
)
from tensorgrad.engine.ops.linalg import dot, linear, matmul, tensordot
from tensorgrad.engine.ops.nn import (
    leaky_relu,
    log_softmax,
    logsumexp,
    relu,
    sigmoid,
    sigmoid_cross_entropy,
    softmax,
    softmax_cross_entropy,
    sparse_softmax_cross_entropy,
    tanh,
)
from tensorgrad.engine.ops.pooling import (
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    upsample2d,
    zero_pad2d,
)
from tensorgrad.engine.ops.reduce import argmax, argmin, cumsum, max, mean, min, sum, var
from tensorgrad.engine.ops.shape import (
    broadcast_to,
    concatenate,
    expand_dims,
    flatten,
    getitem,
    pad,
    permute,
    reshape,
    squeeze,
    stack,
    transpose,
)
from tensorgrad.engine.tensor import Tensor
from tensorgrad.layers.input_layer import Input
from tensorgrad.layers.symbolic import KerasTensor
from tensorgrad.models import Model, Sequential

__version__ = "0.1.0"
