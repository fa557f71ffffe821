"""A training process killed with SIGKILL mid-epoch resumes with BackupAndRestore and ends
with exactly the weights of a run that was never interrupted."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

WORKER = Path(__file__).with_name("resume_worker.py")
KILL_AT = (2, 20)  # (epoch, batch), counted from 0: in the middle of the third epoch

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")


def start(workdir: Path, *options: str) -> subprocess.Popen[bytes]:
    # one BLAS thread: the same arithmetic order in every run, and a light load on the machine
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    return subprocess.Popen(
        [sys.executable, str(WORKER), str(workdir), *options],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finish(process: subprocess.Popen[bytes]) -> None:
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output.decode(errors="replace")


def progress(workdir: Path) -> list[tuple[int, int]]:
    path = workdir / "progress"
    if not path.exists():
        return []
    steps = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2:
            steps.append((int(parts[0]), int(parts[1])))
    return steps


def backup_epoch(workdir: Path) -> int:
    with zipfile.ZipFile(workdir / "backup" / "latest.weights.npz") as zf:
        return json.loads(zf.read("config.json"))["training_state"]["epoch"]


def final_weights(workdir: Path) -> list[np.ndarray]:
    with np.load(workdir / "final.npz", allow_pickle=False) as npz:
        return [npz[f"arr_{i}"] for i in range(len(npz.files))]


def test_sigkill_mid_epoch_then_resume_gives_identical_weights(tmp_path: Path) -> None:
    reference, interrupted = tmp_path / "reference", tmp_path / "interrupted"
    finish(start(reference))

    # a short sleep per batch, and a long one at KILL_AT: the kill lands mid-epoch, never
    # after the worker has raced on to the next epoch's backup
    process = start(interrupted, "--sleep", "0.002", "--hold", "{}:{}".format(*KILL_AT))
    deadline = time.monotonic() + 30
    try:
        while KILL_AT not in progress(interrupted):
            if process.poll() is not None:
                pytest.fail("the worker ended before it could be killed")
            if time.monotonic() > deadline:
                pytest.fail("the worker made no progress")
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    assert not (interrupted / "final.npz").exists()
    assert backup_epoch(interrupted) == 2  # epochs 1 and 2 completed and backed up

    steps_before = len(progress(interrupted))
    finish(start(interrupted))
    resumed_steps = progress(interrupted)[steps_before:]
    assert resumed_steps[0] == (2, 0)  # restarted at the beginning of the third epoch
    assert {epoch for epoch, _ in resumed_steps} == {2, 3, 4}

    expected, got = final_weights(reference), final_weights(interrupted)
    assert len(expected) == len(got) == 4
    for a, b in zip(expected, got):
        assert np.array_equal(a, b)  # bit for bit
    assert not (interrupted / "backup").exists()  # deleted once training completed
