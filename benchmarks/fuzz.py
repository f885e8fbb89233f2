"""Many more bad files than the test suite tries: counts what the image reader raises.

    .venv/bin/python benchmarks/fuzz.py [--cases 100000] [--seed 0]

Two kinds of case: a valid file of some format with a few bytes changed and its end cut off at
random, and random bytes behind a format's magic number. A "crash" is any exception other than
``ImageReadError`` (what the app, CLI and API turn into a message); the script prints the counts
of each kind and the first example of every crash type, and exits 1 if there was any.
"""

from __future__ import annotations

import argparse
import collections
import io
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.io.images import ImageReadError, read_document  # noqa: E402

MAGICS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF89a", b"BM", b"RIFF\x00\x00\x00\x00WEBP",
          b"P5\n", b"P6\n", b"%PDF-1.4\n")


def valid_files(rng: np.random.Generator) -> list[bytes]:
    files = []
    pixels = rng.integers(0, 255, (40, 56), dtype=np.uint8)
    for fmt, mode, frames in (("PNG", "L", 1), ("PNG", "RGBA", 1), ("JPEG", "RGB", 1), ("TIFF", "L", 3),
                              ("GIF", "P", 2), ("BMP", "L", 1), ("WEBP", "RGB", 1), ("PPM", "L", 1)):
        images = [Image.fromarray(np.roll(pixels, k, axis=1)).convert(mode) for k in range(frames)]
        buffer = io.BytesIO()
        images[0].save(buffer, format=fmt, save_all=frames > 1, append_images=images[1:])
        files.append(buffer.getvalue())
    buffer = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint16) * 257).save(buffer, format="PNG")
    files.append(buffer.getvalue())
    return files


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000, help="cases of each kind")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # Pillow warns about the damage it reads past
    rng = np.random.default_rng(args.seed)
    files = valid_files(rng)
    outcomes: dict[str, collections.Counter] = {"mutated": collections.Counter(), "magic": collections.Counter()}
    examples: dict[str, bytes] = {}
    started = time.perf_counter()
    for kind in outcomes:
        for _ in range(args.cases):
            if kind == "mutated":
                data = bytearray(files[int(rng.integers(len(files)))])
                for position in rng.integers(0, len(data), int(rng.integers(0, 9))):
                    data[position] = int(rng.integers(0, 256))
                if rng.random() < 0.5:  # cut short
                    data = data[: max(1, len(data) - int(rng.integers(0, len(data))))]
                data = bytes(data)
            else:
                data = MAGICS[int(rng.integers(len(MAGICS)))] + rng.bytes(int(rng.integers(0, 400)))
            try:
                read_document(data)
                outcomes[kind]["read"] += 1
            except ImageReadError:
                outcomes[kind]["refused"] += 1
            except Exception as exc:  # noqa: BLE001 - counting exactly these is the point
                name = f"crash: {type(exc).__name__}"
                outcomes[kind][name] += 1
                examples.setdefault(name, data[:80])
    for kind, counts in outcomes.items():
        print(f"{kind}: " + ", ".join(f"{name} {count}" for name, count in sorted(counts.items())))
    for name, data in examples.items():
        print(f"first {name}: {data!r}")
    print(f"{2 * args.cases} cases in {time.perf_counter() - started:.0f} s")
    sys.exit(1 if examples else 0)


if __name__ == "__main__":
    main()
