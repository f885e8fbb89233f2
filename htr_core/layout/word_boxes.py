"""Word boxes for a line reading: the recognizer says where words are, the ink says where they end.

A CTC reading places each character at a narrow spike inside the letter, so boxes from first to
last spike cut words short. The reading's spaces are reliable, though: ``snap_to_ink`` moves each
boundary to the widest blank gap in the ink near it (a cursive word's pen lifts are narrower) and
trims every word to its inked columns. Boxes keep the line's height, as HTR ground truth's do.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from htr_core.decoding.ctc import geometric_mean
from htr_core.decoding.words import word_runs
from htr_core.recognition.crops import paper_level, stretched_ink, true_runs
from htr_core.types import Box, Decoded, Reading, WordResult


def ink_columns(grey: np.ndarray, threshold: float = 0.25) -> np.ndarray:
    """One bool per column of a grey line crop: does its ``to_ink`` pass ``threshold`` anywhere?
    Ink falls as the grey rises, so each column's darkest pixel answers for it."""
    if grey.size == 0:
        raise ValueError("the image is empty")
    return stretched_ink(grey.min(axis=0), paper_level(grey), float(grey.min())) > threshold


def blank_runs(columns: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) of every run of ink-free columns."""
    return [(int(a), int(b)) for a, b in true_runs(~columns.astype(bool))]


def snap_to_ink(extents: Sequence[tuple[float, float]], columns: np.ndarray) -> list[tuple[int, int]]:
    """Word extents (x from, x to, left to right) moved onto the inked ``columns``.

    Each boundary between two words goes to the widest blank run that reaches between their
    extents (ties: the one nearest the middle); with none, the boundary stays in the middle.
    Every word is then trimmed to its inked columns; a word with no ink keeps its extent.
    """
    if not len(extents):
        return []
    width = len(columns)
    runs = blank_runs(columns)
    cuts: list[tuple[int, int]] = []  # (end of the left word, start of the right word)
    for (_, left_end), (right_start, _) in zip(extents[:-1], extents[1:]):
        low, high = sorted((left_end, right_start))
        middle = (low + high) / 2
        reaching = [(b - a, -abs((a + b) / 2 - middle), a, b) for a, b in runs
                    if a < high and b > low and 0 < a and b < width]
        if reaching:
            _, _, a, b = max(reaching)
            cuts.append((a, b))
        else:
            cuts.append((int(round(middle)), int(round(middle))))
    starts = [0] + [b for _, b in cuts]
    ends = [a for a, _ in cuts] + [width]
    words = []
    for (x0, x1), start, end in zip(extents, starts, ends):
        inked = np.flatnonzero(columns[start:end]) + start
        if inked.size:
            words.append((int(inked[0]), int(inked[-1]) + 1))
        else:
            words.append((int(np.floor(x0)), int(np.ceil(x1))))
    return words


def words_from_spans(decoded: Decoded, reading: Reading, box: Box, crop: np.ndarray | None = None,
                     to_page: Callable[[Box], Box] | None = None) -> tuple[WordResult, ...]:
    """Word boxes from the CTC time spans of ``decoded``, a reading of the crop at ``box``.

    Each space-separated run of characters spans from its first character's first step to its
    last character's last step; given the ``crop`` that was read, the boxes are then moved onto
    its ink (``snap_to_ink``). ``to_page`` maps boxes from the crop's frame (a deskewed page)
    back to the page.
    """
    groups = word_runs(decoded.char_spans)
    extents = [(reading.step_to_crop_x(g[0].start), reading.step_to_crop_x(g[-1].end)) for g in groups]
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


def word_crops(decoded: Decoded, reading: Reading, crop: np.ndarray) -> list[np.ndarray]:
    """The line-high crop of each word of ``decoded`` (a reading of ``crop``), cut at its word boxes."""
    height, width = crop.shape
    return [crop[:, word.box.x0 : word.box.x1]
            for word in words_from_spans(decoded, reading, Box(0, 0, width, height), crop)]
