"""Scoring predicted boxes against ground truth: one-to-one matches at an IoU threshold."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

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
