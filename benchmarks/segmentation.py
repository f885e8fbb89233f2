"""Line and word segmentation scores on the Washington pages (boxes at IoU >= 0.5).

    .venv/bin/python benchmarks/segmentation.py [--split dev] [--data ../shared/data/washington]

Ground-truth line boxes are the union of each line's word boxes. Tune on --split train only.
"words F1" scores the segmenter's gap-based word boxes; "read words F1" the word boxes a page
reading returns (the default line reader places them from the recognizer's character spans).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.washington_gt import washington_pages  # noqa: E402
from htr_core.imageio import read_image  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402
from htr_core.segment import SegmentationSettings, segment_page  # noqa: E402
from htr_core.segmentation_metrics import MatchScore, match_boxes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "washington")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--word_gap", type=float, default=None)
    args = parser.parse_args()
    settings = SegmentationSettings() if args.word_gap is None else SegmentationSettings(word_gap=args.word_gap)
    pipeline = Pipeline.from_model_dir(settings=PipelineSettings(level="page", spell=False, segmentation=settings))

    lines_total, words_total, read_total = MatchScore(0, 0, 0), MatchScore(0, 0, 0), MatchScore(0, 0, 0)
    times = []
    print("| page | lines P | lines R | words F1 | read words F1 | seconds (segmentation) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for truth in washington_pages(args.data, args.split):
        grey = read_image(args.data / truth.page, max_side=None)
        start = time.perf_counter()
        result = segment_page(grey, settings)
        times.append(time.perf_counter() - start)
        lines = match_boxes([l.box for l in result.lines], truth.lines)
        words = match_boxes([w for l in result.lines for w in l.words], truth.words)
        read = match_boxes([w.box for l in pipeline.read(grey).lines for w in l.words], truth.words)
        lines_total, words_total, read_total = lines_total + lines, words_total + words, read_total + read
        print(f"| {truth.page} | {lines.precision:.3f} | {lines.recall:.3f} | {words.f1:.3f} | {read.f1:.3f} | "
              f"{times[-1]:.2f} |", flush=True)
    print(f"| all ({args.split}) | {lines_total.precision:.3f} | {lines_total.recall:.3f} | "
          f"{words_total.f1:.3f} | {read_total.f1:.3f} | {statistics.median(times):.2f} (median) |")


if __name__ == "__main__":
    main()
