"""Handwriting to text: draw, upload or pick a sample, and read it.

Thin by design: widgets and layout here, all the work in ``htr_core``. Run with
``streamlit run streamlit_app.py``.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import numpy as np
import streamlit as st

from htr_core.data.canvas import CANVAS_HEIGHT, CANVAS_WIDTH, DEFAULT_PEN
from htr_core.training.dataset_store import SessionPairs, save_pair
from htr_core.document import export_pages
from htr_core.export.formats import EXTENSIONS, FORMATS, MEDIA_TYPES, export, to_text
from htr_core.io.images import ImageReadError, limit_size, read_document, read_image
from htr_core.choices import DECODERS, LANGUAGES, LEVELS, READERS
from htr_core.language.word_lists import LANGUAGE_NAMES
from htr_core.pipeline import Pipeline, PipelineSettings
from htr_core.service.memory import release_free_memory
from htr_core.view.reading_view import corrected_markdown, escape_markdown, line_at, raw_markdown
from htr_core.export.searchable_pdf import to_searchable_pdf
from htr_core.layout.segment import SegmentationSettings
from htr_core.types import PageResult
from htr_core.view.visualize import draw_result

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent
SAMPLES_DIR = ROOT / "sample_images"
# Corrections stay in the visitor's session; an operator who wants them on the server too sets
# HTR_DATASET_DIR (or dataset_dir in .streamlit/secrets.toml).
DATASET_ENV = "HTR_DATASET_DIR"
# Only images whose licence lets them ship (sample_images/README.md); a drawing is read as one.
GALLERY = (("drawing_hello.png", "A drawing", "as the canvas draws it: Hershey letters, public domain"),
           ("page_washington_300.jpg", "A letter-book page", "George Washington, 1755: public domain"),
           ("page_copiste_fr.jpg", "A page in French", "Copiste d'un jour, BAnQ: CC-BY 4.0 (choose French)"),
           ("line_returns.png", "One line", "George Washington, 1755: public domain"),
           ("word_particularly.png", "One word", "George Washington, 1755: public domain"))
UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "pdf"]
# None: each model's own decoder, tuned on held-out training writers (what the README measures).
DECODER_LABELS = {None: "Each model's tuned default", "bestpath": "Best path (fastest)",
                  "beamsearch": "Beam search", "wordbeamsearch": "Lexicon (English words)"}
MAX_CACHED_RESULTS = 8
DOWNLOAD_LABELS = {"txt": "TXT", "json": "JSON", "page": "PAGE XML", "alto": "ALTO", "hocr": "hOCR", "pdf": "PDF"}
DISPLAY_MAX_SIDE = 1600  # pixels of the page picture sent to the browser
LINES_PER_PAGE = 10  # lines listed at once under a page
CROP_PREVIEW_SIDE = 1000
MIN_CANVAS_WIDTH, MIN_CANVAS_HEIGHT = 280, 220  # a phone's column; room for two or three lines

st.set_page_config(page_title="Handwriting to text", page_icon="✍️", layout="wide")


@st.cache_resource(show_spinner="Loading the recognition models…")
def load_pipeline() -> Pipeline:
    """Loaded once per process and shared by every session (ONNX Runtime sessions are thread-safe)."""
    return Pipeline.from_model_dir()


def sidebar() -> tuple[PipelineSettings, dict]:
    st.sidebar.header("Settings")
    reader = st.sidebar.radio("Read pages", READERS, horizontal=True,
                              format_func=lambda r: {"line": "line by line", "word": "word by word"}[r],
                              help="The line model on whole lines, each word it reads checked by the word "
                                   "model and by the words around it; or the word model alone on each "
                                   "segmented word.",
                              key="reader")
    decoder = st.sidebar.selectbox("Decoder", [None, *DECODERS], format_func=DECODER_LABELS.get, key="decoder")
    level = st.sidebar.selectbox("The image is", LEVELS,
                                 format_func=lambda v: {"auto": "decide for me", "word": "one word",
                                                        "line": "one line", "page": "a page"}[v],
                                 key="level")
    language = st.sidebar.selectbox("Language", LANGUAGES, format_func=LANGUAGE_NAMES.get, key="language",
                                    help="The word list the reader decodes and corrects with. French reads "
                                         "without the word model's check and the English word-pair model.")
    spell = st.sidebar.toggle("Spell correction", value=True, key="spell",
                              help="Corrects best-path and beam-search readings. Word beam search (the "
                                   "default) corrects while decoding, against what the network saw: "
                                   "its reading is the corrected text, the network's own the raw one.")
    context = st.sidebar.toggle("English context", value=True, key="context",
                                help="Where the two models disagree on a word, weigh the candidates by the "
                                     "words around them with an English word-pair model. Turn off for "
                                     "other languages, old spellings, lists and codes.")
    with st.sidebar.expander("Segmentation"):
        deskew = st.checkbox("Straighten skewed pages", value=True)
        rules = st.checkbox("Remove ruled lines", value=True)
        word_gap = st.slider("Word gap (× writing height)", 0.5, 3.0, 1.3, 0.1,
                             help="Wider: fewer, longer words. Narrower: more splits.")
    with st.sidebar.expander("Display"):
        show_lines = st.checkbox("Line boxes", value=True)
        show_words = st.checkbox("Word boxes", value=True)
        low = st.slider("Flag readings below confidence", 0.0, 1.0, 0.5, 0.05)
        drop = st.checkbox("Leave out lines read at very low confidence", value=False, key="drop_flagged",
                           help="Logos, stamps and stains a page reading took for lines read with almost no "
                                "confidence: left out of the text and the downloads.")
        drop_printed = st.checkbox("Leave out printed lines", value=False, key="drop_printed",
                                   help="A page's printed header or a form's labels, marked printed in the "
                                        "JSON, PAGE XML and ALTO: left out of the text and the downloads.")
    settings = PipelineSettings(level=level, reader=reader, decoder=decoder, spell=spell, language=language,
                                drop_flagged=drop, drop_printed=drop_printed, language_model=context,
                                segmentation=SegmentationSettings(deskew=deskew, remove_rules=rules,
                                                                  word_gap=word_gap))
    return settings, {"lines": show_lines, "words": show_words, "low": low}


def corrections_sidebar() -> None:
    """The visitor's own corrections: how many, and a zip of them (drawn last, after any save)."""
    st.sidebar.divider()
    st.sidebar.subheader("Your corrections")
    pairs = session_pairs()
    kept_here = " (also kept on this server)" if server_dataset_dir() else ""
    st.sidebar.caption(f"{len(pairs)} line(s) corrected in this session{kept_here}. They are yours only: "
                       "download them to fine-tune a model on your hand.")
    if len(pairs):
        st.sidebar.download_button("Download my corrections (zip)", pairs.zip(), "htr_dataset.zip",
                                   "application/zip")


