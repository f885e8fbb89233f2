"""The Streamlit app under AppTest: every way in, the settings, saving corrections, bad input.

The drawing canvas is a browser component that returns nothing under AppTest, so a stand-in
module serves a drawn image instead (the real canvas is covered by the browser test).
"""

from __future__ import annotations

import io
import sys
import types

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from conftest import ROOT, draw_page, draw_text, form_page, huge_png_header, png_bytes

APP = str(ROOT / "streamlit_app.py")


class FakeCanvasResult:
    def __init__(self, image_bytes):
        self.image_bytes = image_bytes
        self.json_data = None


@pytest.fixture
def canvas(monkeypatch):
    """Replace the canvas component; set ``canvas.png`` to what the user 'drew'."""
    module = types.ModuleType("streamlit_drawable_canvas")
    module.png = None
    module.st_canvas = lambda **kwargs: FakeCanvasResult(module.png)
    monkeypatch.setitem(sys.modules, "streamlit_drawable_canvas", module)
    return module


@pytest.fixture
def app(canvas, tmp_path, monkeypatch):
    monkeypatch.setenv("HTR_DATASET_DIR", str(tmp_path / "dataset"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_empty_canvas_asks_for_a_drawing(app):
    assert any("Draw on the canvas" in i.value for i in app.info)
    assert not errors(app)


def test_blank_canvas_is_reported_as_empty(app, canvas):
    canvas.png = png_bytes(np.full((300, 800), 255, np.uint8))
    app.run()
    assert any("canvas is empty" in i.value for i in app.info) and not errors(app)


def test_drawn_word_is_read(app, canvas):
    canvas.png = png_bytes(draw_text("hello", size=80))
    app.run()
    assert not errors(app) and not app.exception
    assert app.code and app.code[0].value.strip()
    assert any("read as word" in str(getattr(i, "caption", "")) for i in app.get("imgs")) or app.code


def test_uploaded_page_shows_lines_and_downloads(app):
    page, _ = draw_page(["the quick brown fox", "jumps over the lazy dog"])
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("page.png", png_bytes(page), "image/png")).run()
    assert not errors(app) and not app.exception
    assert len(app.code[0].value.strip().splitlines()) == 2
    assert {b.label for b in app.get("download_button")} >= {"TXT", "JSON", "PAGE XML", "ALTO"}


def test_a_forms_printed_header_is_marked_and_can_be_left_out(app):
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("form.png", png_bytes(form_page()), "image/png")).run()
    assert not errors(app) and len(app.code[0].value.strip().splitlines()) == 3
    assert sum("printed" in m.value for m in app.markdown) == 1  # the header's line says so
    app.checkbox(key="drop_printed").check().run()
    assert not errors(app) and len(app.code[0].value.strip().splitlines()) == 2


def test_multi_page_tiff_gives_one_result_per_page(app):
    frames = [Image.fromarray(draw_page([text])[0]) for text in ("first page", "second page")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("pages.tif", buffer.getvalue(), "image/tiff")).run()
    # One page at a time, a navigator to the others, and downloads of the whole document.
    assert not errors(app) and len(app.code) == 1
    navigator = app.selectbox(key="document_page")
    assert len(navigator.options) == 2
    first = app.code[0].value
    navigator.set_value(1).run()
    assert not errors(app) and app.code[0].value != first
    labels = [b.label for b in app.get("download_button")]
    assert {"TXT (all pages)", "JSON (all pages)", "hOCR (all pages)", "PDF (all pages)"} <= set(labels), labels
    assert {"hOCR", "PDF", "PAGE XML", "ALTO"} <= set(labels)  # and the page's own
    # Edits on one page reach the whole document's downloads.
    next(t for t in app.text_input if t.key.startswith("edit_")).set_value("edited second").run()
    assert app.session_state["edited"]["pages.tif – page 2"].lines[0].text == "edited second"


def test_the_operators_page_limit_reaches_the_app(app, monkeypatch):
    monkeypatch.setenv("HTR_MAX_PAGES", "1")
    frames = [Image.fromarray(draw_page([text])[0]) for text in ("first page", "second page")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("pages.tif", buffer.getvalue(), "image/tiff")).run()
    assert not app.exception and any("the limit is 1" in e for e in errors(app)), errors(app)


