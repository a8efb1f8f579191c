import io

import pytest
from django.urls import reverse
from PIL import Image
from wagtail.models import WorkflowState

from projects.models import ReportPage
from tests.projects.conftest import jpeg_bytes, make_ambassador, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def _post_report(client, **overrides):
    data = {
        "title": "北山公園のごみひろい",
        "body": "友だちと北山公園でごみをひろいました。",
        "date": "2026-11-01",
        "goals": ["14", "15"],
    }
    data.update(overrides)
    return client.post(reverse("report_new"), data)


def _approve(page, user, comment=""):
    state = page.current_workflow_state
    state.current_task_state.task.specific.on_action(
        state.current_task_state, user, "approve", comment=comment
    )


def _reject(page, user, comment):
    state = page.current_workflow_state
    state.current_task_state.task.specific.on_action(
        state.current_task_state, user, "reject", comment=comment
    )


# --- the form -------------------------------------------------------------------------
def test_form_is_for_ambassadors_only(client, partner, ambassador):
    assert client.get(reverse("report_new")).status_code == 302  # to the login page
    client.force_login(partner)
    assert client.get(reverse("report_new")).status_code == 403
    client.force_login(ambassador)
    html = client.get(reverse("report_new")).content.decode()
    assert 'name="title"' in html
    assert html.count('class="goal-check"') == 17
    assert 'type="file" name="photos"' in html
    assert "<ruby>" in html  # readings are there, hidden until ふりがな is on
    assert "furigana-off" in html
    assert "<script>" not in html.split("</main>")[0]


def test_furigana_param_turns_readings_on(client, ambassador):
    client.force_login(ambassador)
    html = client.get(reverse("report_new") + "?furigana=1").content.decode()
    assert "furigana-off" not in html
    assert "<rt>か</rt>" in html  # 書く


def test_empty_report_gets_child_readable_errors(client, ambassador):
    client.force_login(ambassador)
    response = _post_report(client, title="", goals=[], body="やったよ")
    html = response.content.decode()
    assert response.status_code == 200
    assert "タイトルを<ruby>書<rp>" in html or "タイトルを書いてね" in html
    assert "SDGsの" in html and "えらんでね" in html
    assert "やったよ" in html  # what they typed is kept
    assert ReportPage.objects.count() == 0


def test_typed_title_and_goals_are_kept_on_error(client, ambassador):
    client.force_login(ambassador)
    html = _post_report(client, body="").content.decode()
    assert 'value="北山公園のごみひろい"' in html
    assert 'value="14" id="goal-14" checked' in html
    assert 'value="3" id="goal-3" checked' not in html


def test_too_many_photos_are_refused(client, ambassador):
    client.force_login(ambassador)
    photos = [upload(f"p{i}.jpg", jpeg_bytes()) for i in range(5)]
    response = _post_report(client, photos=photos)
    assert "4まいまで" in response.content.decode()
    assert ReportPage.objects.count() == 0


def test_a_non_image_photo_is_refused_clearly(client, ambassador):
    client.force_login(ambassador)
    response = _post_report(client, photos=[upload("x.jpg", b"not an image at all")])
    html = response.content.decode()
    assert "写真" in html and "ではないみたい" in html
    assert 'value="北山公園のごみひろい"' in html
    assert ReportPage.objects.count() == 0


def test_script_is_shown_as_text(client, ambassador, facilitator):
    client.force_login(ambassador)
    _post_report(client, title="<script>alert(1)</script>", body="<img src=x onerror=alert(1)>")
    page = ReportPage.objects.get()
    _approve(page, facilitator)
    page.refresh_from_db()
    client.logout()
    for path in (page.url, page.url + "?furigana=1", "/reports/"):
        html = client.get(path).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html


