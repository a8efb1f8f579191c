import io
import struct
import zlib

import pytest
from PIL import Image

from projects.images import ImageRejected, clean_photo
from tests.projects.conftest import jpeg_bytes, png_bytes, upload


def test_the_test_jpeg_really_carries_gps():
    image = Image.open(io.BytesIO(jpeg_bytes()))
    exif = image.getexif()
    assert exif[0x0110] == "Model-X"
    gps = exif.get_ifd(0x8825)
    assert gps[1] == "N" and gps[2] == (35.0, 45.0, 36.0)


def test_exif_and_gps_are_removed_from_a_jpeg():
    photo = clean_photo(upload("山田たろう.jpg", jpeg_bytes()))
    for content in (photo.content, photo.thumbnail):
        data = content.read()
        stored = Image.open(io.BytesIO(data))
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert stored.getexif().get_ifd(0x8825) == {}
        assert b"Exif" not in data
        assert b"TestCam" not in data and b"Model-X" not in data
    # The real name in the file name is not kept either.
    assert "山田" not in photo.content.name
    assert photo.content.name.startswith("report-")


def test_orientation_is_applied_before_the_tag_is_dropped():
    image = Image.new("RGB", (60, 20), (10, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    photo = clean_photo(upload("a.jpg", buffer.getvalue()))
    assert (photo.width, photo.height) == (20, 60)


def test_png_keeps_transparency_and_loses_text_chunks():
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "my house is at 1-2-3")
    buffer = io.BytesIO()
    Image.new("RGBA", (20, 20), (0, 0, 0, 0)).save(buffer, format="PNG", pnginfo=info)
    photo = clean_photo(upload("a.png", buffer.getvalue(), "image/png"))
    data = photo.content.read()
    assert b"my house" not in data
    assert Image.open(io.BytesIO(data)).mode == "RGBA"


def test_webp_is_accepted():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (1, 2, 3)).save(buffer, format="WEBP")
    photo = clean_photo(upload("a.webp", buffer.getvalue(), "image/webp"))
    assert photo.content.name.endswith(".webp")


def test_heic_is_sniffed_by_content_and_stored_as_jpeg():
    pillow_heif = pytest.importorskip("pillow_heif")
    buffer = io.BytesIO()
    try:
        Image.new("RGB", (32, 32), (5, 100, 5)).save(buffer, format="HEIF")
    except Exception as error:  # pragma: no cover - encoder not built in
        pytest.skip(f"no HEIF encoder: {error} ({pillow_heif.__version__})")
    photo = clean_photo(upload("IMG_0001.HEIC", buffer.getvalue(), "image/heic"))
    assert photo.content.name.endswith(".jpg")
    assert Image.open(photo.content).format == "JPEG"


def test_a_text_file_named_jpg_is_refused():
    with pytest.raises(ImageRejected) as error:
        clean_photo(upload("photo.jpg", b"<script>alert(1)</script>"))
    assert "写真" in str(error.value.message)


def test_gif_is_refused():
    buffer = io.BytesIO()
    Image.new("P", (10, 10)).save(buffer, format="GIF")
    with pytest.raises(ImageRejected):
        clean_photo(upload("a.gif", buffer.getvalue(), "image/gif"))


def test_over_10_mb_is_refused():
    big = upload("big.jpg", jpeg_bytes() + b"\0" * (10 * 1024 * 1024))
    with pytest.raises(ImageRejected) as error:
        clean_photo(big)
    assert "10MB" in str(error.value.message)


def _png_header_only(width, height):
    """A tiny PNG file that claims huge dimensions (a decompression bomb)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + idat + chunk(b"IEND", b"")


def test_image_bomb_is_refused_without_decoding():
    data = _png_header_only(60_000, 60_000)
    assert len(data) < 1000
    with pytest.raises(ImageRejected) as error:
        clean_photo(upload("bomb.png", data, "image/png"))
    assert "大きすぎる" in str(error.value.message) or "写真" in str(error.value.message)


def test_truncated_image_is_refused():
    data = jpeg_bytes(size=(400, 400))[:300]
    with pytest.raises(ImageRejected):
        clean_photo(upload("cut.jpg", data))


def test_large_photos_are_scaled_down():
    photo = clean_photo(upload("wide.png", png_bytes(size=(3000, 1000)), "image/png"))
    assert (photo.width, photo.height) == (2048, 683)


@pytest.mark.django_db
def test_a_photo_added_outside_the_form_is_stripped_too(site_tree, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from projects.models import ReportPhoto
    from tests.factories import ReportFactory

    report = ReportFactory()
    photo = ReportPhoto(report=report, image=SimpleUploadedFile("admin.jpg", jpeg_bytes()))
    photo.save()
    with photo.image.open("rb") as stored:
        data = stored.read()
    assert b"Exif" not in data and b"Model-X" not in data
    assert photo.thumbnail and "admin" not in photo.image.name
