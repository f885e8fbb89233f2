"""The recognizer's input batches: fixed width for words, wide enough for long lines."""

import numpy as np

from htr_core.charset import Charset
from htr_core.recognition.recognizer import MAX_RESTRETCH, MAX_WIDTH_FACTOR, steps_per_character

from conftest import draw_text, spelled_logits


def ink_rows(box: np.ndarray) -> int:
    return int((box > 0.25).any(axis=1).sum())


def test_long_lines_keep_their_full_height(fake_reader):
    reader = fake_reader(["a long line"])
    recognizer = reader.recognizer
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
    assert reader.read([long_line])[0].text == "a long line"


def test_short_lines_and_words_use_the_trained_width(fake_reader):
    line_model = fake_reader([], name="line").recognizer
    assert line_model.prepare([draw_text("short line")])[0].shape[2] == 512
    word_model = fake_reader([], line_mode=False, width=128, name="word").recognizer
    batch = word_model.prepare([draw_text("a very long crop given to the word model")])[0]
    assert batch.shape[2] == 128


def test_line_width_is_capped(fake_reader):
    recognizer = fake_reader([]).recognizer
    endless = np.full((40, 40 * 200), 255, np.uint8)
    endless[10:30, ::7] = 0
    assert recognizer.prepare([endless])[0].shape[2] == MAX_WIDTH_FACTOR * 512


def test_steps_per_character_counts_from_first_to_last_character():
    charset = Charset()
    # "ab" over 10 steps: a at 1-2, b at 6 -> 6 steps for 2 characters; a repeat is one character.
    logits = spelled_logits("", 10, charset)
    for step, char in ((1, "a"), (2, "a"), (6, "b")):
        logits[step, :] = -10.0
        logits[step, charset.encode(char)[0]] = 10.0
    assert steps_per_character(logits, charset.blank_index) == 3.0  # logits or log-probabilities alike
    assert steps_per_character(spelled_logits("a", 10, charset), charset.blank_index) is None


def test_tightly_packed_lines_are_read_again_wider(fake_reader):
    # The fake model spells each reading at about 2 steps a character: below 2.7, so the line is
    # read again, widened to 2.7 steps a character.
    reader = fake_reader(["first reading", "second reading"], min_steps_per_char=2.7)
    recognizer = reader.recognizer
    line = draw_text("a line of tightly written words, long enough to need a wider batch", size=40)
    [reading], [decoded] = reader.read_with_frames([line])
    assert decoded.text == "second reading"
    assert len(recognizer.calls) == 2 and recognizer.calls[1][2] > recognizer.calls[0][2]
    packing = (2 * len("first reading") - 1) / len("first reading")
    assert np.isclose(reading.geometry.scale / recognizer.prepare([line])[1][0].scale, 2.7 / packing, rtol=0.01)


def test_widened_lines_still_map_onto_their_crop(fake_reader):
    recognizer = fake_reader([]).recognizer
    line = draw_text("a line of writing", size=40)
    batch, geometry = recognizer.prepare([line], [MAX_RESTRETCH])
    last_ink = int(np.flatnonzero((batch[0, :, :, 0] > 0.25).any(axis=0))[-1])
    crop_last_ink = int(np.flatnonzero((line < 128).any(axis=0))[-1])
    assert abs(geometry[0].crop_x(last_ink) - crop_last_ink) < 4


def test_lines_read_loosely_enough_and_words_are_read_once(fake_reader):
    lines = fake_reader(["first reading", "second reading"], min_steps_per_char=1.5)
    assert lines.read([draw_text("a line")])[0].text == "first reading" and len(lines.recognizer.calls) == 1
    words = fake_reader(["word", "again"], line_mode=False, width=128, name="word", min_steps_per_char=2.7)
    assert words.read([draw_text("word")])[0].text == "word" and len(words.recognizer.calls) == 1
