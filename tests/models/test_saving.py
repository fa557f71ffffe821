"""Saving and loading: round trips, continued training, and files that must be refused."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tensorgrad import layers, losses, metrics, models, optimizers, utils
from tensorgrad.saving import archive
from tensorgrad.saving import saving_lib as saving
from tensorgrad.saving import SavingError

RNG = np.random.default_rng(0)
X = RNG.random((48, 6), dtype=np.float32)
LABELS = (X[:, 0] * 3).astype(int)
Y = np.eye(3, dtype=np.float32)[LABELS]


def dense_model(activation: Any = "softmax", input_layer: bool = False) -> models.Sequential:
    first = [layers.Input(shape=(6,))] if input_layer else []
    kwargs = {} if input_layer else {"input_shape": (6,)}
    return models.Sequential(
        first
        + [
            layers.Dense(8, activation="relu", **kwargs),
            layers.Dense(3, activation=activation),
        ]
    )


def trained_model(
    optimizer: Any = "rmsprop",
    loss: Any = "categorical_crossentropy",
    metrics_: Any = ("accuracy",),
    y: np.ndarray = Y,
    activation: Any = "softmax",
) -> models.Sequential:
    utils.set_random_seed(3)
    model = dense_model(activation)
    model.compile(optimizer=optimizer, loss=loss, metrics=list(metrics_))
    model.fit(X, y, epochs=1, batch_size=16, verbose=0)
    return model


def assert_same_weights(a: models.Model, b: models.Model) -> None:
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        assert x.dtype == y.dtype and np.array_equal(x, y)


def test_model_save_and_load_model(tmp_path: Path) -> None:
    model = trained_model()
    model.save(tmp_path / "model.tensorgrad")
    loaded = saving.load_model(tmp_path / "model.tensorgrad")
    assert np.array_equal(loaded.predict(X), model.predict(X))
    model.save_weights(tmp_path / "model.weights.npz")
    fresh = dense_model()
    fresh.load_weights(tmp_path / "model.weights.npz")
    assert_same_weights(fresh, model)


# ----- round trips -----
@pytest.mark.parametrize("activation", [None, "linear", "relu", "sigmoid", "tanh", "softmax"])
def test_dense_round_trip_for_each_activation(activation: Any, tmp_path: Path) -> None:
    model = dense_model(activation)
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert loaded.get_config() == model.get_config()
    assert_same_weights(loaded, model)
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_every_core_layer_round_trips(tmp_path: Path) -> None:
    model = models.Sequential(
        [
            layers.Input(shape=(2, 3)),
            layers.Flatten(),
            layers.Dense(5, use_bias=False, kernel_initializer="he_normal", name="hidden"),
            layers.Activation("tanh"),
            layers.Dropout(0.3, noise_shape=(None, 5), seed=4),
            layers.Dense(2, activation="sigmoid"),
        ]
    )
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert [type(lr).__name__ for lr in loaded.layers] == [
        "Flatten",
        "Dense",
        "Activation",
        "Dropout",
        "Dense",
    ]
    assert loaded.get_config() == model.get_config()
    assert loaded.layers[1].name == "hidden"
    x = X.reshape(48, 2, 3)
    assert np.array_equal(loaded.predict(x), model.predict(x))


def test_model_built_from_data_keeps_its_input_shape(tmp_path: Path) -> None:
    model = models.Sequential([layers.Dense(4), layers.Dense(1)])
    model.predict(X)  # built on first data, no input_shape declared
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert loaded.built
    assert np.array_equal(loaded.predict(X), model.predict(X))


OPTIMIZERS = [
    optimizers.SGD(learning_rate=0.05),
    optimizers.SGD(learning_rate=0.05, momentum=0.9),
    optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True),
    optimizers.RMSprop(),
    optimizers.RMSprop(momentum=0.5, centered=True),
    optimizers.Adagrad(learning_rate=0.1),
    optimizers.Adam(),
    optimizers.Adam(amsgrad=True),
]


@pytest.mark.parametrize("optimizer", OPTIMIZERS, ids=repr)
def test_loaded_model_continues_training_identically(optimizer: Any, tmp_path: Path) -> None:
    opt = type(optimizer).from_config(optimizer.get_config())  # a fresh one per test
    model = trained_model(optimizer=opt)
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert type(loaded.optimizer) is type(opt)
    assert loaded.optimizer.get_config() == opt.get_config()
    assert loaded.optimizer.iterations == opt.iterations == 3
    saved_state = opt.get_state(model.trainable_weights)
    loaded_state = loaded.optimizer.get_state(loaded.trainable_weights)
    for a, b in zip(saved_state["slots"], loaded_state["slots"]):
        assert all(np.array_equal(s, t) for s, t in zip(a, b))
    # the same further steps give the same losses and weights, bit for bit
    original = model.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    resumed = loaded.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    assert original.history["loss"] == resumed.history["loss"]
    assert_same_weights(loaded, model)


@pytest.mark.parametrize(
    "loss, sparse, activation",
    [
        (losses.CategoricalCrossentropy(), False, "softmax"),
        (losses.CategoricalCrossentropy(from_logits=True), False, None),
        (losses.SparseCategoricalCrossentropy(), True, "softmax"),
        (losses.SparseCategoricalCrossentropy(from_logits=True), True, None),
        (losses.BinaryCrossentropy(), False, "sigmoid"),
        (losses.BinaryCrossentropy(from_logits=True), False, None),
        (losses.MeanSquaredError(), False, None),
        (losses.MeanAbsoluteError(), False, None),
        ("mse", False, None),
    ],
    ids=repr,
)
def test_loss_round_trips(loss: Any, sparse: bool, activation: Any, tmp_path: Path) -> None:
    y = LABELS if sparse else Y
    model = trained_model(loss=loss, y=y, activation=activation)
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert type(loaded.loss) is type(model.loss)
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.evaluate(X, y, verbose=0) == model.evaluate(X, y, verbose=0)


def test_metric_names_and_configs_round_trip(tmp_path: Path) -> None:
    model = trained_model(metrics_=["acc", "mae", metrics.BinaryAccuracy(threshold=0.7)])
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert [m.name for m in loaded.compiled_metrics] == ["acc", "mae", "binary_accuracy"]
    assert loaded.compiled_metrics[2].get_config() == model.compiled_metrics[2].get_config()
    assert loaded.evaluate(X, Y, verbose=0) == model.evaluate(X, Y, verbose=0)


def test_include_optimizer_false_and_compile_false(tmp_path: Path) -> None:
    model = trained_model(optimizer="adam")
    saving.save_model(model, tmp_path / "m.tensorgrad", include_optimizer=False)
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert isinstance(loaded.optimizer, optimizers.Adam) and loaded.optimizer.iterations == 0
    bare = saving.load_model(tmp_path / "m.tensorgrad", compile=False)
    assert bare.optimizer is None
    assert np.array_equal(bare.predict(X), model.predict(X))


def test_uncompiled_model_round_trips(tmp_path: Path) -> None:
    model = dense_model(input_layer=True)
    saving.save_model(model, tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad")
    assert loaded.optimizer is None
    assert np.array_equal(loaded.predict(X), model.predict(X))


def test_saving_twice_writes_identical_bytes(tmp_path: Path) -> None:
    model = trained_model()
    saving.save_model(model, tmp_path / "a.tensorgrad")
    saving.save_model(model, tmp_path / "b.tensorgrad")
    assert (tmp_path / "a.tensorgrad").read_bytes() == (tmp_path / "b.tensorgrad").read_bytes()


def test_config_records_versions_and_compile_settings(tmp_path: Path) -> None:
    import tensorgrad

    saving.save_model(trained_model(), tmp_path / "m.tensorgrad")
    with zipfile.ZipFile(tmp_path / "m.tensorgrad") as zf:
        config = json.loads(zf.read("config.json"))
        names = zf.namelist()
    assert config["format_version"] == saving.FORMAT_VERSION
    assert config["tensorgrad_version"] == tensorgrad.__version__
    assert config["compile"]["optimizer"]["class_name"] == "RMSprop"
    assert config["compile"]["loss"]["class_name"] == "CategoricalCrossentropy"
    assert config["compile"]["metrics"] == ["accuracy"]
    assert all(n == "config.json" or n.endswith(".npy") for n in names)


# ----- custom objects -----
class Scale(layers.Layer):
    """A user layer: multiplies by a constant."""

    def __init__(self, factor: float = 2.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def call(self, inputs: Any) -> Any:
        return inputs * self.factor

    def compute_output_shape(self, input_shape: Any) -> Any:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "factor": self.factor}


def test_user_layers_need_custom_objects(tmp_path: Path) -> None:
    model = models.Sequential([layers.Dense(3, input_shape=(6,)), Scale(3.0)])
    saving.save_model(model, tmp_path / "m.tensorgrad")
    with pytest.raises(SavingError, match=r"unknown layer class 'Scale'.*custom_objects"):
        saving.load_model(tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad", custom_objects={"Scale": Scale})
    assert loaded.layers[1].factor == 3.0
    assert np.array_equal(loaded.predict(X), model.predict(X))


def my_loss(y_true: Any, y_pred: Any) -> Any:
    return losses.mean_squared_error(y_true, y_pred) * 2


def test_user_loss_function_needs_custom_objects(tmp_path: Path) -> None:
    model = trained_model(loss=my_loss, metrics_=())
    saving.save_model(model, tmp_path / "m.tensorgrad")
    with pytest.raises(SavingError, match=r"my_loss.*custom_objects"):
        saving.load_model(tmp_path / "m.tensorgrad")
    loaded = saving.load_model(tmp_path / "m.tensorgrad", custom_objects={"my_loss": my_loss})
    assert loaded.evaluate(X, Y, verbose=0) == model.evaluate(X, Y, verbose=0)


# ----- weights files -----
def test_weights_round_trip_into_a_fresh_model(tmp_path: Path) -> None:
    model = trained_model()
    path = tmp_path / "w.weights.npz"
    saving.save_weights(model, path)
    fresh = dense_model()  # other layer names ("dense_2"...): matched by position
    saving.load_weights(fresh, path)
    assert_same_weights(fresh, model)
    with np.load(path, allow_pickle=False) as npz:  # an ordinary npz file
        assert np.array_equal(npz["weights/0/0"], model.get_weights()[0])


def test_load_weights_from_a_model_file(tmp_path: Path) -> None:
    model = trained_model()
    saving.save_model(model, tmp_path / "m.tensorgrad")
    fresh = dense_model()
    saving.load_weights(fresh, tmp_path / "m.tensorgrad")
    assert_same_weights(fresh, model)


def test_load_weights_shape_mismatch_names_layer_weight_and_shapes(tmp_path: Path) -> None:
    saving.save_weights(trained_model(), tmp_path / "w.weights.npz")
    other = models.Sequential([layers.Dense(9, input_shape=(6,), name="wide"), layers.Dense(3)])
    before = other.get_weights()
    with pytest.raises(SavingError) as info:
        saving.load_weights(other, tmp_path / "w.weights.npz")
    message = str(info.value)
    assert "w.weights.npz" in message and "'wide'" in message and "kernel" in message
    assert "(6, 8)" in message and "(6, 9)" in message
    for a, b in zip(before, other.get_weights()):  # nothing was half loaded
        assert np.array_equal(a, b)


def test_load_weights_layer_count_and_class_mismatch(tmp_path: Path) -> None:
    saving.save_weights(trained_model(), tmp_path / "w.weights.npz")
    deeper = models.Sequential(
        [layers.Dense(8, input_shape=(6,)), layers.Dense(8), layers.Dense(3)]
    )
    with pytest.raises(SavingError, match=r"weights for 2 layers .* 3 layers with weights"):
        saving.load_weights(deeper, tmp_path / "w.weights.npz")
    no_bias = models.Sequential(
        [layers.Dense(8, input_shape=(6,), use_bias=False), layers.Dense(3)]
    )
    with pytest.raises(SavingError, match=r"holds 2 weights for layer .* which has 1"):
        saving.load_weights(no_bias, tmp_path / "w.weights.npz")


# ----- file names -----
def test_extensions_are_checked(tmp_path: Path) -> None:
    model = dense_model()
    with pytest.raises(ValueError, match=r"must end in '\.tensorgrad', got .*model\.h5"):
        saving.save_model(model, tmp_path / "model.h5")
    with pytest.raises(ValueError, match=r"must end in '\.tensorgrad'"):
        saving.save_model(model, tmp_path / "model")
    with pytest.raises(ValueError, match=r"must end in '\.weights\.npz'"):
        saving.save_weights(model, tmp_path / "w.npz")
    saving.save_weights(model, tmp_path / "w.weights.npz")
    with pytest.raises(SavingError, match=r"load_weights"):
        saving.load_model(tmp_path / "w.weights.npz")
    with pytest.raises(FileNotFoundError):
        saving.load_model(tmp_path / "missing.tensorgrad")


def test_overwrite_false_refuses_an_existing_file(tmp_path: Path) -> None:
    model = dense_model()
    saving.save_model(model, tmp_path / "m.tensorgrad")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        saving.save_model(model, tmp_path / "m.tensorgrad", overwrite=False)
    saving.save_model(model, tmp_path / "m.tensorgrad", overwrite=True)


# ----- atomic writes -----
def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_failure_before_rename_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "m.tensorgrad"
    saving.save_model(dense_model(), path)
    old = path.read_bytes()

    def crash(*args: Any) -> None:
        raise OSError("simulated crash before the rename")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(SavingError, match="simulated crash"):
        saving.save_model(trained_model(), path)
    assert path.read_bytes() == old
    assert _only(tmp_path) == ["m.tensorgrad"]  # no temporary file left behind
    monkeypatch.undo()
    saving.load_model(path)


def test_failure_while_writing_keeps_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "w.weights.npz"
    saving.save_weights(dense_model(), path)
    old = path.read_bytes()
    real_write = np.lib.format.write_array
    calls = []

    def write_then_crash(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt  # stopped halfway through the arrays
        real_write(*args, **kwargs)

    monkeypatch.setattr(np.lib.format, "write_array", write_then_crash)
    with pytest.raises(KeyboardInterrupt):
        saving.save_weights(trained_model(), path)
    assert path.read_bytes() == old
    assert _only(tmp_path) == ["w.weights.npz"]


def test_failed_first_save_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(SavingError, match="disk full"):
        saving.save_model(dense_model(), tmp_path / "m.tensorgrad")
    assert _only(tmp_path) == []


# ----- files that must be refused -----
def npy_bytes(array: np.ndarray, allow_pickle: bool = False) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, allow_pickle=allow_pickle)
    return buffer.getvalue()


def rewrite(
    source: Path,
    target: Path,
    replace: dict[str, bytes | None] | None = None,
    edit_config: Any = None,
    extra: list[tuple[str, bytes]] | None = None,
    compression: int = zipfile.ZIP_STORED,
) -> Path:
    """Copy an archive member by member, replacing, dropping or adding members by hand."""
    replace = dict(replace or {})
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", compression) as dst:
        for name in src.namelist():
            data = replace.pop(name, src.read(name))
            if name == "config.json" and edit_config is not None:
                config = json.loads(data)
                edit_config(config)
                data = json.dumps(config).encode()
            if data is not None:
                dst.writestr(name, data)
        for name, data in list(replace.items()) + list(extra or []):
            dst.writestr(name, data)
    return target


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    path = tmp_path / "good.tensorgrad"
    saving.save_model(trained_model(), path)
    return path


def refused(path: Path, match: str, op: Any = saving.load_model) -> SavingError:
    with pytest.raises(SavingError, match=match) as info:
        op(path)
    assert str(path) in str(info.value)  # the message names the file
    return info.value


@pytest.mark.parametrize(
    "name",
    [
        "../evil.npy",
        "weights/../../evil.npy",
        "/etc/evil.npy",
        "C:/evil.npy",
        "..\\evil.npy",
        "weights/./0.npy",
    ],
)
def test_member_paths_that_escape_the_archive(saved: Path, tmp_path: Path, name: str) -> None:
    bad = rewrite(saved, tmp_path / "bad.tensorgrad", extra=[(name, npy_bytes(np.zeros(2)))])
    with zipfile.ZipFile(bad) as zf:
        assert name.lstrip("/") in [n.lstrip("/") for n in zf.namelist()]
    refused(bad, "unsafe path")
    assert not (tmp_path.parent / "evil.npy").exists()


def test_object_array_is_refused_and_never_unpickled(saved: Path, tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"

    class Payload:
        def __reduce__(self) -> Any:
            return (os.makedirs, (str(marker),))

    evil = npy_bytes(np.array([Payload()], dtype=object), allow_pickle=True)
    bad = rewrite(saved, tmp_path / "bad.tensorgrad", replace={"weights/0/0.npy": evil})
    refused(bad, r"dtype object.*pickle")
    refused(bad, r"dtype object", op=lambda p: saving.load_weights(dense_model(), p))
    assert not marker.exists()


def test_structured_dtype_is_refused(saved: Path, tmp_path: Path) -> None:
    odd = np.zeros((6, 8), dtype=[("a", "f4")])
    bad = rewrite(saved, tmp_path / "bad.tensorgrad", replace={"weights/0/0.npy": npy_bytes(odd)})
    refused(bad, "only plain numbers")


@pytest.mark.parametrize("class_name", ["Evil", "Model", "Scale", "Layer", "_Merge"])
def test_unknown_layer_class(saved: Path, tmp_path: Path, class_name: str) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["model"]["config"]["layers"][0]["class_name"] = class_name

    bad = rewrite(saved, tmp_path / "bad.tensorgrad", edit_config=edit)
    refused(bad, f"unknown layer class '{class_name}'")


def test_unknown_constructor_argument(saved: Path, tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["model"]["config"]["layers"][0]["config"]["__class__"] = "os.system"

    refused(
        rewrite(saved, tmp_path / "bad.tensorgrad", edit_config=edit),
        r"invalid model config: .*unrecognized keyword argument '__class__'",
    )


@pytest.mark.parametrize(
    "version, match",
    [
        (99, r"format version 99.*reads version 1.*newer tensorgrad"),
        (0, r"format version 0"),
        ("1", r"format version '1'"),
        (True, r"format version True"),
        (None, r"format version None"),
    ],
)
def test_wrong_format_version(saved: Path, tmp_path: Path, version: Any, match: str) -> None:
    bad = rewrite(
        saved, tmp_path / "bad.tensorgrad", edit_config=lambda c: c.update(format_version=version)
    )
    refused(bad, match)


def test_not_a_tensorgrad_config(saved: Path, tmp_path: Path) -> None:
    refused(
        rewrite(saved, tmp_path / "a.tensorgrad", edit_config=lambda c: c.pop("format")),
        "not a tensorgrad archive",
    )
    refused(
        rewrite(saved, tmp_path / "b.tensorgrad", replace={"config.json": b"{nope"}),
        "not valid JSON",
    )
    refused(
        rewrite(saved, tmp_path / "c.tensorgrad", replace={"config.json": b"[1, 2]"}),
        "not a JSON object",
    )
    refused(
        rewrite(saved, tmp_path / "d.tensorgrad", replace={"config.json": None}),
        "missing the member 'config.json'",
    )


def test_truncated_archive(saved: Path, tmp_path: Path) -> None:
    data = saved.read_bytes()
    for size in (0, 10, len(data) // 2, len(data) - 5):
        bad = tmp_path / f"cut{size}.tensorgrad"
        bad.write_bytes(data[:size])
        refused(bad, "not a readable zip archive.*truncated")


def test_missing_member(saved: Path, tmp_path: Path) -> None:
    bad = rewrite(saved, tmp_path / "bad.tensorgrad", replace={"weights/1/1.npy": None})
    refused(bad, "missing the member 'weights/1/1.npy'")


def test_member_shorter_than_its_header(saved: Path, tmp_path: Path) -> None:
    short = npy_bytes(np.zeros((6, 8), np.float32))[:-16]
    bad = rewrite(saved, tmp_path / "bad.tensorgrad", replace={"weights/0/0.npy": short})
    refused(bad, "declares .* bytes but its header describes .*damaged")


def test_zip_bomb_is_refused_before_inflating(saved: Path, tmp_path: Path) -> None:
    bomb = npy_bytes(np.zeros((6, 8), np.float32)) + bytes(20 * 2**20)
    bad = rewrite(
        saved,
        tmp_path / "bad.tensorgrad",
        replace={"weights/0/0.npy": bomb},
        compression=zipfile.ZIP_DEFLATED,
    )
    assert bad.stat().st_size < 2**20
    refused(bad, "would expand from [0-9]+ bytes to 2097[0-9]+")


def test_corrupted_bytes_fail_the_crc_check(saved: Path, tmp_path: Path) -> None:
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(saved) as zf:
        start = zf.getinfo("weights/0/0.npy").header_offset
    magic = data.index(b"\x93NUMPY", start)
    data[magic + 150] ^= 0xFF  # inside the array data
    bad = tmp_path / "bad.tensorgrad"
    bad.write_bytes(bytes(data))
    refused(bad, "damaged array 'weights/0/0.npy'.*CRC|Bad CRC")


def test_shapes_that_do_not_match_the_architecture(saved: Path, tmp_path: Path) -> None:
    def edit(config: dict[str, Any]) -> None:
        config["model"]["config"]["layers"][0]["config"]["units"] = 9

    bad = rewrite(saved, tmp_path / "bad.tensorgrad", edit_config=edit)
    refused(bad, r"kernel.*shape \(6, 8\).*expected shape \(6, 9\)")


def test_duplicate_and_encrypted_members(saved: Path, tmp_path: Path) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate, as it should
        dup = rewrite(
            saved,
            tmp_path / "dup.tensorgrad",
            extra=[("weights/0/0.npy", npy_bytes(np.ones((6, 8), np.float32)))],
        )
    refused(dup, "'weights/0/0.npy' appears twice")
    enc = rewrite(saved, tmp_path / "enc.tensorgrad", extra=[("notes.npy", b"secret")])
    data = bytearray(enc.read_bytes())
    entry = data.rindex(b"PK\x01\x02")  # the central directory entry of the last member
    data[entry + 8] |= 0x1  # the "encrypted" flag bit
    enc.write_bytes(bytes(data))
    refused(enc, "encrypted")


def test_oversized_config(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_CONFIG_BYTES", 100)
    refused(saved, "config.json; at most 100 bytes")


def test_weights_file_with_bad_manifest(tmp_path: Path) -> None:
    path = tmp_path / "w.weights.npz"
    saving.save_weights(dense_model(), path)
    bad = rewrite(
        path,
        tmp_path / "bad.weights.npz",
        edit_config=lambda c: c["weights"][0]["weights"][0].update(path="../x.npy"),
    )
    refused(
        bad, "missing the member '../x.npy'", op=lambda p: saving.load_weights(dense_model(), p)
    )
    bad2 = rewrite(
        path,
        tmp_path / "bad2.weights.npz",
        edit_config=lambda c: c["weights"][0]["weights"][0].update(path=7),
    )
    refused(bad2, "names the array .* as 7", op=lambda p: saving.load_weights(dense_model(), p))


def test_a_function_metric_comes_back_only_from_custom_objects(tmp_path: Path) -> None:
    def mean_prediction(y_true, y_pred):
        return y_pred.mean(axis=-1)

    model = models.Sequential([layers.Dense(3, activation="softmax", input_shape=(4,))])
    model.compile("sgd", "categorical_crossentropy", metrics=["accuracy", mean_prediction])
    x = np.random.default_rng(0).random((8, 4), dtype=np.float32)
    y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2, 0, 1]]
    history = model.fit(x, y, verbose=0)
    assert "mean_prediction" in history.history
    path = tmp_path / "m.tensorgrad"
    model.save(path)
    with pytest.raises(SavingError, match="custom_objects=\\{'mean_prediction'"):
        models.load_model(path)
    again = models.load_model(path, custom_objects={"mean_prediction": mean_prediction})
    assert again.evaluate(x, y, verbose=0) == model.evaluate(x, y, verbose=0)
