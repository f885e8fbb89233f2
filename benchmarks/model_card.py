"""Measure a model on the evaluation sets and write its model_card.md (every number from this run).

    .venv/bin/python benchmarks/model_card.py models/word [--data ../shared/data]

Sets: IAM val writers (words; never trained on), handwritten names (case-insensitive), Washington
dev words, and for line models Washington dev lines, IAM val-writer lines pasted from words,
IAM-OnDB dev lines drawn from their strokes and (for a model that reads French) Copiste dev lines,
decoded with the French lexicon.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from htr_core.data.copiste import copiste_line_crops, load_copiste_lines  # noqa: E402
from htr_core.data.dataset import ArrayDataset, FileDataset  # noqa: E402
from htr_core.data.iam import load_iam_words  # noqa: E402
from htr_core.data.iam_ondb import PLAIN_STYLE, OnlineLineDataset, load_online_lines  # noqa: E402
from htr_core.data.lines import SimulatedLineDataset  # noqa: E402
from htr_core.data.pairs import load_label_table  # noqa: E402
from htr_core.data.washington import washington_line_crops, washington_word_crops  # noqa: E402
from htr_core.choices import DECODERS  # noqa: E402
from htr_core.evaluation.evaluate import LabelledSet, evaluate_decoders  # noqa: E402
from htr_core.recognition.reader import TextReader  # noqa: E402
from htr_core.correction.spell import SpellCorrector  # noqa: E402
from run_all import ONDB_STRIDE  # noqa: E402
from timing import recognizer_speed  # noqa: E402


def frozen(dataset, count: int | None = None) -> ArrayDataset:
    """Materialise a dataset once so every decoder and rerun sees the same images."""
    n = len(dataset) if count is None else min(count, len(dataset))
    items = [dataset[i] for i in range(n)]
    return ArrayDataset([im for im, _ in items], [t for _, t in items])


def describe_step_sizes(history: list[dict]) -> str:
    """The learning rate each epoch ran at, as runs of equal values: "1.0e-03 (epochs 1-14), ..."."""
    parts = []
    for rate, group in itertools.groupby(history, key=lambda entry: entry["learning_rate"]):
        epochs = [entry["epoch"] for entry in group]
        span = f"epoch {epochs[0]}" if len(epochs) == 1 else f"epochs {epochs[0]}-{epochs[-1]}"
        parts.append(f"{rate:.1e} ({span})")
    if len(parts) > 6:  # an annealed stretch: its ends are enough
        parts = parts[:2] + ["…"] + parts[-2:]
    return ", ".join(parts) or "n/a"


FRENCH_SET = "Copiste dev, lines (French; fr lexicon)"


def evaluation_sets(data: Path, line_mode: bool, reads_french: bool = False) -> list[LabelledSet]:
    sets = [
        LabelledSet("IAM val writers, words", FileDataset(load_iam_words(data / "iam_words", "val"))),
        LabelledSet("names (dev)", FileDataset(load_label_table(data / "names"))),
        LabelledSet("Washington dev, words", washington_word_crops(data / "washington", "dev")),
    ]
    if line_mode:
        sets.append(LabelledSet("Washington dev, lines", washington_line_crops(data / "washington", "dev")))
        val_words = load_iam_words(data / "iam_words", "val")
        sets.append(LabelledSet("IAM val writers, lines pasted from words (seed 0)",
                                frozen(SimulatedLineDataset(val_words, max_words=8, seed=0))))
        if (data / "iam_ondb").exists():
            lines = load_online_lines(data / "iam_ondb", "dev")[::ONDB_STRIDE]
            sets.append(LabelledSet(f"IAM-OnDB dev, lines (every {ONDB_STRIDE}rd, drawn with one plain pen)",
                                    frozen(OnlineLineDataset(lines, fixed_style=PLAIN_STYLE))))
        if reads_french and (data / "copiste").exists():
            sets.append(LabelledSet(FRENCH_SET, copiste_line_crops(data / "copiste",
                                                                   load_copiste_lines(data / "copiste", "dev"))))
    return sets


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()

    text_reader = TextReader.load(args.model_dir, threads=1)
    recognizer, config = text_reader.recognizer, text_reader.recognizer.config
    reads_french = not recognizer.charset.unknown_characters("éèàçœ")
    rows = []
    reports = []
    sets = evaluation_sets(args.data, config.line_mode, reads_french)
    for labelled in sets:
        language = "fr" if labelled.name == FRENCH_SET else "en"
        reader = text_reader.with_language(language)
        for report in evaluate_decoders(reader, labelled, list(DECODERS), SpellCorrector(language=language)):
            reports.append(report)
            raw, fixed = report["raw"], report["corrected"]
            rows.append(
                f"| {labelled.name} | {report['items']} | {report['decoder']} | "
                f"{raw['strict']['cer']:.2%} | {raw['strict']['wer']:.2%} | {raw['strict']['exact']:.2%} | "
                f"{raw['case_insensitive']['cer']:.2%} | {raw['case_insensitive']['wer']:.2%} | "
                f"{fixed['strict']['cer']:.2%} | {fixed['strict']['wer']:.2%} |"
            )
            print(rows[-1], flush=True)
    first = next(s for s in sets if s.name.startswith("IAM val writers, lines" if config.line_mode else "IAM val")).dataset
    model_ms, full_ms = recognizer_speed(text_reader, [first[i][0] for i in range(min(200, len(first)))])

    state = json.loads((args.model_dir / "train_state.json").read_text())
    training = json.loads((args.model_dir / "training_config.json").read_text()) \
        if (args.model_dir / "training_config.json").exists() else {}
    history = state.get("history", [])
    best = min(history, key=lambda h: h["holdout_cer"]) if history else {}
    # A run's state may name the epoch shipped when it is not the best holdout's (holdout CERs
    # tied, and a validation set chose).
    shipped = next((h for h in history if h["epoch"] == state.get("shipped_epoch")), best)
    chosen = ("the weights shipped here" if shipped is best else
              f"epoch {shipped.get('epoch')} shipped (holdout CER {shipped.get('holdout_cer', float('nan')):.4f}; "
              f"{state.get('shipped_because', 'chosen on a validation set')})")
    kind = "line" if config.line_mode else "word"
    source = Path(training["init_from"]) if training.get("init_from") else None
    if source is not None and source.is_relative_to(ROOT):
        source = source.relative_to(ROOT)  # the training machine's checkout path says nothing to readers
    init = f"; initialised from the weights of `{source}` when its training began" if source else ""
    prior = f" in the last run, after {state['prior_epochs']} behind its initial weights" \
        if state.get("prior_epochs") else ""
    forms = ""
    if training.get("form_fields"):
        forms = (f"\n  In the last run, {training['form_fields']:.0%} of samples were framed as form fields"
                 " (a printed field label\n  from a list of common English, French, Spanish, German and"
                 " Italian labels, a rule, slivers of\n  neighbouring writing) with the label unchanged."
                 " That list holds the labels printed on the\n  names forms (\"NOM :\", \"PRENOM :\"), so the"
                 " names set is not blind to that part of its layout.")
    strokes = ""
    if training.get("strokes_per_epoch"):
        strokes = (f"; and {training['strokes_per_epoch']} {'lines' if config.line_mode else 'words'} per epoch"
                   " written with a\n  round pen along Hershey single-stroke letters (print and script faces,"
                   " each letter\n  slanted, sized and shifted on its own)")
    packing = ""
    if config.line_mode and config.min_steps_per_char:
        packing = (f"; under every decoder, a line read with fewer than\n{config.min_steps_per_char} output steps a"
                   " character is read again widened to that packing")
    checked = ""
    if config.line_mode and config.word_check is not None:
        check = config.word_check
        which = (f" with a letter read below {check.sure_confidence} sure" if check.sure_confidence is not None else "")
        checked = ("\nThese rows are the line model alone: the pipeline (app, CLI, API) also has the word model and an\n"
                   f"English word bigram model check each word it reads{which} (`htr_core/correction/word_check.py`, weights\n"
                   f"{check.word_weight} for the word model and {check.lm_weight} for the word pairs, "
                   "from `benchmarks/tune_word_check.py`);\ndocs/BENCHMARKS.md has lines read that way.")
    online = copiste = ""
    if training.get("iam_ondb_dir"):
        online = (";\n  IAM-OnDB `train` lines (pen strokes of many writers) drawn afresh each epoch in a random style\n"
                  "  (x-height, pen width, slant, per-stroke drift, blur, paper; some as the app's canvas draws a\n"
                  "  mouse line), its `val` lines selecting the model")
    if training.get("copiste_dir"):
        copiste = (";\n  Copiste `train` pages' lines (French, many writers; cut by their polygons; struck and\n"
                   "  unreadable lines left out), 1 in 16 pages held out for model selection")
    terms = ""
    if online:
        terms += ("\n  IAM-OnDB is free for non-commercial research (cite M. Liwicki and H. Bunke, ICDAR 2005,\n"
                  "  \"IAM-OnDB - an on-line English sentence database acquired from handwritten text on a\n"
                  "  whiteboard\"), which this model inherits too.")
    if copiste:
        terms += ("\n  Copiste d'un jour pages: CC-BY 4.0, Bibliothèque et Archives nationales du Québec\n"
                  "  (\"Copiste d'un jour\").")
    never = "IAM `val` writers, Washington dev pages 300-302, names, cabuyao"
    if online:
        never += ", IAM-OnDB `val` (selection only) and `dev`"
    if copiste:
        never += ", Copiste `dev`"
    shortcut = (f"\nTrained with an auxiliary CTC head on the convolutions' sequence (a 1-D convolution, "
                f"{config.shortcut_weight} of the loss),\nleft out of the files here." if config.shortcut_weight else "")
    card = f"""# {config.name} model ({kind} recognizer)

