"""A recognizer and the decoder of its output together: crops in, readings out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from htr_core.choices import DecoderName
from htr_core.decoding.decoder import Decoder
from htr_core.decoding.lexicon import Lexicon
from htr_core.recognition.recognizer import Recognizer
from htr_core.types import Decoded, Reading


@dataclass(frozen=True)
class TextReader:
    recognizer: Recognizer
    decoder: Decoder

    @classmethod
    def of(cls, recognizer: Recognizer, decoder: DecoderName | None = None, language: str = "en",
           lexicon: Lexicon | None = None, beam_width: int | None = None) -> "TextReader":
        """The recognizer with its config's decoder (another ``decoder`` or ``beam_width`` if
        given), decoding in ``language``; a line model decodes word beam search a word at a time."""
        config = recognizer.config.decoder
        config = replace(config, name=decoder or config.name, beam_width=beam_width or config.beam_width)
        return cls(recognizer, Decoder(config, recognizer.charset, language, lexicon,
                                       by_word=recognizer.config.line_mode))

    @classmethod
    def load(cls, model_dir: Path, decoder: DecoderName | None = None, language: str = "en",
             threads: int = 1, **recognizer_options) -> "TextReader":
        return cls.of(Recognizer(model_dir, threads=threads, **recognizer_options), decoder, language)

    @property
    def name(self) -> str:
        return self.recognizer.model_dir.name

    def with_language(self, language: str) -> "TextReader":
        decoder = self.decoder.with_language(language)
        return self if decoder is self.decoder else replace(self, decoder=decoder)

    def with_decoder(self, name: DecoderName | None) -> "TextReader":
        """The same model decoding with decoder ``name`` (None: as it is)."""
        if name is None or name == self.decoder.config.name:
            return self
        return replace(self, decoder=self.decoder.with_config(name=name))

    def read(self, crops: Sequence[np.ndarray], batch_size: int = 16) -> list[Decoded]:
        """Read grey uint8 crops (one word or line each)."""
        return self.read_with_frames(crops, batch_size)[1]

    def read_with_frames(self, crops: Sequence[np.ndarray],
                         batch_size: int = 16) -> tuple[list[Reading], list[Decoded]]:
        """The recognizer's readings and their decodings."""
        readings = self.recognizer.read(crops, batch_size)
        return readings, self.decoder.decode_many([reading.log_probs for reading in readings])
