"""Loaders on tiny fixtures: IAM, pairs, label tables, LMDB, simulated lines, synthetic text."""

import re

import numpy as np
import pytest
from PIL import Image

from htr_core.charset import Charset
from htr_core.data.batching import make_batch, usable_indices
from htr_core.data.dataset import ArrayDataset, ConcatDataset, FileDataset
from htr_core.data.forms import FormFieldDataset, compose_form_field
from htr_core.data.iam import load_iam_lines, load_iam_words
from htr_core.data.lines import SimulatedLineDataset, paste_words
from htr_core.data.lmdb_cache import LmdbDataset, build_lmdb_cache
from htr_core.data.pairs import load_label_table, load_pairs
from htr_core.data.synthetic import SyntheticDataset, TextSampler, find_fonts

from conftest import FONTS_DIR, SHARED_DATA, draw_text


def test_iam_words_with_writer_split(iam_fixture):
    everything = load_iam_words(iam_fixture)
    assert [s.text for s in everything] == ["A", "MOVE", "to", "stop", "Mr."]
    train = load_iam_words(iam_fixture, split="train")
    assert {s.writer for s in train} == {"000"} and len(train) == 3
    assert [s.text for s in load_iam_words(iam_fixture, split="val")] == ["stop", "Mr."]
    assert train[0].group == "a01-000u-00"
    grey, text = FileDataset(train)[1]
    assert grey.dtype == np.uint8 and text == "MOVE"


def test_iam_lines_join_words_with_spaces(iam_fixture):
    lines = load_iam_lines(iam_fixture, split="train")
    assert [s.text for s in lines] == ["A MOVE to"]


def test_iam_missing_images_are_skipped(iam_fixture):
    (iam_fixture / "words" / "b02" / "b02-001" / "b02-001-00-00.png").unlink()
    assert [s.text for s in load_iam_words(iam_fixture)] == ["A", "MOVE", "to", "Mr."]


def test_iam_errors_are_clear(tmp_path, iam_fixture):
    with pytest.raises(FileNotFoundError, match="IAM"):
        load_iam_words(tmp_path)
    (iam_fixture / "writers.tsv").unlink()
    with pytest.raises(ValueError, match="writers.tsv"):
        load_iam_words(iam_fixture, split="val")


def test_pairs_folder(pairs_fixture):
    samples = load_pairs(pairs_fixture)
    assert sorted(s.text for s in samples) == ["cat", "dog", "the end"]


def test_label_table(tmp_path):
    (tmp_path / "images").mkdir()
    Image.fromarray(draw_text("LEA")).save(tmp_path / "images" / "a.jpg")
    (tmp_path / "labels.tsv").write_text("images/a.jpg\tLEA\nimages/missing.jpg\tBOB\n")
    assert [(s.key, s.text) for s in load_label_table(tmp_path)] == [("images/a.jpg", "LEA")]


def test_lmdb_cache_round_trip(tmp_path, pairs_fixture):
    source = FileDataset(load_pairs(pairs_fixture))
    cache = build_lmdb_cache(source, tmp_path / "cache.lmdb")
    cached = LmdbDataset(cache)
    assert len(cached) == len(source) and cached.texts() == source.texts()
    for index in range(len(source)):
        assert np.array_equal(cached[index][0], source[index][0])
    with pytest.raises(IndexError):
        cached[len(source)]


def test_lmdb_missing_cache_is_clear(tmp_path):
    with pytest.raises(FileNotFoundError):
        LmdbDataset(tmp_path / "none.lmdb")


def test_paste_words_builds_one_line():
    words = [draw_text("one"), draw_text("two")]
    line = paste_words(words, np.random.default_rng(0))
    assert line.shape[1] > words[0].shape[1] + words[1].shape[1]
    assert line.min() == 0 and line.max() == 255


def test_simulated_lines_group_words_of_one_line(iam_fixture):
    lines = SimulatedLineDataset(load_iam_words(iam_fixture), max_words=2)
    texts = sorted(lines[i][1] for i in range(len(lines)))
    assert texts == ["A MOVE", "stop Mr.", "to"]


