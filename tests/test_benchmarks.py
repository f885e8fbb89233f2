"""The benchmark harness on a few items: same scoring for every system, tables that render."""

from __future__ import annotations

import sys

import pytest

from conftest import ROOT, SHARED_DATA

sys.path.insert(0, str(ROOT / "benchmarks"))

pytestmark = pytest.mark.skipif(not (SHARED_DATA / "iam_words").exists(), reason="shared data not present")


def test_a_system_is_scored_on_each_set_it_reads():
    import run_all

    result = run_all.run_system("htr_core word model, bestpath", ["iam_val_words", "washington_dev_lines"],
                                SHARED_DATA, limit=3, page_limit=1, det_crop_limit=5)
    # The word model reads word sets only; the line set is left to the systems that read lines.
    assert list(result["sets"]) == ["iam_val_words"]
    scores = result["sets"]["iam_val_words"]
    assert scores["items"] == 3
    assert scores["cer"] < 0.5  # it really read them
    assert scores["median_ms"] > 0 and result["peak_rss_mb"] > 0 and result["load_seconds"] > 0


def test_report_tables_compare_each_system_with_ours():
    import run_all

    def row(cer: float, ms: float) -> dict:
        return {"items": 2, "cer": cer, "wer": cer, "exact": 0.5, "cer_ci": cer, "wer_ci": cer,
                "median_ms": ms, "total_s": ms / 500}

    report = {"date": "2026-11-22", "command": "python benchmarks/run_all.py --quick", "versions": {"python": "3.11"},
              "det_crop_limit": 5, "cold_start_s": 0.5, "systems": [
                  {"system": run_all.OURS["word"], "sets": {"names": row(0.2, 10.0)}, "load_seconds": 1.0,
                   "peak_rss_mb": 200},
                  {"system": "tesseract 5", "sets": {"names": row(0.9, 150.0)}, "load_seconds": 0.1,
                   "peak_rss_mb": 100, "peak_child_rss_mb": 180}]}
    text = run_all.markdown(report)
    assert "## names" in text and "first 5 items" in text
    assert f"| {run_all.OURS['word']} | 2 | 20.0% |" in text
    assert text.count("| 15.0 |") == 1  # tesseract's median time is 15x ours
    assert "| tesseract 5 | 0.10 | 100 | 180 |" in text  # its own process is the child's column
    assert f"| {run_all.OURS['word']} | 1.00 | 200 | none |" in text


def test_crops_seen_at_our_input_height_keep_their_size_and_lose_fine_detail():
    import numpy as np
    import run_all

    stripes = np.zeros((96, 300), np.uint8)
    stripes[::2] = 255  # one-pixel stripes: detail no 32-pixel copy can hold
    seen = run_all.seen_at_height(stripes, 32)
    assert seen.shape == stripes.shape and seen.std() < stripes.std() / 4
    assert run_all.seen_at_height(stripes, None) is stripes
    short = stripes[:20]
    assert run_all.seen_at_height(short, 32) is short  # no taller than the input: nothing to lose


def test_a_peer_segmenters_lines_are_scored_as_ours_are():
    import segmentation
    from htr_core.types import Box

    # kraken_blla.py's JSON: a line's boundary polygon and baseline polyline.
    page = {"lines": [{"boundary": [[10, 20], [110, 18], [112, 52], [9, 50]], "baseline": [[10, 45], [110, 44]]},
                      {"boundary": [[10, 300], [50, 300], [50, 320], [10, 320]], "baseline": [[10, 318], [50, 318]]}]}
    boxes, baselines = segmentation.peer_lines(page)
    assert boxes[0] == Box(9, 18, 113, 53)
    truth = (Box(10, 20, 110, 52),)
    lines, matched_baselines = segmentation.score_lines(boxes, baselines, truth, (((10, 46), (110, 45)),))
    assert (lines.matched, lines.predicted, lines.truth) == (1, 2, 1)
    assert (matched_baselines.matched, matched_baselines.predicted) == (1, 2)
    assert segmentation.score_lines(boxes, baselines, truth, None)[1] is None
