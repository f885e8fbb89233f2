"""Tune the word model's check on line readings (``htr_core.correction.word_check``; the pipeline's
``PipelineSettings.word_check`` and ``language_model``) on the held-out *training* writers' lines,
pasted from their words three times with different gaps, and on Washington's training lines: CER
of the line model alone and with the word model's likelihood weighted 0.3 to 1.0, each with the
bigram language model weighted 0 to 1.0; then, at the best weights, how sure of a word's letters
the line model must be for the word to stand without the word model's reread (the least sure
whose CER stays within 0.05 point of rereading every word: each word not reread saves a model call).

    .venv/bin/python benchmarks/tune_word_check.py [models_dir] [--alternatives N] [--write]

The IAM val writers and Washington's dev pages are never used here. Both readers use their
default decoders, as the pipeline does. With --write the best weights go into the line model's
config.json, where the pipeline reads them.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.iam import is_holdout_writer, load_iam_words  # noqa: E402
from htr_core.data.lines import SimulatedLineDataset  # noqa: E402
from htr_core.data.washington import washington_line_crops  # noqa: E402
from htr_core.correction.word_check import ALTERNATIVES, apply_choice, line_candidates, words_to_reread  # noqa: E402
from htr_core.evaluation.metrics import error_rates  # noqa: E402
from htr_core.language.bigrams import BigramModel  # noqa: E402
from htr_core.layout.word_boxes import word_crops  # noqa: E402
from htr_core.recognition.model_config import CONFIG_FILE, WordCheckConfig  # noqa: E402
from htr_core.recognition.reader import TextReader  # noqa: E402

WORD_WEIGHTS = (0.3, 0.5, 0.7, 1.0)
LM_WEIGHTS = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)
WEIGHT_TOLERANCE = 0.0005  # weights within this CER of the lowest are chosen between by WER
SURE_CONFIDENCES = (0.99, 0.95, 0.9, 0.8, 0.7)
GATE_TOLERANCE = 0.0005  # the least sure confidence whose CER is within this of rereading every word
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
    parser.add_argument("--alternatives", type=int, default=ALTERNATIVES,
                        help="lexicon words each model offers for a word the two read differently")
    parser.add_argument("--write", action="store_true", help="write the best weights into the line model's config")
    args = parser.parse_args()

    line = TextReader.load(args.models_dir / "line")
    word = TextReader.load(args.models_dir / "word")
    language_model = BigramModel.english()
    sets = tuning_lines(args.data)
    prepared = {}
    for name, items in sets.items():
        images = [image for image, _ in items]
        readings, decoded = line.read_with_frames(images, 64)
        pieces = [piece for line_read, reading, image in zip(decoded, readings, images)
                  for piece in word_crops(line_read, reading, image)]
        started = time.perf_counter()
        word_readings = word.recognizer.read(pieces)
        candidates = line_candidates(readings, decoded, word_readings, line, word, args.alternatives)
        prepared[name] = (readings, decoded, candidates, [text for _, text in items], word_readings)
        print(f"{name}: {len(items)} lines, {len(pieces)} words, "
              f"candidates in {time.perf_counter() - started:.0f} s")

    cells, cer, wer = scored(prepared, lambda readings, decoded, _: decoded)
    print("| word model weight | language model weight | " + " | ".join(sets) + " | both | both, WER |")
    print("| --- " * (len(sets) + 4) + "|")
    print("| line model alone | | " + " | ".join(cells) + f" | {cer:.2%} | {wer:.2%} |")
    results = []
    for word_weight in WORD_WEIGHTS:
        for lm_weight in LM_WEIGHTS:
            cells, cer, wer = scored(prepared, lambda readings, decoded, candidates: apply_choice(
                readings, decoded, candidates, line.recognizer.charset, word_weight, language_model, lm_weight))
            print(f"| {word_weight} | {lm_weight} | " + " | ".join(cells) + f" | {cer:.2%} | {wer:.2%} |", flush=True)
            results.append((cer, wer, word_weight, lm_weight))
    # CERs this close are one setting to this split: among them, the fewest word errors.
    lowest = min(cer for cer, *_ in results)
    best = min((wer, cer, word_weight, lm_weight) for cer, wer, word_weight, lm_weight in results
               if cer <= lowest + WEIGHT_TOLERANCE)
    print(f"best: word_weight={best[2]}, lm_weight={best[3]}")
    _, _, word_weight, lm_weight = best
    sure_confidence = tune_sure_confidence(prepared, line, word, args.alternatives,
                                           lambda readings, decoded, candidates: apply_choice(
                                               readings, decoded, candidates, line.recognizer.charset,
                                               word_weight, language_model, lm_weight))
    if args.write:
        path = args.models_dir / "line" / CONFIG_FILE
        config = replace(line.recognizer.config,
                         word_check=WordCheckConfig(word_weight, lm_weight, sure_confidence))
        path.write_text(config.to_json() + "\n")
        print(f"written to {path}")


def scored(prepared: dict, choose) -> tuple[list[str], float, float]:
    """CER of each prepared set, and the pooled CER and WER, of the lines ``choose`` makes of
    (readings, decodings, candidates)."""
    references, hypotheses, cells = [], [], []
    for readings, decoded, candidates, texts, _ in prepared.values():
        chosen = [line_read.text for line_read in choose(readings, decoded, candidates)]
        cells.append(f"{error_rates(texts, chosen).cer:.2%}")
        references += texts
        hypotheses += chosen
    pooled = error_rates(references, hypotheses)
    return cells, pooled.cer, pooled.wer


def tune_sure_confidence(prepared: dict, line: TextReader, word: TextReader, alternatives: int,
                         choose) -> float | None:
    """The least sure letter confidence at which a word stands without the word model's reread,
    keeping the tuning CER within GATE_TOLERANCE of rereading every word (None: none does)."""
    _, every_word, _ = scored(prepared, choose)
    print("| words stand unread when each letter is read at least | words reread | " + " | ".join(prepared)
          + " | both |")
    print("| --- " * (len(prepared) + 3) + "|")
    chosen = None
    for sure in SURE_CONFIDENCES:
        reread_share, gated = [], {}
        for name, (readings, decoded, _, texts, word_readings) in prepared.items():
            flags = [flag for line_flags in words_to_reread(decoded, sure) for flag in line_flags]
            kept = [reading if flag else None for reading, flag in zip(word_readings, flags)]
            gated[name] = (readings, decoded, line_candidates(readings, decoded, kept, line, word, alternatives),
                           texts, word_readings)
            reread_share += flags
        cells, cer, _ = scored(gated, choose)
        print(f"| {sure} | {sum(reread_share) / max(len(reread_share), 1):.1%} | " + " | ".join(cells)
              + f" | {cer:.2%} |", flush=True)
        if cer > every_word + GATE_TOLERANCE:
            break
        chosen = sure
    print(f"best: sure_confidence={chosen} (every word reread: {every_word:.2%})")
    return chosen


if __name__ == "__main__":
    main()
