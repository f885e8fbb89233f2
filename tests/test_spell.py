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


def test_a_digit_read_for_a_letter_beside_a_word_is_the_letter(corrector):
    assert corrector.correct("hell0 world") == "hello world"
    assert corrector.correct("N0TE how we fee1 5mall") == "NOTE how we feel small"
    # Numbers, ordinals, codes and short tokens stay as written.
    assert corrector.correct("B52 on 3rd May 1985 at 5am, 10am and A10") == "B52 on 3rd May 1985 at 5am, 10am and A10"
    assert corrector.correct("zzz0") == "zzz0"  # no known word when read as a letter


def test_a_lexicon_reading_is_only_mended_where_a_digit_stands_for_a_letter(corrector):
    from htr_core.correction.spell import correct_reading
    from htr_core.types import Decoded

    lexicon_reading = Decoded("hell0 Wrold", 0.9, free_text="hell0 Wrold")
    assert correct_reading(lexicon_reading, corrector) == "hello Wrold"  # the decoder let "Wrold" through
    assert correct_reading(Decoded("hell0 Wrold", 0.9), corrector) == "hello World"
    assert correct_reading(lexicon_reading, None) == "hell0 Wrold"
