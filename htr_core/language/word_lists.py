"""The languages the reader decodes and corrects in, and each one's word counts.

English keeps autocorrect's list (the decoders and the word check were tuned on it); French
comes from ``wordfreq``'s frequency list, which ships inside the package (autocorrect's own
French list is downloaded at first use, which a server with no network cannot do).
"""

from __future__ import annotations

import functools

from htr_core.choices import LANGUAGES
LANGUAGE_NAMES = {"en": "English", "fr": "French"}
WORDFREQ_SCALE = 1e9  # wordfreq gives frequencies per word; counts keep integer tables


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of {', '.join(LANGUAGES)}")
    return language


@functools.lru_cache(maxsize=len(LANGUAGES))
def word_counts(language: str) -> dict[str, int]:
    """Word -> frequency count for ``language`` (lower case)."""
    check_language(language)
    if language == "en":
        from autocorrect import Speller

        return dict(Speller("en").nlp_data)
    from wordfreq import get_frequency_dict

    return {word: max(1, int(frequency * WORDFREQ_SCALE))
            for word, frequency in get_frequency_dict(language, wordlist="best").items()}
