"""Text lines simulated by pasting the words of one real line side by side with random gaps."""

from __future__ import annotations

from collections import defaultdict
from typing import Sequence

import numpy as np

from htr_core.data.dataset import Sample
from htr_core.io.images import read_image
from htr_core.language.spacing import join_tokens, joins

LOW_MARKS = (",", ".")  # sit on the baseline, not across the middle of the line


def paste_words(words: Sequence[np.ndarray], rng: np.random.Generator, texts: Sequence[str] = ()) -> np.ndarray:
    """Grey word crops -> one grey line image (dark ink on white), words vertically centred.

    With the words' ``texts``, punctuation is written as people write it: against its word
    (``spacing.joins``, as the label ``join_tokens`` gives) and commas and full stops low.
    """
    if not words:
        raise ValueError("no words to paste")
    height = max(w.shape[0] for w in words)
    median_h = float(np.median([w.shape[0] for w in words]))
    attached = [bool(texts) and joins(texts[i - 1], texts[i]) for i in range(1, len(words))]
    gaps = [int(rng.uniform(*(0.0, 0.1) if joined else (0.25, 0.9)) * median_h) for joined in attached]
    width = sum(w.shape[1] for w in words) + sum(gaps)
    jitter = max(1, int(0.08 * median_h))
    canvas = np.full((height + 2 * jitter, width), 255, dtype=np.uint8)
    x = 0
    for i, word in enumerate(words):
        top = (height - word.shape[0]) // 2 + jitter + int(rng.integers(-jitter, jitter + 1))
        if texts and texts[i] in LOW_MARKS:
            # The bottom of a median-height word is about the baseline.
            baseline = (height + median_h) / 2 + jitter
            top = int(np.clip(baseline - word.shape[0] - rng.uniform(-0.05, 0.1) * median_h, 0,
                              height + 2 * jitter - word.shape[0]))
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
        texts = [s.text for s in words]
        return paste_words(images, self.rng, texts), join_tokens(texts)

