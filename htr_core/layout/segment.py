"""Page -> text lines -> words, with classical, deterministic image analysis.

Blocks: logos and seals dropped, the ink cut into bands at blank rows and the bands into blocks
side by side at blank gutters. Lines: in each block, the peaks of the deskewed ink's row
profile are the lines, each followed along its own course (``line_tracks``), and the cheapest
paths through the least ink separate neighbours; a component a path cuts goes back whole to its
line unless it reaches two lines' cores.
Words: gaps in a line's column profile wider than a share of its writing height. Boxes are in
the image given and, for crops, in the deskewed page."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Iterator

import cv2
import numpy as np

from htr_core.layout.line_tracks import line_tracks
from htr_core.layout.pageprep import estimate_skew, find_ink, labelled_components, rotate, rotation_matrix
from htr_core.layout.pen import thin_to_share
from htr_core.layout.sheet import Sheet, find_sheet
from htr_core.recognition.crops import ink_bounds, true_runs
from htr_core.types import Box, LineSegment, PageTransform, Segmentation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SegmentationSettings:
    find_sheet: bool = True  # a photographed sheet is cut out and flattened first
    deskew: bool = True
    remove_rules: bool = True  # ruled lines, and strokes as thin and long as rules, are not writing
    line_smoothing: float = 0.35  # Gaussian sigma of the row profile, in writing heights
    min_line_prominence: float = 0.3  # a valley must dip this far below the smaller peak
    word_gap: float = 1.3  # widest gap inside a word, in writing heights
    min_line_ink: float = 0.15  # lines with less ink than this share of the median line are noise
    block_gap: float = 2.5  # blank rows, in writing heights, that separate text blocks
    column_gap: float = 3.0  # blank columns, in writing heights, that separate blocks side by side (0: off)
    # Find lines on the ink with each letter's inside filled (a horizontal closing this many
    # writing heights wide; 0: off). Drawn letters are thin outlines: the rows through an "o" or
    # an "e" hold less ink than their tops and bottoms, and a tall drawn word peaks twice.
    fill_letters: float = 0.0
    # Look again for lines in this share of a block's width on its left, where a paragraph's short
    # last line has as much ink as a full line (0: off).
    short_lines: float = 0.5
    # Follow each line's own course through windows this many writing heights apart, so lines
    # rising at different slopes stay apart (0: each line straight across its block).
    line_windows: float = 8.0
    # Thin each line's strokes to at most this share of its height (0: off): a drawing's pen keeps
    # its width however small a long line is written.
    pen_share: float = 0.0
    # Each line's crop reaches this share of its writing height above and below its ink: the
    # faint ends of strokes, lighter than the page's ink threshold, stay in what is read.
    crop_margin: float = 0.15

    @classmethod
    def for_drawing(cls) -> "SegmentationSettings":
        """A drawing on the app's canvas: white, unruled, one pen, letters drawn large in thin
        outlines; each line's pen thinned to its size; no faint stroke ends to keep."""
        return cls(find_sheet=False, deskew=False, remove_rules=False, fill_letters=0.6, line_smoothing=0.3,
                   column_gap=0.0, short_lines=0.0, pen_share=0.07, crop_margin=0.0)


@dataclass(frozen=True)
class _Component:
    x0: int
    y0: int
    x1: int
    y1: int
    area: int
    label: int


def _components(ink: np.ndarray) -> tuple[list[_Component], np.ndarray]:
    count, labels, stats = labelled_components(ink)
    parts = []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        parts.append(_Component(x, y, x + w, y + h, area, label))
    return parts, labels


def _drop_non_text(components: list[_Component], shape: tuple[int, int], thin_strokes: bool) -> list[_Component]:
    """Scanner borders, page edges, and (with ``thin_strokes``) rule-thin strokes far longer than
    any letter; on a drawing, a tall letter drawn with a thin pen ("l") is as thin and as long.

    Something touching the image edge, or lying in its outermost strip, is kept only when it is
    the size of the writing elsewhere on the page: a tightly cropped photo cuts through its first
    or last line, and those words must not be lost with the borders.
    """
    height, width = shape
    margin = 2
    edge_x, edge_y = 0.03 * width, 0.03 * height
    inner, outer = [], []
    for c in components:
        w, h = c.x1 - c.x0, c.y1 - c.y0
        if thin_strokes and max(w, h) > 20 * max(1, min(w, h)) and max(w, h) > 0.1 * max(height, width):
            continue
        if w > 0.5 * width and c.area < 0.04 * w * h:
            continue  # a sparse curve across half the page: a page edge or fold, not a word
        touches = c.x0 < margin or c.y0 < margin or c.x1 > width - margin or c.y1 > height - margin
        in_strip = c.x1 < edge_x or c.x0 > width - edge_x or c.y1 < edge_y or c.y0 > height - edge_y
        (outer if touches or in_strip else inner).append(c)
    scale = writing_height(inner)
    if scale < 2:
        return inner
    return inner + [c for c in outer
                    if 0.5 * scale <= c.y1 - c.y0 <= 2 * scale and c.x1 - c.x0 <= 15 * scale
                    and c.area <= 0.5 * (c.x1 - c.x0) * (c.y1 - c.y0)]


FIGURE_SIZE = 4.5  # a figure is at least this many writing heights tall and wide (a capital: 3-3.5)
FIGURE_HOLES = 12  # ... and encloses this many holes (a word's loops are a handful) ...
FIGURE_DENSITY = 0.5  # ... or inks this share of its box (a solid stamp; writing strokes 0.1-0.35)


