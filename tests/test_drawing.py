"""Drawings on the app's canvas, made here from pen strokes: segmented as drawings, then read."""

from dataclasses import replace

import numpy as np
import pytest

from htr_core.data.canvas import CANVAS_HEIGHT, CANVAS_WIDTH, DEFAULT_PEN, draw_on_canvas
from htr_core.layout.segment import SegmentationSettings, segment_page

FACES = ("futural", "rowmans")  # single-stroke print, as a mouse or a finger writes


def strokes_of(text: str, face: str) -> list[np.ndarray]:
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(face)
    return [np.array(stroke, dtype=np.float64) for stroke in font.strokes_for_text(text)]


def drawing(lines: list[str], face: str = "futural", pen: float = DEFAULT_PEN) -> np.ndarray:
    return draw_on_canvas([strokes_of(text, face) for text in lines], pen)


# Line finding as for a drawing, with each line's crop as cut (its ink not thinned): the
# invariants below are about which ink goes to which line.
AS_CUT = replace(SegmentationSettings.for_drawing(), pen_share=0.0)


def check_invariants(grey: np.ndarray, segmentation) -> None:
    height, width = grey.shape
    boxes = [line.box for line in segmentation.lines]
    assert all(0 <= b.x0 < b.x1 <= width and 0 <= b.y0 < b.y1 <= height for b in boxes)
    assert [b.y0 for b in boxes] == sorted(b.y0 for b in boxes)  # reading order, top to bottom
    owners = np.zeros(grey.shape, np.int32)
    for number, (line, crop) in enumerate(zip(segmentation.lines, segmentation.line_images), start=1):
        ink = crop < 128
        region = owners[line.box.y0:line.box.y1, line.box.x0:line.box.x1]
        assert not (region[ink] > 0).any()  # every ink pixel in at most one line
        region[ink] = number
    assert (owners[grey < 128] > 0).mean() > 0.99  # and nearly all of it in some line


@pytest.mark.parametrize("face", FACES)
@pytest.mark.parametrize("text,words", [("hello", 1), ("jiggly", 1), ("cat", 1), ("quiet time", 2)])
def test_one_drawn_word_or_line_is_one_line_with_its_ascenders_dots_and_descenders(face, text, words):
    grey = drawing([text], face)
    assert grey.shape == (CANVAS_HEIGHT, CANVAS_WIDTH)
    segmentation = segment_page(grey, AS_CUT)
    assert len(segmentation.lines) == 1, text
    line = segmentation.lines[0]
    rows = np.flatnonzero((grey < 128).any(axis=1))
    assert line.box.y0 <= rows[0] and line.box.y1 > rows[-1]  # i-dots and ascenders, descenders kept
    assert len(line.words) == words
    check_invariants(grey, segmentation)


@pytest.mark.parametrize("pen", [2, 3, 4])
def test_tall_letters_drawn_with_a_thin_pen_are_writing_not_rules(pen):
    # An "l" drawn 100 px tall with a 2-4 px pen is as thin and as long as a ruled line's remnant.
    grey = drawing(["hello"], pen=pen)
    segmentation = segment_page(grey, AS_CUT)
    assert len(segmentation.lines) == 1
    assert len(segmentation.lines[0].words) == 1
    check_invariants(grey, segmentation)


@pytest.mark.parametrize("face", FACES)
def test_three_drawn_lines_are_three_lines_in_order(face):
    grey = drawing(["the cat sat", "on a mat", "jumping dogs"], face)
    segmentation = segment_page(grey, AS_CUT)
    assert [len(line.words) for line in segmentation.lines] == [3, 3, 2]
    check_invariants(grey, segmentation)


def test_a_thick_pen_is_thinned_in_the_line_crops_and_the_lines_stay_where_they_were():
    grey = drawing(["the cat sat", "on a mat"], pen=14)
    thinned, cut = segment_page(grey, SegmentationSettings.for_drawing()), segment_page(grey, AS_CUT)
    assert thinned.lines == cut.lines
    for thin, whole in zip(thinned.line_images, cut.line_images):
        assert ((thin < 128) <= (whole < 128)).all()
        assert (thin < 128).sum() < 0.8 * (whole < 128).sum()


@pytest.mark.slow
@pytest.mark.parametrize("lines", [["hello world"], ["the cat sat", "on a mat", "jumping dogs"]])
def test_printed_drawings_read_right_in_the_default_settings(lines):
    from htr_core.pipeline import Pipeline, PipelineSettings

    pipeline = Pipeline.from_model_dir(settings=PipelineSettings().for_drawing())
    for face in FACES:
        assert pipeline.read(drawing(lines, face)).text == "\n".join(lines), face


@pytest.mark.parametrize("text,level", [("hello", "word"), ("quiet", "word"), ("thecatsatonthemat", "line")])
def test_a_lone_word_is_read_as_a_word_and_a_line_with_its_gaps_missed_as_a_line(text, level):
    # Written quickly, a line's word gaps can be too narrow to find: far wider than tall, it is
    # still a line (the word model reads a whole line as one garbled word).
    from htr_core.pipeline import Pipeline, PipelineSettings

    pipeline = Pipeline.from_model_dir(settings=PipelineSettings().for_drawing())
    result = pipeline.read(drawing([text], FACES[0]))
    assert result.level == level
    if level == "word":  # read right: "hello" came back "hell0", a digit for its o
        assert result.text == text
