"""Page-level ground truth from the Washington word boxes: line boxes and word boxes per page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from htr_core.data.washington import load_washington_words
from htr_core.language.spacing import join_tokens
from htr_core.types import Box


@dataclass(frozen=True)
class PageTruth:
    page: str  # relative path of the page image
    lines: tuple[Box, ...]  # union of each line's word boxes, top to bottom
    words: tuple[Box, ...]
    line_texts: tuple[str, ...]


def washington_pages(data_dir: Path, split: str) -> list[PageTruth]:
    by_page: dict[str, dict[int, list]] = {}
    for word in load_washington_words(data_dir, split):
        by_page.setdefault(word.page, {}).setdefault(word.line, []).append(word)
    pages = []
    for page, lines in sorted(by_page.items()):
        line_boxes, word_boxes, texts = [], [], []
        for number in sorted(lines):
            members = sorted(lines[number], key=lambda w: w.word)
            boxes = [Box.from_list(w.bbox) for w in members]
            union = boxes[0]
            for box in boxes[1:]:
                union = union.union(box)
            line_boxes.append(union)
            word_boxes.extend(boxes)
            texts.append(join_tokens(w.text for w in members))
        pages.append(PageTruth(page, tuple(line_boxes), tuple(word_boxes), tuple(texts)))
    return pages
