"""Turning (grey image, text) items into padded numpy batches for CTC training."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from htr_core.charset import Charset
from htr_core.data.dataset import Dataset
from htr_core.recognition.crops import augment_ink, crop_to_ink, fit_to_box, to_ink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Batch:
    images: np.ndarray  # (batch, height, width, 1) float32 ink maps
    labels: np.ndarray  # (batch, max_label) int32, padded with the blank index 0
    texts: tuple[str, ...]


def max_label_length(width: int, downsample: int = 4) -> int:
    """CTC needs a time step per character plus one between repeats; keep a safe margin."""
    return width // downsample // 2


def usable_indices(dataset_texts: list[str], charset: Charset, max_length: int) -> np.ndarray:
    """Indices whose label the model can learn; the rest are skipped with one warning each kind."""
    keep, unknown, too_long = [], 0, 0
    for index, text in enumerate(dataset_texts):
        if not text.strip() or charset.unknown_characters(text):
            unknown += 1
        elif len(text) > max_length:
            too_long += 1
        else:
            keep.append(index)
    if unknown:
        log.warning("skipped %d samples with empty labels or characters outside the charset", unknown)
    if too_long:
        log.warning("skipped %d samples with labels longer than %d characters", too_long, max_length)
    return np.array(keep, dtype=np.int64)


def make_batch(
    dataset: Dataset,
    indices: np.ndarray,
    charset: Charset,
    height: int,
    width: int,
    rng: np.random.Generator | None = None,
) -> Batch:
    """Load, (optionally augment) and box each item; ``rng=None`` means no augmentation."""
    images = np.zeros((len(indices), height, width, 1), dtype=np.float32)
    encoded, texts = [], []
    limit = max_label_length(width)
    for row, index in enumerate(indices):
        grey, text = dataset[int(index)]
        if charset.unknown_characters(text) or not text.strip() or len(text) > limit:
            # Pasted or synthetic items are only checked here: such a row becomes blank paper
            # with an empty label, which is a true example too.
            text = ""
        else:
            ink = crop_to_ink(to_ink(grey))
            if rng is not None:
                ink = augment_ink(ink, rng)
            images[row, :, :, 0] = fit_to_box(ink, height, width, rng)
        encoded.append(charset.encode(text))
        texts.append(text)
    # A fixed label width: Keras fixes the batch shapes it sees first, so widths must not vary.
    labels = np.zeros((len(indices), limit), dtype=np.int32)
    for row, codes in enumerate(encoded):
        labels[row, : len(codes)] = codes
    return Batch(images, labels, tuple(texts))
