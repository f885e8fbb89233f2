"""Copiste's held-out *train* pages' lines (1 page in 16, never trained on), cut by their polygons
and read in French as a user reads a line (``level="line"``, ``language="fr"``): a validation set
for choices about French, where run_all.py's Copiste set is dev and only reports.

    .venv/bin/python benchmarks/copiste_val.py [MODELS_DIR ...]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.copiste import copiste_line_crops, is_holdout_page, load_copiste_lines  # noqa: E402
from htr_core.evaluation.metrics import error_rates  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "copiste"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models_dirs", nargs="*", type=Path, help="folders holding line/ and word/ (default: the shipped)")
    parser.add_argument("--data", type=Path, default=DATA)
    args = parser.parse_args()
    lines = [line for line in load_copiste_lines(args.data, "train") if is_holdout_page(line.page)]
    crops = copiste_line_crops(args.data, lines)
    references = [line.text for line in lines]
    print(f"| models | Copiste held-out train pages' lines ({len(lines)}), French, CER | WER |")
    print("| --- | --- | --- |")
    for models_dir in args.models_dirs or [None]:
        pipeline = Pipeline.from_model_dir(models_dir, settings=PipelineSettings(level="line", language="fr"))
        texts = [pipeline.read(crops[index][0]).text for index in range(len(crops))]
        rates = error_rates(references, texts)
        print(f"| {models_dir or 'shipped'} | {rates.cer:.2%} | {rates.wer:.2%} |", flush=True)


if __name__ == "__main__":
    main()
