"""Several lines drawn on one canvas, read in "decide for me" mode, against the same lines read
one by one as line crops: what segmenting a drawing costs.

    .venv/bin/python benchmarks/canvas_pages.py [--split dev] [--stride 3] [--pen 6]

Every ``stride``-th IAM-OnDB line of the split, in groups of 1, 2 and 3 in turn, is drawn as the
app's canvas draws (each group on one 800x300 canvas, lines one below another) and read as the
app reads a drawing. Each line is also drawn alone where and as large as it is on its canvas,
cut at its box and read as one line (segmentation left out, size kept); and drawn alone on a
canvas of its own (larger, as one line fills a canvas). A group's readings are joined with
spaces and scored against its lines' texts. Choose with ``--split val``; ``dev`` only reports.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from htr_core.data.canvas import CANVAS_HEIGHT, CANVAS_WIDTH, DEFAULT_PEN, draw_on_canvas, fit_to_canvas  # noqa: E402
from htr_core.data.iam_ondb import draw_polylines, load_online_lines  # noqa: E402
from htr_core.evaluation.metrics import error_rates  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "iam_ondb"


def groups_of_one_to_three(items: list) -> list[list]:
    """``items`` cut into consecutive groups of 1, 2, 3, 1, 2, 3, ... items."""
    groups, start = [], 0
    for size in itertools.cycle((1, 2, 3)):
        if start >= len(items):
            return groups
        groups.append(items[start:start + size])
        start += size


def line_crops(group: list, pen: float) -> list[np.ndarray]:
    """Each line of ``group`` drawn alone at its place and size on the group's canvas, cut at
    the box of its strokes (the pen's width around them)."""
    placed = iter(fit_to_canvas([line.strokes for line in group]))
    crops = []
    for line in group:
        strokes = [next(placed) for _ in line.strokes]
        canvas = draw_polylines(strokes, (CANVAS_WIDTH, CANVAS_HEIGHT), pen)
        every = np.concatenate(strokes)
        (x0, y0), (x1, y1) = np.maximum(every.min(axis=0) - pen, 0).astype(int), (every.max(axis=0) + pen).astype(int)
        crops.append(canvas[y0:y1 + 1, x0:x1 + 1])
    return crops


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", default="dev")
    parser.add_argument("--stride", type=int, default=3)
    parser.add_argument("--pen", type=float, default=DEFAULT_PEN, help="the canvas's pen width in pixels")
    args = parser.parse_args()
    groups = groups_of_one_to_three(load_online_lines(args.data, args.split)[::args.stride])
    drawing = PipelineSettings().for_drawing()
    as_drawn = Pipeline.from_model_dir(settings=drawing)
    one_line = as_drawn.with_settings(replace(drawing, level="line"))
    references, drawn, in_place, alone = [], [], [], []
    for group in groups:
        references.append(" ".join(line.text for line in group))
        drawn.append(" ".join(as_drawn.read(draw_on_canvas([line.strokes for line in group], args.pen)).text.split()))
        in_place.append(" ".join(one_line.read(crop).text for crop in line_crops(group, args.pen)))
        alone.append(" ".join(one_line.read(draw_on_canvas([line.strokes], args.pen)).text for line in group))
    print(f"| IAM-OnDB {args.split} lines ({sum(map(len, groups))}, {len(groups)} canvases of 1-3) | CER | WER |")
    print("| --- | --- | --- |")
    for name, texts in (("drawn together, read in \"decide for me\"", drawn),
                        ("each cut from its place on the canvas, read as a line", in_place),
                        ("each drawn alone on a canvas, read as a line", alone)):
        rates = error_rates(references, texts)
        print(f"| {name} | {rates.cer:.2%} | {rates.wer:.2%} |")


if __name__ == "__main__":
    main()
