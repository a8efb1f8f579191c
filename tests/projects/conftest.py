import io

import pytest
from PIL import Image


@pytest.fixture
def roles(site_tree):
    from openlab.accounts.services import ensure_role_groups

    return ensure_role_groups()


@pytest.fixture
def facilitator(roles):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user

    return create_user("fac", "fac@example.jp", "pw-fac-12345", Role.FACILITATOR, "事務局")


def make_ambassador(username="kid1", nickname="みどりのカメ", grade="小学5年", group=None):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user
    from projects.models import AmbassadorAccount

    user = create_user(
        username,
        "",
        "pw-kid-12345",
        Role.AMBASSADOR,
        display_name=nickname,
        nickname=nickname,
        grade=grade,
        guardian_consent_by="保護者",
    )
    AmbassadorAccount.objects.create(user=user, group=group)
    return user


@pytest.fixture
def ambassador(roles):
    return make_ambassador()


@pytest.fixture
def partner(roles):
    from openlab.accounts.models import Role
    from openlab.accounts.services import approve_membership, create_user
    from tests.factories import StakeholderFactory

    user = create_user("partner1", "p1@example.jp", "pw-partner-1", Role.CITIZEN, "パートナー")
    user.stakeholder = StakeholderFactory(title="にこにこキッチン")
    approve_membership(user, user.stakeholder)
    return user


def jpeg_bytes(size=(64, 48), gps=True, colour=(200, 80, 40)):
    """A real JPEG; with `gps`, its EXIF carries a camera model and GPS coordinates."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # Make
    exif[0x0110] = "Model-X"  # Model
    exif[0x0132] = "2026:11:01 10:00:00"  # DateTime
    if gps:
        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N"
        gps_ifd[2] = (35.0, 45.0, 36.0)
        gps_ifd[3] = "E"
        gps_ifd[4] = (139.0, 27.0, 55.0)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def png_bytes(size=(32, 32)):
    buffer = io.BytesIO()
    Image.new("RGBA", size, (0, 128, 255, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name, data, content_type="image/jpeg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)
