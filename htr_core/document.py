"""The one-call Python API: ``htr_core.read(source, **settings) -> Document``.

A source is a path, the bytes of an image or PDF, a PIL image or a numpy array (grey, RGB or
RGBA); a document has one ``PageResult`` per page, its corrected text, and exports to every
format the tool writes (PAGE XML and ALTO hold one page each).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Union

import numpy as np

from htr_core.export.formats import FORMATS, ONE_PAGE_FORMATS, export, to_hocr, to_json
from htr_core.io.images import ImageReadError, grey_from, read_document
from htr_core.pipeline import LONE_READ_WORKERS, Pipeline, PipelineSettings
from htr_core.types import PageResult

Source = Union[str, Path, bytes, bytearray, np.ndarray, Any]  # Any: a PIL image
PAGE_BREAK = "\f"  # between pages of a plain-text export, as pdftotext writes them


@dataclass(frozen=True)
class Document:
    pages: tuple[PageResult, ...]
    name: str = "image.png"

    @property
    def text(self) -> str:
        """The corrected text, pages separated by form feeds."""
        return PAGE_BREAK.join(page.text for page in self.pages)

    @property
    def raw_text(self) -> str:
        """What the recognizer read before any lexicon or spell correction."""
        return PAGE_BREAK.join(page.raw_text for page in self.pages)

    def export(self, fmt: str) -> str:
        """The document as ``fmt`` (one of ``export.FORMATS``)."""
        return export_pages(list(self.pages), fmt, self.name)


def export_pages(pages: list[PageResult], fmt: str, name: str = "image.png") -> str:
    """Pages in one file of ``fmt``: hOCR and JSON hold many pages, text separates them with form
    feeds; PAGE XML and ALTO hold one."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if fmt == "hocr":
        return to_hocr(pages, name)
    if fmt == "json":
        return to_json(pages[0]) if len(pages) == 1 else \
            "[\n" + ",\n".join(to_json(page).rstrip("\n") for page in pages) + "\n]\n"
    if fmt in ONE_PAGE_FORMATS and len(pages) != 1:
        raise ValueError(f"{fmt} holds one page and the document has {len(pages)}: export its pages one by one")
    return PAGE_BREAK.join(export(page, fmt, name) for page in pages)


def to_grey_pages(source: Source) -> list[np.ndarray]:
    """Any supported source as grey uint8 pages."""
    if isinstance(source, np.ndarray) or (hasattr(source, "getexif") and hasattr(source, "mode")):  # PIL
        return [grey_from(source)]
    if isinstance(source, (str, Path, bytes, bytearray)):
        return read_document(source)
    raise ImageReadError(f"cannot read a {type(source).__name__}: give a path, bytes, a PIL image or a numpy array")


@functools.lru_cache(maxsize=1)
def _shipped_pipeline() -> Pipeline:
    return Pipeline.from_model_dir(workers=LONE_READ_WORKERS)


def read(source: Source, pipeline: Pipeline | None = None, name: str | None = None, **settings) -> Document:
    """Read every page of ``source`` with the shipped models (or ``pipeline``); ``settings`` are
    ``PipelineSettings`` fields (level, reader, decoder, spell, language, ...)."""
    known = {f.name for f in fields(PipelineSettings)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ValueError(f"unknown settings {unknown}; choose from {sorted(known)}")
    reading = (pipeline or _shipped_pipeline()).with_settings(PipelineSettings(**settings))
    if name is None:
        name = Path(source).name if isinstance(source, (str, Path)) else "image.png"
    return Document(tuple(reading.read(page) for page in to_grey_pages(source)), name)
