"""Spell correction with ``autocorrect``, keeping case, punctuation and digits as written.

Only runs of letters are corrected; a token touching a digit ("3rd", "B52") is left alone, as
are single letters and words in capitals (names and acronyms on forms: "LAUMONIER", "NASA"),
as word processors do by default. The word list is injectable, so a user's own vocabulary can be added.
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

    def correct(self, text: str) -> str:
        return _TOKEN.sub(lambda match: self.correct_word(match.group(0)), text)


def correct_reading(reading: Decoded, corrector: SpellCorrector | None) -> str:
    """A reading's corrected text.

    A lexicon decoder (word beam search) has already weighed its dictionary against what the
    network saw, so its reading is the correction: the spell checker, blind to the image, is not
    run over it. It only made such readings worse (``benchmarks/tune_decoder.py`` prints by how
    much), mostly by changing names and words the decoder had let through on purpose.
    """
    if reading.free_text is not None or corrector is None:
        return reading.text
    return corrector.correct(reading.text)
