"""Reading in English or French: lexicons, spelling lists, and the setting in pipeline, CLI, API and app."""

import pytest

from htr_core.decoding.lexicon import Lexicon
from htr_core.choices import LANGUAGES
from htr_core.language.word_lists import check_language, word_counts
from htr_core.pipeline import Pipeline, PipelineSettings
from htr_core.correction.spell import SpellCorrector

from conftest import draw_page


def test_each_language_has_its_own_word_list():
    assert LANGUAGES == ("en", "fr")
    french, english = Lexicon.for_language("fr", 50000), Lexicon.for_language("en", 50000)
    for word in ("été", "français", "québec", "rivière"):
        assert word in french and word not in english, word
    assert "although" in english and "although" not in french
    assert Lexicon.for_language("fr", 50000) is french  # one shared copy a language and size
    assert word_counts("fr")["de"] > word_counts("fr")["rivière"]
    with pytest.raises(ValueError, match="language"):
        check_language("de")


def test_spelling_is_corrected_against_the_chosen_language():
    assert SpellCorrector(language="fr").correct("bonjor Québc") == "bonjour Québec"
    # English leaves alone a word its alphabet cannot spell, instead of cutting it down.
    assert SpellCorrector().correct("un café") == "un café"


def test_french_reads_with_the_french_lexicon_and_without_the_english_checks(fake_reader):
    page, _ = draw_page(["a bb ccc"])
    line_model = fake_reader(["a bb ccc"] * 4)
    word_model = fake_reader([], line_mode=False, width=128, name="word")
    english = Pipeline(line_model, word_model, settings=PipelineSettings(level="line"))
    english.read(page)
    assert word_model.recognizer.calls  # the word model checks English lines
    word_model.recognizer.calls.clear()
    french = english.with_settings(PipelineSettings(level="line", language="fr"))
    decoder = french.line_reader.decoder
    assert decoder.lexicon is Lexicon.for_language("fr", decoder.config.lexicon_size)
    assert french.line_reader.recognizer is line_model.recognizer and french.corrector.language == "fr"
    assert french.word_check is None
    french.read(page)
    assert word_model.recognizer.calls == []  # no word model check, no English word pairs
    assert english.line_reader.decoder.language == "en"  # the English pipeline is unchanged
    with pytest.raises(ValueError, match="language"):
        Pipeline(line_model, settings=PipelineSettings(language="xx"))
