"""Who may apply to be a partner, and how often: children (kids' ambassador accounts) cannot
apply at all, and an account has at most one application awaiting a facilitator (each
application for a new organisation wrote a draft stakeholder page: unlimited before)."""

import pytest

from openlab.accounts.models import PartnerMembership, Role
from openlab.accounts.services import ApplicationError, apply_for_partnership, create_user
from stakeholders.models import StakeholderPage
from tests.factories import StakeholderFactory

pytestmark = pytest.mark.django_db

CHILD_REFUSAL = "こども大使のアカウントでは、パートナー申請はできません"
ONE_PENDING = "承認待ちの申請がすでにあります"


def written():
    return PartnerMembership.objects.count(), StakeholderPage.objects.count()


def test_a_child_is_refused_in_japanese_and_nothing_is_written(client, site_tree):
    child = create_user("kid", "", "pw-Openlab-1", Role.AMBASSADOR, nickname="みどり")
    existing = StakeholderFactory(title="にこにこキッチン")
    client.force_login(child)
    before = written()

    page = client.get("/accounts/partner/apply/")
    html = page.content.decode()
    assert page.status_code == 403
    assert CHILD_REFUSAL in html and '<form class="account-form"' not in html
    assert "/reports/mine/" in html.split("<main", 1)[1]  # where the child's things are

    for data in ({"new_name": "こどもの団体", "new_kind": "npo"}, {"stakeholder": existing.pk}):
        response = client.post("/accounts/partner/apply/", data)
        assert response.status_code == 403
        assert CHILD_REFUSAL in response.content.decode()
    assert written() == before

    with pytest.raises(ApplicationError, match=CHILD_REFUSAL):
        apply_for_partnership(child, new_name="こどもの団体", new_kind="npo")
    assert written() == before


def test_one_pending_application_per_account(client, site_tree):
    applicant = create_user("busy", "busy@example.jp", "pw-Openlab-1", Role.CITIZEN)
    other = StakeholderFactory(title="にこにこキッチン")
    client.force_login(applicant)
    response = client.post("/accounts/partner/apply/", {"new_name": "団体その1", "new_kind": "npo"})
    assert response.status_code == 302
    before = written()

    for data in (
        {"new_name": "団体その2", "new_kind": "npo"},
        {"new_name": "団体その3", "new_kind": "company"},
        {"stakeholder": other.pk},
    ):
        response = client.post("/accounts/partner/apply/", data)
        assert response.status_code == 200
        assert ONE_PENDING in response.content.decode()
    assert written() == before
    assert not StakeholderPage.objects.filter(title__startswith="団体その2").exists()
    # The form page itself says so, and points to the application's status.
    html = client.get("/accounts/partner/apply/").content.decode()
    assert ONE_PENDING in html and "/accounts/partner/" in html

    # Once a facilitator has decided, the account may apply again.
    PartnerMembership.objects.filter(user=applicant).update(
        status=PartnerMembership.Status.REJECTED
    )
    assert apply_for_partnership(applicant, stakeholder=other).status == "pending"


def test_the_facilitators_list_marks_a_child_applicant(client, site_tree):
    from openlab.accounts.services import ensure_role_groups

    ensure_role_groups()
    child = create_user("kid", "", "pw-Openlab-1", Role.AMBASSADOR, nickname="みどり")
    adult = create_user("adult", "adult@example.jp", "pw-Openlab-1", Role.CITIZEN)
    stakeholder = StakeholderFactory(title="にこにこキッチン")
    # An application a child made before children were refused.
    child_application = PartnerMembership.objects.create(user=child, stakeholder=stakeholder)
    PartnerMembership.objects.create(user=adult, stakeholder=stakeholder)
    facilitator = create_user("fa", "fa@example.jp", "pw-Openlab-1", Role.FACILITATOR)
    client.force_login(facilitator)

    html = client.get("/admin/partners/").content.decode()
    child_row = next(row for row in html.split("<tr>") if "<td>kid<" in row)
    adult_row = next(row for row in html.split("<tr>") if "adult@example.jp" in row)
    assert "こども大使" in child_row and "こども大使" not in adult_row, child_row
    # A child cannot be made a partner: no approve button, and the decision is refused.
    assert 'value="approve"' not in child_row and 'value="approve"' in adult_row
    response = client.post(
        f"/admin/partners/{child_application.pk}/decide/", {"decision": "approve"}, follow=True
    )
    child_application.refresh_from_db()
    assert child_application.status == PartnerMembership.Status.PENDING
    assert "こども大使" in response.content.decode()
