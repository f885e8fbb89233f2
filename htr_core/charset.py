"""The alphabet the models read and the CTC blank index, defined in one place.

Index 0 is the CTC blank (Keras' ``ctc_loss`` convention); characters follow from 1.
A model directory stores its charset in ``charset.txt`` (one character per line, the
space written as ``<space>``) so a model always decodes with the alphabet it was trained on.
"""

from __future__ import annotations

import functools

import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

BLANK_INDEX = 0
_SPACE_TOKEN = "<space>"

# Everything in IAM's transcriptions plus the space that separates words in a line.
DEFAULT_CHARACTERS = (
    " !\"#&'()*+,-./0123456789:;?"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "abcdefghijklmnopqrstuvwxyz"
)
# French (the Copiste lines' letters and marks) and the few other marks real notes carry, appended
# so the English characters keep their indices: a model of the English charset initialises one
# of this charset by copying its output rows (``remap_rows``).
FRENCH_LETTERS = "àâäçéèêëîïôöùûüÿœæ" + "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ"
OTHER_LETTERS = "áíóñ"  # names and places in French text
EXTRA_MARKS = "[]%$°«»€"
MULTILINGUAL_CHARACTERS = DEFAULT_CHARACTERS + EXTRA_MARKS + FRENCH_LETTERS + OTHER_LETTERS
CHARSETS = {"english": DEFAULT_CHARACTERS, "multilingual": MULTILINGUAL_CHARACTERS}

# Marks written alike by hand but typed differently: labels and references are read as one.
_SAME_BY_HAND = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u201c": '"', "\u201d": '"',
                               "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def normalise_text(text: str) -> str:
    """Typographic apostrophes, quotes, dashes and spaces as the plain marks a pen writes."""
    return text.translate(_SAME_BY_HAND)


class UnknownCharacterError(ValueError):
    """A label holds a character the charset cannot encode."""


@dataclass(frozen=True)
class Charset:
    characters: str = DEFAULT_CHARACTERS

    def __post_init__(self) -> None:
        if len(set(self.characters)) != len(self.characters):
            raise ValueError("charset characters must be unique")
        if not self.characters:
            raise ValueError("charset is empty")

    @property
    def num_classes(self) -> int:
        """Output width of the network: every character plus the blank."""
        return len(self.characters) + 1

    @property
    def blank_index(self) -> int:
        return BLANK_INDEX

    @functools.cached_property
    def _lookup(self) -> dict[str, int]:
        return {c: i + 1 for i, c in enumerate(self.characters)}

    def unknown_characters(self, text: str) -> set[str]:
        known = set(self.characters)
        return {c for c in text if c not in known}

    def encode(self, text: str) -> np.ndarray:
        """Text -> int32 label indices (1-based). Raises on characters not in the charset."""
        missing = self.unknown_characters(text)
        if missing:
            raise UnknownCharacterError(
                f"label {text!r} has characters outside the charset: {''.join(sorted(missing))!r}"
            )
        lookup = self._lookup
        return np.array([lookup[c] for c in text], dtype=np.int32)

    def decode(self, indices: Iterable[int]) -> str:
        """Label indices -> text; the blank and out-of-range indices are dropped."""
        chars = self.characters
        return "".join(chars[i - 1] for i in indices if 1 <= i <= len(chars))

    def remap_rows(self, source: "Charset") -> np.ndarray:
        """For each of this charset's classes, the class of ``source`` that reads the same
        character, else its letter without accents ("é" -> "e"), else -1; blank maps to blank."""
        lookup = source._lookup

        def row(char: str) -> int:
            base = unicodedata.normalize("NFD", char)[0]
            return lookup.get(char, lookup.get(base, -1))

        return np.array([BLANK_INDEX] + [row(c) for c in self.characters], dtype=np.int64)

    def save(self, path: Path) -> None:
        lines = [_SPACE_TOKEN if c == " " else c for c in self.characters]
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> "Charset":
        raw = Path(path).read_text(encoding="utf-8").split("\n")
        chars = [" " if line == _SPACE_TOKEN else line for line in raw if line != ""]
        if any(len(c) != 1 for c in chars):
            raise ValueError(f"{path}: each line must hold exactly one character")
        return cls("".join(chars))
