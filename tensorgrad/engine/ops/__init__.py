"""The differentiable operations, one module per family, one Function per op."""
