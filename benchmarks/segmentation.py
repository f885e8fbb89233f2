"""Line and word segmentation scores on Washington and Copiste pages (boxes at IoU >= 0.5).

    .venv/bin/python benchmarks/segmentation.py [--pages washington|copiste] [--split dev]

Washington: ground-truth line boxes are the union of each line's word boxes; "words F1" scores
the segmenter's gap-based word boxes, "read words F1" the word boxes a page reading returns (the
default line reader places them from the recognizer's character spans). Copiste: line boxes are
the boxes of the transcribed lines: the handwriting (the printed notice at the top of each page is
not transcribed, so lines the line-kind classifier marks printed are left out of our scores and,
with ``drop_printed``, of the page reading; a peer without such a classifier is scored on all its
lines); "baselines P / R" match our baselines to theirs one to one, cBAD-style: mean
vertical distance within BASELINE_TOLERANCE of the truth line's box height, over columns
covering half of each; "page CER" reads the whole page (language fr) against its lines in
reading order. ``--peer FILE`` scores another segmenter's lines on the same pages beside ours
(``benchmarks/kraken_blla.py`` writes kraken's).
Tune on --split train only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.io.images import read_image  # noqa: E402
from htr_core.evaluation.metrics import error_rates  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402
from htr_core.layout.segment import SegmentationSettings, segment_page  # noqa: E402
from htr_core.evaluation.segmentation_metrics import MatchScore, match_baselines, match_boxes  # noqa: E402
from htr_core.types import Box  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
BASELINE_TOLERANCE = 0.2  # of the truth line's box height


def pages_of(name: str, data: Path, split: str):
    """(image path, truth line boxes, truth word boxes or None, truth baselines or None, page
    text) per page."""
    if name == "washington":
        from htr_core.data.washington_gt import washington_pages

        return [(data / "washington" / t.page, t.lines, t.words, None, " ".join(t.line_texts))
                for t in washington_pages(data / "washington", split)]
    from htr_core.data.copiste import copiste_pages

    return [(data / "copiste" / p.page, tuple(Box(*line.box) for line in p.lines), None,
             tuple(line.baseline for line in p.lines), " ".join(line.text for line in p.lines))
            for p in copiste_pages(data / "copiste", split)]


def score_lines(boxes: list[Box], baselines: list, truth_lines, truth_baselines) -> tuple[MatchScore, MatchScore | None]:
    """Lines matched at IoU >= 0.5, and baselines cBAD-style (None without truth baselines)."""
    lines = match_boxes(boxes, truth_lines)
    if truth_baselines is None:
        return lines, None
    tolerances = [BASELINE_TOLERANCE * box.height for box in truth_lines]
    return lines, match_baselines(baselines, truth_baselines, tolerances)


def peer_lines(page: dict) -> tuple[list[Box], list]:
    """A peer's lines of one page (``kraken_blla.py`` JSON): boxes around their boundaries, baselines."""
    boxes = [Box(min(x for x, _ in line["boundary"]), min(y for _, y in line["boundary"]),
                 max(x for x, _ in line["boundary"]) + 1, max(y for _, y in line["boundary"]) + 1)
             for line in page["lines"]]
    return boxes, [tuple(map(tuple, line["baseline"])) for line in page["lines"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--pages", choices=("washington", "copiste"), default="washington")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--word_gap", type=float, default=None)
    parser.add_argument("--no_read", action="store_true", help="segmentation scores only (no page reading)")
    parser.add_argument("--peer", type=Path, help="another segmenter's lines (kraken_blla.py JSON)")
    args = parser.parse_args()
    peer = json.loads(args.peer.read_text())["pages"] if args.peer else None
    peer_lines_total, peer_baselines_total, peer_times = MatchScore(0, 0, 0), MatchScore(0, 0, 0), []
    settings = SegmentationSettings() if args.word_gap is None else SegmentationSettings(word_gap=args.word_gap)
    # Copiste's reference holds its pages' handwriting only: lines marked printed are left out of
    # the scores and the reading, as a user asking for the handwriting (drop_printed) gets them.
    handwriting_only = args.pages == "copiste"
    language = "fr" if args.pages == "copiste" else "en"
    pipeline = Pipeline.from_model_dir(settings=PipelineSettings(level="page", spell=False, segmentation=settings,
                                                                 language=language, drop_printed=handwriting_only))

    lines_total, words_total, read_total = MatchScore(0, 0, 0), MatchScore(0, 0, 0), MatchScore(0, 0, 0)
    baselines_total = MatchScore(0, 0, 0)
    references, readings, times = [], [], []
    print("| page | lines P | lines R | words F1 | read words F1 | baselines P | baselines R | page CER | "
          "seconds (segmentation) |")
    print("| --- " * 9 + "|")
    for path, truth_lines, truth_words, truth_baselines, text in pages_of(args.pages, args.data, args.split):
        grey = read_image(path, max_side=None)
        start = time.perf_counter()
        result = segment_page(grey, settings)
        times.append(time.perf_counter() - start)
        page_lines = result.page_lines
        if handwriting_only and pipeline.line_kinds is not None:
            kinds = pipeline.line_kinds.kinds(result.box_images)
            page_lines = [line for line, kind in zip(page_lines, kinds) if kind != "printed"]
        lines, baselines = score_lines([line.box for line in page_lines],
                                       [line.baseline for line in page_lines], truth_lines, truth_baselines)
        lines_total += lines
        cells = [f"{lines.precision:.3f}", f"{lines.recall:.3f}"]
        if truth_words is not None:
            words = match_boxes([w for line in result.page_lines for w in line.words], truth_words)
            words_total += words
            cells.append(f"{words.f1:.3f}")
        else:
            cells.append("n/a")
        baseline_cells = ["n/a", "n/a"]
        if baselines is not None:
            baselines_total += baselines
            baseline_cells = [f"{baselines.precision:.3f}", f"{baselines.recall:.3f}"]
        if peer is not None:
            their_lines, their_baselines = score_lines(*peer_lines(peer[path.name]), truth_lines, truth_baselines)
            peer_lines_total += their_lines
            peer_baselines_total += their_baselines or MatchScore(0, 0, 0)
            peer_times.append(peer[path.name]["seconds"])
        page_cer = "n/a"
        if not args.no_read:
            reading = pipeline.read(grey)
            if truth_words is not None:
                read = match_boxes([w.box for line in reading.lines for w in line.words], truth_words)
                read_total += read
                cells.append(f"{read.f1:.3f}")
            else:
                cells.append("n/a")
            references.append(text)
            readings.append(" ".join(reading.text.split("\n")))
            page_cer = f"{error_rates([text], [readings[-1]]).cer:.3f}"
        else:
            cells.append("n/a")
        print(f"| {path.name} | " + " | ".join(cells + baseline_cells) + f" | {page_cer} | {times[-1]:.2f} |",
              flush=True)
    total = [f"{lines_total.precision:.3f}", f"{lines_total.recall:.3f}",
             f"{words_total.f1:.3f}" if words_total.truth else "n/a",
             f"{read_total.f1:.3f}" if read_total.truth else "n/a",
             f"{baselines_total.precision:.3f}" if baselines_total.truth else "n/a",
             f"{baselines_total.recall:.3f}" if baselines_total.truth else "n/a",
             f"{error_rates(references, readings).cer:.3f}" if references else "n/a"]
    print(f"| all ({args.pages} {args.split}) | " + " | ".join(total) + f" | {statistics.median(times):.2f} (median) |")
    if peer is not None:
        their = [f"{peer_lines_total.precision:.3f}", f"{peer_lines_total.recall:.3f}", "n/a", "n/a",
                 f"{peer_baselines_total.precision:.3f}" if peer_baselines_total.truth else "n/a",
                 f"{peer_baselines_total.recall:.3f}" if peer_baselines_total.truth else "n/a", "n/a"]
        print(f"| {args.peer.name} (same pages) | " + " | ".join(their) + f" | {statistics.median(peer_times):.2f} (median) |")


if __name__ == "__main__":
    main()
