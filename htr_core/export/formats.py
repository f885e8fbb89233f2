"""PageResult -> plain text, JSON, PAGE XML (2019), ALTO (v4) and hOCR: the formats of
Transkribus, eScriptorium, kraken and Tesseract, so results open in the tools users already have.

XML is built with the standard library's ElementTree (no extra dependency on the runtime path).
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

from htr_core.types import Box, LineResult, PageResult

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
PAGE_XSD = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15/pagecontent.xsd"
ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
ALTO_XSD = "http://www.loc.gov/standards/alto/v4/alto-4-2.xsd"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
FORMATS = ("txt", "json", "page", "alto", "hocr")
ONE_PAGE_FORMATS = ("page", "alto")  # a file holds one page; the others hold a document
PRINTED_TAG = "printed"  # the ALTO OtherTag that printed lines refer to
# Each output's file name ending and media type ("pdf": the searchable PDF of searchable_pdf.py).
EXTENSIONS = {"txt": ".txt", "json": ".json", "page": ".page.xml", "alto": ".alto.xml", "hocr": ".hocr", "pdf": ".pdf"}
MEDIA_TYPES = {"txt": "text/plain; charset=utf-8", "json": "application/json", "page": "application/xml",
               "alto": "application/xml", "hocr": "application/xhtml+xml; charset=utf-8", "pdf": "application/pdf"}


def to_text(page: PageResult, corrected: bool = True) -> str:
    return (page.text if corrected else page.raw_text) + ("\n" if page.lines else "")


def to_json(page: PageResult) -> str:
    return json.dumps(page.to_dict(), indent=2, ensure_ascii=False) + "\n"


def _points(box: Box) -> str:
    return f"{box.x0},{box.y0} {box.x1},{box.y0} {box.x1},{box.y1} {box.x0},{box.y1}"


def _outline(line: LineResult) -> str:
    """PAGE XML points of a line: its ink outline when segmentation gave one, else its box."""
    if len(line.polygon) >= 3:
        return " ".join(f"{x},{y}" for x, y in line.polygon)
    return _points(line.box)


def _text_equiv(parent: ET.Element, tag, text: str, confidence: float | None = None) -> None:
    equiv = ET.SubElement(parent, tag("TextEquiv"))
    if confidence is not None:
        equiv.set("conf", f"{min(max(confidence, 0.0), 1.0):.4f}")
    ET.SubElement(equiv, tag("Unicode")).text = text


def to_page_xml(page: PageResult, image_filename: str = "image.png", corrected: bool = True) -> str:
    """PAGE XML 2019-07-15: one TextRegion around all lines, TextLines (outlined by their ink's
    polygon and with a Baseline when segmentation gave them) with Words and TextEquiv."""
    ET.register_namespace("", PAGE_NS)
    ET.register_namespace("xsi", XSI_NS)

    def tag(name: str) -> str:
        return f"{{{PAGE_NS}}}{name}"

    root = ET.Element(tag("PcGts"), {f"{{{XSI_NS}}}schemaLocation": f"{PAGE_NS} {PAGE_XSD}"})
    metadata = ET.SubElement(root, tag("Metadata"))
    ET.SubElement(metadata, tag("Creator")).text = "htr_core"
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    ET.SubElement(metadata, tag("Created")).text = now
    ET.SubElement(metadata, tag("LastChange")).text = now
    page_el = ET.SubElement(root, tag("Page"), imageFilename=image_filename,
                            imageWidth=str(page.width), imageHeight=str(page.height))
    if page.lines:
        region_box = page.lines[0].box
        for line in page.lines[1:]:
            region_box = region_box.union(line.box)
        region = ET.SubElement(page_el, tag("TextRegion"), id="r1", type="paragraph")
        ET.SubElement(region, tag("Coords"), points=_points(region_box))
        for index, line in enumerate(page.lines, start=1):
            line_el = ET.SubElement(region, tag("TextLine"), id=f"r1_l{index}")
            if line.kind == "printed":
                line_el.set("production", "printed")
            ET.SubElement(line_el, tag("Coords"), points=_outline(line))
            if len(line.baseline) >= 2:
                ET.SubElement(line_el, tag("Baseline"), points=" ".join(f"{x},{y}" for x, y in line.baseline))
            for word_index, word in enumerate(line.words, start=1):
                word_el = ET.SubElement(line_el, tag("Word"), id=f"r1_l{index}_w{word_index}")
                ET.SubElement(word_el, tag("Coords"), points=_points(word.box))
                _text_equiv(word_el, tag, word.text, word.confidence)
            _text_equiv(line_el, tag, line.text if corrected else line.raw_text, line.confidence)
        _text_equiv(region, tag, page.text if corrected else page.raw_text)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def to_alto(page: PageResult, image_filename: str = "image.png") -> str:
    """ALTO v4: a TextBlock of TextLines (with a Shape polygon when segmentation gave one) holding
    String (word) and SP (space) elements."""
    ET.register_namespace("", ALTO_NS)
    ET.register_namespace("xsi", XSI_NS)

    def tag(name: str) -> str:
        return f"{{{ALTO_NS}}}{name}"

    def geometry(box: Box) -> dict[str, str]:
        return {"HPOS": str(box.x0), "VPOS": str(box.y0), "WIDTH": str(box.width), "HEIGHT": str(box.height)}

    root = ET.Element(tag("alto"), {f"{{{XSI_NS}}}schemaLocation": f"{ALTO_NS} {ALTO_XSD}"})
    description = ET.SubElement(root, tag("Description"))
    ET.SubElement(description, tag("MeasurementUnit")).text = "pixel"
    source = ET.SubElement(description, tag("sourceImageInformation"))
    ET.SubElement(source, tag("fileName")).text = image_filename
    if any(line.kind == "printed" for line in page.lines):  # printed lines point at this tag
        tags = ET.SubElement(root, tag("Tags"))
        ET.SubElement(tags, tag("OtherTag"), ID=PRINTED_TAG, TYPE="production", LABEL="printed")
    layout = ET.SubElement(root, tag("Layout"))
    page_el = ET.SubElement(layout, tag("Page"), ID="p1", PHYSICAL_IMG_NR="1",
                            WIDTH=str(page.width), HEIGHT=str(page.height))
    space = ET.SubElement(page_el, tag("PrintSpace"), HPOS="0", VPOS="0",
                          WIDTH=str(page.width), HEIGHT=str(page.height))
    if page.lines:
        block_box = page.lines[0].box
        for line in page.lines[1:]:
            block_box = block_box.union(line.box)
        block = ET.SubElement(space, tag("TextBlock"), ID="b1", **geometry(block_box))
        for index, line in enumerate(page.lines, start=1):
            line_el = ET.SubElement(block, tag("TextLine"), ID=f"b1_l{index}", **geometry(line.box))
            if line.kind == "printed":
                line_el.set("TAGREFS", PRINTED_TAG)
            if len(line.baseline) >= 2:  # ALTO 4.2 points, "x y x y ...", as kraken writes them
                line_el.set("BASELINE", " ".join(f"{x} {y}" for x, y in line.baseline))
            if len(line.polygon) >= 3:
                # ALTO's points are "x y x y ...", as kraken writes and reads them.
                points = " ".join(f"{x} {y}" for x, y in line.polygon)
                ET.SubElement(ET.SubElement(line_el, tag("Shape")), tag("Polygon"), POINTS=points)
            for word_index, (box, text, confidence) in enumerate(line_words(line), start=1):
                if word_index > 1:
                    ET.SubElement(line_el, tag("SP"))
                ET.SubElement(line_el, tag("String"), ID=f"b1_l{index}_w{word_index}", CONTENT=text,
                              WC=f"{min(max(confidence, 0.0), 1.0):.4f}", **geometry(box))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _hocr_title(box: Box, *extra: str) -> str:
    return "; ".join([f"bbox {box.x0} {box.y0} {box.x1} {box.y1}", *extra])


def _confidence_percent(confidence: float) -> int:
    return int(round(100 * min(max(confidence, 0.0), 1.0)))


def line_words(line: LineResult) -> list[tuple[Box, str, float]]:
    """A line's corrected words with their boxes, as ALTO, hOCR and a PDF's text layer name them:
    each at its word's box where the correction has as many words as the reading, else the whole
    corrected line over the line's box (a word split or joined has no box of its own)."""
    corrected = line.text.split()
    words = list(line.words)
    if len(corrected) == len(words) and words:
        return [(word.box, text, word.confidence) for word, text in zip(words, corrected)]
    return [(line.box, line.text.strip(), line.confidence)] if line.text.strip() else []


