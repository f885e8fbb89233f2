"""The word model's check on a line reading: every word of the line is read again from its own
crop by the word model, and where the two readers disagree, the words that both models together,
and an English word bigram model, find likeliest stay.

The two models learnt apart (whole lines against single word crops) and misread different
words, so their joint likelihood settles many disagreements, and the words around a doubtful
word settle more (``benchmarks/tune_word_check.py`` measures both on held-out training writers'
lines and Washington's training lines, and picks the weights).

Where the word model's best path reads a word otherwise than the line model, candidates are
offered: the line model's own word, the word model's ``ALTERNATIVES`` best lexicon words (word
beam search with its lexicon and word prior) and the line model's best lexicon words over the
word's own time steps (``decode.word_steps``). Each is scored
log P_line(word) + word_weight * log P_word(word), each summed over every CTC alignment, and the
line's words are chosen together, adding lm_weight times each word's bigram score given the
word chosen before it (``language_model``). Words both readers agree on have no rival.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.decode import (beam_search_candidates, best_path, ctc_log_likelihoods, decoded_from_text, log_softmax,
                             word_runs, word_steps)
from htr_core.language_model import BigramModel
from htr_core.runtime import Reading, Recognizer
from htr_core.types import Decoded

log = logging.getLogger(__name__)

ALTERNATIVES = 3  # lexicon words each model offers for a word the two read differently


@dataclass(frozen=True)
class WordCandidate:
    """One reading of a word of a line, with its log-likelihood under each model (a word both
    models read alike is a lone candidate, not scored: 0.0)."""

    text: str
    line_score: float
    word_score: float

    def acoustic(self, word_weight: float) -> float:
        return self.line_score + word_weight * self.word_score


def word_log_likelihoods(log_probs: np.ndarray, words: Sequence[str], charset: Charset) -> np.ndarray:
    """log P(word | frames) under CTC for each word (-inf: the charset lacks one of its
    characters, or the frames are too few to spell it)."""
    scores = np.full(len(words), -np.inf)
    spellable = [index for index, word in enumerate(words) if word and not charset.unknown_characters(word)]
    if spellable:
        scores[spellable] = ctc_log_likelihoods(log_probs, [charset.encode(words[i]) for i in spellable],
                                                charset.blank_index)
    return scores


def _lexicon_words(frames: np.ndarray, reader: Recognizer, count: int) -> list[str]:
    found = beam_search_candidates(frames, reader.charset, reader.beam_width, reader.lexicon, reader.lm_weight,
                                   count=count)
    return [reader.charset.decode(labels).strip() for labels in found]


def word_candidates(own: str, line_frames: np.ndarray, line_reader: Recognizer, word_logits: np.ndarray,
                    word_reader: Recognizer, alternatives: int = ALTERNATIVES) -> list[WordCandidate]:
    """The readings of one word of a line worth weighing, the line model's own (``own``, read
    from ``line_frames``, its log-probabilities) first; the word model read ``word_logits`` in
    the word's crop."""
    if best_path(word_logits, word_reader.charset).text == own:
        return [WordCandidate(own, 0.0, 0.0)]
    word_frames = log_softmax(np.asarray(word_logits, dtype=np.float64))
    texts = [own]
    for text in (_lexicon_words(word_frames, word_reader, alternatives)
                 + _lexicon_words(line_frames, line_reader, alternatives)):
        if text and " " not in text and text not in texts:
            texts.append(text)
    line_scores = word_log_likelihoods(line_frames, texts, line_reader.charset)
    word_scores = word_log_likelihoods(word_frames, texts, word_reader.charset)
    return [WordCandidate(text, float(line), float(word)) for text, line, word in zip(texts, line_scores, word_scores)]


