"""The REST service: upload an image or a PDF, get each page's text, boxes and confidences back.

    .venv/bin/python -m htr_core.service.api --port 8000      # uvicorn with connection and header limits
    curl -F file=@page.jpg 'http://localhost:8000/v1/read?level=page'

Interactive documentation at /docs. The shipped models load on the first request; reads run in
FastAPI's worker threads, sharing the ONNX Runtime sessions, within ``service.limits``' bounds.
``HTR_API_KEY`` requires that key; ``HTR_API_CORS_ORIGINS`` allows browsers from those origins.
docs/PIPELINE.md lists the limits.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import threading
from typing import Callable, Literal

from fastapi import FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from fastapi_offline import FastAPIOffline

from htr_core.choices import DecoderName, Language, Level, Reader
from htr_core.document import export_pages
from htr_core.export.formats import FORMATS, MEDIA_TYPES, ONE_PAGE_FORMATS
from htr_core.io.images import ImageReadError, count_pages, read_document
from htr_core.pipeline import Pipeline, PipelineSettings
from htr_core.service.limits import (Admission, BodySizeLimit, Busy, Deadline, ServiceLimits, TimedOut,
                                     safe_filename)
from htr_core.service.memory import release_free_memory

log = logging.getLogger(__name__)

MULTIPART_OVERHEAD = 64 * 1024  # a form's boundaries and headers around the file
ACCEPTED_TYPES = ("image/", "application/pdf", "application/octet-stream")


def create_app(load_pipeline: Callable[[], Pipeline] = Pipeline.from_model_dir,
               limits: ServiceLimits | None = None) -> FastAPI:
    """The service around one pipeline, made by ``load_pipeline`` on first use (tests pass their own)."""
    limits = limits or ServiceLimits.from_environment()
    # /docs and /redoc from the package's own Swagger UI and ReDoc files: they work offline.
    app = FastAPIOffline(title="htr_core", summary="Handwritten text recognition: images and PDFs in, text out")
    _protect(app, limits)
    service = _Service(load_pipeline, limits)

    @app.get("/health")
    def health() -> dict:
        models = service.pipeline()
        return {"status": "ok", "line_model": models.line_reader is not None,
                "word_model": models.word_reader is not None, "line_kind_model": models.line_kinds is not None}

    @app.post("/v1/read")
    def read(
        file: UploadFile = File(..., description="PNG, JPEG, TIFF (multi-page too), BMP, WebP or PDF"),
        level: Level = Query("auto", description="auto: decide by the image"),
        reader: Reader = Query("line", description="read each line, or each word"),
        decoder: DecoderName | None = Query(None, description="default: each model's own"),
        spell: bool = Query(True, description="add a spell-corrected text beside the raw reading"),
        language_model: bool = Query(True, description="weigh doubtful words by their neighbours with an "
                                     "English word-pair model (off: other languages, old spellings, codes)"),
        language: Language = Query("en", description="lexicon and spelling list: en (English) or fr (French); "
                                   "the word model's check and the word-pair model are English only"),
        format: Literal[FORMATS] = Query("json", description="page = PAGE XML"),
        page: int | None = Query(None, ge=1, description="read only this page (1-based) of a document"),
        drop_flagged: bool = Query(False, description="leave out lines read at very low confidence"),
        drop_printed: bool = Query(False, description="leave out printed lines (a page's header, a form's labels)"),
        drawing: bool = Query(False, description="the image is a drawing (white, one pen, as a canvas saves it)"),
    ):
        settings = PipelineSettings(level=level, reader=reader, decoder=decoder, spell=spell, language=language,
                                    drop_flagged=drop_flagged, drop_printed=drop_printed,
                                    language_model=language_model)
        return service.read_upload(file, settings.for_drawing() if drawing else settings, format, page)

    return app


def _protect(app: FastAPI, limits: ServiceLimits) -> None:
    """Bodies past the upload limit refused as they stream, CORS where asked, the API key where
    set, and validation errors that never echo the input."""
    app.add_middleware(BodySizeLimit, max_bytes=limits.max_upload_bytes + MULTIPART_OVERHEAD)
    origins = [o.strip() for o in os.environ.get("HTR_API_CORS_ORIGINS", "").split(",") if o.strip()]
    if origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"], allow_headers=["*"])
    api_key = os.environ.get("HTR_API_KEY") or None

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes each bad value back ("input"): never return what was sent.
        errors = [{"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type", "")}
                  for error in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.middleware("http")
    async def require_key(request: Request, call_next):
        if api_key and request.url.path.startswith("/v1/"):
            given = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
            if not secrets.compare_digest(given.encode(), api_key.encode()):
                return JSONResponse({"detail": "a valid API key is required (X-API-Key header)"}, status_code=401)
        return await call_next(request)


class _Service:
    """The loaded pipeline and the reads it admits."""

    def __init__(self, load_pipeline: Callable[[], Pipeline], limits: ServiceLimits):
        self.load_pipeline, self.limits = load_pipeline, limits
        self.admission = Admission(limits.workers, limits.queue, limits.queue_wait)
        self._loaded: list[Pipeline] = []
        self._lock = threading.Lock()

    def pipeline(self) -> Pipeline:
        with self._lock:
            if not self._loaded:
                self._loaded.append(self.load_pipeline())
            return self._loaded[0]

    def read_upload(self, file: UploadFile, settings: PipelineSettings, format: str, page: int | None):
        """An upload checked (type, size), then read in an admitted slot before its deadline."""
        name = safe_filename(file.filename)
        declared = (file.content_type or "").lower()
        if declared and not declared.startswith(ACCEPTED_TYPES):
            raise HTTPException(415, "send an image (PNG, JPEG, TIFF, BMP, WebP) or a PDF")
        data = file.file.read(self.limits.max_upload_bytes + 1)
        if len(data) > self.limits.max_upload_bytes:
            raise HTTPException(413, f"the file is larger than {self.limits.max_upload_bytes // (1024 * 1024)} MB")
        try:
            with self.admission.slot():
                return self._read(data, name, settings, format, page)
        except Busy as exc:
            raise HTTPException(503, str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
        except TimedOut as exc:
            raise HTTPException(504, str(exc)) from exc

    def _read(self, data: bytes, name: str, settings: PipelineSettings, format: str, page: int | None):
        deadline = Deadline(self.limits.timeout)
        numbers, images = self._pages(data, name, format, page)
        reading = self.pipeline().with_settings(settings)
        results = []
        for image in images:
            deadline.check()
            results.append(reading.read(image, progress=deadline.check))
        release_free_memory()
        log.info("%s: read %d page(s)", name, len(results))
        if format == "json":
            return {"file": name,
                    "pages": [{"page": number, **result.to_dict()} for number, result in zip(numbers, results)]}
        return PlainTextResponse(export_pages(results, format, name), media_type=MEDIA_TYPES[format])

    @staticmethod
    def _pages(data: bytes, name: str, format: str, page: int | None) -> tuple[list[int], list]:
        """The page numbers asked for and their images (only those are decoded or rendered)."""
        try:
            count = count_pages(data)
            if page is not None and page > count:
                raise HTTPException(400, f"page {page} asked for, but the document has {count}")
            numbers = list(range(1, count + 1)) if page is None else [page]
            if format in ONE_PAGE_FORMATS and len(numbers) > 1:
                raise HTTPException(400, f"{format} holds one page and the document has {count}: pass page=N")
            return numbers, read_document(data, pages=None if page is None else [page - 1])
        except ImageReadError as exc:
            raise HTTPException(400, f"{name}: {exc}") from exc


app = create_app()


def main(argv=None) -> None:
    """Serve ``app`` with uvicorn, connections and slow clients bounded."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m htr_core.service.api", description="The htr_core REST service.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max_connections", type=int, default=256,
                        help="connections served at once; past that, 503 (reads are bounded separately)")
    args = parser.parse_args(argv)
    uvicorn.run(app, host=args.host, port=args.port, limit_concurrency=args.max_connections,
                timeout_keep_alive=5, h11_max_incomplete_event_size=64 * 1024, log_level="info")


if __name__ == "__main__":
    main()
