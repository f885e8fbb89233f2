"""Each text line's own course across a block: the row of its core at every column.

Lines on a page seldom share one slope. Across a whole block, the row profile of lines that rise
at different angles smears two of them into one peak, or splits one into two. Here the block is
also read in overlapping windows a few writing heights wide, whose row profiles peak where the
lines cross them; each of the block's lines is followed from window to window along its course,
and window peaks no line took that run on as a line of their own are the lines the block's
profile merged."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

TRACK_MAX_GAP = 4  # windows a track may cross without a peak (a wide gap between words)
TRACK_TOLERANCE = 0.3  # a peak joins a track this close to its course, in line spacings
MAX_TRACK_SLOPE = 0.06  # steepest course of a line on a deskewed page (rows per column)
ECHO_DISTANCE = 0.55  # a new track this close to a line's course, in line spacings, is its echo
NEW_LINE_INK = 0.5  # a new track's peaks hold at least this share of the block's typical peak

PeakFinder = Callable[[np.ndarray], list[int]]
Peaks = list[list[tuple[float, float, float]]]  # each window's peaks: (column, row, ink)


@dataclass
class _Track:
    xs: list[float] = field(default_factory=list)
    rows: list[float] = field(default_factory=list)
    ink: float = 0.0
    _sums: list[float] = field(default_factory=lambda: [0.0] * 5)  # n, x, row, x*x, x*row
    _span: tuple[float, float] = (np.inf, -np.inf)  # first and last column

    def add(self, x: float, row: float, ink: float) -> None:
        self.xs.append(x)
        self.rows.append(row)
        self.ink += ink
        for index, value in enumerate((1.0, x, row, x * x, x * row)):
            self._sums[index] += value
        self._span = min(self._span[0], x), max(self._span[1], x)

    def course(self) -> tuple[float, float]:
        """The straight line (slope, row at column 0) through the track's peaks, least squares."""
        n, x, row, xx, xrow = self._sums
        spread = n * xx - x * x
        slope = 0.0 if spread <= 1e-9 * max(n * xx, 1.0) else (n * xrow - x * row) / spread
        slope = min(max(float(slope), -MAX_TRACK_SLOPE), MAX_TRACK_SLOPE)
        return slope, float((row - slope * x) / n)

    def row_at(self, x: float | np.ndarray) -> float | np.ndarray:
        slope, offset = self.course()
        return offset + slope * x

    def start(self) -> float:
        return self._span[0]

    def end(self) -> float:
        return self._span[1]

    def covers(self, x: float, margin: float = 0.0) -> bool:
        return self.start() - margin <= x <= self.end() + margin


def line_tracks(ink: np.ndarray, seeds: list[int], find_peaks: PeakFinder, window: int, spacing: float,
                min_window_ink: float) -> np.ndarray:
    """Rows of each line's core at every column of ``ink`` (a block's rows), shape (lines, width),
    top to bottom, never crossing.

    Each of ``seeds`` (the block's row-profile peaks) is followed from the window peak nearest it
    with the most ink, window by window both ways; peaks no seed took that line up across
    windows with the ink of a line are lines the block's profile missed (two lines it merged).
    ``find_peaks`` finds a window's line rows in its row profile; ``window`` is the step between
    windows (each is twice as wide); ``spacing`` the usual distance between lines."""
    height, width = ink.shape
    peaks = _window_peaks(ink, find_peaks, window, min_window_ink)
    tolerance, reach = TRACK_TOLERANCE * spacing, TRACK_MAX_GAP * window
    taken: set[tuple[int, int]] = set()
    tracks = [_followed(seed, peaks, taken, tolerance, width) for seed in seeds]
    typical = float(np.median([peaks[w][k][2] for w, k in taken])) if taken else 0.0
    for track in _linked(peaks, taken, tolerance, reach):
        if (len(track.xs) >= 2 and track.ink >= NEW_LINE_INK * typical * len(track.xs)
                and not _is_echo(track, tracks, ECHO_DISTANCE * spacing, reach)):
            tracks.append(track)
    return _rows_at_every_column(tracks, width, height)


def _window_peaks(ink: np.ndarray, find_peaks: PeakFinder, window: int, min_window_ink: float) -> Peaks:
    """The peaks of each window's row profile (none where it holds too little ink)."""
    width = ink.shape[1]
    inked = np.flatnonzero(ink.any(axis=0))
    centres = np.arange(inked[0] + window / 2, inked[-1] + 1, window) if inked.size else np.zeros(0)
    if centres.size == 0:
        return []
    # Row sums of window-wide slices, in one pass over the ink: a window is two of them.
    edges = (centres[0] - window + window * np.arange(len(centres) + 1)).astype(np.int64)
    starts = np.r_[max(0, edges[0]), edges[1:][edges[1:] < width]]
    slices = np.add.reduceat(ink.view(np.uint8), starts, axis=1, dtype=np.int32)
    peaks: Peaks = []
    for index, x in enumerate(centres):
        profile = slices[:, index:index + 2].sum(axis=1, dtype=np.float64)
        rows = find_peaks(profile) if profile.sum() >= min_window_ink else []
        peaks.append([(float(x), float(row), float(profile[row])) for row in rows])
    return peaks


