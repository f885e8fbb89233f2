"""CTC prefix beam search: free (fast-ctc-decode's compiled search) or under a lexicon constraint
(word beam search, vectorised over the beams with numpy)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import fast_ctc_decode
import numpy as np

from htr_core.charset import Charset
from htr_core.decoding.lexicon import NO_NODE, Lexicon

NOT_A_LETTER = -2  # a label's letter index when it is not a letter at all (digits, punctuation, space)
ROOT = 0  # the lexicon trie's empty word, and the search's empty prefix


class LexiconConstraint:
    """Word beam search's rule: a run of letters must spell (a prefix of) a lexicon word, and a
    non-letter (which closes the run) may follow only a whole word; digits and punctuation stay free."""

    def __init__(self, lexicon: Lexicon, charset: Charset):
        self.lexicon = lexicon
        self.letter_of_label = np.full(charset.num_classes, NOT_A_LETTER, dtype=np.int64)
        for label, char in enumerate(charset.characters, start=1):
            if char.isalpha():
                self.letter_of_label[label] = lexicon.letter_index.get(char.lower(), NO_NODE)

    def step(self, nodes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """The trie node each (word node, label) moves to: the word's next node for a letter,
        ``ROOT`` for a non-letter after a whole word (or none), ``NO_NODE`` where not allowed."""
        letters = self.letter_of_label[labels]
        is_letter = letters != NOT_A_LETTER
        grown = self.lexicon.children(nodes, np.where(is_letter, letters, NO_NODE))
        closes = (nodes == ROOT) | self.lexicon.node_is_word[nodes]
        return np.where(is_letter, grown, np.where(closes, ROOT, NO_NODE))

    def closed_prior(self, nodes: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """The log-prior of the word each label closes (0.0 where it closes none)."""
        closing = (self.letter_of_label[labels] == NOT_A_LETTER) & (nodes != ROOT)
        return np.where(closing, self.lexicon.node_prior[nodes], 0.0)


class _Prefixes:
    """Every prefix the searches have made, as growing arrays indexed by prefix id; a prefix is
    its parent's id and its last label, so an extension that repeats a beam is found by that pair."""

    def __init__(self, roots: int):
        self.parent = np.full(roots, -1, dtype=np.int64)
        self.label = np.full(roots, -1, dtype=np.int64)  # the prefix's last label (-1: an empty prefix)
        self.node = np.zeros(roots, dtype=np.int64)  # the trie node of its trailing word
        self.lm = np.zeros(roots)  # summed log-priors of the words it has closed

    def add(self, parents: np.ndarray, labels: np.ndarray, nodes: np.ndarray, lm: np.ndarray) -> np.ndarray:
        start = len(self.parent)
        self.parent = np.concatenate((self.parent, parents))
        self.label = np.concatenate((self.label, labels))
        self.node = np.concatenate((self.node, nodes))
        self.lm = np.concatenate((self.lm, lm))
        return np.arange(start, len(self.parent))

    def labels_of(self, prefix: int) -> tuple[int, ...]:
        labels = []
        while self.label[prefix] >= 0:
            labels.append(int(self.label[prefix]))
            prefix = int(self.parent[prefix])
        return tuple(reversed(labels))


def _busy_steps(log_probs: np.ndarray, blank: int, min_log: float) -> tuple[np.ndarray, np.ndarray] | None:
    """The frames from the first to the last where some character passes the pruning threshold
    (the rest only add the same blank score to every beam), and that mask; None: no such frame."""
    passing = log_probs > min_log
    passing[:, blank] = False
    busy = np.flatnonzero(passing.any(axis=1))
    if not len(busy):
        return None
    return log_probs[busy[0] : busy[-1] + 1], passing[busy[0] : busy[-1] + 1]


def prefix_beam_search(log_probs: np.ndarray, charset: Charset, beam_width: int = 16,
                       constraint: LexiconConstraint | None = None, lm_weight: float = 0.0,
                       prune: float = 1e-3, count: int = 1) -> list[tuple[int, ...]]:
    """The ``count`` best label sequences of one search (best first); see ``prefix_beam_searches``."""
    return prefix_beam_searches([log_probs], charset, beam_width, constraint, lm_weight, prune, count)[0]


