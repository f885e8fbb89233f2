"""Image -> PageResult: segment, read every line (or word) in batches, correct spelling.

``Pipeline`` composes three parts, each replaceable: a segmenter (page -> lines and words), one
or two recognizers (word and/or line model) and an optional spell corrector.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from htr_core.choices import LEVELS, READERS, DecoderName, Language, Level, Reader
from htr_core.decode import geometric_mean, word_runs
from htr_core.language_model import BigramModel
from htr_core.languages import check_language
from htr_core.preprocess import CropGeometry
from htr_core.runtime import Reading, Recognizer, default_model_dir
from htr_core.segment import Segmentation, SegmentationSettings, segment_page
from htr_core.spell import SpellCorrector, correct_reading
from htr_core.types import Box, Decoded, LineResult, PageResult, WordResult
from htr_core.word_boxes import ink_columns, snap_to_ink
from htr_core.word_check import check_lines

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PipelineSettings:
    level: Level = "auto"  # auto: decide from the segmentation (one word, one line, or a page)
    reader: Reader = "line"  # read lines with the line model, or each word with the word model
    decoder: DecoderName | None = None  # None: each model's default
    spell: bool = True
    # How much the word model's reading of each word counts when it disagrees with the line
    # model's (``word_check``; 0: the line model alone). Applies with the models' default
    # decoders, where it was tuned (benchmarks/tune_word_check.py).
    word_check: float = 0.7
    # How much an English word bigram model counts in that check, choosing among the words the
    # two models offer by the words around them (0: not at all; tuned there too).
    language_model: float = 0.6
    # The lexicon and spelling list to read in; the word model's check and the word-pair model
    # are English only (the word model reads no accents), so other languages read without them.
    language: Language = "en"
    segmentation: SegmentationSettings = SegmentationSettings()
    # Lines of a page read below this confidence are flagged (docs/PIPELINE.md says how it was
    # chosen); with ``drop_flagged`` they are left out.
    flag_below: float = 0.25
    drop_flagged: bool = False

    def for_drawing(self) -> "PipelineSettings":
        """These settings for a drawing made on the app's canvas (its word gap kept)."""
        drawing = replace(SegmentationSettings.for_drawing(), word_gap=self.segmentation.word_gap)
        return replace(self, segmentation=drawing)


