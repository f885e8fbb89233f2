"""IAM-OnDB *val* lines drawn as the app's canvas draws them and read as the app reads a drawing:
a validation set for choices about drawings (model epochs, drawing settings), where
run_all.py's canvas set is dev and only reports. The same lines drawn with one plain pen and read
as lines are the reference a drawing is held to.

    .venv/bin/python benchmarks/canvas_val.py [MODELS_DIR ...] [--stride 3] [--pen_shares 0 0.05] [--pen 6]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.canvas import DEFAULT_PEN, draw_on_canvas  # noqa: E402
from htr_core.data.iam_ondb import PLAIN_STYLE, OnlineLineDataset, load_online_lines  # noqa: E402
from htr_core.evaluation.metrics import error_rates  # noqa: E402
from htr_core.pipeline import Pipeline, PipelineSettings  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "iam_ondb"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("models_dirs", nargs="*", type=Path, help="folders holding line/ and word/ (default: the shipped)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--stride", type=int, default=3, help="every Nth val line")
    parser.add_argument("--pen_shares", type=float, nargs="*", default=[],
                        help="drawing settings' pen_share values to compare (default: the drawing settings' own)")
    parser.add_argument("--pen", type=float, default=DEFAULT_PEN, help="the canvas's pen width in pixels")
    args = parser.parse_args()
    lines = load_online_lines(args.data, "val")[::args.stride]
    drawings = [draw_on_canvas([line.strokes], args.pen) for line in lines]
    references = [line.text for line in lines]
    drawing = PipelineSettings().for_drawing()
    settings = [replace(drawing, segmentation=replace(drawing.segmentation, pen_share=share))
                for share in args.pen_shares] or [drawing]
    print(f"| models | pen share | IAM-OnDB val lines on the canvas ({len(lines)}), CER | WER |")
    print("| --- | --- | --- | --- |")
    plain = OnlineLineDataset(lines, fixed_style=PLAIN_STYLE)
    for models_dir in args.models_dirs or [None]:
        pipeline = Pipeline.from_model_dir(models_dir)
        as_lines = pipeline.with_settings(PipelineSettings(level="line"))
        rates = error_rates(references, [as_lines.read(plain[index][0]).text for index in range(len(plain))])
        print(f"| {models_dir or 'shipped'} | the same lines drawn with one plain pen, read as lines | "
              f"{rates.cer:.2%} | {rates.wer:.2%} |", flush=True)
        for setting in settings:
            reading = pipeline.with_settings(setting)
            texts = [" ".join(reading.read(grey).text.split("\n")) for grey in drawings]
            rates = error_rates(references, texts)
            print(f"| {models_dir or 'shipped'} | {setting.segmentation.pen_share} | {rates.cer:.2%} | {rates.wer:.2%} |",
                  flush=True)


if __name__ == "__main__":
    main()
