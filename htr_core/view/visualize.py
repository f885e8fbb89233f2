"""Drawing segmentation and readings on the page, for the app (RGB uint8 out)."""

from __future__ import annotations

import cv2
import numpy as np

from htr_core.types import PageResult

LINE_COLOUR = (37, 99, 235)  # blue
WORD_COLOUR = (22, 163, 74)  # green
LOW_CONFIDENCE_COLOUR = (220, 38, 38)  # red
SELECTED_COLOUR = (249, 115, 22)  # orange


def draw_result(grey: np.ndarray, page: PageResult, lines: bool = True, words: bool = True,
                low_confidence: float = 0.5, selected: int | None = None) -> np.ndarray:
    """The page in colour with line boxes (red where the reading is unsure, orange around the
    ``selected`` line) and word boxes."""
    rgb = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)
    thickness = max(1, round(max(grey.shape) / 800))
    for index, line in enumerate(page.lines):
        if words:
            for word in line.words:
                b = word.box
                cv2.rectangle(rgb, (b.x0, b.y0), (b.x1 - 1, b.y1 - 1), WORD_COLOUR, thickness)
        if lines:
            b = line.box
            colour = LOW_CONFIDENCE_COLOUR if line.confidence < low_confidence else LINE_COLOUR
            cv2.rectangle(rgb, (b.x0, b.y0), (b.x1 - 1, b.y1 - 1), colour, thickness + 1)
    if selected is not None and 0 <= selected < len(page.lines):
        b = page.lines[selected].box
        cv2.rectangle(rgb, (b.x0, b.y0), (b.x1 - 1, b.y1 - 1), SELECTED_COLOUR, 3 * thickness + 1)
    return rgb
