"""A word list for constrained decoding, held as a letter trie in numpy arrays so the beam search
can look up many (prefix, letter) steps at once."""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

NO_NODE = -1


class Lexicon:
    """Lower-cased alphabetic words with log-frequencies, and the trie of their spellings.

    Node 0 is the empty word. ``edge_keys`` (sorted) are ``node * letters + letter`` for every
    edge, ``edge_targets`` the child each leads to; ``node_prior`` is a node's word log-prior, or
    ``floor`` where no word ends there (``node_is_word`` tells which).
    """

    def __init__(self, words: dict[str, float] | Sequence[str]):
        counts = dict(words) if isinstance(words, dict) else {w: 1.0 for w in words}
        counts = {w.lower(): c for w, c in counts.items() if w and w.isalpha()}
        if not counts:
            raise ValueError("the lexicon is empty")
        total = float(sum(counts.values()))
        self.log_prior = {w: float(np.log(c / total)) for w, c in counts.items()}
        self.floor = float(min(self.log_prior.values()))
        self.letters = sorted({char for word in counts for char in word})
        self.letter_index = {char: index for index, char in enumerate(self.letters)}
        self._build_trie(sorted(counts))

    def _build_trie(self, words: list[str]) -> None:
        children: list[dict[int, int]] = [{}]
        ends: dict[int, str] = {}
        for word in words:
            node = 0
            for char in word:
                letter = self.letter_index[char]
                child = children[node].get(letter)
                if child is None:
                    child = len(children)
                    children[node][letter] = child
                    children.append({})
                node = child
            ends[node] = word
        width = len(self.letters)
        keys = np.array([node * width + letter for node, edges in enumerate(children) for letter in edges],
                        dtype=np.int64)
        targets = np.array([child for edges in children for child in edges.values()], dtype=np.int32)
        order = np.argsort(keys)
        self.edge_keys, self.edge_targets = keys[order], targets[order]
        self.node_is_word = np.zeros(len(children), dtype=bool)
        self.node_prior = np.full(len(children), self.floor)
        for node, word in ends.items():
            self.node_is_word[node] = True
            self.node_prior[node] = self.log_prior[word]

    def children(self, nodes: np.ndarray, letters: np.ndarray) -> np.ndarray:
        """The trie node reached from each node by each letter index (``NO_NODE``: no word goes on so)."""
        keys = nodes.astype(np.int64) * len(self.letters) + letters
        found = np.searchsorted(self.edge_keys, keys)
        found = np.minimum(found, len(self.edge_keys) - 1)
        hit = (self.edge_keys[found] == keys) & (nodes >= 0) & (letters >= 0)
        return np.where(hit, self.edge_targets[found], NO_NODE)

    def node_of(self, prefix: str) -> int:
        """The trie node spelling ``prefix`` (case-insensitive), or ``NO_NODE``."""
        node = 0
        for char in prefix.lower():
            letter = self.letter_index.get(char, NO_NODE)
            node = int(self.children(np.array([node]), np.array([letter]))[0])
            if node == NO_NODE:
                break
        return node

    def __contains__(self, word: str) -> bool:
        return word.lower() in self.log_prior

    def is_prefix(self, prefix: str) -> bool:
        return self.node_of(prefix) != NO_NODE

    def prior(self, word: str) -> float:
        return self.log_prior.get(word.lower(), self.floor)

    @classmethod
    def for_language(cls, language: str = "en", size: int = 50000) -> "Lexicon":
        """The ``size`` most frequent words of the language's list (``languages.word_counts``);
        one shared instance a language and size, so the line and the word model hold one copy."""
        return _language_lexicon(language, size)


@functools.lru_cache(maxsize=4)
def _language_lexicon(language: str, size: int) -> Lexicon:
    from htr_core.language.word_lists import word_counts

    counts = word_counts(language)
    top = sorted((w for w in counts if w.isalpha()), key=lambda w: -counts[w])[:size]
    return Lexicon({w: counts[w] for w in top})
