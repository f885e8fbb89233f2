"""Measuring a recognizer on a labelled set: CER/WER strict and case-insensitive, raw and corrected."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from htr_core.data.dataset import Dataset, FileDataset
from htr_core.evaluation.metrics import error_rates
from htr_core.recognition.reader import TextReader
from htr_core.correction.spell import SpellCorrector, correct_reading

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LabelledSet:
    name: str
    dataset: Dataset


def detect_dataset(data_dir: Path, split: str | None = None) -> LabelledSet:
    """Recognise the layout of ``data_dir``: IAM, Washington, a labels.tsv table, or pairs."""
    from htr_core.data.iam import load_iam_lines, load_iam_words
    from htr_core.data.pairs import load_label_table, load_pairs
    from htr_core.data.washington import washington_word_crops

    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(f"--data_dir {data_dir} is not a folder")
    if (data_dir / "words.txt").exists():
        return LabelledSet(f"iam-words-{split or 'all'}", FileDataset(load_iam_words(data_dir, split)))
    if (data_dir / "lines.txt").exists():
        return LabelledSet(f"iam-lines-{split or 'all'}", FileDataset(load_iam_lines(data_dir, split)))
    if (data_dir / f"words_{split or 'dev'}.jsonl").exists():
        return LabelledSet(f"washington-words-{split or 'dev'}", washington_word_crops(data_dir, split or "dev"))
    if (data_dir / "labels.tsv").exists():
        return LabelledSet(f"{data_dir.name}", FileDataset(load_label_table(data_dir)))
    return LabelledSet(f"pairs-{data_dir.name}", FileDataset(load_pairs(data_dir)))


def evaluate(
    reader: TextReader,
    labelled: LabelledSet,
    decoder: str | None = None,
    corrector: SpellCorrector | None = None,
    batch_size: int = 32,
    limit: int | None = None,
) -> dict:
    """Read every item and score it; returns a JSON-ready report."""
    return evaluate_decoders(reader, labelled, [decoder or reader.decoder.config.name], corrector, batch_size,
                             limit)[0]


def evaluate_decoders(
    reader: TextReader,
    labelled: LabelledSet,
    decoders: list[str],
    corrector: SpellCorrector | None = None,
    batch_size: int = 32,
    limit: int | None = None,
) -> list[dict]:
    """One report per decoder; the model runs once per image whatever the number of decoders."""
    count = len(labelled.dataset) if limit is None else min(limit, len(labelled.dataset))
    if count == 0:
        raise ValueError(f"{labelled.name}: no labelled images found")
    references: list[str] = []
    frames = []
    started = time.perf_counter()
    for start in range(0, count, batch_size):
        items = [labelled.dataset[i] for i in range(start, min(start + batch_size, count))]
        frames.extend(reading.log_probs for reading in reader.recognizer.read([image for image, _ in items], batch_size))
        references.extend(text for _, text in items)
    model_seconds = time.perf_counter() - started
    reports = []
    for decoder in decoders:
        started = time.perf_counter()
        readings = reader.with_decoder(decoder).decoder.decode_many(frames)
        raw = [reading.text for reading in readings]
        decode_seconds = time.perf_counter() - started
        report = {
            "dataset": labelled.name,
            "model": str(reader.recognizer.model_dir),
            "decoder": decoder,
            "items": count,
            "seconds": round(model_seconds + decode_seconds, 2),
            "raw": {"strict": error_rates(references, raw).to_dict(),
                    "case_insensitive": error_rates(references, raw, loose=True).to_dict()},
        }
        if corrector is not None:
            corrected = [correct_reading(reading, corrector) for reading in readings]
            report["corrected"] = {"strict": error_rates(references, corrected).to_dict(),
                                   "case_insensitive": error_rates(references, corrected, loose=True).to_dict()}
        report["examples"] = [{"reference": r, "raw": h} for r, h in list(zip(references, raw))[:20]]
        reports.append(report)
    return reports


def format_report(report: dict) -> str:
    lines = [f"{report['dataset']}: {report['items']} items, model {report['model']}, "
             f"decoder {report['decoder']}, {report['seconds']} s"]
    for kind in ("raw", "corrected"):
        if kind in report:
            strict, loose = report[kind]["strict"], report[kind]["case_insensitive"]
            lines.append(
                f"  {kind:9s} CER {strict['cer']:.2%}  WER {strict['wer']:.2%}  exact {strict['exact']:.2%}"
                f"  | case-insensitive CER {loose['cer']:.2%}  WER {loose['wer']:.2%}  exact {loose['exact']:.2%}"
            )
    return "\n".join(lines)