def _holes(mask: np.ndarray) -> int:
    _, hierarchy = cv2.findContours(mask.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return 0 if hierarchy is None else int((hierarchy[0][:, 3] >= 0).sum())


def _is_figure(c: _Component, labels: np.ndarray, scale: float) -> bool:
    """A logo, seal or stamp: a blob far taller than the writing, dense or full of holes."""
    w, h = c.x1 - c.x0, c.y1 - c.y0
    if min(w, h) < FIGURE_SIZE * scale:
        return False
    return c.area >= FIGURE_DENSITY * w * h or _holes(labels[c.y0:c.y1, c.x0:c.x1] == c.label) >= FIGURE_HOLES


def _merged_boxes(boxes: list[Box]) -> list[Box]:
    """Overlapping boxes joined into their common bounds, until none overlap."""
    merged: list[Box] = []
    for box in boxes:
        while overlapping := [m for m in merged if box.iou(m) > 0]:
            merged = [m for m in merged if m not in overlapping]
            for other in overlapping:
                box = box.union(other)
        merged.append(box)
    return merged


def drop_figures(components: list[_Component], labels: np.ndarray, scale: float) -> list[_Component]:
    """The components without logos, seals and stamps, which read as junk lines. A figure's
    loose pieces go with it: all ink inside its box, or the box of figure parts that overlap
    (rule removal can cut a logo in two)."""
    pad = int(scale / 4)
    regions = _merged_boxes([Box(c.x0 - pad, c.y0 - pad, c.x1 + pad, c.y1 + pad)
                             for c in components if _is_figure(c, labels, scale)])
    if not regions:
        return components
    kept = [c for c in components
            if not any(r.x0 <= c.x0 and c.x1 <= r.x1 and r.y0 <= c.y0 and c.y1 <= r.y1 for r in regions)]
    log.debug("dropped %d components in %d figures", len(components) - len(kept), len(regions))
    return kept


def writing_height(components: list[_Component]) -> float:
    """Typical height of a written component (letters or joined words), robust to dots and noise."""
    heights = np.array([c.y1 - c.y0 for c in components if c.area >= 8], dtype=np.float64)
    if heights.size == 0:
        return 0.0
    tall = heights[heights >= np.percentile(heights, 25)]
    return float(np.median(tall))


def separated_groups(components: list[_Component], axis: int, length: int, gap: float) -> list[list[_Component]]:
    """Components grouped into the bands they cover along ``axis`` (0: rows, 1: columns) that
    blank stretches wider than ``gap`` separate: a printed paragraph, a handwritten block and a
    footer; across a band, a page number and a logo's motto side by side."""
    starts_of = (lambda c: c.y0) if axis == 0 else (lambda c: c.x0)
    ends_of = (lambda c: c.y1) if axis == 0 else (lambda c: c.x1)
    covered = np.zeros(length + 1, dtype=np.int32)
    for c in components:
        covered[starts_of(c)] += 1
        covered[ends_of(c)] -= 1
    inked = np.flatnonzero(np.cumsum(covered)[:length] > 0)
    if inked.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(inked) > gap + 1)
    starts = np.r_[inked[0], inked[breaks + 1]]
    grouped: list[list[_Component]] = [[] for _ in starts]
    for c in components:
        grouped[int(np.searchsorted(starts, starts_of(c), side="right")) - 1].append(c)
    return [g for g in grouped if g]


@dataclass(frozen=True, eq=False)
class _Block:
    """Text that gets lines of its own: its components, writing height, top row, ink (its
    components' ink in its rows, across the page), the peaks of its row profile (rows from its
    top) and its lines' tracks (each line's core row at every column, from its top)."""

    components: list[_Component]
    scale: float
    top: int
    ink: np.ndarray
    peaks: list[int]
    tracks: np.ndarray


def _block(components: list[_Component], labels: np.ndarray, label_count: int, scale: float,
           settings: "SegmentationSettings") -> _Block:
    top, bottom = min(c.y0 for c in components), max(c.y1 for c in components)
    kept_label = np.zeros(label_count, dtype=bool)
    kept_label[[c.label for c in components]] = True
    ink = kept_label[labels[top:bottom]]
    profile_ink = ink
    if settings.fill_letters:
        width_px = max(3, int(settings.fill_letters * scale))
        profile_ink = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((1, width_px), np.uint8))
    sigma = settings.line_smoothing * scale
    peaks = find_line_peaks(profile_ink.sum(axis=1), sigma, settings.min_line_prominence)
    if settings.short_lines:
        left = min(c.x0 for c in components)
        strip = profile_ink[:, left:left + int(settings.short_lines * (max(c.x1 for c in components) - left))]
        peaks = _with_short_lines(peaks, find_line_peaks(strip.sum(axis=1), sigma, settings.min_line_prominence))
    return _Block(components, scale, top, ink, peaks, _tracks(profile_ink, peaks, sigma, scale, settings))


LONE_LINE_SPACING = 2.5  # the line spacing assumed, in writing heights, in a block of one line
MIN_WINDOW_INK = 0.5  # a window with less ink than this many squared writing heights has no lines


def _tracks(profile_ink: np.ndarray, peaks: list[int], sigma: float, scale: float,
            settings: "SegmentationSettings") -> np.ndarray:
    """The block's lines' tracks: followed window by window, or straight at the profile's peaks."""
    straight = np.repeat(np.array(peaks, dtype=np.int64)[:, None], profile_ink.shape[1], axis=1)
    window = _track_window(settings, scale)
    if window is None or not peaks:
        return straight
    spacing = float(np.median(np.diff(peaks))) if len(peaks) > 1 else LONE_LINE_SPACING * scale

    def window_peaks(profile: np.ndarray) -> list[int]:
        return find_line_peaks(profile, sigma, settings.min_line_prominence)

    tracks = line_tracks(profile_ink, peaks, window_peaks, window, spacing, MIN_WINDOW_INK * scale ** 2)
    return tracks if len(tracks) else straight


