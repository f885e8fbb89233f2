"""Word beam search for whole readings: the lexicon's reading against the free one, and a line
decoded a word at a time."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.decoding.ctc import ctc_log_likelihoods, decoded_from_texts
from htr_core.types import CharSpan, Decoded

_APOSTROPHE_ENDING = re.compile(r"'[^\W\d_]+")  # possessive and contraction endings: 's, 't, 're


def free_reading_stays(log_probs: np.ndarray, constrained: str, free: str, charset: Charset,
                       oov_margin: float) -> bool:
    """True where the lexicon's reading gives way to the free one: it has more words (the lexicon
    corrects spellings, it does not get to cut a name it lacks into words it has: "LEBRUN" -> "LE
    BRUN"), it drops an apostrophe ending the word list lacks ("Hogg's" -> "Hogg'"), or it is more
    than ``oov_margin`` nats less likely under the model (a name, a number)."""
    if constrained == free:
        return False
    if len(constrained.split()) > len(free.split()):
        return True
    if _APOSTROPHE_ENDING.findall(constrained) != _APOSTROPHE_ENDING.findall(free):
        return True
    constrained_likelihood, free_likelihood = ctc_log_likelihoods(
        log_probs, [charset.encode(constrained), charset.encode(free)], charset.blank_index)
    return constrained_likelihood < free_likelihood - oov_margin


def word_runs(spans: Sequence[CharSpan]) -> list[list[CharSpan]]:
    """A reading's characters grouped into its space-separated words."""
    words: list[list[CharSpan]] = [[]]
    for span in spans:
        if span.char == " ":
            words.append([])
        else:
            words[-1].append(span)
    return [word for word in words if word]


def word_steps(words: Sequence[Sequence[CharSpan]], index: int, steps: int) -> tuple[int, int]:
    """The time steps that belong to word ``index`` of a line's ``word_runs``: from midway
    through the gap before it to midway through the gap after (the line's ends for its first
    and last word)."""
    word = words[index]
    start = 0 if index == 0 else (words[index - 1][-1].end + word[0].start) // 2
    end = steps if index == len(words) - 1 else (word[-1].end + words[index + 1][0].start + 1) // 2
    return start, end


def unknown_word_stretches(free: Decoded, steps: int, is_known) -> list[tuple[int, str, tuple[int, int]]]:
    """The words of a free reading to decode again under the lexicon: (index, text, steps) of each
    word whose letters ``is_known`` rejects (numbers and punctuation stay as read)."""
    words = word_runs(free.char_spans)
    stretches = []
    for index, word in enumerate(words):
        text = "".join(span.char for span in word)
        letters = "".join(char for char in text if char.isalpha())
        if letters and not is_known(letters):
            stretches.append((index, text, word_steps(words, index, steps)))
    return stretches


def reassembled(free: Sequence[Decoded], frames: Sequence[np.ndarray], replacements: Sequence[dict[int, str]],
                charset: Charset) -> list[Decoded]:
    """Free readings with some of their words replaced (word index -> text), re-aligned on their
    frames where anything changed; each free reading is kept as ``free_text``."""
    texts = []
    for reading, changes in zip(free, replacements):
        words = ["".join(span.char for span in word) for word in word_runs(reading.char_spans)]
        texts.append(" ".join(changes.get(index, word) for index, word in enumerate(words)))
    changed = [index for index, (reading, text) in enumerate(zip(free, texts)) if text != reading.text]
    realigned = iter(decoded_from_texts([charset.encode(texts[i]) for i in changed], [frames[i] for i in changed],
                                        charset))
    return [replace(next(realigned) if index in changed else reading, free_text=reading.text)
            for index, reading in enumerate(free)]
