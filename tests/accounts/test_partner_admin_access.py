"""Partners reach exactly their stakeholder's pages in the Wagtail admin."""

import pytest
from django.contrib.auth import get_user_model
from wagtail.models import Page, PageLogEntry, Workflow

from openlab.accounts.models import PartnerMembership
from openlab.accounts.services import APPROVAL_WORKFLOW
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def _refused(response):
    """Wagtail refuses with 403 or a redirect to the admin home with a message."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response["Location"].rstrip("/") in ("/admin", "")


def _fresh(user):
    return get_user_model().objects.get(pk=user.pk)


@pytest.mark.parametrize("target", ["b", "project_b"])
@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/admin/pages/{id}/edit/"),
        ("post", "/admin/pages/{id}/edit/"),  # save / submit
        ("publish", "/admin/pages/{id}/edit/"),
        ("get", "/admin/pages/{id}/delete/"),
        ("post", "/admin/pages/{id}/delete/"),
        ("get", "/admin/pages/{id}/move/"),
        ("get", "/admin/pages/{id}/copy/"),
        ("post", "/admin/pages/{id}/copy/"),
        ("get", "/admin/pages/{id}/edit/preview/"),
        ("post", "/admin/pages/{id}/edit/preview/"),
        ("get", "/admin/pages/{id}/history/"),
        ("get", "/admin/pages/{id}/revisions/{rev}/view/"),
        ("get", "/admin/pages/{id}/revisions/compare/earliest...{rev}/"),
        ("get", "/admin/pages/{id}/unpublish/"),
        ("post", "/admin/pages/{id}/lock/"),
    ],
)
def test_partner_of_a_is_refused_on_pages_of_b(client, roles, target, method, url):
    page = roles[target]
    client.force_login(roles["partner_a"])
    path = url.format(id=page.pk, rev=page.latest_revision_id)
    if method == "get":
        response = client.get(path)
    elif method == "publish":
        response = client.post(path, {"action-publish": "1", "title": "乗っ取り"})
    else:
        response = client.post(path, {"title": "乗っ取り", "new_title": "乗っ取り"})
    assert _refused(response), (path, response.status_code)
    page.refresh_from_db()
    assert page.title != "乗っ取り"
    assert page.live
    assert Page.objects.filter(title="乗っ取り").count() == 0


def test_partner_of_a_can_open_their_own_pages(client, roles):
    client.force_login(roles["partner_a"])
    for page in (roles["a"], roles["project_a"]):
        response = client.get(f"/admin/pages/{page.pk}/edit/")
        assert response.status_code == 200
        assert page.title in response.content.decode()
        tester = page.permissions_for_user(_fresh(roles["partner_a"]))
        assert tester.can_edit()
        assert not tester.can_publish()  # goes through the approval workflow


def test_owning_moves_with_the_project_lead_and_event_organisers(roles):
    partner_a = roles["partner_a"]
    project = roles["project_b"]
    project.partners.set([roles["a"]])
    project.save_revision().publish()
    assert project.permissions_for_user(_fresh(partner_a)).can_edit()
    project.partners.set([])
    project.save_revision().publish()
    assert not project.permissions_for_user(_fresh(partner_a)).can_edit()

    event = EventFactory(title="Aのイベント")
    assert not event.permissions_for_user(_fresh(partner_a)).can_edit()
    event.organisers.set([roles["a"]])
    event.save_revision().publish()
    assert event.permissions_for_user(_fresh(partner_a)).can_edit()


def test_revoking_a_membership_removes_access(roles):
    PartnerMembership.objects.filter(user=roles["partner_a"]).update(status="rejected")
    membership = PartnerMembership.objects.get(user=roles["partner_a"])
    membership.save()
    assert not roles["a"].permissions_for_user(_fresh(roles["partner_a"])).can_edit()


def test_explorer_lists_only_own_pages_for_partners(client, roles):
    client.force_login(roles["partner_a"])
    index = roles["project_a"].get_parent()
    html = client.get(f"/admin/pages/{index.pk}/").content.decode()
    assert "Aのプロジェクト" in html
    assert "Bのプロジェクト" not in html
    client.force_login(roles["facilitator"])
    html = client.get(f"/admin/pages/{index.pk}/").content.decode()
    assert "Aのプロジェクト" in html and "Bのプロジェクト" in html


def test_partner_edits_go_through_facilitator_approval(roles):
    page = roles["a"]
    partner = _fresh(roles["partner_a"])
    workflow = page.get_workflow()
    assert workflow is not None and workflow.name == APPROVAL_WORKFLOW
    assert Workflow.objects.filter(name=APPROVAL_WORKFLOW).count() == 1

    page.summary = "パートナーが書き換えた紹介"
    page.save_revision(user=partner)
    workflow.start(page, partner)
    page.refresh_from_db()
    assert page.summary != "パートナーが書き換えた紹介"  # not published yet
    task_state = page.current_workflow_task_state
    task = task_state.task.specific
    assert [name for name, *_ in task.get_actions(page, partner)] == []
    facilitator = _fresh(roles["facilitator"])
    assert "approve" in [name for name, *_ in task.get_actions(page, facilitator)]
    task.on_action(task_state, facilitator, "approve")
    page.refresh_from_db()
    assert page.summary == "パートナーが書き換えた紹介"
    actions = set(PageLogEntry.objects.filter(page=page).values_list("action", flat=True))
    assert {"wagtail.workflow.start", "wagtail.workflow.approve", "wagtail.publish"} <= actions


def test_ensure_role_groups_is_idempotent(roles):
    from openlab.accounts.services import ensure_role_groups

    ensure_role_groups()
    ensure_role_groups()
    assert Workflow.objects.filter(name=APPROVAL_WORKFLOW).count() == 1
