"""Reading what users upload, and clear errors for what cannot be read."""

import io

import numpy as np
import pytest
from PIL import Image

from htr_core.io import images as imageio
from htr_core.io.images import ImageReadError, read_image, read_pages


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
    monkeypatch.setenv("HTR_MAX_IMAGE_MP", "0.001")
    with pytest.raises(ImageReadError, match="too large"):
        read_image(encode(Image.new("L", (100, 100), 255)))


def tiff_bytes(frames) -> bytes:
    buffer = io.BytesIO()
    frames[0].save(buffer, format="TIFF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


@pytest.mark.parametrize("data", [
    b"P5\n",  # a PGM header and nothing after it
    encode(Image.fromarray(np.arange(4096, dtype=np.uint16).reshape(64, 64)))[:-30] + b"\x00" * 30,  # 16-bit PNG, damaged
    tiff_bytes([Image.new("L", (64, 64), v) for v in (10, 200, 90)])[:-200],  # multi-page TIFF cut short
    b"GIF89a" + b"\xff" * 40,
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
])
def test_damaged_files_are_read_errors_never_other_exceptions(data):
    with pytest.raises(ImageReadError):
        imageio.read_document(data)


def test_every_frame_is_size_checked_before_it_is_decoded(monkeypatch):
    data = tiff_bytes([Image.new("L", (10, 10), 0), Image.new("L", (200, 200), 0)])
    monkeypatch.setenv("HTR_MAX_IMAGE_MP", "0.001")
    with pytest.raises(ImageReadError, match="frame 2 of 2 is too large"):
        read_pages(data)
    assert read_image(data).shape == (10, 10)  # the first frame alone is within the limit


def test_pillows_process_wide_pixel_limit_is_never_changed():
    before = Image.MAX_IMAGE_PIXELS
    read_image(encode(Image.new("L", (30, 30), 255)))
    with pytest.raises(ImageReadError):
        read_image(b"not an image")
    assert Image.MAX_IMAGE_PIXELS == before


def test_a_document_past_the_page_limit_says_so_and_pages_can_be_chosen(monkeypatch):
    data = tiff_bytes([Image.new("L", (8, 8), v) for v in (10, 100, 200)])
    monkeypatch.setenv("HTR_MAX_PAGES", "2")
    with pytest.raises(ImageReadError, match="has 3 pages; the limit is 2"):
        imageio.read_document(data)
    assert [p[0, 0] for p in imageio.read_document(data, pages=[2])] == [200]
    assert imageio.count_pages(data) == 3
    with pytest.raises(ImageReadError, match="page 4 asked for"):
        imageio.read_document(data, pages=[3])


def test_a_documents_pages_share_one_pixel_budget(monkeypatch):
    data = tiff_bytes([Image.new("L", (20, 20), v) for v in (10, 100, 200)])
    monkeypatch.setenv("HTR_MAX_DOCUMENT_MP", "0.001")
    with pytest.raises(ImageReadError, match="too large to read at once"):
        imageio.read_document(data)
    assert len(imageio.read_document(data, pages=[0, 1])) == 2


def test_pdf_pages_are_rendered_only_when_asked_for(monkeypatch):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument.new()
    for _ in range(3):
        document.new_page(200, 100)
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    rendered = []
    real_render = pdfium.PdfPage.render
    monkeypatch.setattr(pdfium.PdfPage, "render", lambda self, **kw: rendered.append(1) or real_render(self, **kw))
    assert imageio.count_pages(data) == 3 and rendered == []
    pages = imageio.read_document(data, pages=[1])
    assert len(pages) == 1 and len(rendered) == 1
    with pytest.raises(ImageReadError, match="no pages"):
        imageio.read_document(b"%PDF-1.4\n%%EOF\n")


def test_wide_and_deep_images_convert_without_float_copies_of_the_whole():
    rgba = np.zeros((3000, 50, 4), np.uint8)
    rgba[..., 3] = 255
    rgba[:, :25, :3] = 255
    grey = read_image(encode(Image.fromarray(rgba, "RGBA")), max_side=None)
    assert grey.shape == (3000, 50) and grey[:, :25].min() == 255 and grey[:, 25:].max() == 0
    deep = np.full((2100, 20), 40000, np.uint16)
    assert read_image(encode(Image.fromarray(deep)), max_side=None).max() == 255


def test_limits_come_from_the_environment_and_a_bad_value_is_named():
    from htr_core.io.limits import ReadLimits

    assert ReadLimits.from_environment() == ReadLimits()
    explicit = ReadLimits(max_pages=1)
    with pytest.raises(ImageReadError, match="has 3 pages; the limit is 1"):
        imageio.read_document(tiff_bytes([Image.new("L", (8, 8), v) for v in (10, 100, 200)]), limits=explicit)


def test_a_malformed_limit_in_the_environment_is_a_clear_error(monkeypatch):
    from htr_core.io.limits import ReadLimits

    monkeypatch.setenv("HTR_MAX_PAGES", "lots")
    with pytest.raises(ValueError, match="HTR_MAX_PAGES='lots' is not a number"):
        ReadLimits.from_environment()


def test_a_large_opaque_png_is_decoded_reduced_and_reads_as_pillow_reads_it(monkeypatch):
    rng = np.random.default_rng(0)
    rgb = np.repeat(np.repeat(rng.integers(0, 255, (60, 60, 3), dtype=np.uint8), 40, axis=0), 40, axis=1)
    data = encode(Image.fromarray(rgb))  # 2400 x 2400, read at 600: decoded at a quarter, in grey
    fast = read_image(data, max_side=600)
    slow = imageio.limit_size(np.asarray(Image.open(io.BytesIO(data)).convert("L")), 600)
    assert fast.shape == slow.shape == (600, 600)
    assert np.abs(fast.astype(int) - slow).mean() < 2
    monkeypatch.setattr(imageio, "REDUCED_DECODE_FORMATS", ())  # the same image through Pillow alone
    assert np.abs(read_image(data, max_side=600).astype(int) - fast).mean() < 2
