"""George Washington letters: word boxes on page scans (``words_*.jsonl`` + ``pages/``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from htr_core.data.dataset import ArrayDataset
from htr_core.io.images import read_image
from htr_core.language.spacing import join_tokens


@dataclass(frozen=True)
class WashingtonWord:
    page: str
    line: int
    word: int
    text: str
    bbox: tuple[int, int, int, int]


def load_washington_words(data_dir: Path, split: str) -> list[WashingtonWord]:
    path = Path(data_dir) / f"words_{split}.jsonl"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found")
    words = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            item = json.loads(raw)
            words.append(
                WashingtonWord(item["page"], int(item["line"]), int(item["word"]), item["text"],
                               tuple(int(v) for v in item["bbox"]))
            )
    return words


def washington_word_crops(data_dir: Path, split: str) -> ArrayDataset:
    """Each word box cut from its page scan, as a grey crop with its transcription."""
    words = load_washington_words(data_dir, split)
    pages: dict[str, np.ndarray] = {}
    images, texts = [], []
    for word in words:
        if word.page not in pages:
            pages[word.page] = read_image(Path(data_dir) / word.page, max_side=None)
        x0, y0, x1, y1 = word.bbox
        images.append(pages[word.page][y0:y1, x0:x1].copy())
        texts.append(word.text)
    return ArrayDataset(images, texts)


def washington_line_crops(data_dir: Path, split: str, pad: int = 8) -> ArrayDataset:
    """Each text line cut from its page: the union of the line's word boxes, words joined by spaces."""
    words = load_washington_words(data_dir, split)
    lines: dict[tuple[str, int], list[WashingtonWord]] = {}
    for word in words:
        lines.setdefault((word.page, word.line), []).append(word)
    pages: dict[str, np.ndarray] = {}
    images, texts = [], []
    for (page, _), members in sorted(lines.items()):
        if page not in pages:
            pages[page] = read_image(Path(data_dir) / page, max_side=None)
        grey = pages[page]
        members.sort(key=lambda w: w.word)
        x0 = max(min(w.bbox[0] for w in members) - pad, 0)
        y0 = max(min(w.bbox[1] for w in members) - pad, 0)
        x1 = min(max(w.bbox[2] for w in members) + pad, grey.shape[1])
        y1 = min(max(w.bbox[3] for w in members) + pad, grey.shape[0])
        images.append(grey[y0:y1, x0:x1].copy())
        texts.append(join_tokens(w.text for w in members))
    return ArrayDataset(images, texts)
