import numpy as np
import pytest

from htr_core.recognition.crops import augment_ink, crop_to_ink, fit_to_box, prepare_crop, to_ink


def test_to_ink_maps_dark_ink_to_one(word_image):
    ink = to_ink(word_image)
    assert ink.dtype == np.float32 and ink.min() >= 0 and ink.max() == pytest.approx(1.0)
    assert ink[0, 0] == 0.0  # paper


def test_blank_crop_is_all_background():
    assert not to_ink(np.full((20, 40), 250, np.uint8)).any()


def test_to_ink_rejects_colour_and_empty():
    with pytest.raises(ValueError):
        to_ink(np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError):
        to_ink(np.zeros((0, 4), np.uint8))


def test_crop_to_ink_trims_margins():
    ink = np.zeros((50, 80), np.float32)
    ink[10:20, 30:40] = 1
    assert crop_to_ink(ink, margin=0).shape == (10, 10)


def test_fit_to_box_keeps_aspect_and_left_aligns():
    ink = np.ones((10, 20), np.float32)
    box = fit_to_box(ink, 32, 128)
    assert box.shape == (32, 128)
    columns = np.flatnonzero(box.max(axis=0) > 0.5)
    assert columns[0] == 0 and columns[-1] == 63  # 20 wide scaled by 3.2


def test_fit_to_box_squeezes_long_crops_to_the_width():
    box = fit_to_box(np.ones((10, 1000), np.float32), 32, 128)
    assert box.shape == (32, 128) and box[:, -1].max() > 0.5


def test_augmentation_is_repeatable_with_the_same_seed(word_image):
    ink = to_ink(word_image)
    first = augment_ink(ink, np.random.default_rng(3))
    again = augment_ink(ink, np.random.default_rng(3))
    other = augment_ink(ink, np.random.default_rng(4))
    assert np.array_equal(first, again)
    assert first.min() >= 0 and first.max() <= 1
    assert first.shape != other.shape or not np.array_equal(first, other)


def test_prepare_crop_output_is_model_ready(word_image):
    box, geometry = prepare_crop(word_image, 32, 128)
    assert box.shape == (32, 128) and box.dtype == np.float32 and box.max() > 0.5
    # Model column 0 is where the ink starts in the crop (its left margin was trimmed).
    first_ink = int(np.flatnonzero((255 - word_image).max(axis=0) > 64)[0])
    assert abs(geometry.crop_x(0) - first_ink) <= 3


def stack_rows(*rows: np.ndarray, gap: int = 6) -> np.ndarray:
    """Grey images one above the other, left-aligned on white, ``gap`` blank rows apart."""
    width = max(row.shape[1] for row in rows)
    out = np.full((sum(row.shape[0] for row in rows) + gap * (len(rows) - 1), width), 255, np.uint8)
    top = 0
    for row in rows:
        out[top : top + row.shape[0], : row.shape[1]] = row
        top += row.shape[0] + gap
    return out


def test_main_text_rows_keeps_the_writing_of_a_form_field():
    from conftest import draw_text
    from htr_core.recognition.crops import main_text_rows, trim_to_ink

    label = draw_text("PRENOM", size=14, pad=1)
    name = draw_text("VALENTINE", size=30, pad=1)
    below = draw_text("DATE DE NAISSANCE  CLASSE", size=14, pad=1)
    field = stack_rows(label, name, below)
    top, bottom = main_text_rows(to_ink(field))
    name_top, name_bottom = label.shape[0] + 6, label.shape[0] + 6 + name.shape[0]
    assert abs(top - name_top) <= 2 and abs(bottom - name_bottom) <= 2
    # Read as one row, the name fills the model's height instead of half of it.
    assert trim_to_ink(field, one_row=True)[0].shape[0] < 0.6 * trim_to_ink(field)[0].shape[0]