def _track_window(settings: "SegmentationSettings", scale: float) -> int | None:
    """Columns between the windows lines are followed through (None: lines straight across)."""
    return max(4, int(settings.line_windows * scale)) if settings.line_windows else None


SHORT_LINE_APART = 0.6  # a strip's peak is a line of its own this far (in line spacings) from the others


def _with_short_lines(peaks: list[int], strip_peaks: list[int]) -> list[int]:
    """The block's line peaks and those of its left strip far from all of them: a paragraph's
    short last line ("Japon.") holds too little ink across the block to peak beside a full line.
    A block of one line has no line spacing to judge by (and a word's descender would pass)."""
    if len(peaks) < 2:
        return peaks
    spacing = float(np.median(np.diff(peaks)))
    return sorted(peaks + [p for p in strip_peaks if all(abs(p - q) >= SHORT_LINE_APART * spacing for q in peaks)])


def _one_line(a: _Block, b: _Block, tolerance: float) -> bool:
    """Two blocks side by side are one line with a wide gap (a heading, a name and a date), not
    two columns: each holds one line, at the same height. Columns of several lines stay apart
    even where their lines line up, as the columns of a printed page do."""
    return len(a.peaks) == len(b.peaks) == 1 and abs(a.top + a.peaks[0] - b.top - b.peaks[0]) <= tolerance


def text_blocks(components: list[_Component], labels: np.ndarray, scale: float,
                settings: "SegmentationSettings") -> Iterator[_Block]:
    """The page's blocks of text in reading order: bands separated by blank rows, and within a
    band, columns separated by blank gutters (a footer's page number, motto and badge side by
    side, each at its own height). Made a band at a time, so only one band's ink is held."""
    label_count = int(labels.max()) + 1
    bands = [part for band in separated_groups(components, 0, labels.shape[0], settings.block_gap * scale)
             for part in _split_at_scale_changes(band, labels.shape[0], scale)]
    for band in bands:
        band_scale = writing_height(band) or scale
        # Gutters and a column's ink measured in the larger of the band's and the page's writing
        # height: a band of specks (rule remnants on an empty ruled page) has a tiny one of its own.
        gutter_scale = max(band_scale, scale)
        columns = (separated_groups(band, 1, labels.shape[1], settings.column_gap * gutter_scale)
                   if settings.column_gap else [band])
        columns = _joined_specks(columns, COLUMN_MIN_INK * gutter_scale ** 2)
        joined: list[_Block] = []
        for column in columns:
            block = _block(column, labels, label_count, writing_height(column) or band_scale, settings)
            if joined and _one_line(joined[-1], block, 0.5 * gutter_scale):
                block = _block(joined.pop().components + column, labels, label_count, band_scale, settings)
            joined.append(block)
        yield from joined


SCALE_GAP = 0.3  # blank rows, in writing heights, where a band may change its writing's size ...
SCALE_CHANGE = 1.8  # ... by this factor (small print over a handwritten label) ...
SMALL_PRINT = 0.6  # ... the smaller of them this small beside the page's writing ...
SCALE_MIN_PARTS = 20  # ... when both sides hold this many components (text, not a few dots)


def _split_at_scale_changes(band: list[_Component], height: int, scale: float) -> list[list[_Component]]:
    """A band cut where its writing changes size across a few blank rows: a printed notice's
    small lines just above a handwritten label would otherwise be smoothed into one line with it."""
    groups: list[list[_Component]] = []
    for part in separated_groups(band, 0, height, SCALE_GAP * scale):
        if groups:
            a, b = writing_height(groups[-1]), writing_height(part)
            changes = max(a, b) >= SCALE_CHANGE * max(1.0, min(a, b)) and min(a, b) <= SMALL_PRINT * scale
            if not (changes and min(len(groups[-1]), len(part)) >= SCALE_MIN_PARTS):
                groups[-1] = groups[-1] + part
                continue
        groups.append(part)
    return groups


COLUMN_MIN_INK = 1.0  # a column stands alone with this much ink (in squared writing heights: a few letters)


def _joined_specks(columns: list[list[_Component]], min_ink: float) -> list[list[_Component]]:
    """Columns with less ink than ``min_ink`` (rule remnants, specks) joined to the column on
    their left (the first to the one on its right), so noise never makes lines of its own."""
    joined: list[list[_Component]] = []
    for column in columns:
        if joined and (sum(c.area for c in column) < min_ink or sum(c.area for c in joined[-1]) < min_ink):
            joined[-1] = joined[-1] + column
        else:
            joined.append(column)
    return joined


