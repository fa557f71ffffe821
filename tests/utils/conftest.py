"""A generated folder of small PNG images in two classes, as the book's cats-vs-dogs layout:
`root/<class>/<file>.png`. Class "horizontal" holds horizontal stripes, class "vertical"
vertical ones, at random phases and colours, so a small model can tell them apart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def stripes(rng: np.random.Generator, vertical: bool, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    period = int(rng.integers(3, 6))
    phase = int(rng.integers(period))
    axis = np.arange(w if vertical else h)
    line = ((axis + phase) % period < period / 2).astype(np.float32)
    pattern = np.tile(line, (h, 1)) if vertical else np.tile(line[:, None], (1, w))
    colour = rng.uniform(0.5, 1.0, 3)
    image = pattern[:, :, None] * colour * 255 + rng.normal(0, 12, (h, w, 3))
    return np.clip(image, 0, 255).astype(np.uint8)


def write_folder(
    root: Path, per_class: int, size: tuple[int, int] = (12, 14), seed: int = 0
) -> Path:
    from PIL import Image

    rng = np.random.default_rng(seed)
    for name in ("horizontal", "vertical"):
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(per_class):
            Image.fromarray(stripes(rng, name == "vertical", size)).save(folder / f"{i:04d}.png")
    return root


@pytest.fixture(scope="session")
def png_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 PNGs of 12x14 pixels: 150 per class."""
    pytest.importorskip("PIL")
    return write_folder(tmp_path_factory.mktemp("pngs") / "train", per_class=150)