def test_concat_dataset_indexes_across_parts():
    a = ArrayDataset([np.zeros((2, 2), np.uint8)], ["a"])
    b = ArrayDataset([np.zeros((2, 2), np.uint8)] * 2, ["b", "c"])
    joined = ConcatDataset([a, b])
    assert len(joined) == 3 and [joined[i][1] for i in range(3)] == ["a", "b", "c"]
    with pytest.raises(IndexError):
        joined[3]


@pytest.mark.skipif(not FONTS_DIR.exists(), reason="shared fonts not present")
def test_synthetic_words_and_lines():
    fonts = find_fonts(FONTS_DIR)
    words = SyntheticDataset(FONTS_DIR, 20, seed=1)
    lines = SyntheticDataset(FONTS_DIR, 5, line_mode=True, seed=2, fonts=fonts[:3])
    charset = Charset()
    for dataset in (words, lines):
        for index in range(len(dataset)):
            grey, text = dataset[index]
            assert grey.dtype == np.uint8 and grey.ndim == 2 and grey.min() < 128
            assert text and not charset.unknown_characters(text)
    assert " " in lines[0][1]


@pytest.mark.skipif(not FONTS_DIR.exists(), reason="shared fonts not present")
def test_spaced_rendering_widens_word_gaps_more_than_letter_gaps():
    from htr_core.data.synthetic import render_text
    from htr_core.recognition.crops import true_runs

    font = find_fonts(FONTS_DIR)[0]

    def widest_gaps(image):
        runs = true_runs((image < 128).any(axis=0))
        return sorted(runs[1:, 0] - runs[:-1, 1])[-2:]  # the two word gaps of three words

    tight = render_text("one two six", font, np.random.default_rng(5))
    spaced = render_text("one two six", font, np.random.default_rng(5), tracking=0.1, word_spacing=0.6)
    assert spaced.shape[0] == tight.shape[0] and spaced.shape[1] > tight.shape[1]
    assert min(widest_gaps(spaced)) >= min(widest_gaps(tight)) + 10


def test_form_fields_put_printed_context_around_the_untouched_handwriting():
    word, neighbour = draw_text("Julien"), draw_text("above")
    h, w = word.shape
    rng = np.random.default_rng(0)
    for _ in range(30):
        field = compose_form_field(word, rng, neighbour)
        assert field.dtype == np.uint8 and field.shape[0] >= h and field.shape[1] > w
        assert (field[:, : field.shape[1] - w] < 128).any()  # a printed label before the writing
        right = field[:, -w:]
        # All the handwriting is there, at most darkened where a rule runs under it.
        assert any((right[top : top + h] <= word).all() for top in range(field.shape[0] - h + 1))


def test_form_field_dataset_keeps_labels_and_frames_its_share():
    word = draw_text("Julien")
    framed = FormFieldDataset(ArrayDataset([word] * 4, ["Julien"] * 4), 1.0, seed=1)
    assert all(framed[i][1] == "Julien" and framed[i][0].shape[1] > word.shape[1] for i in range(4))
    assert framed.texts() == ["Julien"] * 4
    plain = FormFieldDataset(ArrayDataset([word], ["Julien"]), 0.0)
    assert np.array_equal(plain[0][0], word)
    with pytest.raises(ValueError, match="fraction"):
        FormFieldDataset(ArrayDataset([word], ["Julien"]), 1.5)


def test_text_sampler_is_seeded():
    first = [TextSampler(np.random.default_rng(5)).line() for _ in range(1)]
    again = [TextSampler(np.random.default_rng(5)).line() for _ in range(1)]
    assert first == again


def test_text_sampler_fields_include_compound_names_in_the_charset():
    sampler = TextSampler(np.random.default_rng(3))
    fields = [sampler.field() for _ in range(1000)]
    compounds = [f for f in fields if re.fullmatch(r"[A-Z][a-z]+(-| - | )[A-Z][a-z]+", f)]
    assert 20 <= len(compounds) <= 100  # about COMPOUND_SHARE of them
    assert any("-" in f for f in compounds) and any(f.count(" ") == 1 for f in compounds)
    assert usable_indices(fields, Charset(), 64).size == len(fields)


