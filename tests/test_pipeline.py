"""Pipeline on drawn pages with a scripted model call: levels, batching, words, correction."""

import numpy as np
import pytest

from htr_core.pipeline import Pipeline, PipelineSettings
from htr_core.spell import SpellCorrector
from htr_core.types import PageResult

from conftest import draw_page, draw_text

LINES = ["the quick brown fox", "jumps over the lazy", "dog and then it sleeps"]


def test_page_is_read_line_by_line_in_one_batch(fake_recognizer):
    page, _ = draw_page(LINES)
    recognizer = fake_recognizer(["the quikc brown fox", "jumps over", "dog"])
    result = Pipeline(recognizer, corrector=SpellCorrector()).read(page)
    assert result.level == "page" and len(result.lines) == 3
    assert [line.text for line in result.lines] == ["the quikc brown fox", "jumps over", "dog"]
    assert result.lines[0].corrected == "the quick brown fox"
    assert recognizer.calls == [(3, 32, 512, 1)]
    tops = [line.box.y0 for line in result.lines]
    assert tops == sorted(tops)
    for line in result.lines:  # each line is outlined by its ink's polygon, within its box
        xs, ys = zip(*line.polygon)
        assert line.box.x0 <= min(xs) and min(ys) >= line.box.y0 and max(ys) <= line.box.y1


def test_words_get_boxes_inside_their_line_in_reading_order(fake_recognizer):
    page, _ = draw_page(LINES[:1])
    result = Pipeline(fake_recognizer(["a bb ccc"]), settings=PipelineSettings(level="line")).read(page)
    line = result.lines[0]
    assert [w.text for w in line.words] == ["a", "bb", "ccc"]
    for word in line.words:
        assert line.box.x0 <= word.box.x0 < word.box.x1 <= line.box.x1
    assert [w.box.x0 for w in line.words] == sorted(w.box.x0 for w in line.words)


def test_the_word_model_checks_each_word_of_a_line_reading(fake_recognizer):
    page, _ = draw_page(LINES[:1])
    line_model = fake_recognizer(["a bb ccc"] * 3)
    word_model = fake_recognizer(["a", "bb", "ccc"], line_mode=False, width=128, name="word")
    line = Pipeline(line_model, word_model, settings=PipelineSettings(level="line")).read(page).lines[0]
    assert sum(shape[0] for shape in word_model.calls) == 3  # one crop a word, in one batch
    assert [w.text for w in line.words] == ["a", "bb", "ccc"]
    # Without a weight for it, or with a decoder other than the models' defaults, it is not asked.
    for settings in (PipelineSettings(level="line", word_check=0.0), PipelineSettings(level="line", decoder="beamsearch")):
        word_model.calls.clear()
        Pipeline(line_model, word_model, settings=settings).read(page)
        assert word_model.calls == []


def test_the_check_weighs_words_in_context_with_the_english_bigram_model(fake_recognizer, monkeypatch):
    import htr_core.pipeline as pipeline_module
    from htr_core.language_model import BigramModel

    asked = []
    real_check = pipeline_module.check_lines
    monkeypatch.setattr(pipeline_module, "check_lines",
                        lambda *args: asked.append(args[-2:]) or real_check(*args))
    page, _ = draw_page(LINES[:1])
    word_model = fake_recognizer([], line_mode=False, width=128, name="word")
    for weight, model in ((0.6, BigramModel.english()), (0.0, None)):
        settings = PipelineSettings(level="line", language_model=weight)
        Pipeline(fake_recognizer(["a bb ccc"]), word_model, settings=settings).read(page)
        assert asked.pop() == (model, weight)


def test_auto_level_reads_a_single_word_with_the_word_model(fake_recognizer):
    word_model = fake_recognizer(["hello"], line_mode=False, width=128, name="word")
    line_model = fake_recognizer(["never used"])
    result = Pipeline(line_model, word_model).read(draw_text("hello"))
    assert result.level == "word" and result.text == "hello"
    assert line_model.calls == []


