"""``htr read --engine ray``: the batch reader's work spread over a Ray cluster with Ray Data.

The files are read as bytes by ``ray.data.read_binary_files``; ``jobs`` actors each load the
models once and read and write one file at a time, so outputs appear as pages are read. On a
cluster the inputs and the output folder must be on storage every node sees (the same paths).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator, Sequence

from htr_core.batch.runner import Job, read_job, start_worker
from htr_core.pipeline import PipelineSettings

log = logging.getLogger(__name__)


class _FileReader:
    """One Ray actor: the models loaded once, then a batch of files at a time."""

    def __init__(self, settings: PipelineSettings, outdir: str, formats: Sequence[str], names: dict[str, str]):
        start_worker(settings)
        self.outdir, self.formats, self.names = Path(outdir), tuple(formats), names

    def __call__(self, batch: dict) -> dict:
        rows: dict[str, list] = {"path": [], "pages": [], "error": [], "text": []}
        for data, path in zip(batch["bytes"], batch["path"]):
            path = _local(path)
            outcome, text = read_job(Job(Path(path), Path(self.names[path])), self.outdir, self.formats,
                                     data=bytes(data))
            rows["path"].append(path)
            rows["pages"].append(outcome.pages)
            rows["error"].append(outcome.error or "")
            rows["text"].append(text)
        return rows


def _local(path: str) -> str:
    """Ray Data names local files without their leading slash; give it back."""
    return path if path.startswith("/") else "/" + path


def read_on_ray(todo: list[Job], outdir: Path, formats: Sequence[str], jobs: int, settings: PipelineSettings,
                address: str | None = None) -> Iterator[tuple[Job, dict, str]]:
    """Read ``todo`` on the Ray cluster at ``address`` (default: RAY_ADDRESS, else a local one)."""
    try:
        import ray
    except ImportError as exc:
        raise SystemExit("htr: --engine ray needs Ray: pip install 'htr-core[ray]'") from exc

    by_path = {str(job.source.resolve()): job for job in todo}
    if not ray.is_initialized():
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    # Reading bytes takes no core of its own, or it would wait behind actors holding them all.
    files = ray.data.read_binary_files(list(by_path), include_paths=True, num_cpus=0)
    readings = files.map_batches(
        _FileReader, batch_size=1, concurrency=max(1, jobs), num_cpus=1,
        fn_constructor_kwargs={"settings": settings, "outdir": str(Path(outdir).resolve()), "formats": tuple(formats),
                               "names": {path: str(job.name) for path, job in by_path.items()}})
    for row in readings.iter_rows():
        job = by_path[_local(row["path"])]
        yield job, {"source": str(job.source), "pages": int(row["pages"]), "error": row["error"] or None}, row["text"]