def session_pairs() -> SessionPairs:
    return st.session_state.setdefault("pairs", SessionPairs())


def server_dataset_dir() -> Path | None:
    """Where corrections are also saved on the server, when the operator turned that on."""
    configured = os.environ.get(DATASET_ENV)
    if not configured:
        try:
            configured = st.secrets.get("dataset_dir")
        except (FileNotFoundError, KeyError, AttributeError):  # no secrets file: the default
            configured = None
    return Path(configured) if configured else None


def canvas_size() -> tuple[int, int]:
    """The canvas as wide as its column (measured in the browser), at most the size the models
    were shown drawings at, and tall enough for a few lines."""
    from streamlit_js_eval import streamlit_js_eval

    room = streamlit_js_eval(js_expressions="window.innerWidth", key="canvas_room")
    width = CANVAS_WIDTH if not isinstance(room, (int, float)) else int(min(CANVAS_WIDTH, max(MIN_CANVAS_WIDTH, room - 4)))
    return width, max(MIN_CANVAS_HEIGHT, round(width * CANVAS_HEIGHT / CANVAS_WIDTH))


def drawn_image() -> list[tuple[str, np.ndarray]]:
    from streamlit_drawable_canvas import st_canvas

    left, middle, _ = st.columns([2, 1, 3], vertical_alignment="bottom")
    pen = left.slider("Pen width", 2, 20, DEFAULT_PEN,
                      help="Writing a long line small? A thinner pen (3-4) keeps its letters' loops open, "
                           "and it reads better; large printed letters read best with the default.")
    if middle.button("Clear canvas"):
        st.session_state["canvas_version"] = st.session_state.get("canvas_version", 0) + 1
    st.caption("Write a word or a few lines with the mouse, a pen or a finger, left to right, letters "
               "about a finger's width high; it reads joined-up and printed English or French best. The "
               "toolbar under the canvas undoes strokes.")
    width, height = canvas_size()
    result = st_canvas(stroke_width=pen, stroke_color="#000000", background_color="#ffffff",
                       height=height, width=width, drawing_mode="freedraw", return_image_data=True,
                       key=f"canvas_{st.session_state.get('canvas_version', 0)}_{width}")
    data = result.image_bytes if result is not None else None
    if not data:
        st.info("Draw on the canvas to read your handwriting.")
        return []
    grey = read_image(data)
    if grey.min() > 200:  # nothing but background
        st.info("The canvas is empty: draw something to read.")
        return []
    return [("canvas", grey)]


