"""What the app shows of a reading, as plain data: the line under a click, and lines as Markdown
with each word's confidence and the correction's changes marked. No Streamlit here."""

from __future__ import annotations

import difflib
import re

from htr_core.types import LineResult, PageResult

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$<>])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def line_at(page: PageResult, x: float, y: float, slack: int = 4) -> int | None:
    """Index of the line whose box holds (x, y) in page pixels (the smallest of nested boxes), or
    of the nearest line within ``slack`` pixels; None when the point is on no line."""
    best, best_key = None, None
    for index, line in enumerate(page.lines):
        box = line.box
        dx = max(box.x0 - x, 0, x - box.x1)
        dy = max(box.y0 - y, 0, y - box.y1)
        distance = max(dx, dy)
        if distance > slack:
            continue
        key = (distance, (box.x1 - box.x0) * (box.y1 - box.y0))
        if best_key is None or key < best_key:
            best, best_key = index, key
    return best


def raw_markdown(line: LineResult, low_confidence: float) -> str:
    """The raw reading, the words read below ``low_confidence`` in red."""
    if not line.words:
        return escape_markdown(line.raw_text)
    marked = []
    for word in line.words:
        text = escape_markdown(word.text)
        marked.append(f":red[{text}]" if word.confidence < low_confidence else text)
    return " ".join(marked)


def changed_words(raw: str, corrected: str) -> list[bool]:
    """For each word of ``corrected``, whether the correction changed or added it."""
    before, after = raw.split(), corrected.split()
    changed = [True] * len(after)
    for block in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_matching_blocks():
        for offset in range(block.size):
            changed[block.b + offset] = False
    return changed


def corrected_markdown(line: LineResult, corrected: str | None = None) -> str:
    """The corrected reading (or an edit of it), words the correction changed highlighted."""
    corrected = line.text if corrected is None else corrected
    words = corrected.split()
    return " ".join(f":blue-background[{escape_markdown(word)}]" if changed else escape_markdown(word)
                    for word, changed in zip(words, changed_words(line.raw_text, corrected)))
