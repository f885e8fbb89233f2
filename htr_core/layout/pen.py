"""Strokes thinned to a share of their line's height.

The app's canvas draws with a pen of fixed width however small a long line is written, so a
drawing's letters can be far thicker for their size than any scan's; their loops close up and
they read worse. Thinning the pen to the share written lines have brings them back
(docs/PIPELINE.md says how the share was chosen).
"""

from __future__ import annotations

import cv2
import numpy as np

MIN_STROKE = 2.0  # pixels a thinned stroke keeps, so thin letters are never erased


def stroke_width(ink: np.ndarray) -> float:
    """Mean width of the strokes of a binary ink mask: twice their area over their outlines' length
    (a stroke of width w and length l has area w*l and an outline about 2*l long)."""
    mask = ink.astype(np.uint8)
    contours, _ = cv2.findContours(mask, cv2.RETR_LIST, cv2.CHAIN_APPROX_NONE)
    outline = sum(cv2.arcLength(contour, True) for contour in contours)
    return 2.0 * float(mask.sum()) / outline if outline else 0.0


def thin_to_share(crop: np.ndarray, ink: np.ndarray, share: float) -> np.ndarray:
    """``crop`` (grey uint8, dark ink) with its strokes thinned to at most ``share`` of the height
    of the rows its ``ink`` mask covers, never below ``MIN_STROKE``; unchanged if thin enough."""
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return crop
    width = stroke_width(ink)
    target = max(share * (rows[-1] - rows[0] + 1), MIN_STROKE)
    radius = int(round((width - target) / 2))
    if radius < 1:
        return crop
    # Light paper grows into the strokes from both sides: a grey dilation thins dark ink.
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    return cv2.dilate(crop, kernel)
