"""Property tests with bounded examples: bad files, random pages and random or broken logits
never raise anything but the errors users are meant to see (benchmarks/fuzz.py runs many more)."""

import io

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from htr_core.charset import Charset
from htr_core.choices import DECODERS
from htr_core.decoding.config import DecoderConfig
from htr_core.decoding.ctc import log_softmax
from htr_core.decoding.decoder import Decoder
from htr_core.decoding.lexicon import Lexicon
from htr_core.io.images import ImageReadError, read_document
from htr_core.layout.segment import segment_page


def _encoded(fmt: str, mode: str = "L", frames: int = 1) -> bytes:
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 255, (24, 32), dtype=np.uint8)).convert(mode) for _ in range(frames)]
    buffer = io.BytesIO()
    if fmt == "PNG16":
        Image.fromarray(rng.integers(0, 65535, (24, 32), dtype=np.uint16)).save(buffer, format="PNG")
    else:
        images[0].save(buffer, format=fmt, save_all=frames > 1, append_images=images[1:])
    return buffer.getvalue()


VALID_FILES = [_encoded("PNG"), _encoded("PNG", "RGBA"), _encoded("PNG16"), _encoded("JPEG", "RGB"),
               _encoded("TIFF", frames=3), _encoded("GIF", "P", frames=2), _encoded("BMP"), _encoded("WEBP", "RGB")]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _read_or_refuse(data: bytes) -> None:
    try:
        pages = read_document(data)
    except ImageReadError as exc:
        assert str(exc)
        return
    assert pages and all(page.dtype == np.uint8 and page.ndim == 2 and page.size for page in pages)


@FUZZ
@given(st.sampled_from(VALID_FILES), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
       st.integers(0, 10_000))
def test_mutated_files_are_read_or_refused_clearly(data, edits, cut):
    mutated = bytearray(data)
    for position, value in edits:
        mutated[position % len(mutated)] = value
    _read_or_refuse(bytes(mutated[: max(1, len(mutated) - cut % len(mutated))]))


@FUZZ
@given(st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF89a", b"BM",
                        b"RIFF\x00\x00\x00\x00WEBP", b"P5\n", b"%PDF-1.4\n"]), st.binary(max_size=300))
def test_random_bytes_behind_a_format_magic_are_refused_clearly(magic, tail):
    _read_or_refuse(magic + tail)


@settings(max_examples=40, deadline=None)
@example(height=31, width=77, seed=0, ink_share=0.984375)
@given(st.integers(1, 120), st.integers(1, 160), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0))
def test_segmentation_of_random_pages_keeps_its_invariants(height, width, seed, ink_share):
    rng = np.random.default_rng(seed)
    page = np.where(rng.random((height, width)) < ink_share, rng.integers(0, 80), 255).astype(np.uint8)
    result = segment_page(page)
    for line in result.page_lines:
        box = line.box
        assert 0 <= box.x0 < box.x1 <= width and 0 <= box.y0 < box.y1 <= height
        assert all(box.x0 <= w.x0 < w.x1 <= box.x1 for w in line.words)
    # Reading order: blocks top to bottom, blocks side by side left to right, so any two lines
    # sharing columns come top to bottom.
    for index, earlier in enumerate(result.lines):
        for later in result.lines[index + 1:]:
            if earlier.box.x0 < later.box.x1 and later.box.x0 < earlier.box.x1:
                assert earlier.box.y0 <= later.box.y0


CHARSET = Charset("ab c'.")
LEXICON = Lexicon(["a", "ab", "ba", "cab"])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 40), st.integers(0, 2**32 - 1), st.sampled_from(DECODERS), st.booleans(),
       st.sampled_from([None, np.nan, np.inf, -np.inf]))
def test_decoders_give_finite_readings_for_random_and_broken_logits(steps, seed, decoder, by_word, broken):
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, rng.uniform(0.1, 20), (steps, CHARSET.num_classes))
    if broken is not None and steps:
        logits[rng.random(logits.shape) < 0.3] = broken
    config = DecoderConfig(decoder, beam_width=4, lm_weight=0.5, oov_margin=5.0)
    reading = Decoder(config, CHARSET, lexicon=LEXICON, by_word=by_word)(log_softmax(logits))
    assert set(reading.text) <= set(CHARSET.characters)
    assert 0.0 <= reading.confidence <= 1.0
    assert all(0.0 <= span.confidence <= 1.0 for span in reading.char_spans)


def test_a_wholly_nan_model_output_reads_as_nothing_confident():
    reading = Decoder(DecoderConfig("beamsearch"), CHARSET)(log_softmax(np.full((20, CHARSET.num_classes), np.nan)))
    assert np.isfinite(reading.confidence)