def line_candidates(readings: Sequence[Reading], word_crops: Sequence[Sequence[np.ndarray]],
                    line_reader: Recognizer, word_reader: Recognizer,
                    alternatives: int = ALTERNATIVES) -> list[list[list[WordCandidate]]]:
    """``word_candidates`` for every word of every reading; ``word_crops[i]`` holds one grey crop
    per word of ``readings[i]`` (its ``word_runs``, left to right)."""
    lines = [word_runs(reading.decoded.char_spans) for reading in readings]
    for words, crops in zip(lines, word_crops):
        if len(words) != len(crops):
            raise ValueError(f"a line read as {len(words)} words came with {len(crops)} word crops")
    flat = [crop for crops in word_crops for crop in crops]
    word_logits = iter(word_reader.logits(flat) if flat else [])
    candidates = []
    for reading, words in zip(readings, lines):
        log_probs = log_softmax(np.asarray(reading.logits, dtype=np.float64))
        candidates.append([
            word_candidates("".join(span.char for span in word), log_probs[slice(*word_steps(words, j, len(log_probs)))],
                            line_reader, next(word_logits), word_reader, alternatives)
            for j, word in enumerate(words)])
    return candidates


def best_words(positions: Sequence[Sequence[WordCandidate]], word_weight: float,
               language_model: BigramModel | None = None, lm_weight: float = 0.0) -> list[str]:
    """The likeliest words of a line, one per position: each candidate's ``acoustic`` score plus,
    with a language model, ``lm_weight`` times its bigram score after the word chosen before it
    (a Viterbi search over the candidates). A candidate neither model can spell (-inf) is never
    chosen over the line model's own word."""
    use_lm = language_model is not None and lm_weight > 0
    # Best (score, words) ending in each candidate of the previous position.
    ending: dict[str | None, tuple[float, list[str]]] = {None: (0.0, [])}
    for candidates in positions:
        following: dict[str | None, tuple[float, list[str]]] = {}
        for index, candidate in enumerate(candidates):
            acoustic = candidate.acoustic(word_weight)
            if not math.isfinite(acoustic):
                if index:
                    continue
                acoustic = -1e9  # the line model's own word stays available
            best = None
            for previous, (score, words) in ending.items():
                total = score + acoustic
                if use_lm:
                    total += lm_weight * language_model.score(previous, candidate.text)  # type: ignore[union-attr]
                if best is None or total > best[0]:
                    best = (total, words)
            following[candidate.text] = (best[0], best[1] + [candidate.text])  # type: ignore[index]
        ending = following
    return max(ending.values(), key=lambda entry: entry[0])[1]


def apply_choice(readings: Sequence[Reading], candidates: Sequence[Sequence[Sequence[WordCandidate]]],
                 line_charset: Charset, word_weight: float, language_model: BigramModel | None = None,
                 lm_weight: float = 0.0) -> list[Decoded]:
    """The readings with each line's ``best_words``; a changed line is re-aligned on the line
    model's frames (boxes and confidences follow the new text), its free reading kept."""
    checked = []
    for reading, positions in zip(readings, candidates):
        own = [position[0].text for position in positions]
        chosen = best_words(positions, word_weight, language_model, lm_weight)
        if chosen == own:
            checked.append(reading.decoded)
            continue
        log.debug("word check: %s -> %s", own, chosen)
        log_probs = log_softmax(np.asarray(reading.logits, dtype=np.float64))
        text = " ".join(chosen)
        realigned = decoded_from_text(line_charset.encode(text), log_probs, line_charset)
        checked.append(Decoded(text, realigned.confidence, realigned.char_spans, reading.decoded.free_text))
    return checked


def check_lines(readings: Sequence[Reading], word_crops: Sequence[Sequence[np.ndarray]], line_reader: Recognizer,
                word_reader: Recognizer, word_weight: float, language_model: BigramModel | None = None,
                lm_weight: float = 0.0) -> list[Decoded]:
    """Line readings with their words checked by the word model (and, with ``language_model``,
    by the words around them); ``word_crops`` as ``line_candidates`` takes them."""
    candidates = line_candidates(readings, word_crops, line_reader, word_reader)
    return apply_choice(readings, candidates, line_reader.charset, word_weight, language_model, lm_weight)
