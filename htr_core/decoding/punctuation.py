"""Readings tidied the way text is written: no space before closing punctuation."""

from __future__ import annotations

from dataclasses import replace

from htr_core.language.spacing import joins, tidy_spacing
from htr_core.types import CharSpan, Decoded


def attach_punctuation(decoded: Decoded) -> Decoded:
    """Drops the spaces a reading has before closing punctuation or after an opening bracket
    (``spacing.joins``): readers trained on IAM-style tokens write "body . In"."""
    spans = decoded.char_spans
    tokens: list[list[CharSpan]] = [[]]
    spaces: list[CharSpan] = []
    for span in spans:
        if span.char == " ":
            spaces.append(span)
            tokens.append([])
        else:
            tokens[-1].append(span)
    kept = list(tokens[0])
    for space, before, after in zip(spaces, tokens, tokens[1:]):
        if not (before and after and joins("".join(s.char for s in before), "".join(s.char for s in after))):
            kept.append(space)
        kept.extend(after)
    free_text = None if decoded.free_text is None else tidy_spacing(decoded.free_text)
    if len(kept) == len(spans) and free_text == decoded.free_text:
        return decoded
    return replace(decoded, text="".join(span.char for span in kept), char_spans=tuple(kept), free_text=free_text)
