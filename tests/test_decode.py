"""CTC decoders on hand-made probability matrices with known answers."""

import numpy as np
import pytest

from htr_core.charset import Charset
from htr_core.decoding.beam_search import (LexiconConstraint, free_beam_search, prefix_beam_search,
                                           prefix_beam_searches)
from htr_core.decoding.config import DecoderConfig
from htr_core.decoding.ctc import align, best_path, ctc_log_likelihoods, decoded_from_text, log_softmax
from htr_core.decoding.decoder import Decoder
from htr_core.decoding.lexicon import NO_NODE, Lexicon

AB = Charset("ab")  # blank 0, a 1, b 2


def logits(rows):
    """Probability rows -> their log-probabilities (what the decoders take)."""
    return log_softmax(np.log(np.asarray(rows, dtype=np.float64)))


def beam_search(matrix, charset, beam_width=16, lexicon=None, lm_weight=0.0):
    """One search's best reading placed on the frames: free, or under the lexicon."""
    if lexicon is None:
        labels = free_beam_search(matrix, charset, beam_width)
    else:
        labels = prefix_beam_search(matrix, charset, beam_width, LexiconConstraint(lexicon, charset), lm_weight)[0]
    return decoded_from_text(labels, matrix, charset)


def decode(matrix, charset, name="wordbeamsearch", lexicon=None, lm_weight=0.0, oov_margin=None, by_word=False):
    config = DecoderConfig(name, lm_weight=lm_weight, oov_margin=oov_margin)
    return Decoder(config, charset, lexicon=lexicon, by_word=by_word)(matrix)


def test_best_path_merges_repeats_and_keeps_blank_separated_doubles():
    matrix = logits([[.1, .8, .1], [.1, .8, .1], [.8, .1, .1], [.1, .8, .1], [.1, .1, .8]])
    decoded = best_path(matrix, AB)
    assert decoded.text == "aab"
    assert [(s.char, s.start, s.end) for s in decoded.char_spans] == [("a", 0, 2), ("a", 3, 4), ("b", 4, 5)]
    assert [s.confidence for s in decoded.char_spans] == pytest.approx([.8, .8, .8])
    assert decoded.confidence == pytest.approx(.8)


def test_beam_search_sums_alignments_where_best_path_cannot():
    # Each step: blank 0.6, 'a' 0.4. Best path is "" (0.36) but P("a") = 0.16 + 0.24 + 0.24 = 0.64.
    matrix = logits([[.6, .4, 1e-9], [.6, .4, 1e-9]])
    assert best_path(matrix, AB).text == ""
    assert beam_search(matrix, AB, beam_width=4).text == "a"


def test_beam_search_agrees_with_best_path_on_a_confident_matrix():
    matrix = logits([[.05, .9, .05], [.9, .05, .05], [.05, .05, .9], [.05, .05, .9]])
    assert beam_search(matrix, AB).text == best_path(matrix, AB).text == "ab"


def test_empty_reading_has_blank_confidence():
    decoded = best_path(logits([[.9, .05, .05]] * 3), AB)
    assert decoded.text == "" and decoded.char_spans == ()
    assert decoded.confidence == pytest.approx(.9)


def test_word_beam_search_keeps_to_the_lexicon():
    # Best path reads "aa"; only "ab" is a word.
    matrix = logits([[.05, .9, .05], [.9, .05, .05], [.05, .55, .4]])
    assert best_path(matrix, AB).text == "aa"
    decoded = beam_search(matrix, AB, lexicon=Lexicon(["ab", "b"]))
    assert decoded.text == "ab"
    assert decoded.char_spans[-1].char == "b" and decoded.char_spans[-1].confidence == pytest.approx(.4)


