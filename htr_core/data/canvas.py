"""Pen strokes drawn the way the app's drawing canvas draws them, and the canvas's size.

The app's canvas is white, ``CANVAS_WIDTH`` x ``CANVAS_HEIGHT`` pixels, with a black round pen
``DEFAULT_PEN`` pixels wide; it reports mouse positions in whole pixels. Replaying strokes here
gives benchmarks and tests the drawings a user makes, read through the app's own path.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from htr_core.data.iam_ondb import draw_polylines

CANVAS_WIDTH, CANVAS_HEIGHT = 800, 300
DEFAULT_PEN = 6
CANVAS_MARGIN = 20  # pixels a writer leaves free at the canvas's edges
LINE_HEIGHT = 100  # the tallest a line of writing is drawn (ascenders to descenders), in pixels


def fit_to_canvas(lines: Sequence[Sequence[np.ndarray]], width: int = CANVAS_WIDTH, height: int = CANVAS_HEIGHT,
                  margin: int = CANVAS_MARGIN, line_gap: float = 0.35,
                  line_height: float = LINE_HEIGHT) -> list[np.ndarray]:
    """Lines of strokes (each line's own coordinates, y down) placed one below another and
    scaled together to fit the canvas inside its margin, no line taller than ``line_height``;
    points rounded to whole pixels, as mouse events give them."""
    placed, top, tallest = [], 0.0, 1.0
    for strokes in lines:
        every = np.concatenate(strokes).astype(np.float64)
        low, high = every.min(axis=0), every.max(axis=0)
        for stroke in strokes:
            placed.append(np.asarray(stroke, np.float64) - low + (0.0, top))
        top += (high[1] - low[1]) * (1 + line_gap)
        tallest = max(tallest, float(high[1] - low[1]))
    every = np.concatenate(placed)
    extent = np.maximum(every.max(axis=0), 1.0)
    scale = min((width - 2 * margin) / extent[0], (height - 2 * margin) / extent[1], line_height / tallest)
    offset = np.array([margin, margin], np.float64)
    return [np.round(stroke * scale + offset) for stroke in placed]


def draw_on_canvas(lines: Sequence[Sequence[np.ndarray]], pen: float = DEFAULT_PEN,
                   width: int = CANVAS_WIDTH, height: int = CANVAS_HEIGHT) -> np.ndarray:
    """Grey uint8 image of the canvas after drawing ``lines`` of strokes on it."""
    return draw_polylines(fit_to_canvas(lines, width, height), (width, height), pen)
