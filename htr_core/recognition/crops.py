"""Pure numpy/OpenCV preprocessing of text crops for the recognizer.

The network sees float32 "ink" images: ink 1.0, background 0.0, so zero padding is blank paper.
``to_ink`` normalises contrast, ``fit_to_box`` scales a crop into the model's fixed input box
(keeping aspect ratio, left-aligned like a line of writing) and ``augment_ink`` makes training
crops vary the way real handwriting and scans do. Randomness always comes from an explicit
``np.random.Generator`` so a run can be repeated.
"""

from __future__ import annotations

import cv2
import numpy as np

from htr_core.types import CropGeometry


FLOAT32_EXACT_COUNT = 2 ** 24


def paper_level(grey: np.ndarray, percent: float = 90.0) -> float:
    """``np.percentile(grey.astype(np.float32), percent)``: the grey of the paper. For uint8 crops
    it is read off a histogram (far faster than sorting), with numpy's interpolation."""
    if grey.dtype != np.uint8:
        return float(np.percentile(grey.astype(np.float32), percent))
    if grey.size < FLOAT32_EXACT_COUNT:  # OpenCV's histogram counts in float32: fast, and exact up to here
        counts = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel().astype(np.int64).cumsum()
    else:
        counts = np.bincount(grey.ravel(), minlength=256).cumsum()
    index = (grey.size - 1) * (percent / 100)
    low = int(np.floor(index))
    below, above = (np.float32(np.searchsorted(counts, rank, side="right")) for rank in (low, min(low + 1, grey.size - 1)))
    weight = index - low
    if weight >= 0.5:  # numpy's lerp: from the nearer end
        return float(above - (above - below) * np.float32(1 - weight))
    return float(below + (above - below) * np.float32(weight))


def to_ink(grey: np.ndarray) -> np.ndarray:
    """Grey uint8 (dark ink on light paper) -> float32 ink map in [0, 1], contrast-stretched."""
    if grey.ndim != 2:
        raise ValueError(f"expected a 2-D grey image, got shape {grey.shape}")
    if grey.size == 0:
        raise ValueError("the image is empty")
    return stretched_ink(grey, paper_level(grey), float(grey.min()))


def stretched_ink(grey: np.ndarray, paper: float, ink: float) -> np.ndarray:
    """``to_ink`` of ``grey`` with its paper and ink levels given (a crop's, for a part of it)."""
    values = grey.astype(np.float32)
    if paper - ink < 12.0:  # nothing that looks like ink: a blank crop
        return np.zeros_like(values)
    return np.clip((paper - values) / (paper - ink), 0.0, 1.0)


def ink_bounds(ink: np.ndarray, threshold: float = 0.25, margin: int = 2) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) of the inked area plus a margin; the whole image if blank."""
    rows = np.flatnonzero((ink > threshold).any(axis=1))
    cols = np.flatnonzero((ink > threshold).any(axis=0))
    if rows.size == 0 or cols.size == 0:
        return 0, ink.shape[0], 0, ink.shape[1]
    top, bottom = max(int(rows[0]) - margin, 0), min(int(rows[-1]) + margin + 1, ink.shape[0])
    left, right = max(int(cols[0]) - margin, 0), min(int(cols[-1]) + margin + 1, ink.shape[1])
    return top, bottom, left, right


def crop_to_ink(ink: np.ndarray, threshold: float = 0.25, margin: int = 2) -> np.ndarray:
    """Trim blank borders so the text fills the model's box; a blank image is returned as is."""
    top, bottom, left, right = ink_bounds(ink, threshold, margin)
    return ink[top:bottom, left:right]


