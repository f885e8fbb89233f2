"""``htr read INPUT... -o OUTDIR --format txt,json,...``: many files, folders and documents at once.

Inputs are files, folders (searched recursively) and many-page documents; each gets one output
per format under OUTDIR, at its path relative to its folder. Inputs whose outputs are there are
skipped unless ``overwrite`` (a stopped run resumes); a file that cannot be read is reported and
the rest go on. ``jobs`` worker processes load the models once each; ``engine="ray"`` spreads the
work over a Ray cluster (``ray_engine``).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from htr_core.export.formats import EXTENSIONS, FORMATS, ONE_PAGE_FORMATS  # a file a page: name.p2.page.xml

if TYPE_CHECKING:  # the pipeline loads its models' libraries: imported where a read starts
    from htr_core.pipeline import PipelineSettings

INPUT_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".gif", ".pgm", ".ppm", ".pdf")
OUTPUT_FORMATS = (*FORMATS, "pdf")


@dataclass(frozen=True)
class Job:
    source: Path
    name: Path  # where its outputs go under the output folder, without extension


@dataclass
class Outcome:
    source: str
    pages: int = 0
    skipped: bool = False
    error: str | None = None


def collect(inputs: Iterable[Path]) -> tuple[list[Job], list[Outcome]]:
    """The jobs for ``inputs`` (folders searched recursively, in name order), and an outcome for
    each input that does not exist or is not a file we read."""
    jobs, missing = [], []
    for item in inputs:
        item = Path(item)
        if item.is_dir():
            for path in sorted(p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in INPUT_SUFFIXES):
                jobs.append(Job(path, path.relative_to(item).with_suffix("")))
        elif item.is_file():
            jobs.append(Job(item, Path(item.stem)))
        else:
            missing.append(Outcome(str(item), error="no such file or folder"))
    return jobs, missing


def output_path(outdir: Path, job: Job, fmt: str, page: int | None = None) -> Path:
    suffix = EXTENSIONS[fmt] if page is None else f".p{page}{EXTENSIONS[fmt]}"
    return outdir / job.name.parent / (job.name.name + suffix)


def is_done(outdir: Path, job: Job, formats: Sequence[str]) -> bool:
    """Every format's output exists (a page-per-file format: its single file or its first page's)."""
    return all(output_path(outdir, job, fmt).exists()
               or (fmt in ONE_PAGE_FORMATS and output_path(outdir, job, fmt, 1).exists()) for fmt in formats)


def _write(path: Path, data: str | bytes) -> None:
    """Written whole or not at all: a stopped run never leaves half a file that looks done."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    if isinstance(data, bytes):
        partial.write_bytes(data)
    else:
        partial.write_text(data, encoding="utf-8")
    os.replace(partial, path)


_PIPELINE = None


def start_worker(settings: PipelineSettings, workers: int = 1) -> None:
    """Load the models of this process; ``workers``: a page's line batches read at once."""
    global _PIPELINE
    from htr_core.pipeline import Pipeline

    logging.getLogger("htr_core").setLevel(logging.WARNING)
    _PIPELINE = Pipeline.from_model_dir(settings=settings, workers=workers)


def read_job(job: Job, outdir: Path | None, formats: Sequence[str], data: bytes | None = None) -> tuple[Outcome, str]:
    """Read one input (from its path, or its ``data`` already loaded) and write its outputs;
    returns the outcome and the corrected text. Needs ``start_worker`` first."""
    from htr_core.document import PAGE_BREAK, export_pages
    from htr_core.export.formats import export
    from htr_core.io.images import ImageReadError, read_document

    outcome = Outcome(str(job.source))
    try:
        greys = read_document(job.source if data is None else data)
    except ImageReadError as exc:
        outcome.error = str(exc).removeprefix("uploaded data: ")  # the outcome names the file
        return outcome, ""
    pages = [_PIPELINE.read(grey) for grey in greys]
    outcome.pages = len(pages)
    filename = job.source.name
    for fmt in formats if outdir is not None else ():
        if fmt == "pdf":
            from htr_core.export.searchable_pdf import to_searchable_pdf

            targets = [(output_path(outdir, job, fmt), to_searchable_pdf(list(zip(greys, pages)), filename))]
        elif fmt in ONE_PAGE_FORMATS and len(pages) > 1:
            targets = [(output_path(outdir, job, fmt, number), export(page, fmt, filename))
                       for number, page in enumerate(pages, start=1)]
        else:
            targets = [(output_path(outdir, job, fmt), export_pages(pages, fmt, filename))]
        for path, data in targets:
            _write(path, data)
    return outcome, PAGE_BREAK.join(page.text for page in pages)


def _read_in_worker(args) -> tuple[dict, str]:
    outcome, text = read_job(*args)
    return asdict(outcome), text


