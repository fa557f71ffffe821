"""ModelCheckpoint and BackupAndRestore, in one process (the SIGKILL test is separate)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tensorgrad import callbacks, layers, models, utils
from tensorgrad.callbacks import BackupAndRestore, ModelCheckpoint
from tensorgrad.saving import saving_lib as saving

RNG = np.random.default_rng(1)
X = RNG.random((48, 5), dtype=np.float32)
Y = np.eye(3, dtype=np.float32)[(X[:, 0] * 3).astype(int)]
X_VAL, Y_VAL = X[:16] + 0.01, Y[:16]


def make_model(seed: int = 11) -> models.Sequential:
    utils.set_random_seed(seed)
    model = models.Sequential(
        [
            layers.Dense(16, activation="relu", input_shape=(5,)),
            layers.Dropout(0.2),
            layers.Dropout(0.1, seed=5),  # a layer with a generator of its own
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def fit(model: models.Model, epochs: int = 5, extra: list[Any] | None = None, **kw: Any) -> Any:
    return model.fit(X, Y, epochs=epochs, batch_size=16, verbose=0, callbacks=extra or [], **kw)


def same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


class StopAt(callbacks.Callback):
    """Raise at the start of an epoch, as a crash would."""

    def __init__(self, epoch: int) -> None:
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
        if epoch == self.epoch:
            raise RuntimeError("interrupted")


# ----- ModelCheckpoint -----
def test_checkpoint_every_epoch_with_placeholders(tmp_path: Path) -> None:
    model = make_model()
    pattern = str(tmp_path / "m-{epoch:02d}-{loss:.2f}-{val_accuracy:.2f}.tensorgrad")
    history = fit(model, 3, [ModelCheckpoint(pattern)], validation_data=(X_VAL, Y_VAL))
    names = sorted(p.name for p in tmp_path.iterdir())
    expected = [
        f"m-{e + 1:02d}-{history.history['loss'][e]:.2f}-"
        f"{history.history['val_accuracy'][e]:.2f}.tensorgrad"
        for e in range(3)
    ]
    assert names == expected
    last = saving.load_model(tmp_path / names[-1])
    assert same_weights(last.get_weights(), model.get_weights())
    assert last.optimizer.iterations == model.optimizer.iterations


def test_save_best_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = make_model()
    seen: list[list[np.ndarray]] = []
    record = callbacks.LambdaCallback(on_epoch_end=lambda e, logs: seen.append(model.get_weights()))
    # loss falls every epoch, so in "max" mode only the first epoch is ever the best
    best = ModelCheckpoint(
        tmp_path / "best.weights.npz",
        monitor="loss",
        mode="max",
        save_best_only=True,
        save_weights_only=True,
        verbose=1,
    )
    fit(model, 4, [best, record])
    fresh = make_model(99)
    saving.load_weights(fresh, tmp_path / "best.weights.npz")
    assert same_weights(fresh.get_weights(), seen[0])
    out = capsys.readouterr().out
    assert "Epoch 1: loss improved from -inf to" in out
    assert "Epoch 4: loss did not improve from" in out


def test_save_best_only_auto_mode_and_threshold(tmp_path: Path) -> None:
    checkpoint = ModelCheckpoint(tmp_path / "a.tensorgrad", monitor="val_accuracy")
    assert checkpoint.mode == "max"
    assert ModelCheckpoint(tmp_path / "a.tensorgrad").mode == "min"
    never = ModelCheckpoint(
        tmp_path / "never.tensorgrad",
        monitor="loss",
        save_best_only=True,
        initial_value_threshold=-1.0,
    )
    fit(make_model(), 2, [never])
    assert not (tmp_path / "never.tensorgrad").exists()


def test_checkpoint_every_few_batches(tmp_path: Path) -> None:
    # 48 samples in batches of 16: 3 batches an epoch; a save every 2 batches
    checkpoint = ModelCheckpoint(tmp_path / "{epoch}-{batch}.tensorgrad", save_freq=2)
    fit(make_model(), 2, [checkpoint])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "1-2.tensorgrad",
        "2-1.tensorgrad",
        "2-3.tensorgrad",
    ]


def test_missing_monitor_warns_and_saves(tmp_path: Path) -> None:
    checkpoint = ModelCheckpoint(tmp_path / "m.tensorgrad", save_best_only=True)  # val_loss
    with pytest.warns(UserWarning, match="'val_loss' is logged"):
        fit(make_model(), 1, [checkpoint])
    assert (tmp_path / "m.tensorgrad").exists()


def test_checkpoint_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"end in '\.tensorgrad'.*save_weights_only=True"):
        ModelCheckpoint(tmp_path / "m.h5")
    with pytest.raises(ValueError, match=r"end in '\.weights\.npz'"):
        ModelCheckpoint(tmp_path / "m.tensorgrad", save_weights_only=True)
    with pytest.raises(ValueError, match="mode"):
        ModelCheckpoint(tmp_path / "m.tensorgrad", mode="best")
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint(tmp_path / "m.tensorgrad", save_freq=0)
    bad = ModelCheckpoint(tmp_path / "{val_loss:.2f}.tensorgrad")
    with pytest.raises(ValueError, match=r"placeholders .*available: loss, accuracy, epoch"):
        fit(make_model(), 1, [bad])


# ----- BackupAndRestore -----
def test_resume_after_interruption_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    reference = make_model()
    fit(reference, 5)
    backup = BackupAndRestore(tmp_path / "backup")
    with pytest.raises(RuntimeError, match="interrupted"):
        fit(make_model(), 5, [backup, StopAt(3)])
    assert (tmp_path / "backup" / "latest.weights.npz").exists()
    # a new process would build the model again from the same seed, then call fit
    resumed = make_model()
    history = fit(resumed, 5, [BackupAndRestore(tmp_path / "backup")])
    assert len(history.history["loss"]) == 2  # epochs 4 and 5 only
    assert same_weights(resumed.get_weights(), reference.get_weights())
    assert resumed.optimizer.iterations == reference.optimizer.iterations == 15
    assert not (tmp_path / "backup").exists()  # deleted once training completed


def test_crash_while_writing_a_backup_keeps_the_previous_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reference = make_model()
    fit(reference, 4)
    real_replace, calls = os.replace, []

    def replace_then_crash(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 2:  # the backup of epoch 2
            raise OSError("simulated crash")
        real_replace(*args)

    with monkeypatch.context() as patch:
        patch.setattr(os, "replace", replace_then_crash)
        with pytest.raises(saving.SavingError, match="simulated crash"):
            fit(make_model(), 4, [BackupAndRestore(tmp_path / "backup")])
    assert os.listdir(tmp_path / "backup") == ["latest.weights.npz"]
    resumed = make_model()
    history = fit(resumed, 4, [BackupAndRestore(tmp_path / "backup")])
    assert len(history.history["loss"]) == 3  # the backup held epoch 1
    assert same_weights(resumed.get_weights(), reference.get_weights())


def test_keep_the_backup_and_nothing_left_to_do(tmp_path: Path) -> None:
    keep = BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)
    model = make_model()
    fit(model, 2, [keep])
    assert (tmp_path / "backup" / "latest.weights.npz").exists()
    again = make_model()
    history = fit(again, 2, [BackupAndRestore(tmp_path / "backup", delete_checkpoint=False)])
    assert history.history == {} or history.history.get("loss", []) == []
    assert same_weights(again.get_weights(), model.get_weights())


def test_backup_folder_with_other_files_is_not_removed(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    fit(make_model(), 1, [BackupAndRestore(tmp_path)])
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]


def test_backup_of_another_model_is_rejected(tmp_path: Path) -> None:
    fit(make_model(), 1, [BackupAndRestore(tmp_path / "b", delete_checkpoint=False)])
    other = models.Sequential([layers.Dense(7, input_shape=(5,), name="other"), layers.Dense(3)])
    other.compile(optimizer="adam", loss="categorical_crossentropy")
    with pytest.raises(saving.SavingError, match=r"'other'.*\(5, 16\).*expected shape \(5, 7\)"):
        fit(other, 2, [BackupAndRestore(tmp_path / "b")])


def test_backup_arguments() -> None:
    with pytest.raises(ValueError, match="backup_dir"):
        BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq must be 'epoch'"):
        BackupAndRestore("somewhere", save_freq=10)


def test_backup_with_a_broken_generator_state_is_rejected(tmp_path: Path) -> None:
    model = make_model()
    saving.save_training_state(
        model, tmp_path / "latest.weights.npz", {"epoch": 1, "rng": {"bit_generator": "Evil"}}
    )
    with pytest.raises(saving.SavingError, match="invalid random generator state"):
        fit(make_model(), 2, [BackupAndRestore(tmp_path)])
