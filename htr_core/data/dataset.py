"""The dataset contract shared by every loader: ``len(ds)`` and ``ds[i] -> (grey uint8, text)``."""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np

from htr_core.io.images import read_image

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sample:
    """One labelled image on disk. ``group`` ties words of one line (IAM line id) or one writer."""

    path: Path
    text: str
    key: str = ""
    writer: str = ""
    group: str = ""


class Dataset(Protocol):
    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]: ...


class FileDataset:
    """Samples read from image files on demand (no size limit: training crops are small)."""

    def __init__(self, samples: Sequence[Sample]):
        self.samples = list(samples)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        sample = self.samples[index]
        return read_image(sample.path, max_side=None), sample.text

    def texts(self) -> list[str]:
        return [s.text for s in self.samples]


class ArrayDataset:
    """Samples already in memory (page crops, tests)."""

    def __init__(self, images: Sequence[np.ndarray], texts: Sequence[str]):
        if len(images) != len(texts):
            raise ValueError("images and texts differ in length")
        self.images, self._texts = list(images), list(texts)

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        return self.images[index], self._texts[index]

    def texts(self) -> list[str]:
        return list(self._texts)


class ConcatDataset:
    def __init__(self, parts: Sequence[Dataset]):
        self.parts = [p for p in parts if len(p) > 0]
        self._ends = list(np.cumsum([len(p) for p in self.parts]))

    def __len__(self) -> int:
        return int(self._ends[-1]) if self._ends else 0

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        if not 0 <= index < len(self):
            raise IndexError(index)
        part = bisect.bisect_right(self._ends, index)
        start = 0 if part == 0 else int(self._ends[part - 1])
        return self.parts[part][index - start]


class SampledDataset:
    """``length`` items drawn at random from a larger dataset, fresh on every access.

    Lets a line model keep seeing single words without words swamping each epoch.
    """

    def __init__(self, dataset: Dataset, length: int, seed: int = 0):
        self.dataset, self.length = dataset, min(length, len(dataset))
        self.rng = np.random.default_rng(seed)

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        return self.dataset[int(self.rng.integers(len(self.dataset)))]
