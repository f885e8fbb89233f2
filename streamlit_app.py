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
from htr_core.dataset_store import SessionPairs, save_pair
from htr_core.decode import DECODERS
from htr_core.export import to_alto, to_json, to_page_xml, to_text
from htr_core.imageio import ImageReadError, read_document, read_image
from htr_core.languages import LANGUAGE_NAMES, LANGUAGES
from htr_core.pipeline import Pipeline, PipelineSettings
from htr_core.segment import SegmentationSettings
from htr_core.types import PageResult
from htr_core.visualize import draw_result

log = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent
SAMPLES_DIR = ROOT / "sample_images"
# Corrections stay in the visitor's session; an operator who wants them on the server too sets
# HTR_DATASET_DIR (or dataset_dir in .streamlit/secrets.toml).
DATASET_ENV = "HTR_DATASET_DIR"
SAMPLE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
UPLOAD_TYPES = ["png", "jpg", "jpeg", "tif", "tiff", "bmp", "webp", "pdf"]
# None: each model's own decoder, tuned on held-out training writers (what the README measures).
DECODER_LABELS = {None: "Each model's tuned default", "bestpath": "Best path (fastest)",
                  "beamsearch": "Beam search", "wordbeamsearch": "Lexicon (English words)"}
MAX_CACHED_RESULTS = 8

st.set_page_config(page_title="Handwriting to text", page_icon="✍️", layout="wide")


@st.cache_resource(show_spinner="Loading the recognition models…")
def load_pipeline() -> Pipeline:
    """Loaded once per process and shared by every session (ONNX Runtime sessions are thread-safe)."""
    return Pipeline.from_model_dir()


