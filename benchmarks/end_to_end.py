"""End to end on phone photos (cabuyao): the handwritten crop and the whole page, against the
printed reference paragraph, for this project, rapidocr and Tesseract in the same run.

    .venv/bin/python benchmarks/end_to_end.py [--data ../shared/data/cabuyao] [--limit N] [--json out.json]

Scoring (same for all): lines joined with one space, whitespace collapsed; CER/WER summed over
pages; case-insensitive = lower case, letters, digits and spaces only.
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

from htr_core.imageio import read_image  # noqa: E402
from htr_core.metrics import error_rates  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402


def load_cabuyao(data: Path, limit: int | None = None) -> list[dict]:
    items = [json.loads(line) for line in (data / "refs.jsonl").read_text().splitlines() if line.strip()]
    return items[:limit] if limit else items


def crop_of(grey, crop):
    x0, y0, x1, y1 = crop
    return grey[y0:y1, x0:(x1 if x1 is not None else grey.shape[1])]


def run_system(name: str, read, images: list, references: list[str]) -> dict:
    hypotheses, times = [], []
    for grey in images:
        start = time.perf_counter()
        lines = read(grey)
        times.append(time.perf_counter() - start)
        hypotheses.append(" ".join(lines))
    strict, loose = error_rates(references, hypotheses), error_rates(references, hypotheses, loose=True)
    return {"system": name, "cer": strict.cer, "wer": strict.wer, "cer_ci": loose.cer, "wer_ci": loose.wer,
            "median_s": statistics.median(times), "total_s": sum(times), "examples": hypotheses[:1]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "cabuyao")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--no_peers", action="store_true")
    args = parser.parse_args()

    items = load_cabuyao(args.data, args.limit)
    pages = [read_image(args.data / "pages" / item["page"]) for item in items]
    full = [read_image(args.data / "pages" / item["page"], max_side=None) for item in items]
    crops = [crop_of(page, item["crop"]) for page, item in zip(full, items)]
    references = [item["reference"] for item in items]

    start = time.perf_counter()
    pipeline = Pipeline.from_model_dir(settings=PipelineSettings(level="page"))
    load_s = time.perf_counter() - start
    systems = [("htr_core (line model)", lambda g: pipeline.read(g).corrected_text.splitlines())]
    words = pipeline.with_settings(PipelineSettings(level="page", reader="word"))
    systems.append(("htr_core (word model)", lambda g: words.read(g).corrected_text.splitlines()))
    if not args.no_peers:
        from peers import RapidOcrPeer, TesseractPeer

        for peer in (RapidOcrPeer(), TesseractPeer(psm=6)):
            systems.append((peer.name, peer.read))

    results = {"load_seconds": round(load_s, 2), "pages": len(items), "crop": [], "page": []}
    for where, images in (("crop", crops), ("page", pages)):
        for name, read in systems:
            results[where].append(run_system(name, read, images, references))
    ours = results["crop"][0]["median_s"]
    for where in ("crop", "page"):
        print(f"\n### cabuyao {where}s ({len(items)} pages; reference = the printed paragraph)\n")
        print("| system | CER | WER | CER (case-insens.) | WER (case-insens.) | median s/page | × our time |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for row in results[where]:
            print(f"| {row['system']} | {row['cer']:.1%} | {row['wer']:.1%} | {row['cer_ci']:.1%} | "
                  f"{row['wer_ci']:.1%} | {row['median_s']:.2f} | {row['median_s'] / ours:.1f} |")
    print(f"\nmodel load: {load_s:.2f} s")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
