"""Segmentation invariants on drawn pages, and a check against real Washington line boxes."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from htr_core.layout.pageprep import estimate_skew, find_ink, labelled_components, normalize_illumination
from htr_core.layout.segment import SegmentationSettings, find_line_peaks, segment_page, split_words, word_gap_threshold
from htr_core.layout.sheet import find_sheet
from htr_core.evaluation.segmentation_metrics import match_boxes
from htr_core.types import Box

from conftest import SHARED_DATA, draw_page

SAMPLES = Path(__file__).resolve().parent.parent / "sample_images"

TEXT = ["the quick brown fox", "jumps over the lazy", "dog and then it sleeps", "all day long"]


def check_invariants(result, shape):
    height, width = shape
    tops = [line.box.y0 for line in result.lines]
    assert tops == sorted(tops), "lines must run top to bottom"
    assert len(result.page_lines) == len(result.lines)
    for line in result.page_lines:  # as the page given holds them
        for box in (line.box, *line.words):
            assert 0 <= box.x0 < box.x1 <= width and 0 <= box.y0 < box.y1 <= height
        lefts = [w.x0 for w in line.words]
        assert lefts == sorted(lefts), "words must run left to right"
        assert len(line.polygon) >= 4
        assert all(0 <= x <= width and 0 <= y <= height for x, y in line.polygon)


def test_line_polygons_hold_their_ink_and_not_their_neighbours():
    page, _ = draw_page(TEXT, line_gap=25)
    result = segment_page(page, SegmentationSettings(deskew=False))
    masks = []
    for line in result.lines:
        mask = np.zeros(page.shape, np.uint8)
        cv2.fillPoly(mask, [np.array(line.polygon, np.int32).reshape(-1, 1, 2)], 1)
        masks.append(mask.astype(bool))
        x0, y0 = np.min(line.polygon, axis=0)
        x1, y1 = np.max(line.polygon, axis=0)
        assert abs(x0 - line.box.x0) <= 1 and abs(y0 - line.box.y0) <= 1
        assert line.box.x1 - 1 <= x1 <= line.box.x1 + 30 and abs(y1 - line.box.y1) <= 1
    ink = page < 100
    covered = np.logical_or.reduce(masks)
    assert (ink & covered).sum() >= 0.99 * ink.sum()
    for upper, lower in zip(masks, masks[1:]):
        assert (upper & lower).sum() <= 0.02 * min(upper.sum(), lower.sum())


def test_lines_and_words_of_a_drawn_page():
    page, truth = draw_page(TEXT)
    result = segment_page(page)
    check_invariants(result, page.shape)
    assert len(result.lines) == 4
    score = match_boxes([line.box for line in result.lines], [Box(*b) for b in truth])
    assert score.matched == 4
    assert [len(line.words) for line in result.lines] == [len(t.split()) for t in TEXT]


def test_segmentation_is_deterministic():
    page, _ = draw_page(TEXT)
    first, second = segment_page(page), segment_page(page)
    assert [l.box for l in first.lines] == [l.box for l in second.lines]


def test_skewed_photo_with_shadow_and_rules():
    page, truth = draw_page(TEXT, rules=True)
    h, w = page.shape
    shadow = np.linspace(0.55, 1.0, w, dtype=np.float32)[None, :]  # a dark side, as in phone photos
    shaded = (page.astype(np.float32) * shadow).astype(np.uint8)
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), 2.5, 1.0)
    rotated = cv2.warpAffine(shaded, matrix, (w, h), borderValue=int(shaded[5, -5]))
    assert abs(estimate_skew(find_ink(rotated).ink) + 2.5) <= 0.5
    result = segment_page(rotated)
    check_invariants(result, rotated.shape)
    assert len(result.lines) == 4


def _photographed(page: np.ndarray, corners: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """``page`` as a phone photographs it lying on a dark table: its corners at ``corners`` of a
    ``size`` photo, lit unevenly. Returns the photo and the page-to-photo homography."""
    h, w = page.shape
    homography = cv2.getPerspectiveTransform(np.float32([[0, 0], [w, 0], [w, h], [0, h]]), np.float32(corners))
    table = np.random.default_rng(0).normal(70, 12, size[::-1]).clip(0, 255).astype(np.uint8)
    sheet = cv2.warpPerspective(page, homography, size, borderValue=0)
    inside = cv2.warpPerspective(np.ones_like(page), homography, size) > 0
    photo = np.where(inside, sheet, table).astype(np.float32)
    light = np.linspace(0.75, 1.0, size[0], dtype=np.float32)[None, :]
    return (photo * light).astype(np.uint8), homography


def test_a_photographed_sheet_is_found_flattened_and_mapped_back():
    page, truth = draw_page(TEXT)
    h, w = page.shape
    # Held at an angle: the top edge further away (narrower), the sheet turned a little.
    corners = np.array([[260, 140], [1420, 190], [1560, 860], [120, 800]], np.float32)
    photo, homography = _photographed(page, corners, (1700, 1000))
    sheet = find_sheet(photo)
    assert sheet is not None
    assert np.abs(sheet.corners - corners).max() <= 12
    result = segment_page(photo)
    check_invariants(result, photo.shape)
    assert len(result.lines) == len(TEXT)
    on_photo = []
    for x0, y0, x1, y1 in truth:
        mapped = cv2.perspectiveTransform(np.float32([[[x0, y0], [x1, y0], [x0, y1], [x1, y1]]]), homography)[0]
        on_photo.append(Box(*np.floor(mapped.min(axis=0)).astype(int), *np.ceil(mapped.max(axis=0)).astype(int)))
    assert match_boxes([line.box for line in result.page_lines], on_photo).matched == len(TEXT)
    # Flattened, each line's crop is as tall as the line on the page, not its slanted band.
    for image, (x0, y0, x1, y1) in zip(result.line_images, truth):
        assert image.shape[0] <= 1.6 * (y1 - y0) * sheet.size[1] / h
    assert [len(line.words) for line in result.lines] == [len(t.split()) for t in TEXT]


def test_a_scan_a_drawing_and_a_shadowed_page_have_no_sheet():
    page, _ = draw_page(TEXT)
    assert find_sheet(page) is None  # the photo is the page
    shadow = np.linspace(0.4, 1.0, page.shape[1], dtype=np.float32)[None, :]
    assert find_sheet((page * shadow).astype(np.uint8)) is None  # a dark side is no table
    assert find_sheet(np.full((300, 800), 255, np.uint8)) is None


def test_faint_wandering_rules_under_the_writing_are_removed_and_the_writing_kept():
    # Scanned notebook paper: thin grey rules that step a pixel up now and then and break into
    # dashes when thresholded, run under the words and on to the margins, some with no writing.
    page, truth = draw_page(TEXT, line_gap=50)
    page = page.copy()
    rows = [bottom + 4 for _, _, _, bottom in truth] + [truth[-1][3] + 60]
    for row in rows:
        for x in range(20, page.shape[1] - 20, 6):
            if x % 24:  # dashes: a gap every few pixels
                y = row + (x // 60) % 2  # the rule wanders a pixel
                page[y:y + 2, x:x + 5] = np.minimum(page[y:y + 2, x:x + 5], 110)
    ink = find_ink(page).ink
    for row in rows:
        assert ink[row - 1:row + 3, 10:50].sum() == 0  # the margin part of each rule is gone
    result = segment_page(page)
    check_invariants(result, page.shape)
    assert len(result.lines) == len(TEXT)  # the empty rule is no line
    for line, (x0, _, x1, _) in zip(result.lines, truth):
        assert line.box.x0 >= x0 - 10 and line.box.x1 <= x1 + 10  # boxes end with the writing


def test_the_remnants_of_unwritten_rules_are_no_lines():
    # Rules under the last line of writing, printed in pieces too short to pass for rules: each
    # piece is a flat stroke of its own, on a row far from the writing.
    page, truth = draw_page(TEXT, line_gap=50)
    page = np.vstack([page, np.full((240, page.shape[1]), 255, np.uint8)])
    for row in range(truth[-1][3] + 70, page.shape[0] - 20, 55):
        for x in range(60, page.shape[1] - 120, 130):
            page[row:row + 2, x:x + 90] = 60
    result = segment_page(page)
    check_invariants(result, page.shape)
    assert len(result.lines) == len(TEXT)
    assert all(line.box.y1 <= truth[-1][3] + 20 for line in result.lines)


def test_small_print_just_above_the_handwriting_is_lines_of_its_own():
    # A consent notice in small print a few pixels above large handwriting: smoothed at the
    # handwriting's scale, its lines ran together and into the first handwritten line.
    hand, truth = draw_page(TEXT, line_gap=50)
    notice = Image.new("L", (hand.shape[1], 38), 255)
    draw = ImageDraw.Draw(notice)
    for row, text in enumerate(["I have read the terms of participation and I agree to them. I understand that my",
                                "manuscript will be anonymised and used for research and development purposes."]):
        draw.text((60, row * 16), text, font=ImageFont.load_default(13), fill=30)
    page = np.vstack([np.full((30, hand.shape[1]), 255, np.uint8), np.asarray(notice), hand[40:]])
    result = segment_page(page)
    check_invariants(result, page.shape)
    assert len(result.lines) == 2 + len(TEXT)
    assert [line.box.y1 <= 30 + 38 for line in result.lines] == [True, True] + [False] * len(TEXT)
    shift = 30 + 38 - 40
    for line, (_, y0, _, y1) in zip(result.lines[2:], truth):
        assert line.box.iou(Box(line.box.x0, y0 + shift, line.box.x1, y1 + shift)) > 0.6


def test_a_speck_far_above_a_line_leaves_its_box_and_an_i_dot_stays():
    from htr_core.layout.segment import _without_stray_ends

    keep = np.zeros((40, 300), bool)
    keep[28:38, 10:290] = True  # the letters, 10 px tall
    keep[24:26, 50:52] = True  # an i-dot just above them
    keep[2:5, 20:23] = True  # a mark 2.3 letter heights above
    box, kept = _without_stray_ends(Box(100, 200, 400, 240), keep, line_scale=10.0)
    assert box == Box(110, 224, 390, 238) and kept.shape == (14, 280)
    assert kept[:2, 40:42].all()  # the dot, kept
    tight = keep[24:38, 10:290]  # nothing stray: the line as it was
    assert _without_stray_ends(Box(110, 224, 390, 238), tight, line_scale=10.0) == (Box(110, 224, 390, 238), tight)


def test_blank_page_has_no_lines():
    blank = np.full((800, 600), 235, np.uint8)
    noisy = np.clip(blank + np.random.default_rng(0).normal(0, 4, blank.shape), 0, 255).astype(np.uint8)
    assert segment_page(noisy).lines == ()


def test_deskew_can_be_switched_off():
    page, _ = draw_page(TEXT[:2])
    assert segment_page(page, SegmentationSettings(deskew=False)).skew_degrees == 0.0


def test_illumination_is_flattened():
    gradient = np.tile(np.linspace(120, 250, 400).astype(np.uint8), (300, 1))
    flat = normalize_illumination(gradient)
    assert flat.min() > 200


MAX_SHORT_LABEL = 65535  # the largest label 16 bits hold


@pytest.mark.parametrize("spacing", [3, 2])  # a few hundred components; over 65,535 specks
def test_components_are_labelled_as_opencv_labels_them_in_32_bits(spacing):
    ink = np.random.default_rng(1).random((400, 300)) < 0.3
    if spacing == 2:
        ink = np.zeros((600, 600), bool)
        ink[::spacing, ::spacing] = True  # isolated dots, 8-connected to none
    count, labels, stats = labelled_components(ink)
    expected_count, expected_labels, expected_stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    assert (count > MAX_SHORT_LABEL + 1) == (spacing == 2)
    assert count == expected_count
    assert np.array_equal(labels, expected_labels) and np.array_equal(stats, expected_stats)


def test_split_words_at_wide_gaps():
    ink = np.zeros((10, 40), bool)
    ink[:, 0:5] = ink[:, 7:12] = ink[:, 25:30] = True
    assert split_words(ink, gap=4) == [(0, 12), (25, 30)]


def test_non_grey_input_is_rejected():
    with pytest.raises(ValueError):
        segment_page(np.zeros((10, 10, 3), np.uint8))


@pytest.mark.skipif(not (SHARED_DATA / "washington").exists(), reason="shared data not present")
def test_real_page_lines_match_the_washington_boxes():
    from htr_core.data.washington_gt import washington_pages
    from htr_core.io.images import read_image

    root = SHARED_DATA / "washington"
    truth = [p for p in washington_pages(root, "dev") if p.page.endswith("302.jpg")][0]
    result = segment_page(read_image(root / truth.page, max_side=None))
    check_invariants(result, (result.height, result.width))
    score = match_boxes([line.box for line in result.page_lines], truth.lines)
    assert score.precision >= 0.9 and score.recall >= 0.9


def _copiste_train_page_score(name: str):
    """Our lines of one Copiste train page matched to its transcribed lines."""
    from htr_core.data.copiste import copiste_pages
    from htr_core.io.images import read_image

    root = SHARED_DATA / "copiste"
    truth = [p for p in copiste_pages(root, "train") if p.page.endswith(name)][0]
    result = segment_page(read_image(root / truth.page, max_side=None))
    check_invariants(result, (result.height, result.width))
    return match_boxes([line.box for line in result.page_lines], tuple(Box(*line.box) for line in truth.lines))


def test_a_paragraphs_short_last_line_gets_a_line_of_its_own_on_a_real_page():
    score = _copiste_train_page_score("/wikitexte_0028.jpg")
    assert score.matched == score.truth == score.predicted == 28  # "non commerciales." and "duodécimain iranien." among them


def test_a_handwritten_label_just_under_small_print_gets_a_line_of_its_own_on_a_real_page():
    score = _copiste_train_page_score("imp_wikitexte_0112.jpg")
    # Every handwritten line, the label "imp_wikitexte_0112" among them; the two more are the notice's.
    assert score.matched == score.truth == 24 and score.predicted == 26


def test_lines_rising_at_different_slopes_are_found_apart_on_a_real_page():
    # A crowded page whose lines fan out: found straight across the page, 5 of its 18 lines
    # were merged with a neighbour or split between two.
    score = _copiste_train_page_score("imp_wikitexte_0164_1.jpg")
    assert score.matched == score.truth == 18


def test_a_one_word_last_line_is_kept_and_a_thin_stroke_left_out():
    # "Voila." holds 13% of a full line's ink, under the share that makes a line on ink alone.
    page, truth = draw_page(["the quick brown fox jumps over the lazy dog",
                             "and then it sleeps all day in the warm sun", "Voila."], line_gap=60)
    page = page.copy()
    gap_row = (truth[0][3] + truth[1][1]) // 2
    page[gap_row:gap_row + 3, 500:700] = 20  # a rule's remnant between the lines, as wide as a word
    result = segment_page(page, SegmentationSettings(deskew=False))
    check_invariants(result, page.shape)
    assert match_boxes([line.box for line in result.page_lines], [Box(*box) for box in truth]).matched == 3
    assert len(result.page_lines) == 3


def test_line_images_match_their_boxes_and_words_cut_from_them():
    page, _ = draw_page(TEXT)
    result = segment_page(page)
    assert len(result.line_images) == len(result.lines)
    for index, (line, image) in enumerate(zip(result.lines, result.line_images)):
        # The line's columns; its rows and a margin above and below (crop_margin).
        assert image.shape[1] == line.box.width and line.box.height < image.shape[0] <= 1.5 * line.box.height
        assert image.min() < 128  # it holds ink
        words = result.word_images(index)
        assert len(words) == len(line.words) and all(w.shape[0] == image.shape[0] for w in words)


def test_a_strokes_faint_end_above_the_ink_stays_in_the_crop():
    page, (truth,) = draw_page(["the quick brown fox"])
    page = page.copy()
    x0, y0, x1, _ = truth
    top = int(np.flatnonzero((page[y0:y0 + 3, x0:x1] < 128).any(axis=0))[0]) + x0  # a letter reaching the top
    page[y0 - 3:y0, top] = 175  # its stroke's end, lighter than the page's ink threshold
    (tight,) = segment_page(page, SegmentationSettings(crop_margin=0.0)).line_images
    with_margin = segment_page(page)
    (crop,), (line,) = with_margin.line_images, with_margin.lines
    above = with_margin.crop_tops[0]
    assert above >= 3 and line.box.height == tight.shape[0]  # the box is the ink's; only the crop grows
    assert np.array_equal(crop[above:above + tight.shape[0]], tight) and np.array_equal(with_margin.box_images[0], tight)
    assert crop[:above].min() <= 175  # the faint end is read, not lost


def test_ink_of_a_neighbouring_line_is_painted_out():
    from htr_core.layout.segment import _clean_crop

    page = np.full((40, 40), 255, np.uint8)
    page[5:10, 5:10] = 0  # this line's ink
    page[30:35, 5:10] = 0  # a neighbour's descender inside the box
    labels = np.zeros((40, 40), np.int32)
    labels[5:10, 5:10], labels[30:35, 5:10] = 1, 2
    keep = labels == 1
    crop = _clean_crop(page, labels, Box(0, 0, 40, 40), keep)
    assert crop[7, 7] == 0 and crop[32, 7] == 255


def _inked_columns(page: np.ndarray, row: int) -> np.ndarray:
    return np.flatnonzero((page[row - 2:row + 3] < 128).any(axis=0))


def test_a_stroke_joining_two_lines_is_cut_between_them():
    text = ["the quick brown fox", "jumps over the lazy"]
    page, truth = draw_page(text, line_gap=25)
    page = page.copy()
    upper_middle, lower_middle = (truth[0][1] + truth[0][3]) // 2, (truth[1][1] + truth[1][3]) // 2
    # A descender from a letter of the first line touching a letter of the second: one connected
    # component. (Slanted, as pen strokes are: a long straight vertical run would be a rule.)
    lower_x = int(_inked_columns(page, lower_middle)[5])
    upper = _inked_columns(page, upper_middle)
    upper_x = int(upper[(upper <= lower_x - 8) & (upper >= lower_x - 30)][0])
    cv2.line(page, (upper_x, upper_middle), (lower_x, lower_middle), 20, 3)
    result = segment_page(page, SegmentationSettings(deskew=False))
    check_invariants(result, page.shape)
    assert len(result.lines) == 2
    assert match_boxes([line.box for line in result.lines], [Box(*b) for b in truth]).matched == 2
    # Neither line lost its joined letter to the other, nor reaches into the other's middle.
    assert [len(line.words) for line in result.lines] == [len(t.split()) for t in text]
    assert result.lines[0].box.y1 < lower_middle and result.lines[1].box.y0 > upper_middle
    for line, image, x, middle in zip(result.lines, result.box_images, (upper_x, lower_x),
                                      (upper_middle, lower_middle)):
        assert image[middle - line.box.y0, x - line.box.x0] < 128


def test_a_long_descender_stays_whole_with_its_line():
    page, truth = draw_page(["the quick brown fox", "jumps over the lazy"], line_gap=60)
    page = page.copy()
    x = (truth[0][0] + truth[0][2]) // 2
    end = truth[1][1] - 8  # reaches across the middle of the gap, short of the line below
    cv2.line(page, (x, (truth[0][1] + truth[0][3]) // 2), (x - 12, end), 20, 3)
    result = segment_page(page, SegmentationSettings(deskew=False))
    assert len(result.lines) == 2
    assert result.lines[0].box.y1 >= end
    assert result.lines[1].box.y0 >= end


def test_words_cut_by_a_tight_crop_are_kept():
    page, truth = draw_page(TEXT)
    first = truth[0]
    cropped = page[first[1] + (first[3] - first[1]) // 3:]  # the first line loses its top third
    result = segment_page(cropped)
    check_invariants(result, cropped.shape)
    assert len(result.lines) == 4
    assert len(result.lines[0].words) == len(TEXT[0].split())


def test_the_top_of_a_line_cut_off_by_the_crop_is_not_a_line():
    page, truth = draw_page(TEXT[:3] + ["all the bold kids hold tall flights"])
    last = truth[-1]
    cropped = page[:last[1] + 4 * (last[3] - last[1]) // 10]  # the last line keeps its top 40%
    result = segment_page(cropped)
    check_invariants(result, cropped.shape)
    assert len(result.lines) == 3
    whole = page[:last[3]]  # cut just under the last line: it touches the edge, but whole
    assert len(segment_page(whole).lines) == 4


def test_a_real_line_crop_is_one_line_without_its_neighbours_ascenders():
    from htr_core.io.images import read_image

    crop = read_image(SAMPLES / "line_returns.png")  # "the Returns, and your Pay-Rolls; as there"
    result = segment_page(crop)
    assert len(result.lines) == 1 and result.lines[0].box.width > 0.9 * crop.shape[1]


def test_a_scanner_border_is_not_a_line():
    page, truth = draw_page(TEXT)
    framed = cv2.copyMakeBorder(page[8:-8, 8:-8], 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=0)
    result = segment_page(framed)
    check_invariants(result, framed.shape)
    assert match_boxes([line.box for line in result.lines], [Box(*b) for b in truth]).matched == 4
    assert len(result.lines) == 4


def _seal(page: np.ndarray, centre: tuple[int, int], radius: int) -> None:
    """A round seal as letterheads carry: rings joined by spokes (one blob full of holes), and a
    loose star in its middle."""
    for ring in range(radius // 2, radius + 1, 10):
        cv2.circle(page, centre, ring, 30, 2)
    for angle in np.linspace(0, 2 * np.pi, 16, endpoint=False):
        inner = (int(centre[0] + radius / 2 * np.cos(angle)), int(centre[1] + radius / 2 * np.sin(angle)))
        outer = (int(centre[0] + radius * np.cos(angle)), int(centre[1] + radius * np.sin(angle)))
        cv2.line(page, inner, outer, 30, 2)
    star = [(centre[0] + r * np.cos(a), centre[1] + r * np.sin(a)) for k in range(10)
            for r, a in [(0.4 * radius if k % 2 == 0 else 0.18 * radius, np.pi * k / 5 - np.pi / 2)]]
    cv2.fillPoly(page, [np.array(star, np.int32)], 30)


def test_logos_and_seals_are_not_read_as_lines():
    page, truth = draw_page(TEXT)
    header = 260
    page = np.vstack([np.full((header, page.shape[1]), 255, np.uint8), page])
    _seal(page, (150, 130), 100)  # seals either side of the header, as on a letterhead
    _seal(page, (1240, 130), 90)
    result = segment_page(page)
    check_invariants(result, page.shape)
    truth = [Box(x0, y0 + header, x1, y1 + header) for x0, y0, x1, y1 in truth]
    assert len(result.lines) == 4
    assert match_boxes([line.box for line in result.lines], truth).matched == 4
    assert all(line.box.y0 >= header - 10 for line in result.page_lines)


def _print(page: np.ndarray, text: str, x: int, y: int, size: int) -> Box:
    """Printed ``text`` with its top left at (x, y); returns its ink box."""
    image = Image.fromarray(page)
    font = ImageFont.load_default(size)
    left, top, right, bottom = font.getbbox(text)
    ImageDraw.Draw(image).text((x - left, y - top), text, font=font, fill=20)
    page[:] = np.asarray(image)
    return Box(x, y, x + right - left, y + bottom - top)


def test_a_footer_of_blocks_side_by_side_is_read_block_by_block():
    page, _ = draw_page(TEXT)
    page = np.vstack([page, np.full((200, page.shape[1]), 255, np.uint8)])
    footer = page.shape[0] - 170
    # A form's footer: its number, a motto over a smaller tagline, a two-row badge; none of
    # their rows line up, so lines found across the whole width would mix them.
    number = _print(page, "AA-002", 60, footer + 30, 26)
    motto = [_print(page, "Pride and Honour", 380, footer, 44), _print(page, "to the nation, since 1905", 380, footer + 60, 22)]
    badge = [_print(page, "CERTIFIED", 1000, footer + 10, 28), _print(page, "ISO 9001", 1000, footer + 52, 28)]
    result = segment_page(page, SegmentationSettings(deskew=False))
    footer_lines = [line.box for line in result.lines if line.box.y0 >= footer - 5]
    assert len(result.lines) == len(TEXT) + 5
    assert match_boxes(footer_lines, [number, *motto, *badge]).matched == 5
    # Reading order: block by block, left to right, each top to bottom.
    assert [min(range(5), key=lambda i: -box.iou([number, *motto, *badge][i])) for box in footer_lines] == [0, 1, 2, 3, 4]


def test_a_line_with_wide_gaps_between_its_words_stays_one_line():
    page, truth = draw_page(["far", "apart"], line_gap=0)
    first, second = truth
    line = np.full((first[3] - first[1] + 40, page.shape[1]), 255, np.uint8)
    line[20:20 + first[3] - first[1], 60:60 + first[2] - first[0]] = page[first[1]:first[3], first[0]:first[2]]
    line[20:20 + second[3] - second[1], 900:900 + second[2] - second[0]] = page[second[1]:second[3], second[0]:second[2]]
    result = segment_page(line, SegmentationSettings(deskew=False))
    assert len(result.lines) == 1 and len(result.lines[0].words) == 2


def test_each_line_gets_a_baseline_under_its_letters_not_its_descenders():
    page, truth = draw_page(["jumping quickly by gypsy", "the cat sat on the mat"], line_gap=60)
    result = segment_page(page, SegmentationSettings(deskew=False))
    assert len(result.lines) == 2
    levels = []
    for line, (x0, y0, x1, y1) in zip(result.lines, truth):
        (left, left_y), (right, right_y) = line.baseline
        assert abs(left - x0) <= 3 and abs(right - x1) <= 3
        assert abs(left_y - right_y) <= 2  # a level line of writing has a level baseline
        levels.append((left_y - y0, y1 - left_y))
    # The second line has no descenders: its letters end on the baseline. The first line's
    # baseline sits as far below its ascenders, well above its descenders' ends.
    assert levels[1][1] <= 4
    assert abs(levels[0][0] - levels[1][0]) <= 3 and levels[0][1] >= 8


def test_lines_are_found_on_the_deskewed_page_and_mapped_onto_the_page_given():
    page, _ = draw_page(TEXT)
    h, w = page.shape
    rotated = cv2.warpAffine(page, cv2.getRotationMatrix2D((w / 2, h / 2), 3.0, 1.0), (w, h), borderValue=255)
    result = segment_page(rotated)
    assert result.skew_degrees != 0.0
    for line, on_page in zip(result.lines, result.page_lines):
        assert on_page.box == result.to_page.box(line.box)
        assert on_page.words == tuple(result.to_page.box(word) for word in line.words)
        assert on_page.box.height > line.box.height  # a tilted line's bounds on the page are taller
        # Points turn with the page: the outline's corners land inside the line's page box.
        assert all(on_page.box.x0 - 1 <= x <= on_page.box.x1 + 1 and on_page.box.y0 - 1 <= y <= on_page.box.y1 + 1
                   for x, y in on_page.polygon)


def test_a_speck_far_beyond_a_line_does_not_stretch_its_box_but_a_lone_digit_stays():
    page, truth = draw_page(["Japon est un pays", "Japon.", "Japon."], line_gap=50)
    page = page.copy()
    speck_row = (truth[1][1] + truth[1][3]) // 2
    page[speck_row:speck_row + 3, 1200:1203] = 20  # a rule's remnant far right of the short line
    digit, digit_box = draw_page(["1"])
    ink = digit[digit_box[0][1]:digit_box[0][3], digit_box[0][0]:digit_box[0][2]]
    top = truth[2][3] - ink.shape[0]
    page[top:top + ink.shape[0], 1200:1200 + ink.shape[1]] = ink  # a page number beside the last line
    result = segment_page(page, SegmentationSettings(deskew=False))
    check_invariants(result, page.shape)
    short, numbered = result.page_lines[1], result.page_lines[2]
    assert short.box.x1 < 400 and len(short.words) == 1
    assert numbered.box.x1 >= 1200 and len(numbered.words) == 2


def test_word_gap_threshold_splits_the_gaps_where_they_cluster_apart():
    # Letter gaps of 3-4 px and word gaps of 20-22 px: the cut lies midway between the clusters.
    assert word_gap_threshold(np.array([3, 4, 3, 20, 22]), scale_limit=100.0) == 12.0
    assert word_gap_threshold(np.array([3, 4, 3, 20, 22]), scale_limit=10.0) == 10.0  # capped
    # Evenly spaced letters, a lone gap, no gap: no clusters, so the cap is the answer.
    for gaps in ([5, 5, 6, 6], [7], []):
        assert word_gap_threshold(np.array(gaps), scale_limit=9.0) == 9.0


def test_line_peaks_are_each_lines_core_and_a_nearby_bump_joins_the_stronger():
    rows = np.arange(100, dtype=np.float64)
    bump = lambda centre, height: height * np.exp(-0.5 * ((rows - centre) / 4) ** 2)  # noqa: E731
    assert find_line_peaks(bump(20, 50) + bump(60, 40), 3.0, 0.3) == [20, 60]
    # A weaker bump 3 rows from a stronger one is the same line.
    assert find_line_peaks(bump(20, 50) + bump(23, 30) + bump(70, 40), 3.0, 0.3) == [21, 70]
