"""Shared fixtures: tiny images drawn here, paths to the shared data and the shipped models."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
FONTS_DIR = SHARED_DATA / "fonts"
MODELS_DIR = ROOT / "models"


def _font(size: int) -> ImageFont.FreeTypeFont:
    """A handwriting font from the shared data, else Pillow's built-in scalable font."""
    candidate = FONTS_DIR / "kalam.woff"
    if candidate.exists():
        return ImageFont.truetype(str(candidate), size)
    return ImageFont.load_default(size)


def draw_text(text: str, size: int = 40, pad: int = 10) -> np.ndarray:
    """Dark text on white as grey uint8, sized to fit."""
    font = _font(size)
    left, top, right, bottom = font.getbbox(text)
    image = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), 255)
    ImageDraw.Draw(image).text((pad - left, pad - top), text, font=font, fill=0)
    return np.asarray(image)


@pytest.fixture
def word_image() -> np.ndarray:
    return draw_text("hello")


@pytest.fixture
def iam_fixture(tmp_path: Path) -> Path:
    """A two-writer IAM-layout folder with words.txt, lines.txt and writers.tsv."""
    root = tmp_path / "iam"
    words = [("a01-000u-00-00", "A"), ("a01-000u-00-01", "MOVE"), ("a01-000u-00-02", "to"),
             ("b02-001-00-00", "stop"), ("b02-001-00-01", "Mr.")]
    rows = []
    for word_id, text in words:
        form = word_id.split("-")
        folder = root / "words" / form[0] / f"{form[0]}-{form[1]}"
        folder.mkdir(parents=True, exist_ok=True)
        image = draw_text(text)
        Image.fromarray(image).save(folder / f"{word_id}.png")
        rows.append(f"{word_id} ok 154 0 0 {image.shape[1]} {image.shape[0]} XX {text}")
    (root / "words.txt").write_text("# IAM words\n" + "\n".join(rows) + "\n")
    line_folder = root / "lines" / "a01" / "a01-000u"
    line_folder.mkdir(parents=True)
    Image.fromarray(draw_text("A MOVE to")).save(line_folder / "a01-000u-00.png")
    (root / "lines.txt").write_text("# IAM lines\na01-000u-00 ok 154 3 0 0 10 10 A|MOVE|to\n")
    (root / "writers.tsv").write_text(
        "word_id\twriter\tsplit\n"
        + "".join(f"{w}\t{'000' if w.startswith('a') else '001'}\t{'train' if w.startswith('a') else 'val'}\n"
                  for w, _ in words)
    )
    return root


@pytest.fixture
def pairs_fixture(tmp_path: Path) -> Path:
    root = tmp_path / "pairs"
    (root / "sub").mkdir(parents=True)
    for name, text in [("one", "cat"), ("two", "dog"), ("sub/three", "the end")]:
        Image.fromarray(draw_text(text)).save(root / f"{name}.png")
        (root / f"{name}.txt").write_text(text + "\n")
    Image.fromarray(draw_text("orphan")).save(root / "orphan.png")  # no label: skipped
    return root


def draw_page(lines: list[str], size: int = 44, line_gap: int = 40, margin: int = 60,
              width: int = 1400, rules: bool = False, printed: bool = False
              ) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """A white page with ``lines`` of handwriting-font (or printed) text; returns it and each
    line's ink box."""
    font = ImageFont.load_default(size) if printed else _font(size)
    heights = [font.getbbox(text) for text in lines]
    page_height = margin * 2 + sum(b[3] - b[1] + line_gap for b in heights)
    image = Image.new("L", (width, page_height), 255)
    draw = ImageDraw.Draw(image)
    boxes = []
    y = margin
    for text, (left, top, right, bottom) in zip(lines, heights):
        draw.text((margin - left, y - top), text, font=font, fill=20)
        if rules:
            draw.line([(10, y + bottom - top + line_gap // 2), (width - 10, y + bottom - top + line_gap // 2)],
                      fill=150, width=2)
        boxes.append((margin, y, margin + right - left, y + bottom - top))
        y += bottom - top + line_gap
    return np.asarray(image), boxes


def spelled_logits(text: str, steps: int, charset) -> np.ndarray:
    """Logits whose best path reads ``text``: each character then a blank, the rest blank."""
    logits = np.full((steps, charset.num_classes), -10.0, dtype=np.float32)
    logits[:, charset.blank_index] = 10.0
    for index, code in enumerate(charset.encode(text)):
        if 2 * index < steps:
            logits[2 * index, :] = -10.0
            logits[2 * index, code] = 10.0
    return logits


@pytest.fixture
def fake_reader(tmp_path):
    """A TextReader over a real model directory layout whose model call reads fixed texts (best
    path); its recognizer records each batch's shape in ``calls``. Line models carry word check weights."""
    from htr_core.charset import Charset
    from htr_core.decoding.config import DecoderConfig
    from htr_core.recognition.model_config import ModelConfig, WordCheckConfig
    from htr_core.recognition.reader import TextReader
    from htr_core.recognition.recognizer import Recognizer

    def make(texts, line_mode=True, width=512, name="line", lexicon=None, **settings):
        model_dir = tmp_path / name
        model_dir.mkdir(exist_ok=True)
        settings.setdefault("word_check", WordCheckConfig() if line_mode else None)
        config = ModelConfig(name=name, line_mode=line_mode, width=width, decoder=DecoderConfig("bestpath"), **settings)
        (model_dir / "config.json").write_text(config.to_json())
        charset = Charset()
        charset.save(model_dir / "charset.txt")
        queue = list(texts)
        calls = []

        def backend(batch):
            calls.append(batch.shape)
            steps = batch.shape[2] // 4  # a line model's batch may be wider than its config
            out = [spelled_logits(queue.pop(0) if queue else "", steps, charset) for _ in range(len(batch))]
            return np.stack(out)

        recognizer = Recognizer(model_dir, backend=backend)
        recognizer.calls = calls
        return TextReader.of(recognizer, lexicon=lexicon)

    return make


def png_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size (the pixels never need to exist)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 10)) + chunk(b"IEND", b"")


def printed_line(text: str, face: int = cv2.FONT_HERSHEY_SIMPLEX, scale: float = 0.8) -> np.ndarray:
    (width, height), baseline = cv2.getTextSize(text, face, scale, 1)
    image = np.full((height + baseline + 16, width + 16), 255, np.uint8)
    cv2.putText(image, text, (8, 8 + height), face, scale, 0, 1, cv2.LINE_AA)
    return image


def stacked(images: list[np.ndarray], gap: int = 40) -> np.ndarray:
    """``images`` one below the other on white paper, ``gap`` pixels apart."""
    width = max(image.shape[1] for image in images) + 2 * gap
    page = np.full((sum(image.shape[0] + gap for image in images) + gap, width), 255, np.uint8)
    y = gap
    for image in images:
        page[y:y + image.shape[0], gap:gap + image.shape[1]] = image
        y += image.shape[0] + gap
    return page


def form_page() -> np.ndarray:
    """A printed header line above two lines of pen-drawn cursive."""
    from htr_core.data.strokes import draw_strokes

    rng = np.random.default_rng(0)
    header = printed_line("UNIVERSITY OF THE NORTH - Application form 12", cv2.FONT_HERSHEY_DUPLEX)
    writing = [draw_strokes(text, "cursive", rng) for text in ("the quick brown fox", "jumps over the lazy dog")]
    return stacked([header] + writing)
