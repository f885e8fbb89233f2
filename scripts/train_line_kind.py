"""Train the printed-or-handwritten line classifier into models/line_kind.

    .venv/bin/python scripts/train_line_kind.py [--fonts /usr/share/fonts/truetype] [--out models/line_kind]

Printed: lines in the print fonts under --fonts (Debian's fonts-dejavu and fonts-liberation) and
OpenCV's vector faces, scanned-looking. Handwritten: IAM-OnDB train lines drawn from their
strokes, Copiste train lines (held-out pages kept back), Washington train lines, IAM train
writers' words pasted into lines, stroke-drawn and handwriting-font lines. Validation: serif and
monospaced print faces never trained on, against IAM-OnDB val, Copiste held-out pages and IAM
held-out writers; the threshold is the lowest that marks at most MAX_FALSE_PRINTED of the
validation handwriting printed (leaving handwriting out costs more than keeping a printed line).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.copiste import copiste_line_crops, is_holdout_page, load_copiste_lines  # noqa: E402
from htr_core.data.iam import is_holdout_writer, load_iam_words  # noqa: E402
from htr_core.data.iam_ondb import OnlineLineDataset, load_online_lines  # noqa: E402
from htr_core.data.lines import SimulatedLineDataset  # noqa: E402
from htr_core.data.printed import VECTOR_FONTS, PrintedLineDataset, find_print_fonts  # noqa: E402
from htr_core.data.strokes import StrokeDataset  # noqa: E402
from htr_core.data.synthetic import SyntheticDataset  # noqa: E402
from htr_core.data.washington import washington_line_crops  # noqa: E402
from htr_core.layout.line_kind import LineKindConfig  # noqa: E402
from htr_core.training.line_kind import export_line_kind, train_line_kind, window_set  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
HELD_OUT_FACES = ("DejaVuSerif", "LiberationMono")  # print faces kept for validation
HELD_OUT_VECTOR = (VECTOR_FONTS[3],)  # ... and one of OpenCV's
MAX_FALSE_PRINTED = 0.005
THRESHOLDS = np.round(np.arange(0.5, 0.995, 0.01), 2)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser()
    parser.add_argument("--fonts", type=Path, nargs="+", default=[Path("/usr/share/fonts/truetype")])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=ROOT / "models" / "line_kind")
    parser.add_argument("--per_class", type=int, default=12000)
    parser.add_argument("--epochs", type=int, default=6)
    args = parser.parse_args()
    config = LineKindConfig()
    rng = np.random.default_rng(0)

    fonts = find_print_fonts(args.fonts)
    held = [f for f in fonts if f.name.startswith(HELD_OUT_FACES)]
    trained = [f for f in fonts if f not in held]
    vector_trained = [f for f in VECTOR_FONTS if f not in HELD_OUT_VECTOR]
    print(f"{len(trained)} print faces to train on, {len(held)} held out")
    data = args.data
    copiste = load_copiste_lines(data / "copiste", "train")
    iam_words = load_iam_words(data / "iam_words", "train")
    hands_train = [
        OnlineLineDataset(load_online_lines(data / "iam_ondb", "train"), seed=1),
        copiste_line_crops(data / "copiste", [line for line in copiste if not is_holdout_page(line.page)][::2]),
        washington_line_crops(data / "washington", "train"),
        SimulatedLineDataset([s for s in iam_words if not is_holdout_writer(s.writer)], seed=2),
        StrokeDataset(10**6, line_mode=True, seed=3),
        SyntheticDataset(data / "fonts", 10**6, line_mode=True, seed=4),
    ]
    hands_val = {
        "IAM-OnDB val": OnlineLineDataset(load_online_lines(data / "iam_ondb", "val"), seed=5),
        "Copiste held-out pages": copiste_line_crops(data / "copiste",
                                                     [line for line in copiste if is_holdout_page(line.page)]),
        "IAM held-out writers": SimulatedLineDataset([s for s in iam_words if is_holdout_writer(s.writer)], seed=6),
    }
    printed_train = window_set([PrintedLineDataset(trained, 10**6, seed=7, vector_fonts=vector_trained)],
                               args.per_class, config, rng)
    handwritten_train = window_set(hands_train, args.per_class, config, rng)
    model = train_line_kind(printed_train, handwritten_train, args.out, config, epochs=args.epochs)

    def printed_probability(windows: np.ndarray) -> np.ndarray:
        return model.predict(windows.astype(np.float32)[..., None] / 255.0, batch_size=256, verbose=0).reshape(-1)

    printed_val = printed_probability(window_set(
        [PrintedLineDataset(held, 10**6, seed=8, vector_fonts=HELD_OUT_VECTOR)], 1500, config, rng))
    hands = {name: printed_probability(window_set([dataset], 600, config, rng)) for name, dataset in hands_val.items()}
    every_hand = np.concatenate(list(hands.values()))
    threshold = next((float(t) for t in THRESHOLDS if (every_hand > t).mean() <= MAX_FALSE_PRINTED), 0.99)
    report = {"threshold": threshold, "printed_found": float((printed_val > threshold).mean()),
              "handwritten_marked_printed": {name: float((p > threshold).mean()) for name, p in hands.items()}}
    print(json.dumps(report, indent=2))
    (args.out / "validation.json").write_text(json.dumps(report, indent=2) + "\n")
    config = LineKindConfig(config.height, config.width, threshold)
    export_line_kind(model, config, args.out)
    (args.out / "model_card.md").write_text(model_card(config, report, len(trained), len(held), args))


def model_card(config: LineKindConfig, report: dict, trained: int, held: int, args: argparse.Namespace) -> str:
    hands = "\n".join(f"| {name} | {share:.2%} |" for name, share in report["handwritten_marked_printed"].items())
    return f"""# line_kind model (printed or handwritten)

