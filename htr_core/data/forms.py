"""Handwritten fields as they are cut from printed forms.

A form field's crop holds more than the handwriting: a printed label ("Name:", often half cut
off), slivers of the lines above and below, the rule. ``FormFieldDataset`` puts that clutter
around some samples of a word dataset, the label still the handwriting alone, so the model
learns to leave printed context out.
"""

from __future__ import annotations

import functools

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from htr_core.data.dataset import Dataset

# Field labels of common forms (English, French, Spanish, German, Italian); printed, never read.
FIELD_LABELS = (
    "Name:", "NAME:", "Name", "First name:", "FIRST NAME", "Last name:", "Surname:", "SURNAME :",
    "Date:", "Date of birth:", "City:", "Address:", "Signature:", "Class:", "No.", "Tel.:",
    "Nom :", "NOM :", "Prénom :", "PRENOM :", "Né(e) le :", "Ville :", "Classe :",
    "Nombre:", "Apellido:", "Fecha:", "Vorname:", "Nachname:", "Ort:", "Cognome:", "Data:",
)


@functools.lru_cache(maxsize=64)
def _printed_font(size: int) -> ImageFont.FreeTypeFont:
    # Pillow's bundled sans-serif: printed type with no font file to ship or find.
    return ImageFont.load_default(size=size)  # type: ignore[return-value]


def render_printed(text: str, height: int, ink: int) -> np.ndarray:
    """``text`` in printed type whose capitals are about ``height`` px tall (grey uint8)."""
    font = _printed_font(max(int(height * 1.35), 6))
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (max(right - left + 2, 1), max(bottom - top + 2, 1)), 255)
    ImageDraw.Draw(image).text((1 - left, 1 - top), text, font=font, fill=ink)
    return np.asarray(image, dtype=np.uint8)


def _paste_darker(canvas: np.ndarray, patch: np.ndarray, top: int, left: int) -> None:
    """Ink adds up: the darker pixel wins. Parts of ``patch`` outside ``canvas`` are dropped."""
    h, w = canvas.shape
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + patch.shape[0], h), min(left + patch.shape[1], w)
    if y1 <= y0 or x1 <= x0:
        return
    region = patch[y0 - top : y1 - top, x0 - left : x1 - left]
    np.minimum(canvas[y0:y1, x0:x1], region, out=canvas[y0:y1, x0:x1])


def _with_paper(grey: np.ndarray, paper: int) -> np.ndarray:
    """``grey`` shifted so its paper (90th percentile) is ``paper``: pasted parts show no seams."""
    shift = paper - float(np.percentile(grey, 90))
    return np.clip(grey.astype(np.float32) + shift, 0, 255).astype(np.uint8)


def _text_height(grey: np.ndarray) -> int:
    rows = np.flatnonzero((grey < 128).any(axis=1))
    return int(rows[-1] - rows[0] + 1) if rows.size else grey.shape[0]


def compose_form_field(word: np.ndarray, rng: np.random.Generator,
                       neighbour: np.ndarray | None = None) -> np.ndarray:
    """``word`` (grey uint8, dark on light) placed in a form: label, rule, neighbouring slivers.

    ``neighbour`` is other writing whose edge may show above or below, as when a field is cut
    from between two lines. The handwriting itself is never covered.
    """
    h, w = word.shape
    paper = int(np.percentile(word, 90))
    text_h = max(_text_height(word), 8)
    label = render_printed(str(rng.choice(FIELD_LABELS)), int(text_h * rng.uniform(0.35, 0.7)),
                           int(rng.integers(0, 70)))
    if rng.random() < 0.35:  # the crop cut into the label
        label = label[:, int(label.shape[1] * rng.uniform(0.1, 0.6)):]
    gap = int(text_h * rng.uniform(0.2, 1.2))
    margins = [int(h * rng.uniform(0.0, 0.4)), int(h * rng.uniform(0.0, 0.4))]  # top, bottom
    sliver = None
    if neighbour is not None and rng.random() < 0.6:
        at_top = bool(rng.random() < 0.5)
        depth = max(1, min(int(h * rng.uniform(0.05, 0.25)), neighbour.shape[0]))
        neighbour = _with_paper(neighbour, paper)
        sliver = (neighbour[-depth:] if at_top else neighbour[:depth]), at_top
        side = 0 if at_top else 1
        margins[side] = max(margins[side], depth)  # slivers stay clear of the handwriting
    top, bottom = margins
    canvas = np.full((h + top + bottom, label.shape[1] + gap + w), paper, np.uint8)
    _paste_darker(canvas, word, top, label.shape[1] + gap)
    # Labels sit on the writing's baseline, roughly: near the bottom of the word's box.
    _paste_darker(canvas, label, top + h - label.shape[0] - int(h * rng.uniform(0.05, 0.3)), 0)
    if rng.random() < 0.4:
        _draw_rule(canvas, top + h - int(h * rng.uniform(0.0, 0.15)), rng)
    if sliver is not None:
        strip, at_top = sliver
        left = int(rng.integers(-strip.shape[1] // 2, canvas.shape[1]))
        _paste_darker(canvas, strip, 0 if at_top else canvas.shape[0] - strip.shape[0], left)
    return canvas


def _draw_rule(canvas: np.ndarray, row: int, rng: np.random.Generator) -> None:
    row = int(np.clip(row, 0, canvas.shape[0] - 1))
    thickness = int(rng.integers(1, 3))
    rule = np.full((thickness, canvas.shape[1]), int(rng.integers(40, 170)), np.uint8)
    if rng.random() < 0.5:  # dotted
        period = int(rng.integers(3, 8))
        rule[:, np.arange(canvas.shape[1]) % period >= period // 2] = 255
    _paste_darker(canvas, rule, row, 0)


class FormFieldDataset:
    """``dataset`` with a share ``fraction`` of its samples composed into form fields."""

    def __init__(self, dataset: Dataset, fraction: float, seed: int = 0):
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"fraction must be within [0, 1], not {fraction}")
        self.dataset, self.fraction = dataset, fraction
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def texts(self):
        """The wrapped dataset's ``texts`` (labels are unchanged), or None if it has none."""
        return getattr(self.dataset, "texts", None)

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        grey, text = self.dataset[index]
        if self.rng.random() >= self.fraction:
            return grey, text
        neighbour, _ = self.dataset[int(self.rng.integers(len(self.dataset)))]
        return compose_form_field(grey, self.rng, neighbour), text
