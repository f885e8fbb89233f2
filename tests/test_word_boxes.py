"""Word boxes from a reading's character spans, moved onto the ink (golden column profiles)."""

import numpy as np

from htr_core.layout.word_boxes import blank_runs, ink_columns, snap_to_ink

from conftest import draw_text


def columns(pattern: str) -> np.ndarray:
    """'#' inked column, '.' blank."""
    return np.array([c == "#" for c in pattern])


def test_blank_runs_include_the_edges():
    assert blank_runs(columns("##..#.#")) == [(2, 4), (5, 6)]
    assert blank_runs(columns(".#.")) == [(0, 1), (2, 3)]
    assert blank_runs(columns("###")) == []


def test_boundaries_move_to_the_widest_gap_between_the_read_words():
    #              0123456789012345678901234
    ink = columns("..######.#.....########..")
    # CTC spikes sit inside the letters: the raw extents cut both words short.
    assert snap_to_ink([(4.0, 7.0), (17.0, 20.0)], ink) == [(2, 10), (15, 23)]


def test_a_pen_lift_outside_the_boundary_region_does_not_split_a_word():
    ink = columns("..###.###....####.###..")
    # The first word's pen lift (column 5) lies left of its last spike: never a candidate.
    assert snap_to_ink([(2.0, 7.0), (14.0, 19.0)], ink) == [(2, 9), (13, 21)]


def test_without_a_gap_the_boundary_stays_in_the_middle():
    ink = columns("################")
    assert snap_to_ink([(1.0, 5.0), (9.0, 14.0)], ink) == [(0, 7), (7, 16)]


def test_no_words_and_words_without_ink():
    assert snap_to_ink([], columns("##")) == []
    assert snap_to_ink([(1.2, 3.7)], columns("......")) == [(1, 4)]


def test_ink_columns_of_a_drawn_word():
    image = draw_text("hi", pad=10)
    inked = ink_columns(image)
    assert not inked[:10].any() and not inked[-10:].any() and inked[10:-10].any()


def test_ink_columns_are_the_columns_of_the_crops_ink_map():
    from htr_core.recognition.crops import to_ink

    rng = np.random.default_rng(3)
    for index in range(200):
        shape = (int(rng.integers(1, 30)), int(rng.integers(1, 80)))
        grey = np.clip(rng.normal(210, 25 + index % 40, shape), 0, 255).astype(np.uint8)
        assert np.array_equal(ink_columns(grey), (to_ink(grey) > 0.25).any(axis=0))
    assert not ink_columns(np.full((5, 9), 200, np.uint8)).any()  # blank: no ink at all
