"""The one-call Python API and the multi-page exports (hOCR, text, JSON)."""

import io
import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

import htr_core
from htr_core.document import Document, export_pages
from htr_core.io.images import ImageReadError
from htr_core.types import Box, LineResult, PageResult, WordResult

from conftest import draw_text, png_bytes

XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture
def pipeline(fake_reader):
    from htr_core.pipeline import Pipeline

    return Pipeline(fake_reader(["hello"] * 20), fake_reader(["hello"] * 20, line_mode=False, width=128,
                                                                    name="word"))


def test_every_kind_of_source_reads_the_same(pipeline, tmp_path):
    from htr_core.document import read

    grey = draw_text("hello")
    path = tmp_path / "word.png"
    Image.fromarray(grey).save(path)
    rgb, rgba = np.stack([grey] * 3, axis=2), np.dstack([np.stack([grey] * 3, axis=2), np.full(grey.shape, 255, np.uint8)])
    sources = [path, str(path), png_bytes(grey), Image.fromarray(grey).convert("RGB"), grey, rgb, rgba,
               grey.astype(np.float32) / 255.0]
    for source in sources:
        document = read(source, pipeline=pipeline)
        assert len(document.pages) == 1 and document.text == "hello", type(source)
    assert read(path, pipeline=pipeline).name == "word.png"


def test_many_pages_and_bad_sources(pipeline):
    from htr_core.document import read

    frames = [Image.fromarray(draw_text(text)) for text in ("one", "two")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    document = read(buffer.getvalue(), pipeline=pipeline, level="word")
    assert len(document.pages) == 2 and document.text == "hello\fhello"
    with pytest.raises(ImageReadError, match="shape"):
        read(np.zeros((4, 4, 7), np.uint8), pipeline=pipeline)
    with pytest.raises(ImageReadError, match="cannot read a dict"):
        read({}, pipeline=pipeline)
    with pytest.raises(ValueError, match="unknown settings"):
        read(draw_text("x"), pipeline=pipeline, levle="word")


def test_the_shipped_models_read_through_the_package_call():
    document = htr_core.read(draw_text("hello"))
    assert isinstance(document, Document) and document.text.strip()
    assert json.loads(document.export("json"))["lines"]


def _page(words, corrected, baseline=((10, 36), (120, 38))):
    boxes = [WordResult(Box(10 + 60 * i, 10, 60 + 60 * i, 40), text, 0.8) for i, text in enumerate(words)]
    line = LineResult(Box(10, 10, 130, 40), " ".join(words), 0.75, corrected, tuple(boxes), (), baseline)
    return PageResult(200, 100, (line,))


def test_hocr_names_every_word_with_its_box_and_confidence():
    pages = [_page(["Helo", "world"], "Hello world"), _page(["a", "b"], "a b c")]
    root = ET.fromstring(export_pages(pages, "hocr", "scan.png").split("\n", 2)[2])
    page_elements = root.findall(f".//{XHTML}div[@class='ocr_page']")
    assert len(page_elements) == 2 and "bbox 0 0 200 100" in page_elements[0].get("title")
    words = [[w.text for w in page.iter(f"{XHTML}span") if w.get("class") == "ocrx_word"] for page in page_elements]
    # The corrected spelling at the words' boxes where it has as many words; else the whole line.
    assert words == [["Hello", "world"], ["a b c"]]
    first = next(w for w in root.iter(f"{XHTML}span") if w.get("class") == "ocrx_word")
    assert first.get("title") == "bbox 10 10 60 40; x_wconf 80"
    line = next(w for w in root.iter(f"{XHTML}span") if w.get("class") == "ocr_line")
    assert "baseline 0.0182 -4" in line.get("title") and "x_wconf 75" in line.get("title")


def test_multi_page_exports():
    pages = [_page(["one"], "one"), _page(["two"], "two")]
    assert export_pages(pages, "txt") == "one\n\ftwo\n"
    assert [p["text"] for p in json.loads(export_pages(pages, "json"))] == ["one", "two"]
    with pytest.raises(ValueError, match="holds one page"):
        export_pages(pages, "alto")
    assert Document(tuple(pages[:1])).export("page").count("<TextLine") == 1
