"""How the printed-or-handwritten classifier (models/line_kind) marks the lines segmentation finds.

    .venv/bin/python benchmarks/line_kinds.py [--pages washington|copiste|cabuyao] [--split train]

Washington and Copiste: every found line that matches a transcribed (handwritten) line at IoU >= 0.5
counts; the share marked printed is handwriting that ``drop_printed`` would lose. Found lines
outside every transcribed line are counted apart: on Copiste's pages, the printed consent notice. cabuyao (phone
photos of a printed form written on; an evaluation set, report only): the lines above the
handwritten region (the letterhead and instructions, printed) and inside it (handwriting).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from segmentation import pages_of  # noqa: E402

from htr_core.io.images import read_image  # noqa: E402
from htr_core.layout.line_kind import LineKindClassifier  # noqa: E402
from htr_core.layout.segment import segment_page  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
OUTSIDE_TRANSCRIPTION = 0.1  # a found line with less of its box inside a transcribed line's is none of them


def handwritten_pages(name: str, data: Path, split: str, classifier: LineKindClassifier) -> None:
    matched = printed = outside = outside_printed = 0
    for path, truth_lines, *_ in pages_of(name, data, split):
        segmentation = segment_page(read_image(path, max_side=None))
        kinds = classifier.kinds(segmentation.box_images)
        for line, kind in zip(segmentation.page_lines, kinds):
            if any(line.box.iou(truth) >= 0.5 for truth in truth_lines):
                matched += 1
                printed += kind == "printed"
            elif max(line.box.intersection_area(truth) for truth in truth_lines) < OUTSIDE_TRANSCRIPTION * line.box.area:
                outside += 1
                outside_printed += kind == "printed"
    print(f"{name} {split}: {printed} of {matched} handwritten lines marked printed ({printed / max(matched, 1):.2%}); "
          f"{outside_printed} of {outside} lines outside every transcribed line (Copiste: its printed notice)")


def cabuyao_pages(data: Path, classifier: LineKindClassifier) -> None:
    from htr_core.data.cabuyao import load_cabuyao

    counts = {"above the handwriting": [0, 0], "handwriting": [0, 0], "below the handwriting": [0, 0]}
    for page in load_cabuyao(data / "cabuyao"):
        grey, top, bottom = page.as_read(data / "cabuyao")
        segmentation = segment_page(grey)
        for line, kind in zip(segmentation.page_lines, classifier.kinds(segmentation.box_images)):
            where = ("above the handwriting" if line.box.y1 <= top else
                     "below the handwriting" if line.box.y0 >= bottom else "handwriting")
            counts[where][0] += kind == "printed"
            counts[where][1] += 1
    for where, (printed, total) in counts.items():
        print(f"cabuyao, {where}: {printed} of {total} lines marked printed")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--pages", choices=("washington", "copiste", "cabuyao"), default="washington")
    parser.add_argument("--split", default="train")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "line_kind")
    args = parser.parse_args()
    classifier = LineKindClassifier(args.model)
    if args.pages == "cabuyao":
        cabuyao_pages(args.data, classifier)
    else:
        handwritten_pages(args.pages, args.data, args.split, classifier)


if __name__ == "__main__":
    main()
