"""TensorBoard: the event files it writes, read back by an independent reader here (checking
every CRC and decoding the protobufs) and by TensorBoard's own EventAccumulator."""

from __future__ import annotations

import json
import re
import socket
import struct
from pathlib import Path

import numpy as np
import pytest
from callback_testing import xy

from tensorgrad import callbacks, layers, models, optimizers, utils


# ----- an independent reader: bitwise CRC-32C and a minimal protobuf decoder -----
def crc32c_bitwise(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 * (crc & 1))
    return crc ^ 0xFFFFFFFF


def masked(data: bytes) -> int:
    crc = crc32c_bitwise(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(path: Path) -> list[bytes]:
    """The TFRecords of a file, checking both CRCs of each and that nothing is left over."""
    data, pos, out = path.read_bytes(), 0, []
    while pos < len(data):
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        assert struct.unpack("<I", data[pos + 8 : pos + 12])[0] == masked(header)
        body = data[pos + 12 : pos + 12 + length]
        assert len(body) == length
        crc = data[pos + 12 + length : pos + 16 + length]
        assert struct.unpack("<I", crc)[0] == masked(body)
        out.append(body)
        pos += 16 + length
    return out


def fields(message: bytes) -> list[tuple[int, int | float | bytes]]:
    """(field number, value) pairs: varints as ints, 64/32-bit as doubles/floats, else bytes."""
    pos, out = 0, []

    def varint():
        nonlocal pos
        shift = value = 0
        while True:
            byte = message[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while pos < len(message):
        key = varint()
        number, kind = key >> 3, key & 7
        if kind == 0:
            out.append((number, varint()))
        elif kind == 1:
            out.append((number, struct.unpack("<d", message[pos : pos + 8])[0]))
            pos += 8
        elif kind == 5:
            out.append((number, struct.unpack("<f", message[pos : pos + 4])[0]))
            pos += 4
        else:
            assert kind == 2, f"unexpected wire type {kind}"
            length = varint()
            out.append((number, message[pos : pos + length]))
            pos += length
    return out


def events(folder: Path) -> list[dict]:
    """Each Event of the single events file in `folder` as a dict."""
    (path,) = folder.iterdir()
    out = []
    for record in records(path):
        event = dict(fields(record))
        if 5 in event:
            (value,) = [v for n, v in fields(event[5]) if n == 1]
            event["value"] = dict(fields(value))
        out.append(event)
    return out


def scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    found: dict[str, list[tuple[int, float]]] = {}
    for event in events(folder):
        value = event.get("value", {})
        if 2 in value:  # simple_value
            found.setdefault(value[1].decode(), []).append((event[2], value[2]))
    return found


# ----- the tests -----
def make_model():
    utils.set_random_seed(0)
    model = models.Sequential(
        [layers.Dense(4, activation="relu", input_shape=(3,)), layers.Dense(1, "sigmoid")]
    )
    model.compile(optimizers.SGD(learning_rate=0.1), "binary_crossentropy", ["accuracy"])
    return model


def fit(tmp_path, epochs=3, **kwargs):
    x, y = xy()
    model = make_model()
    history = model.fit(
        x,
        y,
        epochs=epochs,
        batch_size=10,
        verbose=0,
        validation_split=0.25,
        shuffle=False,
        callbacks=[callbacks.TensorBoard(tmp_path / "logs", **kwargs)],
    )
    return model, history.history


def test_crc32c_matches_the_standard_check_value():
    from tensorgrad.callbacks.tensorboard import crc32c

    assert crc32c(b"123456789") == crc32c_bitwise(b"123456789") == 0xE3069283
    data = bytes(range(256)) * 3
    assert crc32c(data) == crc32c_bitwise(data)


def test_tensorboard_writes_epoch_scalars_as_keras_names_them(tmp_path):
    _, history = fit(tmp_path)
    logs = tmp_path / "logs"
    assert sorted(p.name for p in logs.iterdir()) == ["train", "validation"]
    for run in ("train", "validation"):
        (path,) = (logs / run).iterdir()
        host = re.escape(socket.gethostname())
        assert re.fullmatch(rf"events\.out\.tfevents\.\d{{10}}\.{host}\.\d+\.\d+\.v2", path.name)
        first = events(logs / run)[0]
        assert first[3] == b"brain.Event:2" and first[2] == 0 and first[1] > 1e9
    train, validation = scalars(logs / "train"), scalars(logs / "validation")
    assert sorted(train) == ["epoch_accuracy", "epoch_learning_rate", "epoch_loss"]
    for name in ("loss", "accuracy"):
        steps, values = zip(*train[f"epoch_{name}"])
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history[name], rtol=1e-6)
        steps, values = zip(*validation[f"epoch_{name}"])
        assert steps == (0, 1, 2)
        np.testing.assert_allclose(values, history[f"val_{name}"], rtol=1e-6)
        # each validation also writes its results against the optimizer's step (3 per epoch)
        steps, values = zip(*validation[f"evaluation_{name}_vs_iterations"])
        assert steps == (3, 6, 9)
        np.testing.assert_allclose(values, history[f"val_{name}"], rtol=1e-6)
    assert train["epoch_learning_rate"] == [(epoch, pytest.approx(0.1)) for epoch in range(3)]


def test_tensorboard_writes_the_model_for_the_graph_page(tmp_path):
    fit(tmp_path, epochs=1)
    graph = [
        e for e in events(tmp_path / "logs" / "train") if e.get("value", {}).get(1) == b"keras"
    ]
    (event,) = graph
    value = event["value"]
    metadata = dict(fields(dict(fields(value[9]))[1]))  # SummaryMetadata.plugin_data
    assert metadata == {1: b"graph_keras_model", 2: b"1"}
    tensor = dict(fields(value[8]))
    assert tensor[1] == 7  # DT_STRING
    assert json.loads(tensor[8])["class_name"] == "Sequential"
    fit(tmp_path / "nograph", epochs=1, write_graph=False)
    assert "keras" not in scalars(tmp_path / "nograph" / "logs" / "train")
    assert all(
        e.get("value", {}).get(1) != b"keras"
        for e in events(tmp_path / "nograph" / "logs" / "train")
    )


@pytest.mark.parametrize("update_freq, steps", [("batch", list(range(1, 10))), (2, [2, 4, 6, 8])])
def test_tensorboard_writes_batch_scalars(tmp_path, update_freq, steps):
    fit(tmp_path, update_freq=update_freq)
    train = scalars(tmp_path / "logs" / "train")
    assert [step for step, _ in train["batch_loss"]] == steps
    assert [step for step, _ in train["batch_accuracy"]] == steps
    assert "batch_loss" not in scalars(tmp_path / "logs" / "validation")


def test_tensorboard_writes_no_batch_scalars_by_default(tmp_path):
    fit(tmp_path, epochs=1)
    assert not [tag for tag in scalars(tmp_path / "logs" / "train") if tag.startswith("batch_")]


def test_tensorboard_writes_weight_histograms(tmp_path):
    model, _ = fit(tmp_path, histogram_freq=2)
    histograms = {}
    for event in events(tmp_path / "logs" / "train"):
        if 5 in event.get("value", {}):
            histograms.setdefault(event["value"][1].decode(), []).append(
                (event[2], event["value"][5])
            )
    assert sorted(histograms) == sorted(f"{w.name}/histogram" for w in model.weights)
    for weight in model.weights:
        steps = [step for step, _ in histograms[f"{weight.name}/histogram"]]
        assert steps == [0, 2]
        proto = fields(histograms[f"{weight.name}/histogram"][-1][1])
        values = dict(proto)
        w = weight.data.astype(np.float64)
        assert values[1] == pytest.approx(w.min()) and values[2] == pytest.approx(w.max())
        assert values[3] == w.size and values[4] == pytest.approx(w.sum())
        counts = np.frombuffer(values[7], "<f8")
        limits = np.frombuffer(values[6], "<f8")
        assert counts.sum() == w.size and len(counts) == len(limits)
        assert limits[-1] == pytest.approx(w.max())


def test_tensorboard_files_read_by_tensorboard(tmp_path):
    event_accumulator = pytest.importorskip(
        "tensorboard.backend.event_processing.event_accumulator"
    )
    model, history = fit(tmp_path, histogram_freq=1, update_freq=3)
    guidance = {"scalars": 0, "histograms": 0, "tensors": 0}
    train = event_accumulator.EventAccumulator(str(tmp_path / "logs" / "train"), guidance)
    train.Reload()
    tags = train.Tags()
    assert sorted(tags["scalars"]) == [
        "batch_accuracy",
        "batch_loss",
        "epoch_accuracy",
        "epoch_learning_rate",
        "epoch_loss",
    ]
    assert [e.step for e in train.Scalars("batch_loss")] == [3, 6, 9]
    np.testing.assert_allclose(
        [e.value for e in train.Scalars("epoch_loss")], history["loss"], rtol=1e-6
    )
    assert tags["histograms"] == [f"{w.name}/histogram" for w in model.weights]
    kernel = train.Histograms(f"{model.weights[0].name}/histogram")
    assert [h.step for h in kernel] == [0, 1, 2]
    assert kernel[-1].histogram_value.num == 12
    assert kernel[-1].histogram_value.max == pytest.approx(model.weights[0].data.max())
    assert tags["tensors"] == ["keras"]
    validation = event_accumulator.EventAccumulator(str(tmp_path / "logs" / "validation"), guidance)
    validation.Reload()
    np.testing.assert_allclose(
        [e.value for e in validation.Scalars("epoch_accuracy")], history["val_accuracy"], rtol=1e-6
    )


def test_tensorboard_starts_new_files_for_each_fit_and_evaluate(tmp_path):
    x, y = xy()
    model = make_model()
    board = callbacks.TensorBoard(tmp_path, write_graph=False)
    for _ in range(2):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[board])
    model.evaluate(x, y, verbose=0, callbacks=[board])
    assert len(list((tmp_path / "train").iterdir())) == 2
    found = scalars(tmp_path / "validation")  # evaluate alone writes (and closes) this file
    assert sorted(found) == ["evaluation_accuracy_vs_iterations", "evaluation_loss_vs_iterations"]
    assert [step for step, _ in found["evaluation_loss_vs_iterations"]] == [4]  # 2 fits x 2 steps
    assert board._writers == {}


