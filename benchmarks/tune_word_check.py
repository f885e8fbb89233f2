"""Tune the word model's check on line readings (``htr_core.word_check``; the pipeline's
``PipelineSettings.word_check``) on the held-out *training* writers' lines, pasted from their
words three times with different gaps, and on Washington's training lines: CER of the line model
alone (weight 0) and with the word model's likelihood weighted 0.3 to 1.5.

    .venv/bin/python benchmarks/tune_word_check.py [models_dir]

The IAM val writers and Washington's dev pages are never used here. Both readers use their
default decoders, as the pipeline does.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.iam import is_holdout_writer, load_iam_words  # noqa: E402
from htr_core.data.lines import SimulatedLineDataset  # noqa: E402
from htr_core.data.washington import washington_line_crops  # noqa: E402
from htr_core.metrics import error_rates  # noqa: E402
from htr_core.pipeline import word_crops  # noqa: E402
from htr_core.runtime import Recognizer  # noqa: E402
from htr_core.word_check import check_lines  # noqa: E402

WEIGHTS = (0.0, 0.3, 0.5, 0.7, 1.0, 1.5)
PASTINGS = (1, 2, 3)  # seeds: each held-out line pasted three ways, so a weight is not tuned to one set of gaps


def tuning_lines(data: Path) -> dict[str, list]:
    held = [s for s in load_iam_words(data / "iam_words", "train") if is_holdout_writer(s.writer)]
    pastings = [SimulatedLineDataset(held, seed=seed) for seed in PASTINGS]
    sets = {"held-out lines": [lines[i] for lines in pastings for i in range(len(lines))]}
    if (data / "washington").exists():
        lines = washington_line_crops(data / "washington", "train")
        sets["Washington train lines"] = [lines[i] for i in range(len(lines))]
    return sets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models_dir", type=Path, nargs="?", default=ROOT / "models")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()

    line = Recognizer(args.models_dir / "line")
    word = Recognizer(args.models_dir / "word")
    sets = tuning_lines(args.data)
    prepared = {}
    for name, items in sets.items():
        images = [image for image, _ in items]
        read = line.read_with_geometry(images, 64)
        pieces = [word_crops(reading, line, image) for reading, image in zip(read, images)]
        prepared[name] = (read, pieces, [text for _, text in items])
        print(f"{name}: {len(items)}, {sum(map(len, pieces))} words")

    print("| word model weight | " + " | ".join(sets) + " | both | seconds |")
    print("| --- " * (len(sets) + 3) + "|")
    best = None
    for weight in WEIGHTS:
        started = time.perf_counter()
        references, readings, cells = [], [], []
        for read, pieces, texts in prepared.values():
            checked = check_lines(read, pieces, line, word, weight) if weight else [r.decoded for r in read]
            cells.append(f"{error_rates(texts, [d.text for d in checked]).cer:.2%}")
            references += texts
            readings += [d.text for d in checked]
        pooled = error_rates(references, readings).cer
        seconds = time.perf_counter() - started
        print(f"| {weight or 'line model alone'} | " + " | ".join(cells) + f" | {pooled:.2%} | {seconds:.0f} |",
              flush=True)
        if best is None or pooled < best[0]:
            best = (pooled, weight)
    print(f"best: word_check={best[1]}")


if __name__ == "__main__":
    main()
