"""Decoders: a model's (time, classes) log-probabilities in, ``Decoded`` readings out."""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.decoding.beam_search import LexiconConstraint, free_beam_search, prefix_beam_searches
from htr_core.decoding.config import DecoderConfig
from htr_core.decoding.ctc import best_path, decoded_from_texts
from htr_core.decoding.lexicon import Lexicon
from htr_core.decoding.punctuation import attach_punctuation
from htr_core.decoding.words import free_reading_stays, reassembled, unknown_word_stretches
from htr_core.language.word_lists import check_language
from htr_core.types import Decoded


class Decoder:
    """One decoding of a model's output. ``by_word``: word beam search decodes each word of a
    line on its own, as line models do (``words``); the lexicon is the language's, loaded on
    first use unless given."""

    def __init__(self, config: DecoderConfig, charset: Charset, language: str = "en",
                 lexicon: Lexicon | None = None, by_word: bool = False):
        self.config, self.charset, self.by_word = config, charset, by_word
        self.language = check_language(language)
        self._lexicon = lexicon
        self._constraint: LexiconConstraint | None = None

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon.for_language(self.language, self.config.lexicon_size)
        return self._lexicon

    @property
    def constraint(self) -> LexiconConstraint:
        if self._constraint is None:
            self._constraint = LexiconConstraint(self.lexicon, self.charset)
        return self._constraint

    def with_config(self, **changes) -> "Decoder":
        """The same decoder with some of its config changed (the lexicon kept)."""
        other = copy.copy(self)
        other.config = replace(self.config, **changes)
        if other.config.lexicon_size != self.config.lexicon_size:
            other._lexicon = other._constraint = None
        return other

    def with_language(self, language: str) -> "Decoder":
        """The same decoder in another language's lexicon."""
        if check_language(language) == self.language:
            return self
        other = copy.copy(self)
        other.language, other._lexicon, other._constraint = language, None, None
        return other

    def __call__(self, log_probs: np.ndarray) -> Decoded:
        return self.decode_many([log_probs])[0]

    def decode_many(self, frames: Sequence[np.ndarray]) -> list[Decoded]:
        """Each frame sequence's reading, punctuation attached to its word; the lexicon searches
        of all of them run together."""
        name = self.config.name
        if name == "bestpath":
            readings = [best_path(log_probs, self.charset) for log_probs in frames]
        elif name == "beamsearch":
            readings = self._free(frames)
        elif self.by_word:
            readings = self._word_by_word(frames)
        else:
            readings = self._lexicon_or_free(frames)
        return [attach_punctuation(reading) for reading in readings]

    def lexicon_labels(self, frames: Sequence[np.ndarray], count: int = 1) -> list[list[tuple[int, ...]]]:
        """The ``count`` best lexicon-constrained label sequences of each frame sequence."""
        return prefix_beam_searches(frames, self.charset, self.config.beam_width, self.constraint,
                                    self.config.lm_weight, count=count)

    def _free(self, frames: Sequence[np.ndarray]) -> list[Decoded]:
        labels = [free_beam_search(log_probs, self.charset, self.config.beam_width) for log_probs in frames]
        return decoded_from_texts(labels, frames, self.charset)

    def _lexicon_or_free(self, frames: Sequence[np.ndarray]) -> list[Decoded]:
        """Word beam search over each whole reading; with ``oov_margin`` the free reading wins
        where ``free_reading_stays`` (a name or a number the lexicon lacks), kept as ``free_text``."""
        constrained = decoded_from_texts([labels[0] for labels in self.lexicon_labels(frames)], frames, self.charset)
        margin = self.config.oov_margin
        if margin is None:
            return constrained
        readings = []
        for log_probs, lexicons, free in zip(frames, constrained, self._free(frames)):
            stays = free_reading_stays(log_probs, lexicons.text, free.text, self.charset, margin)
            readings.append(replace(free if stays else lexicons, free_text=free.text))
        return readings

    def _word_by_word(self, frames: Sequence[np.ndarray]) -> list[Decoded]:
        """The free search reads each line and places its word breaks; each word it read that the
        lexicon lacks is decoded again, lexicon-constrained, over its own time steps, and the free
        word stays where ``free_reading_stays``. One unknown word (a name) then cannot pull its
        neighbours off their words."""
        free = self._free(frames)
        stretches = [unknown_word_stretches(reading, len(log_probs), self.lexicon.__contains__)
                     for reading, log_probs in zip(free, frames)]
        pieces = [log_probs[start:end] for log_probs, found in zip(frames, stretches) for _, _, (start, end) in found]
        found_labels = iter(self.lexicon_labels(pieces) if pieces else [])
        replacements = []
        for log_probs, found in zip(frames, stretches):
            replacements.append({})
            for index, free_word, (start, end) in found:
                constrained = self.charset.decode(next(found_labels)[0]).strip()
                margin = self.config.oov_margin
                if constrained and (margin is None or not free_reading_stays(
                        log_probs[start:end], constrained, free_word, self.charset, margin)):
                    replacements[-1][index] = constrained
        return reassembled(free, frames, replacements, self.charset)
