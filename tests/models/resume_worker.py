"""Train a small seeded model with BackupAndRestore, as a separate process.

Run by test_resume_after_kill.py, which kills it with SIGKILL in the middle of an epoch and
starts it again:

    python resume_worker.py WORKDIR [--sleep SECONDS] [--hold EPOCH:BATCH]

Appends "epoch batch" lines to WORKDIR/progress (flushed, so the test can watch them) and,
when training completes, writes the final weights to WORKDIR/final.npz. The backup lives
in WORKDIR/backup.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

SAMPLES, FEATURES, CLASSES = 2000, 20, 3
EPOCHS, BATCH_SIZE = 5, 32


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """A fixed synthetic 3-class problem (from its own generator, not the library's)."""
    rng = np.random.default_rng(1234)
    x = rng.random((SAMPLES, FEATURES), dtype=np.float32)
    labels = (x[:, :3].sum(axis=1) * 2).astype(int) % CLASSES
    return x, np.eye(CLASSES, dtype=np.float32)[labels]


def train(workdir: Path, sleep: float, hold: tuple[int, int] | None = None) -> None:
    from tensorgrad import callbacks, layers, models, utils
    from tensorgrad.callbacks import BackupAndRestore

    utils.set_random_seed(7)
    model = models.Sequential(
        [
            layers.Dense(32, activation="relu", input_shape=(FEATURES,)),
            layers.Dropout(0.25),
            layers.Dense(CLASSES, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    progress = open(workdir / "progress", "a", buffering=1)

    def on_batch_end(batch: int, logs: Any) -> None:
        progress.write(f"{state['epoch']} {batch}\n")
        progress.flush()
        if sleep:
            time.sleep(sleep)
        if hold == (state["epoch"], batch):
            time.sleep(60)  # wait here, mid-epoch, to be killed

    state = {"epoch": -1}
    tracker = callbacks.LambdaCallback(
        on_epoch_begin=lambda epoch, logs: state.update(epoch=epoch),
        on_train_batch_end=on_batch_end,
    )
    x, y = make_data()
    backup = BackupAndRestore(workdir / "backup")
    model.fit(x, y, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0, callbacks=[backup, tracker])
    progress.write("done\n")
    progress.close()
    np.savez(workdir / "final.npz", *model.get_weights())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workdir", type=Path)
    parser.add_argument("--sleep", type=float, default=0.0, help="seconds to wait per batch")
    parser.add_argument("--hold", default=None, help="EPOCH:BATCH (from 0) at which to wait")
    args = parser.parse_args(argv)
    hold = tuple(int(v) for v in args.hold.split(":")) if args.hold else None
    os.makedirs(args.workdir, exist_ok=True)
    train(args.workdir, args.sleep, hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
