"""Command line: ``htr read INPUT... -o OUTDIR`` (``batch.py``) and ``python -m htr_core --mode
train|validate|infer`` (SimpleHTR's flags and more).

Parsing and dispatch only; the work is done by ``run_train``, ``run_validate`` and ``run_infer``,
which tests call directly.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Sequence

from htr_core import __version__
from htr_core.charset import CHARSETS
from htr_core.choices import DECODERS, LANGUAGES, LEVELS
from htr_core.recognition.model_config import LR_SCHEDULES

log = logging.getLogger("htr_core")


class CliError(Exception):
    """A usage problem the user can fix; printed without a traceback."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m htr_core", description="Handwriting recognition (CRNN + CTC).")
    parser.add_argument("--mode", choices=("train", "validate", "infer"), default="infer")
    parser.add_argument("--version", action="version", version=f"htr_core {__version__}")
    parser.add_argument("--model_dir", type=Path, help="model folder (default: models/word, or models/line with --line_mode)")
    parser.add_argument("--line_mode", action="store_true", help="read/train whole text lines instead of words")
    parser.add_argument("--decoder", choices=DECODERS, help="CTC decoder (default: the model's config)")
    parser.add_argument("--beam_width", type=int, help="beams kept by beamsearch/wordbeamsearch")
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--no_spell", action="store_true", help="skip spell correction")
    parser.add_argument("--language", choices=LANGUAGES, default="en",
                        help="lexicon and spelling list to read with (en: English, fr: French)")
    _infer_options(parser.add_argument_group("infer"))
    _data_options(parser.add_argument_group("train / validate"))
    _train_options(parser.add_argument_group("train"))
    parser.add_argument("--verbose", "-v", action="store_true")
    return parser


def _infer_options(infer) -> None:
    infer.add_argument("--img_file", type=Path, nargs="+", help="image(s) to read")
    infer.add_argument("--json", action="store_true", help="one JSON object per image (the page result)")
    infer.add_argument("--level", choices=LEVELS, default="auto",
                       help="read the image as one word, one line, or a page to segment (default: decide)")
    infer.add_argument("--word_reader", action="store_true",
                       help="on pages, read each segmented word with the word model instead of lines")
    infer.add_argument("--no_language_model", action="store_true",
                       help="do not weigh doubtful words by their neighbours with the English word-pair "
                            "model (for other languages, old spellings, lists and codes)")


def _data_options(data) -> None:
    data.add_argument("--data_dir", type=Path, nargs="+",
                      help="IAM layout (words.txt/lines.txt), Washington, IAM-OnDB, Copiste, labels.tsv table or image+.txt pairs")
    data.add_argument("--split", help="split to validate on (IAM: train/val; Washington: train/dev)")
    data.add_argument("--limit", type=int, help="validate on the first N items only")
    data.add_argument("--report", type=Path, default=Path("validation_report.json"),
                      help="where validate writes its JSON report")
    data.add_argument("--fast", action="store_true", help="train from an LMDB cache of the images")


def _train_options(train) -> None:
    train.add_argument("--epochs", type=int, default=40)
    train.add_argument("--learning_rate", type=float, default=1e-3)
    train.add_argument("--lr_schedule", choices=LR_SCHEDULES, default="plateau",
                       help="plateau: halve after 3 epochs without improvement; cosine: anneal over --epochs")
    train.add_argument("--fonts_dir", type=Path, help="handwriting fonts for synthetic samples")
    train.add_argument("--synthetic", type=int, default=0, help="synthetic samples per epoch")
    train.add_argument("--strokes", type=int, default=0,
                       help="samples per epoch written with a pen along single-stroke (Hershey) letters")
    train.add_argument("--line_words", type=int, default=4000,
                       help="line mode: single words mixed into each epoch (IAM; Washington half as many)")
    train.add_argument("--form_fields", type=float, default=0.0,
                       help="share of training samples framed as form fields (printed label, rule)")
    train.add_argument("--width", type=int,
                       help="input box width in columns (default: the --init_from model's, "
                            "else 128 for words, 512 for lines)")
    train.add_argument("--charset", choices=tuple(CHARSETS), default="english",
                       help="characters the new model reads (multilingual: English and French)")
    train.add_argument("--init_from", type=Path, help="start from this model directory's weights")
    train.add_argument("--lstm_layers", type=int, help="BiLSTM layers (default 2; layers the --init_from model lacks start as built)")
    train.add_argument("--lstm_units", type=int,
                       help="units a BiLSTM direction (default 128; layers whose shapes differ from --init_from's start as built)")
    train.add_argument("--shortcut_weight", type=float,
                       help="the loss share of an auxiliary CTC head on the convolutions (training only; e.g. 0.1)")
    train.add_argument("--max_steps_per_epoch", type=int, help="cap steps per epoch (quick runs)")


def _model_dir(args: argparse.Namespace) -> Path:
    from htr_core.recognition.recognizer import default_model_dir

    return args.model_dir or default_model_dir(args.line_mode)


def _text_reader(args: argparse.Namespace):
    from htr_core.recognition.reader import TextReader
    from htr_core.recognition.recognizer import Recognizer

    model_dir = _model_dir(args)
    if not model_dir.exists():
        raise CliError(f"model directory {model_dir} does not exist")
    return TextReader.of(Recognizer(model_dir), args.decoder, getattr(args, "language", "en"),
                         beam_width=args.beam_width)


