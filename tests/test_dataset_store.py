"""Saved corrections: both files or neither, plain text only, a zip of only what was saved."""

import io
import os
import zipfile

import numpy as np
import pytest

from htr_core.training import dataset_store
from htr_core.training.dataset_store import count_pairs, save_pair, zip_pairs

IMAGE = np.full((20, 60), 200, np.uint8)


def test_a_pair_is_saved_under_a_fresh_name_and_loads_for_training(tmp_path):
    from htr_core.data.pairs import load_pairs

    first, second = save_pair(tmp_path, IMAGE, "  the  line "), save_pair(tmp_path, IMAGE, "the line")
    assert first != second and count_pairs(tmp_path) == 2
    assert first.with_suffix(".txt").read_text() == "the line\n"
    assert [s.text for s in load_pairs(tmp_path)] == ["the line", "the line"]
    assert not list(tmp_path.glob(".*"))  # no partial files left


@pytest.mark.parametrize("text, message", [("", "empty"), ("a\x00b", "control"), ("tab\x1bescape", "control"),
                                           ("bad \ud800 surrogate", "control"), ("x" * 3000, "at most")])
def test_texts_no_file_or_model_can_use_are_refused_and_nothing_is_written(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        save_pair(tmp_path, IMAGE, text)
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_neither_file(tmp_path, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset_store.os, "replace", full_disk)
    with pytest.raises(OSError, match="No space"):
        save_pair(tmp_path, IMAGE, "the line")
    assert list(tmp_path.iterdir()) == []


def test_the_zip_holds_only_saved_pairs_under_plain_names(tmp_path):
    folder = tmp_path / "dataset"
    save_pair(folder, IMAGE, "kept")
    outside = tmp_path / "secret.txt"
    outside.write_text("not yours")
    os.symlink(outside, folder / "20260101-000000-deadbeef.txt")
    (folder / "20260101-000000-deadbeef.png").write_bytes(b"png")
    (folder / "..\\..\\evil.png").write_bytes(b"png")
    (folder / "..\\..\\evil.txt").write_text("evil")
    names = zipfile.ZipFile(io.BytesIO(zip_pairs(folder))).namelist()
    assert len(names) == 2 and all(n.startswith("dataset/") and ".." not in n for n in names)
    assert count_pairs(folder) == 1
