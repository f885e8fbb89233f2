"""Copiste d'un jour (BAnQ): text lines cut from scanned ruled pages by their polygons.

``lines.jsonl`` gives each line's page, reading order, text, box, baseline and polygon, and a
``train`` / ``dev`` split (by text, so by writer). A line crop is its box with everything outside
its polygon painted paper, so the neighbouring lines' ascenders and descenders are not read.
Crossed-out (``>words<``) and unreadable (``><``) text is marked in the transcriptions: such lines
are left out, since what the image shows there is not what the label says.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from htr_core.charset import normalise_text
from htr_core.data.dataset import ArrayDataset
from htr_core.io.images import read_image

LINES_FILE = "lines.jsonl"
SPLITS = ("train", "dev")
STRUCK_MARKS = "<>"


@dataclass(frozen=True)
class CopisteLine:
    page: str  # path relative to the data folder
    line: int
    text: str
    box: tuple[int, int, int, int]
    baseline: tuple[tuple[int, int], ...]
    polygon: tuple[tuple[int, int], ...]
    split: str


def load_copiste_lines(data_dir: Path, split: str | None = None, readable_only: bool = True) -> list[CopisteLine]:
    """The lines of ``split`` (all when None) in page and reading order."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown Copiste split {split!r}; choose one of {', '.join(SPLITS)}")
    lines = []
    for raw in (Path(data_dir) / LINES_FILE).read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        record = json.loads(raw)
        if split is not None and record["split"] != split:
            continue
        text = normalise_text(record["text"]).strip()
        if readable_only and (not text or any(mark in text for mark in STRUCK_MARKS)):
            continue
        lines.append(CopisteLine(record["page"], int(record["line"]), text, tuple(record["box"]),
                                 tuple(map(tuple, record["baseline"])), tuple(map(tuple, record["polygon"])),
                                 record["split"]))
    lines.sort(key=lambda line: (line.page, line.line))
    return lines


def is_holdout_page(page: str, every: int = 16) -> bool:
    """A stable 1-in-``every`` choice of pages (a page is one writer's), for model selection."""
    return zlib.crc32(page.encode("utf-8")) % every == 0


def cut_line(page: np.ndarray, line: CopisteLine, pad: int = 4) -> np.ndarray:
    """The line's box (``pad`` pixels wider) with the page outside its polygon painted paper."""
    x0, y0, x1, y1 = line.box
    x0, y0 = max(x0 - pad, 0), max(y0 - pad, 0)
    x1, y1 = min(x1 + pad, page.shape[1]), min(y1 + pad, page.shape[0])
    crop = page[y0:y1, x0:x1]
    mask = np.zeros(crop.shape, dtype=np.uint8)
    polygon = np.array(line.polygon, dtype=np.int32).reshape(-1, 1, 2) - (x0, y0)
    cv2.fillPoly(mask, [polygon], 255)
    mask = cv2.dilate(mask, np.ones((2 * pad + 1, 2 * pad + 1), np.uint8))
    paper = int(np.percentile(crop, 90)) if crop.size else 255
    return np.where(mask > 0, crop, paper).astype(np.uint8)


@dataclass(frozen=True)
class CopistePage:
    """One page's ground truth: its lines (all of them, struck ones too) in reading order."""

    page: str
    lines: tuple[CopisteLine, ...]

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


def copiste_pages(data_dir: Path, split: str) -> list[CopistePage]:
    """The pages of ``split`` with every transcribed line, for segmentation and page reading."""
    by_page: dict[str, list[CopisteLine]] = {}
    for line in load_copiste_lines(data_dir, split, readable_only=False):
        by_page.setdefault(line.page, []).append(line)
    return [CopistePage(page, tuple(lines)) for page, lines in sorted(by_page.items())]


def copiste_line_crops(data_dir: Path, lines: list[CopisteLine]) -> ArrayDataset:
    """Every line cut from its page (each page read once)."""
    images, texts, pages = [], [], {}
    for line in lines:
        if line.page not in pages:
            pages = {line.page: read_image(Path(data_dir) / line.page, max_side=None)}
        images.append(cut_line(pages[line.page], line))
        texts.append(line.text)
    return ArrayDataset(images, texts)
