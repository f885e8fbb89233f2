"""The sheet of paper in a phone photo: found against the darker table or hand around it, and
flattened to an upright rectangle, so its lines run straight however the phone was held."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

log = logging.getLogger(__name__)

FIND_SIDE = 600  # the sheet is looked for on the photo reduced to this longest side
MIN_SHEET_SHARE = 0.2  # a sheet covers at least this share of the photo ...
MAX_SHEET_SHARE = 0.92  # ... and less than this, or the photo already is the sheet (a scan)
MIN_CONTRAST = 40  # grey levels the paper is brighter than what lies around it


@dataclass(frozen=True)
class Sheet:
    """A sheet's corners in the photo (top left, top right, bottom right, bottom left)."""

    corners: np.ndarray  # (4, 2) float32

    @property
    def size(self) -> tuple[int, int]:
        """Width and height of the flattened sheet: its longer opposite sides."""
        tl, tr, br, bl = self.corners
        width = max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl))
        height = max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr))
        return int(round(width)), int(round(height))

    def to_photo(self) -> np.ndarray:
        """The 3x3 homography from the flattened sheet back onto the photo."""
        width, height = self.size
        upright = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
        return cv2.getPerspectiveTransform(upright, self.corners.astype(np.float32))

    def flatten(self, grey: np.ndarray) -> np.ndarray:
        """The sheet cut out of the photo as an upright rectangle."""
        width, height = self.size
        return cv2.warpPerspective(grey, self.to_photo(), (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                   borderMode=cv2.BORDER_REPLICATE)


def _ordered(corners: np.ndarray) -> np.ndarray:
    """Four corners as top left, top right, bottom right, bottom left."""
    by_sum = corners.sum(axis=1)
    by_difference = np.diff(corners, axis=1).ravel()
    return np.float32([corners[np.argmin(by_sum)], corners[np.argmin(by_difference)],
                       corners[np.argmax(by_sum)], corners[np.argmax(by_difference)]])


def _sides_on_the_edge(corners: np.ndarray, shape: tuple[int, int]) -> int:
    """How many of the quadrilateral's sides run along the image's border."""
    height, width = shape
    margin = 0.02 * max(shape)
    near = [corners[:, 1] <= margin, corners[:, 0] >= width - 1 - margin,
            corners[:, 1] >= height - 1 - margin, corners[:, 0] <= margin]  # top, right, bottom, left
    sides = [(0, 1), (1, 2), (2, 3), (3, 0)]  # top, right, bottom, left, by corner
    return sum(bool(near[k][a] and near[k][b]) for k, (a, b) in enumerate(sides))


def find_sheet(grey: np.ndarray) -> Sheet | None:
    """The photographed sheet: the largest bright four-cornered region with a clearly darker
    border around it. None for a scan, a drawing or a photo filled by the page."""
    scale = min(1.0, FIND_SIDE / max(grey.shape))
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    # Close the writing's gaps so the sheet is one region; its outline is then the page edge.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, small.shape[1] // 40),) * 2)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, kernel)
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    share = cv2.contourArea(outline) / small.size
    if not MIN_SHEET_SHARE <= share <= MAX_SHEET_SHARE:
        return None
    quad = cv2.approxPolyDP(cv2.convexHull(outline), 0.02 * cv2.arcLength(outline, True), True)
    if len(quad) != 4:
        return None
    corners = _ordered(quad.reshape(-1, 2).astype(np.float32))
    if _sides_on_the_edge(corners, small.shape) > 1:
        return None  # a shadow's edge, not a sheet's: a sheet shows at least three of its sides
    inside = np.zeros(small.shape, np.uint8)
    cv2.fillConvexPoly(inside, quad.reshape(-1, 2), 1)
    if small[inside > 0].mean() - small[inside == 0].mean() < MIN_CONTRAST:
        return None
    corners /= scale
    log.debug("sheet found at %s (%.0f%% of the photo)", corners.round().tolist(), 100 * share)
    return Sheet(corners)
