"""Scoring segmentation against ground truth: one-to-one matches of boxes (IoU) and baselines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from htr_core.types import Box


@dataclass(frozen=True)
class MatchScore:
    matched: int
    predicted: int
    truth: int

    @property
    def precision(self) -> float:
        return self.matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def __add__(self, other: "MatchScore") -> "MatchScore":
        return MatchScore(self.matched + other.matched, self.predicted + other.predicted, self.truth + other.truth)


def match_boxes(predicted: Sequence[Box], truth: Sequence[Box], threshold: float = 0.5) -> MatchScore:
    """Greedy one-to-one matching, best IoU first (each box matches at most once)."""
    pairs = sorted(((p.iou(t), i, j) for i, p in enumerate(predicted) for j, t in enumerate(truth)), reverse=True)
    used_p, used_t = set(), set()
    for iou, i, j in pairs:
        if iou < threshold:
            break
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
    return MatchScore(len(used_p), len(predicted), len(truth))


Points = Sequence[tuple[float, float]]


def baseline_distance(predicted: Points, truth: Points, step: float = 4.0) -> tuple[float, float, float]:
    """(mean vertical distance over the columns both baselines span, that span's share of the
    predicted baseline's width, and of the truth's)."""
    def span(points: Points) -> tuple[float, float]:
        xs = [x for x, _ in points]
        return min(xs), max(xs)

    (p0, p1), (t0, t1) = span(predicted), span(truth)
    low, high = max(p0, t0), min(p1, t1)
    if high <= low:
        return float("inf"), 0.0, 0.0
    xs = np.arange(low, high + step / 2, step)

    def heights(points: Points) -> np.ndarray:
        ordered = sorted(points)
        return np.interp(xs, [x for x, _ in ordered], [y for _, y in ordered])

    distance = float(np.abs(heights(predicted) - heights(truth)).mean())
    return distance, (high - low) / max(p1 - p0, 1.0), (high - low) / max(t1 - t0, 1.0)


def match_baselines(predicted: Sequence[Points], truth: Sequence[Points], tolerances: Sequence[float],
                    min_overlap: float = 0.5) -> MatchScore:
    """Greedy one-to-one matches of baselines (closest first), in the manner of cBAD: a pair
    matches where it is within the truth line's tolerance (pixels, mean vertical distance) over
    columns covering at least ``min_overlap`` of each baseline."""
    pairs = []
    for i, p in enumerate(predicted):
        for j, t in enumerate(truth):
            if len(p) < 2 or len(t) < 2:
                continue
            distance, share_p, share_t = baseline_distance(p, t)
            if distance <= tolerances[j] and min(share_p, share_t) >= min_overlap:
                pairs.append((distance, i, j))
    used_p, used_t = set(), set()
    for _, i, j in sorted(pairs):
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
    return MatchScore(len(used_p), len(predicted), len(truth))
