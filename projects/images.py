"""Images without metadata: children's report photos, and every Wagtail image of the site.

``_pixels_only`` is the one place an image is rebuilt from its pixels alone (EXIF, GPS,
XMP, IPTC, ICC and comments all left behind), after the EXIF orientation has been
applied to the pixels. Two callers:

* children's report photos (``clean_photo``): checked strictly, scaled down, renamed;
* every Wagtail image, whatever path created it (admin upload, chooser upload, multiple
  upload, front-end forms, CSV import, demo loader): ``strip_image_on_save`` runs before
  the image row is saved with a new file, so the original is stored clean and the
  renditions made from it are clean too (Willow copies the original's EXIF into them).

Photo intake for children's reports: check, then re-encode without any metadata.

The uploaded file is never stored: only the pixels are kept, re-encoded into a
fresh file, so EXIF (GPS location, camera, date), XMP, IPTC, comments and ICC
profiles are all dropped. The orientation EXIF tag is applied to the pixels first
so the photo stays the right way up.

HEIC/HEIF (iPhone photos) is accepted only when Pillow can open it (the
pillow-heif plugin registers an opener); the file type is decided by sniffing the
content, never by the file name or the browser's content type. HEIC photos are
stored as JPEG.
"""

import io
import secrets
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

try:  # pragma: no cover - depends on the installed plugin
    from pillow_heif import register_heif_opener

    register_heif_opener()
    HEIF_SUPPORTED = True
except ImportError:  # pragma: no cover
    HEIF_SUPPORTED = False

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = getattr(settings, "WAGTAILIMAGES_MAX_IMAGE_PIXELS", 40_000_000)
MAX_SIDE = 20_000
STORED_MAX_SIDE = 2048
# Pillow format name -> (stored format, extension)
ACCEPTED = {"JPEG": ("JPEG", "jpg"), "PNG": ("PNG", "png"), "WEBP": ("WEBP", "webp")}
if HEIF_SUPPORTED:
    ACCEPTED["HEIF"] = ("JPEG", "jpg")


