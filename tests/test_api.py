"""The REST service on the shipped models: uploads in, page results out, bad input as clear 4xx."""

from __future__ import annotations

import io
import json
import re
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from conftest import ROOT, draw_page, draw_text, form_page, huge_png_header, png_bytes

fastapi_testclient = pytest.importorskip("fastapi.testclient")


@pytest.fixture(scope="module")
def client():
    from htr_core.service.api import create_app

    with fastapi_testclient.TestClient(create_app()) as test_client:
        yield test_client


def test_health_reports_the_models(client):
    reply = client.get("/health")
    assert reply.status_code == 200
    assert reply.json() == {"status": "ok", "line_model": True, "word_model": True, "line_kind_model": True}


def test_a_word_image_is_read(client):
    reply = client.post("/v1/read", files={"file": ("word.png", (ROOT / "sample_images" / "word_you.png").read_bytes())})
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["file"] == "word.png" and len(body["pages"]) == 1
    page = body["pages"][0]
    assert page["page"] == 1 and page["level"] == "word"
    assert page["raw_text"].strip().lower() == "you"
    assert 0.0 < page["confidence"] <= 1.0 and page["lines"][0]["words"]


def test_a_page_is_read_into_lines_and_exported(client):
    page_bytes = (ROOT / "sample_images" / "page_washington_300.jpg").read_bytes()
    reply = client.post("/v1/read?level=page", files={"file": ("p.jpg", page_bytes)})
    assert reply.status_code == 200
    page = reply.json()["pages"][0]
    assert page["level"] == "page" and len(page["lines"]) >= 10
    assert page["text"].count("\n") == len(page["lines"]) - 1

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
    assert only_second.status_code == 200 and only_second.text == reply.json()["pages"][1]["text"] + "\n"
    both = client.post("/v1/read?format=txt&spell=false", files={"file": ("two.tif", tiff)})
    assert both.text.split("\f") == [page["text"] + "\n" for page in reply.json()["pages"]]


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



