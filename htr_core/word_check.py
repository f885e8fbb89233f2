"""The word model's check on a line reading: every word of the line is read again from its own
crop by the word model, and where the two readers disagree, the word that both together find
likelier stays.

The two models learnt apart (whole lines against single word crops) and misread different
words, so their joint likelihood settles many disagreements: on held-out training writers'
lines (pasted three ways) and Washington's training lines the line model alone reads 9.65% CER,
with the word model's check at weight 0.5 8.50% (``benchmarks/tune_word_check.py``, which picks
the weight).

A word is scored under the line model over its own time steps (``decode.word_steps``) and under
the word model over its crop: log P_line(word) + weight * log P_word(word), each summed over
every CTC alignment. The word model offers one alternative, its nearest lexicon word (word beam
search with its own lexicon and word prior), and only where its best path reads the word
otherwise: the lexicon search is the costly part. It never offers a word its lexicon lacks: the
line model's decoder has already weighed its free reading against the lexicon.
"""

from __future__ import annotations

import logging
from typing import Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.decode import (beam_search_labels, best_path, ctc_log_likelihood, decoded_from_text, log_softmax,
                             word_runs, word_steps)
from htr_core.runtime import Reading, Recognizer
from htr_core.types import Decoded

log = logging.getLogger(__name__)


def word_log_likelihood(log_probs: np.ndarray, word: str, charset: Charset) -> float:
    """log P(word | frames) under CTC (-inf: the charset lacks one of its characters, or the
    frames are too few to spell it)."""
    if not word or charset.unknown_characters(word):
        return -np.inf
    labels = charset.encode(word)
    repeats = int(np.count_nonzero(labels[1:] == labels[:-1]))
    if len(log_probs) < len(labels) + repeats:
        return -np.inf
    return ctc_log_likelihood(log_probs, labels, charset.blank_index)


def checked_word(own: str, line_frames: np.ndarray, line_charset: Charset, word_logits: np.ndarray,
                 word_reader: Recognizer, weight: float) -> str:
    """The word the line model read (``own``, over its frames' log-probabilities), or the
    lexicon word the word model reads in its crop (``word_logits``), whichever both models
    together find likelier."""
    if best_path(word_logits, word_reader.charset).text == own:
        return own
    word_frames = log_softmax(np.asarray(word_logits, dtype=np.float64))
    other = word_reader.charset.decode(beam_search_labels(word_frames, word_reader.charset, word_reader.beam_width,
                                                          word_reader.lexicon, word_reader.lm_weight))
    if not other or other == own:
        return own

    def joint(word: str) -> float:
        return (word_log_likelihood(line_frames, word, line_charset)
                + weight * word_log_likelihood(word_frames, word, word_reader.charset))

    return other if joint(other) > joint(own) else own


def check_lines(readings: Sequence[Reading], word_crops: Sequence[Sequence[np.ndarray]], line_reader: Recognizer,
                word_reader: Recognizer, weight: float) -> list[Decoded]:
    """Line readings with their words checked by the word model; ``word_crops[i]`` holds one
    grey crop per word of ``readings[i]`` (its ``word_runs``, left to right)."""
    lines = [word_runs(reading.decoded.char_spans) for reading in readings]
    for words, crops in zip(lines, word_crops):
        if len(words) != len(crops):
            raise ValueError(f"a line read as {len(words)} words came with {len(crops)} word crops")
    flat = [crop for crops in word_crops for crop in crops]
    word_logits = iter(word_reader.logits(flat) if flat else [])
    checked = []
    for reading, words in zip(readings, lines):
        log_probs = log_softmax(np.asarray(reading.logits, dtype=np.float64))
        own = ["".join(span.char for span in word) for word in words]
        chosen = [checked_word(own[j], log_probs[slice(*word_steps(words, j, len(log_probs)))], line_reader.charset,
                               next(word_logits), word_reader, weight) for j in range(len(words))]
        if chosen == own:
            checked.append(reading.decoded)
            continue
        log.debug("word check: %s -> %s", own, chosen)
        text = " ".join(chosen)
        realigned = decoded_from_text(line_reader.charset.encode(text), log_probs, line_reader.charset)
        checked.append(Decoded(text, realigned.confidence, realigned.char_spans, reading.decoded.free_text))
    return checked