def test_beam_search_offers_its_best_whole_words_in_order():
    # "aa" is likelier than "ab", which is likelier than "b"; only whole lexicon words are offered.
    matrix = log_softmax(logits([[.05, .9, .05], [.9, .05, .05], [.05, .55, .4]]))
    lexicon = Lexicon(["aa", "ab", "b"])
    constraint = LexiconConstraint(lexicon, AB)
    offered = prefix_beam_search(matrix, AB, constraint=constraint, count=3)
    assert [AB.decode(labels) for labels in offered] == ["aa", "ab", "b"]
    assert prefix_beam_search(matrix, AB, constraint=constraint) == offered[:1]
    assert len(prefix_beam_search(matrix, AB, constraint=constraint, count=2)) == 2


def test_ctc_likelihood_sums_every_alignment():
    # Two steps of blank 0.4 / 'a' 0.6: P("a") = aa + a_ + _a = .36 + .24 + .24, P("") = .16.
    lp = log_softmax(logits([[.4, .6, 1e-12], [.4, .6, 1e-12]]))
    a, nothing, double = ctc_log_likelihoods(lp, [[1], [], [1, 1]], 0)
    assert np.exp(a) == pytest.approx(.84)
    assert np.exp(nothing) == pytest.approx(.16)
    assert double == -np.inf  # "aa" needs a blank between: 3 steps


def test_ctc_likelihoods_of_a_batch_match_each_sequence_alone():
    rng = np.random.default_rng(0)
    lp = log_softmax(rng.normal(size=(9, 3)))
    sequences = [[1, 2, 1], [], [2], [1, 1], [2, 1, 2, 2], [1, 2]]
    together = ctc_log_likelihoods(lp, sequences, 0)
    alone = [ctc_log_likelihoods(lp, [labels], 0)[0] for labels in sequences]
    assert together == pytest.approx(alone)
    # Brute force over every alignment for one of them: P("ab") at 9 steps.
    paths = np.array(np.meshgrid(*[range(3)] * 9, indexing="ij")).reshape(9, -1).T
    def collapse(path):
        merged = [label for i, label in enumerate(path) if i == 0 or label != path[i - 1]]
        return [label for label in merged if label]
    total = sum(np.exp(lp[np.arange(9), path].sum()) for path in paths if collapse(list(path)) == [1, 2])
    assert np.exp(together[5]) == pytest.approx(total)
    assert len(ctc_log_likelihoods(lp, [], 0)) == 0
    assert list(ctc_log_likelihoods(lp[:0], [[], [1]], 0)) == [0.0, -np.inf]  # no frames: only ""


def test_words_outside_the_lexicon_keep_their_free_reading():
    ab_word = Lexicon(["ab", "b"])
    # Confidently "aa": the lexicon's "ab" is far less likely, so the free reading stays.
    sure = logits([[.01, .98, .01], [.98, .01, .01], [.01, .98, .01]])
    assert beam_search(sure, AB, lexicon=ab_word).text == "ab"
    assert decode(sure, AB, lexicon=ab_word, oov_margin=2.0).text == "aa"
    # Unsure between "aa" and "ab": the lexicon word is close enough and wins.
    unsure = logits([[.05, .9, .05], [.9, .05, .05], [.05, .55, .4]])
    corrected = decode(unsure, AB, lexicon=ab_word, oov_margin=2.0)
    assert corrected.text == "ab" and corrected.free_text == "aa"  # what the network read is kept
    assert decode(unsure, AB, "beamsearch").free_text is None  # no lexicon, nothing to keep
    assert decode(unsure, AB, lexicon=ab_word, oov_margin=0.1).text == "aa"


def test_word_beam_search_leaves_digits_and_spaces_free():
    charset = Charset("ab 7")  # blank 0, a 1, b 2, space 3, '7' 4
    rows = [[.02, .9, .02, .02, .04], [.9, .02, .02, .02, .04], [.02, .02, .9, .02, .04],
            [.02, .02, .02, .9, .04], [.02, .02, .02, .04, .9]]
    decoded = beam_search(logits(rows), charset, lexicon=Lexicon(["ab"]))
    assert decoded.text == "ab 7"


