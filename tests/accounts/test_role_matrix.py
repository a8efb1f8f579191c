"""Role × action: citizen, partner of A, partner of B, facilitator, ambassador ×
view, edit, publish, delete, import, approve (on stakeholder A)."""

import pytest
from django.contrib.auth import get_user_model

from openlab.accounts.models import PartnerMembership
from openlab.accounts.services import apply_for_partnership, create_user

pytestmark = pytest.mark.django_db

ROLES = ["citizen", "partner_a", "partner_b", "facilitator", "ambassador"]
EXPECTED = {
    #              view  edit   publish delete import approve
    "citizen": (True, False, False, False, False, False),
    "partner_a": (True, True, False, False, False, False),
    "partner_b": (True, False, False, False, False, False),
    "facilitator": (True, True, True, True, True, True),
    "ambassador": (True, False, False, False, False, False),
}


def _can_import(client):
    response = client.get("/admin/stakeholders/import/")
    return response.status_code == 200 and "CSV" in response.content.decode()


def _can_approve(client, roles):
    applicant = create_user("applicant", "ap@example.jp", "pw-Openlab-1", "citizen")
    membership = apply_for_partnership(applicant, stakeholder=roles["a"])
    client.post(f"/admin/partners/{membership.pk}/decide/", {"decision": "approve"})
    membership.refresh_from_db()
    return membership.status == PartnerMembership.Status.APPROVED


@pytest.mark.parametrize("role", ROLES)
def test_role_action_matrix(client, roles, role):
    user = get_user_model().objects.get(pk=roles[role].pk)
    client.force_login(user)
    page = roles["a"]
    tester = page.permissions_for_user(user)
    view = client.get(page.url)
    edit_view = client.get(f"/admin/pages/{page.pk}/edit/")
    got = (
        view.status_code == 200 and "団体A" in view.content.decode(),
        tester.can_edit() and edit_view.status_code == 200,
        tester.can_publish(),
        tester.can_delete(),
        _can_import(client),
        _can_approve(client, roles),
    )
    assert got == EXPECTED[role]
