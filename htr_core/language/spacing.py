"""Where a space goes between written tokens: "body. In", "(see", "stress-relieving".

IAM and the Washington letters transcribe punctuation as tokens of their own ("body . In"), so
lines assembled from their words would teach a reader to write a space before every comma, and
readings would carry one (a character error each against ordinary text). Training labels are
joined with ``join_tokens``; readings pass through ``tidy_spacing`` for the spaces a reader still
puts in front of punctuation.
"""

from __future__ import annotations

from typing import Iterable

CLOSING_PUNCTUATION = frozenset(",.;:!?)")
OPENING_PUNCTUATION = frozenset("(")
# A token that starts with one of these and goes on with a letter continues the word before it:
# a torn "can 't" or "stress -relieving". A lone "'" or "-" (a quote, a dash) stays apart.
CONTINUATION_MARKS = frozenset("'-")


def attaches_left(token: str) -> bool:
    """True if ``token`` is written against the token before it, with no space."""
    if not token:
        return False
    if all(char in CLOSING_PUNCTUATION for char in token):
        return True
    return len(token) > 1 and token[0] in CONTINUATION_MARKS and token[1].isalpha()


def attaches_right(token: str) -> bool:
    """True if the token after ``token`` is written against it ("(" then "see")."""
    return bool(token) and all(char in OPENING_PUNCTUATION for char in token)


def joins(previous: str, token: str) -> bool:
    """True if no space is written between ``previous`` and ``token``."""
    return attaches_left(token) or attaches_right(previous)


def join_tokens(tokens: Iterable[str]) -> str:
    """Tokens as they are written: spaces between them except where punctuation attaches."""
    text, previous = "", None
    for token in tokens:
        if previous is not None and not joins(previous, token):
            text += " "
        text += token
        previous = token
    return text


def tidy_spacing(text: str) -> str:
    """``text`` with the spaces before closing punctuation and after opening brackets removed."""
    return join_tokens(text.split())
