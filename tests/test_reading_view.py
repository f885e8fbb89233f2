"""The app's reading view: clicks land on the right line, marks land on the right words."""

from htr_core.view.reading_view import changed_words, corrected_markdown, escape_markdown, line_at, raw_markdown
from htr_core.types import Box, LineResult, PageResult, WordResult


def page_of(*boxes) -> PageResult:
    return PageResult(200, 200, tuple(LineResult(Box(*b), f"line {i}", 0.9, f"line {i}") for i, b in enumerate(boxes)))


def test_a_click_picks_the_line_under_it_the_smallest_of_nested_ones_or_none():
    page = page_of((0, 0, 200, 40), (0, 50, 200, 90), (10, 55, 60, 85))
    assert line_at(page, 100, 20) == 0
    assert line_at(page, 100, 60) == 1
    assert line_at(page, 30, 70) == 2  # inside both: the smaller box
    assert line_at(page, 100, 43) == 0  # a few pixels off a line still picks it
    assert line_at(page, 100, 150) is None
    assert line_at(PageResult(10, 10, ()), 5, 5) is None


def test_changed_words_marks_substitutions_and_insertions_only():
    assert changed_words("the qick fox", "the quick fox") == [False, True, False]
    assert changed_words("a b", "a new b") == [False, True, False]
    assert changed_words("same words", "same words") == [False, False]
    assert changed_words("", "added") == [True]


def test_markdown_marks_unsure_and_corrected_words_and_escapes_the_rest():
    line = LineResult(Box(0, 0, 10, 10), "teh *cat*", 0.5, "the *cat*",
                      words=(WordResult(Box(0, 0, 5, 10), "teh", 0.2), WordResult(Box(5, 0, 10, 10), "*cat*", 0.9)))
    assert raw_markdown(line, 0.5) == r":red[teh] \*cat\*"
    assert corrected_markdown(line) == r":blue-background[the] \*cat\*"
    assert corrected_markdown(line, "the dog") == ":blue-background[the] :blue-background[dog]"
    assert escape_markdown("a]b:[c") == r"a\]b\:\[c"
