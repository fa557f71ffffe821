"""image_dataset_from_directory on generated PNG folders: Keras' file order, shuffle and
split, label modes, resizing, the bad inputs, and training a model through it with
augmentation."""

from __future__ import annotations

import os

import numpy as np
import pytest

from tensorgrad import layers, utils
from tensorgrad.models.sequential import Sequential
from tensorgrad.utils import image_dataset_from_directory
from tensorgrad.utils.image_dataset import ImageDataset

pytest.importorskip("PIL")


def _paths(png_folder) -> list[str]:
    return [
        os.path.join(png_folder, c, f)
        for c in ("horizontal", "vertical")
        for f in sorted(os.listdir(png_folder / c))
    ]


def test_files_labels_and_batches_in_keras_order(png_folder, capsys) -> None:
    ds = image_dataset_from_directory(png_folder, image_size=(12, 14), batch_size=32, shuffle=False)
    assert "Found 300 files belonging to 2 classes." in capsys.readouterr().out
    assert isinstance(ds, ImageDataset) and ds.class_names == ["horizontal", "vertical"]
    assert ds.file_paths == _paths(png_folder) and len(ds) == 10
    x, y = ds[0]
    assert x.shape == (32, 12, 14, 3) and x.dtype == np.float32 and 0 <= x.min() and x.max() <= 255
    assert y.dtype == np.int32 and y.tolist() == [0] * 32
    last_x, last_y = ds[9]
    assert last_x.shape == (12, 12, 14, 3) and last_y.tolist() == [1] * 12
    from PIL import Image

    np.testing.assert_array_equal(x[0], np.asarray(Image.open(ds.file_paths[0]), np.float32))


def test_shuffle_and_validation_split_as_keras(png_folder) -> None:
    train, val = image_dataset_from_directory(
        png_folder, validation_split=0.2, subset="both", seed=5, image_size=(6, 7), verbose=False
    )
    paths = _paths(png_folder)
    labels = np.array([0] * 150 + [1] * 150, np.int32)
    np.random.RandomState(5).shuffle(paths)  # Keras' index_directory
    np.random.RandomState(5).shuffle(labels)
    assert train.file_paths == paths[:240] and val.file_paths == paths[240:]
    np.testing.assert_array_equal(train.labels, labels[:240])
    only_val = image_dataset_from_directory(
        png_folder, validation_split=0.2, subset="validation", seed=5, verbose=False
    )
    assert only_val.file_paths == val.file_paths
    assert not set(train.file_paths) & set(val.file_paths)
    x, _ = train[0]
    assert x.shape == (32, 6, 7, 3)
    before = [train[0][1].tolist(), train[1][1].tolist()]
    train.on_epoch_end()  # a new order of the same files each epoch
    assert [train[0][1].tolist(), train[1][1].tolist()] != before


def test_label_modes_color_modes_and_sizes(png_folder) -> None:
    kwargs = dict(shuffle=False, batch_size=4, verbose=False)
    categorical = image_dataset_from_directory(png_folder, label_mode="categorical", **kwargs)
    assert categorical[0][1].tolist()[0] == [1.0, 0.0] and categorical[0][1].dtype == np.float32
    binary = image_dataset_from_directory(png_folder, label_mode="binary", **kwargs)
    assert binary[74][1].shape == (4, 1) and binary[74][1].tolist() == [[1.0]] * 4
    unlabelled = image_dataset_from_directory(png_folder, label_mode=None, **kwargs)
    assert isinstance(unlabelled[0], np.ndarray) and unlabelled[0].shape == (4, 256, 256, 3)
    gray = image_dataset_from_directory(png_folder, color_mode="grayscale", image_size=8, **kwargs)
    assert gray[0][0].shape == (4, 8, 8, 1)
    cropped = image_dataset_from_directory(
        png_folder, image_size=(5, 5), crop_to_aspect_ratio=True, **kwargs
    )
    padded = image_dataset_from_directory(
        png_folder, image_size=(5, 5), pad_to_aspect_ratio=True, **kwargs
    )
    assert cropped[0][0].shape == padded[0][0].shape == (4, 5, 5, 3)
    square = image_dataset_from_directory(
        png_folder, image_size=(14, 14), pad_to_aspect_ratio=True, **kwargs
    )
    assert square[0][0][:, 0].max() == 0 and square[0][0][:, -1].max() == 0  # zero rows added
    assert square[0][0][:, 1].max() > 0
    chosen = image_dataset_from_directory(png_folder, class_names=["vertical"], **kwargs)
    assert chosen.class_names == ["vertical"] and len(chosen.file_paths) == 150
    single = image_dataset_from_directory(
        png_folder, batch_size=None, shuffle=False, image_size=(3, 3), verbose=False
    )
    assert single[0][0].shape == (3, 3, 3) and single[0][1] == 0


def test_a_folder_without_class_subfolders_is_refused(tmp_path) -> None:
    from PIL import Image

    Image.new("RGB", (4, 4)).save(tmp_path / "loose.png")
    with pytest.raises(ValueError, match=r"has no class subfolders \(it holds 1 images directly\)"):
        image_dataset_from_directory(tmp_path)
    unlabelled = image_dataset_from_directory(tmp_path, labels=None, verbose=False)
    assert unlabelled.file_paths == [str(tmp_path / "loose.png")]
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ValueError, match="no images found"):
        image_dataset_from_directory(tmp_path, verbose=False)


def test_a_non_image_file_is_skipped_with_a_warning_naming_it(png_folder, tmp_path) -> None:
    import shutil

    root = tmp_path / "data"
    shutil.copytree(png_folder, root)
    (root / "vertical" / "broken.png").write_bytes(b"\x89PNG not really")
    (root / "vertical" / "readme.txt").write_text("ignored: not an image extension")
    with pytest.warns(UserWarning, match=r"skipped 1 file\(s\) .*broken.png"):
        ds = image_dataset_from_directory(root, shuffle=False, verbose=False)
    assert len(ds.file_paths) == 300 and not any("broken" in p for p in ds.file_paths)


def test_bad_arguments(png_folder) -> None:
    with pytest.raises(ValueError, match="give a seed"):
        image_dataset_from_directory(png_folder, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="validation_split and subset together"):
        image_dataset_from_directory(png_folder, subset="training", seed=1)
    with pytest.raises(ValueError, match="label_mode must be one of"):
        image_dataset_from_directory(png_folder, label_mode="sparse")
    with pytest.raises(ValueError, match="is not a directory"):
        image_dataset_from_directory(png_folder / "missing")
    with pytest.raises(ValueError, match="class_names"):
        image_dataset_from_directory(png_folder, class_names=["cats"])


def test_a_small_model_learns_the_folder_through_the_pipeline_with_augmentation(png_folder) -> None:
    train, val = image_dataset_from_directory(
        png_folder,
        validation_split=0.2,
        subset="both",
        seed=1,
        image_size=(12, 14),
        batch_size=32,
        label_mode="binary",
        verbose=False,
    )
    utils.set_random_seed(0)
    model = Sequential(
        [
            layers.Rescaling(1 / 255, input_shape=(12, 14, 3)),
            layers.RandomFlip("horizontal"),
            layers.RandomTranslation(0.1, 0.1, fill_mode="wrap"),
            layers.Flatten(),
            layers.Dense(64, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    history = model.fit(train, validation_data=val, epochs=5, verbose=0)
    assert history.history["val_accuracy"][-1] >= 0.9, history.history
    assert model.evaluate(val, verbose=0)[1] == history.history["val_accuracy"][-1]
    assert model.predict(val).shape == (60, 1)
