"""The site's icon: an SVG linked from every page, and the ICO browsers ask for at /favicon.ico."""

import io
import re

import pytest
from PIL import Image

pytestmark = pytest.mark.django_db


def test_favicon_ico_is_served_at_the_root(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    icon = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert icon.format == "ICO" and (32, 32) in icon.info["sizes"]
    # The site's blue (--brand) fills it.
    assert icon.convert("RGB").getpixel((16, 2)) == (0, 85, 140)


def test_every_page_links_the_icons(client, site_tree):
    html = client.get("/sdgs/").content.decode()
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in html
    svg_url = re.search(r'<link rel="icon" href="([^"]+\.svg)" type="image/svg\+xml">', html)[1]
    response = client.get(svg_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert b'fill="#00558c"' in b"".join(response.streaming_content)