def test_tensorboard_rejects_what_it_cannot_write():
    for kwargs in [
        {"write_images": True},
        {"embeddings_freq": 1},
        {"embeddings_metadata": "m.tsv"},
    ]:
        name = next(iter(kwargs))
        with pytest.raises(NotImplementedError, match=name):
            callbacks.TensorBoard(**kwargs)
    with pytest.raises(ValueError, match="profile_batch"):
        callbacks.TensorBoard(profile_batch=2)
    for bad in (0, "step", 1.5):
        with pytest.raises(ValueError, match="update_freq"):
            callbacks.TensorBoard(update_freq=bad)


def test_tensorboard_writes_steps_per_second(tmp_path):
    fit(tmp_path, epochs=2, update_freq="batch", write_steps_per_second=True)
    train = scalars(tmp_path / "logs" / "train")
    assert [step for step, _ in train["epoch_steps_per_second"]] == [0, 1]
    assert [step for step, _ in train["batch_steps_per_second"]] == list(range(1, 7))
    assert all(value > 0 for _, value in train["epoch_steps_per_second"])


def test_tensorboard_graph_page_reads_the_model(tmp_path):
    """TensorBoard's graph page turns the written config into the layers' graph."""
    keras_util = pytest.importorskip("tensorboard.plugins.graph.keras_util")
    inputs = layers.Input((3,))
    hidden = layers.Dense(4, name="hidden")(inputs)
    functional = models.Model(
        inputs, [layers.Dense(1, name="a")(hidden), layers.Dense(2, name="b")(hidden)]
    )
    sequential = make_model()
    for model in (sequential, functional):
        board = callbacks.TensorBoard(tmp_path / model.name)
        board.set_model(model)
        board.on_train_end()
        (event,) = [e for e in events(tmp_path / model.name / "train") if "value" in e]
        config = json.loads(dict(fields(event["value"][8]))[8])
        graph = keras_util.keras_model_to_graph_def(config)
        names = [layer.name for layer in model.layers]
        assert [node.name.split("/")[-1] for node in graph.node][-len(names) :] == names
    inputs_of = {n.name.split("/")[-1]: [i.split("/")[-1] for i in n.input] for n in graph.node}
    assert inputs_of["a"] == inputs_of["b"] == ["hidden"]
