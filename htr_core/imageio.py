"""Reading images from paths or bytes into grey uint8 numpy arrays.

Handles what users actually upload: EXIF-rotated phone photos, transparent PNGs (flattened onto
white, since ink drawn on a transparent canvas would otherwise vanish), 16-bit scans, CMYK JPEGs
and multi-page TIFFs. Every failure is a ``ValueError`` with a message a person can act on.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Union

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)

ImageSource = Union[str, Path, bytes, bytearray]

# Pillow refuses images above ~179 MP with DecompressionBombError; we set our own, clearer limit
# and downscale anything larger than MAX_SIDE on its longest side so pages stay fast to process.
MAX_PIXELS = 120_000_000
MAX_SIDE = 4000
MAX_PAGES = 200


class ImageReadError(ValueError):
    """The input could not be turned into an image we can read."""


def _open(source: ImageSource) -> Image.Image:
    if isinstance(source, (bytes, bytearray)):
        if len(source) == 0:
            raise ImageReadError("the file is empty (0 bytes)")
        stream: io.BytesIO | Path = io.BytesIO(bytes(source))
        name = "uploaded data"
    else:
        stream = Path(source)
        name = str(source)
        if not stream.exists():
            raise ImageReadError(f"{name}: no such file")
        if stream.stat().st_size == 0:
            raise ImageReadError(f"{name}: the file is empty (0 bytes)")
    previous_limit = Image.MAX_IMAGE_PIXELS
    try:
        Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves, with a clearer message
        image = Image.open(stream)
        width, height = image.size
    except UnidentifiedImageError as exc:
        raise ImageReadError(f"{name}: not an image format we can read") from exc
    except OSError as exc:
        raise ImageReadError(f"{name}: cannot read the image ({exc})") from exc
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    if width == 0 or height == 0:
        raise ImageReadError(f"{name}: the image has zero size ({width}x{height})")
    if width * height > MAX_PIXELS:
        raise ImageReadError(
            f"{name}: the image is too large ({width}x{height} = {width * height / 1e6:.0f} MP; "
            f"the limit is {MAX_PIXELS / 1e6:.0f} MP)"
        )
    return image


def _to_grey(frame: Image.Image) -> np.ndarray:
    frame = ImageOps.exif_transpose(frame)
    if frame.mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(frame, dtype=np.float64)
        top = array.max() if array.size else 0.0
        scale = 255.0 / top if top > 255 else 1.0
        return np.clip(array * scale, 0, 255).astype(np.uint8)
    if frame.mode == "F":
        array = np.asarray(frame, dtype=np.float64)
        top = array.max() if array.size else 1.0
        return np.clip(array * (255.0 / top if top > 1.0 else 255.0), 0, 255).astype(np.uint8)
    if frame.mode in ("RGBA", "LA", "PA") or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        frame = Image.alpha_composite(white, rgba)
    return np.asarray(frame.convert("L"), dtype=np.uint8)


def limit_size(grey: np.ndarray, max_side: int | None) -> np.ndarray:
    if max_side is None or max(grey.shape) <= max_side:
        return grey
    import cv2  # local: only large inputs pay for it

    scale = max_side / max(grey.shape)
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    log.info("downscaling %dx%d image by %.3f", grey.shape[1], grey.shape[0], scale)
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def read_pages(source: ImageSource, max_side: int | None = MAX_SIDE) -> list[np.ndarray]:
    """Every frame of an image file (multi-page TIFF, animated formats) as grey uint8 arrays."""
    image = _open(source)
    pages: list[np.ndarray] = []
    try:
        frame_count = getattr(image, "n_frames", 1)
        for index in range(min(frame_count, MAX_PAGES)):
            image.seek(index)
            pages.append(limit_size(_to_grey(image.copy()), max_side))
    except (OSError, ValueError, EOFError) as exc:
        if not pages:
            raise ImageReadError(f"the image data is corrupt or truncated ({exc})") from exc
        log.warning("stopped reading after %d frames: %s", len(pages), exc)
    if not pages:
        raise ImageReadError("the file holds no image frames")
    return pages


def read_image(source: ImageSource, max_side: int | None = MAX_SIDE) -> np.ndarray:
    """The first frame of an image as a grey uint8 array (ink dark on light, as scanned)."""
    return read_pages(source, max_side=max_side)[0]


PDF_RENDER_DPI = 200


def read_pdf(data: bytes, dpi: int = PDF_RENDER_DPI, max_side: int | None = MAX_SIDE) -> list[np.ndarray]:
    """Render every page of a PDF to grey (pdfium, via pypdfium2)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(bytes(data))
    except pdfium.PdfiumError as exc:
        # PDFium also refuses a PDF whose page tree is empty, so name both causes.
        raise ImageReadError(f"cannot open the PDF: it is damaged or has no pages ({exc})") from exc
    try:
        if len(document) == 0:
            raise ImageReadError("the PDF has no pages")
        pages = []
        for index in range(min(len(document), MAX_PAGES)):
            page = document[index]
            width, height = page.get_size()
            scale = dpi / 72
            if max_side is not None:
                scale = min(scale, max_side / max(width, height, 1))
            bitmap = page.render(scale=scale, grayscale=True)
            pages.append(np.asarray(bitmap.to_pil().convert("L"), dtype=np.uint8))
        return pages
    finally:
        document.close()


def read_document(source: ImageSource, max_side: int | None = MAX_SIDE) -> list[np.ndarray]:
    """Pages of an upload: each page of a PDF, or each frame of an image file."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if path.exists() and path.is_file():
            with path.open("rb") as handle:
                is_pdf = handle.read(5) == b"%PDF-"
            if is_pdf:
                return read_pdf(path.read_bytes(), max_side=max_side)
    elif bytes(source[:5]) == b"%PDF-":
        return read_pdf(bytes(source), max_side=max_side)
    return read_pages(source, max_side=max_side)