def test_batches_pad_labels_and_blank_out_unusable_items():
    charset = Charset()
    dataset = ArrayDataset([draw_text("ab"), draw_text("x€y")], ["ab", "x€y"])
    assert usable_indices(["ab", "x€y", "", "a" * 100], charset, 16).tolist() == [0]
    batch = make_batch(dataset, np.array([0, 1]), charset, 32, 128)
    assert batch.images.shape == (2, 32, 128, 1)
    assert batch.labels.shape == (2, 16)  # fixed width for every batch: 128 // 4 // 2
    assert batch.labels[0, :3].tolist() == list(charset.encode("ab")) + [0] and not batch.labels[1].any()
    assert batch.texts == ("ab", "") and not batch.images[1].any()


def test_pasted_punctuation_sits_low_against_its_word():
    word, comma = draw_text("word"), draw_text(",")
    rng = np.random.default_rng(0)
    line = paste_words([word, comma], rng, ["word", ","])
    # Joined: at most a tenth of the word's height between them, not a word gap.
    assert line.shape[1] <= word.shape[1] + comma.shape[1] + 0.1 * word.shape[0]
    comma_rows = np.nonzero((line[:, word.shape[1]:] < 128).any(axis=1))[0]
    word_rows = np.nonzero((line[:, : word.shape[1]] < 128).any(axis=1))[0]
    assert comma_rows.mean() > word_rows.mean()  # on the baseline, not mid-line
    apart = paste_words([word, draw_text("two")], np.random.default_rng(0), ["word", "two"])
    assert apart.shape[1] >= word.shape[1] + draw_text("two").shape[1] + 0.25 * word.shape[0] - 1


def test_synthetic_lines_are_labelled_as_written():
    texts = [TextSampler(np.random.default_rng(seed)).line() for seed in range(200)]
    assert not any(re.search(r" [,.;:!?)]", text) for text in texts)
    assert any(re.search(r"\w[,.;:!?]", text) for text in texts)


@pytest.mark.skipif(not (SHARED_DATA / "washington").exists(), reason="shared data not present")
def test_washington_lines_are_labelled_as_written():
    from htr_core.data.washington_gt import washington_pages

    texts = [text for page in washington_pages(SHARED_DATA / "washington", "dev") for text in page.line_texts]
    assert not any(re.search(r" [,.;:!?]", text) for text in texts)
    assert sum(text.count(",") for text in texts) > 10


def test_stroke_faces_draw_every_character_a_line_model_reads():
    from htr_core.data.strokes import PRINT_FONTS, SCRIPT_FONTS, has_strokes

    for face in PRINT_FONTS + SCRIPT_FONTS:
        assert has_strokes(Charset().characters, face), face


def test_stroke_drawn_words_are_dark_ink_on_white_and_repeatable():
    from htr_core.data.strokes import StrokeDataset, draw_strokes

    image = draw_strokes("Quick brown fox", "futural", np.random.default_rng(0))
    assert image.dtype == np.uint8 and image.max() == 255 and image.min() < 90
    # Margins are paper: the ink stays inside the image.
    assert (image[:2] == 255).all() and (image[-2:] == 255).all() and (image[:, :2] == 255).all()
    wide = draw_strokes("Quick  brown  fox", "futural", np.random.default_rng(0))
    assert wide.shape[1] > image.shape[1]
    first, again = StrokeDataset(3, line_mode=True, seed=4), StrokeDataset(3, line_mode=True, seed=4)
    for index in range(3):
        (a, text_a), (b, text_b) = first[index], again[index]
        assert text_a == text_b and np.array_equal(a, b)
    with pytest.raises(ValueError, match="nothing to draw"):
        draw_strokes("  ", "futural", np.random.default_rng(0))
