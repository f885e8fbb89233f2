"""A word bigram language model of English, for choosing between readings of a word in context.

The counts ship inside ``symspellpy`` (Google Books n-grams). Scores use stupid backoff (Brants
et al., 2007), the pair ratio capped at 1 (docs/PIPELINE.md); they rank readings, they are not
probabilities. Words are compared as their lower-cased letters; tokens without letters are not
scored, and a word ending a sentence gives the next no context.
"""

from __future__ import annotations

import functools
import math
from importlib import resources
from typing import Mapping

import numpy as np

UNIGRAM_FILE = "frequency_dictionary_en_82_765.txt"
BIGRAM_FILE = "frequency_bigramdictionary_en_243_342.txt"
SENTENCE_ENDS = ".!?;:"


def letters_of(token: str) -> str:
    """The word a token spells as the counts are looked up: lower-cased letters, a possessive
    's dropped and apostrophes left out ("Washington's," -> "washington", "Don't" -> "dont", as
    the pair list writes it; "" for a number or punctuation)."""
    word = "".join(char for char in token if char.isalpha() or char == "'").lower()
    if word.endswith("'s"):
        word = word[:-2]
    return word.replace("'", "")


class BigramModel:
    """Word and word-pair counts, held compactly (a dict of word pairs costs the app tens of MB):
    a word -> id table, and the pairs as sorted 64-bit keys (first id, second id) beside their counts."""

    def __init__(self, unigrams: Mapping[str, int], bigrams: Mapping[tuple[str, str], int],
                 backoff: float = 0.4, unknown: float = 1.0):
        if not unigrams:
            raise ValueError("a language model needs unigram counts")
        self.backoff = backoff  # Brants et al.'s constant
        self.unknown = unknown  # the count a word missing from the unigram list is scored with
        self._ids: dict[str, int] = {word: index for index, word in enumerate(unigrams)}
        for pair in bigrams:
            for word in pair:
                self._ids.setdefault(word, len(self._ids))
        self._counts = np.zeros(len(self._ids))
        self._counts[: len(unigrams)] = list(unigrams.values())
        keys = np.array([self._pair_key(*pair) for pair in bigrams], dtype=np.int64)
        order = np.argsort(keys)
        self._pair_keys = keys[order]
        self._pair_counts = np.array(list(bigrams.values()), dtype=np.float64)[order]
        self._log_total = math.log(float(self._counts.sum()))

    def _pair_key(self, first: str, second: str) -> int:
        return (self._ids[first] << 32) | self._ids[second]

    def count(self, first: str, second: str | None = None) -> float:
        """How often a word (or the pair ``first second``) was counted (0.0: never)."""
        if first not in self._ids or (second is not None and second not in self._ids):
            return 0.0
        if second is None:
            return float(self._counts[self._ids[first]])
        key = self._pair_key(first, second)
        index = int(np.searchsorted(self._pair_keys, key))
        found = index < len(self._pair_keys) and self._pair_keys[index] == key
        return float(self._pair_counts[index]) if found else 0.0

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
        pair = self.count(before, word) if before is not None else 0.0
        if pair:
            return min(0.0, math.log(pair) - math.log(self.count(before) or pair))
        count = self.count(word) or self.unknown
        return math.log(self.backoff) + math.log(count) - self._log_total

    @classmethod
    def english(cls) -> "BigramModel":
        """The model of symspellpy's English lists (loaded once, ~0.3 s)."""
        return _english_model()


def _read_counts(name: str, words_per_line: int) -> dict:
    text = resources.files("symspellpy").joinpath(name).read_text(encoding="utf-8")
    counts: dict = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != words_per_line + 1:
            continue
        key = letters_of(parts[0]) if words_per_line == 1 else tuple(map(letters_of, parts[:words_per_line]))
        counts[key] = counts.get(key, 0) + int(parts[-1])  # "don't" and "dont" are one word here
    return counts


@functools.lru_cache(maxsize=1)
def _english_model() -> BigramModel:
    return BigramModel(_read_counts(UNIGRAM_FILE, 1), _read_counts(BIGRAM_FILE, 2))