# --- submission, moderation, status ---------------------------------------------------------
def test_a_report_is_saved_as_a_draft_in_the_facilitator_workflow(client, ambassador):
    client.force_login(ambassador)
    response = _post_report(client, photos=[upload("kid.jpg", jpeg_bytes())])
    assert response.status_code == 302 and response["Location"] == reverse("reports_mine")
    page = ReportPage.objects.get()
    assert not page.live
    assert page.owner == ambassador
    assert page.nickname == "みどりのカメ" and page.grade == "小学5年"
    assert sorted(g.pk for g in page.goals.all()) == [14, 15]
    state = page.current_workflow_state
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow.name == "ファシリテーター承認"
    # The stored photo has no EXIF and no GPS.
    photo = page.photos.get()
    with photo.image.open("rb") as stored:
        data = stored.read()
    assert b"Exif" not in data and b"Model-X" not in data
    assert dict(Image.open(io.BytesIO(data)).getexif()) == {}
    # Not public yet.
    client.logout()
    assert client.get(page.url or f"/reports/{page.slug}/").status_code == 404
    assert "北山公園のごみひろい" not in client.get("/reports/").content.decode()


def test_status_goes_from_review_to_published(client, ambassador, facilitator):
    client.force_login(ambassador)
    _post_report(client)
    html = client.get(reverse("reports_mine")).content.decode()
    assert "審査中" in html
    page = ReportPage.objects.get()
    _approve(page, facilitator)
    page.refresh_from_db()
    assert page.live
    html = client.get(reverse("reports_mine")).content.decode()
    assert "公開中" in html
    client.logout()
    public = client.get(page.url).content.decode()
    assert "北山公園のごみひろい" in public
    assert "みどりのカメ" in public and "小学5年" in public
    assert "北山公園のごみひろい" in client.get("/reports/").content.decode()
    # ふりがな on the published report: readings above the kanji, generated on the server.
    html = client.get(page.url + "?furigana=1").content.decode()
    assert "<ruby>北山<rp>(</rp><rt>きたやま</rt><rp>)</rp></ruby>" in html
    assert "furigana-off" not in html.split('class="container section report-page', 1)[1][:20]
    assert "<rt>" in client.get(page.url).content.decode()  # present, hidden until asked


def test_sent_back_report_shows_the_comment_and_can_be_fixed(client, ambassador, facilitator):
    client.force_login(ambassador)
    _post_report(client)
    page = ReportPage.objects.get()
    _reject(page, facilitator, "写真に顔がうつっているので、ほかの写真にしてね。")
    html = client.get(reverse("reports_mine")).content.decode()
    assert "差し戻し" in html
    assert "写真に顔がうつっているので、ほかの写真にしてね。" in html
    edit_url = reverse("report_edit", args=[page.pk])
    assert 'value="北山公園のごみひろい"' in client.get(edit_url).content.decode()
    response = client.post(
        edit_url,
        {
            "title": "北山公園のごみひろい（なおしたよ）",
            "body": "なおしました",
            "date": "2026-11-01",
            "goals": ["15"],
        },
    )
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS
    assert "審査中" in client.get(reverse("reports_mine")).content.decode()
    _approve(page, facilitator)
    page.refresh_from_db()
    assert page.live and page.title == "北山公園のごみひろい（なおしたよ）"


