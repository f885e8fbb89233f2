"""A model directory loaded for inference and run: crops in, log-probabilities out.

ONNX Runtime runs ``model.onnx`` when it is there and never imports TensorFlow (~2.5 s and
~600 MB saved), which is what the app, the CLI and the REST API rely on; Keras is the fallback.
"""

from __future__ import annotations

import importlib.util
import logging
import math
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.decoding.ctc import log_softmax
from htr_core.recognition.crops import place_in_box, trim_to_ink
from htr_core.recognition.model_config import CHARSET_FILE, KERAS_FILE, ONNX_FILE, ModelConfig
from htr_core.types import CropGeometry, Reading

log = logging.getLogger(__name__)

MAX_WIDTH_FACTOR = 4  # a line model's input grows to at most 4x its trained width
MAX_RESTRETCH = 1.6  # a line read again is widened at most this much: beyond, its reading is noise


def steps_per_character(log_probs: np.ndarray, blank: int) -> float | None:
    """Output time steps per character of the best path, from its first character to its last
    (None: fewer than two characters). Tells how tightly a line's letters sit for the model."""
    path = np.asarray(log_probs).argmax(axis=-1)
    inked = np.flatnonzero(path != blank)
    if len(inked) < 2:
        return None
    # A character is a non-blank step that does not repeat the step before it.
    characters = int(np.count_nonzero(path[inked] != np.concatenate(([blank], path[:-1]))[inked]))
    return (int(inked[-1]) - int(inked[0]) + 1) / characters


def shipped_models_dir() -> Path:
    """The shipped models: installed with the package (``htr_core.models``, package data), else
    the ``models/`` folder of a source checkout."""
    spec = importlib.util.find_spec("htr_core.models")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / "models"


def default_model_dir(line_mode: bool) -> Path:
    return shipped_models_dir() / ("line" if line_mode else "word")


def load_onnx_session(path: Path, threads: int = 1):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    # A call's buffers are freed when it ends: ONNX Runtime's arena would keep the largest batch's
    # activations for the life of the process (docs/BUDGETS.md: no slower without it).
    options.enable_cpu_mem_arena = False
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _onnx_backend(path: Path, threads: int) -> Callable[[np.ndarray], np.ndarray]:
    session = load_onnx_session(path, threads)
    input_name = session.get_inputs()[0].name
    return lambda batch: session.run(None, {input_name: batch})[0]


def _keras_backend(model_dir: Path) -> Callable[[np.ndarray], np.ndarray]:
    log.warning("%s has no %s: falling back to Keras (imports TensorFlow)", model_dir, ONNX_FILE)
    from htr_core.training.model import load_keras_model

    model = load_keras_model(model_dir)
    return lambda batch: np.asarray(model.predict_on_batch(batch))


class Recognizer:
    """Grey crops in, one ``Reading`` each out; the model call is injectable for tests.
    ``min_steps_per_char`` overrides the config's (see ``restretch``)."""

    def __init__(self, model_dir: Path, threads: int = 1, backend: Callable[[np.ndarray], np.ndarray] | None = None,
                 prefer: str = "onnx", min_steps_per_char: float | None = None):
        self.model_dir = Path(model_dir)
        self.config = ModelConfig.load(self.model_dir)
        self.charset = Charset.load(self.model_dir / CHARSET_FILE)
        self.min_steps_per_char = (self.config.min_steps_per_char if min_steps_per_char is None
                                   else min_steps_per_char) or 0.0
        if backend is not None:
            self._run = backend
        elif prefer == "onnx" and (self.model_dir / ONNX_FILE).exists():
            self._run = _onnx_backend(self.model_dir / ONNX_FILE, threads)
        elif (self.model_dir / KERAS_FILE).exists():
            self._run = _keras_backend(self.model_dir)
        else:
            raise FileNotFoundError(f"{self.model_dir} has neither {ONNX_FILE} nor {KERAS_FILE}")

    def read(self, crops: Sequence[np.ndarray], batch_size: int = 16) -> list[Reading]:
        """Each crop's log-probabilities and geometry, ``batch_size`` crops a model call; lines
        read too tightly packed are read again widened (``restretch``)."""
        for index, crop in enumerate(crops):
            if crop.ndim != 2 or crop.size == 0:
                raise ValueError(f"crop {index}: expected a non-empty 2-D grey image, got shape {crop.shape}")
        readings: list[Reading] = []
        for start in range(0, len(crops), batch_size):
            readings.extend(self._read_batch(crops[start : start + batch_size]))
        return readings

    def _read_batch(self, crops: Sequence[np.ndarray]) -> list[Reading]:
        trimmed = self._trimmed(crops)
        batch, geometry = self._boxed(trimmed)
        log_probs = [log_softmax(np.asarray(row, dtype=np.float64)) for row in self.run_model(batch)]
        stretches = [self.restretch(row) for row in log_probs]
        again = [index for index, stretch in enumerate(stretches) if stretch > 1.0]
        if again:
            batch, wider = self._boxed([trimmed[i] for i in again], [stretches[i] for i in again])
            for index, row, where in zip(again, self.run_model(batch), wider):
                log_probs[index], geometry[index] = log_softmax(np.asarray(row, dtype=np.float64)), where
        return [Reading(row, where, self.config.downsample) for row, where in zip(log_probs, geometry)]

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

        Squeezing a long line to the trained width shrinks its letters; the network takes any
        width, so the batch grows to fit its widest line at full height, plus two blank time
        steps, up to ``MAX_WIDTH_FACTOR`` times. A word model keeps its trained width even for
        short words: with fewer blank columns after the word it read worse (docs/PIPELINE.md).
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

    def restretch(self, log_probs: np.ndarray) -> float:
        """How much wider a line must be read again for its letters to get ``min_steps_per_char``
        time steps each (1.0: as it is). Hands that write narrow pack letters tighter than the
        model learnt to read; ``benchmarks/tune_decoder.py`` picks the packing."""
        if not self.config.line_mode or not self.min_steps_per_char:
            return 1.0
        steps = steps_per_character(log_probs, self.charset.blank_index)
        if steps is None or steps >= self.min_steps_per_char:
            return 1.0
        return min(self.min_steps_per_char / steps, MAX_RESTRETCH)
