"""User corrections saved as training pairs (``name.png`` + ``name.txt``), never overwritten.

The folder uses the layout ``data.pairs.load_pairs`` reads, so ``--mode train --data_dir``
fine-tunes on it directly.
"""

from __future__ import annotations

import io
import logging
import os
import re
import unicodedata
import uuid
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)


MAX_TEXT_CHARS = 2000  # a line's transcription; longer text is not a line
PAIR_NAME = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{8}$")  # the stems save_pair gives


def clean_transcription(text: str) -> str:
    """The text to store: whitespace collapsed; refused if empty, too long, or holding control
    characters or unpaired surrogates (which no file or model can use)."""
    text = " ".join(text.split())
    if not text:
        raise ValueError("the transcription is empty: type the text of the line before saving")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"the transcription is {len(text)} characters long; a line holds at most {MAX_TEXT_CHARS}")
    if any(unicodedata.category(char) in ("Cc", "Cs", "Cf") for char in text):
        raise ValueError("the transcription holds control characters: type it as plain text")
    return text


def _checked_pair(image: np.ndarray, text: str) -> tuple[str, bytes, str]:
    """(a fresh unique stem, the image as PNG bytes, the cleaned text), or ValueError."""
    text = clean_transcription(text)
    if image.ndim != 2 or image.size == 0:
        raise ValueError("the image to save is empty")
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ValueError("could not encode the image as PNG")
    return f"{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}", png.tobytes(), text


def save_pair(folder: Path, image: np.ndarray, text: str) -> Path:
    """Write ``image`` and ``text`` under a fresh unique name, both or neither; returns the image path."""
    stem, png, text = _checked_pair(image, text)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    image_path, label_path = folder / f"{stem}.png", folder / f"{stem}.txt"
    partial_image, partial_label = folder / f".{stem}.png.partial", folder / f".{stem}.txt.partial"
    try:
        partial_image.write_bytes(png)
        partial_label.write_text(text + "\n", encoding="utf-8")
        os.link(partial_image, image_path)  # fails rather than overwrite an existing pair
        try:
            os.replace(partial_label, label_path)
        except OSError:
            image_path.unlink(missing_ok=True)
            raise
    finally:
        partial_image.unlink(missing_ok=True)
        partial_label.unlink(missing_ok=True)
    log.info("saved training pair %s", label_path)
    return image_path


def _pairs(folder: Path) -> list[tuple[Path, Path]]:
    """The (image, text) pairs save_pair wrote: regular files with its names, never links."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    pairs = []
    for image in sorted(folder.glob("*.png")):
        label = image.with_suffix(".txt")
        if (PAIR_NAME.match(image.stem) and label.exists() and not image.is_symlink() and not label.is_symlink()
                and image.is_file() and label.is_file()):
            pairs.append((image, label))
    return pairs


def count_pairs(folder: Path) -> int:
    return len(_pairs(folder))


def zip_pairs(folder: Path) -> bytes:
    """Every saved pair in a zip, under plain names (in memory: the folders users build are small)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for image, label in _pairs(folder):
            archive.write(image, f"dataset/{image.name}")
            archive.write(label, f"dataset/{label.name}")
    return buffer.getvalue()


class SessionPairs:
    """Corrections kept in memory for one visitor (an app session): nothing reaches the disk, so
    visitors of a shared server never see each other's writing; they download their own zip."""

    def __init__(self) -> None:
        self._items: list[tuple[str, bytes, str]] = []  # (stem, PNG bytes, text)
        self._zipped: tuple[int, bytes] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def add(self, image: np.ndarray, text: str) -> str:
        """Keep a corrected line; returns the name its files get in the zip."""
        stem, png, text = _checked_pair(image, text)
        self._items.append((stem, png, text))
        return stem

    def zip(self) -> bytes:
        """The pairs as a zip in save_pair's layout (built again only after a new pair)."""
        if self._zipped is None or self._zipped[0] != len(self._items):
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for stem, png, text in self._items:
                    archive.writestr(f"dataset/{stem}.png", png)
                    archive.writestr(f"dataset/{stem}.txt", text + "\n")
            self._zipped = (len(self._items), buffer.getvalue())
        return self._zipped[1]
