"""Make the gallery samples that are not crops of Washington's page, so their provenance is a
command: a Copiste dev page (CC-BY 4.0, BAnQ) and a line drawn as the app's canvas draws it.

    .venv/bin/python scripts/make_samples.py ../shared/data
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from HersheyFonts import HersheyFonts
from PIL import Image

from htr_core.data.canvas import draw_on_canvas

ROOT = Path(__file__).resolve().parents[1]
COPISTE_PAGE = "pages/imp_wikitexte_0124.jpg"  # a dev page: never trained on
DRAWN_LINES = ("hello world", "read my hand")


def strokes_of(text: str, face: str = "futural") -> list[np.ndarray]:
    font = HersheyFonts()
    font.load_default_font(face)
    return [np.array(stroke, dtype=np.float64) for stroke in font.strokes_for_text(text)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", type=Path)
    args = parser.parse_args()
    out = ROOT / "sample_images"
    page = Image.open(args.data_dir / "copiste" / COPISTE_PAGE).convert("L")
    page.thumbnail((1000, 1300))
    page.save(out / "page_copiste_fr.jpg", quality=85)
    drawn = draw_on_canvas([strokes_of(text) for text in DRAWN_LINES])
    Image.fromarray(drawn).save(out / "drawing_hello.png", optimize=True)


if __name__ == "__main__":
    main()
