"""Loading refuses hostile or broken files before doing any work on them: each refusal is a
SavingError naming the file and, for a bad value, the field that holds it."""

from __future__ import annotations

import copy
import json
import os
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tensorgrad import layers, losses, models
from tensorgrad.layers import core
from tensorgrad.saving import saving_lib as saving
from tensorgrad.saving import SavingError

sys.path.insert(0, str(Path(__file__).parent))
import hostile

LOADERS = {
    "load_model": saving.load_model,
    "load_weights": lambda path: saving.load_weights(hostile.small_model(), path),
    "load_training_state": lambda path: saving.load_training_state(hostile.small_model(), path),
}


def refused(path: Path, match: str, load: Any = saving.load_model) -> SavingError:
    with pytest.raises(SavingError, match=match) as info:
        load(path)
    assert str(path) in str(info.value), info.value
    return info.value


def edited(tmp_path: Path, edit: Any, name: str = "m.tensorgrad") -> Path:
    config, members = hostile.good_config()
    edit(config)
    return hostile.write(tmp_path / name, config, members)


# ----- not a regular file -----
@pytest.mark.parametrize("loader", list(LOADERS))
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path, loader: str) -> None:
    path = tmp_path / "m.tensorgrad"
    os.mkfifo(path)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            LOADERS[loader](path)
            outcome.append(None)
        except BaseException as e:
            outcome.append(e)

    thread = threading.Thread(target=load, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():  # release the blocked reader before failing
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(timeout=10)
        pytest.fail("loading a FIFO blocked waiting for a writer")
    assert isinstance(outcome[0], SavingError) and "not a regular file" in str(outcome[0])


@pytest.mark.parametrize("loader", list(LOADERS))
def test_a_link_to_dev_zero_and_a_directory_are_refused(tmp_path: Path, loader: str) -> None:
    link = tmp_path / "zero.tensorgrad"
    link.symlink_to("/dev/zero")
    refused(link, "not a regular file.*character device", LOADERS[loader])
    folder = tmp_path / "folder.tensorgrad"
    folder.mkdir()
    refused(folder, "not a regular file.*directory", LOADERS[loader])


# ----- JSON bombs and impossible values -----
def test_a_json_object_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    refused(hostile.object_bomb(tmp_path / "m.tensorgrad", megabytes=3), "objects")


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    def nest(config: dict[str, Any]) -> None:
        value: Any = 1
        for _ in range(200):
            value = [value]
        config["model"]["config"]["layers"][0]["config"]["units"] = value

    refused(edited(tmp_path, nest), "nested more than")


@pytest.mark.parametrize(
    "field, raw",
    [
        ("model.config.layers[0].config.name", '"\\ud800"'),
        ("model.config.layers[0].config.name", '"a\\udc00b"'),
    ],
)
def test_lone_surrogates_are_refused(tmp_path: Path, field: str, raw: str) -> None:
    config, members = hostile.good_config()
    config["model"]["config"]["layers"][0]["config"]["name"] = "PLACEHOLDER"
    text = json.dumps(config).replace('"PLACEHOLDER"', raw).encode()
    path = hostile.write(tmp_path / "m.tensorgrad", None, members, raw_config=text)
    refused(path, rf"{re_field(field)}.*surrogate")


def re_field(field: str) -> str:
    return field.replace("[", r"\[").replace("]", r"\]").replace(".", r"\.")


@pytest.mark.parametrize("value", ["Infinity", "-Infinity", "NaN", "1e400"])
def test_non_finite_numbers_are_refused_naming_the_field(tmp_path: Path, value: str) -> None:
    config, members = hostile.good_config()
    config["compile"]["optimizer"]["config"]["learning_rate"] = "PLACEHOLDER"
    text = json.dumps(config).replace('"PLACEHOLDER"', value).encode()
    path = hostile.write(tmp_path / "m.tensorgrad", None, members, raw_config=text)
    refused(path, re_field("compile.optimizer.config.learning_rate") + ".*finite")


@pytest.mark.parametrize("iterations", [10**400, 2**63, -1, 1.5, "3", True])
def test_impossible_step_counts_are_refused(tmp_path: Path, iterations: Any) -> None:
    path = edited(tmp_path, lambda c: c["optimizer_state"].__setitem__("iterations", iterations))
    refused(path, re_field("optimizer_state.iterations"))


@pytest.mark.parametrize(
    "shape",
    [
        [None, -4],
        [None, 0],
        "[None, 3]",
        [None, "3"],
        [None, 3.0],
        [None, True],
        [],
        [None, 2**40],
        None.__class__.__name__,
    ],
)
def test_impossible_build_shapes_are_refused(tmp_path: Path, shape: Any) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["model"]["config"]["build_input_shape"] = shape

    refused(edited(tmp_path, edit), re_field("model.config.build_input_shape"))


@pytest.mark.parametrize("shape", [[None, -4], "abc", [None, "3"]])
def test_impossible_layer_input_shapes_are_refused(tmp_path: Path, shape: Any) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["model"]["config"]["layers"][0]["config"]["batch_input_shape"] = shape

    refused(edited(tmp_path, edit), re_field("model.config.layers[0].config.batch_input_shape"))


def test_a_string_where_an_integer_belongs_names_the_layer(tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["model"]["config"]["layers"][0]["config"]["units"] = "2"

    refused(edited(tmp_path, edit), r"units must be a positive integer")


# ----- sizes checked before building -----
def test_a_config_bigger_than_its_weights_is_refused_before_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    allocated = []
    real = core.Dense.add_weight

    def spy(self: Any, name: str, shape: Any, *args: Any, **kwargs: Any) -> Any:
        weight = real(self, name, shape, *args, **kwargs)
        allocated.append(tuple(shape))  # made and initialised
        return weight

    monkeypatch.setattr(core.Dense, "add_weight", spy)
    refused(hostile.wide_dense_bomb(tmp_path / "m.tensorgrad"), "weights? .* the archive holds")
    assert (32768, 1024) not in allocated


def test_a_manifest_bigger_than_its_members_is_refused(tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["weights"][0]["weights"][0]["shape"] = [30000, 2]

    refused(edited(tmp_path, edit), r"weights\[0\]\.weights\[0\].*declares")


def test_a_deflated_member_bomb_is_refused(tmp_path: Path) -> None:
    refused(hostile.deflated_member_bomb(tmp_path / "m.tensorgrad"), "expand")


def test_thousands_of_layers_build_in_linear_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = core.Dense.compute_output_shape

    def counting(self: Any, shape: Any) -> Any:
        calls.append(1)
        return real(self, shape)

    monkeypatch.setattr(core.Dense, "compute_output_shape", counting)
    n = 300
    models.Sequential([layers.Dense(2, input_shape=(2,))] + [layers.Dense(2) for _ in range(n)])
    assert len(calls) <= 3 * n  # rebuilding the stack at each add would make n * n / 2


def test_a_model_of_two_thousand_layers_round_trips(tmp_path: Path) -> None:
    model = models.Sequential(
        [layers.Dense(1, input_shape=(1,))]
        + [layers.Dense(1)] * 0
        + [layers.Dense(1) for _ in range(2000)]
    )
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert len(loaded.layers) == 2001


# ----- custom objects keep their role -----
def my_loss(y_true: Any, y_pred: Any) -> Any:
    return losses.mean_squared_error(y_true, y_pred)


def my_activation(x: Any) -> Any:
    return x * 2


@pytest.mark.parametrize(
    "field, edit",
    [
        ("model.class_name", lambda c: c["model"].__setitem__("class_name", "my_loss")),
        (
            "model.config.layers[0].class_name",
            lambda c: c["model"]["config"]["layers"][0].__setitem__("class_name", "my_loss"),
        ),
        (
            "model.config.layers[0].config.kernel_initializer",
            lambda c: c["model"]["config"]["layers"][0]["config"].__setitem__(
                "kernel_initializer", "my_loss"
            ),
        ),
        (
            "model.config.layers[0].config.activation",
            lambda c: c["model"]["config"]["layers"][0]["config"].__setitem__(
                "activation", "my_loss"
            ),
        ),
        (
            "compile.optimizer.class_name",
            lambda c: c["compile"]["optimizer"].__setitem__("class_name", "my_loss"),
        ),
        (
            "compile.loss",
            lambda c: c["compile"].__setitem__(
                "loss", {"class_name": "function", "config": {"name": "my_activation"}}
            ),
        ),
    ],
)
def test_a_custom_object_is_used_only_in_its_role(tmp_path: Path, field: str, edit: Any) -> None:
    called = []

    def spy_loss(y_true: Any, y_pred: Any) -> Any:
        called.append((y_true, y_pred))
        return my_loss(y_true, y_pred)

    path = edited(tmp_path, edit)
    with pytest.raises(SavingError, match=re_field(field) + ".*custom_objects") as info:
        saving.load_model(
            path, custom_objects={"my_loss": spy_loss, "my_activation": my_activation}
        )
    assert str(path) in str(info.value)
    assert called == []


def test_custom_objects_in_their_roles_still_load(tmp_path: Path) -> None:
    model = models.Sequential([layers.Dense(2, activation=my_activation, input_shape=(3,))])
    model.compile(optimizer="adam", loss=my_loss)
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(
        tmp_path / "m.tensorgrad",
        custom_objects={"my_loss": my_loss, "my_activation": my_activation},
    )
    x = np.ones((2, 3), np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


# ----- weights that are not numbers a model can use -----
@pytest.mark.parametrize("bad", [np.nan, np.inf, 1e39])
def test_non_finite_or_out_of_range_weights_warn_or_are_refused_under_strict(
    tmp_path: Path, bad: float
) -> None:
    config, members = hostile.good_config()
    kernel = np.zeros((3, 2), np.float64)
    kernel[1, 1] = bad
    members["weights/0/0.npy"] = hostile.npy(kernel)
    config["weights"][0]["weights"][0]["dtype"] = "float64"
    path = hostile.write(tmp_path / "m.tensorgrad", config, members)
    with pytest.warns(RuntimeWarning, match=r"/kernel.*1 value that is NaN"):
        saving.load_model(path)
    with pytest.warns(RuntimeWarning, match=r"/kernel"):
        saving.load_weights(hostile.small_model(), path)
    refused(path, "/kernel.*strict", lambda p: saving.load_model(p, strict=True))
    refused(
        path,
        "/kernel.*strict",
        lambda p: saving.load_weights(hostile.small_model(), p, strict=True),
    )
    model = hostile.small_model()
    before = [w.data.copy() for w in model.weights]
    with pytest.raises(SavingError):
        model.load_weights(path, strict=True)
    assert all(np.array_equal(a, w.data) for a, w in zip(before, model.weights))


# ----- restoring a backup is all or nothing -----
def _backup(tmp_path: Path, edit: Any) -> tuple[Path, models.Sequential]:
    source = hostile.small_model()
    source.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    path = tmp_path / "latest.weights.npz"
    saving.save_training_state(source, path, {"epoch": 1, "rng": {"bad": True}})
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist() if n != "config.json"}
        config = json.loads(zf.read("config.json"))
    edit(config, members)
    path.unlink()
    hostile.write(path, config, members)
    return path, hostile.small_model()


@pytest.mark.parametrize(
    "edit",
    [
        lambda c, m: m.__setitem__("optimizer/1/0.npy", hostile.npy(np.zeros(5, np.float32))),
        lambda c, m: c["optimizer_state"].__setitem__("iterations", -2),
        lambda c, m: c["optimizer_state"]["slots"].append([]),
    ],
)
def test_a_bad_backup_changes_nothing(tmp_path: Path, edit: Any) -> None:
    path, model = _backup(tmp_path, edit)
    model.optimizer.apply_gradients([(np.zeros_like(w.data), w) for w in model.trainable_weights])
    before = [w.data.copy() for w in model.weights]
    state = copy.deepcopy(model.optimizer.get_state(model.trainable_weights))
    with pytest.raises(SavingError):
        saving.load_training_state(model, path)
    assert all(np.array_equal(a, w.data) for a, w in zip(before, model.weights))
    after = model.optimizer.get_state(model.trainable_weights)
    assert after["iterations"] == state["iterations"] == 1
    assert all(
        np.array_equal(a, b) for x, y in zip(after["slots"], state["slots"]) for a, b in zip(x, y)
    )


@pytest.mark.parametrize("field", ["epoch", "rng"])
def test_backup_and_restore_checks_its_state_before_restoring(tmp_path: Path, field: str) -> None:
    from tensorgrad.callbacks import BackupAndRestore
    from tensorgrad.engine import random

    good = {"epoch": 1, "rng": random.get_state(), "layer_rngs": [[]]}
    bad = dict(good, **{field: -1 if field == "epoch" else {"bit_generator": "nonsense"}})
    source = hostile.small_model()
    source.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    folder = tmp_path / "backup"
    saving.save_training_state(source, folder / BackupAndRestore.FILENAME, bad)
    model = hostile.small_model()
    before = [w.data.copy() for w in model.weights]
    with pytest.raises(SavingError, match=field):
        model.fit(
            np.ones((4, 3)),
            np.ones((4, 2)),
            epochs=2,
            verbose=0,
            callbacks=[BackupAndRestore(folder)],
        )
    assert all(np.array_equal(a, w.data) for a, w in zip(before, model.weights))
    assert model.optimizer.iterations == 0
