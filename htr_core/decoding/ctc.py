"""CTC primitives in numpy: log-probabilities, best path, Viterbi alignment and the forward
likelihood of given texts, and a reading's characters placed on the frames they cover."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from htr_core.charset import Charset
from htr_core.types import CharSpan, Decoded


LOGIT_LIMIT = 1e4  # non-finite logits (a broken model or export) are clipped to this


def log_softmax(logits: np.ndarray) -> np.ndarray:
    """Log-probabilities over the last axis; NaN and infinite logits count as very unlikely / likely
    classes, so every decoder downstream sees finite scores."""
    if not np.isfinite(logits).all():
        logits = np.nan_to_num(logits, nan=-LOGIT_LIMIT, posinf=LOGIT_LIMIT, neginf=-LOGIT_LIMIT)
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


def geometric_mean(values: Sequence[float]) -> float:
    """The geometric mean of probability-like scores (0.0 for none): one unsure character pulls
    a word's or a line's confidence down more than an average would."""
    if not len(values):
        return 0.0
    return float(np.exp(np.mean(np.log(np.maximum(values, 1e-12)))))


def _summarise(spans: list[CharSpan], probs: np.ndarray, blank: int) -> Decoded:
    text = "".join(s.char for s in spans)
    if spans:
        confidence = geometric_mean([s.confidence for s in spans])
    else:
        confidence = float(probs[:, blank].mean()) if len(probs) else 0.0
    return Decoded(text=text, confidence=confidence, char_spans=tuple(spans))


def best_path(log_probs: np.ndarray, charset: Charset) -> Decoded:
    """Greedy decoding of (time, classes) log-probabilities: the most likely label per step,
    repeats merged, blanks dropped."""
    probs = np.exp(log_probs)
    path = probs.argmax(axis=-1)
    return _summarise(_spans_for_path(path, probs, charset.blank_index, charset), probs, charset.blank_index)


def _ctc_states(labels: Sequence[int], blank: int) -> tuple[np.ndarray, np.ndarray]:
    """CTC's state sequence (blank, l1, blank, l2, ..., blank) and which states may be entered
    from two back, skipping a blank: characters unlike the one before them."""
    extended = np.full(2 * len(labels) + 1, blank, dtype=np.int64)
    extended[1::2] = labels
    can_skip = np.zeros(len(extended), dtype=bool)
    can_skip[3::2] = extended[3::2] != extended[1:-2:2]
    return extended, can_skip


def align(log_probs: np.ndarray, labels: Sequence[int], blank: int) -> np.ndarray:
    """Viterbi CTC alignment of ``labels`` to the time steps: the label each step emits.

    Used to recover character spans and confidences for texts chosen by beam searches.
    Falls back to the best path if the text cannot fit (more characters than steps allow).
    """
    steps = len(log_probs)
    if not len(labels):
        return np.full(steps, blank, dtype=np.int64)
    extended, can_skip = _ctc_states(labels, blank)
    states = len(extended)
    score = np.full(states, -np.inf)
    score[0] = log_probs[0, extended[0]]
    score[1] = log_probs[0, extended[1]]
    back = np.zeros((steps, states), dtype=np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    for t in range(1, steps):
        stay = score
        step1 = np.concatenate(([-np.inf], score[:-1]))
        step2 = np.where(can_skip, np.concatenate(([-np.inf, -np.inf], score[:-2])), -np.inf)
        choices = np.stack([stay, step1, step2])
        back[t] = choices.argmax(axis=0)
        score = choices.max(axis=0) + log_probs[t, extended]
    end = states - 1 if score[-1] >= score[-2] else states - 2
    if not np.isfinite(score[end]):
        return log_probs.argmax(axis=-1)
    path = np.empty(steps, dtype=np.int64)
    state = end
    for t in range(steps - 1, -1, -1):
        path[t] = extended[state]
        state -= int(back[t, state])
    return path


def ctc_log_likelihoods(log_probs: np.ndarray, label_sequences: Sequence[Sequence[int]], blank: int) -> np.ndarray:
    """log P(labels | frame log-probabilities) of each label sequence, summed over every CTC
    alignment (the forward pass), all sequences in one pass: the per-step loop is the cost."""
    if not len(label_sequences):
        return np.zeros(0)
    states = [_ctc_states(labels, blank) for labels in label_sequences]
    lengths = np.array([len(extended) for extended, _ in states])
    if not len(log_probs):  # no frames: only the empty reading
        return np.where(lengths == 1, 0.0, -np.inf)
    width = int(lengths.max())
    # Sequences padded with blank states past their end: transitions only run forward, so the
    # padding never reaches a sequence's own states.
    extended = np.full((len(states), width), blank, dtype=np.int64)
    can_skip = np.zeros((len(states), width), dtype=bool)
    for row, (labels, skips) in enumerate(states):
        extended[row, : len(labels)] = labels
        can_skip[row, : len(skips)] = skips
    alpha = np.full((len(states), width), -np.inf)
    alpha[:, 0] = log_probs[0, extended[:, 0]]
    if width > 1:
        alpha[:, 1] = np.where(lengths > 1, log_probs[0, extended[:, 1]], -np.inf)
    no_state = np.full((len(states), 1), -np.inf)
    for t in range(1, len(log_probs)):
        step1 = np.concatenate((no_state, alpha[:, :-1]), axis=1)
        step2 = np.where(can_skip, np.concatenate((no_state, no_state, alpha[:, :-2]), axis=1)[:, :width], -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, step1), step2) + log_probs[t][extended]
    rows = np.arange(len(states))
    last = alpha[rows, lengths - 1]
    before_last = alpha[rows, np.maximum(lengths - 2, 0)]
    return np.where(lengths > 1, np.logaddexp(last, before_last), last)


def decoded_from_text(labels: Sequence[int], log_probs: np.ndarray, charset: Charset) -> Decoded:
    """The reading of ``labels`` placed on the frames: its most likely alignment, spans and confidence."""
    probs = np.exp(log_probs)
    path = align(log_probs, labels, charset.blank_index)
    return _summarise(_spans_for_path(path, probs, charset.blank_index, charset), probs, charset.blank_index)
