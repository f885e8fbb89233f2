"""Printed or handwritten lines: the classifier's windows, the shipped model on lines made here,
the pipeline marking and leaving out printed lines, and training a tiny classifier."""

import cv2
import numpy as np
import pytest

from htr_core.layout.line_kind import LineKindClassifier, LineKindConfig, line_windows
from htr_core.pipeline import Pipeline, PipelineSettings
from htr_core.recognition.recognizer import shipped_models_dir

from conftest import draw_page, draw_text, form_page, printed_line

SHIPPED = shipped_models_dir() / "line_kind"


def test_a_short_line_is_one_padded_window_and_a_long_one_several():
    short = line_windows(draw_text("note"), 32, 384)
    assert short.shape == (1, 32, 384) and short.dtype == np.float32
    assert short[0, :, -50:].max() == 0.0 and short.max() > 0.9  # ink on the left, paper after
    long = line_windows(draw_text("a much longer line of handwriting than one window holds"), 32, 384)
    assert long.shape[0] >= 2 and long.shape[1:] == (32, 384)
    assert (long.reshape(len(long), -1).max(axis=1) > 0.5).all()  # every window holds ink


class ByWidth:
    """A stand-in classifier: lines wider than ``width`` pixels are printed."""

    def __init__(self, width: int):
        self.width = width

    def kinds(self, crops):
        return ["printed" if crop.shape[1] > self.width else "handwritten" for crop in crops]


def test_printed_lines_are_marked_and_can_be_left_out_unread(fake_reader):
    page, boxes = draw_page(["a long printed header line", "short", "words"])
    wide = boxes[0][2] - boxes[0][0] - 20
    for drop, texts in ((False, ["one", "two", "three"]), (True, ["two", "three"])):
        reader = fake_reader(["one", "two", "three"] if not drop else ["two", "three"])
        settings = PipelineSettings(level="page", word_check=False, drop_printed=drop)
        result = Pipeline(reader, settings=settings, line_kinds=ByWidth(wide)).read(page)
        assert [line.raw_text for line in result.lines] == texts
        assert [line.kind for line in result.lines] == (["printed"] if not drop else []) + ["handwritten"] * 2
    # A drawing is handwriting, however neatly printed: the classifier is not asked.
    settings = PipelineSettings(level="page", word_check=False, drop_printed=True).for_drawing()
    result = Pipeline(fake_reader(["one", "two", "three"]), settings=settings, line_kinds=ByWidth(wide)).read(page)
    assert len(result.lines) == 3 and {line.kind for line in result.lines} == {"handwritten"}


@pytest.fixture(scope="module")
def shipped():
    if not SHIPPED.exists():
        pytest.skip("no shipped line-kind model")
    return LineKindClassifier(SHIPPED)


def test_the_shipped_classifier_tells_print_from_handwriting(shipped):
    printed = [printed_line("Republic of the Philippines"), printed_line("COLLEGE OF COMPUTING STUDIES", scale=0.6),
               printed_line("Name and address of the applicant:", cv2.FONT_HERSHEY_DUPLEX)]
    handwritten = [draw_text("the quick brown fox jumps"), draw_text("Dear Sir, I write to you")]
    assert shipped.kinds(printed) == ["printed"] * 3
    assert shipped.kinds(handwritten) == ["handwritten"] * 2
    probabilities = shipped.printed_probabilities(printed + handwritten)
    assert ((0.0 <= probabilities) & (probabilities <= 1.0)).all()
    assert shipped.kinds([]) == []


def test_a_printed_header_above_handwriting_is_marked_printed_on_a_page(shipped, fake_reader):
    settings = PipelineSettings(level="page", word_check=False)
    result = Pipeline(fake_reader(["header", "one", "two"]), settings=settings, line_kinds=shipped).read(form_page())
    assert [line.kind for line in result.lines] == ["printed", "handwritten", "handwritten"]


def test_a_tiny_classifier_trains_exports_and_runs(tmp_path):
    from htr_core.training.line_kind import export_line_kind, train_line_kind

    config = LineKindConfig(height=32, width=64, printed_above=0.5)
    rng = np.random.default_rng(0)
    printed = (rng.random((16, 32, 64)) < 0.2).astype(np.uint8) * 255
    handwritten = np.zeros((16, 32, 64), np.uint8)
    model = train_line_kind(printed, handwritten, tmp_path, config, epochs=1, batch_size=8)
    export_line_kind(model, config, tmp_path)
    classifier = LineKindClassifier(tmp_path)
    assert classifier.config == config
    assert len(classifier.printed_probabilities([draw_text("ink"), draw_text("more ink")])) == 2