def to_hocr(pages: PageResult | list[PageResult], image_filename: str = "image.png") -> str:
    """hOCR 1.2 (as Tesseract writes it): an ocr_page per page, ocr_line with bbox, baseline and
    x_wconf, ocrx_word with bbox and x_wconf; the corrected text."""
    from htr_core import __version__

    pages = [pages] if isinstance(pages, PageResult) else list(pages)
    html = ET.Element("html", xmlns="http://www.w3.org/1999/xhtml", lang="und")
    head = ET.SubElement(html, "head")
    ET.SubElement(head, "title").text = image_filename
    ET.SubElement(head, "meta", {"http-equiv": "Content-Type", "content": "text/html; charset=utf-8"})
    ET.SubElement(head, "meta", name="ocr-system", content=f"htr_core {__version__}")
    ET.SubElement(head, "meta", name="ocr-capabilities", content="ocr_page ocr_line ocrx_word ocrp_wconf")
    body = ET.SubElement(html, "body")
    for number, page in enumerate(pages, start=1):
        title = _hocr_title(Box(0, 0, page.width, page.height), f'image "{image_filename}"', f"ppageno {number - 1}")
        page_el = ET.SubElement(body, "div", {"class": "ocr_page", "id": f"page_{number}", "title": title})
        for index, line in enumerate(page.lines, start=1):
            extra = []
            if len(line.baseline) >= 2:
                (x0, y0), (x1, y1) = line.baseline[0], line.baseline[-1]
                slope = (y1 - y0) / (x1 - x0) if x1 != x0 else 0.0
                offset = y0 + slope * (line.box.x0 - x0) - line.box.y1
                extra.append(f"baseline {slope:.4f} {offset:.0f}")
            extra.append(f"x_wconf {_confidence_percent(line.confidence)}")
            line_el = ET.SubElement(page_el, "span", {"class": "ocr_line", "id": f"line_{number}_{index}",
                                                      "title": _hocr_title(line.box, *extra)})
            for word_index, (box, text, confidence) in enumerate(line_words(line), start=1):
                if word_index > 1:
                    ET.SubElement(line_el, "span").tail = " "
                word_el = ET.SubElement(line_el, "span", {
                    "class": "ocrx_word", "id": f"word_{number}_{index}_{word_index}",
                    "title": _hocr_title(box, f"x_wconf {_confidence_percent(confidence)}")})
                word_el.text = text
    ET.indent(html)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
            '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n' + ET.tostring(html, encoding="unicode") + "\n")


def export(page: PageResult, fmt: str, image_filename: str = "image.png") -> str:
    if fmt == "txt":
        return to_text(page)
    if fmt == "json":
        return to_json(page)
    if fmt == "page":
        return to_page_xml(page, image_filename)
    if fmt == "alto":
        return to_alto(page, image_filename)
    if fmt == "hocr":
        return to_hocr(page, image_filename)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