A CRNN: {len(config.conv_filters)} conv blocks {list(config.conv_filters)}, {config.lstm_layers} BiLSTM layers of
{config.lstm_units} units, CTC over {recognizer.charset.num_classes - 1} characters{' (English and French letters)' if reads_french else ''} + blank. Input:
{config.height}×{config.width} grey, ink normalised, text scaled to fit and left-aligned.{shortcut}
Files: `model.onnx` (inference, ONNX Runtime; LSTM and output weights int8), `model.keras` (training, fallback), `config.json`,
`charset.txt`.

## Training

- Data: IAM Handwriting Database word images of the 100 `train` writers (6 of them held out for
  model selection){', simulated lines pasted from those words' if config.line_mode else ''}; George
  Washington train pages 270-279 ({'word and line crops' if config.line_mode else 'word crops'}); and
  {training.get('synthetic_per_epoch', 'n/a')} synthetic {'lines' if config.line_mode else 'words'} per
  epoch rendered from the 45 handwriting fonts{strokes}{online}{copiste}. Augmentation: slant, rotation, stroke width, elastic
  warp, blur, faded ink, paper and noise; letters squeezed or stretched to 0.7-1.4 of their width
  since 2026-11-30 (both models' last runs had it).{forms}
- Never trained on: {never}.
- Epochs: {state.get('epoch')}{prior}; best holdout CER {state.get('best_cer', float('nan')):.4f} at epoch
  {best.get('epoch', 'n/a')}, {chosen}. Batch {training.get('batch_size', 'n/a')}, Adam; step size by
  epoch: {describe_step_sizes(history)} (last run's schedule: {training.get('lr_schedule', 'plateau')}){init}.
- Licence terms: IAM is free for non-commercial research only (cite U. Marti and H. Bunke, IJDAR
  5:39-46, 2002), and this model inherits that restriction. The Washington pages are public
  domain; the fonts' licences (SIL OFL 1.1, Apache-2.0, GPL with font exception) allow this use.{terms}

## Accuracy

Measured on {date.today().isoformat()} with `.venv/bin/python benchmarks/model_card.py {args.model_dir}`
(which runs the same code as `python -m htr_core --mode validate`). CER/WER are summed over each set;
"exact" is the share of items read exactly (word accuracy for word sets); case-insensitive scoring
lower-cases and keeps letters, digits and spaces; "corrected" is after `autocorrect` spell correction
for best path and beam search, while word beam search's reading is its own correction (the same,
but for a digit read for a letter beside a word: "hell0" -> "hello").
Names are capitals; score them case-insensitively. Decoding as `config.json` sets it: word beam
search over the {config.decoder.lexicon_size} most frequent words of the set's language (English; French for Copiste), prior weight {config.decoder.lm_weight}, out-of-lexicon
margin {config.decoder.oov_margin} nats (default decoder: {config.decoder.name}){packing}.{checked}

| set | items | decoder | CER | WER | exact | CER (case-insens.) | WER (case-insens.) | CER corrected | WER corrected |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

## Speed

Median over 200 images at batch 1, ONNX Runtime on one thread, this machine (2-core x86-64):
model call {model_ms:.2f} ms; full read (preprocess + model + {config.decoder.name}) {full_ms:.2f} ms.
"""
    (args.model_dir / "model_card.md").write_text(card)
    (args.model_dir / "evaluation.json").write_text(json.dumps(reports, indent=2) + "\n")
    print(f"wrote {args.model_dir / 'model_card.md'}")


if __name__ == "__main__":
    main()
