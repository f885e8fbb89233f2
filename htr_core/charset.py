"""The alphabet the models read and the CTC blank index, defined in one place.

Index 0 is the CTC blank (Keras' ``ctc_loss`` convention); characters follow from 1.
A model directory stores its charset in ``charset.txt`` (one character per line, the
space written as ``<space>``) so a model always decodes with the alphabet it was trained on.
"""

from __future__ import annotations

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
        lookup = self._lookup()
        return np.array([lookup[c] for c in text], dtype=np.int32)

    def decode(self, indices: Iterable[int]) -> str:
        """Label indices -> text; the blank and out-of-range indices are dropped."""
        chars = self.characters
        return "".join(chars[i - 1] for i in indices if 1 <= i <= len(chars))

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