@dataclass
class _Beams:
    """The live beams of every search: prefix id, the search it belongs to, and log P(ending in a
    blank) / log P(ending in a character)."""

    prefix: np.ndarray
    owner: np.ndarray
    p_blank: np.ndarray
    p_char: np.ndarray

    def take(self, index: np.ndarray) -> "_Beams":
        return _Beams(self.prefix[index], self.owner[index], self.p_blank[index], self.p_char[index])

    def join(self, other: "_Beams") -> "_Beams":
        return _Beams(*(np.concatenate(pair) for pair in zip(self._arrays(), other._arrays())))

    def _arrays(self) -> tuple[np.ndarray, ...]:
        return self.prefix, self.owner, self.p_blank, self.p_char


def _padded(frames: Sequence[np.ndarray], blank: int, prune: float,
            classes: int) -> tuple[list[int], np.ndarray, np.ndarray, np.ndarray]:
    """The searches that have busy frames (``_busy_steps``), their lengths, and their frames and
    pruning masks padded to one (search, step, class) array each."""
    trimmed = [_busy_steps(log_probs, blank, math.log(prune)) for log_probs in frames]
    busy = [index for index, item in enumerate(trimmed) if item is not None]
    lengths = np.array([len(trimmed[i][0]) for i in busy], dtype=np.int64)
    steps = np.full((len(busy), int(lengths.max(initial=0)), classes), -np.inf)
    passing = np.zeros(steps.shape, dtype=bool)
    for row, index in enumerate(busy):
        steps[row, : lengths[row]], passing[row, : lengths[row]] = trimmed[index]
    return busy, lengths, steps, passing


def prefix_beam_searches(frames: Sequence[np.ndarray], charset: Charset, beam_width: int = 16,
                         constraint: LexiconConstraint | None = None, lm_weight: float = 0.0,
                         prune: float = 1e-3, count: int = 1) -> list[list[tuple[int, ...]]]:
    """Independent searches over several frame sequences, stepped together (numpy's per-call cost
    is paid once a step for all of them): each one's ``count`` best label sequences, best first.

    Characters below ``prune`` at a step are not tried there. With a constraint, ``lm_weight``
    times each closed word's log-prior joins a beam's score, and only readings whose last word is
    whole are offered (unless none is).
    """
    results: list[list[tuple[int, ...]]] = [[()] for _ in frames]
    busy, lengths, steps, passing = _padded(frames, charset.blank_index, prune, charset.num_classes)
    if not busy:
        return results
    search = _Search(charset, constraint, lm_weight if constraint is not None else 0.0, len(busy))
    beams = _Beams(np.arange(len(busy)), np.arange(len(busy)), np.zeros(len(busy)), np.full(len(busy), -np.inf))
    for t in range(steps.shape[1]):
        live = lengths[beams.owner] > t  # searches whose frames have ended keep their beams as they are
        ended = None if live.all() else beams.take(~live)
        beams = _top_per_search(search.step(beams if ended is None else beams.take(live), steps[:, t], passing[:, t]),
                                search.lm_weight, search.prefixes, beam_width)
        if ended is not None:
            beams = beams.join(ended)
    for row, index in enumerate(busy):
        mine = beams.take(beams.owner == row)
        results[index] = _best_finished(search.prefixes, mine.prefix, np.logaddexp(mine.p_blank, mine.p_char),
                                        constraint, lm_weight, count)
    return results