@pytest.mark.parametrize("name, data, message", [
    ("broken.png", b"\x89PNG\r\n\x1a\n garbage", "cannot read|not an image|corrupt"),
    ("empty.jpg", b"", "empty"),
    ("huge.png", huge_png_header(20000, 20000), "too large"),
])
def test_bad_uploads_show_a_clear_error_and_the_app_keeps_working(app, name, data, message):
    import re

    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value((name, data, "application/octet-stream")).run()
    assert not app.exception
    assert any(re.search(message, e) for e in errors(app)), errors(app)
    page, _ = draw_page(["still working"])
    app.file_uploader[0].set_value(("good.png", png_bytes(page), "image/png")).run()
    assert not errors(app) and app.code


def test_pdf_without_pages_is_a_clear_error(app):
    import pypdfium2 as pdfium

    buffer = io.BytesIO()
    pdfium.PdfDocument.new().save(buffer)
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("empty.pdf", buffer.getvalue(), "application/pdf")).run()
    assert any("no pages" in e for e in errors(app)) and not app.exception


def test_pdf_pages_are_rendered_and_read(app):
    import pypdfium2 as pdfium

    page, _ = draw_page(["a page in a pdf"])
    document = pdfium.PdfDocument.new()
    image = pdfium.PdfImage.new(document)
    image.set_bitmap(pdfium.PdfBitmap.from_pil(Image.fromarray(page).convert("RGB")))
    width, height = page.shape[1] * 0.5, page.shape[0] * 0.5
    image.set_matrix(pdfium.PdfMatrix().scale(width, height))
    pdf_page = document.new_page(width, height)
    pdf_page.insert_obj(image)
    pdf_page.gen_content()
    buffer = io.BytesIO()
    document.save(buffer)
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("scan.pdf", buffer.getvalue(), "application/pdf")).run()
    assert not errors(app) and app.code and app.code[0].value.strip()


def test_sample_page_and_settings(app):
    app.radio(key="source").set_value("Sample").run()
    assert app.session_state["sample_choice"] == "page_washington_300.jpg"  # the gallery's page to start
    assert not errors(app) and len(app.code[0].value.splitlines()) >= 5
    assert app.selectbox(key="decoder").value is None  # each model's tuned decoder unless chosen
    assert app.toggle(key="context").value  # the English word-pair model weighs doubtful words
    app.toggle(key="context").set_value(False).run()
    assert not errors(app) and len(app.code[0].value.splitlines()) >= 5
    assert app.selectbox(key="language").value == "en"
    app.selectbox(key="language").set_value("fr").run()  # French lexicon and spelling list
    assert not errors(app) and len(app.code[0].value.splitlines()) >= 5
    app.selectbox(key="language").set_value("en")
    app.selectbox(key="decoder").set_value("bestpath")
    app.toggle(key="spell").set_value(False)
    app.run()
    corrected = app.text_area[0].value
    assert corrected == app.code[0].value  # no correction: the corrected text is the raw reading


def test_saving_a_corrected_line_never_overwrites(app, tmp_path):
    page, _ = draw_page(["save me"])
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("line.png", png_bytes(page), "image/png")).run()
    edit = next(t for t in app.text_input if t.key.startswith("edit_"))
    edit.set_value("save me").run()
    save = next(b for b in app.button if b.key.startswith("save_"))
    save.click().run()
    save = next(b for b in app.button if b.key.startswith("save_"))
    save.click().run()
    saved = sorted((tmp_path / "dataset").glob("*.txt"))
    assert len(saved) == 2 and all(p.read_text().strip() == "save me" for p in saved)
    assert len(list((tmp_path / "dataset").glob("*.png"))) == 2
    assert any(b.label.startswith("Download my corrections") for b in app.get("download_button"))


