"""Two processes under mpirun train exactly as one process does, and fail together.

Each test starts `mpirun -n 2` on tests/distribute/mpi_worker.py (about a second); they
are skipped, saying why, when mpi4py or an MPI launcher is missing
(`pip install "tensorgrad[mpi]"` installs both).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import tensorgrad
from tensorgrad.datasets import DatasetError, fashion_mnist
from tensorgrad.engine.backend import default_float

WORKER = Path(__file__).with_name("mpi_worker.py")
REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 60  # seconds; each run takes about one


def _launcher() -> str | None:
    beside_python = Path(sys.executable).with_name("mpiexec")
    if beside_python.exists():
        return str(beside_python)
    return shutil.which("mpiexec") or shutil.which("mpirun")


@pytest.fixture(scope="module")
def mpirun() -> str:
    if importlib.util.find_spec("mpi4py") is None:
        pytest.skip('mpi4py is not installed (pip install "tensorgrad[mpi]")')
    launcher = _launcher()
    if launcher is None:
        pytest.skip('no MPI launcher (mpiexec/mpirun) on PATH (pip install "tensorgrad[mpi]")')
    return launcher


def _run(mpirun: str, mode: str, out: Path) -> tuple[subprocess.CompletedProcess, float]:
    env = dict(os.environ, PYTHONPATH=str(REPO), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    start = time.perf_counter()
    done = subprocess.run(
        [mpirun, "-n", "2", sys.executable, str(WORKER), mode, str(out)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
    )
    return done, time.perf_counter() - start


def _worker():
    spec = importlib.util.spec_from_file_location("mpi_worker", WORKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_processes_end_with_the_weights_of_one(mpirun, tmp_path):
    done, _ = _run(mpirun, "train", tmp_path)
    assert done.returncode == 0, done.stderr
    ranks = [dict(np.load(tmp_path / f"rank{r}.npz")) for r in (0, 1)]
    previous = default_float()
    try:
        alone = _worker().scenario(tensorgrad.distribute.Strategy(), tmp_path / "alone")
    finally:
        tensorgrad.set_default_dtype(previous)
    printed = [str(r.pop("printed")) for r in ranks]
    alone.pop("printed")
    assert ranks[0]["weight0"].dtype == np.float64
    for name, expected in alone.items():
        for rank in ranks:
            scale = max(np.max(np.abs(expected)), 1e-300)
            assert np.max(np.abs(rank[name] - expected)) <= 1e-10 * scale, name
        np.testing.assert_array_equal(ranks[0][name], ranks[1][name], err_msg=name)
    # only the chief prints and writes files; it deleted the backup when training ended
    assert "Epoch 2/2" in printed[0] and "val_loss" in printed[0]
    assert printed[1] == ""
    assert (tmp_path / "model-rank0.tensorgrad").exists()
    assert not (tmp_path / "model-rank1.tensorgrad").exists()
    assert not (tmp_path / "backup").exists()


def test_a_rank_that_raises_stops_both(mpirun, tmp_path):
    done, seconds = _run(mpirun, "raise", tmp_path)
    assert done.returncode != 0
    assert "RuntimeError: rank 1 fails on purpose" in done.stderr
    assert seconds < TIMEOUT / 2  # without the abort rank 0 waits for ever


def test_different_models_are_refused_at_the_first_broadcast(mpirun, tmp_path):
    done, _ = _run(mpirun, "mismatch", tmp_path)
    assert done.returncode != 0
    assert "DataParallel: the model differs between processes" in done.stderr
    assert "weight 0: (784, 512) float32 on rank 0, (784, 256) float32 on rank 1" in done.stderr


def test_the_mnist_command_trains_distributed_and_only_rank_0_prints(mpirun, tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fashion_mnist, "MIRRORS", ())  # never download in a test
        try:
            fashion_mnist.load_data()
        except DatasetError as e:
            pytest.skip(f"Fashion-MNIST not available: {e}")
    done, _ = _run(mpirun, "mnist", tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("Trained 1 epoch(s)") == 1
    assert done.stdout.count("Test accuracy:") == 1
    assert "8/8 [==============================]" in done.stdout  # 1,000 samples at 128
    assert (tmp_path / "mnist.tensorgrad").exists()
