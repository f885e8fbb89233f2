"""Frozen dataclasses passed between stages; each converts to and from plain dicts (JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class CharSpan:
    """One decoded character: its text, confidence and the output time steps it covers."""

    char: str
    confidence: float
    start: int
    end: int  # exclusive


@dataclass(frozen=True)
class Decoded:
    text: str
    confidence: float  # probability-like score of the whole reading, in [0, 1]
    char_spans: tuple[CharSpan, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Decoded":
        spans = tuple(CharSpan(**span) for span in data.get("char_spans", ()))
        return cls(text=data["text"], confidence=float(data["confidence"]), char_spans=spans)
