"""Loading a model directory for inference: ONNX Runtime when ``model.onnx`` is there, else Keras.

The ONNX path never imports TensorFlow (~2.5 s and ~600 MB saved), which is what the app, the
CLI's ``infer`` and the REST API rely on.
"""

from __future__ import annotations

import copy
import importlib.util
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.choices import DECODERS
from htr_core.decode import Lexicon, decode
from htr_core.languages import check_language
from htr_core.model_config import CHARSET_FILE, KERAS_FILE, ONNX_FILE, ModelConfig
from htr_core.preprocess import CropGeometry, place_in_box, trim_to_ink
from htr_core.types import Decoded

log = logging.getLogger(__name__)

MAX_WIDTH_FACTOR = 4  # a line model's input grows to at most 4x its trained width
MAX_RESTRETCH = 1.6  # a line read again is widened at most this much: beyond, its reading is noise


def steps_per_character(logits: np.ndarray, blank: int) -> float | None:
    """Output time steps per character of the best path, from its first character to its last
    (None: fewer than two characters). Tells how tightly a line's letters sit for the model."""
    path = np.asarray(logits).argmax(axis=-1)
    inked = np.flatnonzero(path != blank)
    if len(inked) < 2:
        return None
    # A character is a non-blank step that does not repeat the step before it.
    characters = int(np.count_nonzero(path[inked] != np.concatenate(([blank], path[:-1]))[inked]))
    return (int(inked[-1]) - int(inked[0]) + 1) / characters


@dataclass(frozen=True)
class Reading:
    """One crop's reading, where the model's columns came from, and the logits it was decoded from."""

    decoded: Decoded
    geometry: CropGeometry
    logits: np.ndarray


def shipped_models_dir() -> Path:
    """The shipped models: installed with the package (``htr_core.models``, package data), else
    the ``models/`` folder of a source checkout."""
    spec = importlib.util.find_spec("htr_core.models")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parent.parent / "models"


def default_model_dir(line_mode: bool) -> Path:
    return shipped_models_dir() / ("line" if line_mode else "word")