def test_word_beam_search_is_case_insensitive_about_the_lexicon():
    charset = Charset("Ab")
    matrix = logits([[.05, .9, .05], [.05, .05, .9]])
    assert beam_search(matrix, charset, lexicon=Lexicon(["ab"])).text == "Ab"


def test_language_model_weight_prefers_frequent_words():
    # "ab" and "ba" are equally likely to the model; the prior breaks the tie.
    matrix = logits([[.02, .49, .49], [.02, .49, .49]])
    lexicon = Lexicon({"ab": 1000, "ba": 1})
    assert beam_search(matrix, AB, lexicon=lexicon, lm_weight=1.0).text == "ab"
    lexicon = Lexicon({"ab": 1, "ba": 1000})
    assert beam_search(matrix, AB, lexicon=lexicon, lm_weight=1.0).text == "ba"


def test_align_places_each_character():
    log_probs = log_softmax(logits([[.1, .8, .1], [.8, .1, .1], [.1, .1, .8], [.1, .1, .8]]))
    path = align(log_probs, [1, 2], AB.blank_index)
    assert path.tolist() == [1, 0, 2, 2]


def test_align_handles_doubles_that_need_a_blank():
    log_probs = log_softmax(logits([[.1, .8, .1], [.8, .1, .1], [.1, .8, .1]]))
    assert align(log_probs, [1, 1], AB.blank_index).tolist() == [1, 0, 1]


def test_decoders_by_name_and_an_unknown_name():
    matrix = logits([[.1, .8, .1]])
    assert decode(matrix, AB, "bestpath").text == "a"
    assert decode(matrix, AB, "beamsearch").text == "a"
    assert decode(matrix, AB, "wordbeamsearch", lexicon=Lexicon(["a"])).text == "a"
    with pytest.raises(ValueError, match="unknown decoder"):
        DecoderConfig("greedy")


def test_a_decoder_without_a_lexicon_loads_its_languages():
    french = Decoder(DecoderConfig("wordbeamsearch", lexicon_size=2000), Charset("abcdefghijklmnopqrstuvwxyzé"),
                     language="fr")
    assert "été" in french.lexicon and french.lexicon is Lexicon.for_language("fr", 2000)
    assert french.with_language("en").lexicon is Lexicon.for_language("en", 2000)


def test_english_lexicon_comes_from_the_package_word_list():
    lexicon = Lexicon.for_language("en", size=5000)
    assert "the" in lexicon and "The" in lexicon
    assert lexicon.is_prefix("th") and not lexicon.is_prefix("qzx")


def test_lexicon_trie_steps_many_prefixes_at_once():
    lexicon = Lexicon({"ab": 3, "abc": 1, "b": 4})
    a, b, c = (lexicon.letter_index[char] for char in "abc")
    after_a = lexicon.node_of("a")
    found = lexicon.children(np.array([0, 0, after_a, after_a, NO_NODE]), np.array([a, c, b, a, a]))
    assert found[0] == after_a and found[2] == lexicon.node_of("ab")
    assert list(found[[1, 3, 4]]) == [NO_NODE] * 3  # no word starts "c", none goes "aa", none from nowhere
    assert lexicon.node_is_word[lexicon.node_of("ab")] and not lexicon.node_is_word[after_a]
    assert lexicon.node_prior[lexicon.node_of("b")] == pytest.approx(np.log(4 / 8))


def random_frames(rng, steps, classes, sharpness=3.0):
    return log_softmax(rng.normal(size=(steps, classes)) * sharpness)


def test_compiled_free_search_agrees_with_the_numpy_search():
    rng = np.random.default_rng(7)
    charset = Charset("abc d")
    for _ in range(40):
        frames = random_frames(rng, int(rng.integers(1, 30)), charset.num_classes)
        assert free_beam_search(frames, charset, 8) == prefix_beam_search(frames, charset, 8)[0]


