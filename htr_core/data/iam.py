"""IAM Handwriting Database layouts: ``words.txt`` + ``words/`` and ``lines.txt`` + ``lines/``.

Lines in ``words.txt``/``lines.txt`` look like
``a01-000u-00-00 ok 154 408 768 27 51 AT A`` (words) and
``a01-000u-00 ok 154 19 408 746 1661 89 A|MOVE|to|stop`` (lines, ``|`` separates words).
An optional ``writers.tsv`` (``word_id<TAB>writer<TAB>split``) gives writers and a
writer-disjoint split; without it every sample is in split ``all``.
"""

from __future__ import annotations

import logging
import zlib
from pathlib import Path

from htr_core.data.dataset import Sample

log = logging.getLogger(__name__)


def _image_path(root: Path, kind: str, item_id: str) -> Path:
    parts = item_id.split("-")
    return root / kind / parts[0] / f"{parts[0]}-{parts[1]}" / f"{item_id}.png"


def _read_splits(data_dir: Path) -> dict[str, tuple[str, str]]:
    """item id (word or line) -> (writer, split), from writers.tsv when present."""
    table = data_dir / "writers.tsv"
    if not table.exists():
        return {}
    splits: dict[str, tuple[str, str]] = {}
    for row in table.read_text(encoding="utf-8").splitlines()[1:]:
        fields = row.split("\t")
        if len(fields) >= 3:
            splits[fields[0]] = (fields[1], fields[2])
            line_id = fields[0].rsplit("-", 1)[0]
            splits.setdefault(line_id, (fields[1], fields[2]))
    return splits


def _load(data_dir: Path, kind: str, split: str | None, min_fields: int) -> list[Sample]:
    data_dir = Path(data_dir)
    index = data_dir / f"{kind}.txt"
    if not index.exists():
        raise FileNotFoundError(f"{index} not found: is {data_dir} an IAM-layout folder?")
    splits = _read_splits(data_dir)
    if split not in (None, "all") and not splits:
        raise ValueError(f"split {split!r} requested but {data_dir / 'writers.tsv'} is missing")
    samples: list[Sample] = []
    missing = 0
    for raw in index.read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        fields = raw.split(" ")
        if len(fields) < min_fields:
            log.warning("%s: malformed line skipped: %r", index.name, raw)
            continue
        item_id = fields[0]
        text = " ".join(fields[min_fields - 1 :])
        if kind == "lines":
            text = text.replace("|", " ")
        writer, item_split = splits.get(item_id, ("", "all"))
        if split not in (None, "all") and item_split != split:
            continue
        path = _image_path(data_dir, kind, item_id)
        if not path.exists():
            missing += 1
            continue
        group = item_id.rsplit("-", 1)[0] if kind == "words" else item_id
        samples.append(Sample(path=path, text=text, key=item_id, writer=writer, group=group))
    if missing:
        log.warning("%s: %d listed images are missing and were skipped", index, missing)
    return samples


def load_iam_words(data_dir: Path, split: str | None = None) -> list[Sample]:
    """Word samples; ``group`` is the IAM line id, so words of one line can be pasted together."""
    return _load(Path(data_dir), "words", split, min_fields=9)


def load_iam_lines(data_dir: Path, split: str | None = None) -> list[Sample]:
    return _load(Path(data_dir), "lines", split, min_fields=9)


def is_holdout_writer(writer: str, every: int = 16) -> bool:
    """1 in ``every`` training writers, fixed by a hash of the id: held out for model selection
    and decoder tuning, so the official val writers are only ever used to report."""
    return bool(writer) and zlib.crc32(writer.encode()) % every == 0
