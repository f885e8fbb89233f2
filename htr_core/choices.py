"""The choices a reading takes, named once for the pipeline, the CLI, the app and the REST API."""

from __future__ import annotations

from typing import Literal, get_args

Level = Literal["auto", "word", "line", "page"]  # what the image is; auto: decided from it
Reader = Literal["line", "word"]  # read each line whole, or each segmented word
DecoderName = Literal["bestpath", "beamsearch", "wordbeamsearch"]
Language = Literal["en", "fr"]
LineKind = Literal["handwritten", "printed"]  # how a line was written (PAGE XML's production)

LEVELS: tuple[str, ...] = get_args(Level)
READERS: tuple[str, ...] = get_args(Reader)
DECODERS: tuple[str, ...] = get_args(DecoderName)
LANGUAGES: tuple[str, ...] = get_args(Language)
