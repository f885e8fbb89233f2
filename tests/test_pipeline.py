"""Pipeline on drawn pages with a scripted model call: levels, batching, words, correction."""

import numpy as np
import pytest

from htr_core.pipeline import Pipeline, PipelineSettings
from htr_core.correction.spell import SpellCorrector
from htr_core.types import PageResult

from conftest import draw_page, draw_text

LINES = ["the quick brown fox", "jumps over the lazy", "dog and then it sleeps"]


def test_page_is_read_line_by_line_in_one_batch(fake_reader):
    page, _ = draw_page(LINES)
    recognizer = fake_reader(["the quikc brown fox", "jumps over", "dog"])
    result = Pipeline(recognizer, corrector=SpellCorrector()).read(page)
    assert result.level == "page" and len(result.lines) == 3
    assert [line.raw_text for line in result.lines] == ["the quikc brown fox", "jumps over", "dog"]
    assert result.lines[0].text == "the quick brown fox"
    assert recognizer.recognizer.calls == [(3, 32, 512, 1)]
    tops = [line.box.y0 for line in result.lines]
    assert tops == sorted(tops)
    for line in result.lines:  # each line is outlined by its ink's polygon, within its box
        xs, ys = zip(*line.polygon)
        assert line.box.x0 <= min(xs) and min(ys) >= line.box.y0 and max(ys) <= line.box.y1


def test_words_get_boxes_inside_their_line_in_reading_order(fake_reader):
    page, _ = draw_page(LINES[:1])
    result = Pipeline(fake_reader(["a bb ccc"]), settings=PipelineSettings(level="line")).read(page)
    line = result.lines[0]
    assert [w.text for w in line.words] == ["a", "bb", "ccc"]
    for word in line.words:
        assert line.box.x0 <= word.box.x0 < word.box.x1 <= line.box.x1
    assert [w.box.x0 for w in line.words] == sorted(w.box.x0 for w in line.words)


def test_the_word_model_checks_each_word_of_a_line_reading(fake_reader):
    page, _ = draw_page(LINES[:1])
    line_model = fake_reader(["a bb ccc"] * 3)
    word_model = fake_reader(["a", "bb", "ccc"], line_mode=False, width=128, name="word")
    line = Pipeline(line_model, word_model, settings=PipelineSettings(level="line")).read(page).lines[0]
    assert sum(shape[0] for shape in word_model.recognizer.calls) == 3  # one crop a word, in one batch
    assert [w.text for w in line.words] == ["a", "bb", "ccc"]
    # Without a weight for it, or with a decoder other than the models' defaults, it is not asked.
    for settings in (PipelineSettings(level="line", word_check=False), PipelineSettings(level="line", decoder="beamsearch")):
        word_model.recognizer.calls.clear()
        Pipeline(line_model, word_model, settings=settings).read(page)
        assert word_model.recognizer.calls == []


def test_the_check_takes_its_weights_from_the_line_models_config(fake_reader):
    from htr_core.language.bigrams import BigramModel
    from htr_core.recognition.model_config import WordCheckConfig

    word_model = fake_reader([], line_mode=False, width=128, name="word")
    line_model = fake_reader(["a bb ccc"], word_check=WordCheckConfig(word_weight=0.4, lm_weight=0.3))
    check = Pipeline(line_model, word_model, settings=PipelineSettings(level="line")).word_check
    assert check.config == WordCheckConfig(0.4, 0.3) and check.language_model is BigramModel.english()
    without_pairs = Pipeline(line_model, word_model, settings=PipelineSettings(level="line", language_model=False))
    assert without_pairs.word_check.language_model is None
    # A line model whose config has no weights for the check (never tuned) is not checked.
    untuned = fake_reader(["a bb ccc"], name="untuned", word_check=None)
    assert Pipeline(untuned, word_model).word_check is None


def test_auto_level_reads_a_single_word_with_the_word_model(fake_reader):
    word_model = fake_reader(["hello"], line_mode=False, width=128, name="word")
    line_model = fake_reader(["never used"])
    result = Pipeline(line_model, word_model).read(draw_text("hello"))
    assert result.level == "word" and result.text == "hello"
    assert line_model.recognizer.calls == []


def test_word_reader_reads_each_segmented_word(fake_reader):
    page, _ = draw_page(LINES[:2])
    word_model = fake_reader(["the", "quick", "brown", "fox", "jumps", "over", "the", "lazy"],
                                 line_mode=False, width=128, name="word")
    settings = PipelineSettings(reader="word", level="page", spell=False)
    result = Pipeline(None, word_model, settings=settings).read(page)
    assert result.text == "the quick brown fox\njumps over the lazy"
    assert [len(line.words) for line in result.lines] == [4, 4]


def test_blank_page_gives_an_empty_result(fake_reader):
    result = Pipeline(fake_reader([])).read(np.full((600, 400), 240, np.uint8))
    assert result.lines == () and result.text == ""


def test_progress_is_reported(fake_reader):
    page, _ = draw_page(LINES)
    seen = []
    Pipeline(fake_reader(["x"] * 3)).read(page, progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 3) and seen[-1] == (3, 3)  # once the lines are found, then as they are read


