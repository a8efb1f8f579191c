"""Issue 14, item 8: no uploaded image keeps its GPS or camera EXIF, whatever way it came in.

Checked on what the site serves: the original file (Image.file.url) and the rendition a
public project page links to, read back from the media folder by their URLs.
"""

import io
import re
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import Collection

from openlab.accounts.models import Role
from openlab.accounts.services import create_user, ensure_role_groups
from tests.factories import ProjectFactory, StakeholderFactory
from tests.projects.conftest import upload

pytestmark = pytest.mark.django_db


def exif_jpeg(size=(60, 20)):
    """A JPEG with camera, GPS and an orientation tag (6: turn 90° clockwise to show)."""
    image = PILImage.new("RGB", size, (200, 80, 40))
    image.paste((10, 10, 10), (0, 0, 10, 10))  # a dark corner, to check the turn
    exif = PILImage.Exif()
    exif[0x010F] = "TestCam"
    exif[0x0110] = "Model-X"
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (35.0, 45.0, 36.0), "E", (139.0, 27.0, 55.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def served_bytes(url):
    """The bytes the site serves at a media URL."""
    assert url.startswith(settings.MEDIA_URL), url
    return (settings.MEDIA_ROOT / unquote(url[len(settings.MEDIA_URL) :])).read_bytes()


def assert_clean(data):
    picture = PILImage.open(io.BytesIO(data))
    assert dict(picture.getexif()) == {}
    assert picture.getexif().get_ifd(0x8825) == {}
    assert b"TestCam" not in data and b"Model-X" not in data
    assert "exif" not in picture.info


def assert_upright(data):
    """Orientation 6 applied to the pixels: the 60×20 picture is now 20×60, and the dark
    corner moved from the top left to the top right."""
    picture = PILImage.open(io.BytesIO(data)).convert("RGB")
    assert picture.size == (20, 60)
    assert sum(picture.getpixel((17, 2))) < 100
    assert sum(picture.getpixel((2, 2))) > 200


@pytest.fixture
def facilitator(site_tree):
    ensure_role_groups()
    user = create_user("fa", "fa@example.jp", "pw-Openlab-1", Role.FACILITATOR)
    return get_user_model().objects.get(pk=user.pk)


def _upload_by(client, way):
    root = Collection.get_first_root_node().pk
    if way == "admin":
        data = {"title": "計画の写真", "collection": root, "file": upload("gps.jpg", exif_jpeg())}
        response = client.post("/admin/images/add/", data)
        assert response.status_code == 302, response.content[:500]
    elif way == "multiple":
        data = {
            "title": "計画の写真",
            "collection": root,
            "files[]": upload("gps.jpg", exif_jpeg()),
        }
        response = client.post("/admin/images/multiple/add/", data)
        assert response.status_code == 200 and b'"success": true' in response.content
    elif way == "chooser":
        data = {
            "image-chooser-upload-title": "計画の写真",
            "image-chooser-upload-collection": root,
            "image-chooser-upload-file": upload("gps.jpg", exif_jpeg()),
        }
        response = client.post("/admin/images/chooser/create/", data)
        assert response.status_code == 200 and b'"step": "chosen"' in response.content
    else:  # any code path (CSV import, demo loader, front-end forms): the model itself
        Image.objects.create(title="計画の写真", file=ContentFile(exif_jpeg(), "gps.jpg"))
    return Image.objects.get(title="計画の写真")


@pytest.mark.parametrize("way", ["admin", "multiple", "chooser", "code"])
def test_served_original_and_rendition_carry_no_exif(client, facilitator, media_root, way):
    client.force_login(facilitator)
    image = _upload_by(client, way)

    original = served_bytes(image.file.url)
    assert_clean(original)
    assert_upright(original)
    assert (image.width, image.height) == (20, 60)
    assert image.file_size == len(original)

    # A project photo on a public page: the rendition it links to.
    project = ProjectFactory(title="写真つきの計画", lead=StakeholderFactory(title="団体P"))
    project.images.create(image=image, caption="活動のようす")
    project.save_revision().publish()
    html = client.get(project.url).content.decode()
    sources = re.findall(r'<img[^>]+src="([^"]+)"', html)
    renditions = [src for src in sources if "/images/" in src]
    assert renditions, sources
    for src in renditions:
        rendition = served_bytes(src)
        assert_clean(rendition)
        assert_upright(rendition)


def test_images_stored_before_are_cleaned_by_the_command(media_root, site_tree):
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    # Stored as it was before this fix: the file written as uploaded, then the row.
    name = default_storage.save("original_images/old-gps.jpg", ContentFile(exif_jpeg()))
    image = Image.objects.create(title="古い写真", file=name, width=60, height=20)
    old_rendition = image.get_rendition("width-40")
    assert b"TestCam" in served_bytes(old_rendition.url)  # Willow copied the EXIF

    out = io.StringIO()
    call_command("strip_image_metadata", stdout=out)
    assert "cleaned 1 image(s)" in out.getvalue()
    image.refresh_from_db()
    original = served_bytes(image.file.url)
    assert_clean(original)
    assert_upright(original)
    assert not default_storage.exists(name)
    assert not default_storage.exists(old_rendition.file.name)
    assert_clean(served_bytes(image.get_rendition("width-40").url))

    out = io.StringIO()
    call_command("strip_image_metadata", stdout=out)  # nothing left to do
    assert "cleaned 0 image(s)" in out.getvalue()
