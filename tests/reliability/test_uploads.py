"""Hostile uploads: too big, the wrong type, image bombs, corrupt files, double extensions.

Every way a file gets in is tried: Wagtail images as a partner (the upload page, the
multiple uploader, and the chooser that project photos, progress pictures, logos and
event images use), Wagtail documents, children's report photos (their form and the
admin), and the stakeholder CSV import. Each bad file must be refused with a specific
Japanese message, a form shown again (200) or a 400, never a 500, and nothing may be
half-written: no database row, no file left in MEDIA_ROOT. A good file goes through
each way too, so the checks are known to see a stored upload when there is one.
"""

import io
import json
import os
import re
import struct
import zlib
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.projects.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024


# --- hostile files, built small -----------------------------------------------------
def png_claiming(width, height):
    """A valid PNG header promising width×height pixels, with almost no data (< 1 kB)."""

    def chunk(kind, data):
        crc = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def gif_bytes():
    buffer = io.BytesIO()
    Image.new("P", (8, 8)).save(buffer, format="GIF")
    return buffer.getvalue()


OVERSIZED = jpeg_bytes() + b"\0" * TEN_MB  # a real JPEG, padded past the 10 MB limit
BOMB = png_claiming(50_000, 50_000)  # 2.5 billion pixels in 60 bytes
TRUNCATED_PNG = png_claiming(6_000, 6_000)  # within the pixel limit, data missing
TRUNCATED_JPEG = jpeg_bytes(size=(400, 400))[:300]
TEXT = b"this is not a photo\n" * 20
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"PE\x00\x00" + b"\x90" * 200
HTML = b"<html><body><script>alert('upload')</script></body></html>"
SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
    b"<script>alert('svg')</script></svg>"
)
PHP = b"<?php system($_GET['c']); ?>"

# (file name, content, case id)
BAD_IMAGES = [
    ("big.jpg", OVERSIZED, "oversized"),
    ("notes.jpg", TEXT, "text renamed .jpg"),
    ("setup.exe", EXE, "exe"),
    ("page.html", HTML, "html"),
    ("drawing.svg", SVG, "svg with script"),
    ("bomb.png", BOMB, "50000x50000 bomb"),
    ("cut.png", TRUNCATED_PNG, "truncated png"),
    ("cut.jpg", TRUNCATED_JPEG, "truncated jpeg"),
    ("photo.jpg.php", jpeg_bytes(), "photo.jpg.php"),
    ("report.php.jpg", PHP, "report.php.jpg"),
]

# What the Wagtail image forms answer (Wagtail's Japanese, or projects/images.py).
NOT_AN_IMAGE = "画像をアップロードしてください"
WAGTAIL_IMAGE_ERRORS = {
    "oversized": "このファイルは大きすぎます",
    "text renamed .jpg": NOT_AN_IMAGE,
    "exe": NOT_AN_IMAGE,
    "html": "サポートされていない画像形式です",
    "svg with script": "サポートされていない画像形式です",
    "50000x50000 bomb": "画素数（幅×高さ）が多すぎます",
    "truncated png": "画像を読み込めませんでした",
    "truncated jpeg": "画像を読み込めませんでした",
    "photo.jpg.php": "サポートされていない画像形式です",
    "report.php.jpg": NOT_AN_IMAGE,
}


