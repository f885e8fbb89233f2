"""Reading what users upload, and clear errors for what cannot be read."""

import io

import numpy as np
import pytest
from PIL import Image

from htr_core import imageio
from htr_core.imageio import ImageReadError, read_image, read_pages


def encode(image: Image.Image, fmt: str = "PNG", **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def test_png_bytes_and_path(tmp_path):
    image = Image.fromarray(np.full((10, 20), 100, np.uint8))
    assert read_image(encode(image)).shape == (10, 20)
    image.save(tmp_path / "a.png")
    assert read_image(tmp_path / "a.png")[0, 0] == 100


def test_transparent_ink_is_flattened_onto_white():
    rgba = np.zeros((8, 8, 4), np.uint8)  # fully transparent background
    rgba[2:4, 2:4] = (0, 0, 0, 255)  # opaque black ink
    grey = read_image(encode(Image.fromarray(rgba, "RGBA")))
    assert grey[0, 0] == 255 and grey[2, 2] == 0


def test_exif_orientation_is_applied():
    image = Image.fromarray(np.full((10, 30, 3), 200, np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    grey = read_image(encode(image, "JPEG", exif=exif))
    assert grey.shape == (30, 10)


def test_sixteen_bit_is_scaled_to_eight():
    array = np.full((4, 4), 65535, np.uint16)
    array[0, 0] = 0
    grey = read_image(encode(Image.fromarray(array)))
    assert grey.dtype == np.uint8 and grey.max() == 255 and grey[0, 0] == 0


def test_cmyk_jpeg():
    grey = read_image(encode(Image.new("CMYK", (6, 5), (0, 0, 0, 0)), "JPEG"))
    assert grey.shape == (5, 6) and grey.mean() > 240


def test_multi_page_tiff():
    pages = [Image.fromarray(np.full((5, 5), v, np.uint8)) for v in (10, 200)]
    buffer = io.BytesIO()
    pages[0].save(buffer, format="TIFF", save_all=True, append_images=pages[1:])
    read = read_pages(buffer.getvalue())
    assert [p[0, 0] for p in read] == [10, 200]


def test_large_images_are_downscaled():
    grey = read_image(encode(Image.new("L", (5000, 100), 255)), max_side=1000)
    assert grey.shape == (20, 1000)


@pytest.mark.parametrize(
    "data, message",
    [(b"", "empty"), (b"not an image at all", "not an image"), (encode(Image.new("L", (50, 50)))[:60], "corrupt|cannot read")],
)
def test_bad_bytes_give_clear_errors(data, message):
    with pytest.raises(ImageReadError, match=message):
        read_image(data)


def test_missing_file(tmp_path):
    with pytest.raises(ImageReadError, match="no such file"):
        read_image(tmp_path / "nope.png")


def test_absurdly_large_image_is_refused(monkeypatch):
    monkeypatch.setattr(imageio, "MAX_PIXELS", 1000)
    with pytest.raises(ImageReadError, match="too large"):
        read_image(encode(Image.new("L", (100, 100), 255)))
