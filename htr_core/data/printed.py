"""Printed lines (a page's header, a form's labels, typed notes) drawn in print fonts and in
OpenCV's vector fonts, then made to look scanned or photographed: the printed class the
printed-or-handwritten check learns from."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw

from htr_core.data.synthetic import TextSampler, add_paper, truetype_font

PRINT_FONT_SUFFIXES = (".ttf", ".otf")
# OpenCV's built-in faces: printed text that needs no font file (the tests draw headers with them).
VECTOR_FONTS = (cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
                cv2.FONT_HERSHEY_TRIPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL)


def find_print_fonts(folders: Sequence[Path]) -> list[Path]:
    """Every print font file under ``folders`` (for example Debian's /usr/share/fonts/truetype)."""
    fonts = sorted(p for folder in folders for p in Path(folder).rglob("*") if p.suffix.lower() in PRINT_FONT_SUFFIXES)
    if not fonts:
        raise FileNotFoundError(f"no print fonts ({', '.join(PRINT_FONT_SUFFIXES)}) under {', '.join(map(str, folders))}")
    return fonts


def draw_printed(text: str, font: Path | int, rng: np.random.Generator) -> np.ndarray:
    """``text`` in ``font`` (a font file, or one of VECTOR_FONTS) as grey uint8, dark on white,
    with a margin; x-height of about 8-30 pixels, as pages are scanned."""
    ink = int(rng.integers(0, 110))
    if isinstance(font, int):
        scale = rng.uniform(0.5, 1.4)
        thickness = int(rng.integers(1, 3))
        (width, height), baseline = cv2.getTextSize(text, font, scale, thickness)
        margin = max(4, height // 3)
        image = np.full((height + baseline + 2 * margin, width + 2 * margin), 255, np.uint8)
        cv2.putText(image, text, (margin, margin + height), font, scale, ink, thickness, cv2.LINE_AA)
        return image
    size = int(rng.integers(14, 48))
    face = truetype_font(str(font), size)
    left, top, right, bottom = face.getbbox(text)
    margin = max(4, size // 4)
    image = Image.new("L", (right - left + 2 * margin, bottom - top + 2 * margin), 255)
    ImageDraw.Draw(image).text((margin - left, margin - top), text, font=face, fill=ink)
    return np.asarray(image, dtype=np.uint8)


def scanned_look(grey: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Resampling, blur, paper and JPEG as a scanner or a phone leaves them."""
    if rng.random() < 0.5:
        factor = rng.uniform(0.4, 0.9)
        h, w = grey.shape
        small = cv2.resize(grey, (max(1, int(w * factor)), max(1, int(h * factor))), interpolation=cv2.INTER_AREA)
        grey = cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.4:
        grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.3, 1.2))
    if rng.random() < 0.6:
        grey = add_paper(grey, rng)
    if rng.random() < 0.4:
        ok, encoded = cv2.imencode(".jpg", grey, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(40, 90))])
        grey = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE) if ok else grey
    return grey


class PrintedLineDataset:
    """``length`` printed lines a pass, fresh text, face and look on every access; items are
    (grey, text) like the handwriting sets'."""

    def __init__(self, fonts: Sequence[Path], length: int, seed: int = 0, vector_fonts: Sequence[int] = VECTOR_FONTS):
        self.faces: list[Path | int] = list(fonts) + list(vector_fonts)
        if not self.faces:
            raise ValueError("no faces to print with")
        self.length = length
        self.rng = np.random.default_rng(seed)
        self.text = TextSampler(self.rng)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        rng = self.rng
        text = self.text.line(1, 9)
        if rng.random() < 0.15:
            text = text.upper()
        face = self.faces[int(rng.integers(len(self.faces)))]
        return scanned_look(draw_printed(text, face, rng), rng), text