def test_searches_stepped_together_read_as_each_alone():
    rng = np.random.default_rng(3)
    charset = Charset("abc d")
    constraint = LexiconConstraint(Lexicon({"ab": 5, "abc": 2, "ca": 3, "d": 1, "bad": 2}), charset)
    frames = [random_frames(rng, int(rng.integers(1, 25)), charset.num_classes) for _ in range(12)]
    frames.append(logits([[1.0] + [1e-5] * (charset.num_classes - 1)] * 4))  # only the blank passes
    for lm_weight in (0.0, 0.5):
        together = prefix_beam_searches(frames, charset, 8, constraint, lm_weight, count=3)
        assert together == [prefix_beam_search(f, charset, 8, constraint, lm_weight, count=3) for f in frames]
    assert together[-1] == [()]


def test_lexicon_never_cuts_a_word_it_lacks_into_words_it_has():
    charset = Charset("ab ")  # blank 0, a 1, b 2, space 3
    # The free reading is "ab"; a space between is only half as likely as the blank there.
    rows = logits([[.04, .9, .03, .03], [.6, .05, .05, .3], [.04, .03, .9, .03]])
    halves = Lexicon(["a", "b"])
    assert beam_search(rows, charset).text == "ab"
    assert beam_search(rows, charset, lexicon=halves).text == "a b"
    # However generous the margin, the lexicon may not split the free reading's word.
    assert decode(rows, charset, lexicon=halves, oov_margin=100.0).text == "ab"


def test_word_by_word_rereads_only_the_words_the_lexicon_lacks():
    charset = Charset("ab 7")  # blank 0, a 1, b 2, space 3, '7' 4
    rows = logits([
        [.05, .9, .02, .02, .01], [.9, .05, .02, .02, .01], [.03, .55, .4, .01, .01],  # "aa", unsure of its b
        [.02, .02, .02, .9, .04],                                                       # space
        [.02, .03, .9, .03, .02],                                                       # "b": a word
        [.02, .02, .02, .9, .04], [.02, .02, .02, .04, .9],                             # space, "7"
    ])
    ab_words = Lexicon(["ab", "b"])
    assert beam_search(rows, charset).text == "aa b 7"
    decoded = decode(rows, charset, lexicon=ab_words, oov_margin=2.0, by_word=True)
    assert decoded.text == "ab b 7" and decoded.free_text == "aa b 7"
    assert "".join(s.char for s in decoded.char_spans) == "ab b 7"
    assert [s.start for s in decoded.char_spans] == [0, 2, 3, 4, 5, 6]
    # A reading the model is sure of stays, however the lexicon would have it.
    assert decode(rows, charset, lexicon=ab_words, oov_margin=0.1, by_word=True).text == "aa b 7"


def test_decoded_readings_attach_punctuation_to_their_word():
    charset = Charset("a .")  # blank 0, 'a' 1, ' ' 2, '.' 3
    rows = {"a": [.05, .85, .05, .05], " ": [.05, .05, .85, .05], ".": [.05, .05, .05, .85],
            "-": [.85, .05, .05, .05]}
    reading = decode(logits([rows[c] for c in "a- -.- -a"]), charset, "bestpath")
    assert reading.text == "a. a"
    assert [(s.char, s.start) for s in reading.char_spans] == [("a", 0), (".", 4), (" ", 6), ("a", 8)]
    assert decode(logits([rows[c] for c in "a- -a"]), charset, "bestpath").text == "a a"


def test_word_by_word_keeps_an_ending_the_lexicon_would_drop():
    charset = Charset("ab's")  # blank 0, a 1, b 2, ' 3, s 4
    rows = logits([[.04, .8, .08, .04, .04], [.04, .08, .8, .04, .04], [.04, .04, .04, .84, .04],
                   [.04, .04, .04, .04, .84]])  # "ab's": "abs" is not a word, "ab" is
    ab_word = Lexicon(["ab"])
    assert beam_search(rows, charset).text == "ab's"
    assert beam_search(rows, charset, lexicon=ab_word).text in ("ab'", "ab")  # the ending cannot be read
    assert decode(rows, charset, lexicon=ab_word, oov_margin=50.0, by_word=True).text == "ab's"