def fit_to_box(
    ink: np.ndarray,
    height: int,
    width: int,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Scale ``ink`` to fit (height, width) keeping its aspect ratio and pad with background.

    Without ``rng`` the crop is placed left and vertically centred (what inference does); with
    it the scale and position jitter a little, which training needs.
    """
    h, w = ink.shape
    scale = min(height / h, width / w)
    if rng is not None:
        scale *= rng.uniform(0.75, 1.0)
    new_w = int(np.clip(round(w * scale), 1, width))
    new_h = int(np.clip(round(h * scale), 1, height))
    interpolation = cv2.INTER_AREA if scale < 1.0 else cv2.INTER_LINEAR
    resized = cv2.resize(ink, (new_w, new_h), interpolation=interpolation)
    box = np.zeros((height, width), dtype=np.float32)
    if rng is None:
        top, left = (height - new_h) // 2, 0
    else:
        top = int(rng.integers(0, height - new_h + 1))
        left = int(rng.integers(0, min(width - new_w, 8) + 1))
    box[top : top + new_h, left : left + new_w] = resized
    return box


def augment_ink(ink: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random stroke width, letter width, slant, rotation, elastic warp, blur, contrast and noise."""
    out = _pen_width(ink.astype(np.float32, copy=True), rng)
    # Letter width: hands write narrow or wide, and squeezed lines read far worse (docs/TRAINING.md).
    if rng.random() < 0.5:
        out = stretch_width(out, float(np.exp(rng.uniform(np.log(0.7), np.log(1.4)))))
    out = _slanted(out, rng)
    if rng.random() < 0.4:
        out = _wobbled(out, rng)
    if rng.random() < 0.25:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.4, 1.0))
    # Faded ink, grey paper, sensor noise.
    out = out * rng.uniform(0.6, 1.0)
    if rng.random() < 0.4:
        out = out + rng.uniform(0.0, 0.15)
    if rng.random() < 0.4:
        out = out + rng.normal(0.0, rng.uniform(0.02, 0.08), out.shape).astype(np.float32)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def _pen_width(out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Thicker or thinner pens (thinner only where strokes survive erosion)."""
    roll = rng.random()
    if roll < 0.2:
        return cv2.dilate(out, np.ones((2, 2), np.uint8))
    if roll < 0.35 and min(out.shape) > 20:
        thinner = cv2.erode(out, np.ones((2, 2), np.uint8))
        if thinner.max() > 0.5:
            return thinner
    return out


def _slanted(out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Slant (shear) and a small rotation, applied as one affine map with room to grow."""
    h, w = out.shape
    shear = rng.uniform(-0.45, 0.45) if rng.random() < 0.7 else 0.0
    angle = np.deg2rad(rng.uniform(-3.0, 3.0)) if rng.random() < 0.5 else 0.0
    if not (shear or angle):
        return out
    pad = int(abs(shear) * h) + 2
    cos, sin = np.cos(angle), np.sin(angle)
    matrix = np.array([[cos, -sin + shear, pad], [sin, cos, 0.0]], dtype=np.float32)
    matrix[0, 2] -= shear * h / 2  # keep the crop centred after shearing
    return crop_to_ink(cv2.warpAffine(out, matrix, (w + 2 * pad, h), flags=cv2.INTER_LINEAR, borderValue=0))


def _wobbled(out: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Elastic distortion: smooth random displacement, the wobble of a real hand."""
    hh, ww = out.shape
    alpha = rng.uniform(1.0, 2.5)
    sigma = max(hh, 8) / 4
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, (hh, ww)).astype(np.float32), (0, 0), sigma)
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, (hh, ww)).astype(np.float32), (0, 0), sigma)
    norm = max(float(np.abs(dx).max()), float(np.abs(dy).max()), 1e-6)
    grid_x, grid_y = np.meshgrid(np.arange(ww, dtype=np.float32), np.arange(hh, dtype=np.float32))
    return cv2.remap(out, grid_x + dx / norm * alpha, grid_y + dy / norm * alpha, cv2.INTER_LINEAR, borderValue=0)


def true_runs(mask: np.ndarray) -> np.ndarray:
    """(n, 2) array of [start, end) of every run of True in a 1-D mask."""
    padded = np.concatenate(([0], np.asarray(mask, dtype=np.int8), [0]))
    return np.flatnonzero(np.diff(padded)).reshape(-1, 2)


ROW_SIDE_MARGIN = 0.04  # share of a crop's width on each side left out when finding its rows


def main_text_rows(ink: np.ndarray, threshold: float = 0.25) -> tuple[int, int]:
    """(top, bottom) rows of the crop's main row of writing; the whole crop if it has one row.

    A field cut from a form often holds a printed label or a neighbour's writing too, and a
    recognizer reads one row. Rows of ink between blank rows form bands; the main one is a row of
    text the crop's edges do not cut, else the tallest. Marks too small for a row (i-dots,
    accents) stay with it, unless the crop's edge cuts them.
    """
    inked = ink > threshold
    # Rows are told apart away from the side margins, where furniture running across rows (a
    # form's border, a time stamp printed sideways) would join them into one band.
    margin = int(ink.shape[1] * ROW_SIDE_MARGIN)
    bands = true_runs(inked[:, margin:ink.shape[1] - margin].any(axis=1))  # [start, end) of inked rows
    if len(bands) <= 1:
        return 0, ink.shape[0]
    band_columns = [np.flatnonzero(inked[start:end].any(axis=0)) for start, end in bands]
    heights = [int(end - start) for start, end in bands]
    columns = [len(inked_columns) for inked_columns in band_columns]
    spans = [int(np.ptp(inked_columns)) + 1 for inked_columns in band_columns]
    cut = [start == 0 or end == ink.shape[0] for start, end in bands]

    def is_row(i: int) -> bool:  # wide enough for a row of text, not a mark or a character
        return columns[i] >= 2 * heights[i] and heights[i] >= 0.3 * max(heights)

    rows_of_text = [i for i in range(len(bands)) if is_row(i)]
    if not rows_of_text:  # marks and characters (a colon, a quote): nothing to choose between
        return 0, ink.shape[0]
    main = max(rows_of_text, key=lambda i: (not cut[i], heights[i], columns[i]))

    def is_text(i: int) -> bool:  # a row of text of its own, not the main row's dots or loops
        if columns[i] < 0.25 * columns[main]:
            return False
        if cut[i]:  # however little shows, a neighbouring row spans wide; a descender's loop does not
            return spans[i] >= 0.5 * spans[main] and spans[i] >= 2 * heights[i]
        return heights[i] >= 0.3 * heights[main] and columns[i] >= 2 * heights[i]

    first = main
    while first > 0 and not is_text(first - 1):
        first -= 1
    last = main
    while last < len(bands) - 1 and not is_text(last + 1):
        last += 1
    top = 0 if first == 0 else int(bands[first][0])
    bottom = ink.shape[0] if last == len(bands) - 1 else int(bands[last][1])
    return top, bottom


def trim_to_ink(grey: np.ndarray, one_row: bool = False) -> tuple[np.ndarray, int]:
    """Grey crop -> its ink map trimmed to the writing, and the x in the crop where that starts.

    ``one_row``: keep only the crop's main row of writing (``main_text_rows``), for a reader of
    single words or fields given a crop with other rows of text above or below.
    """
    ink = to_ink(grey)
    if one_row:
        top, bottom = main_text_rows(ink)
        ink = ink[top:bottom]
    top, bottom, left, right = ink_bounds(ink)
    return ink[top:bottom, left:right], left


def stretch_width(ink: np.ndarray, stretch: float) -> np.ndarray:
    """``ink`` made ``stretch`` times as wide (letters spread apart), its height kept."""
    width = max(1, round(ink.shape[1] * stretch))
    return cv2.resize(ink, (width, ink.shape[0]), interpolation=cv2.INTER_LINEAR)


def place_in_box(trimmed: np.ndarray, left: int, height: int, width: int,
                 stretch: float = 1.0) -> tuple[np.ndarray, CropGeometry]:
    """Trimmed ink (from ``trim_to_ink``) -> model input box (height, width) and its geometry;
    ``stretch`` widens the ink first (the geometry still maps model columns onto the crop)."""
    original_width = trimmed.shape[1]
    if stretch != 1.0:
        trimmed = stretch_width(trimmed, stretch)
    scale = min(height / trimmed.shape[0], width / trimmed.shape[1])
    return fit_to_box(trimmed, height, width), CropGeometry(left, scale * trimmed.shape[1] / original_width)


def prepare_crop(grey: np.ndarray, height: int, width: int) -> tuple[np.ndarray, CropGeometry]:
    """Inference path: grey crop -> model input box (height, width) float32, and its geometry."""
    return place_in_box(*trim_to_ink(grey), height, width)