def test_result_round_trips_through_dict(fake_reader):
    page, _ = draw_page(LINES[:2])
    result = Pipeline(fake_reader(["ab cd", "ef"])).read(page)
    assert PageResult.from_dict(result.to_dict()) == result


def test_settings_are_checked(fake_reader):
    with pytest.raises(ValueError, match="level"):
        Pipeline(fake_reader([]), settings=PipelineSettings(level="paragraph"))
    with pytest.raises(ValueError, match="unknown reader 'letter'"):
        Pipeline(fake_reader([]), settings=PipelineSettings(reader="letter"))
    with pytest.raises(ValueError):
        Pipeline(None, None)


def test_a_page_of_printed_text_is_segmented_and_read(fake_reader):
    page, _ = draw_page(["Printed text, not handwriting.", "A second printed line here."], size=28, printed=True)
    result = Pipeline(fake_reader(["printed", "second"])).read(page)
    assert result.level == "page" and [line.raw_text for line in result.lines] == ["printed", "second"]


def test_a_lexicon_reading_is_the_correction_and_the_network_reading_the_raw_text(fake_reader):
    from dataclasses import replace

    from htr_core.decoding.decoder import Decoder

    class LexiconLike(Decoder):  # a lexicon decoder's result: corrected, the free text kept
        def decode_many(self, frames):
            return [replace(free, text=free.text.replace("quikc", "quick"), free_text=free.text)
                    for free in super().decode_many(frames)]

    page, _ = draw_page(LINES[:1])
    reader = fake_reader(["the quikc brown fox"] * 2)
    lexicon_reader = replace(reader, decoder=LexiconLike(reader.decoder.config, reader.recognizer.charset))
    # A spell checker that would change "brown": it must not run over a lexicon decoder's reading.
    corrector = SpellCorrector(word_counts={"brows": 100, "the": 100, "fox": 100, "quick": 100})
    line = Pipeline(lexicon_reader, corrector=corrector, settings=PipelineSettings(level="line")).read(page).lines[0]
    assert line.raw_text == "the quikc brown fox" and line.text == "the quick brown fox"
    # A plain reading is spell-checked.
    line = Pipeline(reader, corrector=corrector, settings=PipelineSettings(level="line")).read(page).lines[0]
    assert line.raw_text == "the quikc brown fox" and line.text == "the quick brows fox"


def test_lines_read_at_very_low_confidence_are_flagged_and_can_be_left_out(fake_reader):
    page, _ = draw_page(LINES[:2])
    for drop, expected in ((False, 2), (True, 1)):
        reader = fake_reader(["sure line", "unsure line"])
        recognizer = reader.recognizer
        real_run = recognizer._run

        def doubtful_second(batch, real_run=real_run):
            logits = real_run(batch)
            logits[1] = logits[1] * 0.02  # nearly flat: a reading no one should trust
            return logits

        recognizer._run = doubtful_second
        settings = PipelineSettings(level="page", drop_flagged=drop, word_check=False)
        result = Pipeline(reader, settings=settings).read(page)
        assert len(result.lines) == expected
        assert [line.flagged for line in result.lines] == [False, True][:expected]
        assert result.to_dict()["lines"][0]["flagged"] is False


def test_a_page_read_two_batches_at_a_time_reads_as_one_at_a_time():
    """The shipped models on a real page of more lines than one batch: the same lines, texts and
    boxes, and progress reported batch by batch in order, whether batches are read one or two at a time."""
    from pathlib import Path

    from htr_core.io.images import read_image
    from htr_core.pipeline import LINE_BATCH

    page = read_image(Path(__file__).resolve().parent.parent / "sample_images" / "page_washington_300.jpg")
    results, progress = [], []
    for workers in (1, 2):
        pipeline = Pipeline.from_model_dir(settings=PipelineSettings(level="page"), workers=workers)
        seen = []
        results.append(pipeline.read(page, progress=lambda done, total: seen.append((done, total))))
        progress.append(seen)
    assert len(results[0].lines) > LINE_BATCH
    assert results[1] == results[0]
    assert progress[1] == progress[0] and [done for done, _ in progress[0]] == sorted(done for done, _ in progress[0])


def test_workers_are_checked(fake_reader):
    with pytest.raises(ValueError, match="workers"):
        Pipeline(fake_reader([]), workers=0)


@pytest.mark.parametrize("level", ["line", "auto"])
def test_a_drawings_thick_pen_is_thinned_before_it_is_read_at_any_level(fake_reader, level):
    from dataclasses import replace

    from htr_core.data.canvas import draw_on_canvas
    from test_drawing import strokes_of

    grey = draw_on_canvas([strokes_of("the cat sat", "futural")], pen=14)
    inked = []
    for share in (0.0, 0.06):
        reader = fake_reader(["the cat sat"])
        seen = reader.recognizer._run
        reader.recognizer._run = lambda batch, seen=seen: inked.append(float(batch.sum())) or seen(batch)
        drawing = PipelineSettings(level=level, word_check=False).for_drawing()
        settings = replace(drawing, segmentation=replace(drawing.segmentation, pen_share=share))
        assert Pipeline(reader, settings=settings).read(grey).text == "the cat sat"
    assert inked[1] < 0.8 * inked[0]
