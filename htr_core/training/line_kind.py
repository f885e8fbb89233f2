"""Training the printed-or-handwritten line classifier (``layout/line_kind.py``) with Keras, and
its export to ONNX: a few convolutions, pooled over the whole window, one logistic output."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
from keras import layers  # noqa: E402

from htr_core.data.dataset import Dataset  # noqa: E402
from htr_core.layout.line_kind import CONFIG_FILE, ONNX_FILE, LineKindConfig, line_windows  # noqa: E402
from htr_core.training.model import convert_to_onnx  # noqa: E402

log = logging.getLogger(__name__)


def build_line_kind_model(config: LineKindConfig, filters: Sequence[int] = (16, 32, 64, 64)) -> keras.Model:
    """(batch, height, width, 1) ink -> (batch, 1) probability of print. Print's evenness (one
    x-height, straight stems, regular spacing) shows in local shapes, so max and mean pooling
    over the window's features are enough."""
    inputs = keras.Input(shape=(config.height, None, 1), name="image")
    x = inputs
    for index, count in enumerate(filters):
        # The first convolution strides: stems and gaps are several pixels wide at this height.
        x = layers.Conv2D(count, 3, strides=2 if index == 0 else 1, padding="same", use_bias=False,
                          name=f"conv{index}")(x)
        x = layers.BatchNormalization(name=f"bn{index}")(x)
        x = layers.ReLU(name=f"relu{index}")(x)
        if 0 < index < len(filters) - 1:
            x = layers.MaxPooling2D(2, name=f"pool{index}")(x)
    pooled = layers.Concatenate(name="pooled")([layers.GlobalMaxPooling2D()(x), layers.GlobalAveragePooling2D()(x)])
    output = layers.Dense(1, activation="sigmoid", name="printed")(pooled)
    return keras.Model(inputs, output, name="line_kind")


def window_set(datasets: Sequence[Dataset], count: int, config: LineKindConfig,
               rng: np.random.Generator) -> np.ndarray:
    """``count`` windows (uint8 ink, 255 = ink), drawn evenly from ``datasets``: one random
    window of a random item each."""
    windows = np.zeros((count, config.height, config.width), np.uint8)
    for row in range(count):
        dataset = datasets[row % len(datasets)]
        grey, _ = dataset[int(rng.integers(len(dataset)))]
        options = line_windows(grey, config.height, config.width)
        windows[row] = np.round(options[int(rng.integers(len(options)))] * 255)
    return windows


def train_line_kind(printed: np.ndarray, handwritten: np.ndarray, out_dir: Path, config: LineKindConfig,
                    epochs: int = 6, batch_size: int = 64, seed: int = 0) -> keras.Model:
    """Fit on windows of both classes (from ``window_set``) and save ``model.keras`` in ``out_dir``."""
    keras.utils.set_random_seed(seed)
    images = np.concatenate([printed, handwritten]).astype(np.float32)[..., None] / 255.0
    labels = np.r_[np.ones(len(printed)), np.zeros(len(handwritten))].astype(np.float32)
    order = np.random.default_rng(seed).permutation(len(labels))
    model = build_line_kind_model(config)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(images[order], labels[order], batch_size=batch_size, epochs=epochs, verbose=2)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(out_dir / "model.keras")
    return model


def export_line_kind(model: keras.Model, config: LineKindConfig, out_dir: Path) -> Path:
    """``model.onnx`` (float; it is small) and ``config.json`` in ``out_dir``."""
    path = convert_to_onnx(model, config.height, "printed", Path(out_dir) / ONNX_FILE)
    (Path(out_dir) / CONFIG_FILE).write_text(json.dumps(asdict(config), indent=2) + "\n")
    log.info("exported %s", path)
    return path