class Pipeline:
    def __init__(
        self,
        line_recognizer: Recognizer | None,
        word_recognizer: Recognizer | None = None,
        corrector: SpellCorrector | None = None,
        settings: PipelineSettings = PipelineSettings(),
        segmenter: Callable[[np.ndarray, SegmentationSettings], Segmentation] = segment_page,
    ):
        if line_recognizer is None and word_recognizer is None:
            raise ValueError("a pipeline needs a line or a word recognizer")
        if settings.level not in LEVELS:
            raise ValueError(f"unknown level {settings.level!r}; choose one of {', '.join(LEVELS)}")
        if settings.reader not in READERS:
            raise ValueError(f"unknown reader {settings.reader!r}; choose one of {', '.join(READERS)}")
        check_language(settings.language)
        self.line_recognizer = line_recognizer and line_recognizer.with_language(settings.language)
        self.word_recognizer = word_recognizer and word_recognizer.with_language(settings.language)
        self.corrector = corrector
        self.settings = settings
        self.segmenter = segmenter

    @classmethod
    def from_model_dir(cls, models_dir: Path | None = None, settings: PipelineSettings = PipelineSettings(),
                       threads: int = 1) -> "Pipeline":
        """The shipped models (``models/line`` and ``models/word``) with spell correction."""
        line_dir = Path(models_dir) / "line" if models_dir else default_model_dir(True)
        word_dir = Path(models_dir) / "word" if models_dir else default_model_dir(False)
        line = Recognizer(line_dir, decoder=settings.decoder, threads=threads) if line_dir.exists() else None
        word = Recognizer(word_dir, decoder=settings.decoder, threads=threads) if word_dir.exists() else None
        return cls(line, word, SpellCorrector(language=settings.language) if settings.spell else None, settings)

    def with_settings(self, settings: PipelineSettings) -> "Pipeline":
        """The same loaded models under other settings (cheap: nothing is reloaded)."""
        corrector = self.corrector if settings.spell else None
        if settings.spell and (corrector is None or corrector.language != settings.language):
            corrector = SpellCorrector(language=settings.language)
        return Pipeline(self.line_recognizer, self.word_recognizer, corrector, settings, self.segmenter)

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
            return self._read_single(grey, Box(0, 0, width, height), level, (width, height))
        segmentation = self.segmenter(grey, self.settings.segmentation)
        if level == "auto":
            if not segmentation.lines:
                return PageResult(width, height, (), "page", self._model_name())
            if len(segmentation.lines) == 1:
                # One line found: read its clean crop (specks and margins left out) as a word or a line.
                line = segmentation.lines[0]
                kind = "word" if len(line.words) <= 1 else "line"
                return self._read_single(segmentation.line_images[0], line.crop_box, kind, (width, height),
                                         segmentation.to_page, line.polygon, line.baseline)
        return self._read_page(segmentation, progress)

    def _model_name(self) -> str:
        recognizer = self.line_recognizer or self.word_recognizer
        return recognizer.model_dir.name

    def _recognizer_for(self, level: str) -> Recognizer:
        if level == "word" and self.word_recognizer is not None:
            return self.word_recognizer
        return self.line_recognizer or self.word_recognizer  # type: ignore[return-value]

    def _read_single(self, image: np.ndarray, box: Box, level: str, page_size: tuple[int, int],
                     to_page: Callable[[Box], Box] | None = None,
                     polygon: tuple[tuple[int, int], ...] = (),
                     baseline: tuple[tuple[int, int], ...] = ()) -> PageResult:
        """Read ``image`` (the whole input, or its one line, outlined on the page by ``polygon``)
        as a single word or line at ``box`` (in the frame that ``to_page`` maps to the page; by
        default the page's own)."""
        recognizer = self._recognizer_for(level)
        read = recognizer.read_with_geometry([image], decoder=self.settings.decoder)
        reading, geometry = self._checked(recognizer, read, [image])[0], read[0].geometry
        words = words_from_spans(reading, geometry, box, recognizer, image, to_page)
        raw, corrected = self._raw_and_corrected(reading)
        line = LineResult(to_page(box) if to_page else box, raw, reading.confidence, corrected, words, polygon,
                          baseline)
        width, height = page_size
        return PageResult(width, height, (line,) if reading.text else (), level, recognizer.model_dir.name)

    def _read_page(self, segmentation: Segmentation, progress: Progress | None) -> PageResult:
        use_words = self.settings.reader == "word" and self.word_recognizer is not None
        recognizer = self.word_recognizer if use_words else self._recognizer_for("line")
        lines: list[LineResult] = []
        total = len(segmentation.lines)
        if progress is not None and total:
            progress(0, total)  # the lines are found: reading starts
        batch = 8
        for start in range(0, total, batch):
            indices = range(start, min(start + batch, total))
            read = self._lines_from_words if use_words else self._lines_from_lines
            lines.extend(read(recognizer, segmentation, indices))
            if progress is not None:
                progress(min(start + batch, total), total)
        lines = [replace(line, flagged=True) if line.confidence < self.settings.flag_below else line
                 for line in lines]
        kept = tuple(line for line in lines
                     if line.corrected.strip() and not (line.flagged and self.settings.drop_flagged))
        return PageResult(segmentation.width, segmentation.height, kept, "page", recognizer.model_dir.name)

    def _lines_from_lines(self, recognizer: Recognizer, segmentation: Segmentation,
                          indices: Sequence[int]) -> list[LineResult]:
        crops = [segmentation.line_images[i] for i in indices]
        chunk = [segmentation.lines[i] for i in indices]
        read = recognizer.read_with_geometry(crops, len(crops), self.settings.decoder)
        results = []
        for segment, crop, reading, geometry in zip(chunk, crops, self._checked(recognizer, read, crops),
                                                    [r.geometry for r in read]):
            words = words_from_spans(reading, geometry, segment.crop_box, recognizer, crop, segmentation.to_page)
            raw, corrected = self._raw_and_corrected(reading)
            results.append(LineResult(segment.box, raw, reading.confidence, corrected, words, segment.polygon,
                                      segment.baseline))
        return results

    def _checked(self, recognizer: Recognizer, read: Sequence[Reading], crops: Sequence[np.ndarray]) -> list[Decoded]:
        """The line model's readings with each word checked by the word model (``word_check``),
        where there is a word model, a weight for it and the default decoders."""
        word_reader = self.word_recognizer
        if (word_reader is None or recognizer is word_reader or not recognizer.config.line_mode
                or not self.settings.word_check or self.settings.decoder is not None
                or self.settings.language != "en"):
            return [r.decoded for r in read]
        pieces = [word_crops(reading, recognizer, crop) for reading, crop in zip(read, crops)]
        weight = self.settings.language_model
        return check_lines(read, pieces, recognizer, word_reader, self.settings.word_check,
                           BigramModel.english() if weight else None, weight)

    def _lines_from_words(self, recognizer: Recognizer, segmentation: Segmentation,
                          indices: Sequence[int]) -> list[LineResult]:
        crops = [crop for i in indices for crop in segmentation.word_images(i)]
        readings = iter(recognizer.read(crops, 32, self.settings.decoder) if crops else [])
        results = []
        for segment in (segmentation.lines[i] for i in indices):
            read = [(box, reading) for box, reading in zip(segment.words, readings) if reading.text]
            words = tuple(WordResult(box, reading.text, reading.confidence) for box, reading in read)
            texts = [self._raw_and_corrected(reading) for _, reading in read]
            raw, corrected = " ".join(r for r, _ in texts), " ".join(c for _, c in texts)
            confidence = geometric_mean([w.confidence for w in words])
            results.append(LineResult(segment.box, raw, confidence, corrected, words, segment.polygon,
                                      segment.baseline))
        return results


