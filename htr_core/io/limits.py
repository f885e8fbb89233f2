"""How much one read may take: the limits the app, the CLI, the REST API and ``htr_core.read``
all apply before decoding, set from the environment so an operator sets them once."""

from __future__ import annotations

import os
from dataclasses import dataclass


def env_number(name: str, default: float) -> float:
    """A number from the environment variable ``name``, or ``default`` when it is unset or empty."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ValueError(f"{name}={value!r} is not a number") from exc


@dataclass(frozen=True)
class ReadLimits:
    """Set by HTR_MAX_IMAGE_MP, HTR_MAX_PAGES and HTR_MAX_DOCUMENT_MP (megapixels, pages)."""

    max_image_pixels: int = 120_000_000  # one frame or page, as stored, checked before decoding
    max_pages: int = 200  # frames or pages read from one document at once
    max_document_pixels: int = 400_000_000  # all of a document's pages once read (bytes of grey)

    @classmethod
    def from_environment(cls) -> "ReadLimits":
        return cls(max_image_pixels=int(env_number("HTR_MAX_IMAGE_MP", cls.max_image_pixels / 1e6) * 1e6),
                   max_pages=max(1, int(env_number("HTR_MAX_PAGES", cls.max_pages))),
                   max_document_pixels=int(env_number("HTR_MAX_DOCUMENT_MP", cls.max_document_pixels / 1e6) * 1e6))