def test_the_operators_page_limit_reaches_the_service(client, monkeypatch):
    monkeypatch.setenv("HTR_MAX_PAGES", "1")
    frames = [Image.new("L", (40, 20), 255) for _ in range(2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    reply = client.post("/v1/read", files={"file": ("two.tif", buffer.getvalue(), "image/tiff")})
    assert reply.status_code == 400 and "the limit is 1" in reply.json()["detail"]
    assert client.post("/v1/read?page=2", files={"file": ("two.tif", buffer.getvalue(), "image/tiff")}).status_code == 200


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
    for query, weight in (("", True), ("?language_model=false", False)):
        assert client.post(f"/v1/read{query}", files={"file": ("w.png", word)}).status_code == 200
        assert asked.pop().language_model == weight
    assert client.post("/v1/read?language_model=perhaps", files={"file": ("w.png", word)}).status_code == 422


def test_the_service_never_imports_tensorflow():
    import subprocess

    code = ("import sys; from fastapi.testclient import TestClient; from htr_core.service.api import app; "
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
    import htr_core.service.api
    from PIL import Image

    frames = [Image.fromarray(draw_text(text)) for text in ("one", "two", "three")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    asked = []
    real = htr_core.service.api.read_document
    monkeypatch.setattr(htr_core.service.api, "read_document", lambda data, pages=None: asked.append(pages) or real(data, pages=pages))
    reply = client.post("/v1/read?page=3", files={"file": ("doc.tif", buffer.getvalue())})
    assert reply.status_code == 200 and [p["page"] for p in reply.json()["pages"]] == [3]
    assert asked == [[2]]
    assert client.post("/v1/read?page=4", files={"file": ("doc.tif", buffer.getvalue())}).status_code == 400


def _limited_client(fake_reader, **limits):
    from htr_core.service.api import create_app
    from htr_core.pipeline import Pipeline
    from htr_core.service.limits import ServiceLimits

    pipeline = Pipeline(fake_reader(["word"] * 100), fake_reader(["word"] * 100, line_mode=False, width=128,
                                                                         name="word"))
    return fastapi_testclient.TestClient(create_app(lambda: pipeline, ServiceLimits(**limits)))


def test_an_upload_past_the_limit_is_refused_before_it_is_spooled(fake_reader):
    client = _limited_client(fake_reader, max_upload_bytes=1000)
    big = png_bytes(np.random.default_rng(0).integers(0, 255, (200, 200), dtype=np.uint8))
    assert client.post("/v1/read", files={"file": ("big.png", big)}).status_code == 413
    # A body announced past the limit is refused from its Content-Length, before any byte is read.
    reply = client.post("/v1/read", content=b"x" * 10, headers={"content-length": str(200 * 1024 * 1024),
                                                                  "content-type": "multipart/form-data; boundary=x"})
    assert reply.status_code == 413
    # A streamed body with no length: refused once the bytes received pass the limit.
    part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n\r\n'
    chunks = iter([part] + [b"\0" * 4096] * 64)  # past the limit and the form's allowance
    reply = client.post("/v1/read", content=chunks, headers={"content-type": "multipart/form-data; boundary=x"})
    assert reply.status_code == 413 and "larger than" in reply.json()["detail"]
    assert client.post("/v1/read", files={"file": ("w.png", png_bytes(draw_text("ok")))}).status_code == 200


def test_reads_past_the_workers_and_queue_are_turned_away_with_retry_after(fake_reader):
    import threading

    client = _limited_client(fake_reader, workers=1, queue=0, queue_wait=0.1)
    gate, entered = threading.Event(), threading.Event()
    import htr_core.pipeline as pipeline_module

    real_read = pipeline_module.Pipeline.read

    def slow_read(self, grey, progress=None):
        entered.set()
        gate.wait(10)
        return real_read(self, grey, progress)

    word = png_bytes(draw_text("word"))
    replies = []
    pipeline_module.Pipeline.read = slow_read
    try:
        worker = threading.Thread(target=lambda: replies.append(client.post("/v1/read", files={"file": ("a.png", word)})))
        worker.start()
        assert entered.wait(10)
        busy = client.post("/v1/read", files={"file": ("b.png", word)})
        assert busy.status_code == 503 and busy.headers["retry-after"]
        gate.set()
        worker.join(10)
    finally:
        pipeline_module.Pipeline.read = real_read
    assert replies[0].status_code == 200


def test_a_read_past_its_deadline_is_stopped(fake_reader):
    client = _limited_client(fake_reader, timeout=0.0)
    page, _ = draw_page(["one line", "two lines", "three lines"])
    reply = client.post("/v1/read?level=page", files={"file": ("p.png", png_bytes(page))})
    assert reply.status_code == 504 and "stopped" in reply.json()["detail"]


def test_declared_types_names_and_errors_are_kept_plain(client):
    word = (ROOT / "sample_images" / "word_you.png").read_bytes()
    reply = client.post("/v1/read", files={"file": ("w.txt", word, "text/plain")})
    assert reply.status_code == 415
    hostile = 'a\x07"<b>\n/../evil.png'
    xml = client.post("/v1/read?format=page", files={"file": (hostile, word, "image/png")})
    assert xml.status_code == 200
    ET.fromstring(xml.text.split("\n", 1)[1])  # well-formed
    assert "<b>" not in xml.text and "\x07" not in xml.text
    secret = "s3cr3t-payload"
    refused = client.post(f"/v1/read?level={secret}", files={"file": ("w.png", word)})
    assert refused.status_code == 422 and secret not in refused.text


def test_an_api_key_can_be_required(fake_reader, monkeypatch):
    monkeypatch.setenv("HTR_API_KEY", "letmein")
    client = _limited_client(fake_reader)
    word = png_bytes(draw_text("word"))
    assert client.post("/v1/read", files={"file": ("w.png", word)}).status_code == 401
    assert client.post("/v1/read", files={"file": ("w.png", word)}, headers={"X-API-Key": "nope"}).status_code == 401
    assert client.post("/v1/read", files={"file": ("w.png", word)}, headers={"X-API-Key": "letmein"}).status_code == 200
    assert client.post("/v1/read", files={"file": ("w.png", word)},
                       headers={"Authorization": "Bearer letmein"}).status_code == 200
    assert client.get("/health").status_code == 200  # health checks need no key


@pytest.mark.slow
def test_a_real_server_under_parallel_load_turns_the_excess_away_and_stays_up():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import api_load

    result = api_load.run(parallel=6, rounds=1, workers=1, queue=1, max_mb=5, upload_mb=100,
                          page_path=ROOT / "sample_images" / "line_returns.png")
    codes = result["status_codes"]
    assert set(codes) <= {"200", "503"} and codes.get("200", 0) >= 2 and codes.get("503", 0) >= 1, codes
    assert result["health_after"] == 200 and result["server_alive"]
    assert result["huge_upload"]["reply"].startswith("HTTP/1.1 413") and result["huge_upload"]["sent_mb"] < 20
    # Memory after the round stays near where it was after the first read (no per-request growth).
    assert result["memory_after"]["rss_mb"] < result["memory_before"]["rss_mb"] + 150, result


def test_the_interactive_docs_load_nothing_from_outside(client):
    page = client.get("/docs")
    assert page.status_code == 200
    scripts = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert scripts and not [url for url in scripts if url.startswith(("http:", "https:", "//"))], scripts
    for url in scripts:
        if url.endswith((".js", ".css")):
            assert client.get(url).status_code == 200, url
    assert client.get("/openapi.json").json()["paths"]["/v1/read"]


def test_a_drawing_is_segmented_as_one_when_said_to_be(client):
    drawing = (ROOT / "sample_images" / "drawing_hello.png").read_bytes()
    reply = client.post("/v1/read?drawing=true", files={"file": ("drawing.png", drawing, "image/png")})
    assert reply.status_code == 200 and reply.json()["pages"][0]["text"] == "hello world\nread my hand"


def test_a_forms_printed_header_is_marked_and_can_be_left_out(client):
    image = png_bytes(form_page())
    reply = client.post("/v1/read", files={"file": ("form.png", image, "image/png")})
    assert reply.status_code == 200
    assert [line["kind"] for line in reply.json()["pages"][0]["lines"]] == ["printed", "handwritten", "handwritten"]
    reply = client.post("/v1/read?drop_printed=true", files={"file": ("form.png", image, "image/png")})
    assert [line["kind"] for line in reply.json()["pages"][0]["lines"]] == ["handwritten", "handwritten"]

