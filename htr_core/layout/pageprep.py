"""Page-level preprocessing: even out lighting, find the ink, drop ruled lines, measure skew.

Pure numpy/OpenCV. Works on flatbed scans, phone photos with shadows, and canvas drawings.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from htr_core.io.images import convert_in_chunks


def normalize_illumination(grey: np.ndarray) -> np.ndarray:
    """Divide by an estimate of the paper (a max filter that erases ink), so shadows go flat."""
    h, w = grey.shape
    scale = min(1.0, 600 / max(h, w))
    small = cv2.resize(grey, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    kernel = max(3, int(round(min(small.shape) / 25)) | 1)
    paper = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (kernel, kernel)))
    paper = cv2.GaussianBlur(paper, (0, 0), kernel / 2)
    paper = cv2.resize(paper, (w, h), interpolation=cv2.INTER_LINEAR)
    # In row chunks: a large page never has full-size float copies.
    return convert_in_chunks(lambda ink, light: ink / np.maximum(light, 1.0) * 255.0, grey, paper)


@dataclass(frozen=True)
class InkMap:
    """Binary ink (True = ink) of a page after lighting correction and rule removal."""

    ink: np.ndarray
    flat: np.ndarray  # the illumination-normalised grey page


def find_ink(grey: np.ndarray, remove_rules: bool = True, max_threshold: int = 200) -> InkMap:
    """Otsu on the flattened page, capped so paper grain on a blank page never becomes ink."""
    flat = normalize_illumination(grey)
    threshold, _ = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    threshold = min(threshold, max_threshold)
    ink = flat < threshold
    if remove_rules:
        ink &= ~ruled_lines(ink)
    ink = _drop_specks(ink)
    return InkMap(ink=ink, flat=flat)


def ruled_lines(ink: np.ndarray) -> np.ndarray:
    """Long thin horizontal and vertical runs: notebook rules, form boxes, page borders.

    Runs are measured on the ink thickened a pixel across them (a scanned rule wanders), with
    short breaks in horizontal runs bridged (a faint rule thresholds into dashes; not vertical
    ones, or a slanted descender would pass for a margin). A stroke crossing a rule stays.
    """
    h, w = ink.shape
    mask = ink.astype(np.uint8)
    horizontal = _long_runs(cv2.morphologyEx(cv2.dilate(mask, np.ones((3, 1), np.uint8)), cv2.MORPH_CLOSE,
                                             np.ones((1, 9), np.uint8)), (1, max(40, w // 12))) & mask
    vertical = _long_runs(cv2.dilate(mask, np.ones((1, 3), np.uint8)), (max(60, h // 12), 1)) & mask
    crossing = _long_runs(mask, (5, 1)) & ~_long_runs(mask, (5, 25))
    rules = (cv2.dilate(horizontal, np.ones((3, 1), np.uint8)) & ~crossing) | cv2.dilate(vertical, np.ones((3, 3), np.uint8))
    return (rules & mask).astype(bool)


def _long_runs(mask: np.ndarray, kernel: tuple[int, int]) -> np.ndarray:
    """The pixels of ``mask`` (uint8 0/1) covered by a ``kernel``-shaped (rows, columns) block."""
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones(kernel, np.uint8))


def labelled_components(ink: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """8-connected components of ``ink``: (count with the background, labels, stats) as
    ``cv2.connectedComponentsWithStats`` gives them. Labelled in 16 bits unless the labels
    overflow them (OpenCV then raises): it gathers the stats of 16-bit labels much faster."""
    mask = ink.astype(np.uint8)
    try:
        return cv2.connectedComponentsWithStatsWithAlgorithm(mask, 8, cv2.CV_16U, cv2.CCL_DEFAULT)[:3]
    except cv2.error:
        return cv2.connectedComponentsWithStats(mask, connectivity=8)[:3]


def _drop_specks(ink: np.ndarray, min_area: int | None = None) -> np.ndarray:
    count, labels, stats = labelled_components(ink)
    if count <= 1:
        return ink
    if min_area is None:
        min_area = max(3, int(ink.size * 2e-6))
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[labels]


def estimate_skew(ink: np.ndarray, max_degrees: float = 8.0, step: float = 0.25) -> float:
    """Angle (degrees) that makes text rows most sharply separated in the row projection."""
    h, w = ink.shape
    scale = min(1.0, 800 / max(h, w))
    small = cv2.resize(ink.astype(np.uint8) * 255, (max(1, int(w * scale)), max(1, int(h * scale))),
                       interpolation=cv2.INTER_AREA)
    if not small.any():
        return 0.0
    centre = (small.shape[1] / 2, small.shape[0] / 2)
    best_angle, best_score = 0.0, -1.0
    for angle in np.arange(-max_degrees, max_degrees + step / 2, step):
        matrix = cv2.getRotationMatrix2D(centre, float(angle), 1.0)
        rotated = cv2.warpAffine(small, matrix, (small.shape[1], small.shape[0]), flags=cv2.INTER_NEAREST)
        profile = rotated.sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(profile)).sum())
        if score > best_score:
            best_angle, best_score = float(angle), score
    return best_angle


def rotation_matrix(shape: tuple[int, int], degrees: float) -> np.ndarray:
    h, w = shape
    return cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)


def rotate(image: np.ndarray, degrees: float, fill: int = 255) -> np.ndarray:
    """Rotate about the centre keeping the size (small deskew angles lose only corners)."""
    if degrees == 0:
        return image
    matrix = rotation_matrix(image.shape[:2], degrees)
    interpolation = cv2.INTER_NEAREST if image.dtype == bool else cv2.INTER_LINEAR
    source = image.astype(np.uint8) if image.dtype == bool else image
    out = cv2.warpAffine(source, matrix, (image.shape[1], image.shape[0]), flags=interpolation,
                         borderValue=fill if image.dtype != bool else 0)
    return out.astype(bool) if image.dtype == bool else out
