import numpy as np
import pytest

from htr_core.charset import BLANK_INDEX, Charset, UnknownCharacterError


def test_blank_is_zero_and_classes_include_it():
    charset = Charset("abc")
    assert charset.blank_index == BLANK_INDEX == 0
    assert charset.num_classes == 4


def test_encode_decode_round_trip():
    charset = Charset()
    text = 'Hello, "World" 42!'
    codes = charset.encode(text)
    assert codes.dtype == np.int32 and codes.min() >= 1
    assert charset.decode(codes) == text


def test_decode_drops_blank_and_out_of_range():
    assert Charset("ab").decode([0, 1, 0, 2, 99]) == "ab"


def test_unknown_character_is_a_clear_error():
    with pytest.raises(UnknownCharacterError, match="€"):
        Charset().encode("5€")


def test_duplicate_characters_rejected():
    with pytest.raises(ValueError):
        Charset("aab")


def test_save_load_keeps_space(tmp_path):
    charset = Charset(" ab")
    charset.save(tmp_path / "charset.txt")
    assert Charset.load(tmp_path / "charset.txt") == charset


def test_the_multilingual_charset_extends_the_english_one_in_place():
    from htr_core.charset import CHARSETS

    english, both = CHARSETS["english"], CHARSETS["multilingual"]
    assert both.startswith(english)  # English classes keep their indices
    for char in "éèêëàâçîïôöùûüœæÿÉÈÀÇŒ«»€":
        assert char in both, char
    assert Charset(both).encode("l'été à Noël") is not None


def test_remap_rows_finds_each_characters_source_class():
    rows = Charset("aéœ").remap_rows(Charset("ea"))
    assert rows.tolist() == [0, 2, 1, -1]  # blank, "a", "é" from "e", "œ" has no source


def test_typographic_marks_read_as_the_ones_a_pen_writes():
    from htr_core.charset import normalise_text

    assert normalise_text("l’eau – “oui”") == "l'eau - \"oui\""