def test_word_reader_reads_each_segmented_word(fake_recognizer):
    page, _ = draw_page(LINES[:2])
    word_model = fake_recognizer(["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy"],
                                 line_mode=False, width=128, name="word")
    settings = PipelineSettings(reader="word", level="page", spell=False)
    result = Pipeline(None, word_model, settings=settings).read(page)
    assert result.text == "the quick brown fox\njumps over the lazy"
    assert [len(line.words) for line in result.lines] == [4, 4]


def test_blank_page_gives_an_empty_result(fake_recognizer):
    result = Pipeline(fake_recognizer([])).read(np.full((600, 400), 240, np.uint8))
    assert result.lines == () and result.text == ""


def test_progress_is_reported(fake_recognizer):
    page, _ = draw_page(LINES)
    seen = []
    Pipeline(fake_recognizer(["x"] * 3)).read(page, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)  # once the lines are found, then as they are read


def test_result_round_trips_through_dict(fake_recognizer):
    page, _ = draw_page(LINES[:2])
    result = Pipeline(fake_recognizer(["ab cd", "ef"])).read(page)
    assert PageResult.from_dict(result.to_dict()) == result


def test_settings_are_checked(fake_recognizer):
    with pytest.raises(ValueError, match="level"):
        Pipeline(fake_recognizer([]), settings=PipelineSettings(level="paragraph"))
    with pytest.raises(ValueError, match="unknown reader 'letter'"):
        Pipeline(fake_recognizer([]), settings=PipelineSettings(reader="letter"))
    with pytest.raises(ValueError):
        Pipeline(None, None)


def test_a_page_of_printed_text_is_segmented_and_read(fake_recognizer):
    page, _ = draw_page(["Printed text, not handwriting.", "A second printed line here."], size=28, printed=True)
    result = Pipeline(fake_recognizer(["printed", "second"])).read(page)
    assert result.level == "page" and [line.text for line in result.lines] == ["printed", "second"]


def test_a_lexicon_reading_is_the_correction_and_the_network_reading_the_raw_text(fake_recognizer):
    from dataclasses import replace

    page, _ = draw_page(LINES[:1])
    recognizer = fake_recognizer(["the quikc brown fox"] * 2)
    network_reading = recognizer.decode_logits

    def lexicon_decoder(logits, decoder=None):  # a lexicon decoder's result: corrected, free text kept
        free = network_reading(logits, "bestpath")
        return replace(free, text=free.text.replace("quikc", "quick"), free_text=free.text)

    recognizer.decode_logits = lexicon_decoder
    # A spell checker that would change "brown": it must not run over a lexicon decoder's reading.
    corrector = SpellCorrector(word_counts={"brows": 100, "the": 100, "fox": 100, "quick": 100})
    line = Pipeline(recognizer, corrector=corrector, settings=PipelineSettings(level="line")).read(page).lines[0]
    assert line.text == "the quikc brown fox" and line.corrected == "the quick brown fox"
    recognizer.decode_logits = network_reading  # a plain reading is spell-checked
    line = Pipeline(recognizer, corrector=corrector, settings=PipelineSettings(level="line")).read(page).lines[0]
    assert line.text == "the quikc brown fox" and line.corrected == "the quick brows fox"


def test_lines_read_at_very_low_confidence_are_flagged_and_can_be_left_out(fake_recognizer):
    page, _ = draw_page(LINES[:2])
    for drop, expected in ((False, 2), (True, 1)):
        recognizer = fake_recognizer(["sure line", "unsure line"])
        real_run = recognizer._run

        def doubtful_second(batch, real_run=real_run):
            logits = real_run(batch)
            logits[1] = logits[1] * 0.02  # nearly flat: a reading no one should trust
            return logits

        recognizer._run = doubtful_second
        settings = PipelineSettings(level="page", drop_flagged=drop, word_check=0.0)
        result = Pipeline(recognizer, settings=settings).read(page)
        assert len(result.lines) == expected
        assert [line.flagged for line in result.lines] == [False, True][:expected]
        assert result.to_dict()["lines"][0]["flagged"] is False