def test_main_text_rows_leaves_out_neighbouring_rows_cut_by_the_crop():
    """A field cut from a form: the previous field's writing (taller than the name) half inside
    the top edge, the next label's top half at the bottom edge; the uncut row is the field's."""
    from conftest import draw_text
    from htr_core.recognition.crops import main_text_rows

    previous = draw_text("0951504U", size=44, pad=1)
    name = draw_text("GAUDET", size=30, pad=1)
    label = draw_text("DATE DE NAISSANCE", size=24, pad=1)
    field = stack_rows(previous[previous.shape[0] // 2:], name, label[: label.shape[0] // 3])
    name_top = previous.shape[0] - previous.shape[0] // 2 + 6
    top, bottom = main_text_rows(to_ink(field))
    assert abs(top - name_top) <= 2 and abs(bottom - (name_top + name.shape[0])) <= 2


def test_main_text_rows_ignores_furniture_in_the_side_margins():
    """A stamp printed sideways along the left edge runs across both rows without joining them."""
    from conftest import draw_text
    from htr_core.recognition.crops import main_text_rows

    name = draw_text("AHANDINE", size=30, pad=1)
    below = draw_text("NE LE 29 12 2001 CLASSE", size=16, pad=1)
    field = stack_rows(name, below[: below.shape[0] // 2])
    field = np.pad(field, ((0, 0), (12, 0)), constant_values=255)
    field[:, 3:8] = 0  # the stamp's ink, top to bottom
    top, bottom = main_text_rows(to_ink(field))
    assert top == 0 and abs(bottom - name.shape[0]) <= 2


def test_main_text_rows_keeps_a_descender_loop_cut_off_by_a_gap():
    from htr_core.recognition.crops import main_text_rows

    word = np.full((60, 100), 255, np.uint8)
    word[5:35, 5:95] = 0  # the body of the word
    word[38:60, 70:95] = 0  # a y's loop, apart from the body, reaching the crop's bottom edge
    assert main_text_rows(to_ink(word)) == (0, 60)


def test_main_text_rows_keeps_dots_accents_and_single_rows_whole():
    from conftest import draw_text
    from htr_core.recognition.crops import main_text_rows

    word = draw_text("minimum", size=40)
    assert main_text_rows(to_ink(word)) == (0, word.shape[0])
    dots = np.full((40, 120), 255, np.uint8)
    dots[2:6, 20:24] = 0  # i-dots above the body, apart from it
    dots[2:6, 60:64] = 0
    dots[14:34, 10:110] = 0
    assert main_text_rows(to_ink(dots)) == (0, 40)
    colon = np.full((30, 12), 255, np.uint8)
    colon[4:8, 4:8] = 0
    colon[20:24, 4:8] = 0
    assert main_text_rows(to_ink(colon)) == (0, 30)


def test_augmentation_writes_letters_narrower_and_wider(word_image):
    # Hands differ in letter width: some augmented copies are squeezed, some stretched.
    ink = crop_to_ink(to_ink(word_image))
    aspect = ink.shape[1] / ink.shape[0]
    ratios = [(lambda out: out.shape[1] / out.shape[0] / aspect)(augment_ink(ink, np.random.default_rng(seed)))
              for seed in range(40)]
    assert min(ratios) < 0.85 and max(ratios) > 1.2


@pytest.mark.parametrize("histogram", ["opencv", "numpy"])  # numpy's counts past float32's exact range
def test_paper_level_is_numpys_90th_percentile(histogram, monkeypatch):
    from htr_core.recognition import crops
    from htr_core.recognition.crops import paper_level

    if histogram == "numpy":
        monkeypatch.setattr(crops, "FLOAT32_EXACT_COUNT", 0)
    rng = np.random.default_rng(5)
    for index in range(300):
        shape = (int(rng.integers(1, 40)), int(rng.integers(1, 200)))
        grey = (rng.integers(0, 256, shape) if index % 2 else np.clip(rng.normal(200, 40, shape), 0, 255)).astype(np.uint8)
        assert paper_level(grey) == float(np.percentile(grey.astype(np.float32), 90))
    floats = rng.random((20, 30)).astype(np.float32)
    assert paper_level(floats, 25) == float(np.percentile(floats, 25))
