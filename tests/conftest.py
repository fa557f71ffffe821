"""Test-wide settings: a private cache directory, and the local copies of the data sets.

Tests never write to the user's ~/.tensorgrad, and find MNIST and Fashion-MNIST in
../shared/datasets beside the checkout (or wherever TENSORGRAD_DATA_PATH already points).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


def pytest_configure(config) -> None:
    # Keras 3, the reference for Keras semantics in some tests, runs on PyTorch here.
    os.environ.setdefault("KERAS_BACKEND", "torch")
    if "TENSORGRAD_HOME" not in os.environ:
        os.environ["TENSORGRAD_HOME"] = tempfile.mkdtemp(prefix="tensorgrad-home-")
    if "TENSORGRAD_DATA_PATH" not in os.environ and SHARED_DATASETS.is_dir():
        os.environ["TENSORGRAD_DATA_PATH"] = str(SHARED_DATASETS)
