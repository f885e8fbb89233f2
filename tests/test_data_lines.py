"""Line loaders on tiny fixtures made here: IAM-OnDB pen strokes and Copiste page polygons."""

import json

import numpy as np
import pytest
from PIL import Image

from htr_core.charset import CHARSETS, Charset
from htr_core.data.batching import make_batch
from htr_core.data.copiste import copiste_line_crops, cut_line, is_holdout_page, load_copiste_lines
from htr_core.data.iam_ondb import InkStyle, OnlineLineDataset, load_online_lines, render_line


def _write_online(folder, lines):
    """lines: [(id, split, text, [stroke arrays])] in the IAM-OnDB layout."""
    folder.mkdir()
    points, stroke_offsets, line_offsets = [], [0], [0]
    with open(folder / "lines.jsonl", "w") as out:
        for line_id, split, text, strokes in lines:
            out.write(json.dumps({"id": line_id, "form": line_id[:8], "split": split, "text": text}) + "\n")
            for stroke in strokes:
                points.append(np.asarray(stroke, dtype=np.int16))
                stroke_offsets.append(stroke_offsets[-1] + len(stroke))
            line_offsets.append(line_offsets[-1] + len(strokes))
    np.savez(folder / "strokes.npz", points=np.concatenate(points), stroke_offsets=np.array(stroke_offsets, np.int32),
             line_offsets=np.array(line_offsets, np.int32))
    return folder


@pytest.fixture
def online_fixture(tmp_path):
    zigzag = [[x, 0 if x % 200 else 600] for x in range(0, 2001, 100)]
    dot = [[2100, 300]]
    bar = [[0, 800], [600, 800]]
    return _write_online(tmp_path / "iam_ondb", [
        ("a01-000u-01", "train", "A MOVE to stop Mr . Gaitskell", [zigzag, dot]),
        ("a01-000u-02", "val", "from nominating", [bar, zigzag]),
        ("a01-001u-01", "dev", "any more", [zigzag]),
    ])


def test_online_lines_by_split_with_their_strokes_and_written_spacing(online_fixture):
    train = load_online_lines(online_fixture, "train")
    assert [line.text for line in train] == ["A MOVE to stop Mr. Gaitskell"]
    assert len(train[0].strokes) == 2 and train[0].strokes[1].shape == (1, 2)
    assert [line.id for line in load_online_lines(online_fixture)] == ["a01-000u-01", "a01-000u-02", "a01-001u-01"]
    assert [line.text for line in load_online_lines(online_fixture, "dev")] == ["any more"]
    with pytest.raises(ValueError, match="split"):
        load_online_lines(online_fixture, "test")


def test_stroke_lines_render_as_dark_ink_on_light_paper_in_many_styles(online_fixture):
    strokes = load_online_lines(online_fixture, "train")[0].strokes
    heights = set()
    for seed in range(12):
        grey = render_line(strokes, np.random.default_rng(seed))
        assert grey.dtype == np.uint8 and grey.ndim == 2
        assert np.percentile(grey, 90) > 150 and grey.min() < 110  # paper light, some ink dark
        heights.add(grey.shape[0])
    assert len(heights) > 6  # x-height varies
    # The single-point stroke (an i-dot) is drawn, not dropped.
    plain = OnlineLineDataset(load_online_lines(online_fixture, "train"), fixed_style=InkStyle(height=60, pen_width=4))
    grey, text = plain[0]
    assert text == "A MOVE to stop Mr. Gaitskell"
    assert grey[:, -12:].min() < 128
    assert np.array_equal(grey, plain[0][0])  # a fixed style draws the same image every time


def test_rendered_lines_make_trainable_batches(online_fixture):
    dataset = OnlineLineDataset(load_online_lines(online_fixture))
    batch = make_batch(dataset, np.arange(3), Charset(), 32, 512, np.random.default_rng(0))
    assert batch.texts == ("A MOVE to stop Mr. Gaitskell", "from nominating", "any more")
    assert batch.images.max() > 0.5


@pytest.fixture
def copiste_fixture(tmp_path):
    folder = tmp_path / "copiste"
    (folder / "pages").mkdir(parents=True)
    page = np.full((200, 400), 235, np.uint8)
    page[40:60, 20:380] = 30  # line 1's ink
    page[62:70, 20:380] = 30  # line 2's ascenders reaching into line 1's box
    page[120:140, 20:200] = 40
    Image.fromarray(page).save(folder / "pages" / "p1.jpg")
    records = [
        {"page": "pages/p1.jpg", "line": 1, "text": "l’été à Québec", "box": [10, 30, 390, 75],
         "polygon": [[10, 30], [390, 30], [390, 61], [10, 61]], "split": "train"},
        {"page": "pages/p1.jpg", "line": 2, "text": "mot >barré<", "box": [10, 110, 210, 150],
         "polygon": [[10, 110], [210, 110], [210, 150], [10, 150]], "split": "train"},
        {"page": "pages/p1.jpg", "line": 3, "text": "><", "box": [10, 150, 210, 190],
         "polygon": [[10, 150], [210, 150], [210, 190], [10, 190]], "split": "dev"},
        {"page": "pages/p1.jpg", "line": 0, "text": "wikitexte_0001", "box": [10, 0, 200, 25],
         "polygon": [[10, 0], [200, 0], [200, 25], [10, 25]], "split": "train"},
    ]
    for record in records:
        record["baseline"] = [[record["box"][0], record["box"][3] - 5], [record["box"][2], record["box"][3] - 5]]
    (folder / "lines.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n")
    return folder


def test_copiste_lines_in_reading_order_struck_and_unreadable_left_out(copiste_fixture):
    lines = load_copiste_lines(copiste_fixture, "train")
    assert [line.text for line in lines] == ["wikitexte_0001", "l'été à Québec"]  # ’ read as '
    assert load_copiste_lines(copiste_fixture, "dev") == []
    assert len(load_copiste_lines(copiste_fixture, readable_only=False)) == 4
    assert Charset(CHARSETS["multilingual"]).unknown_characters(lines[1].text) == set()
    with pytest.raises(ValueError, match="split"):
        load_copiste_lines(copiste_fixture, "val")


def test_a_copiste_line_is_cut_by_its_polygon(copiste_fixture):
    line = load_copiste_lines(copiste_fixture, "train")[1]
    page = np.asarray(Image.open(copiste_fixture / "pages" / "p1.jpg").convert("L"))
    crop = cut_line(page, line)
    assert crop.shape == (53, 388)  # the box, 4 pixels wider each side
    assert crop[14:30, 20:360].mean() < 80  # its own ink kept
    assert crop[41:44, 20:360].min() > 200  # the next line's ascenders, outside the polygon, painted paper
    crops = copiste_line_crops(copiste_fixture, load_copiste_lines(copiste_fixture, "train"))
    assert len(crops) == 2 and crops[1][1] == "l'été à Québec"


def test_holdout_pages_are_a_stable_share():
    pages = [f"pages/imp_wikitexte_{i:04d}.jpg" for i in range(800)]
    held = [p for p in pages if is_holdout_page(p)]
    assert 20 < len(held) < 80 and held == [p for p in pages if is_holdout_page(p)]