class _Search:
    """One step of prefix beam search for many searches at once."""

    def __init__(self, charset: Charset, constraint: LexiconConstraint | None, lm_weight: float, roots: int):
        self.blank, self.classes = charset.blank_index, charset.num_classes
        self.constraint, self.lm_weight = constraint, lm_weight
        self.prefixes = _Prefixes(roots)

    def step(self, beams: _Beams, step: np.ndarray, passing: np.ndarray) -> _Beams:
        """The beams after one more frame (``step`` and ``passing`` hold each search's row)."""
        prefixes, rows = self.prefixes, step[beams.owner]
        total = np.logaddexp(beams.p_blank, beams.p_char)
        last = prefixes.label[beams.prefix]
        stay_blank = total + rows[:, self.blank]
        stay_char = np.where(last >= 0, beams.p_char + rows[np.arange(len(last)), np.maximum(last, 0)], -np.inf)
        parents, labels = np.nonzero(passing[beams.owner])
        nodes = prefixes.node[beams.prefix[parents]]
        if self.constraint is not None:
            nodes = self.constraint.step(nodes, labels)
            allowed = nodes != NO_NODE
            parents, labels, nodes = parents[allowed], labels[allowed], nodes[allowed]
        grown = np.where(labels == last[parents], beams.p_blank[parents], total[parents]) + rows[parents, labels]
        # An extension that is already a beam (the beam's parent and last label) joins its score.
        beam_keys = prefixes.parent[beams.prefix] * self.classes + last
        grown_keys = beams.prefix[parents] * self.classes + labels
        order = np.argsort(beam_keys)
        match = np.minimum(np.searchsorted(beam_keys[order], grown_keys), len(order) - 1)
        joins = beam_keys[order][match] == grown_keys
        into = order[match[joins]]
        stay_char[into] = np.logaddexp(stay_char[into], grown[joins])
        fresh = ~joins
        parent_ids = beams.prefix[parents[fresh]]
        lm = prefixes.lm[parent_ids]
        if self.lm_weight:
            lm = lm + self.constraint.closed_prior(prefixes.node[parent_ids], labels[fresh])
        ids = prefixes.add(parent_ids, labels[fresh], nodes[fresh], lm)
        return _Beams(np.concatenate((beams.prefix, ids)), np.concatenate((beams.owner, beams.owner[parents[fresh]])),
                      np.concatenate((stay_blank, np.full(len(ids), -np.inf))),
                      np.concatenate((stay_char, grown[fresh])))


def _top_per_search(beams: _Beams, lm_weight: float, prefixes: _Prefixes, width: int) -> _Beams:
    """The ``width`` best-ranked beams of each search (stable on ties)."""
    rank = np.logaddexp(beams.p_blank, beams.p_char)
    if lm_weight:
        rank = rank + lm_weight * prefixes.lm[beams.prefix]
    order = np.lexsort((-rank, beams.owner))
    sorted_owner = beams.owner[order]
    first = np.searchsorted(sorted_owner, sorted_owner)  # where each entry's search starts
    return beams.take(order[np.arange(len(order)) - first < width])


def _best_finished(prefixes: _Prefixes, beams: np.ndarray, scores: np.ndarray,
                   constraint: LexiconConstraint | None, lm_weight: float, count: int) -> list[tuple[int, ...]]:
    """One search's final beams ranked, the end of the frames closing each one's last word."""
    nodes = prefixes.node[beams]
    if constraint is not None and lm_weight != 0.0:
        lexicon = constraint.lexicon
        scores = scores + lm_weight * (prefixes.lm[beams] + np.where(nodes != ROOT, lexicon.node_prior[nodes], 0.0))
    order = np.argsort(-scores, kind="stable")
    if constraint is None:
        return [prefixes.labels_of(int(beams[i])) for i in order[:count]]
    whole = (nodes == ROOT) | constraint.lexicon.node_is_word[nodes]
    complete = [int(beams[i]) for i in order if whole[i]][:count]
    return [prefixes.labels_of(prefix) for prefix in complete] or [prefixes.labels_of(int(beams[order[0]]))]


def free_beam_search(log_probs: np.ndarray, charset: Charset, beam_width: int = 16,
                     prune: float = 1e-3) -> tuple[int, ...]:
    """The best label sequence of a search without a lexicon (fast-ctc-decode's, compiled)."""
    blank = charset.blank_index
    trimmed = _busy_steps(log_probs, blank, math.log(prune))
    if trimmed is None:
        return ()
    order = [blank] + [label for label in range(charset.num_classes) if label != blank]
    probs = np.ascontiguousarray(np.exp(trimmed[0])[:, order], dtype=np.float32)
    alphabet = ["\x00"] + [chr(0xE000 + label) for label in order[1:]]  # one private-use symbol a label
    text, _ = fast_ctc_decode.beam_search(probs, alphabet, beam_width, prune)
    return tuple(ord(symbol) - 0xE000 for symbol in text)
