"""Strokes thinned to a share of their line's height (a drawing's fixed-width pen)."""

import cv2
import numpy as np
import pytest

from htr_core.data.iam_ondb import draw_polylines
from htr_core.layout.pen import MIN_STROKE, stroke_width, thin_to_share


def band(width: int, degrees: float) -> np.ndarray:
    """Ink mask of a straight stroke about ``width`` pixels wide and 300 long, at ``degrees``."""
    mask = np.zeros((400, 400), np.uint8)
    corners = cv2.boxPoints(((200, 200), (300, width), degrees))
    cv2.fillPoly(mask, [np.round(corners).astype(np.int32)], 1)
    return mask.astype(bool)


def writing(pen: float) -> np.ndarray:
    """Grey uint8 zigzag writing 40 px tall, drawn as the app's canvas draws (round pen, antialiased)."""
    points = np.array([[20 + 12 * k, 10 if k % 2 else 50] for k in range(30)], np.float64)
    return draw_polylines([points], (400, 60), pen)


@pytest.mark.parametrize("width", [3, 6, 10])
@pytest.mark.parametrize("degrees", [0, 30, 75])
def test_stroke_width_of_a_band_is_its_area_over_its_length(width, degrees):
    mask = band(width, degrees)
    assert stroke_width(mask) == pytest.approx(mask.sum() / 300, rel=0.12)  # pixel outlines run long at a slant


def test_a_thick_pen_is_thinned_to_the_share_of_the_height_and_nothing_is_erased():
    grey = writing(10)
    ink = grey < 128
    height = np.ptp(np.flatnonzero(ink.any(axis=1))) + 1
    thinned = thin_to_share(grey, ink, 0.08)
    assert stroke_width(ink) > 10
    assert stroke_width(thinned < 128) == pytest.approx(0.08 * height, abs=1.5)
    assert ((thinned < 128) <= ink).all()  # ink only taken away, never added
    count = lambda image: cv2.connectedComponents((image < 128).astype(np.uint8))[0]  # noqa: E731
    assert count(thinned) == count(grey)


def test_a_pen_already_thin_enough_and_a_blank_crop_are_left_as_they_are():
    grey = writing(2)
    assert thin_to_share(grey, grey < 128, 0.08) is grey
    blank = np.full((40, 100), 255, np.uint8)
    assert thin_to_share(blank, blank < 128, 0.08) is blank


def test_thinning_stops_at_the_smallest_stroke():
    grey = writing(9)
    thinned = thin_to_share(grey, grey < 128, 0.001)
    assert stroke_width(thinned < 128) >= MIN_STROKE - 0.5
