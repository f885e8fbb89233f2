"""How a model's output is decoded: the decoder's name and settings, part of a model's config."""

from __future__ import annotations

from dataclasses import dataclass

from htr_core.choices import DECODERS, DecoderName
from htr_core.types import check_keys


@dataclass(frozen=True)
class DecoderConfig:
    """How a model's output is decoded by default (part of its ``ModelConfig``)."""

    name: DecoderName = "beamsearch"
    beam_width: int = 16
    lm_weight: float = 0.0  # wordbeamsearch: weight of the word-frequency prior
    lexicon_size: int = 50000  # wordbeamsearch: the language's most frequent words allowed
    # wordbeamsearch: keep the unconstrained reading when the lexicon's is this many nats less
    # likely (names, numbers, rare words); None: always the lexicon's
    oov_margin: float | None = None

    def __post_init__(self) -> None:
        if self.name not in DECODERS:
            raise ValueError(f"unknown decoder {self.name!r}; choose one of {', '.join(DECODERS)}")

    @classmethod
    def from_dict(cls, data: dict) -> "DecoderConfig":
        return cls(**check_keys(cls, data, "decoder config"))