def words_from_spans(reading: Decoded, geometry: CropGeometry, box: Box, recognizer: Recognizer,
                     crop: np.ndarray | None = None,
                     to_page: Callable[[Box], Box] | None = None) -> tuple[WordResult, ...]:
    """Word boxes from the CTC time spans of a reading of the crop at ``box``.

    Each space-separated run of characters spans from its first character's first step to its
    last character's last step; given the ``crop`` that was read, the boxes are then moved onto
    its ink (``word_boxes.snap_to_ink``). ``to_page`` maps boxes from the crop's frame (a
    deskewed page) back to the page.
    """
    groups = word_runs(reading.char_spans)
    extents = [(recognizer.step_to_crop_x(geometry, g[0].start), recognizer.step_to_crop_x(geometry, g[-1].end))
               for g in groups]
    if crop is not None and extents:
        extents = snap_to_ink(extents, ink_columns(crop))
    words = []
    for spans, (left, right) in zip(groups, extents):
        x0 = min(max(box.x0 + int(left), box.x0), box.x1 - 1)
        x1 = min(max(box.x0 + int(np.ceil(right)), x0 + 1), box.x1)
        word_box = Box(x0, box.y0, x1, box.y1)
        words.append(WordResult(to_page(word_box) if to_page else word_box, "".join(s.char for s in spans),
                                geometric_mean([s.confidence for s in spans])))
    return tuple(words)


def word_crops(reading: Reading, recognizer: Recognizer, crop: np.ndarray) -> list[np.ndarray]:
    """The line-high crop of each word of a reading of ``crop``, cut at its word boxes."""
    height, width = crop.shape
    boxes = [word.box for word in words_from_spans(reading.decoded, reading.geometry, Box(0, 0, width, height),
                                                   recognizer, crop)]
    return [crop[:, box.x0 : box.x1] for box in boxes]
