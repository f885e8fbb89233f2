"""Tune decoding on the held-out *training* writers. A line model first gets the packing below
which a line is read again widened (``min_steps_per_char``: lowest best-path CER on their lines
and Washington's training lines). Then word beam search: lexicon size and word-prior weight (best
word accuracy), the out-of-lexicon margin (lowest CER), and whether it or the free beam search is
the model's default decoder (lowest CER). A word model is tuned on their words, a line model on
their lines pasted from words (decoded word by word, as the runtime does), with IAM-OnDB `val`
lines drawn from their strokes where that data is there (a model selection split, never dev).

    .venv/bin/python benchmarks/tune_decoder.py models/word [--write]

The IAM val writers and Washington's dev pages are never used here. With --write the best
setting goes into the model's config.json (min_steps_per_char, and the decoder's name,
lm_weight, lexicon_size and oov_margin), where the runtime reads it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from htr_core.data.dataset import FileDataset  # noqa: E402
from htr_core.data.iam import is_holdout_writer, load_iam_words  # noqa: E402
from htr_core.data.lines import SimulatedLineDataset  # noqa: E402
from htr_core.data.washington import washington_line_crops  # noqa: E402
from htr_core.correction.spell import SpellCorrector  # noqa: E402
from htr_core.decoding.ctc import best_path  # noqa: E402
from htr_core.decoding.decoder import Decoder  # noqa: E402
from htr_core.decoding.lexicon import Lexicon  # noqa: E402
from htr_core.evaluation.metrics import error_rates  # noqa: E402
from htr_core.recognition.model_config import CONFIG_FILE  # noqa: E402
from htr_core.recognition.recognizer import Recognizer  # noqa: E402


PACKINGS = (0.0, 2.1, 2.3, 2.5, 2.7, 3.0)


def tune_packing(recognizer: Recognizer, items: list, washington: Path) -> float | None:
    """The packing below which a line is read again widened (``min_steps_per_char``; None:
    never), by best-path CER over the held-out lines pasted from words and, where the data is
    there, Washington's *training* lines: real lines, in a cursive hand that packs its letters
    tighter than IAM's and reads worse widened past 2.3 steps a character."""
    sets = {"held-out lines": items}
    if washington.exists():
        lines = washington_line_crops(washington, "train")
        sets["Washington train lines"] = [lines[i] for i in range(len(lines))]
    print("| lines read again below (steps a character) | " + " | ".join(sets) + " | both |")
    print("| --- " * (len(sets) + 2) + "|")
    best = None
    for packing in PACKINGS:
        recognizer.min_steps_per_char = packing
        references, readings, cells = [], [], []
        for pairs in sets.values():
            texts = [best_path(reading.log_probs, recognizer.charset).text
                     for reading in recognizer.read([image for image, _ in pairs], 64)]
            cells.append(f"{error_rates([text for _, text in pairs], texts).cer:.2%}")
            references += [text for _, text in pairs]
            readings += texts
        pooled = error_rates(references, readings).cer
        print(f"| {packing or 'never'} | " + " | ".join(cells) + f" | {pooled:.2%} |", flush=True)
        if best is None or pooled < best[0]:
            best = (pooled, packing)
    print(f"best: min_steps_per_char={best[1] or None}")
    return best[1] or None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "iam_words")
    parser.add_argument("--washington", type=Path, default=ROOT.parent / "shared" / "data" / "washington")
    parser.add_argument("--iam_ondb", type=Path, default=ROOT.parent / "shared" / "data" / "iam_ondb")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()

    held = [s for s in load_iam_words(args.data, "train") if is_holdout_writer(s.writer)]
    recognizer = Recognizer(args.model_dir)
    by_word = recognizer.config.line_mode
    dataset = SimulatedLineDataset(held, seed=1) if by_word else FileDataset(held)
    items = [dataset[i] for i in range(len(dataset))]
    if by_word and args.iam_ondb.exists():
        from htr_core.data.iam_ondb import PLAIN_STYLE, OnlineLineDataset, load_online_lines

        online = OnlineLineDataset(load_online_lines(args.iam_ondb, "val")[::3], fixed_style=PLAIN_STYLE)
        items += [online[i] for i in range(len(online))]
    references = [text for _, text in items]
    print(f"{len(items)} held-out training-writer {'lines' if by_word else 'words'} (and IAM-OnDB val lines)")
    packing = None
    if by_word:
        packing = tune_packing(recognizer, items, args.washington)
        recognizer.min_steps_per_char = packing or 0.0
    frames = [reading.log_probs for reading in recognizer.read([image for image, _ in items], 64)]
    base = replace(recognizer.config.decoder, name="wordbeamsearch")

    def texts_of(decoder: Decoder) -> list[str]:
        return [decoded.text for decoded in decoder.decode_many(frames)]

    def lexicon_texts(lexicon: Lexicon, weight: float, margin: float | None) -> list[str]:
        config = replace(base, lm_weight=weight, oov_margin=margin)
        return texts_of(Decoder(config, recognizer.charset, lexicon=lexicon, by_word=by_word))

    def word_accuracy(rates) -> float:  # a line is rarely read whole: count its words
        return 1 - rates.wer if by_word else rates.exact

    print("| lexicon size | lm weight | CER | word accuracy |")
    print("| --- | --- | --- | --- |")
    best = None
    for size in (10000, 20000, 50000):
        lexicon = Lexicon.for_language("en", size)
        for weight in (0.0, 0.2, 0.4, 0.7, 1.0, 1.5):
            rates = error_rates(references, lexicon_texts(lexicon, weight, None))
            print(f"| {size} | {weight} | {rates.cer:.2%} | {word_accuracy(rates):.2%} |", flush=True)
            key = (word_accuracy(rates), -rates.cer)
            if best is None or key > best[0]:
                best = (key, size, weight)
    _, size, weight = best
    print(f"best: lexicon_size={size}, lm_weight={weight}")

    lexicon = Lexicon.for_language("en", size)
    print("| out-of-lexicon margin (nats) | CER | word accuracy |")
    print("| --- | --- | --- |")
    best_margin = None
    for margin in (None, 2.0, 5.0, 10.0, 15.0, 20.0):
        texts = lexicon_texts(lexicon, weight, margin)
        rates = error_rates(references, texts)
        print(f"| {margin} | {rates.cer:.2%} | {word_accuracy(rates):.2%} |", flush=True)
        if best_margin is None or rates.cer < best_margin[0]:
            best_margin = (rates.cer, margin, texts)
    margin, tuned = best_margin[1], best_margin[2]
    print(f"best: oov_margin={margin}")

    # The model's default decoder: word beam search where it reads these items better than the
    # free beam search (the app, the CLI and the API use the default).
    free = error_rates(references, texts_of(Decoder(replace(base, name="beamsearch"), recognizer.charset)))
    decoder = "wordbeamsearch" if best_margin[0] < free.cer else "beamsearch"
    print(f"beamsearch: CER {free.cer:.2%}, word accuracy {word_accuracy(free):.2%}; default decoder: {decoder}")
    # Why the pipeline runs no spell checker after word beam search: it only makes these worse.
    corrector = SpellCorrector()
    checked = error_rates(references, [corrector.correct(text) for text in tuned])
    print(f"word beam search then autocorrect: CER {best_margin[0]:.2%} -> {checked.cer:.2%}")
    if args.write:
        path = args.model_dir / CONFIG_FILE
        config = recognizer.config
        config = replace(config, decoder=replace(config.decoder, name=decoder, lexicon_size=size, lm_weight=weight,
                                                 oov_margin=margin),
                         min_steps_per_char=packing if by_word else config.min_steps_per_char)
        path.write_text(config.to_json() + "\n")
        print(f"written to {path}")


if __name__ == "__main__":
    main()
