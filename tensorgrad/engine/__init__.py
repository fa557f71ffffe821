"""The engine: tensors, differentiable operations and reverse-mode autodiff.

It knows nothing about layers or models; everything above is built from it.
"""

# Tensor first: the ops it uses import it back once it is defined.
from tensorgrad.engine import tensor as _tensor  # noqa: F401
