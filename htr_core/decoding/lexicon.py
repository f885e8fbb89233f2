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
        """The trie of ``words`` (sorted): each word's nodes past the prefix it shares with the word
        before it are new, so nodes are numbered in one pass with no object per node."""
        width, letter_index = len(self.letters), self.letter_index
        size = sum(map(len, words)) + 1  # at most one node a letter, and the root
        keys, targets = np.empty(size - 1, dtype=np.int64), np.empty(size - 1, dtype=np.int32)
        self.node_is_word = np.zeros(size, dtype=bool)
        self.node_prior = np.full(size, self.floor)
        path, previous, nodes = [0], "", 1
        for word in words:
            shared = 0
            for a, b in zip(previous, word):
                if a != b:
                    break
                shared += 1
            del path[shared + 1:]
            for char in word[shared:]:
                keys[nodes - 1], targets[nodes - 1] = path[-1] * width + letter_index[char], nodes
                path.append(nodes)
                nodes += 1
            self.node_is_word[path[-1]] = True
            self.node_prior[path[-1]] = self.log_prior[word]
            previous = word
        order = np.argsort(keys[: nodes - 1])
        self.edge_keys, self.edge_targets = keys[: nodes - 1][order], targets[: nodes - 1][order]
        self.node_is_word, self.node_prior = self.node_is_word[:nodes], self.node_prior[:nodes]

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