class ImageRejected(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


THUMB_SIDE = 640


@dataclass
class CleanPhoto:
    content: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def clean_photo(upload):
    """Check `upload` (a Django UploadedFile) and return a re-encoded copy with no metadata.

    Raises ImageRejected with a message a child can read.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ImageRejected(_("写真が大きすぎるよ（10MBまで）。小さい写真をえらんでね。"))
    upload.seek(0)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageRejected(_("写真が大きすぎるよ（10MBまで）。小さい写真をえらんでね。"))
    if not data:
        raise ImageRejected(_("からっぽのファイルは使えないよ。"))
    return clean_photo_bytes(data)


def clean_photo_bytes(data):
    not_an_image = _("写真（JPEG・PNG・HEIC・WebP）ではないみたい。写真をえらんでね。")
    too_many_pixels = _("写真のサイズが大きすぎるよ。小さい写真をえらんでね。")
    with warnings.catch_warnings():
        # A decompression-bomb warning becomes an error: such files are refused.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise ImageRejected(too_many_pixels) from None
        except (UnidentifiedImageError, Exception):
            # Exception too: a malformed file must be refused, never a 500.
            raise ImageRejected(not_an_image) from None
        if image.format not in ACCEPTED:
            if image.format in ("HEIF", "AVIF"):
                raise ImageRejected(
                    _("この写真（HEIC）は読みこめなかったよ。JPEGにしてからえらんでね。")
                )
            raise ImageRejected(not_an_image)
        width, height = image.size
        if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
            raise ImageRejected(too_many_pixels)
        stored_format, extension = ACCEPTED[image.format]
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except Exception:
            raise ImageRejected(not_an_image) from None
    fresh = _pixels_only(image, stored_format, STORED_MAX_SIDE)
    thumb = fresh.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    token = secrets.token_hex(8)
    return CleanPhoto(
        ContentFile(_encode(fresh, stored_format), name=f"report-{token}.{extension}"),
        ContentFile(_encode(thumb, stored_format), name=f"report-{token}-thumb.{extension}"),
        fresh.width,
        fresh.height,
    )


UNREADABLE_IMAGE = _(
    "画像を読み込めませんでした。ファイルが壊れているか、途中までしかありません。"
    "別のファイルを選んでください。"
)


def image_header_problem(upload, max_pixels):
    """Why `upload` cannot be an image, judged from its header alone (no pixels decoded),
    or None. Used before an image library decodes the whole file: a header promising
    a huge picture is refused before any memory is spent on it."""
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                width, height = image.size
    except Image.DecompressionBombError:
        width = height = None
    except Exception:  # not an image Pillow can identify
        return UNREADABLE_IMAGE
    finally:
        upload.seek(0)
    limit = max_pixels or Image.MAX_IMAGE_PIXELS
    if width is None or width * height > limit:
        return _("画像の画素数（幅×高さ）が多すぎます。%(max)s画素以下の画像にしてください。") % {
            "max": f"{limit:,}"
        }
    return None


def _pixels_only(image, stored_format, max_side=None):
    """A brand-new image from the (already upright) pixels alone: no info, no EXIF, no
    ICC, no XMP, no comments."""
    if stored_format == "JPEG":
        mode = "RGB"
    elif image.mode in ("RGBA", "LA") or "transparency" in image.info:
        mode = "RGBA"
    else:
        mode = "RGB"
    if image.mode == "P" or image.mode != mode:
        image = image.convert(mode)
    if max_side:
        image.thumbnail((max_side, max_side))
    return Image.frombytes(image.mode, image.size, image.tobytes())


def _encode(image, stored_format, **extra):
    buffer = io.BytesIO()
    options = {
        "JPEG": {"quality": 85, "optimize": True},
        "WEBP": {"quality": 85},
        "PNG": {},
        "GIF": {},
    }
    image.save(buffer, format=stored_format, **options[stored_format], **extra)
    return buffer.getvalue()


# --- every Wagtail image ------------------------------------------------------------------
# Pillow format -> (stored format, extension). Formats Pillow reads but is not sure to
# write (HEIF, AVIF...) are stored as JPEG, or PNG when they have transparency.
KEPT_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}


def strip_metadata(data):
    """(bytes, extension) of the image in `data` re-encoded without any metadata, the
    EXIF orientation applied to the pixels first; None when Pillow cannot read it (the
    upload forms have refused such files already)."""
    try:
        image = Image.open(io.BytesIO(data))
        source_format = image.format
        if getattr(image, "is_animated", False):
            return _strip_animation(image, source_format)
        image.load()
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - not an image Pillow can decode
        return None
    if source_format in KEPT_FORMATS:
        stored_format = source_format
    elif image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        stored_format = "PNG"
    else:
        stored_format = "JPEG"
    if stored_format == "GIF":
        fresh = image.convert("RGBA") if "transparency" in image.info else image.convert("RGB")
        fresh = Image.frombytes(fresh.mode, fresh.size, fresh.tobytes())
    else:
        fresh = _pixels_only(image, stored_format)
    return _encode(fresh, stored_format), KEPT_FORMATS.get(stored_format, "jpg")


def _strip_animation(image, source_format):
    """Animated GIF/WebP: every frame re-encoded from its pixels, the timing kept."""
    from PIL import ImageSequence

    stored_format = source_format if source_format in ("GIF", "WEBP") else "GIF"
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        rgba = frame.convert("RGBA")
        frames.append(Image.frombytes("RGBA", rgba.size, rgba.tobytes()))
        durations.append(frame.info.get("duration", 100))
    data = _encode(
        frames[0],
        stored_format,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=image.info.get("loop", 0),
    )
    return data, KEPT_FORMATS[stored_format]


METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop")


def has_metadata(data):
    """Whether the image in `data` carries EXIF, XMP, IPTC, ICC or a comment."""
    try:
        image = Image.open(io.BytesIO(data))
        return bool(image.getexif()) or any(key in image.info for key in METADATA_KEYS)
    except Exception:  # noqa: BLE001 - not an image Pillow can read: nothing to strip
        return False


def strip_image_on_save(sender, instance, raw=False, **kwargs):
    """pre_save of the Wagtail image model: a new file is replaced by its clean copy
    before it is written to storage, and the size, hash and dimensions follow it."""
    import os

    file = instance.file
    if raw or not file or getattr(file, "_committed", True):
        return  # no new file: already stored (and cleaned when it was saved)
    file.seek(0)
    cleaned = strip_metadata(file.read())
    file.seek(0)
    if cleaned is None:
        return
    data, extension = cleaned
    stem = os.path.splitext(os.path.basename(file.name))[0] or "image"
    instance.file = ContentFile(data, name=f"{stem}.{extension}")  # updates width/height
    instance._set_image_file_metadata()  # Wagtail's own: file_size and file_hash
