"""Recognition speed at batch 1 on one core through the ONNX runtime: median ms per image.

    .venv/bin/python benchmarks/speed.py [--data ../shared/data] [--count 200]

Words: IAM val-writer word images. Lines: Washington dev lines (cut from the page scans). Prints
a Markdown table: model call alone, and the full read (preprocess + model + decoder).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from htr_core.data.dataset import FileDataset  # noqa: E402
from htr_core.data.iam import load_iam_words  # noqa: E402
from htr_core.data.washington import washington_line_crops  # noqa: E402
from htr_core.recognition.reader import TextReader  # noqa: E402
from htr_core.recognition.recognizer import default_model_dir  # noqa: E402
from timing import recognizer_speed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()

    words = FileDataset(load_iam_words(args.data / "iam_words", split="val"))
    word_images = [words[i][0] for i in range(min(args.count, len(words)))]
    lines = washington_line_crops(args.data / "washington", "dev")
    line_images = [lines[i % len(lines)][0] for i in range(args.count)]

    print("| model | images | decoder | model call (ms, median) | full read (ms, median) |")
    print("| --- | --- | --- | --- | --- |")
    for line_mode, images, what in ((False, word_images, "IAM val words"), (True, line_images, "Washington dev lines")):
        model_dir = default_model_dir(line_mode)
        if not (model_dir / "model.onnx").exists():
            print(f"| {model_dir.name} | missing | | | |")
            continue
        reader = TextReader.load(model_dir, threads=1)
        for decoder in ("bestpath", "beamsearch", "wordbeamsearch"):
            model_ms, full_ms = recognizer_speed(reader.with_decoder(decoder), images, repeats=len(images))
            print(f"| {model_dir.name} | {len(images)} {what} | {decoder} | {model_ms:.2f} | {full_ms:.2f} |")


if __name__ == "__main__":
    main()