def sidebar() -> tuple[PipelineSettings, dict]:
    st.sidebar.header("Settings")
    reader = st.sidebar.radio("Read pages", ["line", "word"], horizontal=True,
                              format_func=lambda r: {"line": "line by line", "word": "word by word"}[r],
                              help="The line model on whole lines, each word it reads checked by the word "
                                   "model and by the words around it; or the word model alone on each "
                                   "segmented word.",
                              key="reader")
    decoder = st.sidebar.selectbox("Decoder", [None, *DECODERS], format_func=DECODER_LABELS.get, key="decoder")
    level = st.sidebar.selectbox("The image is", ["auto", "word", "line", "page"],
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
    settings = PipelineSettings(level=level, reader=reader, decoder=decoder, spell=spell, language=language,
                                drop_flagged=drop, language_model=PipelineSettings.language_model if context else 0.0,
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


def drawn_image() -> list[tuple[str, np.ndarray]]:
    from streamlit_drawable_canvas import st_canvas

    left, right = st.columns([1, 3])
    pen = left.slider("Pen width", 2, 20, DEFAULT_PEN)
    if left.button("Clear canvas"):
        st.session_state["canvas_version"] = st.session_state.get("canvas_version", 0) + 1
    left.caption("Write a word or a few lines with the mouse, a pen or a finger. The toolbar undoes strokes.")
    with right:
        result = st_canvas(stroke_width=pen, stroke_color="#000000", background_color="#ffffff",
                           height=CANVAS_HEIGHT, width=CANVAS_WIDTH, drawing_mode="freedraw", return_image_data=True,
                           key=f"canvas_{st.session_state.get('canvas_version', 0)}")
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


def sample_image() -> list[tuple[str, np.ndarray]]:
    samples = sorted(p for p in SAMPLES_DIR.iterdir() if p.suffix.lower() in SAMPLE_SUFFIXES)
    choice = st.selectbox("Sample", samples, format_func=lambda p: p.stem.replace("_", " "), key="sample")
    if choice is None:
        return []
    return [(choice.name, read_image(choice))]


def read_cached(pipeline: Pipeline, grey: np.ndarray, settings: PipelineSettings) -> PageResult:
    """One read per image and settings; widget changes elsewhere do not re-run the models."""
    key = hashlib.sha1(grey.tobytes() + repr((grey.shape, settings)).encode()).hexdigest()
    cache: dict = st.session_state.setdefault("results", {})
    if key not in cache:
        bar = st.progress(0.0, text="Reading…")
        page = pipeline.with_settings(settings).read(
            grey, progress=lambda done, total: bar.progress(done / total, text=f"Reading line {done} of {total}…"))
        bar.empty()
        if len(cache) >= MAX_CACHED_RESULTS:
            cache.pop(next(iter(cache)))
        cache[key] = page
    return cache[key]


def spread_text_edit(text_key: str, line_keys: list[str]) -> None:
    """The corrected text edited whole: where it still has a line a line, each line takes its part."""
    lines = st.session_state[text_key].split("\n")
    if len(lines) == len(line_keys):
        for key, text in zip(line_keys, lines):
            st.session_state[key] = text


def join_line_edits(text_key: str, line_keys: list[str]) -> None:
    """A line edited: the whole corrected text follows."""
    st.session_state[text_key] = "\n".join(st.session_state[key] for key in line_keys)


def show_result(name: str, grey: np.ndarray, page: PageResult, display: dict) -> None:
    left, right = st.columns([3, 2])
    left.image(draw_result(grey, page, display["lines"], display["words"], display["low"]),
               caption=f"{name}: {len(page.lines)} line(s), read as {page.level}", width="stretch")
    with right:
        if not page.lines:
            st.warning("No handwriting found in this image.")
            return
        st.markdown("**Corrected text**")
        # Keyed by the reading itself: a new reading (other settings) must replace what is shown.
        version = hashlib.sha1(page.corrected_text.encode()).hexdigest()[:8]
        text_key = f"corrected_{name}_{version}"
        line_keys = [f"edit_{name}_{index}_{version}" for index in range(len(page.lines))]
        for key, line in zip(line_keys, page.lines):
            st.session_state.setdefault(key, line.corrected)
        edited = page.with_corrections([st.session_state[key] for key in line_keys])
        st.session_state.setdefault(text_key, edited.corrected_text)
        st.text_area("Corrected text", height=200, key=text_key, label_visibility="collapsed",
                     on_change=spread_text_edit, args=(text_key, line_keys))
        st.session_state.setdefault("edited", {})[name] = edited  # what the downloads carry
        st.markdown("**Raw reading**")
        st.code(page.text, language=None)
        stem = Path(name).stem
        cols = st.columns(4)
        # Edits count: a text edited whole with a different number of lines goes into the TXT as it
        # stands (the structured formats keep the line edits).
        whole = st.session_state[text_key]
        text = whole + "\n" if whole != edited.corrected_text else to_text(edited)
        cols[0].download_button("TXT", text, f"{stem}.txt", "text/plain", key=f"txt_{name}")
        cols[1].download_button("JSON", to_json(edited), f"{stem}.json", "application/json", key=f"json_{name}")
        cols[2].download_button("PAGE XML", to_page_xml(edited, name), f"{stem}.page.xml", "application/xml",
                                key=f"page_{name}")
        cols[3].download_button("ALTO", to_alto(edited, name), f"{stem}.alto.xml", "application/xml",
                                key=f"alto_{name}")
    with st.expander("Line by line (edit a reading and save it to teach the model your hand)",
                     expanded=len(page.lines) <= 3):
        for index, line in enumerate(page.lines):
            crop = grey[line.box.y0:line.box.y1, line.box.x0:line.box.x1]
            image_col, text_col = st.columns([3, 2])
            image_col.image(crop, width="stretch")
            flag = " ⚠️ low confidence" if line.confidence < display["low"] else ""
            text_col.markdown(f"`{line.text}` — confidence **{line.confidence:.2f}**{flag}")
            correction = text_col.text_input("Correct text", key=line_keys[index], on_change=join_line_edits,
                                             args=(text_key, line_keys))
            if text_col.button("Save line to my dataset", key=f"save_{name}_{index}"):
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
    if source == "Draw":  # a clean drawing: segmented as one (no deskew or rules, letters filled)
        settings = settings.for_drawing()
    try:
        pipeline = load_pipeline()
    except (FileNotFoundError, ValueError) as exc:
        st.error(f"The recognition models could not be loaded: {exc}")
        return
    for name, grey in images:
        try:
            page = read_cached(pipeline, grey, settings)
        except (ValueError, MemoryError) as exc:
            st.error(f"{name}: {exc}")
            continue
        show_result(name, grey, page, display)


main()
