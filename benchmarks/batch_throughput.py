"""Pages a second of ``htr read`` on a folder of pages, with 1 and with 2 worker processes.

    .venv/bin/python benchmarks/batch_throughput.py [--pages 16]

The folder holds cabuyao phone photos and Washington scans (cycled to --pages); each run reads
it whole into a fresh output folder, models loaded once per worker (that load is in the time).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.batch.runner import run  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=16)
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    sources = sorted((args.data / "cabuyao" / "pages").glob("*.jpg")) + sorted((args.data / "washington" / "pages").glob("*.jpg"))
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "pages"
        folder.mkdir()
        for index in range(args.pages):
            source = sources[index % len(sources)]
            shutil.copy(source, folder / f"{index:03d}_{source.name}")
        seconds = {}
        for jobs in (1, 2):
            started = time.perf_counter()
            outcomes = run([folder], Path(scratch) / f"out{jobs}", ["txt"], jobs=jobs, progress=False)
            seconds[jobs] = time.perf_counter() - started
            assert not any(o.error for o in outcomes)
            print(f"--jobs {jobs}: {args.pages} pages in {seconds[jobs]:.1f} s, "
                  f"{args.pages / seconds[jobs]:.2f} pages/s", flush=True)
    print(f"speed-up with 2 workers: {seconds[1] / seconds[2]:.2f}x")


if __name__ == "__main__":
    main()
