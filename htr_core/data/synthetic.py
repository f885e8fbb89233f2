"""Synthetic handwriting: words and lines rendered from handwriting fonts.

Text comes from a general English word list (autocorrect's, which ships with the package),
sampled by smoothed frequency, with the casing, punctuation and digits that real notes have.
Rendering varies font, size, stroke weight and ink; ``preprocess.augment_ink`` later adds slant,
elastic wobble, blur and noise; ``strokes.py`` draws letters along single pen strokes instead.
"""

from __future__ import annotations

import functools
import logging
import re
from pathlib import Path
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from htr_core.language.spacing import join_tokens

log = logging.getLogger(__name__)

FONT_SUFFIXES = (".ttf", ".otf", ".woff")
# Fonts with no lower case: lower-case text would be drawn as capitals and mislabel the sample.
CAPITALS_ONLY_FONTS = ("becausewe", "humor-sans", "permanent-marker", "rock-salt")
_PUNCTUATION = [",", ".", "'", "-", "!", "?", ":", ";", '"', "(", ")"]
_WORD_PATTERN = re.compile(r"^[a-z]+$")


@functools.lru_cache(maxsize=1)
def english_vocabulary(size: int = 40000) -> tuple[tuple[str, ...], np.ndarray]:
    """The ``size`` most frequent alphabetic words of autocorrect's English list and weights."""
    from autocorrect import Speller

    counts = Speller("en", only_replacements=False).nlp_data
    words = sorted((w for w in counts if _WORD_PATTERN.match(w)), key=lambda w: -counts[w])[:size]
    weights = np.sqrt(np.array([counts[w] for w in words], dtype=np.float64))
    return tuple(words), weights / weights.sum()


def find_fonts(fonts_dir: Path) -> list[Path]:
    fonts = sorted(p for p in Path(fonts_dir).iterdir() if p.suffix.lower() in FONT_SUFFIXES)
    if not fonts:
        raise FileNotFoundError(f"no font files ({', '.join(FONT_SUFFIXES)}) in {fonts_dir}")
    return fonts


def is_capitals_only(font: Path) -> bool:
    return any(tag in font.name.lower() for tag in CAPITALS_ONLY_FONTS)


@functools.lru_cache(maxsize=512)
def truetype_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


COMPOUND_SHARE = 0.05  # share of synthetic word samples that are compound names
SPACED_LINE_SHARE = 0.5  # share of synthetic lines drawn with spaced letters and wide word gaps


class TextSampler:
    """Random words and lines that look like what people write."""

    def __init__(self, rng: np.random.Generator, vocabulary_size: int = 40000):
        self.words, self.weights = english_vocabulary(vocabulary_size)
        self.rng = rng

    def word(self) -> str:
        rng = self.rng
        roll = rng.random()
        if roll < 0.06:
            digits = rng.integers(1, 5)
            token = "".join(str(d) for d in rng.integers(0, 10, digits))
            return token + (rng.choice(["", ".", ",", "th", "st"]) if rng.random() < 0.3 else "")
        if roll < 0.12:
            return str(rng.choice(_PUNCTUATION))
        word = self.words[int(rng.choice(len(self.words), p=self.weights))]
        case = rng.random()
        if case < 0.2:
            word = word.capitalize()
        elif case < 0.26:
            word = word.upper()
        if rng.random() < 0.1:
            word += str(rng.choice([",", ".", "'s", "?", "!", ":", ";"]))
        return word

    def field(self) -> str:
        """What one box of a form holds: mostly a word, sometimes a compound name ("Jean-Roch",
        "De Amorim", "Pontvert - Delucq") that a word reader must read with its hyphen or space."""
        if self.rng.random() >= COMPOUND_SHARE:
            return self.word()
        first, second = (self.words[int(i)] for i in self.rng.choice(len(self.words), 2, p=self.weights))
        joiner = str(self.rng.choice(["-", "-", " - ", " "]))
        return first.capitalize() + joiner + second.capitalize()

    def line(self, min_words: int = 3, max_words: int = 8) -> str:
        count = int(self.rng.integers(min_words, max_words + 1))
        return join_tokens(self.word() for _ in range(count))


