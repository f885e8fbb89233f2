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
    """Viterbi CTC alignment of ``labels`` to the time steps: the label each step emits (see ``align_many``)."""
    return align_many([log_probs], [labels], blank)[0]


def align_many(frames: Sequence[np.ndarray], label_sequences: Sequence[Sequence[int]], blank: int) -> list[np.ndarray]:
    """Viterbi CTC alignment of each label sequence to its frames, those with as many frames
    aligned together. A text that cannot fit (more characters than its frames allow) gets its
    frames' best path instead. Used to place texts chosen by beam searches on the frames."""
    paths: list[np.ndarray] = [np.full(len(log_probs), blank, dtype=np.int64) for log_probs in frames]
    groups: dict[int, list[int]] = {}
    for index, (log_probs, labels) in enumerate(zip(frames, label_sequences)):
        if not len(labels) or not len(log_probs):
            continue
        best = log_probs.argmax(axis=-1)
        if np.array_equal(collapse(best, blank), np.asarray(labels)):
            paths[index] = best  # the likeliest path of all spells the text: no likelier one spells it
        else:
            groups.setdefault(len(log_probs), []).append(index)
    for members in groups.values():
        for index, path in zip(members, _viterbi([frames[i] for i in members], [label_sequences[i] for i in members],
                                                 blank)):
            paths[index] = path if path is not None else frames[index].argmax(axis=-1)
    return paths


def collapse(path: np.ndarray, blank: int) -> np.ndarray:
    """The labels an alignment spells: repeats merged, blanks dropped."""
    path = np.asarray(path)
    keep = (path != blank) & np.concatenate(([True], path[1:] != path[:-1]))
    return path[keep]


def _viterbi(frames: Sequence[np.ndarray], label_sequences: Sequence[Sequence[int]],
             blank: int) -> list[np.ndarray | None]:
    """Best alignments of non-empty label sequences to frames of one length (None: cannot fit)."""
    extended, can_skip, lengths = _padded_states(label_sequences, blank)
    count, steps = len(frames), len(frames[0])
    emit = np.take_along_axis(np.stack(frames), extended[:, None, :], axis=2)  # (sequence, step, state)
    score = np.full(extended.shape, -np.inf)
    score[:, :2] = emit[:, 0, :2]
    back = np.zeros((count, steps, extended.shape[1]), dtype=np.int8)  # 0 stay, 1 from s-1, 2 from s-2
    shifted = np.full((count, extended.shape[1] + 2), -np.inf)
    for t in range(1, steps):
        shifted[:, 2:] = score
        step1, step2 = shifted[:, 1:-1], np.where(can_skip, shifted[:, :-2], -np.inf)
        from_one = step1 > score  # ties keep the earlier choice: stay, then one back
        best = np.where(from_one, step1, score)
        from_two = step2 > best
        back[:, t] = np.where(from_two, 2, from_one)
        score = np.where(from_two, step2, best) + emit[:, t]
    rows = np.arange(count)
    ends = np.where(score[rows, lengths - 1] >= score[rows, lengths - 2], lengths - 1, lengths - 2)
    state, path = ends.copy(), np.empty((count, steps), dtype=np.int64)
    for t in range(steps - 1, -1, -1):
        path[:, t] = extended[rows, state]
        state -= back[rows, t, state]
    fits = np.isfinite(score[rows, ends])
    return [path[row] if fits[row] else None for row in range(count)]


def _padded_states(label_sequences: Sequence[Sequence[int]], blank: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each sequence's ``_ctc_states`` padded with blank states to one width, and each one's length.
    Transitions only run forward, so the padding never reaches a sequence's own states."""
    states = [_ctc_states(labels, blank) for labels in label_sequences]
    lengths = np.array([len(extended) for extended, _ in states])
    extended = np.full((len(states), int(lengths.max())), blank, dtype=np.int64)
    can_skip = np.zeros(extended.shape, dtype=bool)
    for row, (labels, skips) in enumerate(states):
        extended[row, : len(labels)] = labels
        can_skip[row, : len(skips)] = skips
    return extended, can_skip, lengths


def ctc_log_likelihoods(log_probs: np.ndarray, label_sequences: Sequence[Sequence[int]], blank: int) -> np.ndarray:
    """log P(labels | frame log-probabilities) of each label sequence, summed over every CTC
    alignment (the forward pass), all sequences in one pass: the per-step loop is the cost."""
    if not len(label_sequences):
        return np.zeros(0)
    extended, can_skip, lengths = _padded_states(label_sequences, blank)
    if not len(log_probs):  # no frames: only the empty reading
        return np.where(lengths == 1, 0.0, -np.inf)
    width = extended.shape[1]
    alpha = np.full((len(lengths), width), -np.inf)
    alpha[:, 0] = log_probs[0, extended[:, 0]]
    if width > 1:
        alpha[:, 1] = np.where(lengths > 1, log_probs[0, extended[:, 1]], -np.inf)
    no_state = np.full((len(lengths), 1), -np.inf)
    for t in range(1, len(log_probs)):
        step1 = np.concatenate((no_state, alpha[:, :-1]), axis=1)
        step2 = np.where(can_skip, np.concatenate((no_state, no_state, alpha[:, :-2]), axis=1)[:, :width], -np.inf)
        alpha = np.logaddexp(np.logaddexp(alpha, step1), step2) + log_probs[t][extended]
    rows = np.arange(len(lengths))
    last = alpha[rows, lengths - 1]
    before_last = alpha[rows, np.maximum(lengths - 2, 0)]
    return np.where(lengths > 1, np.logaddexp(last, before_last), last)


def decoded_from_text(labels: Sequence[int], log_probs: np.ndarray, charset: Charset) -> Decoded:
    """The reading of ``labels`` placed on the frames: its most likely alignment, spans and confidence."""
    return decoded_from_texts([labels], [log_probs], charset)[0]


def decoded_from_texts(label_sequences: Sequence[Sequence[int]], frames: Sequence[np.ndarray],
                       charset: Charset) -> list[Decoded]:
    """``decoded_from_text`` of each label sequence on its frames (aligned together)."""
    blank = charset.blank_index
    decoded = []
    for path, log_probs in zip(align_many(frames, label_sequences, blank), frames):
        probs = np.exp(log_probs)
        decoded.append(_summarise(_spans_for_path(path, probs, blank, charset), probs, blank))
    return decoded