def find_line_peaks(profile: np.ndarray, scale: float, prominence: float) -> list[int]:
    """Rows of the text lines' cores in a row-ink profile, top to bottom; ``scale`` = smoothing
    sigma (a share of the writing height)."""
    if not profile.any():
        return []
    sigma = max(1.0, scale)
    # Blank rows beyond both ends: a line cut by the image's edge still peaks inside the image.
    pad = int(3 * sigma) + 1
    smooth = cv2.GaussianBlur(np.pad(profile, pad).astype(np.float64).reshape(-1, 1), (1, 0), sigma).ravel()
    # Local maxima, strongest first; keep those far enough from a stronger one.
    is_peak = np.r_[False, (smooth[1:-1] >= smooth[:-2]) & (smooth[1:-1] > smooth[2:]), False]
    candidates = np.flatnonzero(is_peak & (smooth > 0))
    candidates = candidates[np.argsort(-smooth[candidates], kind="stable")]
    peaks: list[int] = []
    min_distance = max(2, int(sigma * 1.5))
    blocked = np.zeros(len(smooth) + min_distance, dtype=bool)  # rows too near a peak kept
    for row in candidates.tolist():
        if not blocked[row]:
            peaks.append(row)
            blocked[max(0, row - min_distance + 1):row + min_distance] = True
    peaks.sort()
    # Merge neighbours whose separating valley is shallow: one line, not two.
    merged = True
    while merged and len(peaks) > 1:
        merged = False
        for i in range(len(peaks) - 1):
            a, b = peaks[i], peaks[i + 1]
            valley = smooth[a:b + 1].min()
            if valley > (1 - prominence) * min(smooth[a], smooth[b]):
                peaks.pop(i if smooth[a] < smooth[b] else i + 1)
                merged = True
                break
    return [min(max(p - pad, 0), len(profile) - 1) for p in peaks]


def separating_seams(ink: np.ndarray, tracks: np.ndarray, window: int | None = None) -> np.ndarray:
    """For each pair of neighbouring line tracks, the row at every column of the cheapest
    left-to-right path between them: it crosses as little ink as it can, and otherwise keeps to
    the rows with the least ink (across the block, or across ``window`` columns around each
    column). Shape (len(tracks) - 1, width).

    Cutting along these paths, not at one straight row, keeps slanted and wavy lines whole, and
    a word whose descender touches the line below is cut at the touch instead of moving whole
    into the wrong line.
    """
    pairs = len(tracks) - 1
    if pairs <= 0:
        return np.zeros((0, ink.shape[1]), dtype=np.int64)
    costs = _SeamCosts(ink, tracks, window)
    # padded holds the cheapest path's cost into each row of the current column, an inf row on
    # either side; the loop steps it a column at a time with preallocated buffers.
    padded = np.full((pairs, costs.span + 2), np.inf)
    total, above, below = padded[:, 1:-1], padded[:, :-2], padded[:, 2:]
    cost = costs.of_columns(0)
    total[...] = cost[0]
    from_above, best = np.empty_like(total), np.empty_like(total)
    # Which way each cell was entered, for the walk back: from the same row, from the row
    # below, otherwise from the row above (on a tie the first of above, same, below).
    from_same = np.zeros((costs.width, pairs, costs.span), dtype=bool)
    from_below = np.zeros((costs.width, pairs, costs.span), dtype=bool)
    for x in range(1, costs.width):
        if x % SEAM_CHUNK == 0:
            cost = costs.of_columns(x)
        np.add(above, SEAM_STEP_COST, out=from_above)
        np.less(total, from_above, out=from_same[x])
        np.minimum(from_above, total, out=best)
        np.add(below, SEAM_STEP_COST, out=from_above)  # now the way from below
        np.less(from_above, best, out=from_below[x])
        np.minimum(best, from_above, out=best)
        np.add(best, cost[x % SEAM_CHUNK], out=total)
    seams = np.zeros((pairs, costs.width), dtype=np.int64)
    row = total.argmin(axis=1)
    moves = from_same.view(np.int8)  # in place: -1 from above, 0 the same row, 1 from below
    moves -= 1
    moves[from_below] = 1
    everyone = np.arange(pairs)
    for x in range(costs.width - 1, -1, -1):
        seams[:, x] = row
        row = row + moves[x, everyone, row]
    return np.repeat(seams + costs.tops, SEAM_POOL, axis=1)[:, :ink.shape[1]]


