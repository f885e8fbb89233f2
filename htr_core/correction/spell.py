"""Spell correction with ``autocorrect``, keeping case, punctuation and digits as written.

Only runs of letters are corrected; a token touching a digit ("3rd", "B52") is left alone, as
are single letters and words in capitals (names and acronyms on forms: "LAUMONIER", "NASA"),
as word processors do by default. One exception: a word with a single digit that looks like a
letter ("hell0", "n0te") is that letter where that makes a known word. The word list is
injectable, so a user's own vocabulary can be added.
"""

from __future__ import annotations

import logging
import re
from typing import Mapping

from htr_core.language import word_lists as languages
from htr_core.types import Decoded

log = logging.getLogger(__name__)

_TOKEN = re.compile(r"[^\W_]+")  # runs of letters and digits, accented letters included
# Two-edit candidates grow with the square of the length; longer words get one edit (as accurate,
# a quarter of the time: docs/PIPELINE.md).
MAX_TWO_EDIT_LENGTH = 5
# Digits a handwritten letter is read as (a lexicon search lets digits through beside a word: "hell0").
_LOOKALIKE_LETTERS = str.maketrans("015", "ols")
MIN_LOOKALIKE_LENGTH = 4  # shorter tokens with a digit are more often real ("5am", "A10")


def _apply_case(pattern: str, word: str) -> str:
    if pattern[0].isupper():
        return word[:1].upper() + word[1:]
    return word


class SpellCorrector:
    """Corrects words outside the language's word list (``languages.word_counts`` by default)."""

    def __init__(self, word_counts: Mapping[str, int] | None = None, fast: bool = False, language: str = "en"):
        from autocorrect import Speller
        from autocorrect.constants import alphabets

        self.language = language
        self._letters = frozenset(alphabets[language] + alphabets[language].upper())
        counts = dict(languages.word_counts(language) if word_counts is None else word_counts)
        self._speller = Speller(language, nlp_data=counts, fast=fast)
        self._fast_speller = Speller(language, nlp_data=counts, fast=True)
        self._cache: dict[str, str] = {}

    def correct_word(self, word: str) -> str:
        if len(word) < 2 or not word.isalpha() or word.isupper() or not self._letters.issuperset(word):
            return word
        lower = word.lower()
        if lower in self._speller.nlp_data:
            return word
        corrected = self._cache.get(lower)  # one look-up: another thread may clear the cache between two
        if corrected is None:
            # Longer words get one edit: what keeps a page well under a second.
            speller = self._speller if len(word) <= MAX_TWO_EDIT_LENGTH else self._fast_speller
            if len(self._cache) > 50_000:
                self._cache.clear()
            corrected = self._cache[lower] = speller.autocorrect_word(lower)
        return _apply_case(word, corrected)

    def letters_for_digit(self, word: str) -> str:
        """``word`` with its one look-alike digit read as the letter where that makes a known
        word ("hell0" -> "hello", "N0TE" -> "NOTE"); otherwise as it is ("B52", "1985", "3rd")."""
        if word.isalpha():  # most tokens: nothing to look at
            return word
        digits = [char for char in word if char.isdigit()]
        letters = [char for char in word if not char.isdigit()]
        if (len(word) < MIN_LOOKALIKE_LENGTH or len(digits) != 1 or digits[0] not in "015"
                or not self._letters.issuperset(letters)):
            return word
        read = word.translate(_LOOKALIKE_LETTERS)
        if read.lower() not in self._speller.nlp_data:
            return word
        return read.upper() if "".join(letters).isupper() else read

    def correct_digits(self, text: str) -> str:
        """``text`` with only ``letters_for_digit`` applied (for a lexicon decoder's reading)."""
        return _TOKEN.sub(lambda match: self.letters_for_digit(match.group(0)), text)

    def correct(self, text: str) -> str:
        return _TOKEN.sub(lambda match: self.correct_word(self.letters_for_digit(match.group(0))), text)


def correct_reading(reading: Decoded, corrector: SpellCorrector | None) -> str:
    """A reading's corrected text.

    A lexicon decoder (word beam search) has already weighed its dictionary against what the
    network saw, so its reading is the correction: the spell checker, blind to the image, is not
    run over it. It only made such readings worse (``benchmarks/tune_decoder.py`` prints by how
    much), mostly by changing names and words the decoder had let through on purpose. Only a
    digit read for a letter beside a word ("hell0") is mended there.
    """
    if corrector is None:
        return reading.text
    if reading.free_text is not None:
        return corrector.correct_digits(reading.text)
    return corrector.correct(reading.text)
