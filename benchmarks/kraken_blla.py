"""kraken's default baseline segmenter (blla, its model in the kraken wheel) on page images:
each line's baseline and boundary polygon as JSON, for ``benchmarks/segmentation.py --peer``.

Runs in its own environment (kraken needs PyTorch; the project never does):

    python3.11 -m venv /work/venv-kraken
    /work/venv-kraken/bin/pip install -r requirements-kraken.txt
    /work/venv-kraken/bin/python benchmarks/kraken_blla.py PAGE... --out reports/kraken_blla.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from kraken import blla
from kraken.lib import vgsl
from PIL import Image


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("pages", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as our own reader runs: one core a page
    model = vgsl.TorchVGSLModel.load_model(Path(blla.__file__).with_name("blla.mlmodel"))
    pages = {}
    for path in args.pages:
        image = Image.open(path)
        start = time.perf_counter()
        segmentation = blla.segment(image, model=model)
        seconds = time.perf_counter() - start
        pages[path.name] = {
            "seconds": seconds,
            "lines": [{"baseline": [list(map(int, p)) for p in line.baseline],
                       "boundary": [list(map(int, p)) for p in line.boundary]}
                      for line in segmentation.lines],
        }
        print(f"{path.name}: {len(segmentation.lines)} lines in {seconds:.1f} s", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"segmenter": "kraken blla", "pages": pages}, indent=1))


if __name__ == "__main__":
    main()