def visible_text(html):
    """What a reader sees: tags and furigana readings (<rt>, <rp>) removed."""
    html = re.sub(r"<(rt|rp)>.*?</\1>", "", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", "", html))


def files_under(root):
    return sorted(
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _dirs, names in os.walk(root)
        for name in names
    )


def upload(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def people(site_tree):
    from openlab.accounts.models import Role
    from openlab.accounts.services import approve_membership, create_user, ensure_role_groups
    from tests.factories import StakeholderFactory

    ensure_role_groups()
    partner = create_user("partner1", "p1@example.jp", "pw-partner-1", Role.CITIZEN, "パ")
    approve_membership(partner, StakeholderFactory(title="にこにこキッチン"))
    facilitator = create_user("fac", "fac@example.jp", "pw-fac-12345", Role.FACILITATOR, "事務")
    return {"partner": partner, "facilitator": facilitator}


# --- Wagtail images as a partner ---------------------------------------------------------
def post_image(client, way, name, data):
    """(response, the text a person reads in the answer) of one upload through `way`."""
    file = upload(name, data, "image/jpeg")
    if way == "add":
        response = client.post(
            "/admin/images/add/", {"title": "写真", "file": file, "collection": "1"}
        )
        return response, visible_text(response.content.decode())
    if way == "multiple":
        response = client.post(
            "/admin/images/multiple/add/",
            {"files[]": file, "collection": "1"},
            headers={"x-requested-with": "XMLHttpRequest"},
        )
        body = response.content.decode()
        if response.status_code == 200 and response["Content-Type"] == "application/json":
            data = json.loads(body)
            return response, data.get("error_message") or ("success" if data["success"] else "")
        return response, body
    response = client.post(
        "/admin/images/chooser/create/",
        {
            "image-chooser-upload-title": "写真",
            "image-chooser-upload-file": file,
            "image-chooser-upload-collection": "1",
        },
    )
    if response.status_code != 200:
        return response, ""
    return response, visible_text(json.loads(response.content).get("htmlFragment", ""))


@pytest.mark.parametrize("way", ["add", "multiple", "chooser"])
def test_bad_images_are_refused_for_partners_and_nothing_is_stored(client, people, media_root, way):
    from wagtail.images.models import Image as WagtailImage

    client.force_login(people["partner"])
    client.raise_request_exception = False
    for name, data, case in BAD_IMAGES:
        response, text = post_image(client, way, name, data)
        assert response.status_code in (200, 400), f"{way} {case}: HTTP {response.status_code}"
        expected = WAGTAIL_IMAGE_ERRORS[case]
        assert expected in text, f"{way} {case}: expected {expected!r}, got {text[:300]!r}"
        assert WagtailImage.objects.count() == 0, f"{way} {case}: an image row was written"
        assert files_under(media_root) == [], f"{way} {case}: files left behind"
    # The same way takes a good photo (so the checks above can see a stored one).
    response, _text = post_image(client, way, "good.jpg", jpeg_bytes())
    assert response.status_code in (200, 302)
    assert WagtailImage.objects.count() == 1
    assert any(path.startswith("original_images/") for path in files_under(media_root))


# --- Wagtail documents -----------------------------------------------------------------
BAD_DOCUMENTS = [
    ("setup.exe", EXE),
    ("page.html", HTML),
    ("drawing.svg", SVG),
    ("photo.jpg.php", jpeg_bytes()),
    ("report.php.jpg", PHP),
]


def test_partners_cannot_upload_documents(client, people, media_root):
    from wagtail.documents.models import Document

    client.force_login(people["partner"])
    response = client.post(
        "/admin/documents/multiple/add/",
        {"files[]": upload("minutes.pdf", b"%PDF-1.4\n"), "collection": "1"},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code in (302, 403)
    assert Document.objects.count() == 0 and files_under(media_root) == []


def test_documents_of_a_forbidden_type_are_refused(admin_client, media_root):
    from wagtail.documents.models import Document

    admin_client.raise_request_exception = False
    for name, data in BAD_DOCUMENTS:
        response = admin_client.post(
            "/admin/documents/add/", {"title": name, "file": upload(name, data), "collection": "1"}
        )
        assert response.status_code == 200, name
        text = response.content.decode()
        extension = name.rsplit(".", 1)[1]
        assert f"ファイル拡張子 “{extension}” は許可されていません" in text, name
        assert Document.objects.count() == 0 and files_under(media_root) == [], name
    response = admin_client.post(
        "/admin/documents/add/",
        {"title": "議事録", "file": upload("minutes.pdf", b"%PDF-1.4\n%%EOF\n"), "collection": "1"},
    )
    assert response.status_code == 302 and Document.objects.count() == 1


# --- children's report photos -------------------------------------------------------------
REPORT_PHOTO_ERRORS = {
    "oversized": "写真が大きすぎるよ（10MBまで）",
    "text renamed .jpg": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
    "exe": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
    "html": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
    "svg with script": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
    "50000x50000 bomb": "写真のサイズが大きすぎるよ",
    "truncated png": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
    "truncated jpeg": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
    "report.php.jpg": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
    "gif": "写真（JPEG・PNG・HEIC・WebP）ではないみたい",
}


def test_bad_report_photos_are_refused_in_the_childrens_form(client, people, media_root):
    from projects.models import ReportPage, ReportPhoto
    from tests.projects.conftest import make_ambassador

    client.force_login(make_ambassador())
    cases = [case for case in BAD_IMAGES if case[2] != "photo.jpg.php"] + [
        ("a.gif", gif_bytes(), "gif")
    ]
    for name, data, case in cases:
        response = client.post(
            reverse("report_new"),
            {
                "title": "ごみひろい",
                "body": "公園でごみをひろいました。",
                "date": "2026-11-01",
                "goals": ["14"],
                "photos": [upload(name, data, "image/jpeg")],
            },
        )
        assert response.status_code == 200, f"{case}: HTTP {response.status_code}"
        expected = REPORT_PHOTO_ERRORS[case]
        assert expected in visible_text(response.content.decode()), f"{case}: {expected!r}"
        assert ReportPage.objects.count() == 0 and ReportPhoto.objects.count() == 0, case
        assert files_under(media_root) == [], f"{case}: files left behind"
    # A real photo under a double extension is kept only as a re-encoded JPEG with a
    # random name: the uploaded name (and any ".php" in it) is never used.
    response = client.post(
        reverse("report_new"),
        {
            "title": "ごみひろい",
            "body": "公園でごみをひろいました。",
            "date": "2026-11-01",
            "goals": ["14"],
            "photos": [upload("photo.jpg.php", jpeg_bytes(), "image/jpeg")],
        },
    )
    assert response.status_code == 302
    stored = files_under(media_root)
    assert stored and all(path.endswith(".jpg") and "php" not in path for path in stored)


def report_admin_form(report, photo):
    from wagtail.test.utils.form_data import inline_formset, nested_form_data

    return nested_form_data(
        {
            "title": report.title,
            "slug": report.slug,
            "body": report.body,
            "nickname": report.nickname,
            "grade": report.grade,
            "date": "2026-11-01",
            "photos": inline_formset([{"image": photo}]),
            "comments": inline_formset([]),
            "action-publish": "1",
        }
    )


def test_bad_report_photos_are_refused_in_the_admin(client, people, media_root):
    """A facilitator adds a photo to a report in the admin: the same intake as the
    children's form. (Before the fix the raw file was stored as uploaded: any format,
    any size, with its EXIF GPS and its original name.)"""
    from projects.models import ReportPhoto
    from tests.factories import ReportFactory

    report = ReportFactory()
    revisions = report.revisions.count()
    client.force_login(people["facilitator"])
    client.raise_request_exception = False
    # Django's image field refuses what Pillow cannot open and verify; the photo intake
    # refuses the rest (too big, GIF, pixels missing).
    admin_errors = {
        **dict.fromkeys([case for _name, _data, case in BAD_IMAGES], NOT_AN_IMAGE),
        "oversized": REPORT_PHOTO_ERRORS["oversized"],
        "truncated png": REPORT_PHOTO_ERRORS["truncated png"],
        "gif": REPORT_PHOTO_ERRORS["gif"],
    }
    for name, data, case in [*BAD_IMAGES, ("a.gif", gif_bytes(), "gif")]:
        if case == "photo.jpg.php":
            continue
        response = client.post(
            f"/admin/pages/{report.pk}/edit/", report_admin_form(report, upload(name, data))
        )
        assert response.status_code == 200, f"{case}: HTTP {response.status_code}"
        expected = admin_errors[case]
        assert expected in visible_text(response.content.decode()), f"{case}: {expected!r}"
        assert ReportPhoto.objects.count() == 0, f"{case}: a photo row was written"
        assert files_under(media_root) == [], f"{case}: files left behind"
        assert report.revisions.count() == revisions, f"{case}: a revision was saved"
    # A real photo with GPS in its EXIF, named after a child: stored clean, renamed.
    response = client.post(
        f"/admin/pages/{report.pk}/edit/",
        report_admin_form(report, upload("山田たろう.jpg", jpeg_bytes(), "image/jpeg")),
    )
    assert response.status_code == 302
    photo = ReportPhoto.objects.get()
    assert "山田" not in photo.image.name and photo.image.name.endswith(".jpg")
    with photo.image.open("rb") as stored:
        data = stored.read()
    assert b"Exif" not in data and b"Model-X" not in data
    assert photo.thumbnail and Image.open(photo.thumbnail.path).size[0] <= 640


# --- the stakeholder CSV import -------------------------------------------------------------
CSV_FILES = [
    (
        "big.csv",
        b"name,kind\n" + b"a,npo\n" * (TEN_MB // 6 + 1),
        "ファイルが大きすぎます（10MBまで）",
    ),
    ("stakeholders.csv.exe", EXE, "CSVファイルではありません"),
    ("stakeholders.csv", BOMB, "CSVファイルではありません"),
    ("stakeholders.html", HTML, "1行目の見出しが正しくありません"),
    ("drawing.csv", SVG, "1行目の見出しが正しくありません"),
    ("sjis.csv", b"name\x81 kind", "文字コードを判別できません"),
    # Django's words, or the project's own translation of them (locale/).
    ("empty.csv", b"", ("入力されたファイルは空です", "添付ファイルの中身が空でした")),
]


def test_bad_csv_files_are_refused_and_nothing_is_imported(client, people, media_root, tmp_path):
    from django.core.management import CommandError, call_command

    from stakeholders.models import StakeholderPage

    before = StakeholderPage.objects.count()
    client.force_login(people["facilitator"])
    for name, data, expected in CSV_FILES:
        response = client.post(reverse("stakeholders_admin:import"), {"file": upload(name, data)})
        assert response.status_code == 200, name
        answers = expected if isinstance(expected, tuple) else (expected,)
        text = visible_text(response.content.decode())
        assert any(answer in text for answer in answers), f"{name}: {expected!r} not shown"
        assert StakeholderPage.objects.count() == before, name
        assert files_under(media_root) == [], name
        if data:  # the command line refuses the same files with the same words
            path = tmp_path / name
            path.write_bytes(data)
            with pytest.raises(CommandError, match=expected[:8]):
                call_command("import_stakeholders", str(path), "--no-progress")
    assert StakeholderPage.objects.count() == before
