import pytest

from htr_core.correction.spell import SpellCorrector


@pytest.fixture(scope="module")
def corrector():
    return SpellCorrector()


def test_corrects_misspellings(corrector):
    assert corrector.correct("the qiuck brwn fox") == "the quick brown fox"


def test_keeps_case_punctuation_and_digits(corrector):
    assert corrector.correct("HELLO Wrold, on 3rd May 1999!") == "HELLO World, on 3rd May 1999!"
    assert corrector.correct("Speling") == "Spelling"


def test_leaves_words_in_capitals_alone(corrector):
    # Names and acronyms on forms are not misspelt English words.
    assert corrector.correct("BILEL LAUMONIER of NASA Wrote") == "BILEL LAUMONIER of NASA Wrote"
    assert corrector.correct("JEAN-HICNEL Wrold") == "JEAN-HICNEL World"


def test_leaves_known_words_and_single_letters(corrector):
    assert corrector.correct("I saw a cat") == "I saw a cat"


def test_lexicon_is_injectable():
    custom = SpellCorrector({"zorblax": 10, "the": 100})
    assert custom.correct("the zorblox") == "the zorblax"
