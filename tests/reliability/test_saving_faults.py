"""Saving under faults: SIGKILL mid-save, stale temporaries, a full disk, read-only targets."""

from __future__ import annotations

import errno
import os
import signal
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from tensorgrad import layers, models
from tensorgrad.saving import saving_lib as saving
from tensorgrad.saving import SavingError
from tensorgrad.utils import atomic

HOUR = 3600.0


def _model(value: float = 0.0, units: int = 4) -> models.Sequential:
    model = models.Sequential([layers.Dense(units, input_shape=(256,))])
    for weight in model.weights:
        weight.data[...] = value
    return model


def _temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_stale_temporaries_of_the_same_target_are_removed_on_the_next_save(
    tmp_path: Path,
) -> None:
    target = tmp_path / "m.weights.npz"
    ours_old = tmp_path / ".m.weights.npz.ab_d12x4.tmp"  # the exact mkstemp naming, old
    ours_new = tmp_path / ".m.weights.npz.zz9y8x7w.tmp"  # ours but fresh: maybe being written
    not_ours = [
        tmp_path / ".m.weights.npz.keep.tmp",  # not 8 characters
        tmp_path / ".other.weights.npz.abcdefgh.tmp",  # another target
        tmp_path / ".m.weights.npz.ABCDEFGH.tmp",  # upper case: mkstemp never makes it
        tmp_path / "m.weights.npz.abcdefgh.tmp",  # no leading dot
    ]
    for path in [ours_old, ours_new, *not_ours]:
        path.write_bytes(b"x" * 10)
        _age(path, 2 * HOUR)
    _age(ours_new, 1.0)
    (tmp_path / "folder.m.weights.npz.abcdefgh.tmp").mkdir()
    saving.save_weights(_model(), target)
    assert not ours_old.exists()
    assert ours_new.exists() and all(p.exists() for p in not_ours)


def _save_forever(target: Path) -> None:
    version = 1
    while True:
        saving.save_weights(_model(float(version), units=512), target)
        version += 1


def test_twenty_sigkills_during_save_leave_a_whole_file_and_at_most_one_temporary(
    tmp_path: Path,
) -> None:
    """Each save is killed at a random moment in a forked child. The target is then the old
    or a new complete file, and at most one temporary (the killed save's) remains. Before
    the next save the leftovers are aged past the threshold, as if an hour had passed."""
    target = tmp_path / "m.weights.npz"
    saving.save_weights(_model(0.0, units=512), target)
    rng = np.random.default_rng(3)
    probe = _model(units=512)
    seen: set[float] = set()
    mid_write = 0
    for kill in range(20):
        with warnings.catch_warnings():  # 3.12+ warns of fork with threads; the child
            warnings.simplefilter("ignore", DeprecationWarning)  # only saves, then is killed
            pid = os.fork()
        if pid == 0:  # the child saves until killed
            try:
                _save_forever(target)
            finally:
                os._exit(1)
        time.sleep(float(rng.uniform(0.0, 0.08)))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        leftovers = _temporaries(tmp_path)
        assert len(leftovers) <= 1, f"kill {kill}: {leftovers}"
        saving.load_weights(probe, target)  # whole: it loads (CRC and sizes checked)
        values = {float(v) for w in probe.weights for v in np.unique(w.data)}
        assert len(values) == 1, f"kill {kill}: a mixture of saves {values}"
        seen |= values
        mid_write += len(leftovers)
        for name in leftovers:
            _age(tmp_path / name, 2 * HOUR)
    assert len(seen) > 1  # some kills came after a save had completed
    assert mid_write > 0  # and some in the middle of one


def test_a_full_disk_is_a_saving_error_naming_the_file_and_the_cause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC is simulated at the fsync (a real full disk needs a mounted filesystem)."""
    target = tmp_path / "m.tensorgrad"
    saving.save_model(_model(1.0), target)
    before = target.read_bytes()

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(atomic.os, "fsync", full)
    with pytest.raises(SavingError, match="No space left on device") as info:
        saving.save_model(_model(2.0), target)
    assert str(target) in str(info.value) and "ENOSPC" in str(info.value)
    assert isinstance(info.value.__cause__, OSError)
    assert target.read_bytes() == before and _temporaries(tmp_path) == []


def test_other_os_errors_are_saving_errors_too(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    target = blocker / "m.weights.npz"  # a path component that is a file
    with pytest.raises(SavingError, match="a-file") as info:
        saving.save_weights(_model(), target)
    assert isinstance(info.value.__cause__, OSError)


@pytest.mark.parametrize("overwrite", [True, False])
def test_a_read_only_target_is_refused_with_permission_error(
    tmp_path: Path, overwrite: bool
) -> None:
    target = tmp_path / "m.tensorgrad"
    saving.save_model(_model(1.0), target)
    target.chmod(0o444)
    before = target.read_bytes()
    error = PermissionError if overwrite else FileExistsError
    with pytest.raises(error, match="m.tensorgrad"):
        saving.save_model(_model(2.0), target, overwrite=overwrite)
    with pytest.raises(PermissionError, match="read-only"):
        saving.save_weights(_model(2.0), tmp_path / "w.weights.npz") or None
        (tmp_path / "w.weights.npz").chmod(0o444)
        saving.save_weights(_model(3.0), tmp_path / "w.weights.npz")
    assert target.read_bytes() == before
    assert (target.stat().st_mode & 0o777) == 0o444