def test_corrections_stay_in_the_visitors_session_unless_the_operator_keeps_them(canvas, tmp_path, monkeypatch):
    monkeypatch.delenv("HTR_DATASET_DIR", raising=False)
    monkeypatch.chdir(tmp_path)
    page, _ = draw_page(["mine only"])
    first = AppTest.from_file(APP, default_timeout=120)
    first.run()
    first.radio(key="source").set_value("Upload").run()
    first.file_uploader[0].set_value(("line.png", png_bytes(page), "image/png")).run()
    next(t for t in first.text_input if t.key.startswith("edit_")).set_value("mine only").run()
    next(b for b in first.button if b.key.startswith("save_")).click().run()
    assert not errors(first) and len(first.session_state["pairs"]) == 1
    assert any(b.label.startswith("Download my corrections") for b in first.get("download_button"))
    assert not any(c.value for c in first.sidebar.caption if str(tmp_path) in c.value or "/" in c.value)
    assert [p for p in tmp_path.rglob("*") if p.suffix in (".png", ".txt")] == []  # nothing on the server
    second = AppTest.from_file(APP, default_timeout=120)  # another visitor
    second.run()
    assert len(second.session_state["pairs"]) == 0
    assert not any(b.label.startswith("Download my corrections") for b in second.get("download_button"))


def test_the_app_never_imports_tensorflow():
    import subprocess

    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({APP!r}, default_timeout=120)\n"
        "at.run()\n"
        "at.radio(key='source').set_value('Sample').run()\n"
        "assert not at.exception and at.code, 'no reading'\n"
        "print('LOADED', sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED []" in result.stdout


def test_edits_flow_into_the_text_and_every_download(app):
    page, _ = draw_page(["the first line", "the second line"])
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("two.png", png_bytes(page), "image/png")).run()
    edits = [t for t in app.text_input if t.key.startswith("edit_")]
    assert len(edits) == 2
    edits[1].set_value("an edited line").run()
    whole = app.text_area[0]
    assert whole.value.split("\n")[1] == "an edited line"  # the whole text follows a line's edit
    edited = app.session_state["edited"]["two.png"]
    assert edited.lines[1].text == "an edited line" and "an edited line" in edited.to_dict()["text"]
    whole.set_value("one\ntwo").run()  # edited whole, a line a line: each line takes its part
    assert [t.value for t in app.text_input if t.key.startswith("edit_")] == ["one", "two"]
    assert [line.text for line in app.session_state["edited"]["two.png"].lines] == ["one", "two"]
    assert not errors(app)


def test_a_long_page_lists_its_lines_ten_at_a_time_and_keeps_edits_across_them(app):
    texts = [f"line number {n}" for n in range(12)]
    page, _ = draw_page(texts)
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("long.png", png_bytes(page), "image/png")).run()
    assert not errors(app)
    count = len(app.session_state["edited"]["long.png"].lines)
    assert count > 10, count
    lines = next(s for s in app.selectbox if s.key.startswith("lines_page_"))
    assert len([t for t in app.text_input if t.key.startswith("edit_")]) == 10
    lines.set_value(1).run()
    later = [t for t in app.text_input if t.key.startswith("edit_")]
    assert len(later) == count - 10
    later[0].set_value("an edit on the second list page").run()
    next(s for s in app.selectbox if s.key.startswith("lines_page_")).set_value(0).run()
    assert app.session_state["edited"]["long.png"].lines[10].text == "an edit on the second list page"
    assert "an edit on the second list page" in app.text_area[0].value
    assert any("Click a line" in c.value and "selected" in c.value for c in app.caption)  # the legend


def test_a_sideways_photo_is_turned_upright_before_reading(app):
    page, _ = draw_page(["turn me upright"])
    app.radio(key="source").set_value("Upload").run()
    app.file_uploader[0].set_value(("upright.png", png_bytes(page), "image/png")).run()
    upright = app.code[0].value
    app.file_uploader[0].set_value(("sideways.png", png_bytes(np.rot90(page)), "image/png")).run()
    app.toggle(key="adjust").set_value(True).run()
    app.get("button_group")[0].set_value(90).run()
    assert not errors(app) and app.code[0].value == upright


def test_the_gallery_names_each_samples_source_and_reads_a_drawing_as_one(app):
    app.radio(key="source").set_value("Sample").run()
    captions = " ".join(c.value for c in app.caption)
    assert "public domain" in captions and "CC-BY 4.0" in captions
    app.button(key="sample_drawing_hello").click().run()
    assert not errors(app) and app.text_area[0].value == "hello world\nread my hand"
