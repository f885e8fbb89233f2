"""The word model's check on line readings: hand-made frames with known likelihoods."""

import numpy as np
import pytest

from htr_core.charset import Charset
from htr_core.decode import Lexicon, beam_search, decode, log_softmax
from htr_core.preprocess import CropGeometry
from htr_core.runtime import Reading
from htr_core.word_check import check_lines, checked_word, word_log_likelihood

CHARSET = Charset()
AB = Charset("ab")


def frames(steps, charset=CHARSET):
    """Log-probabilities from rows of {character: probability}; what is left goes to the blank,
    and each character row is followed by a blank row (so repeats stay apart)."""
    rows = []
    for step in steps:
        row = np.full(charset.num_classes, 1e-6)
        for char, probability in step.items():
            row[charset.encode(char)[0]] = probability
        row[charset.blank_index] = max(1.0 - sum(step.values()), 1e-6)
        rows += [row, np.eye(charset.num_classes)[charset.blank_index] * (1 - 1e-6) + 1e-6 / charset.num_classes]
    return np.log(np.asarray(rows) / np.sum(rows, axis=1, keepdims=True))


def spell(word, sure=0.98, charset=CHARSET):
    return frames([{char: sure} for char in word], charset)


@pytest.fixture
def word_reader(fake_recognizer):
    return fake_recognizer([], line_mode=False, width=128, name="word", lexicon=Lexicon(["cat", "cot", "sat"]))


def test_word_likelihood_sums_the_alignments_and_refuses_what_cannot_be_spelt():
    # Steps "a" 0.5 / blank 0.5, twice: P("a") = 0.25 + 0.25 + 0.25 (a-a, a-blank, blank-a).
    two_steps = np.log(np.array([[0.5, 0.5, 1e-12], [0.5, 0.5, 1e-12]]))
    assert word_log_likelihood(two_steps, "a", AB) == pytest.approx(np.log(0.75))
    assert word_log_likelihood(two_steps, "aa", AB) == -np.inf  # a double needs a blank between
    assert word_log_likelihood(two_steps, "c", AB) == -np.inf  # not in the charset
    assert word_log_likelihood(two_steps, "", AB) == -np.inf


def test_the_word_model_corrects_a_letter_the_line_model_was_unsure_of(word_reader):
    line = frames([{"c": 0.98}, {"a": 0.5, "o": 0.45}, {"t": 0.98}])
    word = spell("cot")
    assert checked_word("cat", line, CHARSET, word, word_reader, weight=0.5) == "cot"
    # Weight 0: the line model alone, which keeps its own reading.
    assert checked_word("cat", line, CHARSET, word, word_reader, weight=0.0) == "cat"


def test_a_sure_line_reading_outweighs_an_unsure_word_model(word_reader):
    line = spell("cat")
    word = frames([{"c": 0.98}, {"o": 0.5, "a": 0.4}, {"t": 0.98}])
    assert beam_search(word, CHARSET, lexicon=word_reader.lexicon).text == "cot"
    assert checked_word("cat", line, CHARSET, word, word_reader, weight=0.5) == "cat"


def test_a_word_outside_the_lexicon_is_left_to_the_line_model(word_reader):
    # The word model's nearest lexicon word is the only alternative it offers: "cut" is not one.
    line = frames([{"c": 0.98}, {"a": 0.5, "u": 0.45}, {"t": 0.98}])
    assert checked_word("cat", line, CHARSET, spell("cut"), word_reader, weight=0.5) == "cat"


def line_reading(words, unsure=None):
    """A line model's reading of ``words``, its frames and (optionally) one unsure letter."""
    steps = []
    for index, word in enumerate(words):
        if index:
            steps.append({" ": 0.98})
        steps += [{char: 0.98} for char in word]
    if unsure is not None:
        position, alternatives = unsure
        steps[position] = alternatives
    log_probs = frames(steps)
    decoded = decode(log_probs, CHARSET, "bestpath")
    return Reading(decoded, CropGeometry(0, 1.0), log_probs)


def test_lines_are_read_again_with_the_checked_words(word_reader, fake_recognizer):
    line_reader = fake_recognizer([])
    # "sat cat": the line model is unsure whether the second word's vowel is a or o.
    reading = line_reading(["sat", "cat"], unsure=(5, {"a": 0.5, "o": 0.45}))
    word_crop = np.full((20, 20), 255, np.uint8)
    word_reader._run = lambda batch: np.stack([spell("sat"), spell("cot")])[: len(batch)]
    [checked] = check_lines([reading], [[word_crop, word_crop]], line_reader, word_reader, 0.5)
    assert checked.text == "sat cot"
    assert "".join(span.char for span in checked.char_spans) == "sat cot"  # spans follow the new text
    assert checked.free_text == reading.decoded.free_text
    # A line where both models agree comes back as it was.
    same = line_reading(["sat", "cat"])
    word_reader._run = lambda batch: np.stack([spell("sat"), spell("cat")])[: len(batch)]
    assert check_lines([same], [[word_crop, word_crop]], line_reader, word_reader, 0.5) == [same.decoded]


def test_word_crops_must_match_the_words_read(word_reader, fake_recognizer):
    reading = line_reading(["sat", "cat"])
    with pytest.raises(ValueError, match="2 words came with 1 word crops"):
        check_lines([reading], [[np.full((20, 20), 255, np.uint8)]], fake_recognizer([]), word_reader, 0.5)


def test_frames_helper_spells_its_words():
    assert decode(spell("cot"), CHARSET, "bestpath").text == "cot"
    assert np.allclose(np.exp(log_softmax(spell("cot"))).sum(axis=1), 1.0)
