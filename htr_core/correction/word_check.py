"""The word model's check on a line reading: each word is read again from its own crop by the
word model (which learnt apart and misreads other words), and where the two disagree, the words
both models (and an English word-pair model) find likeliest together stay.

Words whose every letter the line model read surely enough stand as read (the word model costs a
model call a word). Candidates: the line model's word and each model's best lexicon words, scored
log P_line + word_weight * log P_word over all CTC alignments, plus lm_weight times each word's
pair score, a line's words chosen together (docs/PIPELINE.md).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.decoding.ctc import best_path, ctc_log_likelihoods, decoded_from_texts
from htr_core.decoding.words import word_runs, word_steps
from htr_core.language.bigrams import BigramModel
from htr_core.layout.word_boxes import word_crops
from htr_core.recognition.model_config import WordCheckConfig
from htr_core.recognition.reader import TextReader
from htr_core.types import CharSpan, Decoded, Reading

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


def _lexicon_words(reader: TextReader, frames: Sequence[np.ndarray], count: int) -> list[list[str]]:
    """Each frame sequence's ``count`` best lexicon words under ``reader``'s decoder (searched together)."""
    found = reader.decoder.lexicon_labels(frames, count) if frames else []
    return [[reader.recognizer.charset.decode(labels).strip() for labels in labels_list] for labels_list in found]


def scored_candidates(own: str, texts: Sequence[str], line_frames: np.ndarray, line_charset: Charset,
                      word_frames: np.ndarray, word_charset: Charset) -> list[WordCandidate]:
    """The line model's own word first, then the other offered words, each scored by both models."""
    texts = [own] + [text for index, text in enumerate(texts)
                     if text and " " not in text and text != own and text not in texts[:index]]
    line_scores = word_log_likelihoods(line_frames, texts, line_charset)
    word_scores = word_log_likelihoods(word_frames, texts, word_charset)
    return [WordCandidate(text, float(line), float(word)) for text, line, word in zip(texts, line_scores, word_scores)]


def words_to_reread(decoded: Sequence[Decoded], sure_confidence: float | None) -> list[list[bool]]:
    """For each line's ``word_runs`` words, whether the word model reads it again: every word
    unless ``sure_confidence`` is given, then only those with a letter read less surely."""
    return [[sure_confidence is None or _least_sure_letter(run) < sure_confidence for run in word_runs(line.char_spans)]
            for line in decoded]


def _least_sure_letter(run: Sequence[CharSpan]) -> float:
    return min(span.confidence for span in run)


def line_candidates(readings: Sequence[Reading], decoded: Sequence[Decoded],
                    word_readings: Sequence[Reading | None], line_reader: TextReader, word_reader: TextReader,
                    alternatives: int = ALTERNATIVES) -> list[list[list[WordCandidate]]]:
    """The readings of each word of each line worth weighing, the line model's own first.
    ``word_readings`` are the word model's readings of every line's words in order (one per
    ``word_runs`` word; None: a word not reread). Where the word model's best path reads a word as
    the line model did, or did not read it, it is a lone candidate; elsewhere both models offer
    their best lexicon words (all searched together)."""
    lines = [word_runs(reading.char_spans) for reading in decoded]
    if sum(map(len, lines)) != len(word_readings):
        raise ValueError(f"{sum(map(len, lines))} words read by the line model, {len(word_readings)} word crops")
    words = iter(word_readings)
    slots = []  # (line, word index, own text, line frames, word frames) of each word the models disagree on
    candidates: list[list[list[WordCandidate]]] = []
    for line, (reading, runs) in enumerate(zip(readings, lines)):
        candidates.append([])
        for index, run in enumerate(runs):
            own, word = "".join(span.char for span in run), next(words)
            candidates[-1].append([WordCandidate(own, 0.0, 0.0)])
            if word is not None and best_path(word.log_probs, word_reader.recognizer.charset).text != own:
                stretch = reading.log_probs[slice(*word_steps(runs, index, len(reading.log_probs)))]
                slots.append((line, index, own, stretch, word.log_probs))
    offered_by_word = _lexicon_words(word_reader, [slot[4] for slot in slots], alternatives)
    offered_by_line = _lexicon_words(line_reader, [slot[3] for slot in slots], alternatives)
    for (line, index, own, stretch, word_frames), by_word, by_line in zip(slots, offered_by_word, offered_by_line):
        candidates[line][index] = scored_candidates(own, by_word + by_line, stretch, line_reader.recognizer.charset,
                                                    word_frames, word_reader.recognizer.charset)
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


def apply_choice(readings: Sequence[Reading], decoded: Sequence[Decoded],
                 candidates: Sequence[Sequence[Sequence[WordCandidate]]], line_charset: Charset,
                 word_weight: float, language_model: BigramModel | None = None, lm_weight: float = 0.0) -> list[Decoded]:
    """The decodings with each line's ``best_words``; a changed line is re-aligned on the line
    model's frames (boxes and confidences follow the new text), its free reading kept."""
    chosen = [best_words(positions, word_weight, language_model, lm_weight) for positions in candidates]
    changed = [index for index, (positions, words) in enumerate(zip(candidates, chosen))
               if words != [position[0].text for position in positions]]
    chosen = [" ".join(words) for words in chosen]
    for index in changed:
        log.debug("word check: %s -> %s", decoded[index].text, chosen[index])
    realigned = iter(decoded_from_texts([line_charset.encode(chosen[i]) for i in changed],
                                        [readings[i].log_probs for i in changed], line_charset))
    checked = []
    for index, line in enumerate(decoded):
        if index in changed:
            new = next(realigned)
            line = Decoded(chosen[index], new.confidence, new.char_spans, line.free_text)
        checked.append(line)
    return checked


class WordCheck:
    """The word model's check on a line model's readings, a step of the pipeline after decoding:
    each word is read again from its own crop and the likeliest words of the two models (and the
    word-pair model, when given) stay."""

    def __init__(self, word_reader: TextReader, config: WordCheckConfig, language_model: BigramModel | None = None,
                 alternatives: int = ALTERNATIVES):
        self.word_reader, self.config = word_reader, config
        self.language_model = language_model if config.lm_weight else None
        self.alternatives = alternatives

    def __call__(self, line_reader: TextReader, readings: Sequence[Reading], decoded: Sequence[Decoded],
                 crops: Sequence[np.ndarray]) -> list[Decoded]:
        """``decoded`` (the line reader's decodings of ``readings`` of ``crops``) checked."""
        reread = words_to_reread(decoded, self.config.sure_confidence)
        pieces = [piece for line, reading, crop, flags in zip(decoded, readings, crops, reread)
                  for piece, flag in zip(word_crops(line, reading, crop), flags) if flag]
        read = iter(self.word_reader.recognizer.read(pieces) if pieces else [])
        word_readings = [next(read) if flag else None for flags in reread for flag in flags]
        candidates = line_candidates(readings, decoded, word_readings, line_reader, self.word_reader,
                                     self.alternatives)
        return apply_choice(readings, decoded, candidates, line_reader.recognizer.charset, self.config.word_weight,
                            self.language_model, self.config.lm_weight)
