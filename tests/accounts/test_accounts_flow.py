import re

import pytest
from django.contrib.auth import get_user_model

from openlab.accounts.models import PartnerMembership, Profile
from openlab.accounts.services import create_user, ensure_role_groups
from stakeholders.models import StakeholderPage
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db


def test_signup_sends_a_verification_mail_and_creates_a_citizen_profile(
    client, site_tree, mailoutbox
):
    html = client.get("/accounts/signup/").content.decode()
    assert "新規登録" in html and 'class="site-header"' in html
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.jp",
            "username": "newbie",
            "password1": "Higashi-2026!x",
            "password2": "Higashi-2026!x",
        },  # fmt: skip
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newbie")
    assert Profile.objects.get(user=user).role == "citizen"
    assert len(mailoutbox) == 1 and "new@example.jp" in mailoutbox[0].to
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mailoutbox[0].body).group(
        1
    )
    html = client.get(link).content.decode()
    assert "メールアドレスの確認" in html


def test_login_page_and_password_reset_are_japanese(client, site_tree, mailoutbox):
    create_user("someone", "someone@example.jp", "pw-Openlab-1", "citizen")
    html = client.get("/accounts/login/").content.decode()
    assert "ログイン" in html and "パスワードを忘れた方" in html
    response = client.post("/accounts/password/reset/", {"email": "someone@example.jp"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "メールを送りました" in client.get(response["Location"]).content.decode()


def test_apply_for_an_existing_stakeholder_then_facilitator_approves(client, site_tree, mailoutbox):
    ensure_role_groups()
    stakeholder = StakeholderFactory(title="にこにこキッチン")
    applicant = create_user("staff", "staff@example.jp", "pw-Openlab-1", "citizen")
    client.force_login(applicant)
    response = client.post(
        "/accounts/partner/apply/", {"stakeholder": stakeholder.pk, "message": "事務局です"}
    )
    assert response.status_code == 302
    membership = PartnerMembership.objects.get(user=applicant)
    assert membership.status == "pending"
    assert not stakeholder.permissions_for_user(applicant).can_edit()
    html = client.get("/accounts/partner/").content.decode()
    assert "承認待ち" in html

    facilitator = create_user("fa", "fa@example.jp", "pw-Openlab-1", "facilitator")
    client.force_login(facilitator)
    html = client.get("/admin/partners/").content.decode()
    assert "にこにこキッチン" in html and "事務局です" in html
    client.post(f"/admin/partners/{membership.pk}/decide/", {"decision": "approve"})
    membership.refresh_from_db()
    assert membership.status == "approved" and membership.decided_by == facilitator
    applicant = get_user_model().objects.get(pk=applicant.pk)
    assert stakeholder.permissions_for_user(applicant).can_edit()
    assert any("承認されました" in mail.subject for mail in mailoutbox)
    from wagtail.models import ModelLogEntry

    assert ModelLogEntry.objects.filter(action="openlab.partner_approved").exists()


def test_apply_for_a_new_stakeholder_creates_a_draft(client, site_tree):
    ensure_role_groups()
    applicant = create_user("staff", "staff@example.jp", "pw-Openlab-1", "citizen")
    client.force_login(applicant)
    client.post("/accounts/partner/apply/", {"new_name": "新しい団体", "new_kind": "npo"})
    page = StakeholderPage.objects.get(title="新しい団体")
    assert not page.live
    assert PartnerMembership.objects.get(user=applicant).new_stakeholder
    assert "新しい団体" not in client.get("/stakeholders/").content.decode()


def test_application_form_errors_are_specific(client, site_tree):
    applicant = create_user("staff", "staff@example.jp", "pw-Openlab-1", "citizen")
    client.force_login(applicant)
    html = client.post("/accounts/partner/apply/", {"new_name": ""}).content.decode()
    assert "ステークホルダーを選ぶか、新しい団体名を入力してください。" in html
    assert client.get("/accounts/partner/apply/").status_code == 200


def test_application_pages_need_login(client, site_tree):
    response = client.get("/accounts/partner/apply/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