A small CNN (4 convolutions, the first strided, max and mean pooled over the window, one logistic
output) over a line's ink scaled to {config.height} px high, in windows of {config.width} columns
(a line's probability of print is the mean over its windows). A line above {config.printed_above} is
printed. Files: `model.onnx` (ONNX Runtime), `config.json`. Made by
`.venv/bin/python scripts/train_line_kind.py --per_class {args.per_class} --epochs {args.epochs}`.

## Training

- Printed: text lines in {trained} print faces of Debian's fonts-dejavu and fonts-liberation and
  OpenCV's vector faces, resampled, blurred, on paper, JPEG-compressed as scans and photos are.
- Handwritten: IAM-OnDB `train` lines drawn from their pen strokes, Copiste `train` pages' lines
  (held-out pages kept back), Washington train pages 270-279, IAM `train` writers' words pasted
  into lines, stroke-drawn and handwriting-font lines. {args.per_class} windows of each class.
- Licence terms: IAM is free for non-commercial research only (cite U. Marti and H. Bunke, IJDAR
  5:39-46, 2002); IAM-OnDB likewise (cite M. Liwicki and H. Bunke, ICDAR 2005); Copiste d'un
  jour pages CC-BY 4.0, Bibliothèque et Archives nationales du Québec; the Washington pages are
  public domain; the fonts' licences (SIL OFL 1.1, Apache-2.0, GPL with font exception, the
  Bitstream Vera and Liberation licences) allow this use. This model inherits IAM's restriction.

## Validation (windows, this run)

The threshold is the lowest that marks at most {MAX_FALSE_PRINTED:.1%} of the validation handwriting
printed. Printed: {held} print faces never trained on (DejaVu Serif, Liberation Mono) and one
OpenCV face: {report["printed_found"]:.2%} of their windows found printed.

| handwriting (never trained on) | marked printed |
| --- | --- |
{hands}

Whole pages: `.venv/bin/python benchmarks/line_kinds.py --pages washington|copiste|cabuyao`
(docs/PIPELINE.md).
"""


if __name__ == "__main__":
    main()