def load_onnx_session(path: Path, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _onnx_backend(path: Path, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    session = load_onnx_session(path, threads)
    input_name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {input_name: batch})[0]


def _keras_backend(model_dir: Path) -> Callable[[np.ndarray], np.ndarray]:
    log.warning("%s has no %s: falling back to Keras (imports TensorFlow)", model_dir, ONNX_FILE)
    from htr_core.model import load_keras_model

    model = load_keras_model(model_dir)
    return lambda batch: np.asarray(model.predict_on_batch(batch))


class Recognizer:
    """Crops in, ``Decoded`` readings out; the model call is injectable for tests."""

    def __init__(
        self,
        model_dir: Path,
        decoder: str | None = None,
        beam_width: int | None = None,
        threads: int = 1,
        lexicon: Lexicon | None = None,
        lm_weight: float | None = None,
        backend: Callable[[np.ndarray], np.ndarray] | None = None,
        prefer: str = "onnx",
        min_steps_per_char: float | None = None,
        language: str = "en",
    ):
        self.model_dir = Path(model_dir)
        self.config = ModelConfig.load(self.model_dir)
        self.charset = Charset.load(self.model_dir / CHARSET_FILE)
        self.decoder = decoder or self.config.decoder
        if self.decoder not in DECODERS:
            raise ValueError(f"unknown decoder {self.decoder!r}; choose one of {', '.join(DECODERS)}")
        self.beam_width = beam_width or self.config.beam_width
        self.lm_weight = self.config.lm_weight if lm_weight is None else lm_weight
        self.min_steps_per_char = (self.config.min_steps_per_char if min_steps_per_char is None
                                   else min_steps_per_char) or 0.0
        self.language = check_language(language)
        self._lexicon = lexicon
        if backend is not None:
            self._run = backend
        elif prefer == "onnx" and (self.model_dir / ONNX_FILE).exists():
            self._run = _onnx_backend(self.model_dir / ONNX_FILE, threads)
        elif (self.model_dir / KERAS_FILE).exists():
            self._run = _keras_backend(self.model_dir)
        else:
            raise FileNotFoundError(f"{self.model_dir} has neither {ONNX_FILE} nor {KERAS_FILE}")

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            self._lexicon = Lexicon.for_language(self.language, self.config.lexicon_size)
        return self._lexicon

    def with_language(self, language: str) -> "Recognizer":
        """The same loaded model decoding with another language's lexicon."""
        if check_language(language) == self.language:
            return self
        other = copy.copy(self)
        other.language, other._lexicon = language, None
        return other

    def prepare(self, crops: Sequence[np.ndarray],
                stretches: Sequence[float] | None = None) -> tuple[np.ndarray, list[CropGeometry]]:
        """Crops -> model input batch; ``stretches`` widen each crop's ink that many times."""
        return self._boxed(self._trimmed(crops), stretches)

    def _trimmed(self, crops: Sequence[np.ndarray]) -> list[tuple[np.ndarray, int]]:
        # A word model reads one row of writing; a line model's crops come one line each.
        return [trim_to_ink(crop, one_row=not self.config.line_mode) for crop in crops]

    def _boxed(self, trimmed: Sequence[tuple[np.ndarray, int]],
               stretches: Sequence[float] | None = None) -> tuple[np.ndarray, list[CropGeometry]]:
        stretches = stretches or [1.0] * len(trimmed)
        width = self.batch_width([(ink.shape[0], ink.shape[1] * stretch)
                                  for (ink, _), stretch in zip(trimmed, stretches)])
        batch = np.zeros((len(trimmed), self.config.height, width, 1), dtype=np.float32)
        geometry = []
        for row, ((ink, left), stretch) in enumerate(zip(trimmed, stretches)):
            batch[row, :, :, 0], where = place_in_box(ink, left, self.config.height, width, stretch)
            geometry.append(where)
        return batch, geometry

    def batch_width(self, ink_shapes: Sequence[tuple[int, float]]) -> int:
        """The model's width, or for a line model wider, so that long lines keep their full height.

        Squeezing a long line to the trained width shrinks its letters (measured: cabuyao lines
        are ~1.3x too long); the network takes any width, so the batch grows to fit its widest
        line at full height, plus two blank time steps, up to ``MAX_WIDTH_FACTOR`` times. A word
        model keeps its trained width even for short words: with fewer blank columns after the
        word it read worse (measured 2026-11-30, held-out training writers' words one at a time,
        best path: 256 columns 20.27% CER, the word's own width plus 8 columns 21.84%).
        """
        config = self.config
        if not config.line_mode or not ink_shapes:
            return config.width
        needed = max(math.ceil(w * config.height / max(h, 1)) for h, w in ink_shapes) + 2 * config.downsample
        needed = -(-needed // config.downsample) * config.downsample
        return int(min(max(config.width, needed), MAX_WIDTH_FACTOR * config.width))

    def run_model(self, batch: np.ndarray) -> np.ndarray:
        """(batch, height, width, 1) float32 -> (batch, steps, classes) logits."""
        return np.asarray(self._run(batch))

    def restretch(self, logits: np.ndarray) -> float:
        """How much wider a line must be read again for its letters to get ``min_steps_per_char``
        time steps each (1.0: as it is). Hands that write narrow pack letters tighter than the
        model learnt to read. Tuned by ``benchmarks/tune_decoder.py``: the shipped line model's
        best-path CER at 2.3 steps a character, held-out training writers' lines 18.73% -> 18.19%,
        Washington training lines 7.77% -> 7.67%; widening cursive lines further costs more."""
        if not self.config.line_mode or not self.min_steps_per_char:
            return 1.0
        steps = steps_per_character(logits, self.charset.blank_index)
        if steps is None or steps >= self.min_steps_per_char:
            return 1.0
        return min(self.min_steps_per_char / steps, MAX_RESTRETCH)

    def logits_with_geometry(self, crops: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[CropGeometry]]:
        """One batch of crops through the model; lines read too tightly packed are read again
        widened (``restretch``), from the ink already trimmed."""
        trimmed = self._trimmed(crops)
        batch, geometry = self._boxed(trimmed)
        logits = list(self.run_model(batch))
        stretches = [self.restretch(row) for row in logits]
        again = [index for index, stretch in enumerate(stretches) if stretch > 1.0]
        if again:
            batch, wider = self._boxed([trimmed[i] for i in again], [stretches[i] for i in again])
            for index, row, where in zip(again, self.run_model(batch), wider):
                logits[index], geometry[index] = row, where
        return logits, geometry

    def logits(self, crops: Sequence[np.ndarray], batch_size: int = 16) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for start in range(0, len(crops), batch_size):
            out.extend(self.logits_with_geometry(crops[start : start + batch_size])[0])
        return out

    def step_to_crop_x(self, geometry: CropGeometry, step: float) -> float:
        """Crop x coordinate of the left edge of output time step ``step``."""
        return geometry.crop_x(step * self.config.downsample)

    def decode_logits(self, logits: np.ndarray, decoder: str | None = None) -> Decoded:
        name = decoder or self.decoder
        lexicon = self.lexicon if name == "wordbeamsearch" else None
        return decode(logits, self.charset, name, self.beam_width, lexicon, self.lm_weight, self.config.oov_margin,
                      by_word=self.config.line_mode)

    def read(self, crops: Sequence[np.ndarray], batch_size: int = 16, decoder: str | None = None) -> list[Decoded]:
        """Read grey uint8 crops (one word or line each)."""
        return [reading.decoded for reading in self.read_with_geometry(crops, batch_size, decoder)]

    def read_with_geometry(self, crops: Sequence[np.ndarray], batch_size: int = 16,
                           decoder: str | None = None) -> list[Reading]:
        """Readings plus where each crop's model columns came from (to place words and characters)."""
        for index, crop in enumerate(crops):
            if crop.ndim != 2 or crop.size == 0:
                raise ValueError(f"crop {index}: expected a non-empty 2-D grey image, got shape {crop.shape}")
        results = []
        for start in range(0, len(crops), batch_size):
            for row, where in zip(*self.logits_with_geometry(crops[start : start + batch_size])):
                results.append(Reading(self.decode_logits(row, decoder), where, row))
        return results