def render_text(text: str, font: Path, rng: np.random.Generator, tracking: float = 0.0,
                word_spacing: float = 0.0) -> np.ndarray:
    """Dark text on white paper as grey uint8, cropped to the ink with a small margin.

    ``tracking`` adds that many font sizes of space after every character (block capitals
    written one per box on a form, or a print hand's spaced letters); ``word_spacing`` adds that
    many more after each space, since people leave wider gaps between words than fonts do.
    """
    size = int(rng.integers(28, 56))
    face = truetype_font(str(font), size)
    stroke = int(rng.random() < 0.25)
    left, top, right, bottom = face.getbbox(text, stroke_width=stroke)
    gap, word_gap = int(tracking * size), int(word_spacing * size)
    margin = size // 4
    spread = 1.1 if gap or word_gap else 1.0  # room for letters drawn up to 8% larger
    width = int((right - left) * spread) + 2 * margin + gap * max(len(text) - 1, 0) + word_gap * text.count(" ")
    height = bottom - top + 2 * margin
    image = Image.new("L", (max(width, 1), max(height, 1)), 255)
    ink = int(rng.integers(0, 90))
    draw = ImageDraw.Draw(image)
    if gap or word_gap:
        # Letters drawn one by one also wander a little in height and size, as a hand's do.
        x = float(margin - left)
        for char in text:
            char_face = truetype_font(str(font), max(8, int(size * rng.uniform(0.9, 1.08))))
            y = margin - top + (size - char_face.size) * 0.8 + rng.normal(0, 0.03 * size)
            draw.text((x, y), char, font=char_face, fill=ink, stroke_width=stroke, stroke_fill=ink)
            x += char_face.getlength(char) + gap + (word_gap if char == " " else 0)
    else:
        draw.text((margin - left, margin - top), text, font=face, fill=ink, stroke_width=stroke, stroke_fill=ink)
    return np.asarray(image, dtype=np.uint8)


def add_paper(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Uneven lighting and paper grain under the ink."""
    h, w = grey.shape
    gradient = np.linspace(0, rng.uniform(-40, 40), w, dtype=np.float32)[None, :]
    gradient = gradient + np.linspace(0, rng.uniform(-25, 25), h, dtype=np.float32)[:, None]
    paper = rng.uniform(200, 255) + gradient + rng.normal(0, rng.uniform(0, 8), (h, w))
    out = np.minimum(paper, grey.astype(np.float32) + (paper - 255).clip(max=0))
    return np.clip(out, 0, 255).astype(np.uint8)


class GeneratedTextDataset:
    """``length`` random words (or lines) per pass; every access draws fresh text and style
    (subclasses draw it)."""

    def __init__(self, length: int, line_mode: bool = False, seed: int = 0):
        self.length = length
        self.line_mode = line_mode
        self.rng = np.random.default_rng(seed)
        self.text = TextSampler(self.rng)

    def __len__(self) -> int:
        return self.length

    def sample_text(self) -> str:
        return self.text.line() if self.line_mode else self.text.field()


class SyntheticDataset(GeneratedTextDataset):
    """Text rendered from handwriting fonts."""

    def __init__(
        self,
        fonts_dir: Path,
        length: int,
        line_mode: bool = False,
        seed: int = 0,
        fonts: Sequence[Path] | None = None,
    ):
        self.fonts = list(fonts) if fonts is not None else find_fonts(fonts_dir)
        super().__init__(length, line_mode, seed)

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        rng = self.rng
        font = self.fonts[int(rng.integers(len(self.fonts)))]
        text = self.sample_text()
        tracking = word_spacing = 0.0
        if is_capitals_only(font) or (not self.line_mode and rng.random() < 0.1):
            text = text.upper()
            # Forms: capitals spaced out, one per box.
            tracking = rng.uniform(0.2, 0.9) if rng.random() < 0.5 else 0.0
        elif self.line_mode and rng.random() < SPACED_LINE_SHARE:
            # Print-like hands space their letters, and their words wider still: a reader trained
            # on fonts' tight spacing breaks such words apart (seen on the cabuyao photos).
            tracking, word_spacing = rng.uniform(0.0, 0.25), rng.uniform(0.2, 0.8)
        grey = render_text(text, font, rng, tracking, word_spacing)
        if rng.random() < 0.5:
            grey = add_paper(grey, rng)
        return grey, text
