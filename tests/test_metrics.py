import pytest

from htr_core.evaluation.metrics import error_rates, normalise_loose


def test_cer_and_wer_sum_over_the_set():
    rates = error_rates(["abcd", "hello world"], ["abed", "hello word"])
    assert rates.char_errors == 2 and rates.chars == 15
    assert rates.cer == pytest.approx(2 / 15)
    assert rates.word_errors == 2 and rates.words == 3
    assert rates.exact == 0.0


def test_case_insensitive_ignores_case_and_punctuation():
    assert normalise_loose("Hello,  World!") == "hello world"
    rates = error_rates(["Hello, World!"], ["hello world"], loose=True)
    assert rates.cer == 0 and rates.exact == 1.0


def test_whitespace_is_collapsed_in_strict_mode():
    assert error_rates(["a  b"], [" a b "]).cer == 0


def test_lengths_must_match():
    with pytest.raises(ValueError):
        error_rates(["a"], [])
