"""Spaces between written tokens: punctuation against its word, as people write it."""

from htr_core.language.spacing import attaches_left, join_tokens, tidy_spacing


def test_iam_style_tokens_are_joined_as_written():
    tokens = ["body", ".", "In", "the", "(", "short", ")", "term", ",", "it", "works", "!"]
    assert join_tokens(tokens) == "body. In the (short) term, it works!"


def test_lone_quotes_dashes_and_abbreviations_keep_their_spaces():
    # A lone quote or dash could open or close; "Mr." is a word of its own.
    assert join_tokens(['"', "Yes", '"', "-", "stop", "Mr.", "Foot"]) == '" Yes " - stop Mr. Foot'
    assert not attaches_left("Mr.") and not attaches_left("-") and not attaches_left("'")


def test_readings_lose_the_spaces_before_punctuation_and_torn_contractions():
    assert tidy_spacing("You can 't touch Stress , but stress -relieving ( deep ) breaths . ..") == \
        "You can't touch Stress, but stress-relieving (deep) breaths..."
    assert tidy_spacing("a - b") == "a - b"
    assert tidy_spacing("") == ""
