"""The REST service on the shipped models: uploads in, page results out, bad input as clear 4xx."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest
from PIL import Image

from conftest import ROOT, draw_text, huge_png_header, png_bytes

fastapi_testclient = pytest.importorskip("fastapi.testclient")


@pytest.fixture(scope="module")
def client():
    from htr_core.api import create_app

    with fastapi_testclient.TestClient(create_app()) as test_client:
        yield test_client


def test_health_reports_both_models(client):
    reply = client.get("/health")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "line_model": True, "word_model": True}


def test_a_word_image_is_read(client):
    reply = client.post("/v1/read", files={"file": ("word.png", (ROOT / "sample_images" / "word_you.png").read_bytes())})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["file"] == "word.png" and len(body["pages"]) == 1
    page = body["pages"][0]
    assert page["page"] == 1 and page["level"] == "word"
    assert page["text"].strip().lower() == "you"
    assert 0.0 < page["confidence"] <= 1.0 and page["lines"][0]["words"]


def test_a_page_is_read_into_lines_and_exported(client):
    page_bytes = (ROOT / "sample_images" / "page_washington_300.jpg").read_bytes()
    reply = client.post("/v1/read?level=page", files={"file": ("p.jpg", page_bytes)})
    assert reply.status_code == 200
    page = reply.json()["pages"][0]
    assert page["level"] == "page" and len(page["lines"]) >= 10
    assert page["corrected_text"].count("\n") == len(page["lines"]) - 1

    xml = client.post("/v1/read?level=page&format=page&spell=false", files={"file": ("p.jpg", page_bytes)})
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    assert "<PcGts" in xml.text and 'imageFilename="p.jpg"' in xml.text


def test_every_page_of_a_multi_page_tiff_is_read_and_one_can_be_picked(client):
    first, second = draw_text("north"), draw_text("south")
    buffer = io.BytesIO()
    Image.fromarray(first).save(buffer, format="TIFF", save_all=True, append_images=[Image.fromarray(second)])
    tiff = buffer.getvalue()
    reply = client.post("/v1/read?spell=false", files={"file": ("two.tif", tiff)})
    assert [page["page"] for page in reply.json()["pages"]] == [1, 2]

    only_second = client.post("/v1/read?page=2&format=txt&spell=false", files={"file": ("two.tif", tiff)})
    assert only_second.status_code == 200 and only_second.text == reply.json()["pages"][1]["corrected_text"] + "\n"
    both = client.post("/v1/read?format=txt&spell=false", files={"file": ("two.tif", tiff)})
    assert both.text.split("\f") == [page["corrected_text"] + "\n" for page in reply.json()["pages"]]


@pytest.mark.parametrize("payload, message", [
    (b"", "empty"),
    (b"this is not an image", "not an image format"),
    (png_bytes(draw_text("cut"))[:60], "corrupt|truncated|cannot read"),
    (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
     b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF", "no pages"),
])
def test_unreadable_uploads_are_a_400_with_the_reason(client, payload, message):
    reply = client.post("/v1/read", files={"file": ("bad.png", payload)})
    assert reply.status_code == 400
    assert re.search(message, reply.json()["detail"]), reply.json()


def test_absurd_image_sizes_and_oversized_uploads_are_refused(client, monkeypatch):
    # A PNG header claiming 20000x20000 pixels: refused before any pixel is decoded.
    reply = client.post("/v1/read", files={"file": ("huge.png", huge_png_header(20000, 20000))})
    assert reply.status_code == 400 and "too large" in reply.json()["detail"]

    import htr_core.api

    monkeypatch.setattr(htr_core.api, "MAX_UPLOAD_BYTES", 100)
    reply = client.post("/v1/read", files={"file": ("big.png", png_bytes(draw_text("large enough")))})
    assert reply.status_code == 413


def test_bad_parameters_are_refused_before_reading(client):
    word = (ROOT / "sample_images" / "word_you.png").read_bytes()
    assert client.post("/v1/read?level=paragraph", files={"file": ("w.png", word)}).status_code == 422
    assert client.post("/v1/read?decoder=greedy", files={"file": ("w.png", word)}).status_code == 422
    assert client.post("/v1/read?page=0", files={"file": ("w.png", word)}).status_code == 422
    assert client.post("/v1/read").status_code == 422  # no file
    reply = client.post("/v1/read?page=3", files={"file": ("w.png", word)})
    assert reply.status_code == 400 and "has 1" in reply.json()["detail"]


def test_the_english_word_pair_model_can_be_turned_off(client, monkeypatch):
    from htr_core.pipeline import Pipeline

    asked = []
    real = Pipeline.with_settings
    monkeypatch.setattr(Pipeline, "with_settings", lambda self, settings: asked.append(settings) or real(self, settings))
    word = (ROOT / "sample_images" / "word_you.png").read_bytes()
    for query, weight in (("", 0.6), ("?language_model=false", 0.0)):
        assert client.post(f"/v1/read{query}", files={"file": ("w.png", word)}).status_code == 200
        assert asked.pop().language_model == weight
    assert client.post("/v1/read?language_model=perhaps", files={"file": ("w.png", word)}).status_code == 422


def test_the_service_never_imports_tensorflow():
    import subprocess

    code = ("import sys; from fastapi.testclient import TestClient; from htr_core.api import app; "
            "c = TestClient(app); assert c.get('/health').status_code == 200; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1].lower()) is False


def test_language_reaches_the_pipeline_and_unknown_ones_are_refused(client, monkeypatch):
    from htr_core.pipeline import Pipeline

    asked = []
    real = Pipeline.with_settings
    monkeypatch.setattr(Pipeline, "with_settings", lambda self, settings: asked.append(settings) or real(self, settings))
    word = (ROOT / "sample_images" / "word_you.png").read_bytes()
    for query, language in (("", "en"), ("?language=fr", "fr")):
        assert client.post(f"/v1/read{query}", files={"file": ("w.png", word)}).status_code == 200
        assert asked.pop().language == language
    assert client.post("/v1/read?language=de", files={"file": ("w.png", word)}).status_code == 422


def test_page_n_of_a_long_document_decodes_that_page_only(client, monkeypatch):
    import htr_core.api
    from PIL import Image

    frames = [Image.fromarray(draw_text(text)) for text in ("one", "two", "three")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    asked = []
    real = htr_core.api.read_document
    monkeypatch.setattr(htr_core.api, "read_document", lambda data, pages=None: asked.append(pages) or real(data, pages=pages))
    reply = client.post("/v1/read?page=3", files={"file": ("doc.tif", buffer.getvalue())})
    assert reply.status_code == 200 and [p["page"] for p in reply.json()["pages"]] == [3]
    assert asked == [[2]]
    assert client.post("/v1/read?page=4", files={"file": ("doc.tif", buffer.getvalue())}).status_code == 400