def _corrector(args: argparse.Namespace):
    if args.no_spell:
        return None
    from htr_core.correction.spell import SpellCorrector

    return SpellCorrector(language=getattr(args, "language", "en"))


def _pipeline(args: argparse.Namespace):
    """--model_dir: that one model reads everything; otherwise the shipped line and word models."""
    from htr_core.pipeline import LONE_READ_WORKERS, Pipeline, PipelineSettings

    settings = PipelineSettings(level=args.level, reader="line" if args.line_mode or not args.word_reader else "word",
                                decoder=args.decoder, spell=not args.no_spell, language=args.language,
                                language_model=not args.no_language_model)
    if args.model_dir is not None:
        reader = _text_reader(args)
        line, word = (reader, None) if reader.recognizer.config.line_mode else (None, reader)
        return Pipeline(line, word, _corrector(args), settings, workers=LONE_READ_WORKERS)
    return Pipeline.from_model_dir(settings=settings, workers=LONE_READ_WORKERS)


def run_infer(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    from htr_core.io.images import ImageReadError, read_image

    if not args.img_file:
        raise CliError("--mode infer needs --img_file")
    pipeline = _pipeline(args)
    failures = 0
    for path in args.img_file:
        try:
            page = pipeline.read(read_image(path))
        except (ImageReadError, ValueError) as exc:
            failures += 1
            log.error("%s", exc)
            if args.json:
                print(json.dumps({"file": str(path), "error": str(exc)}), file=out)
            continue
        if args.json:
            print(json.dumps({"file": str(path), **page.to_dict()}), file=out)
        else:
            print(f"{path} ({page.level}, {len(page.lines)} lines):", file=out)
            for line in page.lines:
                fix = f"  ->  {line.text!r}" if line.text != line.raw_text else ""
                print(f"  [{line.confidence:.2f}] {line.raw_text!r}{fix}", file=out)
    return 1 if failures else 0


def run_validate(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    from htr_core.evaluation.evaluate import detect_dataset, evaluate, format_report

    if not args.data_dir:
        raise CliError("--mode validate needs --data_dir (a labelled set: IAM, Washington, labels.tsv or pairs)")
    reader = _text_reader(args)
    corrector = _corrector(args)
    reports = []
    for data_dir in args.data_dir:
        try:
            labelled = detect_dataset(data_dir, args.split)
        except (FileNotFoundError, ValueError) as exc:
            raise CliError(str(exc)) from exc
        report = evaluate(reader, labelled, args.decoder, corrector, args.batch_size, args.limit)
        print(format_report(report), file=out)
        reports.append(report)
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(reports if len(reports) > 1 else reports[0], indent=2) + "\n")
    print(f"report written to {args.report}", file=out)
    return 0


def run_train(args: argparse.Namespace, out=None) -> int:
    out = out or sys.stdout
    from htr_core.training.train import TrainConfig, train

    iam_dir = washington_dir = iam_ondb_dir = copiste_dir = None
    pairs = []
    for data_dir in args.data_dir or []:
        if not data_dir.is_dir():
            raise CliError(f"--data_dir {data_dir} is not a folder")
        if (data_dir / "words.txt").exists():
            iam_dir = data_dir
        elif (data_dir / "words_train.jsonl").exists():
            washington_dir = data_dir
        elif (data_dir / "strokes.npz").exists():
            iam_ondb_dir = data_dir
        elif (data_dir / "lines.jsonl").exists() and (data_dir / "pages").is_dir():
            copiste_dir = data_dir
        else:
            pairs.append(data_dir)
    if not (iam_dir or washington_dir or iam_ondb_dir or copiste_dir or pairs
            or (args.fonts_dir and args.synthetic) or args.strokes):
        raise CliError("--mode train needs --data_dir, --fonts_dir with --synthetic N, or --strokes N")
    config = TrainConfig(
        model_dir=_model_dir(args), name="line" if args.line_mode else "word", line_mode=args.line_mode,
        width=args.width,
        iam_dir=iam_dir, washington_dir=washington_dir, iam_ondb_dir=iam_ondb_dir, copiste_dir=copiste_dir,
        charset=args.charset, pairs_dirs=tuple(pairs), fonts_dir=args.fonts_dir,
        synthetic_per_epoch=args.synthetic, strokes_per_epoch=args.strokes, form_fields=args.form_fields,
        words_in_line_mode=args.line_words,
        batch_size=args.batch_size, epochs=args.epochs,
        learning_rate=args.learning_rate, lr_schedule=args.lr_schedule, init_from=args.init_from,
        max_steps_per_epoch=args.max_steps_per_epoch, fast=args.fast, verbose=1 if out.isatty() else 2,
        model_overrides={name: getattr(args, name) for name in ("lstm_layers", "lstm_units", "shortcut_weight")
                         if getattr(args, name) is not None},
    )
    result = train(config)
    print(json.dumps(result), file=out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["read"]:  # htr read INPUT... -o OUTDIR --format ...
        from htr_core.batch.runner import main as read_main

        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
        return read_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose or args.mode == "train" else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        return {"train": run_train, "validate": run_validate, "infer": run_infer}[args.mode](args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
