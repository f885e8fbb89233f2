"""Phone photos of handwritten copies of a printed paragraph (``refs.jsonl`` + ``pages/``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from htr_core.io.images import MAX_SIDE, limit_size, read_image


@dataclass(frozen=True)
class CabuyaoPage:
    page: str  # file name under pages/
    crop: tuple[int, int, int | None, int]  # x0, y0, x1 (None = page width), y1: the handwritten region
    reference: str  # the printed paragraph the writer copied

    def cut(self, grey: np.ndarray) -> np.ndarray:
        x0, y0, x1, y1 = self.crop
        return grey[y0:y1, x0:(x1 if x1 is not None else grey.shape[1])]

    def as_read(self, data_dir: Path) -> tuple[np.ndarray, float, float]:
        """The photo as the app and `htr read` load it (reduced when large), and the top and
        bottom rows of its handwritten region in that image."""
        full = read_image(Path(data_dir) / "pages" / self.page, max_side=None)
        grey = limit_size(full, MAX_SIDE)
        scale = grey.shape[0] / full.shape[0]
        return grey, self.crop[1] * scale, self.crop[3] * scale


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
