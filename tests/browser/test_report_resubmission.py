"""Issue 22 item 1: a child's report that was sent back and fixed with a new photo is
approved from the Wagtail editor (「承認と公開」) and published with the new photo.

Walked in a real browser: the child submits, the facilitator requests changes, the child
fixes it with a new photo, the facilitator approves it from the editor."""

import pytest

from tests.projects.conftest import jpeg_bytes, make_ambassador

SUBMIT = "main form[method=post] button[type=submit]"
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def people(site_tree, media_root):
    from openlab.accounts.models import Role
    from openlab.accounts.services import create_user, ensure_role_groups

    ensure_role_groups()
    create_user("fac-fix", "fac-fix@example.jp", "pw-fac-fix-1", Role.FACILITATOR, "事務局")
    return make_ambassador("kid-fix", nickname="あおいトリ", grade="小学4年")


def _kid_login(page, live_server, target):
    page.context.clear_cookies()
    page.goto(live_server.url + "/reports/login/?next=" + target)
    page.fill("#id_username", "kid-fix")
    page.fill("#id_password", "pw-kid-12345")
    page.click(SUBMIT)
    page.wait_for_url("**" + target)


def _facilitator_edit(page, live_server, report):
    page.context.clear_cookies()
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=login]", "fac-fix")
    page.fill("input[name=password]", "pw-fac-fix-1")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()
    page.goto(live_server.url + f"/admin/pages/{report.pk}/edit/")
    page.locator("footer [data-w-dropdown-target='toggle'], footer .dropdown-toggle").last.click()


def test_fixed_report_is_approved_from_the_editor(page, live_server, people, tmp_path):
    from projects.models import ReportPage

    first = tmp_path / "first.jpg"
    first.write_bytes(jpeg_bytes(size=(320, 240), colour=(200, 30, 30)))
    second = tmp_path / "second.jpg"
    second.write_bytes(jpeg_bytes(size=(240, 320), colour=(30, 30, 200)))
    page.set_viewport_size({"width": 1280, "height": 900})

    # 1. The child sends a report with a photo.
    _kid_login(page, live_server, "/reports/new/")
    page.fill("#id_title", "くろめがわのごみひろい")
    page.fill("#id_body", "ごみを10ふくろ集めました。")
    page.click("label[for=goal-14]")
    page.set_input_files("#id_photos", str(first))
    page.click(SUBMIT)
    page.wait_for_url("**/reports/mine/")
    report = ReportPage.objects.get()

    # 2. The facilitator sends it back (変更をリクエスト) with a comment.
    _facilitator_edit(page, live_server, report)
    page.locator("button[data-workflow-action-name='reject']").click()
    page.locator(".modal textarea").fill("顔が写っているので、ちがう写真にしてね。")
    page.locator(".modal button[type=submit]").click()
    page.wait_for_load_state()
    page.wait_for_timeout(500)

    # 3. The child sees why and sends it again with a new photo.
    _kid_login(page, live_server, "/reports/mine/")
    mine = page.locator(".my-reports").inner_text()
    assert "差し戻し" in mine and "ちがう写真にしてね" in mine
    page.goto(live_server.url + f"/reports/mine/{report.pk}/edit/")
    page.set_input_files("#id_photos", str(second))
    page.click(SUBMIT)
    page.wait_for_url("**/reports/mine/")
    assert "審査中" in page.locator(".my-reports").inner_text()

    # 4. The facilitator approves it from the editor: no validation error, published.
    _facilitator_edit(page, live_server, report)
    page.locator(
        "button[data-workflow-action-name='approve']:not([data-workflow-action-modal-url])"
    ).click()
    page.wait_for_load_state()
    assert "この項目は必須です" not in page.content()
    assert "validation errors" not in page.content()

    report.refresh_from_db()
    assert report.live
    photos = list(report.photos.all())
    assert len(photos) == 1
    assert photos[0].width == 240 and photos[0].height == 320  # the new photo, not the first

    # 5. The public page shows the new photo, and its file is there.
    page.context.clear_cookies()
    page.goto(live_server.url + report.url)
    href = page.locator(".photo-grid a").first.get_attribute("href")
    assert href.endswith(photos[0].image.name)
    assert page.request.get(live_server.url + href).status == 200
