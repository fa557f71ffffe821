"""Fixtures of the callback tests: Keras 3, the reference; makes callback_testing.py
importable (pytest's importlib mode puts no test folder on sys.path)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def keras():
    """Keras 3 on the torch backend, imported once for all the callback tests."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")
