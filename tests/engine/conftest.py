"""Fixtures of the engine tests; makes the shared helpers in engine_testing.py importable.

pytest runs with --import-mode=importlib, which puts no test folder on sys.path, so the
folder of this file is added here (before any test module of it is imported).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import tensorgrad as tg
from tensorgrad.engine import grad_mode

if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def _clean_engine_state() -> Iterator[None]:
    """Each test starts with float32 as the default and gradient recording on, and leaves
    them that way even when it fails half-way."""
    dtype, enabled = tg.default_float(), grad_mode._enabled
    yield
    tg.set_default_dtype(dtype)
    grad_mode._enabled = enabled
