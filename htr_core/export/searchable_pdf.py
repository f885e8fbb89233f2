"""A searchable PDF: each page's image with an invisible text layer over every word (fpdf2).

Viewers show the scan; search, selection and copy-paste find the words at their boxes, as
OCRmyPDF's and Tesseract's PDFs do. The text layer uses PDF's built-in Helvetica, which covers
Latin-1: the few French letters outside it are written as their usual spelled-out forms
(œ -> oe, € -> EUR).
"""

from __future__ import annotations

import io
from typing import Sequence

import numpy as np
from PIL import Image

from htr_core.charset import normalise_text
from htr_core.export.formats import line_words
from htr_core.types import PageResult

DPI = 200  # the resolution pages are taken to have (that of rendered PDF pages)
POINTS_PER_PIXEL = 72 / DPI
_OUTSIDE_LATIN1 = str.maketrans({"œ": "oe", "Œ": "OE", "€": "EUR", "Ÿ": "Y"})


def latin1(text: str) -> str:
    text = normalise_text(text).translate(_OUTSIDE_LATIN1)
    return text.encode("latin-1", errors="replace").decode("latin-1")


def to_searchable_pdf(pages: Sequence[tuple[np.ndarray, PageResult]], title: str = "") -> bytes:
    """(grey page image, its reading) pairs -> one PDF, a page each, words in reading order."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.set_auto_page_break(False)
    pdf.set_title(title)
    pdf.set_creator("htr_core")
    pdf.set_font("helvetica", size=10)
    for grey, page in pages:
        width, height = grey.shape[1] * POINTS_PER_PIXEL, grey.shape[0] * POINTS_PER_PIXEL
        pdf.add_page(format=(width, height))
        buffer = io.BytesIO()
        Image.fromarray(grey).save(buffer, format="JPEG", quality=85)
        pdf.image(buffer, x=0, y=0, w=width, h=height)
        pdf.text_mode = "INVISIBLE"
        for line in page.lines:
            for box, text, _ in line_words(line):
                text = latin1(text)
                if not text.strip():
                    continue
                size = max(1.0, box.height * POINTS_PER_PIXEL * 0.8)
                pdf.set_font_size(size)
                pdf.set_stretching(100.0)  # measured unstretched
                natural = pdf.get_string_width(text)
                pdf.set_stretching(100.0 * box.width * POINTS_PER_PIXEL / natural if natural else 100.0)
                # The baseline a fifth of the box above its bottom: descenders below, letters above.
                pdf.text(box.x0 * POINTS_PER_PIXEL, (box.y1 - 0.2 * box.height) * POINTS_PER_PIXEL, text)
        pdf.set_stretching(100.0)
        pdf.text_mode = "FILL"
    return bytes(pdf.output())
