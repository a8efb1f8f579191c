"""Done-when of issue 4: a child's report goes from submission to publication in a real
browser (Playwright with Debian's chromium), moderated by a facilitator in the Wagtail admin."""

import io

import pytest
from PIL import Image

from tests.browser.conftest import browser, page  # noqa: F401 - the shared browser fixtures
from tests.projects.conftest import jpeg_bytes, make_ambassador

SUBMIT = "main form[method=post] button[type=submit]"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people(site_tree, media_root):
    from allauth.account.models import EmailAddress

    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user, ensure_role_groups

    ensure_role_groups()
    facilitator = create_user(
        "fac-browser", "fac-browser@example.jp", "pw-fac-browser-1", Role.FACILITATOR, "事務局"
    )
    # create_user vouches for the address of accounts facilitators make.
    assert EmailAddress.objects.filter(user=facilitator, verified=True).exists()
    kid = make_ambassador("kid-browser", nickname="にじいろカメ", grade="小学6年")
    return {"facilitator": facilitator, "kid": kid}


def test_report_from_submission_to_publication(page, live_server, people, tmp_path):  # noqa: F811
    from projects.models import ReportPage

    photo = tmp_path / "gps.jpg"
    photo.write_bytes(jpeg_bytes(size=(320, 240)))

    # 1. The child signs in with the ID the facilitator gave them and writes a report.
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(live_server.url + "/reports/new/")
    page.wait_for_url("**/reports/login/**")
    page.fill("#id_username", "kid-browser")
    page.fill("#id_password", "pw-kid-12345")
    page.click(SUBMIT)
    page.wait_for_url("**/reports/new/")

    # An empty submission is refused in plain Japanese.
    page.click(SUBMIT)
    assert page.locator(".form-errors").is_visible()
    assert "タイトルを" in page.locator(".form-errors").inner_text()

    # ふりがな toggles in place without losing what was typed.
    page.fill("#id_title", "空堀川のいきものしらべ")
    page.click("[data-furigana-toggle]")
    assert page.locator("rt").first.is_visible()
    assert page.input_value("#id_title") == "空堀川のいきものしらべ"

    page.fill("#id_body", "空堀川で<b>メダカ</b>を見つけました。")
    page.click("label[for=goal-6]")
    page.click("label[for=goal-15]")
    page.set_input_files("#id_photos", str(photo))
    # The form itself fits a 375px phone (the site header is checked by tests/browser).
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('main *')]"
        ".map(e => e.getBoundingClientRect().right))"
    )
    assert widest <= 375, widest
    page.click(SUBMIT)
    page.wait_for_url("**/reports/mine/")
    assert "審査中" in page.locator(".my-reports").inner_text()

    report = ReportPage.objects.get()
    assert not report.live
    assert page.goto(live_server.url + f"/reports/{report.slug}/").status == 404

    # 2. The facilitator approves it in the Wagtail admin.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", "fac-browser")
    page.fill("input[name=password]", "pw-fac-browser-1")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.goto(live_server.url + f"/admin/pages/{report.pk}/edit/")
    assert "空堀川のいきものしらべ" in page.content()
    page.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").last.click()
    approve = page.locator(
        "button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])"
    )
    approve.click()
    page.wait_for_load_state()

    report.refresh_from_db()
    assert report.live

    # 3. Everyone can read it now: nickname and grade only, script shown as text, no EXIF.
    page.context.clear_cookies()
    page.goto(live_server.url + "/reports/")
    page.click("text=空堀川のいきものしらべ")
    text = page.locator("main").inner_text()
    assert "にじいろカメ" in text and "小学6年" in text
    assert "<b>メダカ</b>" in text
    assert page.locator("main b").count() == 0
    src = page.locator(".photo-grid a").first.get_attribute("href")
    data = page.request.get(live_server.url + src).body()
    assert b"Exif" not in data
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}

    # 4. The child sees it as published.
    page.context.clear_cookies()
    page.goto(live_server.url + "/reports/login/")
    page.fill("#id_username", "kid-browser")
    page.fill("#id_password", "pw-kid-12345")
    page.click(SUBMIT)
    page.wait_for_url("**/reports/mine/")
    assert "公開中" in page.locator(".my-reports").inner_text()
