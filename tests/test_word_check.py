"""The word model's check on line readings: hand-made frames with known likelihoods."""

import numpy as np
import pytest

from htr_core.charset import Charset
from htr_core.correction.word_check import (WordCandidate, WordCheck, best_words, line_candidates,
                                            word_log_likelihoods)
from htr_core.decoding.config import DecoderConfig
from htr_core.decoding.ctc import log_softmax
from htr_core.decoding.decoder import Decoder
from htr_core.decoding.lexicon import Lexicon
from htr_core.language.bigrams import BigramModel, letters_of
from htr_core.recognition.model_config import WordCheckConfig
from htr_core.types import CropGeometry, Reading

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
def word_reader(fake_reader):
    return fake_reader([], line_mode=False, width=128, name="word", lexicon=Lexicon(["cat", "cot", "sat"]))


@pytest.fixture
def line_reader(fake_reader):
    return fake_reader([], lexicon=Lexicon(["cat", "cot", "sat", "of", "the", "thee"]))


def test_word_likelihood_sums_the_alignments_and_refuses_what_cannot_be_spelt():
    # Steps "a" 0.5 / blank 0.5, twice: P("a") = 0.25 + 0.25 + 0.25 (a-a, a-blank, blank-a).
    two_steps = np.log(np.array([[0.5, 0.5, 1e-12], [0.5, 0.5, 1e-12]]))
    # "aa": a double needs a blank between; "c": not in the charset.
    scores = word_log_likelihoods(two_steps, ["a", "aa", "c", "", "b"], AB)
    assert scores[0] == pytest.approx(np.log(0.75))
    assert list(scores[1:4]) == [-np.inf] * 3
    assert scores[4] == pytest.approx(np.log(1e-12), abs=0.1)


def decode(log_probs, charset=CHARSET, name="bestpath", lexicon=None):
    return Decoder(DecoderConfig(name), charset, lexicon=lexicon)(log_probs)


def word_candidates(own, line, line_reader, word, word_reader):
    """The candidates for a line of one word ``own``, read from frames ``line``; the word model read ``word``."""
    reading = Reading(line, CropGeometry(0, 1.0), 4)
    decoded = decode(line)
    assert decoded.text == own.replace(" ", "")  # the helper's frames spell the line model's word
    return line_candidates([reading], [decoded], [Reading(word, CropGeometry(0, 1.0), 4)], line_reader,
                           word_reader)[0][0]


def chosen(own, line, word, line_reader, word_reader, word_weight=0.5):
    return best_words([word_candidates(own, line, line_reader, word, word_reader)], word_weight)[0]


def test_a_word_both_models_read_alike_has_no_rival(line_reader, word_reader):
    assert word_candidates("cat", spell("cat"), line_reader, spell("cat"), word_reader) == [WordCandidate("cat", 0, 0)]


def test_the_word_model_corrects_a_letter_the_line_model_was_unsure_of(line_reader, word_reader):
    line = frames([{"c": 0.98}, {"a": 0.5, "o": 0.45}, {"t": 0.98}])
    word = spell("cot")
    candidates = word_candidates("cat", line, line_reader, word, word_reader)
    assert candidates[0].text == "cat" and "cot" in [c.text for c in candidates]
    assert chosen("cat", line, word, line_reader, word_reader) == "cot"
    # Weight 0: the line model alone, which finds its own reading likelier.
    assert chosen("cat", line, word, line_reader, word_reader, word_weight=0.0) == "cat"


def test_a_sure_line_reading_outweighs_an_unsure_word_model(line_reader, word_reader):
    line = spell("cat")
    word = frames([{"c": 0.98}, {"o": 0.5, "a": 0.4}, {"t": 0.98}])
    assert decode(word, name="wordbeamsearch", lexicon=word_reader.decoder.lexicon).text == "cot"
    assert chosen("cat", line, word, line_reader, word_reader) == "cat"


def test_only_the_line_models_reading_and_lexicon_words_are_offered(line_reader, word_reader):
    # The word model reads "cut", a word neither lexicon has: it is never a candidate.
    line = frames([{"c": 0.98}, {"a": 0.5, "u": 0.45}, {"t": 0.98}])
    texts = [c.text for c in word_candidates("cat", line, line_reader, spell("cut"), word_reader)]
    assert texts[0] == "cat" and "cut" not in texts
    assert chosen("cat", line, spell("cut"), line_reader, word_reader) == "cat"


def test_a_candidate_no_model_can_spell_never_replaces_the_line_models_word():
    positions = [[WordCandidate("cat", -5.0, -np.inf), WordCandidate("cot", -np.inf, -1.0)]]
    assert best_words(positions, 0.5) == ["cat"]
    positions = [[WordCandidate("cat", -5.0, -np.inf), WordCandidate("cot", -6.0, -1.0)]]
    assert best_words(positions, 0.5) == ["cot"]


TINY_MODEL = BigramModel({"of": 100, "the": 100, "thee": 10, "tho": 1}, {("of", "the"): 50})


