"""Character and word error rates, summed over a set (total edits / total reference units)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Sequence

import editdistance

_NOT_ALNUM = re.compile(r"[^0-9a-z ]+")


def normalise_strict(text: str) -> str:
    """Collapse whitespace only."""
    return " ".join(text.split())


def normalise_loose(text: str) -> str:
    """Case-insensitive scoring: lower case, keep letters, digits and spaces."""
    return " ".join(_NOT_ALNUM.sub("", text.lower()).split())


@dataclass(frozen=True)
class ErrorRates:
    cer: float
    wer: float
    char_errors: int
    chars: int
    word_errors: int
    words: int
    exact: float  # share of items read exactly (word accuracy for word sets)
    items: int

    def to_dict(self) -> dict:
        return asdict(self)


def error_rates(references: Sequence[str], predictions: Sequence[str], loose: bool = False) -> ErrorRates:
    if len(references) != len(predictions):
        raise ValueError("references and predictions differ in length")
    norm = normalise_loose if loose else normalise_strict
    char_errors = chars = word_errors = words = exact = 0
    for ref, hyp in zip(references, predictions):
        ref, hyp = norm(ref), norm(hyp)
        char_errors += editdistance.eval(ref, hyp)
        chars += len(ref)
        word_errors += editdistance.eval(ref.split(), hyp.split())
        words += len(ref.split())
        exact += ref == hyp
    count = len(references)
    return ErrorRates(
        cer=char_errors / max(chars, 1),
        wer=word_errors / max(words, 1),
        char_errors=char_errors,
        chars=chars,
        word_errors=word_errors,
        words=words,
        exact=exact / max(count, 1),
        items=count,
    )
