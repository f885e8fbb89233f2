"""Reading images and documents from paths or bytes into grey uint8 numpy arrays.

The one front door for every input: phone photos (EXIF-rotated), transparent PNGs (flattened
onto white), 16-bit scans, CMYK JPEGs, multi-page TIFFs and PDFs. Every decoder failure is an
``ImageReadError`` a person can act on. Sizes are checked before pixels are decoded and large
images reduced as they are read; Pillow's process-wide pixel limit is never changed.
"""

from __future__ import annotations

import io
import logging
import struct
from pathlib import Path
from typing import Sequence, Union

import numpy as np
from PIL import Image, ImageOps

from htr_core.io.limits import ReadLimits

log = logging.getLogger(__name__)

ImageSource = Union[str, Path, bytes, bytearray]

MAX_SIDE = 4000  # longest side a page is reduced to for reading
PDF_RENDER_DPI = 200
ORIENTATION_TAG = 0x0112
ROWS_PER_CHUNK = 1024  # conversions run over this many rows at a time, to bound their copies

# What Pillow's decoders raise on damaged data (a truncated TIFF raises TypeError, a broken PNG
# SyntaxError, a bad header struct.error); MemoryError for a frame whose decode cannot fit.
DECODE_ERRORS = (OSError, ValueError, EOFError, SyntaxError, TypeError, struct.error, IndexError, KeyError,
                 ZeroDivisionError, MemoryError, Image.DecompressionBombError)


class ImageReadError(ValueError):
    """The input could not be turned into an image we can read."""


def _describe(source: ImageSource) -> str:
    return "uploaded data" if isinstance(source, (bytes, bytearray)) else str(source)


def _check_pixels(width: int, height: int, what: str, limits: ReadLimits) -> None:
    if width <= 0 or height <= 0:
        raise ImageReadError(f"{what} has zero size ({width}x{height})")
    if width * height > limits.max_image_pixels:
        raise ImageReadError(f"{what} is too large ({width}x{height} = {width * height / 1e6:.0f} MP; "
                             f"the limit is {limits.max_image_pixels / 1e6:.0f} MP)")


def _open(source: ImageSource, limits: ReadLimits) -> Image.Image:
    name = _describe(source)
    if isinstance(source, (bytes, bytearray)):
        if len(source) == 0:
            raise ImageReadError("the file is empty (0 bytes)")
        stream: io.BytesIO | Path = io.BytesIO(bytes(source))
    else:
        stream = Path(source)
        if not stream.exists():
            raise ImageReadError(f"{name}: no such file")
        if stream.is_dir():
            raise ImageReadError(f"{name}: is a folder, not an image")
        if stream.stat().st_size == 0:
            raise ImageReadError(f"{name}: the file is empty (0 bytes)")
    try:
        image = Image.open(stream)
    except Image.DecompressionBombError as exc:
        raise ImageReadError(f"{name}: the image is too large (the limit is {limits.max_image_pixels / 1e6:.0f} MP)") from exc
    except DECODE_ERRORS as exc:
        raise ImageReadError(f"{name}: not an image format we can read") from exc
    _check_pixels(*image.size, f"{name}: the image", limits)
    return image


def frame_count(image: Image.Image) -> int:
    try:
        return max(1, int(getattr(image, "n_frames", 1)))
    except DECODE_ERRORS as exc:
        raise ImageReadError(f"the image data is corrupt or truncated ({exc})") from exc


def _reduce_while_decoding(frame: Image.Image, max_side: int | None) -> None:
    """Let a JPEG decode at a fraction of its size (DCT scaling) when it will be reduced anyway."""
    if max_side is None or frame.format != "JPEG" or max(frame.size) <= max_side:
        return
    scale = max_side / max(frame.size)
    frame.draft("L", (max(1, int(frame.size[0] * scale)), max(1, int(frame.size[1] * scale))))


def convert_in_chunks(convert, *arrays: np.ndarray) -> np.ndarray:
    """``convert`` (float32 blocks of ``arrays``' rows -> values 0..255) over row chunks, into uint8."""
    out = np.empty(arrays[0].shape[:2], dtype=np.uint8)
    for start in range(0, arrays[0].shape[0], ROWS_PER_CHUNK):
        rows = slice(start, start + ROWS_PER_CHUNK)
        out[rows] = np.clip(convert(*(array[rows].astype(np.float32) for array in arrays)), 0, 255)
    return out


def _shrink_decoded(frame: Image.Image, max_side: int | None) -> Image.Image:
    """A decoded frame at least twice the size it will be read at, reduced by a whole factor
    first (Pillow's box average), so no full-size grey or float copy of it is ever made."""
    factor = max(frame.size) // max_side if max_side else 0
    if factor < 2:
        return frame
    try:
        return frame.reduce(factor)
    except ValueError:  # a mode Pillow cannot reduce: converted at full size instead
        return frame


