"""Shared pieces of the benchmarks: data, machine description, timing statistics."""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def point_loader_at_shared_data() -> None:
    """Use ../shared/datasets beside the checkout when no other data path is set."""
    shared = REPO.parent / "shared" / "datasets"
    if "TENSORGRAD_DATA_PATH" not in os.environ and shared.is_dir():
        os.environ["TENSORGRAD_DATA_PATH"] = str(shared)


def fashion_mnist_flat(n_train: int = 60000):
    """Fashion-MNIST as the book prepares MNIST: (n, 784) float32 in [0, 1], one-hot labels."""
    point_loader_at_shared_data()
    from tensorgrad.datasets import fashion_mnist

    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    x_train = x_train[:n_train].reshape(-1, 784).astype(np.float32) / 255
    x_test = x_test.reshape(-1, 784).astype(np.float32) / 255
    eye = np.eye(10, dtype=np.float32)
    return x_train, eye[y_train[:n_train]], y_train[:n_train], x_test, eye[y_test], y_test


def machine() -> dict:
    """CPU model, cores, BLAS and thread settings, for the record."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    blas = "unknown"
    try:
        config = np.show_config(mode="dicts")
        info = config["Build Dependencies"]["blas"]
        blas = f"{info.get('name')} {info.get('version')}"
    except Exception:  # older NumPy has no dict mode
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "blas": blas,
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS", "default"),
        "openblas_thread_timeout": os.environ.get("OPENBLAS_THREAD_TIMEOUT", "default"),
    }


def summary(times: list[float]) -> dict:
    return {"median": statistics.median(times), "min": min(times), "max": max(times)}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit_json(name: str, payload: dict) -> None:
    print(json.dumps({"benchmark": name, **payload}, sort_keys=True))


def run_script(script: str, *args: str) -> dict:
    """Run a benchmark script in a fresh Python process and return the JSON line it ends with.

    A fresh process per runner keeps one library's idle BLAS or OpenMP threads (which spin
    for a while after each call) from slowing the next runner down.
    """
    result = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, check=True
    )
    return json.loads([ln for ln in result.stdout.splitlines() if ln.startswith("{")][-1])
