"""Phone photos of handwritten copies of a printed paragraph (``refs.jsonl`` + ``pages/``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class CabuyaoPage:
    page: str  # file name under pages/
    crop: tuple[int, int, int | None, int]  # x0, y0, x1 (None = page width), y1: the handwritten region
    reference: str  # the printed paragraph the writer copied

    def cut(self, grey: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.crop
        return grey[y0:y1, x0:(x1 if x1 is not None else grey.shape[1])]


def load_cabuyao(data_dir: Path, limit: int | None = None) -> list[CabuyaoPage]:
    index = Path(data_dir) / "refs.jsonl"
    if not index.exists():
        raise FileNotFoundError(f"{index} not found")
    pages = []
    for raw in index.read_text(encoding="utf-8").splitlines():
        if raw.strip():
            item = json.loads(raw)
            pages.append(CabuyaoPage(item["page"], tuple(item["crop"]), item["reference"]))
    return pages[:limit] if limit else pages