def _to_grey(frame: Image.Image, max_side: int | None = None) -> np.ndarray:
    """One decoded frame as grey uint8; 16-bit and float frames scaled to their brightest value."""
    if frame.getexif().get(ORIENTATION_TAG, 1) != 1:  # a copy only for photos that need turning
        frame = ImageOps.exif_transpose(frame)
    frame = _shrink_decoded(frame, max_side)
    if frame.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        array = np.asarray(frame)
        top = float(np.nanmax(array)) if array.size else 0.0
        if not np.isfinite(top):
            top = 0.0
        limit = 1.0 if frame.mode == "F" else 255.0
        scale = 255.0 / top if top > limit else (255.0 if frame.mode == "F" else 1.0)
        return convert_in_chunks(lambda block: np.nan_to_num(block) * scale, array)
    if frame.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (frame.mode == "P" and "transparency" in frame.info):
        # Onto white: grey = 255 - alpha * (255 - luminance) / 255, from one channel at a time.
        if frame.mode not in ("RGBA", "LA"):
            frame = frame.convert("RGBA")
        luminance, alpha = np.asarray(frame.convert("L")), np.asarray(frame.getchannel("A"))
        return convert_in_chunks(lambda grey, opacity: 255.0 - opacity * (255.0 - grey) / 255.0, luminance, alpha)
    return np.asarray(frame.convert("L"), dtype=np.uint8)


def grey_from(image: Image.Image | np.ndarray, max_side: int | None = MAX_SIDE,
              limits: ReadLimits | None = None) -> np.ndarray:
    """A PIL image or a numpy array (grey of any depth, or 8-bit RGB / RGBA) as grey uint8,
    converted as a decoded file frame is."""
    if isinstance(image, np.ndarray):
        array = image[:, :, 0] if image.ndim == 3 and image.shape[2] == 1 else image
        if array.size == 0 or not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4)
                                                       and array.dtype == np.uint8)):
            raise ImageReadError(f"expected a grey (h, w) or 8-bit colour (h, w, 3|4) image array, "
                                 f"got shape {image.shape} of {image.dtype}")
        if array.ndim == 2 and array.dtype not in (np.uint8, np.uint16, np.int32, np.float32):
            array = array.astype(np.float32)  # float64 and other depths as Pillow's float frames
        image = Image.fromarray(np.ascontiguousarray(array))
    _check_pixels(*image.size, "the image", limits or ReadLimits.from_environment())
    return limit_size(_to_grey(image, max_side), max_side)


def limit_size(grey: np.ndarray, max_side: int | None) -> np.ndarray:
    if max_side is None or max(grey.shape) <= max_side:
        return grey
    import cv2  # local: only large inputs pay for it

    scale = max_side / max(grey.shape)
    size = (max(1, round(grey.shape[1] * scale)), max(1, round(grey.shape[0] * scale)))
    log.info("downscaling %dx%d image by %.3f", grey.shape[1], grey.shape[0], scale)
    return cv2.resize(grey, size, interpolation=cv2.INTER_AREA)


def _chosen(count: int, pages: Sequence[int] | None, kind: str, limits: ReadLimits) -> list[int]:
    """0-based page indices to read: all of them (at most ``limits.max_pages``), or those asked for."""
    if pages is None:
        if count > limits.max_pages:
            raise ImageReadError(f"the {kind} has {count} pages; the limit is {limits.max_pages} at once "
                                 f"(split it, or read the pages you need one at a time)")
        return list(range(count))
    for index in pages:
        if not 0 <= index < count:
            raise ImageReadError(f"page {index + 1} asked for, but the {kind} has {count}")
    return list(pages)


class _Budget:
    """The pixels a document's pages may hold together once read."""

    def __init__(self, limit: int) -> None:
        self.limit, self.used = limit, 0

    def take(self, grey: np.ndarray, page: int) -> np.ndarray:
        self.used += grey.size
        if self.used > self.limit:
            raise ImageReadError(f"the document is too large to read at once (past page {page}, "
                                 f"{self.used / 1e6:.0f} MP; the limit is {self.limit / 1e6:.0f} MP)")
        return grey


REDUCED_DECODE_FORMATS = ("PNG", "BMP", "WEBP")  # 8-bit formats OpenCV decodes straight to grey


def _decode_reduced(source: ImageSource, image: Image.Image, max_side: int | None) -> np.ndarray | None:
    """A large 8-bit opaque PNG, BMP or WebP decoded by OpenCV straight to grey at 1/2, 1/4 or 1/8
    of its size, never holding it in colour at full size (Pillow would: 4 bytes a pixel); None
    when the image is not such a one or OpenCV cannot decode it."""
    factor = max(image.size) // max_side if max_side else 0
    if (factor < 2 or image.format not in REDUCED_DECODE_FORMATS or image.mode not in ("RGB", "L", "P")
            or "transparency" in image.info or "exif" in image.info):  # (PNG's getexif would decode it all)
        return None
    import cv2

    flag = {2: cv2.IMREAD_REDUCED_GRAYSCALE_2, 4: cv2.IMREAD_REDUCED_GRAYSCALE_4,
            8: cv2.IMREAD_REDUCED_GRAYSCALE_8}[min(8, 1 << (factor.bit_length() - 1))]
    data = bytes(source) if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes()
    grey = cv2.imdecode(np.frombuffer(data, np.uint8), flag)
    return grey if grey is not None and grey.ndim == 2 else None


