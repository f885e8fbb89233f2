"""Printed or handwritten: a small convolutional classifier over line crops, so a page's printed
header or a form's labels are marked (PAGE XML ``production``, ALTO tags, JSON ``kind``) and can
be left out of the text.

A crop is scaled to the classifier's height and cut into windows of its width (a short line is
padded with paper); the line's probability of being printed is the mean over its windows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from htr_core.choices import LineKind
from htr_core.recognition.crops import crop_to_ink, to_ink
from htr_core.recognition.model_config import CONFIG_FILE, ONNX_FILE


@dataclass(frozen=True)
class LineKindConfig:
    height: int = 32
    width: int = 384
    printed_above: float = 0.5  # a line whose printed probability exceeds this is printed

    @classmethod
    def load(cls, model_dir: Path) -> "LineKindConfig":
        return cls(**json.loads((Path(model_dir) / CONFIG_FILE).read_text()))


def line_windows(grey: np.ndarray, height: int, width: int) -> np.ndarray:
    """A grey crop -> (windows, height, width) float32 ink maps: the ink scaled to ``height``
    and cut into consecutive windows of ``width`` columns (the last one flush with the end)."""
    ink = crop_to_ink(to_ink(grey))
    scaled_width = max(1, round(ink.shape[1] * height / max(ink.shape[0], 1)))
    ink = cv2.resize(ink, (scaled_width, height), interpolation=cv2.INTER_AREA)
    if scaled_width <= width:
        padded = np.zeros((height, width), np.float32)
        padded[:, :scaled_width] = ink
        return padded[None]
    starts = list(range(0, scaled_width - width, width)) + [scaled_width - width]
    return np.stack([ink[:, start:start + width] for start in starts]).astype(np.float32)


class LineKindClassifier:
    """The shipped printed-or-handwritten classifier (``models/line_kind``), run with ONNX Runtime."""

    def __init__(self, model_dir: Path, threads: int = 1):
        from htr_core.recognition.recognizer import load_onnx_session

        self.model_dir = Path(model_dir)
        self.config = LineKindConfig.load(self.model_dir)
        self._session = load_onnx_session(self.model_dir / ONNX_FILE, threads)
        self._input = self._session.get_inputs()[0].name

    def printed_probabilities(self, crops: Sequence[np.ndarray]) -> np.ndarray:
        """Each crop's probability of being printed."""
        if not crops:
            return np.zeros(0)
        windows = [line_windows(crop, self.config.height, self.config.width) for crop in crops]
        batch = np.concatenate(windows)[..., None]
        scores = np.asarray(self._session.run(None, {self._input: batch})[0]).reshape(-1)
        ends = np.cumsum([len(w) for w in windows])
        return np.array([chunk.mean() for chunk in np.split(scores, ends[:-1])])

    def kinds(self, crops: Sequence[np.ndarray]) -> list[LineKind]:
        return ["printed" if p > self.config.printed_above else "handwritten"
                for p in self.printed_probabilities(crops)]