def _followed(seed: int, peaks: Peaks, taken: set[tuple[int, int]], tolerance: float, width: int) -> _Track:
    """The track of the line through ``seed``: from the window peak with the most ink near it,
    each window's free peak nearest the course so far, both ways, a window at a time, until the
    line has had no peak for a few windows. Straight across the block where no free peak lies
    near the seed."""
    near = [(peak[2], w, k) for w, window in enumerate(peaks) for k, peak in enumerate(window)
            if (w, k) not in taken and abs(peak[1] - seed) <= tolerance]
    track = _Track()
    if not near:
        track.add(0.0, float(seed), 0.0)
        track.add(float(width - 1), float(seed), 0.0)
        return track
    _, first, k = max(near)
    track.add(*peaks[first][k])
    taken.add((first, k))
    for order in (range(first + 1, len(peaks)), range(first - 1, -1, -1)):
        missed = 0
        for w in order:
            expected = track.row_at(peaks[w][0][0]) if peaks[w] else 0.0  # a window's peaks share its column
            free = [(abs(peak[1] - expected), k) for k, peak in enumerate(peaks[w]) if (w, k) not in taken]
            distance, k = min(free, default=(np.inf, -1))
            if distance > tolerance:
                missed += 1
                if missed > TRACK_MAX_GAP:
                    break
                continue
            track.add(*peaks[w][k])
            taken.add((w, k))
            missed = 0
    return track


def _linked(peaks: Peaks, taken: set[tuple[int, int]], tolerance: float, reach: float) -> list[_Track]:
    """The free peaks linked into tracks: each joins the track whose course passes nearest it (one
    peak a window per track), or starts one."""
    tracks: list[_Track] = []
    for w, window in enumerate(peaks):
        free = [k for k in range(len(window)) if (w, k) not in taken]
        if not free:
            continue
        x = window[free[0]][0]
        live = [t for t in tracks if x - t.end() <= reach]
        pairs = sorted((abs(t.row_at(x) - window[k][1]), ti, k) for ti, t in enumerate(live) for k in free
                       if abs(t.row_at(x) - window[k][1]) <= tolerance)
        joined_tracks, joined_peaks = set(), set()
        for _, ti, k in pairs:
            if ti not in joined_tracks and k not in joined_peaks:
                joined_tracks.add(ti)
                joined_peaks.add(k)
                live[ti].add(*window[k])
        for k in free:
            if k not in joined_peaks:
                tracks.append(_Track())
                tracks[-1].add(*window[k])
    return tracks


def _is_echo(track: _Track, lines: list[_Track], distance: float, reach: float) -> bool:
    """Whether most of ``track``'s peaks lie this close to the course of a line (within ``reach``
    of its ends): a few tall letters' ascenders or descenders, not a line of their own."""
    near = sum(any(line.covers(x, reach) and abs(line.row_at(x) - row) < distance for line in lines)
               for x, row in zip(track.xs, track.rows))
    return near * 2 > len(track.xs)


def _rows_at_every_column(tracks: list[_Track], width: int, height: int) -> np.ndarray:
    """Each track's row at every column, top to bottom. Inside its span a track follows its peaks;
    beyond it, it keeps its place between the tracks above and below it (placed longest first),
    so that tracks never cross."""
    columns = np.arange(width, dtype=np.float64)
    placed: list[np.ndarray] = []
    for track in sorted(tracks, key=lambda t: t.start() - t.end()):
        rows = track.row_at(columns)
        for end, outside in ((track.start(), columns < track.start()), (track.end(), columns > track.end())):
            if outside.any():
                end = min(int(end), width - 1)
                rows[outside] = _kept_in_place(rows[end], end, placed, width)[outside]
        placed.append(rows)
    if not placed:
        return np.zeros((0, width), dtype=np.int64)
    # Sorted at each column: top to bottom, and a guard against tracks that met inside their spans.
    return np.clip(np.rint(np.sort(np.stack(placed), axis=0)), 0, height - 1).astype(np.int64)


def _kept_in_place(row: float, column: int, placed: list[np.ndarray], width: int) -> np.ndarray:
    """A course through ``row`` at ``column`` that keeps its share of the way between the placed
    tracks just above and just below it (parallel to the one there is, level with none)."""
    above = [p for p in placed if p[column] <= row]
    below = [p for p in placed if p[column] > row]
    upper = max(above, key=lambda p: p[column]) if above else None
    lower = min(below, key=lambda p: p[column]) if below else None
    if upper is not None and lower is not None:
        share = (row - upper[column]) / max(lower[column] - upper[column], 1e-6)
        return upper + share * (lower - upper)
    if upper is not None:
        return upper + (row - upper[column])
    if lower is not None:
        return lower + (row - lower[column])
    return np.full(width, row)