def _read_locally(todo: list[Job], outdir: Path | None, formats: Sequence[str], jobs: int,
                  settings: PipelineSettings) -> Iterator[tuple[Job, dict, str]]:
    arguments = [(job, outdir, tuple(formats)) for job in todo]
    if jobs <= 1:  # one process: its pages read with the machine's second core too
        from htr_core.pipeline import LONE_READ_WORKERS

        start_worker(settings, LONE_READ_WORKERS)
        for job, argument in zip(todo, arguments):
            yield (job, *_read_in_worker(argument))
        return
    with ProcessPoolExecutor(max_workers=jobs, initializer=start_worker, initargs=(settings,)) as pool:
        for job, result in zip(todo, pool.map(_read_in_worker, arguments)):
            yield (job, *result)


def run(inputs: Sequence[Path], outdir: Path | None, formats: Sequence[str], jobs: int = 1,
        overwrite: bool = False, settings: PipelineSettings | None = None, out=None, progress: bool = True,
        engine: str = "local", address: str | None = None) -> list[Outcome]:
    """Read every input; with no ``outdir`` each input's corrected text goes to ``out`` (stdout)."""
    from tqdm import tqdm

    from htr_core.pipeline import PipelineSettings

    out = out or sys.stdout  # looked up at call time: a caller may have redirected it
    settings = settings or PipelineSettings()
    work, outcomes = collect(inputs)
    todo = []
    for job in work:
        if outdir is not None and not overwrite and is_done(outdir, job, formats):
            outcomes.append(Outcome(str(job.source), skipped=True))
        else:
            todo.append(job)
    bar = tqdm(total=len(todo), unit="file", file=sys.stderr, disable=not progress or not todo)
    if engine == "ray":
        from htr_core.batch.ray_engine import read_on_ray

        results = read_on_ray(todo, outdir, formats, jobs, settings, address) if todo else iter(())
    else:
        results = _read_locally(todo, outdir, formats, jobs, settings)
    try:
        for job, outcome, text in results:
            outcome = Outcome(**outcome)
            outcomes.append(outcome)
            if outdir is None and outcome.error is None:
                if len(work) > 1:
                    print(f"==> {job.source} <==", file=out)
                print(text, file=out)
            bar.update(1)
    finally:
        bar.close()
    return outcomes


def build_parser() -> argparse.ArgumentParser:
    from htr_core.choices import DECODERS, LANGUAGES, LEVELS

    parser = argparse.ArgumentParser(prog="htr read", description="Read images, PDFs and folders of them.")
    parser.add_argument("inputs", nargs="+", type=Path, help="files, folders (searched recursively) or documents")
    parser.add_argument("-o", "--output", type=Path, help="folder for the outputs (default: text to stdout)")
    parser.add_argument("--format", default="txt",
                        help=f"comma-separated, of {','.join(OUTPUT_FORMATS)} (pdf: searchable, the image with its text)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (each loads the models once)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="ray: read on a Ray cluster (pip install 'htr-core[ray]'), --jobs actors")
    parser.add_argument("--address", help="the Ray cluster to join (default: RAY_ADDRESS, else a local one)")
    parser.add_argument("--overwrite", action="store_true", help="read inputs whose outputs exist (default: skip)")
    parser.add_argument("--level", choices=LEVELS, default="auto")
    parser.add_argument("--language", choices=LANGUAGES, default="en")
    parser.add_argument("--decoder", choices=DECODERS)
    parser.add_argument("--no_spell", action="store_true")
    parser.add_argument("--drop_flagged", action="store_true", help="leave out lines read at very low confidence")
    parser.add_argument("--drop_printed", action="store_true",
                        help="leave out printed lines (a page's header, a form's labels)")
    parser.add_argument("--drawing", action="store_true",
                        help="the inputs are drawings (white, one pen, as the app's canvas saves them)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in OUTPUT_FORMATS]
    if unknown or not formats:
        parser.error(f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(OUTPUT_FORMATS)}")
    if args.output is None and formats != ["txt"]:
        parser.error("--format other than txt needs -o OUTDIR")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    from htr_core.pipeline import PipelineSettings

    settings = PipelineSettings(level=args.level, language=args.language, decoder=args.decoder,
                                spell=not args.no_spell, drop_flagged=args.drop_flagged,
                                drop_printed=args.drop_printed)
    if args.drawing:
        settings = settings.for_drawing()
    if args.engine == "ray" and args.output is None:
        parser.error("--engine ray needs -o OUTDIR")
    outcomes = run(args.inputs, args.output, formats, args.jobs, args.overwrite, settings, progress=not args.quiet,
                   engine=args.engine, address=args.address)
    failed = [o for o in outcomes if o.error]
    for outcome in failed:
        named = outcome.error if outcome.source in outcome.error else f"{outcome.source}: {outcome.error}"
        print(f"htr: {named}", file=sys.stderr)
    read = [o for o in outcomes if not o.error and not o.skipped]
    skipped = sum(o.skipped for o in outcomes)
    print(f"htr: {len(read)} read ({sum(o.pages for o in read)} pages), {skipped} skipped, {len(failed)} failed",
          file=sys.stderr)
    return 1 if failed else 0
