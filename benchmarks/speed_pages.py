"""Our page reading against rapidocr's det+rec on the same pages, taken in turns on each page
(this machine's speed drifts over minutes, so two systems run one after the other compare badly).

    .venv/bin/python benchmarks/speed_pages.py [--repeats 3] [--report reports/speed_pages.json]

For each page of Washington dev and the cabuyao crops: both systems read it once to warm up, then
``repeats`` times in turns; a page's time is its fastest read. Reports each set's median page time
of each system and the median of the per-page ratios. Ours: the shipped models, default settings,
as the CLI reads a file (one ONNX Runtime thread a model, a page's line batches two at a time);
rapidocr 3.10 with its defaults (ONNX Runtime on every core). ``--threads N`` gives both systems
N ONNX Runtime threads and ``--workers`` sets ours' batches at once: ``--threads 1 --workers 1``
compares them on one core each.
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
sys.path.insert(0, str(ROOT / "benchmarks"))

from peers import RapidOcrPeer  # noqa: E402
from run_all import DATA, load_set  # noqa: E402

from htr_core.pipeline import LONE_READ_WORKERS, Pipeline, PipelineSettings  # noqa: E402

SETS = ("washington_dev_pages", "cabuyao_crops")


def seconds(read, image) -> float:
    start = time.perf_counter()
    read(image)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--threads", type=int, help="ONNX Runtime threads of both systems (default: ours 1, rapidocr every core)")
    parser.add_argument("--workers", type=int, default=LONE_READ_WORKERS, help="a page's line batches ours reads at once")
    args = parser.parse_args()
    ours = Pipeline.from_model_dir(settings=PipelineSettings(level="page"), threads=args.threads or 1,
                                   workers=args.workers).read
    peer = RapidOcrPeer(threads=args.threads).read
    command = "python benchmarks/speed_pages.py" + (f" --repeats {args.repeats}" if args.repeats != 3 else "")
    command += (f" --threads {args.threads}" if args.threads else "") + f" --workers {args.workers}"
    report = {"command": command, "threads": args.threads, "workers": args.workers, "sets": {}}
    print("| set | pages | ours, median s | rapidocr det+rec, median s | ours / rapidocr, median of pages |")
    print("| --- | --- | --- | --- | --- |")
    for name in SETS:
        images, _ = load_set(name, args.data, None)
        rows = []
        for image in images:
            ours(image), peer(image)  # warm-up
            mine, theirs = [], []
            for _ in range(args.repeats):  # in turns, so a slow minute slows both
                mine.append(seconds(ours, image))
                theirs.append(seconds(peer, image))
            rows.append((min(mine), min(theirs)))
        result = {"pages": len(rows), "ours_s": statistics.median(m for m, _ in rows),
                  "rapidocr_s": statistics.median(t for _, t in rows),
                  "ratio": statistics.median(m / t for m, t in rows)}
        report["sets"][name] = result
        print(f"| {name} | {result['pages']} | {result['ours_s']:.2f} | {result['rapidocr_s']:.2f} | {result['ratio']:.2f}x |",
              flush=True)
    if args.report:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
