"""Accuracy, speed and memory of this project and its peers, on the same data, in one run.

    .venv/bin/python benchmarks/run_all.py            # everything (< 30 min on 2 cores)
    .venv/bin/python benchmarks/run_all.py --quick    # 15 items a set, 1 page of each kind (< 3 min)

Writes docs/BENCHMARKS.md and docs/benchmarks.json. Each system runs in its own process so its
peak resident memory is its own. Scoring is identical for all: whitespace collapsed; CER = total
character edits / total reference characters over the set, WER likewise over words; case-
insensitive = lower case, letters, digits and spaces only; pages join lines with one space.
Peers need `pip install -r requirements-bench.txt` and Debian's `tesseract-ocr`.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

DATA = ROOT.parent / "shared" / "data"

from htr_core.pipeline import PipelineSettings  # noqa: E402

# set name -> (kind, what it is)
SETS = {
    "iam_val_words": ("word", "IAM val writers, word images"),
    "names": ("word", "handwritten names (capitals; judge case-insensitive)"),
    "washington_dev_words": ("word", "Washington dev pages 300-302, word crops"),
    "washington_dev_lines": ("line", "Washington dev pages, line crops (union of word boxes)"),
    "washington_dev_pages": ("page", "Washington dev pages, whole scans"),
    "cabuyao_crops": ("page", "cabuyao phone photos, handwritten region"),
    "cabuyao_pages": ("page", "cabuyao phone photos, whole page (printed text too)"),
    "iam_ondb_dev_lines": ("line", "IAM-OnDB dev writers' lines (every 3rd), drawn from their strokes with one plain pen"),
    "iam_ondb_dev_canvas": ("canvas", "the same lines drawn on the app's 800-px canvas, read as the app reads a drawing"),
    "copiste_dev_lines": ("line_fr", "Copiste dev pages' lines (French), cut by their polygons"),
}
ONDB_STRIDE = 3  # every 3rd IAM-OnDB dev line: 494 of 1,482, so the whole run stays under 30 minutes

# system name -> the kinds of set it reads
SYSTEMS = {
    "htr_core word model, bestpath": ("word",),
    "htr_core word model, wordbeamsearch": ("word",),
    "htr_core line model, beamsearch": ("line",),
    "htr_core line model, wordbeamsearch": ("line",),
    # What the pipeline reads a line as: the line model's reading, each word checked by the word model.
    "htr_core line model, word-checked": ("line",),
    # A French line as the pipeline reads it with language=fr (French lexicon, no English checks).
    "htr_core line model, French": ("line_fr",),
    # A drawing as the app reads it: the whole canvas through the pipeline, default settings.
    "htr_core app, drawing": ("canvas",),
    "htr_core pages, line model": ("page",),
    "htr_core pages, word model": ("page",),
    "rapidocr 3.10, det+rec": ("word", "line", "page", "canvas"),
    "rapidocr 3.10, rec only": ("word", "line", "line_fr"),
    # rapidocr's recognizer on the line crops our segmentation cuts: with the lines held equal,
    # the difference from our line model's row is the recognizers' alone.
    "rapidocr 3.10, rec on our line crops": ("page",),
    # ...and on those crops shrunk to our line model's 32-pixel input height and enlarged again:
    # how much of the difference the detail lost at our input height explains.
    "rapidocr 3.10, rec on our line crops at 32 px": ("page",),
    "tesseract 5": ("word", "line", "page"),
}
# rapidocr's detector upsamples every small crop (~1 s each here): on word and line crops it
# reads only the first DET_CROP_LIMIT items (QUICK_DET_CROPS with --quick), so the whole run stays
# under 30 minutes and --quick under 3.
DET_CROP_LIMIT = 60
QUICK_ITEMS, QUICK_PAGES, QUICK_DET_CROPS = 15, 1, 5
# The row each peer is compared with: for pages, the reader the pipeline uses by default.
OURS = {"word": "htr_core word model, wordbeamsearch", "line": "htr_core line model, word-checked",
        "line_fr": "htr_core line model, French", "canvas": "htr_core app, drawing",
        "page": f"htr_core pages, {PipelineSettings().reader} model"}


def load_set(name: str, data: Path, limit: int | None) -> tuple[list, list[str]]:
    """(grey images, reference texts) for a set, first ``limit`` items."""
    from htr_core.data.cabuyao import load_cabuyao
    from htr_core.data.dataset import FileDataset
    from htr_core.data.iam import load_iam_words
    from htr_core.data.pairs import load_label_table
    from htr_core.data.washington import washington_line_crops, washington_word_crops
    from htr_core.data.washington_gt import washington_pages
    from htr_core.io.images import MAX_SIDE, limit_size, read_image

    if name == "iam_val_words":
        dataset = FileDataset(load_iam_words(data / "iam_words", "val"))
    elif name == "names":
        dataset = FileDataset(load_label_table(data / "names"))
    elif name == "washington_dev_words":
        dataset = washington_word_crops(data / "washington", "dev")
    elif name == "washington_dev_lines":
        dataset = washington_line_crops(data / "washington", "dev")
    elif name == "washington_dev_pages":
        pages = washington_pages(data / "washington", "dev")[:limit]
        return ([read_image(data / "washington" / p.page) for p in pages], [" ".join(p.line_texts) for p in pages])
    elif name.startswith("iam_ondb"):
        from htr_core.data.canvas import draw_on_canvas
        from htr_core.data.iam_ondb import PLAIN_STYLE, OnlineLineDataset, load_online_lines

        lines = load_online_lines(data / "iam_ondb", "dev")[::ONDB_STRIDE][:limit]
        if name == "iam_ondb_dev_canvas":
            return [draw_on_canvas([line.strokes]) for line in lines], [line.text for line in lines]
        dataset = OnlineLineDataset(lines, fixed_style=PLAIN_STYLE)
    elif name == "copiste_dev_lines":
        from htr_core.data.copiste import copiste_line_crops, load_copiste_lines

        dataset = copiste_line_crops(data / "copiste", load_copiste_lines(data / "copiste", "dev"))
    elif name.startswith("cabuyao"):
        items = load_cabuyao(data / "cabuyao", limit)
        images = []
        for item in items:
            grey = read_image(data / "cabuyao" / "pages" / item.page, max_side=None)
            # Crops are cut at full resolution, then both are limited as the app and CLI limit pages.
            images.append(limit_size(item.cut(grey) if name == "cabuyao_crops" else grey, MAX_SIDE))
        return images, [item.reference for item in items]
    else:
        raise ValueError(name)
    count = len(dataset) if limit is None else min(limit, len(dataset))
    items = [dataset[i] for i in range(count)]
    return [im for im, _ in items], [t for _, t in items]


def make_reader(system: str, kind: str):
    """A function grey -> text for one system on one kind of set."""
    if system.startswith("htr_core"):
        from htr_core.pipeline import LONE_READ_WORKERS, Pipeline, PipelineSettings
        from htr_core.recognition.reader import TextReader
        from htr_core.recognition.recognizer import default_model_dir

        if system.startswith("htr_core pages"):
            reader = "word" if "word model" in system else "line"
            # as the CLI reads a file: a page's line batches two at a time
            pipeline = Pipeline.from_model_dir(settings=PipelineSettings(level="page", reader=reader),
                                               workers=LONE_READ_WORKERS)
            return lambda grey: " ".join(pipeline.read(grey).text.split("\n"))
        if system.endswith("word-checked") or system.endswith("French"):
            language = "fr" if system.endswith("French") else "en"
            pipeline = Pipeline.from_model_dir(settings=PipelineSettings(level="line", language=language))
            return lambda grey: pipeline.read(grey).text
        if system.endswith("drawing"):
            pipeline = Pipeline.from_model_dir(settings=PipelineSettings().for_drawing())
            return lambda grey: " ".join(pipeline.read(grey).text.split("\n"))
        line = "line model" in system
        decoder = system.rsplit(", ", 1)[1]
        text_reader = TextReader.load(default_model_dir(line), decoder=decoder)
        return lambda grey: text_reader.read([grey])[0].text
    if system.startswith("rapidocr"):
        from peers import RapidOcrPeer

        peer = RapidOcrPeer(use_det="det+rec" in system)
        if "our line crops" in system:
            from htr_core.layout.segment import segment_page

            height = 32 if system.endswith("at 32 px") else None
            return lambda grey: " ".join(" ".join(peer.read(seen_at_height(line, height)))
                                         for line in segment_page(grey).line_images)
        return lambda grey: " ".join(peer.read(grey))
    if system.startswith("tesseract"):
        from peers import TesseractPeer

        peer = TesseractPeer(psm={"word": 8, "line": 7, "page": 6, "canvas": 6}[kind])
        return lambda grey: " ".join(peer.read(grey))
    raise ValueError(system)


def seen_at_height(grey, height: int | None):
    """``grey`` with only the detail a ``height``-pixel-tall copy keeps (same size; None: as is)."""
    if height is None or grey.shape[0] <= height:
        return grey
    import cv2

    small = cv2.resize(grey, (max(1, round(grey.shape[1] * height / grey.shape[0])), height),
                       interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (grey.shape[1], grey.shape[0]), interpolation=cv2.INTER_LINEAR)


def run_system(system: str, sets: list[str], data: Path, limit: int | None, page_limit: int | None,
               det_crop_limit: int) -> dict:
    """Runs inside the system's own process."""
    from htr_core.evaluation.metrics import error_rates

    results = {"system": system, "sets": {}, "load_seconds": 0.0}
    readers = {}
    for name in sets:
        kind = SETS[name][0]
        if kind not in SYSTEMS[system]:
            continue
        count = page_limit if kind == "page" else limit
        if system.endswith("det+rec") and kind != "page":
            count = min(count or det_crop_limit, det_crop_limit)
        images, references = load_set(name, data, count)
        if kind not in readers:
            start = time.perf_counter()
            readers[kind] = make_reader(system, kind)
            readers[kind](images[0])  # warm-up: first call pays lazy initialisation
            results["load_seconds"] += time.perf_counter() - start
        hypotheses, times = [], []
        for grey in images:
            start = time.perf_counter()
            hypotheses.append(readers[kind](grey))
            times.append(time.perf_counter() - start)
        strict = error_rates(references, hypotheses)
        loose = error_rates(references, hypotheses, loose=True)
        results["sets"][name] = {
            "items": len(images), "cer": strict.cer, "wer": strict.wer, "exact": strict.exact,
            "cer_ci": loose.cer, "wer_ci": loose.wer, "median_ms": statistics.median(times) * 1000,
            "total_s": sum(times), "readings": hypotheses,
        }
        print(f"  {system} / {name}: CER {strict.cer:.3f} ({statistics.median(times) * 1000:.1f} ms/item)",
              file=sys.stderr, flush=True)
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # Tesseract runs as a child process per item: its own peak is the largest child's.
    results["peak_child_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return results


def cold_start_seconds() -> float:
    """A fresh process: import the inference path and load both shipped models."""
    code = ("import time; t = time.perf_counter(); from htr_core.pipeline import Pipeline; "
            "Pipeline.from_model_dir(); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def versions() -> dict:
    import importlib.metadata as metadata

    found = {"python": platform.python_version()}
    for package in ("onnxruntime", "opencv-python-headless", "numpy", "rapidocr"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = "not installed"
    try:
        found["tesseract"] = subprocess.run(["tesseract", "--version"], capture_output=True,
                                            text=True).stdout.split()[1]
    except (OSError, IndexError):
        found["tesseract"] = "not installed"
    return found


def markdown(report: dict) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Measured {report['date']} on this project's 2-core x86-64 machine (no GPU) with",
        f"`{report['command']}`. Versions: "
        + ", ".join(f"{k} {v}" for k, v in report["versions"].items()) + ".",
        "",
        "Scoring is the same for every system: whitespace collapsed; CER = character edits / reference",
        "characters summed over the set, WER likewise over words; *ci* = case-insensitive (lower case,",
        "letters, digits and spaces only); pages join lines with one space. Times are per item at",
        "batch 1 after a warm-up call; *× ours* divides a system's median time by ours on the same set.",
        f"rapidocr det+rec reads at most the first {report['det_crop_limit']} items of word and line sets (its",
        "detector makes it slow on many small crops); its item count is in the *items* column.",
        "Our page readings are the corrected text (word beam search's reading: no spell checker runs",
        "after it); crops are the decoder's readings.",
        "",
        f"Cold start of our inference path (import + load both models, fresh process): "
        f"{report['cold_start_s']:.2f} s.",
        "",
    ]
    by_system = {r["system"]: r for r in report["systems"]}
    missing = [system for system in SYSTEMS if system not in by_system]
    if missing:
        lines += ["Not in this run (see the last full run's report in git history): "
                  + ", ".join(missing) + ".", ""]
    for name, (kind, what) in SETS.items():
        rows = [(s, r["sets"][name]) for s, r in by_system.items() if name in r["sets"]]
        if not rows:
            continue
        ours = by_system.get(OURS[kind], {}).get("sets", {}).get(name)
        lines += [f"## {name}: {what}", "",
                  "| system | items | CER | WER | exact | CER ci | WER ci | median ms | total s | × ours |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for system, r in rows:
            ratio = f"{r['median_ms'] / ours['median_ms']:.1f}" if ours else "n/a"
            lines.append(f"| {system} | {r['items']} | {r['cer']:.1%} | {r['wer']:.1%} | {r['exact']:.1%} | {r['cer_ci']:.1%} | "
                         f"{r['wer_ci']:.1%} | {r['median_ms']:.1f} | {r['total_s']:.1f} | {ratio} |")
        lines.append("")
    lines += ["## Load time and memory per system", "",
              "| system | model load + first call (s) | peak resident memory (MB) | largest child process (MB) |",
              "| --- | --- | --- | --- |"]
    for system, r in by_system.items():
        child = r.get("peak_child_rss_mb")  # older reports lack it
        child_text = f"{child:.0f}" if child else "none"
        lines.append(f"| {system} | {r['load_seconds']:.2f} | {r['peak_rss_mb']:.0f} | {child_text} |")
    lines += ["", "Peak memory is that of each system's benchmark process (getrusage); Tesseract runs as a",
              "child process per item, whose own peak is the last column."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ITEMS} items a set and {QUICK_PAGES} page")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS))
    parser.add_argument("--systems", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    parser.add_argument("--items", type=int, help="read only the first N items of each set")
    parser.add_argument("--pages", type=int, help="read only the first N pages of each page set")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    limit, page_limit = (QUICK_ITEMS, QUICK_PAGES) if args.quick else (None, None)
    limit, page_limit = args.items or limit, args.pages or page_limit
    det_crop_limit = QUICK_DET_CROPS if args.quick else DET_CROP_LIMIT

    if args.worker:  # child process: one system
        print(json.dumps(run_system(args.worker, args.sets, args.data, limit, page_limit, det_crop_limit)))
        return

    started = time.perf_counter()
    systems = []
    for system in args.systems:
        print(f"{system} …", file=sys.stderr, flush=True)
        command = [sys.executable, __file__, "--worker", system, "--data", str(args.data), "--sets", *args.sets]
        if args.quick:
            command.append("--quick")
        command += [f"--{flag}={value}" for flag, value in (("items", args.items), ("pages", args.pages)) if value]
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        if out.returncode != 0:
            print(f"  {system} failed:\n{out.stderr[-2000:]}", file=sys.stderr)
            continue
        sys.stderr.write(out.stderr)
        systems.append(json.loads(out.stdout.strip().splitlines()[-1]))
    command = "python benchmarks/run_all.py" + (" --quick" if args.quick else "")
    command += "".join(f" --{flag} {value}" for flag, value in (("items", args.items), ("pages", args.pages)) if value)
    if args.sets != list(SETS):
        command += " --sets " + " ".join(args.sets)
    if args.systems != list(SYSTEMS):  # a part of the run: say which systems it holds
        command += " --systems " + " ".join(f"'{system}'" for system in args.systems)
    report = {"date": date.today().isoformat(), "command": command, "versions": versions(),
              "det_crop_limit": det_crop_limit,
              "cold_start_s": cold_start_seconds(), "systems": systems,
              "wall_seconds": time.perf_counter() - started}
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = "_quick" if args.quick else ""
    (args.out / f"benchmarks{suffix}.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / f"BENCHMARKS{suffix}.md").write_text(markdown(report))
    print(markdown(report))
    print(f"wall time {report['wall_seconds']:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
