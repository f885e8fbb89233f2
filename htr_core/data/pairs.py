"""A folder of ``name.png`` + ``name.txt`` pairs: the format users export and the app saves."""

from __future__ import annotations

import logging
from pathlib import Path

from htr_core.data.dataset import Sample

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def load_pairs(folder: Path) -> list[Sample]:
    """Every image under ``folder`` (recursively) that has a same-name ``.txt`` beside it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder} is not a folder")
    samples = []
    unlabelled = 0
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            continue
        label = path.with_suffix(".txt")
        if not label.exists():
            unlabelled += 1
            continue
        text = " ".join(label.read_text(encoding="utf-8").split())
        if not text:
            log.warning("%s: empty transcription, skipped", label)
            continue
        samples.append(Sample(path=path, text=text, key=str(path.relative_to(folder))))
    if unlabelled:
        log.warning("%s: %d images have no .txt beside them and were skipped", folder, unlabelled)
    return samples


def load_label_table(folder: Path, table: str = "labels.tsv") -> list[Sample]:
    """``path<TAB>text`` rows (paths relative to ``folder``), e.g. the handwritten-names set."""
    folder = Path(folder)
    index = folder / table
    if not index.exists():
        raise FileNotFoundError(f"{index} not found")
    samples = []
    for raw in index.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or "\t" not in raw:
            continue
        relative, text = raw.split("\t", 1)
        path = folder / relative
        if not path.exists():
            log.warning("%s: %s is missing, skipped", index, relative)
            continue
        samples.append(Sample(path=path, text=text.strip(), key=relative))
    return samples
