"""A word bigram language model of English, for choosing between readings of a word in context.

The counts are the unigram and bigram frequency lists that ship inside ``symspellpy`` (counts
from Google Books n-grams: 82,765 words, 242,342 word pairs). Scores use stupid backoff
(Brants et al., 2007): log(count(previous word) / count(previous, word)) where the pair was
seen, else ``backoff`` times the word's unigram probability; a word neither list holds gets
``unknown`` counts. The scores are not normalised probabilities: they only rank readings.

Words are compared as their lower-cased letters ("The," -> "the"); tokens without letters
(numbers, punctuation) are not scored, and a word ending a sentence (".", "!", "?", ";", ":")
gives the next word no context.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib import resources
from typing import Mapping

UNIGRAM_FILE = "frequency_dictionary_en_82_765.txt"
BIGRAM_FILE = "frequency_bigramdictionary_en_243_342.txt"
SENTENCE_ENDS = ".!?;:"


def letters_of(token: str) -> str:
    """The word a token spells, lower-cased ("" for a number or punctuation)."""
    return "".join(char for char in token if char.isalpha()).lower()


@dataclass(frozen=True)
class BigramModel:
    unigrams: Mapping[str, int]
    bigrams: Mapping[tuple[str, str], int]
    backoff: float = 0.4  # Brants et al.'s constant
    unknown: float = 1.0  # the count a word missing from the unigram list is scored with

    def __post_init__(self):
        if not self.unigrams:
            raise ValueError("a language model needs unigram counts")
        object.__setattr__(self, "_log_total", math.log(sum(self.unigrams.values())))

    def context(self, token: str | None) -> str | None:
        """What ``token`` leaves as context for the word after it (None: none)."""
        if token is None or token.rstrip()[-1:] in SENTENCE_ENDS:
            return None
        return letters_of(token) or None

    def score(self, previous: str | None, token: str) -> float:
        """log score of ``token`` after the token ``previous`` (None: at the start of a line)."""
        word = letters_of(token)
        if not word:
            return 0.0
        before = self.context(previous)
        pair = self.bigrams.get((before, word)) if before is not None else None
        if pair:
            return min(0.0, math.log(pair) - math.log(self.unigrams.get(before, pair)))
        count = self.unigrams.get(word, self.unknown)
        return math.log(self.backoff) + math.log(count) - self._log_total

    @classmethod
    def english(cls) -> "BigramModel":
        """The model of symspellpy's English lists (loaded once, ~0.2 s and ~40 MB)."""
        return _english_model()


def _read_counts(name: str, words_per_line: int) -> dict:
    text = resources.files("symspellpy").joinpath(name).read_text(encoding="utf-8")
    counts: dict = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != words_per_line + 1:
            continue
        key = parts[0] if words_per_line == 1 else tuple(parts[:words_per_line])
        counts[key] = int(parts[-1])
    return counts


@functools.lru_cache(maxsize=1)
def _english_model() -> BigramModel:
    return BigramModel(_read_counts(UNIGRAM_FILE, 1), _read_counts(BIGRAM_FILE, 2))
