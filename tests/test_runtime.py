"""The recognizer's input batches: fixed width for words, wide enough for long lines."""

import numpy as np

from htr_core.runtime import MAX_WIDTH_FACTOR

from conftest import draw_text


def ink_rows(box: np.ndarray) -> int:
    return int((box > 0.25).any(axis=1).sum())


def test_long_lines_keep_their_full_height(fake_recognizer):
    recognizer = fake_recognizer(["a long line"])
    long_line = draw_text("a line of writing much longer than the model's trained width " * 2, size=40)
    batch, geometry = recognizer.prepare([long_line, draw_text("short")])
    height, width = batch.shape[1:3]
    assert width > 512 and width % 4 == 0
    assert ink_rows(batch[0, :, :, 0]) >= height - 4  # not squeezed to fit 512 columns
    assert (batch[0, :, -8:, 0] == 0).all()  # blank steps after the last letter
    # Model columns map back onto the crop: the last inked columns correspond.
    last_ink = int(np.flatnonzero((batch[0, :, :, 0] > 0.25).any(axis=0))[-1])
    crop_last_ink = int(np.flatnonzero((long_line < 128).any(axis=0))[-1])
    assert abs(geometry[0].crop_x(last_ink) - crop_last_ink) < 4
    reading, _ = recognizer.read_with_geometry([long_line])[0]
    assert reading.text == "a long line"


def test_short_lines_and_words_use_the_trained_width(fake_recognizer):
    line_model = fake_recognizer([], name="line")
    assert line_model.prepare([draw_text("short line")])[0].shape[2] == 512
    word_model = fake_recognizer([], line_mode=False, width=128, name="word")
    batch = word_model.prepare([draw_text("a very long crop given to the word model")])[0]
    assert batch.shape[2] == 128


def test_line_width_is_capped(fake_recognizer):
    recognizer = fake_recognizer([])
    endless = np.full((40, 40 * 200), 255, np.uint8)
    endless[10:30, ::7] = 0
    assert recognizer.prepare([endless])[0].shape[2] == MAX_WIDTH_FACTOR * 512