def test_a_replaced_photo_is_gone_at_once_and_the_fix_survives_a_second_round(
    client, ambassador, facilitator, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    client.force_login(ambassador)
    _post_report(client, photos=[upload("face.jpg", jpeg_bytes(colour=(250, 200, 180)))])
    page = ReportPage.objects.get()
    face = page.photos.get().image.name
    assert default_storage.exists(face)
    _reject(page, facilitator, "顔がうつっているよ。")
    edit_url = reverse("report_edit", args=[page.pk])
    fields = {"title": "ごみひろい", "body": "なおしました", "date": "2026-11-01", "goals": ["15"]}
    with_new_photo = {**fields, "photos": [upload("park.jpg", jpeg_bytes(colour=(20, 160, 60)))]}
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(edit_url, with_new_photo).status_code == 302
    assert not default_storage.exists(face)  # the photo sent back no longer has an address

    # Sent back again and fixed without a new photo: the park photo stays.
    page.refresh_from_db()
    _reject(page, facilitator, "タイトルをもうすこしくわしく。")
    assert client.post(edit_url, {**fields, "title": "北山公園のごみひろい"}).status_code == 302
    page.refresh_from_db()
    _approve(page, facilitator)
    page.refresh_from_db()
    assert page.live and page.title == "北山公園のごみひろい"
    shown = page.photos.get().image.name
    assert shown != face and default_storage.exists(shown)
    with default_storage.open(shown) as stored:
        assert Image.open(stored).getpixel((5, 5))[1] > 100  # the green park, not the face

    with django_capture_on_commit_callbacks(execute=True):
        page.delete()
    assert not default_storage.exists(shown)


def test_real_name_is_never_shown(client, roles, facilitator):
    kid = make_ambassador("kid9", nickname="そらいろペンギン", grade="中学2年")
    kid.first_name, kid.last_name = "太郎", "山田"
    kid.save()
    client.force_login(kid)
    _post_report(client)
    page = ReportPage.objects.get()
    _approve(page, facilitator)
    page.refresh_from_db()
    client.logout()
    html = client.get(page.url).content.decode() + client.get("/reports/").content.decode()
    assert "そらいろペンギン" in html and "中学2年" in html
    assert "山田" not in html and "太郎" not in html and "kid9" not in html


# --- who may do what --------------------------------------------------------------------
def test_ambassador_cannot_open_the_admin_or_publish(client, ambassador):
    client.force_login(ambassador)
    _post_report(client)
    page = ReportPage.objects.get()
    response = client.get("/admin/")
    assert response.status_code == 302 and "/login" in response["Location"]
    response = client.post(
        f"/admin/pages/{page.pk}/edit/",
        {"title": page.title, "slug": page.slug, "action-publish": "1"},
    )
    assert response.status_code in (302, 403)
    page.refresh_from_db()
    assert not page.live


def test_ambassador_cannot_see_other_childrens_drafts(client, ambassador, roles):
    other = make_ambassador("kid2", nickname="ほしのウサギ")
    client.force_login(other)
    _post_report(client, title="ほしのウサギのひみつレポート")
    page = ReportPage.objects.get()
    client.force_login(ambassador)
    assert "ひみつレポート" not in client.get(reverse("reports_mine")).content.decode()
    assert client.get(reverse("report_edit", args=[page.pk])).status_code == 404
    assert client.get(f"/reports/{page.slug}/").status_code == 404
    assert client.get(f"/admin/pages/{page.pk}/view_draft/").status_code == 302


def test_partner_cannot_approve_reports(client, ambassador, partner):
    client.force_login(ambassador)
    _post_report(client)
    page = ReportPage.objects.get()
    state = page.current_workflow_state
    task_state = state.current_task_state
    assert task_state.task.specific.get_actions(page, partner) == []
    client.force_login(partner)
    response = client.post(
        f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": ""}
    )
    assert response.status_code in (302, 403, 404)
    page.refresh_from_db()
    assert not page.live
    assert page.current_workflow_state.status == WorkflowState.STATUS_IN_PROGRESS


def test_facilitator_can_approve_through_the_admin(client, ambassador, facilitator):
    client.force_login(ambassador)
    _post_report(client)
    page = ReportPage.objects.get()
    task_state = page.current_workflow_state.current_task_state
    client.force_login(facilitator)
    response = client.post(
        f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/", {"comment": "いいね"}
    )
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    assert page.live


# --- ambassador accounts -------------------------------------------------------------------
def test_only_facilitators_create_ambassador_accounts(client, partner, ambassador, facilitator):
    url = reverse("ambassador_new")
    for user in (partner, ambassador):
        client.force_login(user)
        assert client.get(url).status_code == 403
    client.force_login(facilitator)
    data = {
        "username": "kid-new",
        "password": "sora-2026-pass",
        "nickname": "あおいイルカ",
        "grade": "小学4年",
        "guardian_consent_by": "保護者（母）",
    }
    response = client.post(url, data)  # no consent ticked
    assert "保護者の同意がないと" in response.content.decode()
    response = client.post(url, {**data, "guardian_consent": "on"})
    assert response.status_code == 302
    from django.contrib.auth import get_user_model

    kid = get_user_model().objects.get(username="kid-new")
    assert kid.profile.role == "ambassador" and kid.profile.nickname == "あおいイルカ"
    assert kid.profile.guardian_consent_by == "保護者（母）"
    assert kid.profile.guardian_consent_at is not None
    assert kid.ambassador_account.created_by == facilitator
    assert kid.check_password("sora-2026-pass")


def test_report_index_filters_by_goal(client, site_tree):
    from tests.factories import ReportFactory

    ReportFactory(title="海のレポート", goals=[14])
    ReportFactory(title="森のレポート", goals=[15])
    html = client.get("/reports/?sdg=14").content.decode()
    assert "海のレポート" in html and "森のレポート" not in html
    html = client.get("/reports/?sdg=abc&page=zz").content.decode()
    assert "海のレポート" in html and "森のレポート" in html


def test_children_sign_in_with_id_and_password_only(client, ambassador, partner):
    url = reverse("reports_login")
    html = client.post(url, {"username": "kid1", "password": "wrong"}).content.decode()
    assert "ちがうよ" in html
    # Adults use the normal sign-in page, even with the right password.
    html = client.post(url, {"username": "partner1", "password": "pw-partner-1"}).content.decode()
    assert "ちがうよ" in html
    response = client.post(
        url, {"username": "kid1", "password": "pw-kid-12345", "next": "https://evil.example/"}
    )
    assert response.status_code == 302 and response["Location"] == reverse("reports_mine")
    assert client.get(reverse("report_new")).status_code == 200


def test_guessing_a_childs_password_is_slowed_per_account(client, ambassador, settings):
    """The site's log-in limits (test settings switch them off): five wrong passwords lock
    that ID, even from another address and with the right password; other children
    signing in from the same school network are not locked out by it."""
    from django.test import Client

    from openlab.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    url = reverse("reports_login")
    for attempt in range(5):
        html = client.post(url, {"username": "kid1", "password": f"no-{attempt}"}).content
        assert "ちがうよ" in html.decode()
    elsewhere = Client(REMOTE_ADDR="192.0.2.44")
    html = elsewhere.post(url, {"username": "kid1", "password": "pw-kid-12345"}).content.decode()
    assert "たくさんまちがえたので" in html  # (the rest carries furigana markup)
    assert "_auth_user_id" not in elsewhere.session
    make_ambassador("kid2", "あおいトリ")
    response = client.post(url, {"username": "kid2", "password": "pw-kid-12345"})
    assert response.status_code == 302


def test_approving_from_the_admin_dashboard_says_so(client, ambassador, facilitator):
    """Issue 22 item 1: the dashboard's 承認 worked but the page came back without a word."""
    client.force_login(ambassador)
    _post_report(client, title="ひまわりのかんさつ")
    page = ReportPage.objects.get()
    task_state = page.current_workflow_state.current_task_state
    client.force_login(facilitator)
    response = client.post(
        f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/?next=/admin/",
        {"comment": ""},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/admin/"
    assert "「ひまわりのかんさつ」を承認しました。" in response.content.decode()
    page.refresh_from_db()
    assert page.live


def test_requesting_changes_from_the_admin_says_so(client, ambassador, facilitator):
    client.force_login(ambassador)
    _post_report(client, title="ひまわりのかんさつ")
    page = ReportPage.objects.get()
    task_state = page.current_workflow_state.current_task_state
    client.force_login(facilitator)
    response = client.post(
        f"/admin/pages/workflow/action/{page.pk}/reject/{task_state.pk}/?next=/admin/",
        {"comment": "写真をかえてね"},
        follow=True,
    )
    assert "「ひまわりのかんさつ」の変更をリクエストしました。" in response.content.decode()
    page.refresh_from_db()
    assert not page.live
    assert page.current_workflow_state.status == WorkflowState.STATUS_NEEDS_CHANGES


def test_a_partner_cannot_use_the_workflow_action(client, ambassador, partner):
    client.force_login(ambassador)
    _post_report(client)
    page = ReportPage.objects.get()
    task_state = page.current_workflow_state.current_task_state
    client.force_login(partner)
    client.post(f"/admin/pages/workflow/action/{page.pk}/approve/{task_state.pk}/")
    page.refresh_from_db()
    assert not page.live
