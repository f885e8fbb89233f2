"""CTC decoders in numpy: best path, prefix beam search, and lexicon-constrained beam search.

Every decoder takes per-time-step logits (or log-probabilities) of shape (time, classes) with the
blank at ``charset.blank_index`` and returns a ``Decoded`` with per-character confidences and the
time steps each character covers (which later map back to x positions in the image).
"""

from __future__ import annotations

import numpy as np

from htr_core.charset import Charset
from htr_core.types import CharSpan, Decoded


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _spans_for_path(path: np.ndarray, probs: np.ndarray, blank: int, charset: Charset) -> list[CharSpan]:
    """Collapse an alignment (one label per step) into characters with spans and confidences."""
    spans: list[CharSpan] = []
    t = 0
    steps = len(path)
    while t < steps:
        label = int(path[t])
        end = t + 1
        while end < steps and path[end] == label:
            end += 1
        if label != blank:
            char = charset.decode([label])
            if char:
                spans.append(CharSpan(char, float(probs[t:end, label].max()), t, end))
        t = end
    return spans


def _summarise(spans: list[CharSpan], probs: np.ndarray, blank: int) -> Decoded:
    text = "".join(s.char for s in spans)
    if spans:
        confidence = float(np.exp(np.mean([np.log(max(s.confidence, 1e-12)) for s in spans])))
    else:
        confidence = float(probs[:, blank].mean()) if len(probs) else 0.0
    return Decoded(text=text, confidence=confidence, char_spans=tuple(spans))


def best_path(logits: np.ndarray, charset: Charset) -> Decoded:
    """Greedy decoding: the most likely label per step, repeats merged, blanks dropped."""
    probs = np.exp(log_softmax(np.asarray(logits, dtype=np.float64)))
    path = probs.argmax(axis=-1)
    return _summarise(_spans_for_path(path, probs, charset.blank_index, charset), probs, charset.blank_index)
