"""An LMDB cache of PNG-encoded images and their labels (the CRNN ``--fast`` format; no pickle).

Keys follow the common CRNN layout: ``num-samples``, ``image-000000001``, ``label-000000001``.
Decoding a PNG from a memory-mapped LMDB is several times faster than opening many small files.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import lmdb
import numpy as np

from htr_core.data.dataset import Dataset

log = logging.getLogger(__name__)


def _key(kind: str, index: int) -> bytes:
    return f"{kind}-{index + 1:09d}".encode()


def build_lmdb_cache(dataset: Dataset, path: Path, map_size: int = 1 << 34) -> Path:
    """Write every item of ``dataset`` to a new LMDB at ``path`` (written to a temp name first)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    env = lmdb.open(str(partial), map_size=map_size, subdir=True)
    try:
        with env.begin(write=True) as txn:
            for index in range(len(dataset)):
                grey, text = dataset[index]
                ok, png = cv2.imencode(".png", grey)
                if not ok:
                    raise ValueError(f"item {index}: could not encode the image")
                txn.put(_key("image", index), png.tobytes())
                txn.put(_key("label", index), text.encode("utf-8"))
            txn.put(b"num-samples", str(len(dataset)).encode())
    finally:
        env.close()
    partial.rename(path)
    log.info("cached %d items in %s", len(dataset), path)
    return path


class LmdbDataset:
    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f"{self.path}: no LMDB cache here")
        self.env = lmdb.open(str(self.path), readonly=True, lock=False, readahead=False, subdir=True)
        with self.env.begin() as txn:
            count = txn.get(b"num-samples")
            if count is None:
                raise ValueError(f"{self.path}: not an image cache (no 'num-samples' key)")
            self.count = int(count)
            self._labels = [txn.get(_key("label", i)).decode("utf-8") for i in range(self.count)]

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> tuple[np.ndarray, str]:
        if not 0 <= index < self.count:
            raise IndexError(index)
        with self.env.begin() as txn:
            png = txn.get(_key("image", index))
        grey = cv2.imdecode(np.frombuffer(png, dtype=np.uint8), cv2.IMREAD_GRAYSCALE)
        if grey is None:
            raise ValueError(f"{self.path}: item {index} is not a decodable image")
        return grey, self._labels[index]

    def texts(self) -> list[str]:
        return list(self._labels)
