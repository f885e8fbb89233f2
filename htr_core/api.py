"""The REST service: upload an image or a PDF, get each page's text, boxes and confidences back.

    .venv/bin/uvicorn htr_core.api:app --port 8000
    curl -F file=@page.jpg 'http://localhost:8000/v1/read?level=page'
    curl -F file=@scan.pdf 'http://localhost:8000/v1/read?format=txt'

Interactive documentation at /docs. The shipped models load once, on the first request; the
handler is synchronous, so FastAPI runs it in its worker threads and ONNX Runtime sessions are
shared between them (their ``run`` is thread-safe). No TensorFlow is imported.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable, Literal

from fastapi import FastAPI, File, HTTPException, Query, UploadFile
from fastapi.responses import PlainTextResponse

from htr_core.decode import DECODERS
from htr_core.document import export_pages
from htr_core.export import FORMATS
from htr_core.imageio import ImageReadError, count_pages, read_document
from htr_core.languages import Language
from htr_core.pipeline import LEVELS, Pipeline, PipelineSettings

log = logging.getLogger(__name__)

# The same cap as the app's uploads (.streamlit/config.toml maxUploadSize).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MEDIA_TYPES = {"txt": "text/plain; charset=utf-8", "page": "application/xml", "alto": "application/xml",
               "hocr": "application/xhtml+xml; charset=utf-8"}


def create_app(load_pipeline: Callable[[], Pipeline] = Pipeline.from_model_dir) -> FastAPI:
    """The service around one pipeline, made by ``load_pipeline`` on first use (tests pass their own)."""
    app = FastAPI(title="htr_core", summary="Handwritten text recognition: images and PDFs in, text out")
    loaded: list[Pipeline] = []
    lock = threading.Lock()

    def pipeline() -> Pipeline:
        with lock:
            if not loaded:
                loaded.append(load_pipeline())
            return loaded[0]

    @app.get("/health")
    def health() -> dict:
        models = pipeline()
        return {"status": "ok", "line_model": models.line_recognizer is not None,
                "word_model": models.word_recognizer is not None}

    @app.post("/v1/read")
    def read(
        file: UploadFile = File(..., description="PNG, JPEG, TIFF (multi-page too), BMP, WebP or PDF"),
        level: Literal[LEVELS] = Query("auto", description="auto: decide by the image"),
        reader: Literal["line", "word"] = Query("line", description="read each line, or each word"),
        decoder: Literal[DECODERS] | None = Query(None, description="default: each model's own"),
        spell: bool = Query(True, description="add a spell-corrected text beside the raw reading"),
        language_model: bool = Query(True, description="weigh doubtful words by their neighbours with an "
                                     "English word-pair model (off: other languages, old spellings, codes)"),
        language: Language = Query("en", description="lexicon and spelling list: en (English) or fr (French); "
                                   "the word model's check and the word-pair model are English only"),
        format: Literal[FORMATS] = Query("json", description="page = PAGE XML"),
        page: int | None = Query(None, ge=1, description="read only this page (1-based) of a document"),
    ):
        data = file.file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise HTTPException(413, f"the file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        try:
            count = count_pages(data)
            if page is not None and page > count:
                raise HTTPException(400, f"page {page} asked for, but the document has {count}")
            numbers = list(range(1, count + 1)) if page is None else [page]
            if format in ("page", "alto") and len(numbers) > 1:
                raise HTTPException(400, f"{format} holds one page and the document has {count}: pass page=N")
            # Only the pages asked for are decoded or rendered.
            images = read_document(data, pages=None if page is None else [page - 1])
        except ImageReadError as exc:
            raise HTTPException(400, f"{file.filename or 'upload'}: {exc}") from exc

        settings = PipelineSettings(level=level, reader=reader, decoder=decoder, spell=spell, language=language,
                                    language_model=PipelineSettings.language_model if language_model else 0.0)
        reading = pipeline().with_settings(settings)
        results = [reading.read(image) for image in images]
        log.info("%s: read %d page(s)", file.filename, len(results))
        if format == "json":
            return {"file": file.filename,
                    "pages": [{"page": number, **result.to_dict()} for number, result in zip(numbers, results)]}
        name = file.filename or "image.png"
        body = export_pages(results, format, name)
        return PlainTextResponse(body, media_type=MEDIA_TYPES[format])

    return app


app = create_app()
