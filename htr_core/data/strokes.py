"""Synthetic handwriting drawn with a pen along single-stroke letter shapes (Hershey fonts).

A font draws a letter the same way every time; a hand does not. These letters are vector strokes
(the ``hershey-fonts`` package), so each one is slanted, sized, shifted and wobbled on its own
and then drawn with a round pen of any width: print-like hands with the variation of real ones,
which IAM's mostly cursive writers and the outline fonts lack.
"""

from __future__ import annotations

import functools

import cv2
import numpy as np

from htr_core.data.synthetic import GeneratedTextDataset, add_paper

# Single-stroke faces that look written: sans and roman print, and script.
PRINT_FONTS = ("futural", "futuram", "rowmans", "rowmand")
SCRIPT_FONTS = ("scripts", "scriptc", "cursive")
PRINT_SHARE = 0.65  # the hands these help with most (the cabuyao photos) print
CAP_HEIGHT_UNITS = 21.0  # Hershey glyphs: cap line at -12, baseline at 9


@functools.lru_cache(maxsize=None)
def _font(name: str):
    from HersheyFonts import HersheyFonts

    font = HersheyFonts()
    font.load_default_font(name)
    return font


@functools.lru_cache(maxsize=None)
def _glyph(font_name: str, char: str) -> tuple[tuple[np.ndarray, ...], float]:
    """A character's strokes (read-only arrays of (x, y) in font units, x from its left edge, y
    down from the baseline) and its advance width; parsed once per face and character."""
    glyph = next(iter(_font(font_name).glyphs_for_text(char)))
    strokes = tuple(np.array(stroke, dtype=np.float64) - (glyph.left_offset, glyph.base_line)
                    for stroke in glyph.strokes if len(stroke) > 0)
    for stroke in strokes:
        stroke.setflags(write=False)
    return strokes, float(glyph.char_width)


def has_strokes(text: str, font_name: str) -> bool:
    """True if every non-space character of ``text`` has a drawn glyph in the font."""
    return all(char == " " or _glyph(font_name, char)[0] for char in text)


def draw_strokes(text: str, font_name: str, rng: np.random.Generator) -> np.ndarray:
    """``text`` written with a pen as grey uint8 (dark ink on white), with a margin around it."""
    cap = rng.uniform(18, 40)  # cap height in pixels
    unit = cap / CAP_HEIGHT_UNITS
    slant = rng.uniform(-0.25, 0.35)  # x shift per pixel of height above the baseline
    pen = max(1, int(round(rng.uniform(0.05, 0.11) * cap)))
    tracking = rng.uniform(-0.05, 0.25) * cap
    word_gap = rng.uniform(0.3, 1.2) * cap
    wobble = rng.uniform(0.0, 0.025) * cap

    polylines: list[np.ndarray] = []
    x = 0.0
    for char in text:
        strokes, advance = _glyph(font_name, char)
        if char == " ":
            x += advance * unit + word_gap
            continue
        size = unit * rng.uniform(0.88, 1.12)
        angle = np.deg2rad(rng.normal(0, 2.5))
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        baseline = rng.normal(0, 0.04 * cap)
        for stroke in strokes:
            points = stroke * size @ rotation.T
            points = points + rng.normal(0, wobble, points.shape) if len(points) > 2 else points
            points[:, 0] += x - slant * points[:, 1]
            points[:, 1] += baseline
            polylines.append(points)
        x += advance * size + tracking
    if not polylines:
        raise ValueError(f"nothing to draw for {text!r}")

    every = np.concatenate(polylines)
    margin = pen + int(cap // 3)
    low = every.min(axis=0) - margin
    width, height = (np.ceil(every.max(axis=0) + margin - low)).astype(int)
    image = np.full((height, width), 255, dtype=np.uint8)
    ink = int(rng.integers(0, 90))
    shift = 4  # sub-pixel precision for cv2.polylines
    scaled = [np.round((points - low) * (1 << shift)).astype(np.int32) for points in polylines]
    cv2.polylines(image, scaled, False, ink, thickness=pen, lineType=cv2.LINE_AA, shift=shift)
    return image


class StrokeDataset(GeneratedTextDataset):
    """Text drawn in a random stroke face; capitals only in the print faces (script capitals
    are flourishes few people write)."""

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        rng = self.rng
        faces = PRINT_FONTS if rng.random() < PRINT_SHARE else SCRIPT_FONTS
        font_name = faces[int(rng.integers(len(faces)))]
        text = self.sample_text()
        if faces is PRINT_FONTS and rng.random() < 0.08:
            text = text.upper()
        if not has_strokes(text, font_name):
            font_name = PRINT_FONTS[0]
        grey = draw_strokes(text, font_name, rng)
        if rng.random() < 0.5:
            grey = add_paper(grey, rng)
        return grey, text
