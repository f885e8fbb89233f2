"""IAM-OnDB *val* lines drawn as the app's canvas draws them and read as the app reads a drawing:
a validation set for choices about drawings (model epochs, drawing settings), where
run_all.py's canvas set is dev and only reports.

    .venv/bin/python benchmarks/canvas_val.py [MODELS_DIR ...] [--stride 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.canvas import draw_on_canvas  # noqa: E402
from htr_core.data.iam_ondb import load_online_lines  # noqa: E402
from htr_core.evaluation.metrics import error_rates  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "iam_ondb"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models_dirs", nargs="*", type=Path, help="folders holding line/ and word/ (default: the shipped)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--stride", type=int, default=3, help="every Nth val line")
    args = parser.parse_args()
    lines = load_online_lines(args.data, "val")[::args.stride]
    drawings = [draw_on_canvas([line.strokes]) for line in lines]
    references = [line.text for line in lines]
    print(f"| models | IAM-OnDB val lines on the canvas ({len(lines)}), CER | WER |")
    print("| --- | --- | --- |")
    for models_dir in args.models_dirs or [None]:
        pipeline = Pipeline.from_model_dir(models_dir, settings=PipelineSettings().for_drawing())
        texts = [" ".join(pipeline.read(grey).text.split("\n")) for grey in drawings]
        rates = error_rates(references, texts)
        print(f"| {models_dir or 'shipped'} | {rates.cer:.2%} | {rates.wer:.2%} |", flush=True)


if __name__ == "__main__":
    main()
