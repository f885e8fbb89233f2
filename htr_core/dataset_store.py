"""User corrections saved as training pairs (``name.png`` + ``name.txt``), never overwritten.

The folder uses the layout ``data.pairs.load_pairs`` reads, so ``--mode train --data_dir``
fine-tunes on it directly.
"""

from __future__ import annotations

import io
import logging
import os
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)


def save_pair(folder: Path, image: np.ndarray, text: str) -> Path:
    """Write ``image`` and ``text`` under a fresh unique name; returns the image path."""
    text = " ".join(text.split())
    if not text:
        raise ValueError("the transcription is empty: type the text of the line before saving")
    if image.ndim != 2 or image.size == 0:
        raise ValueError("the image to save is empty")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("could not encode the image as PNG")
    while True:
        stem = f"{stamp}-{uuid.uuid4().hex[:8]}"
        try:
            # O_EXCL: fail rather than overwrite, even if two sessions pick the same name.
            descriptor = os.open(folder / f"{stem}.png", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            continue
        break
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(png.tobytes())
    label = folder / f"{stem}.txt"
    partial = folder / f".{stem}.txt.partial"
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(label)
    log.info("saved training pair %s", label)
    return folder / f"{stem}.png"


def count_pairs(folder: Path) -> int:
    folder = Path(folder)
    return sum(1 for p in folder.glob("*.png") if p.with_suffix(".txt").exists()) if folder.is_dir() else 0


def zip_pairs(folder: Path) -> bytes:
    """Every saved pair in a zip (in memory: the folders users build are small)."""
    buffer = io.BytesIO()
    folder = Path(folder)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if folder.is_dir():
            for image in sorted(folder.glob("*.png")):
                label = image.with_suffix(".txt")
                if label.exists():
                    archive.write(image, f"dataset/{image.name}")
                    archive.write(label, f"dataset/{label.name}")
    return buffer.getvalue()
