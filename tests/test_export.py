"""Exports of a PageResult; PAGE XML is validated against the PAGE 2019 schema."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from htr_core.export.formats import ALTO_NS, PAGE_NS, export, to_alto, to_page_xml
from htr_core.types import Box, LineResult, PageResult, WordResult

PAGE_XSD = Path(__file__).parent / "schemas" / "page.xsd"


@pytest.fixture
def page():
    words = (WordResult(Box(10, 10, 50, 40), "Helo", 0.6), WordResult(Box(60, 10, 120, 40), "world", 0.9))
    outline = ((10, 12), (60, 10), (120, 14), (120, 40), (10, 38))
    lines = (LineResult(Box(10, 10, 120, 40), "Helo world", 0.73, "Hello world", words, outline, ((10, 34), (120, 36))),
             LineResult(Box(10, 50, 90, 80), "& more <tags>", 0.8, "& more <tags>", (), kind="printed"))
    return PageResult(200, 100, lines, "page", "line")


def test_text_uses_the_corrected_lines(page):
    assert export(page, "txt") == "Hello world\n& more <tags>\n"


def test_json_round_trips(page):
    assert PageResult.from_dict(json.loads(export(page, "json"))) == page
    assert [line["kind"] for line in json.loads(export(page, "json"))["lines"]] == ["handwritten", "printed"]


def test_page_xml_is_valid_against_the_schema(page):
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(PAGE_XSD)))
    document = etree.fromstring(to_page_xml(page, "scan.png").encode())
    assert schema.validate(document), schema.error_log
    lines = document.findall(f".//{{{PAGE_NS}}}TextLine")
    assert len(lines) == 2
    unicode = lines[0].find(f"{{{PAGE_NS}}}TextEquiv/{{{PAGE_NS}}}Unicode").text
    assert unicode == "Hello world"
    assert len(lines[0].findall(f"{{{PAGE_NS}}}Word")) == 2
    # A segmented line is outlined by its polygon; one without keeps its box.
    assert lines[0].find(f"{{{PAGE_NS}}}Coords").get("points") == "10,12 60,10 120,14 120,40 10,38"
    assert lines[1].find(f"{{{PAGE_NS}}}Coords").get("points") == "10,50 90,50 90,80 10,80"
    assert lines[0].find(f"{{{PAGE_NS}}}Baseline").get("points") == "10,34 120,36"
    assert lines[1].find(f"{{{PAGE_NS}}}Baseline") is None  # none given: none written
    assert [line.get("production") for line in lines] == [None, "printed"]


def test_empty_page_xml_is_valid_too():
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(PAGE_XSD)))
    assert schema.validate(etree.fromstring(to_page_xml(PageResult(10, 10, ())).encode()))


def test_alto_structure(page):
    root = ET.fromstring(to_alto(page, "scan.png"))
    assert root.tag == f"{{{ALTO_NS}}}alto"
    page_el = root.find(f"{{{ALTO_NS}}}Layout/{{{ALTO_NS}}}Page")
    assert page_el.get("WIDTH") == "200" and page_el.get("HEIGHT") == "100"
    lines = root.findall(f".//{{{ALTO_NS}}}TextLine")
    assert [[s.get("CONTENT") for s in line.findall(f"{{{ALTO_NS}}}String")] for line in lines] == [
        ["Hello", "world"], ["& more <tags>"]]
    first = lines[0].find(f"{{{ALTO_NS}}}String")
    assert (first.get("HPOS"), first.get("VPOS"), first.get("WIDTH"), first.get("HEIGHT")) == ("10", "10", "40", "30")
    assert len(lines[0].findall(f"{{{ALTO_NS}}}SP")) == 1
    polygon = lines[0].find(f"{{{ALTO_NS}}}Shape/{{{ALTO_NS}}}Polygon")
    assert polygon.get("POINTS") == "10 12 60 10 120 14 120 40 10 38"
    assert list(lines[0])[0].tag == f"{{{ALTO_NS}}}Shape"  # ALTO wants the Shape before the Strings
    assert lines[1].find(f"{{{ALTO_NS}}}Shape") is None
    assert lines[0].get("BASELINE") == "10 34 120 36" and lines[1].get("BASELINE") is None
    # The printed line refers to the tag that says so; the handwritten one to none.
    [tag] = root.findall(f"{{{ALTO_NS}}}Tags/{{{ALTO_NS}}}OtherTag")
    assert (tag.get("LABEL"), lines[1].get("TAGREFS"), lines[0].get("TAGREFS")) == ("printed", tag.get("ID"), None)
    assert list(root).index(root.find(f"{{{ALTO_NS}}}Tags")) < list(root).index(root.find(f"{{{ALTO_NS}}}Layout"))


def test_unknown_format(page):
    with pytest.raises(ValueError, match="unknown export format"):
        export(page, "docx")


def test_numpy_numbers_still_export_as_json():
    import numpy as np

    word = WordResult(Box(np.int64(1), np.int64(2), np.int64(3), np.int64(4)), "a", np.float32(0.5))
    line = LineResult(word.box, "a", np.float64(0.5), "a", (word,))
    assert json.loads(export(PageResult(10, 10, (line,)), "json"))["lines"][0]["box"] == [1, 2, 3, 4]


def test_corrections_replace_the_lines_text_and_every_export_carries_them(page):
    edited = page.with_corrections(["Hello, world", "& more <tags>"])
    assert edited.lines[0].text == "Hello, world" and edited.lines[0].raw_text == "Helo world"  # raw kept
    assert edited.lines[1] is page.lines[1]
    for fmt in ("txt", "json", "page", "alto", "hocr"):
        assert "Hello," in export(edited, fmt) and "world" in export(edited, fmt), fmt
    with pytest.raises(ValueError, match="2 lines"):
        page.with_corrections(["one"])


def test_json_written_before_text_meant_the_correction_still_loads(page):
    old = json.loads(export(page, "json"))
    for line in old["lines"]:  # the earlier layout: "text" the raw reading, "corrected" the correction
        line["corrected"], line["text"] = line.pop("text"), line.pop("raw_text")
    assert PageResult.from_dict(old) == page
