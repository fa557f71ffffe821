"""text_dataset_from_directory on generated review folders: Keras' file order and split,
label modes, max_length, map, adapt on a dataset, and the book's IMDB pipeline end to end."""

from __future__ import annotations

import numpy as np
import pytest

import tensorgrad as keras
from tensorgrad import layers, utils
from tensorgrad.utils.text_dataset import TextDataset

WORDS = ["movie", "plot", "actor", "scene", "story"]


@pytest.fixture(scope="module")
def reviews(tmp_path_factory):
    """aclImdb-like folders: train/neg and train/pos, 60 reviews each, the label planted."""
    root = tmp_path_factory.mktemp("reviews")
    rng = np.random.default_rng(0)
    for label, word in (("neg", "awful"), ("pos", "excellent")):
        (root / "train" / label).mkdir(parents=True)
        for i in range(60):
            text = " ".join(rng.choice(WORDS, 6)) + f" {word}"
            (root / "train" / label / f"{i}_{label}.txt").write_text(text, encoding="utf-8")
    (root / "train" / "pos" / "notes.md").write_text("not a review")  # not .txt: ignored
    return root / "train"


def test_files_labels_and_batches_in_keras_order(reviews, capsys):
    keras_utils = pytest.importorskip("keras.src.utils.dataset_utils")
    ds = utils.text_dataset_from_directory(reviews, batch_size=16, seed=3)
    assert "Found 120 files belonging to 2 classes." in capsys.readouterr().out
    assert isinstance(ds, TextDataset) and ds.class_names == ["neg", "pos"] and len(ds) == 8
    paths, labels, _ = keras_utils.index_directory(
        str(reviews), "inferred", formats=(".txt",), shuffle=True, seed=3, verbose=False
    )
    assert ds.file_paths == paths
    np.testing.assert_array_equal(ds.labels, labels)
    texts, y = ds[0]
    assert texts.shape == (16,) and y.dtype == np.int32 and y.shape == (16,)
    with open(paths[0], encoding="utf-8") as file:
        assert texts[0] == file.read()
    assert all(t.endswith("excellent") == bool(label) for t, label in zip(texts, y))
    assert ds[7][0].shape == (8,)  # the last, partial batch


def test_validation_split_label_modes_and_max_length(reviews):
    train, val = utils.text_dataset_from_directory(
        reviews, validation_split=0.25, subset="both", seed=7, verbose=False
    )
    assert len(train.file_paths) == 90 and len(val.file_paths) == 30
    assert not set(train.file_paths) & set(val.file_paths)
    only_val = utils.text_dataset_from_directory(
        reviews, validation_split=0.25, subset="validation", seed=7, verbose=False
    )
    assert only_val.file_paths == val.file_paths
    before = train[0][1].tolist()
    train.on_epoch_end()
    assert train[0][1].tolist() != before  # the training part is reshuffled each epoch
    binary = utils.text_dataset_from_directory(reviews, label_mode="binary", verbose=False)
    assert binary[0][1].shape == (32, 1) and binary[0][1].dtype == np.float32
    onehot = utils.text_dataset_from_directory(reviews, label_mode="categorical", verbose=False)
    assert onehot[0][1].shape == (32, 2)
    texts_only = utils.text_dataset_from_directory(
        reviews, labels=None, max_length=5, shuffle=False, verbose=False
    )
    assert isinstance(texts_only[0], np.ndarray) and all(len(t) <= 5 for t in texts_only[0])


def test_the_book_pipeline_vectorizes_through_map_and_trains(reviews):
    keras.utils.set_random_seed(0)
    train_ds, val_ds = utils.text_dataset_from_directory(
        reviews, batch_size=16, validation_split=0.2, subset="both", seed=1337, verbose=False
    )
    text_vectorization = layers.TextVectorization(max_tokens=100, output_mode="multi_hot")
    text_vectorization.adapt(train_ds.map(lambda x, y: x))
    assert set(text_vectorization.get_vocabulary()) == {"[UNK]", "awful", "excellent", *WORDS}
    binary_train = train_ds.map(lambda x, y: (text_vectorization(x), y), num_parallel_calls=4)
    binary_val = val_ds.map(lambda x, y: (text_vectorization(x), y))
    assert binary_train.class_names == ["neg", "pos"] and len(binary_train) == len(train_ds)
    model = keras.Sequential(
        [layers.Dense(16, activation="relu"), layers.Dense(1, activation="sigmoid")]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy", metrics=["accuracy"]
    )
    history = model.fit(binary_train, validation_data=binary_val, epochs=8, verbose=0)
    assert history.history["val_accuracy"][-1] == 1.0


def test_bad_arguments_and_folders(reviews, tmp_path):
    with pytest.raises(ValueError, match="text_dataset_from_directory: label_mode must be one of"):
        utils.text_dataset_from_directory(reviews, label_mode="sparse")
    with pytest.raises(ValueError, match="give a seed"):
        utils.text_dataset_from_directory(reviews, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="max_length must be a positive integer"):
        utils.text_dataset_from_directory(reviews, max_length=0)
    (tmp_path / "loose.txt").write_text("a review")
    with pytest.raises(ValueError, match=r"has no class subfolders \(it holds 1 text files"):
        utils.text_dataset_from_directory(tmp_path)
    with pytest.raises(TypeError, match="map: expected a function"):
        utils.text_dataset_from_directory(reviews, verbose=False).map("lowercase")
