"""IAM-OnDB text lines rendered from their pen strokes, with the variety of real input.

Each line is a list of strokes (x, y pen points, y down). Rendering varies what a scan, a photo
or a canvas changes: pen width, x-height, slant, a little drift per stroke, blur, ink and paper;
a share of lines is drawn the way the app's canvas draws a mouse line (black round pen on white,
points quantised to pixels and thinned like mouse events).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from htr_core.charset import normalise_text
from htr_core.data.synthetic import add_paper
from htr_core.language.spacing import join_tokens

LINES_FILE = "lines.jsonl"
STROKES_FILE = "strokes.npz"
SPLITS = ("train", "val", "dev")
SUBPIXEL_BITS = 4  # cv2.polylines precision


@dataclass(frozen=True)
class OnlineLine:
    """One written line: its id, form (one writer's page), text and strokes ((n, 2) float arrays)."""

    id: str
    form: str
    text: str
    strokes: tuple[np.ndarray, ...]


def load_online_lines(data_dir: Path, split: str | None = None) -> list[OnlineLine]:
    """The lines of ``split`` (all when None), texts written with ordinary spacing ("Mr. Foot")."""
    if split is not None and split not in SPLITS:
        raise ValueError(f"unknown IAM-OnDB split {split!r}; choose one of {', '.join(SPLITS)}")
    data_dir = Path(data_dir)
    records = [json.loads(line) for line in (data_dir / LINES_FILE).read_text(encoding="utf-8").splitlines()
               if line.strip()]
    with np.load(data_dir / STROKES_FILE, allow_pickle=False) as arrays:
        points, stroke_offsets, line_offsets = arrays["points"], arrays["stroke_offsets"], arrays["line_offsets"]
    if len(line_offsets) != len(records) + 1:
        raise ValueError(f"{data_dir}: {len(records)} lines but {len(line_offsets) - 1} stroke groups")
    lines = []
    for index, record in enumerate(records):
        if split is not None and record["split"] != split:
            continue
        first, last = int(line_offsets[index]), int(line_offsets[index + 1])
        strokes = tuple(points[stroke_offsets[k]:stroke_offsets[k + 1]].astype(np.float32)
                        for k in range(first, last) if stroke_offsets[k + 1] > stroke_offsets[k])
        text = join_tokens(normalise_text(record["text"]).split())
        lines.append(OnlineLine(record["id"], record["form"], text, strokes))
    return lines


@dataclass(frozen=True)
class InkStyle:
    """How a line is drawn: ink height of the line in pixels, pen width, slant, drift per stroke."""

    height: float = 64.0
    pen_width: float = 3.0
    slant: float = 0.0  # x shift per pixel above the line's middle
    drift: float = 0.0  # pixels of random offset per stroke
    mouse: bool = False  # points quantised and thinned like mouse events on a canvas


PLAIN_STYLE = InkStyle(height=64, pen_width=3)  # one plain pen, for repeatable evaluation


def place_strokes(strokes: Sequence[np.ndarray], style: InkStyle, rng: np.random.Generator | None = None,
                  margin: float | None = None) -> tuple[list[np.ndarray], tuple[int, int]]:
    """Strokes scaled to ``style.height`` pixels, slanted and drifted, moved into an image with a
    margin; returns the pixel polylines and the image size (width, height)."""
    every = np.concatenate(strokes)
    low, high = every.min(axis=0), every.max(axis=0)
    scale = style.height / max(float(high[1] - low[1]), 1.0)
    middle = (low[1] + high[1]) / 2
    placed = []
    for stroke in strokes:
        points = (stroke - low) * scale
        points[:, 0] -= style.slant * ((stroke[:, 1] - middle) * scale)
        if style.drift and rng is not None:
            points = points + rng.normal(0.0, style.drift, 2)
        if style.mouse:
            step = int(rng.integers(1, 4)) if rng is not None else 2
            points = np.round(points[::step] if len(points) > 2 * step else points)
        placed.append(points)
    every = np.concatenate(placed)
    margin = style.pen_width + 4 if margin is None else margin
    origin = every.min(axis=0) - margin
    size = np.ceil(every.max(axis=0) - origin + margin).astype(int)
    return [points - origin for points in placed], (int(size[0]), int(size[1]))


def draw_polylines(polylines: Sequence[np.ndarray], size: tuple[int, int], pen_width: float,
                   ink: int = 0, background: int = 255) -> np.ndarray:
    """Pixel polylines drawn with a round pen as a grey uint8 image of ``size`` (width, height)."""
    image = np.full((size[1], size[0]), background, dtype=np.uint8)
    scaled = [np.round(points * (1 << SUBPIXEL_BITS)).astype(np.int32).reshape(-1, 1, 2) for points in polylines]
    thickness = max(1, int(round(pen_width)))
    cv2.polylines(image, scaled, False, int(ink), thickness=thickness, lineType=cv2.LINE_AA, shift=SUBPIXEL_BITS)
    for points in scaled:  # single-point strokes (dots) are drawn as discs
        if len(points) == 1:
            cv2.circle(image, tuple(int(v) for v in points[0, 0]), max(1, thickness // 2) << SUBPIXEL_BITS,
                       int(ink), -1, cv2.LINE_AA, SUBPIXEL_BITS)
    return image


def render_line(strokes: Sequence[np.ndarray], rng: np.random.Generator, canvas_share: float = 0.15) -> np.ndarray:
    """A line's strokes as grey uint8 writing of a random style (dark ink on light paper)."""
    if rng.random() < canvas_share:
        # As the app's canvas draws it: a mouse or finger line, black on white, no paper.
        style = InkStyle(height=rng.uniform(40, 110), pen_width=rng.uniform(2.5, 6.0),
                         slant=rng.uniform(-0.1, 0.1), mouse=True)
        polylines, size = place_strokes(strokes, style, rng)
        return draw_polylines(polylines, size, style.pen_width)
    height = rng.uniform(28, 100)
    style = InkStyle(height=height, pen_width=max(1.0, height * rng.uniform(0.02, 0.08)),
                     slant=rng.uniform(-0.35, 0.35), drift=height * rng.uniform(0.0, 0.015))
    polylines, size = place_strokes(strokes, style, rng)
    grey = draw_polylines(polylines, size, style.pen_width, ink=int(rng.integers(0, 100)))
    if rng.random() < 0.3:
        grey = cv2.GaussianBlur(grey, (0, 0), rng.uniform(0.4, 1.2))
    if rng.random() < 0.5:
        grey = add_paper(grey, rng)
    return grey


class OnlineLineDataset:
    """IAM-OnDB lines, drawn afresh in a random style on every access (``rng=None`` in
    ``fixed_style``: one plain style, for repeatable evaluation)."""

    def __init__(self, lines: Sequence[OnlineLine], seed: int = 0, fixed_style: InkStyle | None = None):
        self.lines = list(lines)
        self.rng = np.random.default_rng(seed)
        self.fixed_style = fixed_style

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        line = self.lines[index]
        if self.fixed_style is not None:
            polylines, size = place_strokes(line.strokes, self.fixed_style)
            return draw_polylines(polylines, size, self.fixed_style.pen_width), line.text
        return render_line(line.strokes, self.rng), line.text

    def texts(self) -> list[str]:
        return [line.text for line in self.lines]