def test_the_language_model_settles_a_word_the_readers_cannot():
    # "of tho/the/thee": the readers find all three alike; after "of", "the" is what English writes.
    positions = [[WordCandidate("of", 0.0, 0.0)],
                 [WordCandidate("tho", -1.0, -1.0), WordCandidate("thee", -1.0, -1.0), WordCandidate("the", -1.1, -1.0)]]
    assert best_words(positions, 0.5) == ["of", "tho"]
    assert best_words(positions, 0.5, TINY_MODEL, 0.6) == ["of", "the"]
    # A reading the models are sure of is not overruled by the language model.
    positions[1][0] = WordCandidate("tho", -0.01, -0.01)
    positions[1][2] = WordCandidate("the", -8.0, -8.0)
    assert best_words(positions, 0.5, TINY_MODEL, 0.6) == ["of", "tho"]


def test_bigram_scores_back_off_and_restart_at_a_sentence_end():
    model = TINY_MODEL
    assert model.score("of", "the") == pytest.approx(np.log(0.5))
    assert model.score("Of,", "The") == model.score("of", "the")  # letters only, any case
    total = 211
    assert model.score("of", "thee") == pytest.approx(np.log(0.4 * 10 / total))  # unseen pair: backoff
    assert model.score("of.", "the") == pytest.approx(np.log(0.4 * 100 / total))  # a sentence ended
    assert model.score(None, "zzz") == pytest.approx(np.log(0.4 * 1 / total))  # unknown word: count 1
    assert model.score("of", "42") == model.score("of", ",") == 0.0  # nothing to score
    with pytest.raises(ValueError, match="unigram"):
        BigramModel({}, {})


def test_possessives_and_contractions_are_looked_up_as_the_lists_write_them():
    assert [letters_of(t) for t in ["Washington's,", "Don't", "(The", "42", "'"]] == ["washington", "dont", "the", "", ""]
    english = BigramModel.english()
    # An unknown word scores as a count of 1; these are all counted.
    unknown = english.score(None, "qzxvw")
    assert english.score(None, "don't") > unknown and english.score(None, "world's") > unknown
    assert english.score("can't", "afford") > english.score("can't", "qzxvw")


def test_the_shipped_english_model_knows_common_word_pairs():
    english = BigramModel.english()
    assert english.score("of", "the") > english.score("of", "thee") > english.score("of", "qzxv")
    assert english.score("depends", "on") > english.score("depends", "in")


def line_reading(words, unsure=None):
    """A line model's reading of ``words`` (its frames and best path), optionally one unsure letter."""
    steps = []
    for index, word in enumerate(words):
        if index:
            steps.append({" ": 0.98})
        steps += [{char: 0.98} for char in word]
    if unsure is not None:
        position, alternatives = unsure
        steps[position] = alternatives
    log_probs = frames(steps)
    return Reading(log_probs, CropGeometry(0, 1.0), 4), decode(log_probs)


def test_lines_are_read_again_with_the_checked_words(word_reader, line_reader):
    # "sat cat": the line model is unsure whether the second word's vowel is a or o.
    reading, decoded = line_reading(["sat", "cat"], unsure=(5, {"a": 0.5, "o": 0.45}))
    crop = np.full((20, 200), 255, np.uint8)
    crop[5:15, 10:60] = crop[5:15, 110:160] = 0  # two blobs of ink, one a word
    check = WordCheck(word_reader, WordCheckConfig(0.5, 0.0))
    word_reader.recognizer._run = lambda batch: np.stack([spell("sat"), spell("cot")])[: len(batch)]
    [checked] = check(line_reader, [reading], [decoded], [crop])
    assert checked.text == "sat cot"
    assert "".join(span.char for span in checked.char_spans) == "sat cot"  # spans follow the new text
    assert checked.free_text == decoded.free_text
    # A line where both models agree comes back as it was.
    reading, decoded = line_reading(["sat", "cat"])
    word_reader.recognizer._run = lambda batch: np.stack([spell("sat"), spell("cat")])[: len(batch)]
    assert check(line_reader, [reading], [decoded], [crop]) == [decoded]


def test_words_read_surely_by_the_line_model_are_not_read_again(word_reader, line_reader):
    reading, decoded = line_reading(["sat", "cat"], unsure=(5, {"a": 0.5, "o": 0.45}))
    crop = np.full((20, 200), 255, np.uint8)
    crop[5:15, 10:60] = crop[5:15, 110:160] = 0
    batches = []

    def word_model(batch):
        batches.append(len(batch))
        return np.stack([spell("cot")] * len(batch))

    word_reader.recognizer._run = word_model
    # "sat" (every letter 0.98) stands as read; only "cat" goes to the word model, which reads "cot".
    [checked] = WordCheck(word_reader, WordCheckConfig(0.5, 0.0, sure_confidence=0.9))(
        line_reader, [reading], [decoded], [crop])
    assert batches == [1] and checked.text == "sat cot"
    # With every letter sure, the word model is not called at all.
    reading, decoded = line_reading(["sat", "cat"])
    assert WordCheck(word_reader, WordCheckConfig(0.5, 0.0, sure_confidence=0.9))(
        line_reader, [reading], [decoded], [crop]) == [decoded]
    assert batches == [1]


def test_word_readings_must_match_the_words_read(word_reader, line_reader):
    reading, decoded = line_reading(["sat", "cat"])
    with pytest.raises(ValueError, match="2 words read by the line model, 1 word crops"):
        line_candidates([reading], [decoded], [reading], line_reader, word_reader)


def test_frames_helper_spells_its_words():
    assert decode(spell("cot")).text == "cot"
    assert np.allclose(np.exp(log_softmax(spell("cot"))).sum(axis=1), 1.0)
