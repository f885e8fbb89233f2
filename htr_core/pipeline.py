"""Image -> PageResult: segment, read every line (or word) in batches, check and correct.

``Pipeline`` composes replaceable stages: a segmenter (page -> lines and words), one or two text
readers (the line and/or the word model with their decoders), the word check (the word model's
check on the line model's readings, with the weights tuned for the line model) and a spell corrector.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from htr_core.choices import LEVELS, READERS, DecoderName, Language, Level, LineKind, Reader
from htr_core.correction.spell import SpellCorrector, correct_reading
from htr_core.correction.word_check import WordCheck
from htr_core.decoding.ctc import geometric_mean
from htr_core.language.bigrams import BigramModel
from htr_core.language.word_lists import check_language
from htr_core.layout.line_kind import LineKindClassifier
from htr_core.layout.pen import thin_to_share
from htr_core.layout.segment import SegmentationSettings, segment_page
from htr_core.layout.word_boxes import words_from_spans
from htr_core.recognition.reader import TextReader
from htr_core.recognition.recognizer import default_model_dir, shipped_models_dir
from htr_core.types import (Box, Decoded, LineResult, LineSegment, PageResult, PageTransform, Reading, Segmentation,
                            WordResult)

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
LINE_BATCH = 8  # lines read (and reported to ``progress``) a batch at a time
# Line batches read at once where one read has the machine to itself (the CLI, the Python API):
# one batch's model calls run while another's decoding holds the interpreter. The app and the
# REST service read one batch at a time: two at once cost memory (docs/BUDGETS.md).
LONE_READ_WORKERS = 2
WORD_ASPECT = 6.0  # a lone word is at most this many times as wide as tall (docs/PIPELINE.md)


@dataclass(frozen=True)
class PipelineSettings:
    level: Level = "auto"  # auto: decide from the segmentation (one word, one line, or a page)
    reader: Reader = "line"  # read lines with the line model, or each word with the word model
    decoder: DecoderName | None = None  # None: each model's default
    spell: bool = True
    # The word model's check on the line model's readings, at the weights tuned for the line
    # model (its config's ``word_check``); only with the models' default decoders, in English.
    word_check: bool = True
    # The English word-pair model's part in that check.
    language_model: bool = True
    # The lexicon and spelling list to read in; the word model's check and the word-pair model
    # are English only (the word model reads no accents), so other languages read without them.
    language: Language = "en"
    segmentation: SegmentationSettings = SegmentationSettings()
    # Lines of a page read below this confidence are flagged (docs/PIPELINE.md says how it was
    # chosen); with ``drop_flagged`` they are left out.
    flag_below: float = 0.25
    drop_flagged: bool = False
    # A page's printed lines (a header, a form's labels) are marked printed by the line-kind
    # classifier, where it ships; with ``drop_printed`` they are left out (and not read).
    find_printed: bool = True
    drop_printed: bool = False

    def for_drawing(self) -> "PipelineSettings":
        """These settings for a drawing made on the app's canvas (its word gap kept; all of it
        is handwriting, however neatly printed)."""
        drawing = replace(SegmentationSettings.for_drawing(), word_gap=self.segmentation.word_gap)
        return replace(self, segmentation=drawing, find_printed=False)


def word_check_for(line: TextReader | None, word: TextReader | None, settings: PipelineSettings) -> WordCheck | None:
    """The word check these settings ask for, where both models are there and the line model's
    config has its weights."""
    if (line is None or word is None or not line.recognizer.config.line_mode or not settings.word_check
            or settings.decoder is not None or settings.language != "en"):
        return None
    config = line.recognizer.config.word_check
    if config is None:
        return None
    return WordCheck(word, config, BigramModel.english() if settings.language_model else None)


class Pipeline:
    def __init__(
        self,
        line_reader: TextReader | None,
        word_reader: TextReader | None = None,
        corrector: SpellCorrector | None = None,
        settings: PipelineSettings = PipelineSettings(),
        segmenter: Callable[[np.ndarray, SegmentationSettings], Segmentation] = segment_page,
        word_check: WordCheck | None = None,
        line_kinds: LineKindClassifier | None = None,
        workers: int = 1,
    ):
        """``word_check``: the check on line readings (default: ``word_check_for`` the settings);
        ``line_kinds``: the printed-or-handwritten classifier of a page's lines (None: all handwritten);
        ``workers``: a page's line batches read at once, on threads (the model calls of one run
        while another is decoded, so a lone page uses a second core)."""
        if line_reader is None and word_reader is None:
            raise ValueError("a pipeline needs a line or a word reader")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        if settings.level not in LEVELS:
            raise ValueError(f"unknown level {settings.level!r}; choose one of {', '.join(LEVELS)}")
        if settings.reader not in READERS:
            raise ValueError(f"unknown reader {settings.reader!r}; choose one of {', '.join(READERS)}")
        check_language(settings.language)
        self.line_reader = line_reader and line_reader.with_language(settings.language).with_decoder(settings.decoder)
        self.word_reader = word_reader and word_reader.with_language(settings.language).with_decoder(settings.decoder)
        self.corrector = corrector
        self.settings = settings
        self.segmenter = segmenter
        self.word_check = word_check or word_check_for(self.line_reader, self.word_reader, settings)
        self.line_kinds = line_kinds
        self.workers = workers

    @classmethod
    def from_model_dir(cls, models_dir: Path | None = None, settings: PipelineSettings = PipelineSettings(),
                       threads: int = 1, workers: int = 1) -> "Pipeline":
        """The shipped models (``models/line`` and ``models/word``) with spell correction;
        ``threads``: each model's ONNX Runtime threads."""
        line_dir = Path(models_dir) / "line" if models_dir else default_model_dir(True)
        word_dir = Path(models_dir) / "word" if models_dir else default_model_dir(False)
        kinds_dir = Path(models_dir or shipped_models_dir()) / "line_kind"
        line = TextReader.load(line_dir, threads=threads) if line_dir.exists() else None
        word = TextReader.load(word_dir, threads=threads) if word_dir.exists() else None
        kinds = LineKindClassifier(kinds_dir, threads=threads) if kinds_dir.exists() else None
        return cls(line, word, SpellCorrector(language=settings.language) if settings.spell else None, settings,
                   line_kinds=kinds, workers=workers)

    def with_settings(self, settings: PipelineSettings) -> "Pipeline":
        """The same loaded models under other settings (cheap: nothing is reloaded; the readers
        keep their own decoders, ``settings.decoder`` chooses another)."""
        corrector = self.corrector if settings.spell else None
        if settings.spell and (corrector is None or corrector.language != settings.language):
            corrector = SpellCorrector(language=settings.language)
        return Pipeline(self._default(self.line_reader), self._default(self.word_reader), corrector, settings,
                        self.segmenter, line_kinds=self.line_kinds, workers=self.workers)

    def _default(self, reader: TextReader | None) -> TextReader | None:
        """``reader`` with its model's own decoder again (a pipeline's readers carry its settings' decoder)."""
        if reader is None or reader.decoder.config.name == reader.recognizer.config.decoder.name:
            return reader
        return reader.with_decoder(reader.recognizer.config.decoder.name)

    def _raw_and_corrected(self, reading: Decoded) -> tuple[str, str]:
        """The network's own reading (before any lexicon), and the corrected text."""
        raw = reading.free_text if reading.free_text is not None else reading.text
        return raw, correct_reading(reading, self.corrector)

    def read(self, grey: np.ndarray, progress: Progress | None = None) -> PageResult:
        """Read a grey uint8 image of a word, a line or a whole page."""
        if grey.ndim != 2 or grey.size == 0:
            raise ValueError(f"expected a non-empty grey image, got shape {grey.shape}")
        height, width = grey.shape
        level = self.settings.level
        if level in ("word", "line"):
            share = self.settings.segmentation.pen_share  # a drawing's pen, thinned as its found lines are
            return self._read_single(thin_to_share(grey, grey < 128, share) if share else grey, level, (width, height))
        segmentation = self.segmenter(grey, self.settings.segmentation)
        if level == "auto":
            if not segmentation.lines:
                return PageResult(width, height, (), "page", self._reader_for("line").name)
            if len(segmentation.lines) == 1:
                # One line found: read its clean crop (specks and margins left out) as a word or a
                # line. A single "word" far wider than tall is a line whose word gaps were missed.
                line = segmentation.lines[0]
                one_word = len(line.words) <= 1 and line.box.width <= WORD_ASPECT * line.box.height
                kind = "word" if one_word else "line"
                return self._read_single(segmentation.line_images[0], kind, (width, height), line,
                                         segmentation.to_page)
        return self._read_page(segmentation, progress)

    def _reader_for(self, level: str) -> TextReader:
        if level == "word" and self.word_reader is not None:
            return self.word_reader
        return self.line_reader or self.word_reader  # type: ignore[return-value]

    def _read_single(self, image: np.ndarray, level: str, page_size: tuple[int, int],
                     segment: LineSegment | None = None, to_page: PageTransform | None = None) -> PageResult:
        """Read ``image`` as a single word or line: the whole input, or the one line ``segment``
        found on it (in the frame ``to_page`` maps to the page)."""
        width, height = page_size
        segment = segment or LineSegment(Box(0, 0, width, height), ())
        reader = self._reader_for(level)
        readings, decoded = self._decoded(reader, [image])
        line = self._line_result(image, segment, to_page, readings[0], decoded[0])
        return PageResult(width, height, (line,) if decoded[0].text else (), level, reader.name)

    def _line_kinds(self, segmentation: Segmentation) -> list[LineKind]:
        """Each found line's kind: printed or handwritten (all handwritten without the classifier)."""
        if self.line_kinds is None or not self.settings.find_printed:
            return ["handwritten"] * len(segmentation.lines)
        return self.line_kinds.kinds(segmentation.box_images)

    def _read_page(self, segmentation: Segmentation, progress: Progress | None) -> PageResult:
        if self.settings.drop_printed or self.workers == 1:  # the kinds decide what is read, or one thread does all
            kinds = self._line_kinds(segmentation)
            wanted = [index for index, kind in enumerate(kinds) if not (kind == "printed" and self.settings.drop_printed)]
            lines = self._read_lines_in_batches(segmentation, wanted, progress)
        else:  # every line is read, and its kind is found beside the reading
            with ThreadPoolExecutor(1, thread_name_prefix="htr-kinds") as pool:
                found_kinds = pool.submit(self._line_kinds, segmentation)
                wanted = list(range(len(segmentation.lines)))
                lines = self._read_lines_in_batches(segmentation, wanted, progress)
                kinds = found_kinds.result()
        lines = [replace(line, kind=kinds[index], flagged=line.confidence < self.settings.flag_below)
                 for index, line in zip(wanted, lines)]
        kept = tuple(line for line in lines
                     if line.text.strip() and not (line.flagged and self.settings.drop_flagged))
        return PageResult(segmentation.width, segmentation.height, kept, "page", self._page_reader().name)

    def _read_lines_in_batches(self, segmentation: Segmentation, wanted: list[int],
                               progress: Progress | None) -> list[LineResult]:
        """The page's lines ``wanted`` read in batches, ``progress`` told after each."""
        batches = [wanted[start:start + LINE_BATCH] for start in range(0, len(wanted), LINE_BATCH)]
        if progress is not None and wanted:
            progress(0, len(wanted))  # the lines are found: reading starts
        lines: list[LineResult] = []
        for batch in self._in_order(lambda indices: self._read_lines(segmentation, indices), batches):
            lines.extend(batch)
            if progress is not None:
                progress(len(lines), len(wanted))
        return lines

    def _in_order(self, read: Callable[[Sequence[int]], list[LineResult]],
                  batches: Sequence[Sequence[int]]) -> Iterator[list[LineResult]]:
        """``read`` of each batch, in order: ``workers`` batches at a time (a lone batch on this thread)."""
        if self.workers == 1 or len(batches) < 2:
            yield from map(read, batches)
            return
        with ThreadPoolExecutor(self.workers, thread_name_prefix="htr-read") as pool:
            yield from pool.map(read, batches)

    def _reads_words(self) -> bool:
        """A page's lines are read word by word with the word model (``reader="word"``)."""
        return self.settings.reader == "word" and self.word_reader is not None

    def _page_reader(self) -> TextReader:
        return self.word_reader if self._reads_words() else self._reader_for("line")  # type: ignore[return-value]

    def _read_lines(self, segmentation: Segmentation, indices: Sequence[int]) -> list[LineResult]:
        """The page's lines ``indices`` read, as one batch."""
        reader = self._page_reader()
        if self._reads_words():
            return self._lines_from_words(reader, segmentation, indices)
        crops = [segmentation.line_images[i] for i in indices]
        return [self._line_result(crop, segmentation.lines[index], segmentation.to_page, reading, line)
                for index, crop, reading, line in zip(indices, crops, *self._decoded(reader, crops))]

    def _decoded(self, reader: TextReader, crops: Sequence[np.ndarray]) -> tuple[list[Reading], list[Decoded]]:
        """The crops read as lines (one batch), checked by the word model where the pipeline has that check."""
        readings, decoded = reader.read_with_frames(crops, len(crops))
        if self.word_check is not None and reader is self.line_reader:
            decoded = self.word_check(reader, readings, decoded, crops)
        return readings, decoded

    def _line_result(self, crop: np.ndarray, segment: LineSegment, to_page: PageTransform | None,
                     reading: Reading, decoded: Decoded) -> LineResult:
        """One line's result: ``crop`` was cut at ``segment``'s box, in the frame ``to_page`` maps
        to the page (None: the page's own)."""
        words = words_from_spans(decoded, reading, segment.box, crop, to_page.box if to_page else None)
        raw, corrected = self._raw_and_corrected(decoded)
        if to_page is not None:
            segment = to_page.line(segment)
        return LineResult(segment.box, raw, decoded.confidence, corrected, words, segment.polygon, segment.baseline)

    def _lines_from_words(self, reader: TextReader, segmentation: Segmentation,
                          indices: Sequence[int]) -> list[LineResult]:
        crops = [crop for i in indices for crop in segmentation.word_images(i)]
        readings = iter(reader.read(crops, 32) if crops else [])
        results = []
        for segment in (segmentation.page_lines[i] for i in indices):
            read = [(box, reading) for box, reading in zip(segment.words, readings) if reading.text]
            words = tuple(WordResult(box, reading.text, reading.confidence) for box, reading in read)
            texts = [self._raw_and_corrected(reading) for _, reading in read]
            raw, corrected = " ".join(r for r, _ in texts), " ".join(c for _, c in texts)
            confidence = geometric_mean([w.confidence for w in words])
            results.append(LineResult(segment.box, raw, confidence, corrected, words, segment.polygon,
                                      segment.baseline))
        return results