def read_pages(source: ImageSource, max_side: int | None = MAX_SIDE, pages: Sequence[int] | None = None,
               limits: ReadLimits | None = None) -> list[np.ndarray]:
    """Frames of an image file (multi-page TIFF, animated formats) as grey uint8 arrays: all of
    them, or the 0-based ``pages``; ``limits`` default to the environment's."""
    limits = limits or ReadLimits.from_environment()
    image = _open(source, limits)
    budget = _Budget(limits.max_document_pixels)
    out: list[np.ndarray] = []
    with image:
        count = frame_count(image)
        chosen = _chosen(count, pages, "image file", limits)
        if count == 1 and (grey := _decode_reduced(source, image, max_side)) is not None:
            return [budget.take(limit_size(grey, max_side), 1)]
        for index in chosen:
            what = f"frame {index + 1} of {count}" if count > 1 else "the image"
            try:
                image.seek(index)
                _check_pixels(*image.size, what, limits)
                _reduce_while_decoding(image, max_side)
                image.load()
                grey = _to_grey(image, max_side)
            except ImageReadError:
                raise
            except DECODE_ERRORS as exc:
                raise ImageReadError(f"{what} is corrupt or truncated ({type(exc).__name__}: {exc})") from exc
            out.append(budget.take(limit_size(grey, max_side), index + 1))
    return out


def read_image(source: ImageSource, max_side: int | None = MAX_SIDE, limits: ReadLimits | None = None) -> np.ndarray:
    """The first frame of an image as a grey uint8 array (ink dark on light, as scanned)."""
    return read_pages(source, max_side=max_side, pages=[0], limits=limits)[0]


def _open_pdf(data: bytes):
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(bytes(data))
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ImageReadError("the PDF is password-protected: remove the password and upload it again") from exc
        # PDFium also refuses a PDF whose page tree is empty, so name both causes.
        raise ImageReadError("cannot open the PDF: it is damaged or has no pages") from exc


def read_pdf(data: bytes, dpi: int = PDF_RENDER_DPI, max_side: int | None = MAX_SIDE,
             pages: Sequence[int] | None = None, limits: ReadLimits | None = None) -> list[np.ndarray]:
    """Render the pages of a PDF to grey (pdfium, via pypdfium2), one at a time: all of them, or
    the 0-based ``pages``."""
    import pypdfium2 as pdfium

    limits = limits or ReadLimits.from_environment()
    document = _open_pdf(data)
    budget = _Budget(limits.max_document_pixels)
    try:
        if len(document) == 0:
            raise ImageReadError("the PDF has no pages")
        out = []
        for index in _chosen(len(document), pages, "PDF", limits):
            try:
                page = document[index]
                width, height = page.get_size()
                scale = dpi / 72
                if max_side is not None:
                    scale = min(scale, max_side / max(width, height, 1))
                _check_pixels(int(width * scale), int(height * scale), f"page {index + 1}", limits)
                bitmap = page.render(scale=scale, grayscale=True)
                grey = np.asarray(bitmap.to_pil().convert("L"), dtype=np.uint8)
            except ImageReadError:
                raise
            except (pdfium.PdfiumError, *DECODE_ERRORS) as exc:
                raise ImageReadError(f"page {index + 1} of the PDF cannot be rendered ({exc})") from exc
            out.append(budget.take(grey, index + 1))
        return out
    finally:
        document.close()


def _is_pdf(source: ImageSource) -> bool:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            return False
        with path.open("rb") as handle:
            return handle.read(5) == b"%PDF-"
    return bytes(source[:5]) == b"%PDF-"


def count_pages(source: ImageSource) -> int:
    """Pages of a document (PDF pages or image frames), without rendering any."""
    if _is_pdf(source):
        document = _open_pdf(Path(source).read_bytes() if isinstance(source, (str, Path)) else source)
        try:
            return len(document)
        finally:
            document.close()
    with _open(source, ReadLimits.from_environment()) as image:
        return frame_count(image)


def read_document(source: ImageSource, max_side: int | None = MAX_SIDE, pages: Sequence[int] | None = None,
                  limits: ReadLimits | None = None) -> list[np.ndarray]:
    """Pages of an upload: each page of a PDF, or each frame of an image file (or the 0-based
    ``pages`` of them)."""
    if _is_pdf(source):
        data = Path(source).read_bytes() if isinstance(source, (str, Path)) else bytes(source)
        return read_pdf(data, max_side=max_side, pages=pages, limits=limits)
    return read_pages(source, max_side=max_side, pages=pages, limits=limits)