class _SeamCosts:
    """The cost of each cell (pair of tracks, row below the pair's upper track, column) of the
    paths between neighbouring tracks. Columns are pooled SEAM_POOL at a time, so a path moves a
    row per pooled column from the course of the track above it."""

    def __init__(self, ink: np.ndarray, tracks: np.ndarray, window: int | None):
        self.height, width = ink.shape
        self.width = -(-width // SEAM_POOL)
        padded_ink = np.zeros((self.height, self.width * SEAM_POOL), dtype=np.uint8)  # a byte a pixel, not eight
        padded_ink[:, :width] = ink
        # Summed a strided column at a time: numpy's sum over a short last axis is ten times slower.
        pooled_bytes = padded_ink[:, 0::SEAM_POOL].copy()
        for offset in range(1, SEAM_POOL):
            pooled_bytes += padded_ink[:, offset::SEAM_POOL]
        pooled = pooled_bytes.astype(np.float64)
        if window:
            row_ink = cv2.blur(pooled, (max(1, window // SEAM_POOL), 1), borderType=cv2.BORDER_REPLICATE).T
        else:
            row_ink = np.tile(pooled.sum(axis=1), (self.width, 1))
        self.row_ink, self.crossings = np.ascontiguousarray(row_ink), np.ascontiguousarray(pooled_bytes.T)
        self.tops, self.bottoms = tracks[:-1, ::SEAM_POOL], tracks[1:, ::SEAM_POOL]
        self.span = int((self.bottoms - self.tops).max()) + 1

    def of_columns(self, start: int) -> np.ndarray:
        """Costs of SEAM_CHUNK columns from ``start``, shape (columns, pairs, span). Crossing ink
        dominates; the row's share of ink steers a path to the valley between the lines where the
        paper is blank. Rows past a pair's lower track are closed."""
        stop = min(start + SEAM_CHUNK, self.width)
        rows = self.tops[:, None, start:stop] + np.arange(self.span)[None, :, None]
        closed = rows > self.bottoms[:, None, start:stop]
        cells = np.minimum(rows, self.height - 1) + self.height * np.arange(start, stop)
        share = np.where(closed, 0.0, np.take(self.row_ink, cells))
        share /= np.maximum(share.max(axis=1, keepdims=True), 1.0)
        costs = np.where(closed, np.inf, INK_CROSSING_COST * np.take(self.crossings, cells) + share)
        return np.ascontiguousarray(costs.transpose(2, 0, 1))


SEAM_POOL = 4  # columns pooled per step of a separating path
SEAM_CHUNK = 64  # pooled columns whose costs are computed at once
CORE_HALF_HEIGHT = 0.2  # a line's core: its densest row, give or take this many writing heights
MIN_CORE_PIXELS = 3  # ink pixels a component needs in a line's core to be part of that line
INK_CROSSING_COST = 50.0  # one ink pixel crossed costs this many blank columns walked
SEAM_STEP_COST = 0.3  # a step up or down, so paths stay straight across blank paper


def word_gap_threshold(gaps: np.ndarray, scale_limit: float) -> float:
    """Gap width that separates words in one line.

    Gaps inside words and between words usually form two clusters: split them where the
    between-cluster variance is largest (Otsu in one dimension), when the clusters are clearly
    apart. ``scale_limit`` (a multiple of the writing height) caps it, and is the answer when the
    gaps do not cluster (a single word, or evenly spaced letters).
    """
    gaps = np.sort(gaps[gaps > 0].astype(np.float64))
    if gaps.size < 2:
        return scale_limit
    # Every cut at once: the gaps below and above cut k are gaps[:k] and gaps[k:].
    below = np.arange(1, gaps.size)
    above = gaps.size - below
    sums = np.cumsum(gaps)[:-1]
    low_means, high_means = sums / below, (gaps.sum() - sums) / above
    cut = int(np.argmax(below * above * (high_means - low_means) ** 2))
    if high_means[cut] < 2.0 * low_means[cut] + 2:
        return scale_limit
    return min((gaps[cut] + gaps[cut + 1]) / 2, scale_limit)


def split_words(line_ink: np.ndarray, gap: float | None = None, scale_limit: float = np.inf) -> list[tuple[int, int]]:
    """Column ranges [start, end) of words in a line's ink.

    ``gap``: split where columns are blank for more than this; None: choose per line with
    ``word_gap_threshold``.
    """
    columns = line_ink.any(axis=0)
    if not columns.any():
        return []
    runs = true_runs(columns)  # [start, end) of each inked column run
    if gap is None:
        gap = word_gap_threshold(runs[1:, 0] - runs[:-1, 1], scale_limit)
    words = [list(runs[0])]
    for start, end in runs[1:]:
        if start - words[-1][1] > gap:
            words.append([start, end])
        else:
            words[-1][1] = end
    return [(int(a), int(b)) for a, b in words]


def _text_components(ink: np.ndarray, settings: SegmentationSettings) -> tuple[list[_Component], np.ndarray, float]:
    """The ink's components that may be writing (not borders, rules, figures), every component's
    labels, and the writing height."""
    components, labels = _components(ink)
    components = _drop_non_text(components, ink.shape, thin_strokes=settings.remove_rules)
    scale = writing_height(components)
    # Thin strokes much taller than the writing are rules or borders, not letters.
    components = [c for c in components
                  if not (c.y1 - c.y0 > 3.5 * scale and c.x1 - c.x0 < 0.2 * (c.y1 - c.y0))
                  and not (c.x1 - c.x0 > 8 * scale and c.y1 - c.y0 < 0.05 * (c.x1 - c.x0))]
    return drop_figures(components, labels, scale), labels, scale


def segment_page(grey: np.ndarray, settings: SegmentationSettings | None = None) -> Segmentation:
    """Lines (in reading order: blocks top to bottom, blocks side by side left to right, each
    block's lines top to bottom) and their words (left to right) of a grey page."""
    settings = settings or SegmentationSettings()
    if grey.ndim != 2 or grey.size == 0:
        raise ValueError(f"expected a non-empty grey image, got shape {grey.shape}")
    height, width = grey.shape
    sheet = find_sheet(grey) if settings.find_sheet else None
    page = sheet.flatten(grey) if sheet else grey
    ink_map = find_ink(page, remove_rules=settings.remove_rules)
    ink = ink_map.ink
    skew = estimate_skew(ink) if settings.deskew else 0.0
    # Crops come from the lighting-corrected page: shadows and uneven paper are gone there.
    deskewed = rotate(ink_map.flat, skew) if skew else ink_map.flat
    if skew:
        ink = rotate(ink, skew)
    components, labels, scale = _text_components(ink, settings)
    if not components or scale < 2:
        return Segmentation(width, height, skew, (), (), _to_page_transform(grey.shape, page.shape, skew, sheet), ())
    ys, xs, owner, cores, line_count = _lines_of_pixels(components, labels, scale, settings)
    # Pixels read and written through flat indices: 2-D fancy indexing is several times slower.
    flat = ys * labels.shape[1] + xs
    owner, majority = _keep_reaching_strokes_whole(labels.reshape(-1)[flat], owner, cores.of(ys, xs, owner), line_count)
    line_of = np.zeros(labels.shape, dtype=np.int32)  # each pixel's line, from 1 (0: none)
    line_of.reshape(-1)[flat] = owner + 1
    members: list[list[_Component]] = [[] for _ in range(line_count)]
    for c in components:
        members[majority[c.label]].append(c)
    pixels = _LinePixels(ys, xs, owner, line_count)
    lines, images, tops = [], [], []
    boxes = _without_lines_cut_by_the_edge(pixels.kept(settings.min_line_ink), ink.shape[0])
    for index, box in boxes.items():
        line_scale = writing_height(members[index]) or scale
        box, keep = _without_stray_ends(box, line_of[box.y0:box.y1, box.x0:box.x1] == index + 1, line_scale)
        for box, keep in _line_pieces(box, keep, line_scale, scale, settings):
            lines.append(_line_segment(box, keep, line_scale, settings))
            crop_box, crop_keep = _with_rows_around(box, keep, round(settings.crop_margin * line_scale), ink.shape[0])
            image = _clean_crop(deskewed, labels, crop_box, crop_keep)
            tops.append(box.y0 - crop_box.y0)
            images.append(thin_to_share(image, crop_keep, settings.pen_share) if settings.pen_share else image)
    log.debug("segmented %d lines (skew %.2f deg, writing height %.1f px)", len(lines), skew, scale)
    return Segmentation(width, height, skew, tuple(lines), tuple(images),
                        _to_page_transform(grey.shape, page.shape, skew, sheet), tuple(tops))


SMALL_PRINT_LINE = 0.7  # a line whose letters are under this share of the page's writing height ...
PRINT_LINES_APART = 1.2  # ... with rows of ink this many of its letters' heights apart holds several lines


def _line_pieces(box: Box, keep: np.ndarray, line_scale: float, scale: float,
                 settings: SegmentationSettings) -> list[tuple[Box, np.ndarray]]:
    """A found line (its box and ink) as it is, as nothing (a rule's remnant on an unwritten
    ruled line, far flatter than writing), or cut into the lines of small print it holds: a
    printed notice's lines run together when their block is smoothed at the handwriting's scale."""
    if box.height < FLAT_LINE * scale:
        return []
    if line_scale > SMALL_PRINT_LINE * scale or box.height < 2 * PRINT_LINES_APART * line_scale:
        return [(box, keep)]
    profile = keep.sum(axis=1)
    peaks = find_line_peaks(profile, settings.line_smoothing * line_scale, settings.min_line_prominence)
    if len(peaks) < 2 or np.diff(peaks).min() < PRINT_LINES_APART * line_scale:
        return [(box, keep)]
    cuts = [0] + [a + int(np.argmin(profile[a:b])) for a, b in zip(peaks[:-1], peaks[1:])] + [len(profile)]
    return [_trimmed_to_ink(Box(box.x0, box.y0 + top, box.x1, box.y0 + bottom), keep[top:bottom])
            for top, bottom in zip(cuts[:-1], cuts[1:]) if keep[top:bottom].any()]


def _trimmed_to_ink(box: Box, keep: np.ndarray) -> tuple[Box, np.ndarray]:
    """The box (and ink) of a line's part cut to the rows and columns its ink reaches."""
    y0, y1, x0, x1 = ink_bounds(keep, threshold=0, margin=0)
    return Box(box.x0 + x0, box.y0 + y0, box.x0 + x1, box.y0 + y1), keep[y0:y1, x0:x1]


def _with_rows_around(box: Box, keep: np.ndarray, rows: int, page_height: int) -> tuple[Box, np.ndarray]:
    """The box ``rows`` rows taller above and below (inside the page), its ink mask padded to match."""
    if rows <= 0:
        return box, keep
    grown = Box(box.x0, max(box.y0 - rows, 0), box.x1, min(box.y1 + rows, page_height))
    padded = np.zeros((grown.height, grown.width), dtype=bool)
    padded[box.y0 - grown.y0 : box.y1 - grown.y0] = keep
    return grown, padded


class _LineCores:
    """Each line's core at every column: its track, give or take a share of its block's writing
    height (a table row per line, not a page-sized map, which would cost as much as the labels)."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.half_heights: list[int] = []
        self.block_of_line: list[int] = []
        self.blocks = 0

    def add(self, block: _Block) -> None:
        for track in block.tracks:
            self.rows.append(track + block.top)
            self.half_heights.append(max(1, int(CORE_HALF_HEIGHT * block.scale)))
            self.block_of_line.append(self.blocks)
        self.blocks += 1

    def of(self, ys: np.ndarray, xs: np.ndarray, lines: np.ndarray) -> np.ndarray:
        """The core (a line index; -1: none) each pixel at ``ys``, ``xs`` of line ``lines`` lies in:
        its own line's or a neighbour's in the same block."""
        core = np.full(len(ys), -1, dtype=np.int64)
        if not self.rows:
            return core
        rows, half, block = np.stack(self.rows), np.array(self.half_heights), np.array(self.block_of_line)
        for step in (0, -1, 1):
            other = np.clip(lines + step, 0, len(rows) - 1)
            hit = ((core < 0) & (other == lines + step) & (block[other] == block[lines])
                   & (np.abs(ys - rows[other, xs]) <= half[other]))
            core[hit] = other[hit]
        return core


def _lines_of_pixels(components: list[_Component], labels: np.ndarray, scale: float,
                     settings: SegmentationSettings) -> tuple[np.ndarray, np.ndarray, np.ndarray, _LineCores, int]:
    """The ink pixels of the kept components (rows, columns) and each one's line (from 0), the
    lines' cores, and the line count."""
    rows, columns, lines = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    cores = _LineCores()
    line_count = 0
    # Each block gets its own writing height: a printed header and the handwriting under it
    # differ in scale, and one smoothing for both would merge or split their lines.
    for block in text_blocks(components, labels, scale, settings):
        window = _track_window(settings, block.scale)
        seams = separating_seams(block.ink, block.tracks, 2 * window if window else None)
        ys, xs = np.nonzero(block.ink)
        numbers = np.full(len(ys), line_count, dtype=np.int64)  # each pixel's line: the seams above it,
        for seam in seams:  # counted a seam at a time (a seams x pixels table would take gigabytes)
            numbers += seam[xs] < ys
        rows.append(ys + block.top)
        columns.append(xs)
        lines.append(numbers)
        cores.add(block)
        line_count += len(block.tracks)
    return np.concatenate(rows), np.concatenate(columns), np.concatenate(lines), cores, line_count


SHORT_LINE_WIDTH = 1.5  # a line under the ink share of a line, this many median line heights wide ...
SHORT_LINE_DENSITY = 0.5  # ... and inking its columns this densely beside the full lines, is a short line


class _LinePixels:
    """The ink pixels of every line, grouped by line (one sort, not a pass over every pixel per line)."""

    def __init__(self, ys: np.ndarray, xs: np.ndarray, owner: np.ndarray, line_count: int):
        self.ys, self.xs, self.line_count = ys, xs, line_count
        self.totals = np.bincount(owner, minlength=line_count)
        self.order = np.argsort(owner, kind="stable")
        self.starts = np.searchsorted(owner[self.order], np.arange(line_count + 1))

    def kept(self, min_share: float) -> dict[int, Box]:
        """The boxes of the lines with at least ``min_share`` of the median line's ink, and of the
        short lines among the rest: a word or two as densely inked, column for column, as the
        full lines. The rest are noise (specks, a stroke's tip, a page edge)."""
        lines = np.flatnonzero(self.totals)
        if lines.size == 0:
            return {}
        boxes = {int(index): self.box(int(index)) for index in lines}
        typical = float(np.median(self.totals[lines]))
        full = {index for index in boxes if self.totals[index] >= min_share * typical}
        height = float(np.median([box.height for box in boxes.values()]))
        density = float(np.median([self.totals[index] / boxes[index].width for index in full]))
        return {index: box for index, box in boxes.items()
                if index in full or (box.width >= SHORT_LINE_WIDTH * height
                                     and self.totals[index] / box.width >= SHORT_LINE_DENSITY * density)}

    def box(self, index: int) -> Box:
        mine = self.order[self.starts[index]:self.starts[index + 1]]
        ys, xs = self.ys[mine], self.xs[mine]
        return Box(int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)


FLAT_LINE = 0.2  # a line less tall than this many of the page's writing heights is no writing
CUT_LINE_HEIGHT = 0.5  # a line cut by the image's edge under half as tall as the others is a fragment


def _without_lines_cut_by_the_edge(boxes: dict[int, Box], page_height: int) -> dict[int, Box]:
    """``boxes`` (line -> box) without lines that touch the top or bottom edge and are far shorter
    than the others: the tips of a line the crop cut off (a line cropped from a page shows its
    neighbours' ascenders or descenders), not a line to read."""
    def is_fragment(index: int, box: Box) -> bool:
        if box.y0 > 1 and box.y1 < page_height - 1:
            return False
        others = [other.height for other_index, other in boxes.items() if other_index != index]
        return bool(others) and box.height < CUT_LINE_HEIGHT * float(np.median(others))

    return {index: box for index, box in boxes.items() if not is_fragment(index, box)}


STRAY_GAP = 3.0  # a speck this many writing heights beyond the rest of its line's ink ...
STRAY_ROW_GAP = 1.0  # ... or this many above or below it ...
STRAY_INK = 0.15  # ... with less ink than this many squared writing heights


def _without_stray_ends(box: Box, keep: np.ndarray, line_scale: float) -> tuple[Box, np.ndarray]:
    """The line's box and ink without specks far beyond either end of its writing (a rule's
    remnant, a neighbour's stroke tip), which would stretch its box across the empty page, or far
    above or below it (a mark over a line of print, which would shrink its letters in the crop)."""
    min_ink = STRAY_INK * line_scale ** 2
    x0, x1 = _kept_span(keep, STRAY_GAP * line_scale, min_ink)
    y0, y1 = _kept_span(keep[:, x0:x1].T, STRAY_ROW_GAP * line_scale, min_ink)
    if (x0, x1, y0, y1) == (0, keep.shape[1], 0, keep.shape[0]):
        return box, keep
    return _trimmed_to_ink(Box(box.x0 + x0, box.y0 + y0, box.x0 + x1, box.y0 + y1), keep[y0:y1, x0:x1])


def _kept_span(ink: np.ndarray, gap: float, min_ink: float) -> tuple[int, int]:
    """[start, end) of the columns of ``ink`` left when runs of ink columns more than ``gap``
    apart from the rest and holding less than ``min_ink`` are dropped from either end."""
    clusters = split_words(ink, gap=gap)
    if not clusters:
        return 0, ink.shape[1]
    while len(clusters) > 1 and ink[:, clusters[0][0]:clusters[0][1]].sum() < min_ink:
        clusters.pop(0)
    while len(clusters) > 1 and ink[:, clusters[-1][0]:clusters[-1][1]].sum() < min_ink:
        clusters.pop()
    return clusters[0][0], clusters[-1][1]


def _line_segment(box: Box, keep: np.ndarray, line_scale: float, settings: SegmentationSettings) -> LineSegment:
    """A line found at ``box`` of the deskewed page (``keep``: its own ink there): its words, its
    outline and its baseline."""
    # Words span the line's height, as word boxes in HTR ground truth (and crops) do.
    word_boxes = [Box(box.x0 + a, box.y0, box.x0 + b, box.y1)
                  for a, b in split_words(keep, scale_limit=settings.word_gap * line_scale)]
    outline = ink_outline(keep, max(2, int(line_scale / 2))) + (box.x0, box.y0)
    baseline = line_baseline(keep, line_scale) + (box.x0, box.y0)
    return LineSegment(box, tuple(word_boxes), tuple(map(tuple, outline.tolist())), tuple(map(tuple, baseline.tolist())))


def _keep_reaching_strokes_whole(pixel_labels: np.ndarray, owner: np.ndarray, core: np.ndarray,
                                 line_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Owners of ink pixels after undoing cuts through components that belong to one line.

    A component the seams cut is two lines' writing joined (a descender touching the word below)
    only if it has ink in the cores of two lines; a descender or ascender that merely reaches
    across a seam goes back, whole, to the line holding most of it. Returns the pixels' owners
    and each label's majority line.
    """
    pixel_labels = pixel_labels.astype(np.int64)  # 16-bit labels would overflow the products below
    label_count = int(pixel_labels.max()) + 1 if pixel_labels.size else 1
    counts = np.bincount(pixel_labels * line_count + owner,
                         minlength=label_count * line_count).reshape(label_count, line_count)
    majority = counts.argmax(axis=1)
    in_core = core >= 0
    core_counts = np.bincount(pixel_labels[in_core] * line_count + core[in_core],
                              minlength=label_count * line_count).reshape(label_count, line_count)
    cores_reached = (core_counts >= MIN_CORE_PIXELS).sum(axis=1)
    whole = ((counts > 0).sum(axis=1) > 1) & (cores_reached <= 1)
    owner = np.where(whole[pixel_labels], majority[pixel_labels], owner)
    return owner, majority


def _clean_crop(page: np.ndarray, labels: np.ndarray, box: Box, keep: np.ndarray) -> np.ndarray:
    """The line's box with ink of other lines (descenders, ascenders reaching in) painted out."""
    crop = page[box.y0:box.y1, box.x0:box.x1].copy()
    foreign = (labels[box.y0:box.y1, box.x0:box.x1] > 0) & ~keep
    if foreign.any():
        foreign = cv2.dilate(foreign.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~keep
        crop[foreign] = 255
    return crop


def ink_outline(ink: np.ndarray, step: int) -> np.ndarray:
    """A polygon around a line's ink, (n, 2) x, y points clockwise from the top left: in each
    ``step`` columns, the highest and the lowest ink row (kraken and PAGE XML call this the line's
    boundary). Columns without ink (gaps between words) are bridged straight."""
    has_ink = ink.any(axis=0)
    tops = np.where(has_ink, ink.argmax(axis=0), ink.shape[0])
    bottoms = np.where(has_ink, ink.shape[0] - ink[::-1].argmax(axis=0), 0)
    starts = np.arange(0, ink.shape[1], step)
    top = np.minimum.reduceat(tops, starts)
    bottom = np.maximum.reduceat(bottoms, starts)
    inked = bottom > top
    lefts, rights = starts[inked], np.minimum(starts[inked] + step, ink.shape[1])
    top, bottom = top[inked], bottom[inked]
    upper = np.stack([np.stack([lefts, top], 1), np.stack([rights, top], 1)], 1).reshape(-1, 2)
    lower = np.stack([np.stack([lefts, bottom], 1), np.stack([rights, bottom], 1)], 1).reshape(-1, 2)[::-1]
    points = np.concatenate([upper, lower]).astype(np.int32)
    # Drop the points a straight edge passes through (runs of columns at one height).
    return cv2.approxPolyDP(points.reshape(-1, 1, 2), 0.5, True).reshape(-1, 2)


BASELINE_BAND = 0.15  # writing heights either side of the baseline where letters count as ending on it


def line_baseline(ink: np.ndarray, scale: float) -> np.ndarray:
    """The line's baseline as (x, y) points from its first to its last inked column: a straight
    line through where most columns' lowest ink lies. It starts level at the row where most
    columns end and is refitted to the columns ending near it, so descenders, the rounded
    bottoms of letters and dashes do not pull it."""
    columns = np.flatnonzero(ink.any(axis=0))
    if columns.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    bottoms = (ink.shape[0] - 1 - ink[::-1, columns].argmax(axis=0)).astype(np.float64)
    counts = np.convolve(np.bincount(bottoms.astype(np.int64), minlength=ink.shape[0]), np.ones(3), "same")
    fit = np.array([0.0, float(np.argmax(counts))])
    band = max(2.0, BASELINE_BAND * scale)
    for _ in range(3):
        near = np.abs(bottoms - np.polyval(fit, columns)) <= band
        if near.sum() < 2 or np.ptp(columns[near]) < 2:
            break
        fit = np.polyfit(columns[near], bottoms[near], 1)
    ends = np.array([columns[0], columns[-1]], dtype=np.float64)
    ys = np.clip(np.polyval(fit, ends), 0, ink.shape[0] - 1)
    return np.rint(np.stack([ends, ys], axis=1)).astype(np.int64)


def _to_page_transform(shape: tuple[int, int], flat_shape: tuple[int, int], skew: float,
                       sheet: Sheet | None) -> PageTransform:
    """The map from the deskewed (and flattened) page back onto the page of ``shape`` (none
    without a skew or a sheet)."""
    height, width = shape
    if not skew and sheet is None:
        return PageTransform(width, height)
    matrix = np.eye(3)
    if skew:
        matrix[:2] = cv2.invertAffineTransform(rotation_matrix(flat_shape, skew))
    if sheet is not None:
        matrix = sheet.to_photo() @ matrix
    return PageTransform(width, height, matrix)
