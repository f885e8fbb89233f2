"""Text lines simulated by pasting the words of one real line side by side with random gaps."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np

from htr_core.data.dataset import Sample
from htr_core.imageio import read_image


def paste_words(words: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    """Grey word crops -> one grey line image (dark ink on white), words vertically centred."""
    if not words:
        raise ValueError("no words to paste")
    height = max(w.shape[0] for w in words)
    median_h = float(np.median([w.shape[0] for w in words]))
    gaps = [int(rng.uniform(0.25, 0.9) * median_h) for _ in words[1:]]
    width = sum(w.shape[1] for w in words) + sum(gaps)
    jitter = max(1, int(0.08 * median_h))
    canvas = np.full((height + 2 * jitter, width), 255, dtype=np.uint8)
    x = 0
    for i, word in enumerate(words):
        top = (height - word.shape[0]) // 2 + jitter + int(rng.integers(-jitter, jitter + 1))
        region = canvas[top : top + word.shape[0], x : x + word.shape[1]]
        np.minimum(region, word, out=region)
        x += word.shape[1] + (gaps[i] if i < len(gaps) else 0)
    return canvas


class SimulatedLineDataset:
    """One item per real line (words grouped by ``Sample.group``), re-pasted on every access.

    Long lines are split into chunks of at most ``max_words`` words so they fit the model's box.
    """

    def __init__(self, words: Sequence[Sample], max_words: int = 8, seed: int = 0):
        by_line: dict[str, list[Sample]] = defaultdict(list)
        for sample in words:
            by_line[sample.group].append(sample)
        self.lines: list[list[Sample]] = []
        for group in sorted(by_line):
            ordered = sorted(by_line[group], key=lambda s: s.key)
            for start in range(0, len(ordered), max_words):
                self.lines.append(ordered[start : start + max_words])
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        words = self.lines[index]
        images = [read_image(s.path, max_side=None) for s in words]
        return paste_words(images, self.rng), " ".join(s.text for s in words)