def uploaded_images() -> list[tuple[str, np.ndarray]]:
    files = st.file_uploader("Images or PDFs", type=UPLOAD_TYPES, accept_multiple_files=True,
                             help="PNG, JPEG, TIFF (multi-page too), BMP, WebP or PDF.")
    images = []
    for file in files or []:
        try:
            pages = read_document(file.getvalue())
        except ImageReadError as exc:
            st.error(f"{file.name}: {exc}")
            continue
        for number, page in enumerate(pages, start=1):
            images.append((file.name if len(pages) == 1 else f"{file.name} – page {number}", page))
    if not files:
        st.info("Upload a scan or a photo of handwriting.")
    return images


def adjusted(images: list[tuple[str, np.ndarray]]) -> list[tuple[str, np.ndarray]]:
    """Phone photos turned upright and cut to the page before reading: a quarter turn for every
    page of the upload, and a crop box when it is one page."""
    turns = st.segmented_control("Rotate", [0, 90, 180, 270], default=0, key="rotate",
                                 format_func=lambda d: f"{d}°" if d else "upright")
    if turns:
        images = [(name, np.ascontiguousarray(np.rot90(grey, -turns // 90))) for name, grey in images]
    if len(images) != 1:
        return images
    from PIL import Image
    from streamlit_cropper import st_cropper

    name, grey = images[0]
    preview = limit_size(grey, CROP_PREVIEW_SIDE)
    scale = grey.shape[1] / preview.shape[1]
    st.caption("Drag the box's corners to the page's edges.")
    box = st_cropper(Image.fromarray(preview), realtime_update=True, box_color="#f97316", return_type="box",
                     default_coords=(0, preview.shape[1], 0, preview.shape[0]), key=f"crop_{turns}")
    if not box:
        return images
    x0, y0 = max(0, round(box["left"] * scale)), max(0, round(box["top"] * scale))
    x1, y1 = round((box["left"] + box["width"]) * scale), round((box["top"] + box["height"]) * scale)
    if x1 - x0 < 8 or y1 - y0 < 8:
        return images
    return [(name, np.ascontiguousarray(grey[y0:y1, x0:x1]))]


def sample_image() -> list[tuple[str, np.ndarray]]:
    """A gallery of samples from different sources, each named with its source and licence."""
    chosen = st.session_state.setdefault("sample_choice", GALLERY[1][0])
    for column, (filename, title, source) in zip(st.columns(len(GALLERY)), GALLERY):
        column.image(str(SAMPLES_DIR / filename), width="stretch")
        column.caption(f"**{title}**  \n{source}")
        if column.button("Read this", key=f"sample_{Path(filename).stem}", disabled=filename == chosen,
                         width="stretch"):
            st.session_state["sample_choice"] = chosen = filename
    return [(chosen, read_image(SAMPLES_DIR / chosen))]


def read_cached(pipeline: Pipeline, grey: np.ndarray, settings: PipelineSettings) -> PageResult:
    """One read per image and settings; widget changes elsewhere do not re-run the models."""
    key = hashlib.sha1(grey.tobytes() + repr((grey.shape, settings)).encode()).hexdigest()
    cache: dict = st.session_state.setdefault("results", {})
    if key not in cache:
        bar = st.progress(0.0, text="Finding the lines and words…")
        page = pipeline.with_settings(settings).read(
            grey, progress=lambda done, total: bar.progress(done / total, text=f"Reading line {done} of {total}…"))
        release_free_memory()
        bar.empty()
        if len(cache) >= MAX_CACHED_RESULTS:
            cache.pop(next(iter(cache)))
        cache[key] = page
    return cache[key]


def line_edits(name: str, version: str, page: PageResult) -> list[str]:
    """Each line's corrected text as the visitor has edited it (kept apart from the widgets, which
    Streamlit forgets while a line is off the list's current page)."""
    return st.session_state.setdefault("line_edits", {}).setdefault((name, version),
                                                                     [line.text for line in page.lines])


def spread_text_edit(text_key: str, edits: list[str], line_keys: list[str]) -> None:
    """The corrected text edited whole: where it still has a line a line, each line takes its part."""
    lines = st.session_state[text_key].split("\n")
    if len(lines) == len(edits):
        edits[:] = lines
        for key, text in zip(line_keys, lines):
            if key in st.session_state:
                st.session_state[key] = text


def take_line_edit(text_key: str, edits: list[str], index: int, line_key: str) -> None:
    """A line edited: the whole corrected text follows."""
    edits[index] = st.session_state[line_key]
    st.session_state[text_key] = "\n".join(edits)


def page_picture(name: str, grey: np.ndarray, page: PageResult, display: dict, selected: int | None) -> np.ndarray:
    """The page with its boxes, a screen's worth of it; drawn again only when what it shows changes
    (every widget on the page reruns the script)."""
    shown = (selected, display["lines"], display["words"], display["low"])
    pictures: dict = st.session_state.setdefault("pictures", {})
    kept = pictures.get(name)
    if kept is None or kept[0] is not page or kept[1] != shown:  # the cached reading is one object per read
        picture = draw_result(grey, page, display["lines"], display["words"], display["low"], selected=selected)
        pictures[name] = kept = (page, shown, limit_size(picture, DISPLAY_MAX_SIDE))
    return kept[2]


def clicked_line(name: str, grey: np.ndarray, page: PageResult, display: dict, version: str) -> int | None:
    """The page with its boxes; a click on a line selects it (None: no line selected)."""
    from streamlit_image_coordinates import streamlit_image_coordinates

    selected_key = f"selected_{name}_{version}"
    selected = st.session_state.get(selected_key)
    click = streamlit_image_coordinates(page_picture(name, grey, page, display, selected), width="stretch",
                                        image_format="JPEG", jpeg_quality=85, key=f"click_{name}_{version}")
    if click and click.get("unix_time") != st.session_state.get(f"{selected_key}_at"):
        st.session_state[f"{selected_key}_at"] = click.get("unix_time")
        scale = grey.shape[1] / max(1, click["width"])
        hit = line_at(page, click["x"] * scale, click["y"] * scale, slack=round(4 * scale))
        if hit != selected:
            st.session_state[selected_key] = hit
            if hit is not None:
                st.session_state[f"lines_page_{name}_{version}"] = hit // LINES_PER_PAGE
            st.rerun()  # drawn again with the line highlighted
    st.caption(f"{escape_markdown(name)}: {len(page.lines)} line(s), read as {page.level}. "
               f":blue[■] line   :green[■] word   :red[■] line read below {display['low']:.2f}   "
               ":orange[■] selected. Click a line to edit it.")
    return selected


def line_editor(container, name: str, grey: np.ndarray, line, index: int, edits: list[str], text_key: str,
                line_key: str, display: dict) -> None:
    """One line: its crop, its raw reading (unsure words red), its correction (changed words
    marked), an edit box, and saving the pair to the visitor's corrections."""
    crop = grey[line.box.y0:line.box.y1, line.box.x0:line.box.x1]
    image_col, text_col = container.columns([3, 2])
    image_col.image(crop, width="stretch")
    flag = " ⚠️ low confidence" if line.confidence < display["low"] else ""
    printed = " · printed" if line.kind == "printed" else ""
    text_col.markdown(f"**{index + 1}.** {raw_markdown(line, display['low'])}  \n"
                      f"{corrected_markdown(line, edits[index])}  \n"
                      f"confidence **{line.confidence:.2f}**{flag}{printed}")
    if line_key not in st.session_state:
        st.session_state[line_key] = edits[index]
    correction = text_col.text_input("Correct text", key=line_key, on_change=take_line_edit,
                                     args=(text_key, edits, index, line_key))
    if text_col.button("Save line to my dataset", key=f"save_{line_key}"):
        try:
            session_pairs().add(crop, correction)
            if server_dataset_dir() is not None:
                save_pair(server_dataset_dir(), crop, correction)
            text_col.success("Kept in your corrections (see the sidebar)")
        except ValueError as exc:
            text_col.error(f"Not saved: {exc}")
        except OSError as exc:
            log.warning("saving a correction on the server failed: %s", exc)
            text_col.error("Kept in your corrections, but the server could not store a copy")


def download_buttons(columns, stem: str, makers: dict, key: str, label_suffix: str = "") -> None:
    """A button a format; each file is made only when its button is pressed."""
    for index, (fmt, make) in enumerate(makers.items()):
        columns[index % len(columns)].download_button(
            DOWNLOAD_LABELS[fmt] + label_suffix, make, stem + EXTENSIONS[fmt], MEDIA_TYPES[fmt], key=f"{fmt}_{key}",
            help="searchable: the page with its text" if fmt == "pdf" else None)


def page_downloads(container, name: str, grey: np.ndarray, edited: PageResult, text: str) -> None:
    makers = {fmt: (lambda fmt=fmt: export(edited, fmt, name)) for fmt in FORMATS}
    makers["txt"] = lambda: text
    makers["pdf"] = lambda: to_searchable_pdf([(grey, edited)], name)
    download_buttons(container.columns(3), Path(name).stem, makers, key=name)


def show_result(name: str, grey: np.ndarray, page: PageResult, display: dict) -> None:
    if not page.lines:
        st.image(grey, caption=name, width="stretch")
        st.warning("No handwriting found in this image.")
        return
    # Keyed by the reading itself: a new reading (other settings) must replace what is shown.
    version = hashlib.sha1(page.text.encode()).hexdigest()[:8]
    text_key = f"corrected_{name}_{version}"
    line_keys = [f"edit_{name}_{index}_{version}" for index in range(len(page.lines))]
    edits = line_edits(name, version, page)
    edited = page.with_corrections(edits)
    st.session_state.setdefault(text_key, edited.text)
    st.session_state.setdefault("edited", {})[name] = edited  # what the downloads carry
    left, right = st.columns([3, 2])
    with left:
        selected = clicked_line(name, grey, page, display, version)
        if selected is not None:
            st.markdown(f"**Selected line {selected + 1}**")
            line_editor(st, name, grey, page.lines[selected], selected, edits, text_key, line_keys[selected], display)
    with right:
        st.markdown("**Corrected text**")
        st.text_area("Corrected text", height=200, key=text_key, label_visibility="collapsed",
                     on_change=spread_text_edit, args=(text_key, edits, line_keys))
        st.markdown("**Raw reading**")
        st.code(page.raw_text, language=None, wrap_lines=True)
        # Edits count: a text edited whole with a different number of lines goes into the TXT as it
        # stands (the structured formats keep the line edits).
        whole = st.session_state[text_key]
        page_downloads(st, name, grey, edited, whole + "\n" if whole != edited.text else to_text(edited))
    with st.expander("Line by line (edit a reading and save it to teach the model your hand)",
                     expanded=len(page.lines) <= 3 or selected is not None):
        shown = range(len(page.lines))
        if len(page.lines) > LINES_PER_PAGE:
            pages = (len(page.lines) + LINES_PER_PAGE - 1) // LINES_PER_PAGE
            chosen = st.selectbox("Lines", range(pages), key=f"lines_page_{name}_{version}",
                                  format_func=lambda p: f"{p * LINES_PER_PAGE + 1}–"
                                                        f"{min(len(page.lines), (p + 1) * LINES_PER_PAGE)}")
            shown = range(chosen * LINES_PER_PAGE, min(len(page.lines), (chosen + 1) * LINES_PER_PAGE))
        for index in shown:
            if index == selected:
                st.caption(f"Line {index + 1} is selected: edit it beside the page.")
                continue
            line_editor(st, name, grey, page.lines[index], index, edits, text_key, line_keys[index], display)


def document_view(images: list[tuple[str, np.ndarray]], pages: list[PageResult], display: dict) -> None:
    """Several pages: one shown at a time, and downloads of all of them with their edits."""
    count = len(images)
    chosen = st.selectbox("Page", range(count), key="document_page",
                          format_func=lambda i: f"{i + 1} of {count}: {images[i][0]}")
    show_result(*images[chosen], pages[chosen], display)
    edited = [st.session_state.get("edited", {}).get(name, page) for (name, _), page in zip(images, pages)]
    st.markdown(f"**All {count} pages**")
    stem = Path(images[0][0].split(" – ")[0]).stem
    makers = {fmt: (lambda fmt=fmt: export_pages(edited, fmt, stem)) for fmt in ("txt", "json", "hocr")}
    makers["pdf"] = lambda: to_searchable_pdf(list(zip((grey for _, grey in images), edited)), stem)
    download_buttons(st.columns(4), stem, makers, key="document", label_suffix=" (all pages)")


def main() -> None:
    read_and_show()
    corrections_sidebar()


def read_and_show() -> None:
    st.title("✍️ Handwriting to text")
    st.caption("Draw, upload a scan or photo, or pick a sample. Lines and words are found, read by a "
               "CRNN, and spell-corrected. Everything runs on this server's CPU.")
    settings, display = sidebar()
    source = st.radio("Input", ["Draw", "Upload", "Sample"], horizontal=True, label_visibility="collapsed",
                      key="source")
    try:
        images = {"Draw": drawn_image, "Upload": uploaded_images, "Sample": sample_image}[source]()
    except ImageReadError as exc:
        st.error(str(exc))
        return
    if not images:
        return
    if source == "Upload" and st.toggle("Crop or rotate before reading", key="adjust"):
        images = adjusted(images)
    if source == "Draw" or (source == "Sample" and images[0][0].startswith("drawing_")):
        settings = settings.for_drawing()  # a clean drawing: segmented as one (no deskew or rules, letters filled)
    try:
        pipeline = load_pipeline()
    except (FileNotFoundError, ValueError) as exc:
        st.error(f"The recognition models could not be loaded: {exc}")
        return
    read = []
    for name, grey in images:
        try:
            read.append(((name, grey), read_cached(pipeline, grey, settings)))
        except (ValueError, MemoryError) as exc:
            st.error(f"{name}: {exc}")
    if len(read) == 1:
        show_result(*read[0][0], read[0][1], display)
    elif read:
        document_view([image for image, _ in read], [page for _, page in read], display)


main()
