"""Line tracks: each line's own course across a block, lines that rise at different slopes kept apart."""

import numpy as np

from htr_core.layout.line_tracks import line_tracks
from htr_core.layout.segment import find_line_peaks

WIDTH, X_HEIGHT, WINDOW = 1600, 12, 8 * 12


def _written(courses: list[tuple[float, float]], height: int, seed: int = 0) -> np.ndarray:
    """Ink of words (blobs of letter-like strokes with gaps between them) along straight lines,
    each given as (row at column 0, slope)."""
    rng = np.random.default_rng(seed)
    ink = np.zeros((height, WIDTH), dtype=bool)
    for row, slope in courses:
        x = 40
        while x < WIDTH - 120:
            length = int(rng.integers(60, 160))
            for column in range(x, min(x + length, WIDTH)):
                if column % 7 < 3:  # letters' upright strokes
                    middle = int(round(row + slope * column))
                    ink[middle - X_HEIGHT // 2:middle + X_HEIGHT // 2, column] = True
            x += length + int(rng.integers(15, 30))
    return ink


def _tracks(ink: np.ndarray) -> np.ndarray:
    sigma = 0.35 * X_HEIGHT
    profile_peaks = find_line_peaks(ink.sum(axis=1), sigma, 0.3)
    return line_tracks(ink, profile_peaks, lambda profile: find_line_peaks(profile, sigma, 0.3), WINDOW,
                       spacing=2.5 * X_HEIGHT, min_window_ink=0.5 * X_HEIGHT ** 2)


def test_lines_rising_at_different_slopes_get_a_track_each_that_follows_them():
    # Three lines, the middle one level, the others closing in on it from either side: across the
    # whole block their rows overlap, so one row profile cannot tell them apart.
    courses = [(40.0, 0.02), (90.0, 0.0), (140.0, -0.02)]
    tracks = _tracks(_written(courses, 200))
    assert tracks.shape == (3, WIDTH)
    columns = np.arange(60, WIDTH - 160)
    for track, (row, slope) in zip(tracks, courses):
        assert np.abs(track[columns] - (row + slope * columns)).max() <= X_HEIGHT / 2
    assert (np.diff(tracks, axis=0) >= 0).all(), "tracks never cross"


def test_a_level_line_gets_one_level_track_and_a_blank_block_none():
    tracks = _tracks(_written([(50.0, 0.0)], 100))
    assert tracks.shape == (1, WIDTH) and np.ptp(tracks[0]) <= 2 and abs(int(np.median(tracks[0])) - 50) <= 2
    assert _tracks(np.zeros((100, WIDTH), dtype=bool)).shape == (0, WIDTH)


def test_a_short_line_keeps_its_place_between_its_neighbours_beyond_its_end():
    ink = _written([(40.0, 0.01), (130.0, 0.01)], 200, seed=1)
    ink |= _written([(85.0, 0.01)], 200, seed=2) & (np.arange(WIDTH) < 500)  # a paragraph's short last line
    tracks = _tracks(ink)
    assert len(tracks) == 3
    upper, short, lower = tracks
    assert (upper < short).all() and (short < lower).all()
    assert abs(int(short[1400]) - (85 + 0.01 * 1400)) <= X_HEIGHT
